"""Spark side of publishing: family rows -> small area aggregates for the driver.

Only aggregates leave Spark: counts per (municipality, postal area, type, group) and
indicator sums per (municipality, postal area) and per group. Everything after this works on
those aggregates (a few hundred thousand rows at most nationally).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

KEY_COLUMNS = ("family_id", "reference_period", "reference_date", "municipality_code", "postal_code",
               "wellbeing_county_code")
NON_INDICATORS = set(KEY_COLUMNS) | {"n_children"}


class PublishInputError(ValueError):
    """The inputs of publish do not fit together (clear message, nothing written)."""


@dataclass
class Aggregates:
    counts: pd.DataFrame        # municipality_code, postal_code, type_id, group_id, families, children
    indicator_area: pd.DataFrame  # municipality_code, postal_code, + per indicator: n_, sum_, pos_
    indicator_group: pd.DataFrame  # group_id + per indicator: n_, sum_, pos_
    indicators: list[str]
    binary: dict[str, bool]


def indicator_columns(features: DataFrame) -> list[str]:
    """Every numeric non-key column of gold.family_features, in table order."""
    numeric = ("double", "float", "int", "bigint", "smallint", "tinyint", "decimal")
    return [f.name for f in features.schema.fields
            if f.name not in NON_INDICATORS and f.dataType.simpleString().startswith(numeric)]


def family_base(features: DataFrame, segments: DataFrame, period: str,
                children: DataFrame | None = None) -> DataFrame:
    """One row per family of ``period``: geography, type, group, children and indicators.

    ``children`` (family_id, n_children) is used when the features carry no ``n_children``.
    """
    f = features.where(F.col("reference_period") == F.lit(period))
    s = (segments.where(F.col("reference_period") == F.lit(period))
         .select("family_id", F.col("type_id").cast("int").alias("type_id"),
                 F.col("group_id").cast("int").alias("group_id")))
    base = f.alias("f").join(s.alias("s"), on="family_id", how="inner")
    if "n_children" not in features.columns:
        if children is not None:
            base = base.join(children.select("family_id", F.col("n_children").cast("long").alias("n_children")),
                             on="family_id", how="left")
        else:
            base = base.withColumn("n_children", F.lit(None).cast("long"))
    return base


def check_join(features: DataFrame, segments: DataFrame, period: str) -> dict[str, int]:
    """Families of the period in features only, in segments only, and in both (one action)."""
    f = features.where(F.col("reference_period") == F.lit(period)).select("family_id").withColumn("in_f", F.lit(1))
    s = segments.where(F.col("reference_period") == F.lit(period)).select("family_id").withColumn("in_s", F.lit(1))
    j = f.join(s, on="family_id", how="full")
    row = j.agg(
        F.sum(F.when(F.col("in_f").isNotNull() & F.col("in_s").isNotNull(), 1).otherwise(0)).alias("both"),
        F.sum(F.when(F.col("in_s").isNull(), 1).otherwise(0)).alias("features_only"),
        F.sum(F.when(F.col("in_f").isNull(), 1).otherwise(0)).alias("segments_only"),
        F.sum(F.when(F.col("family_id").isNull(), 1).otherwise(0)).alias("null_ids"),
    ).collect()[0]
    return {k: int(row[k] or 0) for k in ("both", "features_only", "segments_only", "null_ids")}


def aggregate(base: DataFrame, indicators: list[str], counts_of: set[str] | frozenset = frozenset()) -> Aggregates:
    """Collect the aggregates the publication is built from (bounded by areas x types).

    An indicator is published as a share of families (``binary``) when every value is 0 or 1,
    and so are the indicators of ``counts_of`` (counts of people or events): their share is of
    the families with at least one. A mean of such a count would give away its sum, e.g. that
    one child of the area has a psychiatric diagnosis."""
    counts = (base.groupBy("municipality_code", "postal_code", "type_id", "group_id")
              .agg(F.count(F.lit(1)).alias("families"), F.sum("n_children").alias("children"))
              .toPandas())
    stats = []
    for name in indicators:
        c = F.col(name).cast("double")
        stats += [
            F.count(c).alias(f"n__{name}"),
            F.sum(c).alias(f"sum__{name}"),
            F.sum(F.when(c > 0, 1).otherwise(0)).alias(f"pos__{name}"),
            F.sum(F.when(c.isNotNull() & ~c.isin(0.0, 1.0), 1).otherwise(0)).alias(f"nonbin__{name}"),
        ]
    if stats:
        by_area = base.groupBy("municipality_code", "postal_code").agg(*stats).toPandas()
        by_group = base.groupBy("group_id").agg(*stats).toPandas()
    else:
        by_area = pd.DataFrame(columns=["municipality_code", "postal_code"])
        by_group = pd.DataFrame(columns=["group_id"])
    binary = {name: name in counts_of or int(by_area[f"nonbin__{name}"].fillna(0).sum()) == 0 for name in indicators}
    return Aggregates(counts, by_area, by_group, list(indicators), binary)
