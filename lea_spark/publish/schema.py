"""Explicit Spark schemas of the publish.* tables (pandas -> Spark without inference)."""
from __future__ import annotations

import pandas as pd

_AREA = ("reference_period string, area_level string, area_code string, area_name_fi string, "
         "area_name_sv string, parent_area_code string, municipality_code string, wellbeing_county_code string")

SCHEMAS = {
    "area_families": _AREA + ", families bigint, families_status string, families_reason string, "
                             "children bigint, children_status string, children_reason string",
    "group_families": _AREA + ", group_id int, group_name_fi string, group_name_sv string, families bigint, "
                              "status string, reason string, share_pct double, share_status string, share_reason string",
    "type_families": _AREA + ", type_id int, group_id int, families bigint, status string, reason string, "
                             "share_pct double, share_status string, share_reason string",
    "indicator_rates": _AREA + ", indicator string, phenomenon string, unit string, value double, status string, "
                               "reason string",
    "group_profiles": "reference_period string, group_id int, group_name_fi string, group_name_sv string, "
                      "group_name_en string, name_source string, indicator string, phenomenon string, unit string, "
                      "value double, country_value double, status string, reason string",
    "audit": "reference_period string, measure string, area_level string, area_code string, category string, "
             "status string, lower_bound double, upper_bound double, interval_width double, required_width double, "
             "is_protected boolean, interval_is_exact boolean, component_id int, component_cells int",
}
PUBLISH_TABLES = list(SCHEMAS)
FORBIDDEN_COLUMNS = ("family_id", "person_id")


def _python_rows(df: pd.DataFrame, columns: list[str], kinds: list[str]) -> list[tuple]:
    """Plain Python rows: NaN -> None, integral columns back to int (pandas makes them float)."""
    conv = []
    for k in kinds:
        if k in ("bigint", "int"):
            conv.append(int)
        elif k == "double":
            conv.append(float)
        elif k == "boolean":
            conv.append(bool)
        else:
            conv.append(str)
    out = []
    for rec in df[columns].itertuples(index=False, name=None):
        out.append(tuple(None if (v is None or (isinstance(v, float) and v != v)) else f(v)
                         for v, f in zip(rec, conv)))
    return out


def to_spark(spark, name: str, df: pd.DataFrame):
    """The Spark DataFrame of publish table ``name`` with its declared schema."""
    from pyspark.sql.types import _parse_datatype_string

    schema = _parse_datatype_string(SCHEMAS[name])
    columns = [f.name for f in schema.fields]
    bad = [c for c in df.columns if c in FORBIDDEN_COLUMNS]
    if bad:
        raise ValueError(f"publish.{name} must not hold identifier columns {bad}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"publish.{name} lacks columns {missing}")
    kinds = [f.dataType.simpleString() for f in schema.fields]
    return spark.createDataFrame(_python_rows(df, columns, kinds), schema=schema)
