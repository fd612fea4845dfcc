"""The household graph in GraphFrames layout: vertices (``id`` + person attributes) and
edges (``src, dst, relationship``), built with DataFrame joins only.

Edge kinds (``src`` -> ``dst``):

* ``mother``, ``father``, ``adoptive_mother``, ``adoptive_father``: ``dst`` is that parent
  of ``src`` (the direction of ``bronze.relations``: ``relative_id`` is the ... of
  ``person_id``).
* ``spouse`` (marriage) and ``registered_partner``: partnerships in force on the reference
  date, one edge in each direction.
* ``co_resident``: two persons living in the same dwelling on the reference date, one edge
  in each direction; dwellings with more residents than
  ``households.max_coresident_edges_dwelling`` (institutions) get none, to keep the edge
  table linear in the population.

Legal parents (used for families): the adoptive parents of a child with two adoptive
parents; otherwise all parents listed (biological and adoptive - a stepchild adoption
keeps the biological parent it was made with).
"""
from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lea_spark.households.persons import quarantine_rows

PARENT_TYPES = ("mother", "father", "adoptive_mother", "adoptive_father")
PARTNER_EDGE = {"married": "spouse", "registered": "registered_partner"}


def _flag_known(pairs: DataFrame, persons: DataFrame, other: str,
                keep: Callable[[DataFrame], DataFrame] | None) -> DataFrame:
    """``pairs`` with ``_person_known`` and ``_<other>_known``: whether ``person_id`` and the
    column ``other`` are ids of ``persons`` (two left joins); ``keep`` applied to the result."""
    ids = persons.select(F.col("person_id").alias("_known_id"))
    flagged = (
        pairs.join(ids, F.col("person_id") == F.col("_known_id"), how="left")
        .withColumn("_person_known", F.col("_known_id").isNotNull()).drop("_known_id")
        .join(ids, F.col(other) == F.col("_known_id"), how="left")
        .withColumn(f"_{other}_known", F.col("_known_id").isNotNull()).drop("_known_id")
    )
    return keep(flagged) if keep is not None else flagged


def _split(flagged: DataFrame, known: Column, ok: Column, table: str, unknown: tuple[str, Column],
           bad: tuple[str, Column]) -> tuple[DataFrame, DataFrame]:
    """(rows of ``flagged`` with both ends ``known`` and ``ok``, quarantine rows of the others:
    rule and reason ``unknown`` for an unknown end, ``bad`` for known ends that are not ``ok``)."""
    quarantine = quarantine_rows(flagged.filter(~known), unknown[0], unknown[1], table).unionByName(
        quarantine_rows(flagged.filter(known & ~ok), bad[0], bad[1], table))
    return flagged.filter(known & ok), quarantine


def checked_relations(relations: DataFrame, persons: DataFrame,
                      keep: Callable[[DataFrame], DataFrame] | None = None) -> tuple[DataFrame, DataFrame]:
    """Relations whose both ends are known persons and whose type is a parent type, and
    quarantine rows for the others. ``keep`` (e.g. staging in Parquet) is applied to the
    relations flagged by the two joins with the persons, which both results read: the
    households job reads them for the edges, the members, the families and the quarantine."""
    flagged = _flag_known(relations, persons, "relative_id", keep)
    known = F.col("_person_known") & F.col("_relative_id_known")
    type_ok = F.coalesce(F.col("relation_type").isin(*PARENT_TYPES), F.lit(False)) & (
        F.col("person_id") != F.col("relative_id"))
    good, quarantine = _split(
        flagged, known, type_ok, "relations",
        ("relation_unknown_person", F.lit("relation refers to a person or relative not in bronze.persons; not used")),
        ("relation_bad_type", F.concat(F.lit("relation type "), F.coalesce(F.col("relation_type"), F.lit("null")),
                                       F.lit(" is not a parent type, or a person is their own relative; not used"))))
    return good.select("person_id", "relative_id", "relation_type").dropDuplicates(), quarantine


def checked_partnerships(partnerships: DataFrame, persons: DataFrame,
                         keep: Callable[[DataFrame], DataFrame] | None = None) -> tuple[DataFrame, DataFrame]:
    """Partnerships whose both persons are in ``persons`` and who are two different persons,
    and quarantine rows for the others (rules ``partnership_unknown_person`` and
    ``partnership_self``). ``keep`` is applied to the flagged rows, which both results read."""
    flagged = _flag_known(partnerships, persons, "partner_id", keep)
    known = F.col("_person_known") & F.col("_partner_id_known")
    distinct = F.col("person_id") != F.col("partner_id")
    good, quarantine = _split(
        flagged, known, distinct, "partnerships",
        ("partnership_unknown_person", F.lit("partnership refers to a person or partner not in bronze.persons; not used")),
        ("partnership_self", F.lit("a person is their own partner; not used")))
    return good.drop("_person_known", "_partner_id_known"), quarantine


def legal_parents(relations: DataFrame) -> DataFrame:
    """``child_id, parent_id, is_adoptive`` (unique per child and parent)."""
    rel = relations.select(
        F.col("person_id").alias("child_id"),
        F.col("relative_id").alias("parent_id"),
        F.col("relation_type").startswith("adoptive").alias("is_adoptive"),
    ).groupBy("child_id", "parent_id").agg(F.max("is_adoptive").alias("is_adoptive"))
    n_adoptive = rel.groupBy("child_id").agg(F.sum(F.col("is_adoptive").cast("int")).alias("n_adoptive"))
    return (
        rel.join(n_adoptive, on="child_id", how="inner")
        .filter(F.col("is_adoptive") | (F.col("n_adoptive") < 2))
        .select("child_id", "parent_id", "is_adoptive")
    )


def partnerships_on(partnerships: DataFrame, ref: Column) -> DataFrame:
    """``person_id, partner_id, relationship`` for partnerships in force on ``ref``, both directions."""
    active = partnerships.filter(
        (F.col("start_date") <= ref) & (F.col("end_date").isNull() | (F.col("end_date") > ref))
        & (F.col("person_id") != F.col("partner_id"))
    )
    rel = F.coalesce(
        F.element_at(F.create_map(*[F.lit(x) for kv in PARTNER_EDGE.items() for x in kv]), F.col("partnership_type")),
        F.lit("partner"),
    )
    one = active.select("person_id", "partner_id", rel.alias("relationship"))
    other = active.select(F.col("partner_id").alias("person_id"), F.col("person_id").alias("partner_id"),
                          rel.alias("relationship"))
    return one.unionByName(other).dropDuplicates(["person_id", "partner_id"])


def build_edges(relations: DataFrame, partners: DataFrame, persons: DataFrame, max_dwelling: int) -> DataFrame:
    """``src, dst, relationship`` (see the module docstring)."""
    parent_edges = relations.select(
        F.col("person_id").alias("src"), F.col("relative_id").alias("dst"), F.col("relation_type").alias("relationship"))
    partner_edges = partners.select(F.col("person_id").alias("src"), F.col("partner_id").alias("dst"), "relationship")
    resident = persons.filter(F.col("dwelling_id").isNotNull()).select("person_id", "dwelling_id")
    small = (resident.groupBy("dwelling_id").agg(F.count(F.lit(1)).alias("n"))
             .filter(F.col("n") <= max_dwelling).select("dwelling_id"))
    res_small = resident.join(small, on="dwelling_id", how="left_semi")
    co = (
        res_small.alias("a").join(res_small.alias("b"), on="dwelling_id", how="inner")
        .filter(F.col("a.person_id") != F.col("b.person_id"))
        .select(F.col("a.person_id").alias("src"), F.col("b.person_id").alias("dst"),
                F.lit("co_resident").alias("relationship"))
    )
    return parent_edges.unionByName(partner_edges).unionByName(co)


def build_vertices(persons: DataFrame) -> DataFrame:
    """``id`` plus the person attributes of ``silver.persons``."""
    return persons.select(F.col("person_id").alias("id"), *[c for c in persons.columns if c != "person_id"])
