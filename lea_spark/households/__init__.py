"""Households (silver): persons on the reference date, the household graph, families with
children and the role of each member. Functions DataFrame -> DataFrame; the job
:mod:`lea_spark.jobs.households` reads bronze and writes silver."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lea_spark.households.families import (
    ROLES,
    STRUCTURES,
    build_members,
    check_person_keys,
    person_keys,
    summarise_families,
    with_county,
)
from lea_spark.households.geo import haversine_km, municipality_points, postal_points  # noqa: F401
from lea_spark.households.graph import (
    build_edges,
    build_vertices,
    checked_partnerships,
    checked_relations,
    legal_parents,
    partnerships_on,
)
from lea_spark.households.keys import DuplicateKeyError, assert_unique
from lea_spark.households.persons import build_persons

__all__ = [
    "HouseholdTables", "build_households", "assert_unique", "DuplicateKeyError", "haversine_km",
    "postal_points", "municipality_points", "ROLES", "STRUCTURES",
]


@dataclass
class HouseholdTables:
    persons: DataFrame
    vertices: DataFrame
    edges: DataFrame
    families: DataFrame
    members: DataFrame
    quarantine: DataFrame


def build_households(
    persons: DataFrame,
    relations: DataFrame,
    partnerships: DataFrame,
    residences: DataFrame,
    postal_areas: DataFrame,
    municipalities: DataFrame,
    ref_date: str,
    max_coresident_edges_dwelling: int = 20,
    check_keys: bool = True,
    checkpoint: Callable[[DataFrame], DataFrame] | None = None,
) -> HouseholdTables:
    """All silver household tables from the bronze population tables and the geography.

    With ``check_keys`` the person ids of ``persons`` and their 64-bit keys are verified unique first (Spark jobs),
    so that no join below can multiply rows. ``checkpoint`` (e.g. ``DataFrame.localCheckpoint``
    or a write and read back) is applied to the persons and members, which every later table
    reads several times; without it the plans repeat that work.
    """
    keep = checkpoint or (lambda df: df)
    if check_keys:
        assert_unique(persons, ["person_id"], "bronze.persons")
        check_person_keys(person_keys(persons))
    ref = F.lit(ref_date).cast("date")
    silver_persons, q_res = build_persons(persons, residences, ref_date)
    silver_persons = keep(silver_persons)
    rel, q_rel = checked_relations(relations, persons)
    legal = legal_parents(rel)
    part, q_part = checked_partnerships(partnerships, persons)
    partners = partnerships_on(part, ref)
    edges = build_edges(rel, partners, silver_persons, max_coresident_edges_dwelling)
    points = postal_points(postal_areas, municipalities)
    members, q_fam = build_members(silver_persons, legal, partners, points, municipalities, ref_date)
    members = keep(members)
    families = with_county(summarise_families(members, silver_persons, legal, ref_date), municipalities)
    return HouseholdTables(
        persons=silver_persons,
        vertices=build_vertices(silver_persons),
        edges=edges,
        families=families,
        members=members,
        quarantine=q_res.unionByName(q_rel).unionByName(q_part).unionByName(q_fam),
    )
