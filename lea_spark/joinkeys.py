"""64-bit join keys of person and family ids, stored beside the ids.

``person_id`` is a 64-character pseudonym and ``family_id`` a 64-character hash. Joining and
aggregating on them sorts and compares those texts; on 64-bit integers the same work is
cheaper (measured in docs/benchmarks.md). Ingest therefore writes, beside ``person_id``,

* ``person_key`` = ``xxhash64(person_id)`` (null for a null id), the join key, and
* ``person_chk`` = ``xxhash64(salt, person_id)``, an independent 64-bit fingerprint,

into every bronze table, and ``lea households`` writes the same into ``silver.persons`` and
``silver.family_members``, plus ``family_key`` = ``xxhash64(family_id)`` into
``silver.families`` and ``silver.family_members``. A job that joins on the keys compares the
fingerprints of the rows it joins: two different ids that share a key (probability about
1e-6 for 6 million persons) are then found and fail the job instead of mixing two people;
a false match would need both hashes to collide.

The keys are a function of the id alone (no secret): they are as pseudonymous as the id
itself and, like it, never leave bronze, silver and the unpublished gold tables. Tables
without them (written before they existed, or built by hand in tests) still work:
:func:`keyed` computes the keys when they are not stored.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

PERSON_KEY = "person_key"
PERSON_CHK = "person_chk"
FAMILY_KEY = "family_key"
KEY_COLUMNS = (PERSON_KEY, PERSON_CHK, FAMILY_KEY)
# Part of the stored fingerprints: changing it makes stored and computed fingerprints differ.
FINGERPRINT_SALT = "lea-spark person fingerprint"


def join_key(c: Column) -> Column:
    """The 64-bit join key of an id (null for null: ``xxhash64`` alone would give its seed)."""
    return F.when(c.isNotNull(), F.xxhash64(c))


def fingerprint(c: Column) -> Column:
    """A second 64-bit hash of an id, independent of :func:`join_key` (salted)."""
    return F.when(c.isNotNull(), F.xxhash64(F.lit(FINGERPRINT_SALT), c))


def key_columns(df: DataFrame) -> list[Column]:
    """The stored-key columns for ``df``: ``person_key, person_chk`` when it has ``person_id``,
    ``family_key`` when it has ``family_id``."""
    cols = []
    if "person_id" in df.columns:
        cols += [join_key(F.col("person_id")).alias(PERSON_KEY), fingerprint(F.col("person_id")).alias(PERSON_CHK)]
    if "family_id" in df.columns:
        cols.append(join_key(F.col("family_id")).alias(FAMILY_KEY))
    return cols


def with_stored_keys(df: DataFrame) -> DataFrame:
    """``df`` with its key columns (:func:`key_columns`) appended, for writing; existing
    key columns are recomputed from the ids, never trusted."""
    return df.select(*[c for c in df.columns if c not in KEY_COLUMNS], *key_columns(df))


def without_keys(df: DataFrame) -> DataFrame:
    """``df`` without stored key columns (for code that works on the ids)."""
    return df.drop(*[c for c in KEY_COLUMNS if c in df.columns])


def family_key(df: DataFrame) -> Column:
    """The key of ``df``'s ``family_id``: the stored ``family_key`` or, without it, computed."""
    return F.col(FAMILY_KEY) if FAMILY_KEY in df.columns else join_key(F.col("family_id"))


def keyed(df: DataFrame) -> DataFrame:
    """``df`` with ``person_id``/``family_id`` replaced by their 64-bit keys (same names) and,
    when it has ``person_id``, the fingerprint ``_chk`` of the person id. Stored keys are used
    when the table has them (the 64-character ids are then not read at all); otherwise they
    are computed from the ids."""
    stored_person = PERSON_KEY in df.columns and PERSON_CHK in df.columns
    cols = []
    for c in df.columns:
        if c in KEY_COLUMNS:
            continue
        if c == "person_id":
            if stored_person:
                cols += [F.col(PERSON_KEY).alias(c), F.col(PERSON_CHK).alias("_chk")]
            else:
                cols += [join_key(F.col(c)).alias(c), fingerprint(F.col(c)).alias("_chk")]
        elif c == "family_id":
            cols.append(family_key(df).alias(c))
        else:
            cols.append(F.col(f"`{c}`"))
    return df.select(*cols)
