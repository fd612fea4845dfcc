"""The publication hierarchy: country > wellbeing services county > municipality > postal area.

Built from the 2025 classification files under ``paths.geo``:

* counties are the ``wellbeing_county_code`` values of ``municipalities_2025.csv`` (01-21,
  90 City of Helsinki, 91 Åland);
* every postal area belongs to the ONE municipality ``postal_areas_2025.csv`` gives it.
  Postal areas cross municipal borders, so a family counts in its residence municipality
  at municipality level and in its residence postal area at postal level; the difference
  per municipality is the relation's offset (see :mod:`lea_spark.disclosure.table`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COUNTRY_CODE = "FI"
LEVELS = ("country", "county", "municipality", "postal_area")

AREA_COLUMNS = ["area_level", "area_code", "area_name_fi", "area_name_sv", "parent_area_code",
                "municipality_code", "wellbeing_county_code"]


def read_geography(geo_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(municipalities, postal_areas)`` as text-coded pandas frames (reference data only)."""
    geo = Path(geo_dir)
    munis_path, postal_path = geo / "municipalities_2025.csv", geo / "postal_areas_2025.csv"
    for p in (munis_path, postal_path):
        if not p.is_file():
            raise FileNotFoundError(f"geography file not found: {p} (set paths.geo)")
    munis = pd.read_csv(munis_path, dtype=str, keep_default_na=False, encoding="utf-8")
    postal = pd.read_csv(postal_path, dtype=str, keep_default_na=False, encoding="utf-8")
    return munis, postal


def build_areas(munis: pd.DataFrame, postal: pd.DataFrame) -> pd.DataFrame:
    """One row per published area, parents included, in hierarchy order."""
    need_m = {"municipality_code", "name_fi", "name_sv", "wellbeing_county_code",
              "wellbeing_county_name_fi", "wellbeing_county_name_sv"}
    need_p = {"postal_code", "name_fi", "name_sv", "municipality_code"}
    for frame, need, name in ((munis, need_m, "municipalities"), (postal, need_p, "postal areas")):
        missing = need - set(frame.columns)
        if missing:
            raise ValueError(f"{name} file lacks columns {sorted(missing)}")
    country = pd.DataFrame([{
        "area_level": "country", "area_code": COUNTRY_CODE, "area_name_fi": "Koko maa",
        "area_name_sv": "Hela landet", "parent_area_code": None, "municipality_code": None,
        "wellbeing_county_code": None,
    }])
    c = (munis[["wellbeing_county_code", "wellbeing_county_name_fi", "wellbeing_county_name_sv"]]
         .drop_duplicates("wellbeing_county_code").sort_values("wellbeing_county_code"))
    counties = pd.DataFrame({
        "area_level": "county", "area_code": c["wellbeing_county_code"].values,
        "area_name_fi": c["wellbeing_county_name_fi"].values,
        "area_name_sv": c["wellbeing_county_name_sv"].replace("", None).fillna(c["wellbeing_county_name_fi"]).values,
        "parent_area_code": COUNTRY_CODE, "municipality_code": None,
        "wellbeing_county_code": c["wellbeing_county_code"].values,
    })
    m = munis.sort_values("municipality_code")
    municipalities = pd.DataFrame({
        "area_level": "municipality", "area_code": m["municipality_code"].values,
        "area_name_fi": m["name_fi"].values,
        "area_name_sv": m["name_sv"].replace("", None).fillna(m["name_fi"]).values,
        "parent_area_code": m["wellbeing_county_code"].values,
        "municipality_code": m["municipality_code"].values,
        "wellbeing_county_code": m["wellbeing_county_code"].values,
    })
    county_of = dict(zip(m["municipality_code"], m["wellbeing_county_code"]))
    unknown = sorted(set(postal["municipality_code"]) - set(county_of))
    if unknown:
        raise ValueError(f"postal areas refer to municipalities not in the classification: {unknown[:10]}")
    p = postal.sort_values("postal_code")
    postal_areas = pd.DataFrame({
        "area_level": "postal_area", "area_code": p["postal_code"].values,
        "area_name_fi": p["name_fi"].values,
        "area_name_sv": p["name_sv"].replace("", None).fillna(p["name_fi"]).values,
        "parent_area_code": p["municipality_code"].values,
        "municipality_code": p["municipality_code"].values,
        "wellbeing_county_code": p["municipality_code"].map(county_of).values,
    })
    areas = pd.concat([country, counties, municipalities, postal_areas], ignore_index=True)
    return areas[AREA_COLUMNS]
