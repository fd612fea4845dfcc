"""Build families with children on the reference date: bronze population tables -> silver.

Writes ``silver.persons``, ``silver.household_vertices``, ``silver.household_edges``,
``silver.families``, ``silver.family_members`` and ``silver.household_quarantine`` (rows of
the inputs that could not be used, each with a rule and a reason). ``silver.persons``,
``silver.families`` and ``silver.family_members`` carry the 64-bit join keys of their ids
(``person_key, person_chk``, ``family_key``: :mod:`lea_spark.joinkeys`) after their columns.

Intermediate results that several tables read (the checked relations, the legal parents and
the families' children) are staged once in Parquet under ``<lake>/_staging/households-<id>/``
instead of being computed again for each table; the folder is removed when the job ends,
also when it fails.
"""
from __future__ import annotations

from pathlib import Path

from lea_spark.config import Config, iso_date
from lea_spark.households import DuplicateKeyError, assert_unique
from lea_spark.households.families import (
    KEY_COLLISION,
    KeyCollisionError,
    build_members,
    family_children,
    person_keys,
    summarise_families,
    with_county,
)
from lea_spark.households.geo import postal_points
from lea_spark.households.graph import (
    build_edges, build_vertices, checked_partnerships, checked_relations, legal_parents, partnerships_on,
)
from lea_spark.households.persons import build_persons
from lea_spark.ingest.staging import stage_parquet
from lea_spark.jobs.common import remove_staging, staging_dir
from lea_spark.joinkeys import keyed, with_stored_keys, without_keys
from lea_spark.lake import read_table, write_table
from lea_spark.progress import step
from lea_spark.session import get_spark

JOB = "households"
POSTAL_FILE = "postal_areas_2025.csv"
MUNICIPALITY_FILE = "municipalities_2025.csv"


def add_arguments(parser) -> None:
    parser.add_argument("--reference-date", default=None, type=iso_date,
                        help="families as of this day (default project.reference_date)")


def read_geography(spark, cfg: Config):
    """(postal areas, municipalities) from ``paths.geo``, every column a string."""
    geo = cfg.path("geo")
    for name in (POSTAL_FILE, MUNICIPALITY_FILE):
        if not (geo / name).is_file():
            raise FileNotFoundError(f"geography file {geo / name} not found (paths.geo = {cfg['paths.geo']})")
    read = spark.read.option("header", True).option("inferSchema", False).option("encoding", "UTF-8")
    return read.csv(str(geo / POSTAL_FILE)), read.csv(str(geo / MUNICIPALITY_FILE))


def run(cfg: Config, args) -> dict:
    import uuid

    staging = staging_dir(cfg, f"households-{uuid.uuid4().hex}")
    try:
        return _run(cfg, args, staging)
    finally:
        remove_staging(staging)


def _run(cfg: Config, args, staging: Path) -> dict:
    from pyspark.sql import functions as F

    ref_date = getattr(args, "reference_date", None) or cfg["project.reference_date"]
    spark = get_spark(cfg)

    def keep(name: str):
        """Stage an intermediate result that several tables read, so that it is computed once."""
        return lambda df: stage_parquet(spark, df, staging / name)

    with step(JOB, "read bronze and geography"):
        # The graph works on the ids, families on the keys; keys are written beside the ids.
        stored = {t: read_table(spark, cfg, f"bronze.{t}")
                  for t in ("persons", "relations", "partnerships", "residences")}
        bronze = {t: without_keys(df) for t, df in stored.items()}
        postal_areas, municipalities = read_geography(spark, cfg)
        postal_areas, municipalities = postal_areas.cache(), municipalities.cache()
    with step(JOB, "check keys"):
        # Unique 64-bit keys imply unique ids; when the keys repeat, the ids say whether an id
        # repeats (the usual message) or two ids share a key.
        try:
            assert_unique(keyed(stored["persons"]), ["person_id"], "bronze.persons (64-bit join keys)")
        except DuplicateKeyError:
            assert_unique(bronze["persons"], ["person_id"], "bronze.persons")
            raise KeyCollisionError(KEY_COLLISION) from None
    with step(JOB, "silver.persons") as s:
        persons, q_res = build_persons(bronze["persons"], bronze["residences"], ref_date)
        r = write_table(cfg, with_stored_keys(persons), "silver.persons")
        s.rows_out = r.rows
    # Families are built on the stored keys of silver.persons; the graph works on the ids.
    persons_keyed = read_table(spark, cfg, "silver.persons")
    persons = without_keys(persons_keyed)
    ref = F.lit(ref_date).cast("date")
    with step(JOB, "checked relations, legal parents, children"):
        # Read by the edges, the members, the families and the quarantine: staged once.
        rel, q_rel = checked_relations(bronze["relations"], bronze["persons"], keep("relations"))
        legal = keep("legal_parents")(legal_parents(rel))
        fam, pairs, q_children = family_children(person_keys(persons_keyed), ref_date)
        children = (keep("families")(fam), keep("children")(pairs), q_children)
    with step(JOB, "checked partnerships"):
        part, q_part = checked_partnerships(bronze["partnerships"], bronze["persons"], keep("partnerships"))
    partners = partnerships_on(part, ref)
    with step(JOB, "silver.household_vertices") as s:
        s.rows_out = write_table(cfg, build_vertices(persons), "silver.household_vertices").rows
    with step(JOB, "silver.household_edges") as s:
        edges = build_edges(rel, partners, persons, int(cfg["households.max_coresident_edges_dwelling"]))
        s.rows_out = write_table(cfg, edges, "silver.household_edges").rows
    points = postal_points(postal_areas, municipalities)
    members, q_fam = build_members(persons_keyed, legal, partners, points, municipalities, ref_date, children)
    with step(JOB, "silver.family_members") as s:
        rm = write_table(cfg, with_stored_keys(members), "silver.family_members")
        s.rows_out = rm.rows
    members = read_table(spark, cfg, "silver.family_members")
    with step(JOB, "silver.families") as s:
        families = with_county(summarise_families(members, persons_keyed, legal, ref_date, children), municipalities)
        rf = write_table(cfg, with_stored_keys(families), "silver.families")
        s.rows_in, s.rows_out = rm.rows, rf.rows
    with step(JOB, "silver.household_quarantine") as s:
        rq = write_table(cfg, q_res.unionByName(q_rel).unionByName(q_part).unionByName(q_fam),
                         "silver.household_quarantine")
        s.rows_out = rq.rows
    return {
        "tables": "silver.persons, silver.household_vertices, silver.household_edges, silver.families, "
                  "silver.family_members, silver.household_quarantine",
        "reference_date": ref_date,
        "families": rf.rows,
        "family_members": rm.rows,
        "quarantined": rq.rows,
    }
