"""Hand-built gold inputs for the publish and report tests (no tests here).

Families are spread over all 308 municipalities: every municipality gets between 1 and
``max_families`` families in its own postal areas (Kaskinen's in 64260, keyed to Närpiö),
deterministically from a seed, with 20 family types nested in 10 groups.
"""
from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

GEO = Path(__file__).resolve().parents[2] / "shared" / "reference" / "geo"
PERIOD = "2022"
FEATURE_COLUMNS = ["family_id", "reference_period", "reference_date", "municipality_code", "postal_code",
                   "wellbeing_county_code", "n_children", "low_income", "moves_5y"]


def hand_built_families(seed: int = 3, max_families: int = 30, big: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per family: geography, type, group and three indicator columns."""
    rng = random.Random(seed)
    munis = pd.read_csv(GEO / "municipalities_2025.csv", dtype=str, keep_default_na=False)
    postal = pd.read_csv(GEO / "postal_areas_2025.csv", dtype=str, keep_default_na=False)
    postals_of = postal.groupby("municipality_code").postal_code.apply(list).to_dict()
    postals_of.setdefault("231", ["64260"])
    big = big or {}
    rows = []
    fid = 0
    for m, county in zip(munis.municipality_code, munis.wellbeing_county_code):
        n = big.get(m, rng.randint(1, max_families))
        for _ in range(n):
            fid += 1
            ty = rng.randint(1, 20)
            rows.append({
                "family_id": f"f{fid:06d}", "reference_period": PERIOD, "reference_date": "2022-12-31",
                "municipality_code": m, "postal_code": rng.choice(postals_of[m][:3]),
                "wellbeing_county_code": county, "n_children": float(rng.randint(1, 4)),
                "low_income": float(rng.random() < 0.3), "moves_5y": float(rng.randint(0, 3)),
                "type_id": ty, "group_id": (ty - 1) // 2 + 1,
            })
    return pd.DataFrame(rows)


def dense_families(per_type: int = 5, small: dict[tuple[str, int], int] | None = None) -> pd.DataFrame:
    """``per_type`` families of each of 20 types in every postal area (300k families).

    Dense enough that only the planted cells are small: ``small`` maps (postal_code,
    type_id) -> number of families left there. Kaskinen (231) families live in 64260,
    keyed to Närpiö (545): they count in 231 at municipality level, in 64260 at postal level.
    """
    munis = pd.read_csv(GEO / "municipalities_2025.csv", dtype=str, keep_default_na=False)
    postal = pd.read_csv(GEO / "postal_areas_2025.csv", dtype=str, keep_default_na=False)
    county_of = dict(zip(munis.municipality_code, munis.wellbeing_county_code))
    small = small or {}
    homes = list(zip(postal.postal_code, postal.municipality_code)) + [("64260", "231")]
    rows = []
    fid = 0
    for p, m in homes:
        for ty in range(1, 21):
            for k in range(small.get((p, ty), per_type)):
                fid += 1
                rows.append((f"f{fid:07d}", m, p, county_of[m], float(1 + (fid % 3)), float(fid % 4 == 0),
                             float(fid % 3), ty, (ty - 1) // 2 + 1))
    df = pd.DataFrame(rows, columns=["family_id", "municipality_code", "postal_code", "wellbeing_county_code",
                                     "n_children", "low_income", "moves_5y", "type_id", "group_id"])
    df["reference_period"] = PERIOD
    df["reference_date"] = "2022-12-31"
    return df


def write_gold(spark, cfg, families: pd.DataFrame) -> None:
    """Write gold.family_features and gold.family_segments from ``families``."""
    from pyspark.sql import functions as F

    from lea_spark.lake import write_table

    feats = spark.createDataFrame(families[FEATURE_COLUMNS]).withColumn(
        "reference_date", F.to_date("reference_date"))
    segs = spark.createDataFrame(families[["family_id", "reference_period", "type_id", "group_id"]]).select(
        "family_id", "reference_period", F.col("type_id").cast("int"), F.col("group_id").cast("int"),
        F.lit("lea-family-types").alias("model_name"), F.lit(1).alias("model_version"))
    write_table(cfg, feats, "gold.family_features")
    write_table(cfg, segs, "gold.family_segments")


def test_a_count_in_a_summary_is_never_below_the_threshold():
    from lea_spark.publish.build import shown_count

    assert [shown_count(n, 5) for n in (0, 1, 4, 5, 120)] == [0, "fewer than 5", "fewer than 5", 5, 120]
