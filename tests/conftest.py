"""Shared test fixtures: one local Spark session for the whole run, configuration with
every output path under a temporary directory."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from lea_spark.config import load_config
from lea_spark.progress import setup_logging

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
SHARED = ROOT.parent / "shared"

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def make_cfg(base: Path, **overrides):
    """Test configuration with raw/lake/mlflow/report paths under ``base``."""
    cfg = load_config(CONF, "test")
    paths = {
        "paths.raw": str(base / "raw"),
        "paths.answer_key": str(base / "raw_truth"),
        "paths.lake": str(base / "lakehouse"),
        "paths.reports": str(base / "reports"),
        "paths.mlruns_artifacts": str(base / "mlartifacts"),
        "mlflow.tracking_uri": f"sqlite:///{base / 'mlflow.db'}",
    }
    paths.update(overrides)
    return cfg.with_overrides(paths)


@pytest.fixture(scope="session")
def spark():
    setup_logging("INFO")
    from lea_spark.session import get_spark

    cfg = load_config(CONF, "test")
    session = get_spark(cfg, app_name="lea-tests")
    yield session
    session.stop()


@pytest.fixture()
def cfg(tmp_path):
    return make_cfg(tmp_path)


# Registers of all of Finland at scale 0.001 with 2 % injected faults, generated once per test
# run (tests/test_generate.py checks the files, tests/test_ingest_manifest.py ingests them).
DIRTY_EXTRACTS = {"scale": 0.001, "seed": 20221231, "dirty_rate": 0.02, "partitions": 4}


@pytest.fixture(scope="session")
def dirty_extracts(spark, tmp_path_factory):
    """The raw extracts, answer key and generation summary of ``DIRTY_EXTRACTS``: only read."""
    from lea_spark.generate.generator import generate
    from lea_spark.generate.params import GenParams

    base = tmp_path_factory.mktemp("dirty_extracts")
    cfg = make_cfg(base)
    p = GenParams.from_config(cfg, **DIRTY_EXTRACTS)
    summary = generate(spark, cfg.path("geo"), CONF / "group_mix.yaml", base / "raw", base / "raw_truth", p)
    return {"raw": base / "raw", "truth": base / "raw_truth", "summary": summary, "p": p}

