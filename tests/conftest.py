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
