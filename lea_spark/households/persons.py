"""``silver.persons``: every person of the population register with age and residence on the
reference date, plus the quarantine rows of residence spells that cannot be used.

Residence rule: a spell covers day *d* when ``start_date <= d`` and (``end_date`` is null or
``end_date >= d``); when several spells cover the reference date the one that started last
wins (a move on the reference date itself makes the previous spell end that day). A spell
that truly overlaps another one (not just touching it on its last day) is reported in the
quarantine with rule ``overlapping_residence``; a spell ending before it starts is reported
with ``residence_end_before_start`` and not used. Persons dead on or before the reference
date have no residence on it.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

QUARANTINE_SCHEMA = (
    "rule string, reason string, person_id string, source_table string, source_file string, source_row long"
)


def age_on(birth: Column, ref: Column) -> Column:
    """Age in completed years on ``ref``."""
    return F.floor(F.months_between(ref, birth) / F.lit(12)).cast("int")


def _meta(df: DataFrame, name: str, kind: str) -> Column:
    return F.col(name).cast(kind) if name in df.columns else F.lit(None).cast(kind)


def quarantine_rows(df: DataFrame, rule: str, reason: Column, source_table: str) -> DataFrame:
    """Rows of ``df`` as quarantine rows (``person_id`` and ingest metadata carried over)."""
    return df.select(
        F.lit(rule).alias("rule"),
        reason.alias("reason"),
        F.col("person_id").cast("string").alias("person_id"),
        F.lit(source_table).alias("source_table"),
        _meta(df, "source_file", "string").alias("source_file"),
        _meta(df, "source_row", "long").alias("source_row"),
    )


def spell_in_order() -> Column:
    """True for a residence spell that does not end before it starts (the others are not used:
    households quarantine them, indicators skip them)."""
    return F.col("end_date").isNull() | (F.col("end_date") >= F.col("start_date"))


def residences_on(residences: DataFrame, ref: Column) -> tuple[DataFrame, DataFrame]:
    """(one residence per person on ``ref``: ``person_id, dwelling_id, municipality_code,
    postal_code, residence_start_date``; quarantine rows)."""
    bad_order = residences.filter(~spell_in_order())
    good = residences.filter(spell_in_order())
    covering = good.filter((F.col("start_date") <= ref) & (F.col("end_date").isNull() | (F.col("end_date") >= ref)))
    w = Window.partitionBy("person_id").orderBy(F.col("start_date").desc(), F.col("dwelling_id").desc())
    ranked = covering.withColumn("_rank", F.row_number().over(w))
    current = ranked.filter(F.col("_rank") == 1).select(
        "person_id", "dwelling_id", "municipality_code", "postal_code",
        F.col("start_date").alias("residence_start_date"),
    )
    # A losing spell is a real overlap when it still runs after the reference date.
    overlaps = ranked.filter((F.col("_rank") > 1) & (F.col("end_date").isNull() | (F.col("end_date") > ref)))
    quarantine = quarantine_rows(
        bad_order, "residence_end_before_start",
        F.concat(F.lit("residence spell ends ("), F.col("end_date").cast("string"),
                 F.lit(") before it starts ("), F.col("start_date").cast("string"), F.lit("); not used")),
        "residences",
    ).unionByName(quarantine_rows(
        overlaps, "overlapping_residence",
        F.concat(F.lit("another residence spell of the person covers the reference date and started later; "
                       "this spell (from "), F.col("start_date").cast("string"), F.lit(") is not used on it")),
        "residences",
    ))
    return current, quarantine


def build_persons(persons: DataFrame, residences: DataFrame, ref_date: str) -> tuple[DataFrame, DataFrame]:
    """``silver.persons`` (one row per person) and quarantine rows.

    Columns: ``person_id, birth_date, death_date, sex, language, country_of_birth, age,
    is_alive, dwelling_id, municipality_code, postal_code, residence_start_date``;
    ``age`` and ``is_alive`` are as of ``ref_date``; residence columns are null when the
    person has no residence in Finland on that day (or is not alive).
    """
    ref = F.lit(ref_date).cast("date")
    current, quarantine = residences_on(residences, ref)
    base = persons.select(
        "person_id", "birth_date", "death_date", "sex", "language",
        _meta(persons, "country_of_birth", "string").alias("country_of_birth"),
    )
    alive = (F.col("p.birth_date") <= ref) & (F.col("p.death_date").isNull() | (F.col("p.death_date") > ref))
    joined = base.alias("p").join(current.alias("r"), F.col("p.person_id") == F.col("r.person_id"), how="left")
    out = joined.select(
        "p.person_id", "p.birth_date", "p.death_date", "p.sex", "p.language", "p.country_of_birth",
        age_on(F.col("p.birth_date"), F.coalesce(F.least(F.col("p.death_date"), ref), ref)).alias("age"),
        alive.alias("is_alive"),
        *[F.when(alive, F.col(f"r.{c}")).alias(c) for c in
          ("dwelling_id", "municipality_code", "postal_code", "residence_start_date")],
    )
    unknown = residences.alias("r").join(base.alias("p"), F.col("r.person_id") == F.col("p.person_id"), how="left_anti")
    quarantine = quarantine.unionByName(quarantine_rows(
        unknown, "residence_unknown_person",
        F.lit("residence spell of a person who is not in bronze.persons; not used"), "residences",
    ))
    return out, quarantine
