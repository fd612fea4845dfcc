"""Compute the indicators of the 11 phenomena per family: silver + bronze events -> gold.family_features.

Writes ``gold.family_features`` partitioned by ``reference_period``; a run replaces only
its own period. ``--write-docs`` regenerates ``docs/indicators.md`` from the catalog and exits.
"""
from __future__ import annotations

from lea_spark.config import Config, iso_date
from lea_spark.lake import read_table, write_table
from lea_spark.progress import step
from lea_spark.session import get_spark

JOB = "indicators"
EVENT_TABLES = ("residences", "earnings", "social_assistance", "housing_allowance", "unemployment", "pensions",
                "degrees", "care_episodes", "social_care_episodes", "primary_care_visits")


def add_arguments(parser) -> None:
    parser.add_argument("--reference-date", default=None, type=iso_date, help="as of this day (default project.reference_date)")
    parser.add_argument("--write-docs", action="store_true", help="regenerate docs/indicators.md from the catalog and exit")


def run(cfg: Config, args) -> dict:
    if getattr(args, "write_docs", False):
        from lea_spark.indicators.docs import write

        return {"docs": str(write())}
    from lea_spark.households import assert_unique
    from lea_spark.indicators import CATALOG, Params, build_features
    from lea_spark.joinkeys import keyed

    prm = Params.from_config(cfg, getattr(args, "reference_date", None))
    spark = get_spark(cfg)
    with step(JOB, "read silver and bronze"):
        families = read_table(spark, cfg, "silver.families")
        members = read_table(spark, cfg, "silver.family_members")
        persons = read_table(spark, cfg, "silver.persons")
        events = {t: read_table(spark, cfg, f"bronze.{t}") for t in EVENT_TABLES}
    with step(JOB, "check keys"):
        # On the 64-bit join keys the indicators use: unique keys imply unique ids, and a
        # repeated key is either a repeated id or a hash collision (the message says which
        # table; build_features catches collisions with event rows itself).
        assert_unique(keyed(families), ["family_id"], "silver.families (64-bit join keys)")
        assert_unique(keyed(members), ["family_id", "person_id"], "silver.family_members (64-bit join keys)")
        assert_unique(keyed(persons), ["person_id"], "silver.persons (64-bit join keys)")
    with step(JOB, "gold.family_features") as s:
        features = build_features(families, members, persons, events, prm)
        period = prm.reference_date[:4]
        r = write_table(cfg, features, "gold.family_features", mode="replace",
                        partition_by=["reference_period"], replace_where={"reference_period": period})
        s.rows_out = r.rows
    return {"tables": "gold.family_features", "reference_period": period, "families": r.rows,
            "indicators": len(CATALOG)}
