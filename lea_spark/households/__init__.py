"""Households (silver): persons on the reference date, the household graph, families with
children and the role of each member. Functions DataFrame -> DataFrame; the job
:mod:`lea_spark.jobs.households` reads bronze and writes silver."""
from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lea_spark.households.families import ROLES, STRUCTURES, build_families
from lea_spark.households.geo import haversine_km, municipality_points, postal_points
from lea_spark.households.graph import (
    build_edges,
    build_vertices,
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
) -> HouseholdTables:
    """All silver household tables from the bronze population tables and the geography.

    With ``check_keys`` the person key of ``persons`` is verified unique first (one Spark
    job), so that no join below can multiply rows.
    """
    if check_keys:
        assert_unique(persons, ["person_id"], "bronze.persons")
    ref = F.lit(ref_date).cast("date")
    silver_persons, q_res = build_persons(persons, residences, ref_date)
    rel, q_rel = checked_relations(relations, persons)
    legal = legal_parents(rel)
    partners = partnerships_on(partnerships, ref)
    edges = build_edges(rel, partners, silver_persons, max_coresident_edges_dwelling)
    points = postal_points(postal_areas, municipalities)
    families, members, q_fam = build_families(silver_persons, legal, partners, points, municipalities, ref_date)
    counties = municipality_points(municipalities).select("municipality_code", "wellbeing_county_code")
    families = families.join(F.broadcast(counties), on="municipality_code", how="left").select(
        "family_id", "reference_date", "municipality_code", "postal_code", "wellbeing_county_code",
        *[c for c in families.columns if c not in ("family_id", "reference_date", "municipality_code", "postal_code")],
    )
    return HouseholdTables(
        persons=silver_persons,
        vertices=build_vertices(silver_persons),
        edges=edges,
        families=families,
        members=members,
        quarantine=q_res.unionByName(q_rel).unionByName(q_fam),
    )
