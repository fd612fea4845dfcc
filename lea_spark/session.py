"""The one place a SparkSession is created.

Local mode by default (``spark.master: local[2]``, settings for a 2-core / 24 GB machine);
on a cluster the master and resources come from ``spark-submit`` and ``conf/env/cluster.yaml``.
No other module builds a session: jobs call :func:`get_spark`.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

from lea_spark.config import Config, ConfigError

log = logging.getLogger(__name__)

_QUIET_LOGGERS = ("py4j", "py4j.clientserver", "py4j.java_gateway")


def check_java() -> str:
    """Return the java executable, or fail with a message a newcomer can act on."""
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise ConfigError(
            "Java was not found: Spark needs a Java 17 runtime. Install it (for example "
            "'apt-get install openjdk-17-jre-headless') or set JAVA_HOME."
        )
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"Java at {java} could not be run: {exc}") from None
    if out.returncode != 0:
        raise ConfigError(f"Java at {java} failed to report its version: {out.stderr.strip()}")
    return java


def _prepare_environment() -> None:
    # Python workers must use this interpreter (with pyarrow), and Spark must bind loopback
    # unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def delta_spark_available(spark) -> bool:
    """True when the delta-spark jars are on the JVM classpath."""
    try:
        spark._jvm.java.lang.Class.forName("io.delta.sql.DeltaSparkSessionExtension")
        return True
    except Exception:  # py4j raises a generic Py4JJavaError
        return False


def java_options(cfg: Config) -> dict[str, str]:
    """JVM options of the driver and executors: ``spark.java_options`` and the log configuration.

    The default, ``-XX:-DontCompileHugeMethods``, lets the JVM compile the long methods that
    Spark generates for wide projections (the generator's and ingest's tens of column
    expressions per row). Without it the JVM interprets every method over 8,000 bytes of
    bytecode, which made the generator's visit rows 3.5 times slower (docs/benchmarks.md).
    ``-XX:+UseParallelGC`` replaces the JVM's default collector (G1), which trades throughput
    for short pauses, with the throughput collector: batch jobs wait for no user, and ingest at
    scale 0.1 took 9 % less time with it (docs/benchmarks.md).
    """
    opts = [str(o) for o in (cfg.get("spark.java_options") or [])]
    log4j = cfg.conf_dir / "log4j2.properties"
    if log4j.is_file():
        opts.append(f"-Dlog4j2.configurationFile={log4j.as_uri()}")
    value = " ".join(opts)
    return {"spark.driver.extraJavaOptions": value, "spark.executor.extraJavaOptions": value} if value else {}


def session_settings(cfg: Config) -> dict[str, str]:
    """The session's settings: ``spark.settings``, with :func:`java_options` put in front of
    any ``extraJavaOptions`` given there (both apply; a later JVM option wins)."""
    settings = {"spark.ui.showConsoleProgress": "false"}
    settings.update({k: str(v) for k, v in (cfg.get("spark.settings") or {}).items()})
    for key, value in java_options(cfg).items():
        settings[key] = " ".join(o for o in (value, settings.get(key, "")) if o)
    return settings


# PySpark logs every SQL error it raises, as JSON on standard error, and an error can quote a
# row's value (a failed cast quotes it). The error still reaches the user, through `lea`'s one
# masked error line (lea_spark.identity.redact); these loggers' copies are switched off.
QUERY_CONTEXT_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def _silence_query_context_loggers() -> None:
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # a PySpark without them
        return
    for name in QUERY_CONTEXT_LOGGERS:
        PySparkLogger.getLogger(name).disabled = True


def get_spark(cfg: Config, app_name: str | None = None):
    """Build (or return the active) SparkSession from ``cfg['spark']``.

    The lake's Python data source is registered on the session so that every job can
    write Delta tables through :mod:`lea_spark.lake`.
    """
    _prepare_environment()
    check_java()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name or cfg.get("spark.app_name", "lea-spark"))
    master = cfg.get("spark.master")
    if master:
        builder = builder.master(master)
    driver_memory = cfg.get("spark.driver_memory")
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    for key, value in session_settings(cfg).items():
        builder = builder.config(key, value)
    if cfg.get("lake.engine") == "delta-spark":
        builder = (
            builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(cfg.get("spark.log_level", "WARN"))
    _silence_query_context_loggers()
    from lea_spark.lake.delta_source import register

    register(spark)
    log.debug("spark session %s on %s", spark.sparkContext.applicationId, spark.sparkContext.master)
    return spark


@contextmanager
def sql_conf(spark, settings: dict):
    """Set session SQL settings for the block and restore the previous values after it."""
    before = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)
