"""CLI, session factory and progress lines."""
from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys

import pytest

from lea_spark.config import ConfigError, load_config
from lea_spark.progress import step
from tests.conftest import CONF, ROOT


def test_missing_java_is_a_clear_error(monkeypatch, tmp_path):
    from lea_spark.session import check_java

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="Java was not found: Spark needs a Java 17 runtime"):
        check_java()


def test_session_comes_from_config(spark):
    conf = spark.sparkContext.getConf()
    assert spark.sparkContext.master == "local[2]"
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"  # from conf/env/test.yaml
    assert conf.get("spark.ui.showConsoleProgress") == "false"


def test_the_jvm_runs_with_the_configured_java_options(spark):
    """The driver JVM (local mode: also the executor) was started with spark.java_options,
    and the log configuration is still passed beside them."""
    args = list(spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert "-XX:-DontCompileHugeMethods" in args
    # The throughput collector is the one the JVM runs, not only an argument it was given.
    collectors = {b.getName() for b in spark.sparkContext._jvm.java.lang.management.ManagementFactory
                  .getGarbageCollectorMXBeans()}
    assert collectors == {"PS Scavenge", "PS MarkSweep"}, collectors
    assert any(a.startswith("-Dlog4j2.configurationFile=") for a in args)
    conf = spark.sparkContext.getConf()
    assert "-XX:-DontCompileHugeMethods" in conf.get("spark.executor.extraJavaOptions")


def test_spark_logs_no_line_about_a_failed_task(spark, capsys):
    """A failed cast quotes its value. Spark's executor logs the task's error, and PySpark
    logs every SQL error as JSON on standard error: Spark's two loggers are silenced by
    conf/log4j2.properties (checked in the JVM that runs) and PySpark's by the session
    factory, so the value reaches the user only through `lea`'s masked error line."""
    from lea_spark.identity import make_hetu

    code = make_hetu(dt.date(1980, 1, 1), 901)
    with pytest.raises(Exception) as exc:
        spark.createDataFrame([(code,)], "v string").selectExpr("cast(v as int)").collect()
    assert code in str(exc.value)  # the value is in the error: it would be in Spark's lines too
    assert code not in capsys.readouterr().err  # PySpark's own log of the error (JSON) is off
    log_manager = spark.sparkContext._jvm.org.apache.logging.log4j.LogManager
    levels = {name: str(log_manager.getLogger(name).getLevel()) for name in (
        "org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager")}
    assert levels == {"org.apache.spark.executor.Executor": "FATAL",
                      "org.apache.spark.scheduler.TaskSetManager": "ERROR"}


def test_java_options_merge_with_extra_java_options_of_the_settings(tmp_path):
    from lea_spark.session import java_options, session_settings

    cfg = load_config(CONF, "test").with_overrides({"spark.java_options": ["-Xss4m"]})
    opts = java_options(cfg)
    assert opts["spark.driver.extraJavaOptions"].split()[0] == "-Xss4m"
    assert "-XX:-DontCompileHugeMethods" not in opts["spark.driver.extraJavaOptions"]
    assert "-Dlog4j2.configurationFile=" in opts["spark.executor.extraJavaOptions"]
    # Options given in spark.settings are kept, after the configured ones.
    cfg = cfg.with_overrides({"spark.settings": {"spark.driver.extraJavaOptions": "-Dlea.x=1",
                                                  "spark.sql.shuffle.partitions": "3"}})
    settings = session_settings(cfg)
    driver = settings["spark.driver.extraJavaOptions"].split()
    assert driver[0] == "-Xss4m" and driver[-1] == "-Dlea.x=1"
    assert "-Dlea.x=1" not in settings["spark.executor.extraJavaOptions"]
    assert settings["spark.executor.extraJavaOptions"].split()[0] == "-Xss4m"
    assert settings["spark.sql.shuffle.partitions"] == "3"


def test_no_module_but_session_builds_a_session():
    offenders = []
    for path in (ROOT / "lea_spark").rglob("*.py"):
        if path.name == "session.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "SparkSession.builder" in text or "SparkContext(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_a_failing_job_logs_its_error_without_identity_codes_or_pseudonyms(tmp_path, monkeypatch, caplog):
    """Other libraries' messages can quote a value (Spark's failed cast does): the one error
    line the command line logs masks identity-code-shaped text and 64-hex pseudonyms."""
    from lea_spark import cli
    from lea_spark.identity import make_hetu, pseudonymise

    code = make_hetu(dt.date(1980, 1, 1), 901)
    pseudonym = pseudonymise(code, "k")

    def fail(name, cfg, args):
        raise RuntimeError(f"[CAST_INVALID_INPUT] The value '{code}' of the type \"STRING\" cannot be cast; "
                           f"key {pseudonym} in file part-00001.parquet, run 2022-12-05")

    monkeypatch.setattr(cli, "run_job", fail)
    caplog.set_level(logging.ERROR, logger="lea")
    assert cli.main(["generate", "--conf-dir", str(ROOT / "conf"), "--env", "test"]) == 1
    line = caplog.records[-1].getMessage()
    assert line.startswith("RuntimeError: [CAST_INVALID_INPUT] The value '<id>'")
    assert code not in line and pseudonym not in line and "key <id> in file part-00001.parquet, run 2022-12-05" in line


def test_cli_lists_jobs_and_reports_config_errors(tmp_path):
    lea = [sys.executable, "-m", "lea_spark.cli"]
    from lea_spark.jobs import PIPELINE

    out = subprocess.run(lea + ["--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    listed = re.search(r"\{([a-z,]+)\}", out.stdout)
    assert listed and listed.group(1).split(",") == PIPELINE + ["models", "run"]
    bad = tmp_path / "conf"
    bad.mkdir()
    (bad / "base.yaml").write_text("spark:\n  mastr: local\n")
    out = subprocess.run(lea + ["run", "--conf-dir", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert "configuration error" in out.stderr and "unknown key 'spark.mastr'" in out.stderr
    assert "Traceback" not in out.stderr


def test_progress_line_has_rows_and_time(caplog):
    caplog.set_level(logging.INFO, logger="lea")
    with step("ingest", "read earnings") as s:
        s.rows_in, s.rows_out = 1234, 1230
    line = caplog.records[-1].getMessage()
    assert line.startswith("[ingest] read earnings: rows in 1,234 -> out 1,230 (")
    assert line.endswith(" s)")


def test_a_whole_run_ends_by_saying_where_its_outputs_are(tmp_path, capsys):
    from lea_spark.cli import _print_locations
    from tests.conftest import make_cfg

    cfg = make_cfg(tmp_path)
    _print_locations(cfg, {"generate": {}, "ingest": {}, "train": {}, "report": {}})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Where the outputs are:"
    text = "\n".join(out)
    assert f"Delta tables   {cfg.path('lake')}" in text
    assert f"report         {cfg.path('reports') / 'index.html'}" in text
    assert "MLflow         " in text and str(cfg.path("mlruns_artifacts")) in text
    assert f"raw extracts   {cfg.path('raw')}" in text
