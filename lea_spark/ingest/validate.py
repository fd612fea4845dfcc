"""Typed validation of a register read through its contract (DataFrame -> DataFrame).

:func:`validate` turns the reader's rows (native columns, strings for CSV) into canonical
columns and gives every row either no rule (accepted) or exactly one quarantine ``rule``
with a ``reason``. A row with several faults gets the first that fails in ``RULE_ORDER``
(rules first, then columns in the order of the canonical table):

1. ``bad_encoding`` - the line is not valid in the declared encoding (reader);
2. ``truncated_line`` - the line has fewer or more fields than the layout (reader);
3. ``missing_value`` - a required column is null or empty;
4. ``malformed_person_code`` - not ``DDMMYYCNNNT`` with a real birth date, nor a 64-hex pseudonym;
5. ``invalid_check_character`` - a well-formed identity code whose check character is wrong;
6. ``wrong_type`` - not a number (int, long, double columns);
7. ``invalid_date`` - not a real date in the contract's ``format``;
8. ``date_out_of_range`` - a date outside the contract's ``min`` / ``max``;
9. ``out_of_range`` - a number (after ``scale``) outside ``min`` / ``max``;
10. ``pattern_mismatch`` - a value that fails the column's ``pattern``;
11. ``unknown_code`` - a value not in the column's ``codes``;
12. ``duplicate_key`` - among rows that passed 1-11, a later row (by source file, source
    row) with the same values of the contract's ``key`` as an earlier one.

Native string values are trimmed and an empty string is a missing value. Identity codes
are replaced by :func:`lea_spark.identity.pseudonymise_col`; a value that is already a
64-hex pseudonym is kept. Reasons never contain an identity code, and ``raw_record`` (the
record as read, for people fixing the source) has identity codes replaced by their
pseudonym (person columns) or masked as ``<id>`` (anything else shaped like a code).
:func:`validate` keeps the native values only of the rows that rules 1-11 quarantine; the
raw records of rule 12's rows are made from their files read again.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, NumericType, StringType, TimestampNTZType, TimestampType

from lea_spark.canonical import schema_of
from lea_spark.datetext import parse_date
from lea_spark.identity import (CODE_LIKE, HETU_REGEX, birth_date_col, hetu_is_valid_col, is_pseudonym_col,
                                pseudonymise_col)
from lea_spark.ingest.contract import ColumnSpec, Contract, ContractError
from lea_spark.ingest.readers import IngestError
from lea_spark.joinkeys import key_columns

RULE_ORDER = (
    "bad_encoding", "truncated_line", "missing_value", "malformed_person_code", "invalid_check_character",
    "wrong_type", "invalid_date", "date_out_of_range", "out_of_range", "pattern_mismatch", "unknown_code",
    "duplicate_key",
)
MASK = "<id>"
DEFAULT_DATE_FORMAT = "yyyy-MM-dd"
# ``ingested_at`` is written as timestamp_ntz (UTC wall clock): the lake's delta-rs commit
# cannot yet convert a session-zoned ``timestamp`` column (pyspark's to_arrow_schema needs a
# timezone there). Switch to "timestamp" once the lake passes one.
INGESTED_AT_TYPE = "timestamp"  # canonical: Delta timestamp (UTC)
_SPARK_TYPES = {"int": "int", "long": "bigint", "double": "double", "date": "date", "string": "string",
                "person_code": "string"}


def mask_codes(col: Column) -> Column:
    """``col`` with every identity-code-shaped substring replaced by ``<id>``."""
    return F.regexp_replace(col, CODE_LIKE, MASK)


def _native(name: str) -> Column:
    return F.col(f"`{name}`")


def normalise(df: DataFrame, native: list[str]) -> DataFrame:
    """Trim native string columns and turn empty strings into nulls."""
    out = []
    for c in df.columns:
        if c in native and isinstance(df.schema[c].dataType, StringType):
            out.append(F.nullif(F.trim(_native(c)), F.lit("")).alias(c))
        else:
            out.append(_native(c))
    return df.select(*out)


def _label(spec: ColumnSpec) -> str:
    if spec.source:
        return f"column {spec.name} ({spec.source})"
    if spec.expr:
        return f"column {spec.name} (expr)"
    return f"column {spec.name}"


def _show(col: Column) -> Column:
    """A value quoted in a reason: its first 40 characters, identity codes masked (a code may
    stand in any column of a bad row)."""
    return F.concat(F.lit("'"), F.substring(mask_codes(col.cast("string")), 1, 40), F.lit("'"))


def _raw_value(df: DataFrame, contract: Contract, spec: ColumnSpec):
    """The column expression of ``spec`` before typing, and its Spark type."""
    if spec.has_value:
        return None, None
    if spec.source:
        expr = _native(spec.source)
    else:
        expr = F.expr(spec.expr)
    try:
        dtype = df.select(expr.alias("x")).schema["x"].dataType
    except Exception as exc:  # AnalysisException: unknown column or bad SQL in the expression
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ContractError(f"{contract.path}: key 'columns.{spec.name}': cannot be evaluated on the "
                            f"register's columns {df.columns[5:]}: {first}") from None
    return expr, dtype


def column_checks(spec: ColumnSpec, raw: Column | None, dtype, canonical_type: str, key: str | None,
                  prefix: str = "__x"):
    """One column's ``(intermediates, typed canonical value, [(rule, failing condition, reason)])``.

    ``intermediates`` are ``(name, expression)`` pairs to compute first, in one projection;
    the value and conditions refer to them by name, so that costly expressions (date
    parsing, regular expressions, identity-code checks) run once per row, not once per
    reference (Spark does not share sub-expressions across the branches of a CASE).
    """
    label = _label(spec)
    checks: list[tuple[str, Column, Column]] = []
    inter: list[tuple[str, Column]] = []

    def keep(name: str, col: Column) -> Column:
        inter.append((f"{prefix}_{name}", col))
        return F.col(f"{prefix}_{name}")

    target = _SPARK_TYPES[spec.type]
    if raw is None:  # {value: ...}
        value = F.lit(spec.value).cast(canonical_type)
        if not spec.nullable:
            checks.append(("missing_value", value.isNull(), F.lit(f"{label}: required value is empty")))
        return inter, value, checks
    typed_source = (
        not spec.codes and not spec.pattern and not spec.null_values and spec.type != "person_code"
        and ((spec.type in ("int", "long", "double") and isinstance(dtype, NumericType))
             or (spec.type == "date" and isinstance(dtype, (DateType, TimestampType, TimestampNTZType))))
    )
    s = raw if typed_source else raw.cast("string")
    if spec.null_values:
        s = F.when(s.isin(list(spec.null_values)), F.lit(None).cast("string")).otherwise(s)
    s = keep("s", s)
    if not spec.nullable:
        checks.append(("missing_value", s.isNull(), F.lit(f"{label}: required value is empty")))
    if spec.type == "person_code":
        pseudonym = keep("p", is_pseudonym_col(s))
        valid = keep("k", hetu_is_valid_col(s))
        # Only for codes that fail: well-formed (real birth date) but a wrong check character?
        shaped = keep("h", F.when(valid, F.lit(True)).otherwise(
            F.coalesce(s.rlike(HETU_REGEX) & birth_date_col(s).isNotNull(), F.lit(False))))
        checks.append(("malformed_person_code", s.isNotNull() & ~pseudonym & ~shaped,
                       F.lit(f"{label}: not a personal identity code (DDMMYYCNNNT with a real birth date) "
                             "nor a 64-hex pseudonym")))
        checks.append(("invalid_check_character", s.isNotNull() & ~pseudonym & shaped & ~valid,
                       F.lit(f"{label}: the check character of the identity code is wrong")))
        value = keep("v", F.when(pseudonym, s).otherwise(pseudonymise_col(s, key))) if key else s
        return inter, value, checks
    t = s
    if spec.codes:
        code_map = F.create_map(*[F.lit(x) for kv in spec.codes.items() for x in kv])
        t = keep("t", F.try_element_at(code_map, s))
        known = keep("c", F.map_contains_key(code_map, s))
        checks.append(("unknown_code", s.isNotNull() & ~known,
                       F.concat(F.lit(f"{label}: code "), _show(s), F.lit(" is not in the code list"))))
    if spec.pattern:
        checks.append(("pattern_mismatch", s.isNotNull() & ~s.rlike(spec.pattern),
                       F.concat(F.lit(f"{label}: value "), _show(s), F.lit(f" does not match {spec.pattern}"))))
    if typed_source:
        value = keep("v", s.try_cast(target))
        checks.append(("wrong_type", s.isNotNull() & value.isNull(),
                       F.concat(F.lit(f"{label}: not a valid {spec.type}: "), _show(s))))
    elif spec.type in ("int", "long", "double"):
        text = F.regexp_replace(t, ",", ".") if spec.decimal == "," else t
        value = keep("v", text.try_cast(target))
        bad = value.isNull() | (F.isnan(value) if spec.type == "double" else F.lit(False))
        checks.append(("wrong_type", t.isNotNull() & bad,
                       F.concat(F.lit(f"{label}: not a valid {spec.type}: "), _show(t))))
    elif spec.type == "date":
        fmt = spec.format or DEFAULT_DATE_FORMAT
        value = keep("v", parse_date(t, fmt))
        checks.append(("invalid_date", t.isNotNull() & value.isNull(),
                       F.concat(F.lit(f"{label}: not a valid date in format {fmt}: "), _show(t))))
    else:
        value = t
    if spec.scale is not None:
        value = value * F.lit(spec.scale)
    if spec.min is not None or spec.max is not None:
        rule = "date_out_of_range" if spec.type == "date" else "out_of_range"
        lo = None if spec.min is None else (F.lit(spec.min).cast("date") if spec.type == "date" else F.lit(spec.min))
        hi = None if spec.max is None else (F.lit(spec.max).cast("date") if spec.type == "date" else F.lit(spec.max))
        cond = F.lit(False)
        if lo is not None:
            cond = cond | (value < lo)
        if hi is not None:
            cond = cond | (value > hi)
        checks.append((rule, value.isNotNull() & cond,
                       F.concat(F.lit(f"{label}: "), _show(value),
                                F.lit(f" is outside [{spec.min if spec.min is not None else ''}, "
                                      f"{spec.max if spec.max is not None else ''}]"))))
    final = value.try_cast(canonical_type) if canonical_type != target else value
    if canonical_type != target:
        checks.append(("wrong_type", value.isNotNull() & final.isNull(),
                       F.concat(F.lit(f"{label}: does not fit {canonical_type}: "), _show(value))))
    return inter, final, checks


def _raw_record(contract: Contract, native: dict[str, Column], pseudonyms: dict[str, Column]) -> Column:
    """The record as read (``native``: name -> column), person columns replaced by
    ``pseudonyms`` (or masked), anything else shaped like an identity code masked."""
    person_sources = {c.source for c in contract.person_columns if c.source}

    def field(c: str) -> Column:
        v = native[c].cast("string")
        if c in pseudonyms:
            return pseudonyms[c]
        if c in person_sources:
            return F.when(v.isNotNull(), F.lit(MASK))
        return v

    if contract.files.format == "csv":
        record = F.concat_ws(contract.files.delimiter, *[F.coalesce(field(c), F.lit("")) for c in native])
    else:
        record = F.to_json(F.struct(*[field(c).alias(c) for c in native]))
    return mask_codes(F.when(F.col("_read_rule").isNotNull(), F.col("_line")).otherwise(record))


# Above this many rows the shared key hashes / the duplicate rows are joined without being
# sent whole to every task (a broadcast of half a million longs or short rows is a few MB).
BROADCAST_ROWS = 500_000

# From this many rows that passed rules 1-11 on, repeated key hashes are found by sorting
# (:func:`repeated_hashes`); below it by Spark's hash aggregate, which needs no Python
# workers (starting them cost a small register more than the sort saves).
SORTED_HASHES_ROWS = 4_000_000

Materialise = Callable[[DataFrame, str], DataFrame]


def _checkpoint(df: DataFrame, name: str) -> DataFrame:
    return df.localCheckpoint(eager=True)


def _broadcast_if_small(df: DataFrame, rows: int) -> DataFrame:
    return F.broadcast(df) if rows <= BROADCAST_ROWS else df


@dataclass(frozen=True)
class Checked:
    """The output of :func:`check`: ``df``, the reader's native column names (``__n<i>`` holds
    ``native[i]``) and the person columns replaced by pseudonyms (native -> canonical name)."""
    df: DataFrame
    native: tuple[str, ...]
    pseudonyms: dict[str, str]


def check(df: DataFrame, contract: Contract, key: str | None) -> Checked:
    """Rules 1-11 of every row: the reader's ``source_file, source_row, _read_rule``, the
    line only where the reader ruled on it (``_line``), the native values (``__n0``...) for
    the raw record, ``_outcome`` (the first failing rule and its reason, null when none) and
    the canonical values. :func:`rule` adds rule 12 and the final layout.

    ``df`` is a reader's output (see :mod:`lea_spark.ingest.readers`); ``key`` is the
    pseudonymisation key (required when the contract has ``person_code`` columns).
    """
    if contract.person_columns and not key:
        raise ContractError(f"{contract.path}: person_code columns need the pseudonymisation key")
    native = [c for c in df.columns if c not in ("source_file", "source_row", "_line", "_read_rule", "_read_reason")]
    df = normalise(df, native)
    canonical = schema_of(contract.canonical_table)
    values: list[Column] = []
    checks: list[tuple[str, Column, Column]] = []
    inter: list[Column] = []
    pseudonyms: dict[str, str] = {}
    for i, spec in enumerate(contract.columns):
        raw, dtype = _raw_value(df, contract, spec)
        ctype = canonical[spec.name].dataType.simpleString()
        col_inter, value, col_checks = column_checks(spec, raw, dtype, ctype, key, prefix=f"__c{i}")
        inter.extend(expr.alias(name) for name, expr in col_inter)
        values.append(value.alias(spec.name))
        checks.extend(col_checks)
        if spec.type == "person_code" and spec.source and key and spec.source not in pseudonyms:
            pseudonyms[spec.source] = spec.name
    df = df.select("*", *inter)
    order = {r: i for i, r in enumerate(RULE_ORDER)}
    checks.sort(key=lambda c: order[c[0]])  # stable: columns keep their order within a rule
    outcome = F.when(F.col("_read_rule").isNotNull(),
                     F.struct(F.col("_read_rule").alias("rule"), F.col("_read_reason").alias("reason")))
    for rule_name, cond, reason in checks:
        outcome = outcome.when(cond, F.struct(F.lit(rule_name).alias("rule"), reason.alias("reason")))
    checked = df.select(
        "source_file", "source_row", F.when(F.col("_read_rule").isNotNull(), F.col("_line")).alias("_line"),
        "_read_rule",
        *[_native(c).alias(f"__n{i}") for i, c in enumerate(native)],
        outcome.alias("_outcome"),
        *values,
    )
    return Checked(checked, tuple(native), pseudonyms)


def _repeated(batches):
    """``mapInArrow``: the 64-bit hashes that occur more than once among all of a task's
    rows (the rows of one hash partition), by sorting them (numpy), not by a hash table."""
    import numpy as np
    import pyarrow as pa

    # Nulls dropped first: a column with nulls would come out as float64, losing bits.
    parts = [b.column(0).drop_null().to_numpy() for b in batches if b.num_rows]
    if not parts:
        return
    h = np.sort(np.concatenate(parts))
    same = h[1:] == h[:-1]
    if same.any():
        yield pa.RecordBatch.from_arrays([pa.array(np.unique(h[1:][same]), pa.int64())], ["__h"])


def repeated_hashes(hashes: DataFrame) -> DataFrame:
    """The values of the long column ``__h`` that occur more than once, exactly (nulls are
    not values).

    The rows are hash-partitioned by value (at least one partition per scanned input
    partition, so that a task holds about an input split's hashes) and each partition is
    sorted once. Nearly every key is unique, so a hash aggregate would only build a table of
    every row on both sides of the shuffle: this takes about half its time (docs/benchmarks.md).
    """
    hashes = hashes.where(F.col("__h").isNotNull())
    spark = hashes.sparkSession
    n = max(hashes.rdd.getNumPartitions(), int(spark.conf.get("spark.sql.shuffle.partitions", "8")))
    return hashes.select(F.col("__h").cast("long").alias("__h")).repartition(n, "__h").mapInArrow(
        _repeated, "__h long")


def duplicates(checked: DataFrame, contract: Contract, materialise: Materialise = _checkpoint) -> DataFrame:
    """Rule 12: ``source_file, source_row, __first_seen`` of every row that passed rules 1-11
    and has the key of an earlier such row (by source file, source row); see
    :func:`later_duplicates`."""
    valid = checked.where(F.col("_outcome").isNull())
    return later_duplicates(valid, list(contract.key), materialise, valid.count())


def later_duplicates(valid: DataFrame, keys: list[str], materialise: Materialise, n_valid: int,
                     hashed: list[str] | None = None) -> DataFrame:
    """``source_file, source_row, __first_seen`` of every row of ``valid`` (``n_valid`` rows)
    that has the ``keys`` of an earlier row (by source file, source row).

    Without sorting every row by its key: the 64-bit hashes of ``hashed`` (default: the keys;
    columns that are functions of the keys may stand in for them) that repeat are found first
    (by Spark's aggregate, or :func:`repeated_hashes` from ``SORTED_HASHES_ROWS`` rows on),
    and only rows whose hash occurs more than once (the duplicates, and the rare rows whose
    different keys share a hash) are grouped by their exact key. ``materialise(df, name)``
    keeps an intermediate result (the job stages it in Parquet) so that it is computed once.
    """
    h = F.xxhash64(*(hashed or keys)).alias("__h")
    if n_valid >= SORTED_HASHES_ROWS:
        repeated = repeated_hashes(valid.select(h))
    else:  # a small register: Spark's aggregate, without starting Python workers
        repeated = valid.groupBy(h).count().where(F.col("count") > 1).select("__h")
    shared = materialise(repeated, "shared_key_hashes")
    n_shared = shared.count()
    if n_shared == 0:
        return valid.sparkSession.createDataFrame([], "source_file string, source_row long, __first_seen string")
    rows = valid.select(h, *keys, "source_file", "source_row").join(_broadcast_if_small(shared, n_shared), "__h",
                                                                    "left_semi")
    w = Window.partitionBy(*keys).orderBy("source_file", "source_row")
    first_seen = F.first(F.concat(F.col("source_file"), F.lit(" line "), F.col("source_row").cast("string"))).over(w)
    later = rows.select("source_file", "source_row", F.row_number().over(w).alias("__n"),
                        first_seen.alias("__first_seen")).where(F.col("__n") > 1).drop("__n")
    return materialise(later, "duplicate_rows")


Recheck = Callable[[list[str], DataFrame], Checked]


def recheck_rows(reread: Callable[[list[str]], DataFrame], contract: Contract, key: str | None) -> Recheck:
    """The :data:`Recheck` that reads the named files again (``reread(files)``, the reader's
    rows) and checks only the rows among ``rows`` (``source_file, source_row``): the join
    follows the reader's numbering."""
    def recheck(files: list[str], rows: DataFrame) -> Checked:
        return check(reread(files).join(rows, ["source_file", "source_row"], "left_semi"), contract, key)

    return recheck


def duplicate_reason(keys: list[str]) -> Column:
    """The reason of a rule-12 row, from its ``__first_seen``."""
    return F.concat(F.lit(f"duplicate of key ({', '.join(keys)}): first seen at "), F.col("__first_seen"))


def natives_of_quarantined(checked: DataFrame) -> DataFrame:
    """``checked`` (the output of :func:`check`) with the native values (``__n0``...) kept
    only on the rows that failed one of rules 1-11. Accepted rows, nearly all of them, need
    none; staging them made the staging half as large again and slower to write
    (docs/benchmarks.md). The few rows that rule 12 quarantines get theirs from their files
    again (:func:`rule`)."""
    return checked.select(*[F.when(F.col("_outcome").isNotNull(), F.col(c)).alias(c) if c.startswith("__n")
                            else F.col(c) for c in checked.columns])


def _duplicate_records(dup: DataFrame, n_dup: int, contract: Contract, recheck: Recheck,
                       materialise: Materialise) -> DataFrame:
    """``source_file, source_row, __dup_record``: the raw record of every duplicate row, from
    its file read and checked again (``recheck``); only the files that hold duplicates."""
    files = sorted(r[0] for r in dup.select("source_file").distinct().collect())
    again = recheck(files, _broadcast_if_small(dup.select("source_file", "source_row"), n_dup))
    rows = again.df
    record = _raw_record(contract, {name: F.col(f"__n{i}") for i, name in enumerate(again.native)},
                         {src: F.col(name) for src, name in again.pseudonyms.items()})
    records = materialise(rows.select("source_file", "source_row", record.alias("__dup_record")), "duplicate_records")
    found = records.count()
    if found != n_dup:
        raise IngestError(
            f"register {contract.register}: {n_dup} rows are later duplicates of a key, but reading their "
            f"{len(files)} file(s) again for their raw records found {found} of them: the files changed while "
            "they were being ingested. Nothing was written for this register; run again on files that do not change.")
    return dup.join(records, ["source_file", "source_row"])


def rule(c: Checked, contract: Contract, materialise: Materialise = _checkpoint,
         recheck: Recheck | None = None) -> DataFrame:
    """Canonical columns plus ``source_file, source_row, rule, reason, raw_record`` from the
    output of :func:`check` (rules 1-11), with rule 12 (:func:`duplicates`) added.

    Without ``recheck``, ``c.df`` must hold the native values of every row. With it, they may
    be kept for the rows of rules 1-11 only (:func:`natives_of_quarantined`): ``recheck(files,
    rows)`` gives :func:`check` of the rows of the named source files that are among ``rows``
    (``source_file, source_row``) again, and the raw records of duplicate rows are taken from
    there."""
    keys = list(contract.key)
    checked = c.df
    dup = duplicates(checked, contract, materialise)
    n_dup = dup.count()
    if n_dup and recheck is not None:
        dup = _duplicate_records(dup, n_dup, contract, recheck, materialise)
    else:
        dup = dup.select("*", F.lit(None).cast("string").alias("__dup_record"))
    ruled = checked.join(_broadcast_if_small(dup, n_dup), ["source_file", "source_row"], "left")
    is_dup = F.col("_outcome").isNull() & F.col("__first_seen").isNotNull()
    ruled = ruled.select(
        "*",
        F.when(is_dup, F.lit("duplicate_key")).otherwise(F.col("_outcome.rule")).alias("rule"),
        F.when(is_dup, duplicate_reason(keys)).otherwise(F.col("_outcome.reason")).alias("reason"),
    )
    # The raw record only for quarantined rows (masking every row would be wasted work).
    record = _raw_record(contract, {name: F.col(f"__n{i}") for i, name in enumerate(c.native)},
                         {src: F.col(name) for src, name in c.pseudonyms.items()})
    return ruled.select(
        "source_file", "source_row", "rule", "reason",
        F.when(F.col("rule").isNotNull(), F.coalesce(F.col("__dup_record"), record)).alias("raw_record"),
        *[spec.name for spec in contract.columns],
    )


def validate(df: DataFrame, contract: Contract, key: str | None, materialise: Materialise = _checkpoint,
             reread: Callable[[list[str]], DataFrame] | None = None) -> DataFrame:
    """Canonical columns plus ``source_file, source_row, rule, reason, raw_record``: rules 1-11
    (:func:`check`), kept with ``materialise(df, "checked")`` with the native values of their
    quarantined rows only, then rule 12 (:func:`rule`).

    ``materialise`` defaults to a local checkpoint; the ingest job stages in Parquet instead.
    ``reread(files)`` gives the reader's rows of the named source files again, for the raw
    records of duplicate rows; by default ``df`` is evaluated again and filtered (the job
    reads only the files that hold duplicates).
    """
    c = check(df, contract, key)
    if reread is None:
        def reread(files: list[str]) -> DataFrame:
            return df.where(F.col("source_file").isin(files))

    return rule(Checked(materialise(natives_of_quarantined(c.df), "checked"), c.native, c.pseudonyms), contract,
                materialise, recheck_rows(reread, contract, key))


def accepted_rows(validated: DataFrame, table: str, ingested_at, run_id: str) -> DataFrame:
    """The rows without a rule, as ``bronze.<table>``: canonical columns, the stored join keys
    of ``person_id`` (:mod:`lea_spark.joinkeys`) and ingest metadata."""
    schema = schema_of(table)
    canonical = validated.where(F.col("rule").isNull()).select(
        *[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields], "source_file", "source_row")
    return canonical.select(
        *schema.fieldNames(), *key_columns(canonical),
        F.col("source_file"), F.col("source_row").cast("long").alias("source_row"),
        F.lit(ingested_at).cast(INGESTED_AT_TYPE).alias("ingested_at"), F.lit(run_id).alias("ingest_run_id"),
    )


def quarantined_rows(validated: DataFrame, register: str, ingested_at, run_id: str) -> DataFrame:
    """The rows with a rule, as ``bronze.quarantine``."""
    return validated.where(F.col("rule").isNotNull()).select(
        F.lit(register).alias("register"), "source_file", F.col("source_row").cast("long").alias("source_row"),
        "rule", "reason", "raw_record",
        F.lit(ingested_at).cast(INGESTED_AT_TYPE).alias("ingested_at"), F.lit(run_id).alias("ingest_run_id"),
    )


def rule_counts(validated: DataFrame, register: str) -> DataFrame:
    """Rows per (register, source_file, rule); rule null = accepted. Small: files x rules."""
    return validated.groupBy("source_file", "rule").count().select(
        F.lit(register).alias("register"), "source_file", "rule", F.col("count").alias("rows"))
