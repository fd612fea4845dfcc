"""Fault injection for ``--dirty-rate``: each chosen row gets exactly one fault.

A row is chosen when a hash of ``(seed, register, file, row keys)`` falls below the rate;
a second hash picks one of the faults the register's layout supports
(:attr:`Layout.faults`). ``duplicate_key`` leaves the original row clean and inserts an
exact copy right after it (the later copy is the faulty one; made by an explode, so it
follows its original in the partition as well as in the sorted file). The fault and the rule the
ingest stage is expected to apply travel with the row (``_fault``, ``_rule``) to the
writer, which records them with the row's line number in the manifest.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lea_spark.generate.layouts import Layout
from lea_spark.generate.params import GenParams
from lea_spark.generate.population import CHECK_CHARS
from lea_spark.generate.rand import uniform

BAD_BYTE_MARKER = "\x01"   # replaced by an invalid UTF-8 byte when the file is written
RULES = ("malformed_person_code", "invalid_check_character", "unknown_code", "invalid_date", "date_out_of_range",
         "duplicate_key", "wrong_type", "truncated_line", "bad_encoding", "missing_value")


def _other_check_char(code: Column, u: Column) -> Column:
    pos = F.instr(F.lit(CHECK_CHARS), F.substring(code, 11, 1))  # 1-based; 0 if not found
    new = (pos + (u * 29).cast("int")) % 31 + 1                   # never the same position
    return F.concat(F.substring(code, 1, 10), F.substring(F.lit(CHECK_CHARS), new.cast("int"), 1))


def inject(df: DataFrame, layout: Layout, p: GenParams) -> DataFrame:
    """Add ``_dup, _fault, _rule`` and apply the faults (rate ``p.dirty_rate``)."""
    none = F.lit(None).cast("string")
    if p.dirty_rate <= 0:
        return df.withColumn("_dup", F.lit(0)).withColumn("_fault", none).withColumn("_rule", none)
    rules = [r for r in RULES if r in layout.faults]
    if layout.format != "csv":
        rules = [r for r in rules if r not in ("truncated_line", "bad_encoding")]
    if layout.encoding.lower() not in ("utf-8", "utf8"):
        rules = [r for r in rules if r != "bad_encoding"]
    keys = ("_file", "_k1", "_k2")
    chosen = uniform(p.seed, f"dirty:{layout.register}", *keys) < F.lit(p.dirty_rate)
    pick = (uniform(p.seed, f"dirty_rule:{layout.register}", *keys) * len(rules)).cast("int") + 1
    rule = F.when(chosen, F.element_at(F.array(*[F.lit(r) for r in rules]), pick))
    df = df.withColumn("_rule", rule)
    u_fix = uniform(p.seed, f"dirty_fix:{layout.register}", *keys)
    csv = layout.format == "csv"
    for r in rules:
        col = layout.faults.get(r)
        if col is None:
            continue
        c = F.col(col)
        if r == "malformed_person_code":
            new = F.substring(c, 1, 9)
        elif r == "invalid_check_character":
            new = _other_check_char(c, u_fix)
        elif r == "missing_value":
            new = F.lit("") if csv else F.lit(None)
        elif r == "bad_encoding":
            new = F.concat(F.coalesce(c, F.lit("")), F.lit(BAD_BYTE_MARKER))
        else:
            new = F.lit(layout.bad_values[r])
        df = df.withColumn(col, F.when(F.col("_rule") == r, new.cast(df.schema[col].dataType)).otherwise(c))
    df = df.withColumn("_fault", F.when(F.col("_rule").isNotNull(), F.concat(
        F.col("_rule"), F.lit(": "), F.lit(""), _fault_detail(layout))))
    # The copy is made in place (an explode), so it directly follows its original in the
    # partition: a streamed writer (no sort) gets the same order as a sorted one.
    is_dup = F.col("_rule") == "duplicate_key"
    df = df.withColumn("_dup", F.explode(F.when(is_dup, F.array(F.lit(0), F.lit(1))).otherwise(F.array(F.lit(0)))))
    original = is_dup & (F.col("_dup") == 0)
    return (df.withColumn("_fault", F.when(original, none).otherwise(F.col("_fault")))
            .withColumn("_rule", F.when(original, none).otherwise(F.col("_rule"))))


def _fault_detail(layout: Layout) -> Column:
    out = F.lit("row")
    for r, col in layout.faults.items():
        text = {"duplicate_key": "exact copy of the previous row", "truncated_line": "last fields cut off",
                "bad_encoding": f"invalid UTF-8 byte in {col}"}.get(r, f"{r.replace('_', ' ')} in {col}")
        out = F.when(F.col("_rule") == r, F.lit(text)).otherwise(out)
    return out
