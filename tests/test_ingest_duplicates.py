"""Rule 12 (``duplicate_key``) of ingest validation, on the real housing-allowance contract.

Duplicates are found by finding the 64-bit key hashes that repeat (a hash aggregate, or for
large registers a sort of each hash partition) and grouping only the rows whose hash repeats
by their exact key; these tests pin what that must give: the later rows of a key (by source
file, then source row) are quarantined, each naming the first row of its key, rows that
already failed another rule take no part, and the result is the same whether the
intermediate results are checkpointed, staged in Parquet, broadcast or not, and whichever
way the repeated hashes are found. The raw records of duplicates are read again from their
files, since the staging keeps native values only for the rows of rules 1-11.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from lea_spark.ingest import validate as V
from lea_spark.ingest.contract import load_contract
from lea_spark.ingest.readers import IngestError

CONTRACT = load_contract(Path(__file__).resolve().parents[1] / "conf" / "registers" / "kela_housing_allowance.yaml")
P1, P2, P3 = "a" * 64, "b" * 64, "c" * 64
SCHEMA = ("source_file string, source_row long, _line string, _read_rule string, _read_reason string, "
          "hetu string, maksukuukausi string, asumistuki_eur double, ruokakunnan_koko int")
ROWS = [
    ("kela/b.parquet", 2, None, None, None, P1, "2022-01-01", 300.0, 2),   # 3rd of P1/Jan (file b after a)
    ("kela/a.parquet", 5, None, None, None, P1, "2022-01-01", 310.0, 2),   # 2nd of P1/Jan
    ("kela/a.parquet", 1, None, None, None, P1, "2022-01-01", 320.0, 2),   # 1st of P1/Jan
    ("kela/a.parquet", 2, None, None, None, P1, "2022-02-01", 320.0, 2),   # another month: accepted
    ("kela/a.parquet", 3, None, None, None, P2, "2022-01-01", 100.0, 1),   # accepted
    ("kela/a.parquet", 4, None, None, None, P2, "2022-01-01", -5.0, 1),    # out of range, not a duplicate
    ("kela/a.parquet", 6, None, None, None, P3, "2022-13-01", 100.0, 1),   # invalid date
    ("kela/a.parquet", 7, None, None, None, P3, "2022-13-01", 100.0, 1),   # invalid date again: still its own rule
]
EXPECTED = {
    ("kela/a.parquet", 1): None,
    ("kela/a.parquet", 2): None,
    ("kela/a.parquet", 3): None,
    ("kela/a.parquet", 4): "out_of_range",
    ("kela/a.parquet", 5): "duplicate_key",
    ("kela/a.parquet", 6): "invalid_date",
    ("kela/a.parquet", 7): "invalid_date",
    ("kela/b.parquet", 2): "duplicate_key",
}
REASON = "duplicate of key (person_id, benefit_month): first seen at kela/a.parquet line 1"


def _result(df):
    return {(r["source_file"], r["source_row"]): (r["rule"], r["reason"], r["raw_record"]) for r in df.collect()}


def test_later_rows_of_a_key_are_duplicates_of_the_first(spark):
    got = _result(V.validate(spark.createDataFrame(ROWS, SCHEMA), CONTRACT, "test-key"))
    assert {k: v[0] for k, v in got.items()} == EXPECTED
    for where in (("kela/a.parquet", 5), ("kela/b.parquet", 2)):
        rule, reason, record = got[where]
        assert reason == REASON
        assert record is not None and P1 in record  # the raw record, with the (already pseudonymous) code
    assert all(v[2] is None for k, v in got.items() if EXPECTED[k] is None)


def test_staged_and_unbroadcast_duplicates_give_the_same_rows(spark, tmp_path, monkeypatch):
    df = spark.createDataFrame(ROWS, SCHEMA)
    expected = _result(V.validate(df, CONTRACT, "test-key"))
    staged: list[str] = []

    def stage(d, name):
        path = str(tmp_path / name)
        d.write.mode("overwrite").parquet(path)
        staged.append(name)
        return spark.read.parquet(path)

    assert _result(V.validate(df, CONTRACT, "test-key", materialise=stage)) == expected
    assert staged == ["checked", "shared_key_hashes", "duplicate_rows", "duplicate_records"]
    # Staged native values only where rules 1-11 quarantine a row; the duplicates' records
    # were read again.
    checked = spark.read.parquet(str(tmp_path / "checked"))
    natives = [c for c in checked.columns if c.startswith("__n")]
    assert len(natives) == 4
    kept = {(r.source_file, r.source_row): any(r[c] is not None for c in natives) for r in checked.collect()}
    assert kept == {k: v not in (None, "duplicate_key") for k, v in EXPECTED.items()}
    monkeypatch.setattr(V, "BROADCAST_ROWS", 0)
    assert _result(V.validate(df, CONTRACT, "test-key", materialise=stage)) == expected
    monkeypatch.setattr(V, "SORTED_HASHES_ROWS", 0)  # repeated hashes found by sorting, as for large registers
    assert _result(V.validate(df, CONTRACT, "test-key", materialise=stage)) == expected
    monkeypatch.setattr(V, "BROADCAST_ROWS", 10**6)
    assert _result(V.validate(df, CONTRACT, "test-key")) == expected


def test_no_duplicates_among_distinct_keys(spark):
    rows = [("kela/a.parquet", i + 1, None, None, None, f"{i:064x}", f"20{10 + i % 12:02d}-{1 + i % 12:02d}-01",
             10.0, 1) for i in range(3000)]
    got = V.validate(spark.createDataFrame(rows, SCHEMA), CONTRACT, "test-key")
    assert got.where("rule is not null").count() == 0 and got.count() == 3000


def test_duplicate_records_come_from_their_files_read_again(spark):
    df = spark.createDataFrame(ROWS, SCHEMA)
    asked: list[list[str]] = []

    def reread(files):
        asked.append(files)
        return df.where(F.col("source_file").isin(files))

    got = _result(V.validate(df, CONTRACT, "test-key", reread=reread))
    assert asked == [["kela/a.parquet", "kela/b.parquet"]]
    record = '{{"hetu":"{}","maksukuukausi":"2022-01-01","asumistuki_eur":"{}","ruokakunnan_koko":"2"}}'
    assert got[("kela/b.parquet", 2)][2] == record.format(P1, "300.0")
    assert got[("kela/a.parquet", 5)][2] == record.format(P1, "310.0")
    assert got == _result(V.rule(V.check(df, CONTRACT, "test-key"), CONTRACT))  # all natives kept instead


def test_files_that_change_between_the_reads_stop_validation(spark):
    df = spark.createDataFrame(ROWS, SCHEMA)
    with pytest.raises(IngestError, match=r"housing_allowance: 2 rows are later duplicates .* found 1 of them: "
                                          r"the files changed"):
        V.validate(df, CONTRACT, "test-key",
                   reread=lambda files: df.where(F.col("source_file").isin(files) & (F.col("source_row") != 5)))


def test_repeated_hashes_are_exactly_the_values_seen_twice(spark):
    rng = random.Random(3)
    values = [rng.getrandbits(64) - (1 << 63) for _ in range(20_000)]
    values += rng.sample(values, 300) + [values[0]] * 3 + [None]
    rng.shuffle(values)
    df = spark.createDataFrame([(v,) for v in values], "__h long").repartition(7)
    want = {r[0] for r in df.groupBy("__h").count().where("count > 1 and __h is not null").collect()}
    got = [r[0] for r in V.repeated_hashes(df).collect()]
    assert len(want) == 301 and sorted(got) == sorted(want)
