"""The ingest job's path (:mod:`lea_spark.ingest.staging`): each row written once in its
bronze table's layout, the accepted files committed to the table as they are.

It must give what :func:`lea_spark.ingest.validate.validate` gives, row for row and column
for column (accepted rows as bronze, quarantined rows with rule, reason and raw record, the
counts by rule), whichever way the repeated key hashes are found; and a commit of files
that do not have the table's columns must change nothing.
"""
from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F

from lea_spark.ingest import staging as S
from lea_spark.ingest import validate as V
from lea_spark.lake import LakeError, commit_parquet_files, read_table, table_version, write_table
from tests.conftest import make_cfg
from tests.test_ingest_duplicates import CONTRACT, ROWS, SCHEMA

KEY = "test-key"
AT = dt.datetime(2026, 12, 4, 12, 0, 0)
RUN = "run-1"
# Rules 1-11 from the reader too: the line (with characters JSON must escape) is the record.
MORE = [
    ("kela/a.parquet", 8, 'x;"y"\\\u00e4\tz', "truncated_line", "line 8 has 2 fields, not 4", None, None, None, None),
    ("kela/c.parquet", 1, None, None, None, "d" * 64, "2022-03-01", 50.0, 3),
    ("kela/c.parquet", 2, None, None, None, "31021" + "3A904X", "2022-03-01", 50.0, 3),   # no real birth date: malformed
]


def _rows(df, cols=None):
    return sorted(tuple(r) for r in (df.select(*cols) if cols else df).collect())


def _stage(spark, df, where):
    recheck = V.recheck_rows(lambda files: df.where(F.col("source_file").isin(files)), CONTRACT, KEY)
    return S.stage_register(df, CONTRACT, KEY, where, where.parent / "quarantine", AT, RUN, recheck,
                            S.write_parquet(2))


@pytest.mark.parametrize("sorted_from", [V.SORTED_HASHES_ROWS, 0])
def test_staged_register_equals_validate(spark, tmp_path, monkeypatch, sorted_from):
    monkeypatch.setattr(V, "SORTED_HASHES_ROWS", sorted_from)
    df = spark.createDataFrame(ROWS + MORE, SCHEMA)
    expected = V.validate(df, CONTRACT, KEY)
    got = _stage(spark, df, tmp_path / "stage")
    table = CONTRACT.canonical_table
    accepted = spark.read.parquet(*[str(f) for f in got.files])
    assert accepted.columns == S.bronze_schema(table).fieldNames()
    assert _rows(accepted) == _rows(V.accepted_rows(expected, table, AT, RUN))
    assert len(got.files) >= 2          # at most 2 rows a file: the writer's limit holds
    assert _rows(got.quarantined) == _rows(V.quarantined_rows(expected, CONTRACT.register, AT, RUN))
    rules = {r for (r,) in _rows(got.quarantined, ["rule"])}
    assert {"duplicate_key", "truncated_line", "malformed_person_code", "invalid_date"} <= rules
    assert sorted(got.counts, key=str) == sorted(
        [(r["source_file"], r["rule"], r["rows"]) for r in V.rule_counts(expected, CONTRACT.register).collect()],
        key=str)


def test_a_register_without_duplicates_keeps_its_first_files(spark, tmp_path):
    rows = [r for r in ROWS if (r[0], r[1]) not in {("kela/a.parquet", 5), ("kela/b.parquet", 2)}]
    got = _stage(spark, spark.createDataFrame(rows, SCHEMA), tmp_path / "stage")
    assert got.files and all(f.parent.name == f"{S.ACCEPTED}=true" for f in got.files)
    assert {r for (r,) in _rows(got.quarantined, ["rule"])} == {"out_of_range", "invalid_date"}


def test_committed_files_become_the_table_and_wrong_ones_change_nothing(spark, tmp_path):
    cfg = make_cfg(tmp_path)
    df = spark.createDataFrame(ROWS + MORE, SCHEMA)
    got = _stage(spark, df, tmp_path / "stage")
    schema = S.bronze_schema(CONTRACT.canonical_table)
    write_table(cfg, spark.createDataFrame([], schema), "bronze.t")
    before = table_version(cfg, "bronze.t")
    # Same columns in another order: refused, the files stay where they are.
    other = tmp_path / "other"
    spark.read.parquet(*[str(f) for f in got.files]).select("source_file", *[c for c in schema.fieldNames()
                                                                             if c != "source_file"]) \
        .write.parquet(str(other))
    wrong = sorted(other.glob("part-*.parquet"))
    with pytest.raises(LakeError, match="bronze.t: .* has the columns .* not the table's"):
        commit_parquet_files(cfg, spark, got.files + wrong, schema, "bronze.t")
    assert table_version(cfg, "bronze.t") == before and all(f.exists() for f in got.files)
    expected = _rows(spark.read.parquet(*[str(f) for f in got.files]))
    result = commit_parquet_files(cfg, spark, got.files, schema, "bronze.t")
    assert result.rows == len(expected) and not any(f.exists() for f in got.files)
    assert _rows(read_table(spark, cfg, "bronze.t")) == expected
    from deltalake import DeltaTable

    other_engine = DeltaTable(str(cfg.path("lake") / "bronze" / "t")).to_pyarrow_table()
    assert other_engine.num_rows == len(expected)
    assert other_engine.schema.names == schema.fieldNames()
