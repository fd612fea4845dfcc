"""`lea ingest` against registers generated with `--dirty-rate 0.02` (the run's shared
``dirty_extracts``): the generator's manifest of injected faults is the answer key (the
pipeline itself never reads it)."""
from __future__ import annotations

import argparse

import pandas as pd
import pytest
from pyspark.sql import functions as F

from lea_spark.lake import read_table
from tests.conftest import make_cfg

@pytest.fixture(scope="module")
def dirty_run(spark, tmp_path_factory, dirty_extracts):
    base = tmp_path_factory.mktemp("ingest_manifest")
    assert dirty_extracts["p"].dirty_rate == 0.02
    cfg = make_cfg(base, **{"paths.raw": str(dirty_extracts["raw"])})
    from lea_spark.jobs import ingest

    mp = pytest.MonkeyPatch()
    mp.setenv("LEA_PSEUDONYM_KEY", "manifest-test-key")
    try:
        summary = ingest.run(cfg, argparse.Namespace(raw=None, contracts=None))
    finally:
        mp.undo()
    raw = cfg.path("raw")
    faults = pd.read_parquet(raw / "_manifest" / "dirty.parquet")
    files = pd.read_parquet(raw / "_manifest" / "files.parquet")
    quarantine = read_table(spark, cfg, "bronze.quarantine").select(
        "register", "source_file", "source_row", "rule").toPandas()
    return cfg, summary, faults, files, quarantine


def test_every_injected_fault_is_quarantined_with_the_expected_rule(dirty_run):
    _, _, faults, _, quarantine = dirty_run
    assert len(faults) > 100
    assert set(faults.expected_rule) >= {"malformed_person_code", "invalid_check_character", "unknown_code",
                                         "invalid_date", "duplicate_key", "truncated_line", "bad_encoding",
                                         "missing_value"}
    got = {(r.source_file, int(r.source_row)): (r.register, r.rule) for r in quarantine.itertuples()}
    want = {(r.source_file, int(r.source_row)): (r.register, r.expected_rule) for r in faults.itertuples()}
    missed = {k: v for k, v in want.items() if got.get(k) != v}
    assert missed == {}
    # ... and nothing else: a row the generator left clean is never quarantined.
    assert {k: v for k, v in got.items() if k not in want} == {}


def test_accounting_is_exact_for_every_register_and_file(spark, dirty_run):
    cfg, summary, faults, files, _ = dirty_run
    acc = read_table(spark, cfg, "bronze.ingest_accounting").toPandas()
    per_file = acc.drop_duplicates("source_file").set_index("source_file")
    assert set(per_file.index) == set(files.source_file)
    for f in files.itertuples():
        row = per_file.loc[f.source_file]
        assert (row.register, row.rows_read) == (f.register, f.rows), f.source_file
        assert row.rows_read == row.rows_accepted + row.rows_quarantined
    by_rule = acc[acc.rule.notna()].groupby(["source_file", "rule"]).rows_by_rule.sum().to_dict()
    expected = faults.groupby(["source_file", "expected_rule"]).size().to_dict()
    assert by_rule == expected
    assert summary["rows_read"] == int(files.rows.sum())
    assert summary["rows_quarantined"] == len(faults)
    registers = set(files.register)
    assert len(registers) >= 10 and set(acc.register) == registers


def test_bronze_holds_every_accepted_row_and_no_identity_code(spark, dirty_run):
    cfg, summary, _, _, _ = dirty_run
    code = r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]"
    total = 0
    for table in ("persons", "relations", "partnerships", "residences", "earnings", "social_assistance",
                  "housing_allowance", "unemployment", "pensions", "degrees", "care_episodes",
                  "social_care_episodes", "primary_care_visits"):
        df = read_table(spark, cfg, f"bronze.{table}")
        ids = [c for c in ("person_id", "relative_id", "partner_id") if c in df.columns]
        stats = df.select(F.count(F.lit(1)).alias("n"),
                          *[F.sum((~F.coalesce(F.col(c).rlike("^[0-9a-f]{64}$"), F.lit(True))).cast("int"))
                            .alias(c) for c in ids]).first()
        assert all((stats[c] or 0) == 0 for c in ids), table
        total += stats["n"]
    assert total == summary["rows_accepted"]
    q = read_table(spark, cfg, "bronze.quarantine")
    assert q.where(F.col("raw_record").rlike(code) | F.col("reason").rlike(code)).count() == 0
