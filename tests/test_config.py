"""Configuration is validated on load with one clear message naming file and key."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lea_spark.config import ConfigError, load_config, secret
from tests.conftest import CONF


@pytest.fixture()
def conf_copy(tmp_path) -> Path:
    target = tmp_path / "conf"
    shutil.copytree(CONF, target)
    return target


def test_shipped_configuration_loads_for_every_environment():
    for env in (None, "local", "test", "cluster"):
        cfg = load_config(CONF, env)
        assert cfg["lake.engine"] in ("auto", "delta-rs", "delta-spark")
    assert load_config(CONF, "test")["spark.settings"]["spark.sql.shuffle.partitions"] == "2"


def test_overlay_overrides_base(conf_copy):
    (conf_copy / "env" / "mine.yaml").write_text("publish:\n  threshold: 10\n")
    cfg = load_config(conf_copy, "mine")
    assert cfg["publish.threshold"] == 10
    assert cfg["spark.master"] == "local[2]"  # untouched keys come from base.yaml


def test_unknown_key_names_file_and_key(conf_copy):
    (conf_copy / "env" / "bad.yaml").write_text("publish:\n  treshold: 10\n")
    with pytest.raises(ConfigError) as err:
        load_config(conf_copy, "bad")
    msg = str(err.value)
    assert "bad.yaml" in msg and "unknown key 'publish.treshold'" in msg and "threshold" in msg


def test_wrong_type_names_file_key_and_types(conf_copy):
    (conf_copy / "env" / "bad.yaml").write_text("generate:\n  seed: forty-two\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: key 'generate.seed' must be int, got str \('forty-two'\)"):
        load_config(conf_copy, "bad")


def test_boolean_is_not_a_number(conf_copy):
    (conf_copy / "env" / "bad.yaml").write_text("publish:\n  threshold: true\n")
    with pytest.raises(ConfigError, match="'publish.threshold' must be int, got bool"):
        load_config(conf_copy, "bad")


def test_bad_values_and_missing_files(conf_copy, tmp_path):
    (conf_copy / "env" / "bad.yaml").write_text("lake:\n  engine: parquet\n")
    with pytest.raises(ConfigError, match="'lake.engine' must be one of auto, delta-rs, delta-spark"):
        load_config(conf_copy, "bad")
    with pytest.raises(ConfigError, match=r"configuration file not found: .*env/nope.yaml"):
        load_config(conf_copy, "nope")
    with pytest.raises(ConfigError, match="configuration directory not found"):
        load_config(tmp_path / "absent")
    (conf_copy / "env" / "broken.yaml").write_text("spark: [unclosed\n")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        load_config(conf_copy, "broken")


def test_reference_date_must_be_a_calendar_date(conf_copy):
    import argparse

    from lea_spark.config import iso_date

    for value, message in (("31.12.2022", "must be a date written YYYY-MM-DD, got '31.12.2022'"),
                           ("2022-13-01", "is not a calendar date: '2022-13-01'")):
        (conf_copy / "env" / "bad.yaml").write_text(f"project:\n  reference_date: \"{value}\"\n")
        with pytest.raises(ConfigError, match=f"bad.yaml: key 'project.reference_date' {message}"):
            load_config(conf_copy, "bad")
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            iso_date(value)
    assert iso_date("2021-12-31") == "2021-12-31"
    with pytest.raises(ConfigError, match="command-line override: key 'project.reference_date'"):
        load_config(CONF, "test").with_overrides({"project.reference_date": "2022-02-30"})


def test_overrides_are_validated():
    cfg = load_config(CONF, "test")
    assert cfg.with_overrides({"generate.scale": 0.5})["generate.scale"] == 0.5
    with pytest.raises(ConfigError, match="'generate.scale' must be int or float"):
        cfg.with_overrides({"generate.scale": "big"})


def test_relative_paths_resolve_against_project_root():
    cfg = load_config(CONF)
    assert cfg.path("lake") == (CONF.parent / "lakehouse").resolve()
    assert cfg.path("geo").name == "geo"


def test_secrets_only_from_environment(monkeypatch):
    monkeypatch.delenv("LEA_TEST_SECRET", raising=False)
    with pytest.raises(ConfigError, match="LEA_TEST_SECRET is not set"):
        secret("LEA_TEST_SECRET")
    monkeypatch.setenv("LEA_TEST_SECRET", "s3cr3t")
    assert secret("LEA_TEST_SECRET") == "s3cr3t"
