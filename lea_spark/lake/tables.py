"""Named Delta tables under a lake root: ``<lake>/<layer>/<table>``.

``write_table`` and ``read_table`` are the only way jobs touch the lakehouse. Every table
is a real Delta Lake table. The engine is chosen by ``lake.engine``:

* ``delta-spark`` - Spark's own Delta writer (a cluster with the Delta jars);
* ``delta-rs`` - executors write the Parquet files in parallel, the driver makes one atomic
  delta-rs commit (:mod:`lea_spark.lake.delta_source`). Unpartitioned tables are written by
  Spark's own Parquet writer (no rows pass through Python) into a folder of the write inside
  the table, moved into the table and committed with their footer statistics; partitioned
  tables by the Python data source ``lea_delta``;
* ``auto`` - ``delta-spark`` when its jars are on the classpath, otherwise ``delta-rs``.

Modes: ``append`` (schema must match the table's), ``overwrite`` (replaces contents and
schema), ``replace`` (overwrite only the rows of the given partition values, e.g. one
reference year, in one transaction).
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lea_spark.config import Config

log = logging.getLogger(__name__)

MODES = ("append", "overwrite", "replace")
_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class LakeError(RuntimeError):
    """A lake read or write was refused or failed; the table is unchanged."""


@dataclass(frozen=True)
class WriteResult:
    table: str
    version: int
    rows: int


def table_path(cfg: Config, name: str) -> Path:
    """Directory of table ``layer.table`` under the configured lake root."""
    if not _NAME.match(name):
        raise LakeError(f"table name {name!r} must look like 'layer.table' (lower case, digits, _)")
    layer, table = name.split(".")
    return cfg.path("lake") / layer / table


def _engine(cfg: Config, spark) -> str:
    engine = cfg.get("lake.engine", "auto")
    if engine == "auto":
        from lea_spark.session import delta_spark_available

        return "delta-spark" if delta_spark_available(spark) else "delta-rs"
    return engine


def table_exists(cfg: Config, name: str) -> bool:
    return (table_path(cfg, name) / "_delta_log").is_dir()


def _schema_signature(schema) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in schema.fields]


def _check_schema(existing, incoming, name: str) -> None:
    old, new = _schema_signature(existing), _schema_signature(incoming)
    if old == new:
        return
    old_d, new_d = dict(old), dict(new)
    missing = [c for c in old_d if c not in new_d]
    extra = [c for c in new_d if c not in old_d]
    changed = [f"{c}: {old_d[c]} -> {new_d[c]}" for c in old_d if c in new_d and old_d[c] != new_d[c]]
    order = [] if (missing or extra or changed) else ["column order differs"]
    detail = "; ".join(
        part for part in (
            f"missing columns {missing}" if missing else "",
            f"unexpected columns {extra}" if extra else "",
            f"changed types {changed}" if changed else "",
            *order,
        ) if part
    )
    raise LakeError(f"schema mismatch appending to {name}: {detail}. The table was not changed.")


def _clean_error(exc: Exception) -> str:
    """The one line of a Spark/Python-worker failure that says what went wrong."""
    text = str(exc)
    hits = re.findall(r"^\s*(?:\w+\.)*(\w*(?:Error|Exception)): (.+)$", text, flags=re.M)
    if hits:
        kind, msg = hits[-1]
        return f"{kind}: {msg.strip()}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def write_table(
    cfg: Config,
    df,
    name: str,
    mode: str = "overwrite",
    partition_by: list[str] | None = None,
    replace_where: dict[str, Any] | None = None,
) -> WriteResult:
    """Write ``df`` to the Delta table ``name`` in one atomic commit.

    ``replace_where`` maps partition columns to the value whose rows are replaced; every
    row of ``df`` must carry that value (checked by the writer tasks).
    """
    if mode not in MODES:
        raise LakeError(f"unknown write mode {mode!r}; use one of {', '.join(MODES)}")
    partition_by = list(partition_by or [])
    missing = [c for c in partition_by if c not in df.columns]
    if missing:
        raise LakeError(f"partition columns {missing} are not columns of the data written to {name}")
    if mode == "replace":
        if not replace_where:
            raise LakeError(f"mode 'replace' for {name} needs replace_where={{column: value}}")
        bad = [c for c in replace_where if c not in partition_by]
        if bad:
            raise LakeError(f"replace_where columns {bad} of {name} must be partition columns {partition_by}")
    path = table_path(cfg, name)
    spark = df.sparkSession
    exists = table_exists(cfg, name)
    if exists and mode in ("append", "replace"):
        _check_schema(read_table(spark, cfg, name).schema, df.schema, name)
        existing_parts = _partition_columns(path)
        if existing_parts != partition_by:
            raise LakeError(
                f"{name} is partitioned by {existing_parts}; the write asked for {partition_by}. "
                "The table was not changed."
            )
    if mode == "replace" and not exists:
        mode = "append"
    engine = _engine(cfg, spark)
    if engine == "delta-spark":
        return _write_delta_spark(df, name, path, mode, partition_by, replace_where)
    path.mkdir(parents=True, exist_ok=True)
    write_id = uuid.uuid4().hex
    if not partition_by:
        return _write_native(cfg, df, name, path, mode, write_id)
    writer = (
        df.write.format("lea_delta")
        .option("path", str(path))
        .option("lea_mode", mode)
        .option("partition_by", json.dumps(partition_by))
        .option("write_id", write_id)
        .option("target_file_rows", str(cfg.get("lake.target_file_rows", 2_000_000)))
    )
    if replace_where:
        writer = writer.option("replace_where", json.dumps([[c, "=", str(v)] for c, v in replace_where.items()]))
    try:
        writer.mode("overwrite" if mode == "overwrite" else "append").save()
    except Exception as exc:
        _remove_files_of_failed_write(spark, path, write_id)
        raise LakeError(f"writing {name} failed, the table is unchanged: {_clean_error(exc)}") from exc
    return _find_commit(path, name, write_id)


# Spark's Parquet writer, as Delta readers expect the files: 64-bit microsecond timestamps
# (Spark's default INT96 is not a Delta type), snappy.
DELTA_PARQUET_CONF = {"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
                      "spark.sql.parquet.compression.codec": "snappy"}


def _write_native(cfg: Config, df, name: str, path: Path, mode: str, write_id: str) -> WriteResult:
    """An unpartitioned write by Spark's Parquet writer: the files go to ``_lea_write-<id>``
    inside the table (Delta readers see only files in the log), are moved into the table
    under names that carry the write's tag and recorded in one commit. Anything left by a
    failure (the folder, moved files) is removed; the table is then unchanged."""
    import shutil

    from lea_spark.session import sql_conf

    spark = df.sparkSession
    folder = path / f"_lea_write-{write_id}"
    try:
        with sql_conf(spark, DELTA_PARQUET_CONF):
            (df.write.option("maxRecordsPerFile", int(cfg.get("lake.target_file_rows", 2_000_000)))
             .parquet(str(folder)))
        _move_and_commit(sorted(folder.glob("part-*.parquet")), path, mode, df.schema, write_id)
        shutil.rmtree(folder, ignore_errors=True)
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _remove_files_of_failed_write(spark, path, write_id)
        raise LakeError(f"writing {name} failed, the table is unchanged: {_clean_error(exc)}") from exc
    return _find_commit(path, name, write_id)


def _move_and_commit(files: list[Path], path: Path, mode: str, schema, write_id: str) -> None:
    """Move the Parquet ``files`` into the table folder ``path`` under names that carry the
    write's tag and record them in one commit (``mode``: append or overwrite)."""
    import os

    from lea_spark.lake.delta_source import commit_files, file_add, write_tag

    adds = []
    token = uuid.uuid4().hex[:12]
    for i, f in enumerate(files):
        rel = f"part-{i:05d}{write_tag(write_id)}{token}.snappy.parquet"
        os.replace(f, path / rel)
        adds.append(file_add(str(path), rel))
    commit_files(str(path), mode, schema, adds, sum(a["rows"] for a in adds), write_id, [], [])


def commit_parquet_files(cfg: Config, spark, files: list[Path], schema, name: str) -> WriteResult:
    """Parquet files already written, with exactly the columns and types of ``schema`` (a
    StructType) and Delta's conventions (snappy, microsecond timestamps), recorded as the
    whole content of the Delta table ``name`` (an overwrite) in one atomic commit, unpartitioned.

    The files are moved into the table (they must be on the table's file system); a job that
    has just written its output for another reason saves writing it a second time. With the
    ``delta-spark`` engine they are read and written by Delta instead. If anything fails, the
    moved files are removed and the table is unchanged; files not yet moved stay where they
    were.
    """
    if _engine(cfg, spark) == "delta-spark":
        df = spark.read.schema(schema).parquet(*[str(f) for f in files]) if files else spark.createDataFrame([], schema)
        return write_table(cfg, df, name, mode="overwrite")
    path = table_path(cfg, name)
    _check_file_schemas(files, schema, name)
    path.mkdir(parents=True, exist_ok=True)
    write_id = uuid.uuid4().hex
    try:
        _move_and_commit(list(files), path, "overwrite", schema, write_id)
    except Exception as exc:
        _remove_unreferenced(path, write_id)
        raise LakeError(f"writing {name} failed, the table is unchanged: {_clean_error(exc)}") from exc
    return _find_commit(path, name, write_id)


def _check_file_schemas(files: list[Path], schema, name: str) -> None:
    """Every file's columns (from its footer) are ``schema``'s, in order and with its types."""
    import pyarrow.parquet as pq
    from pyspark.sql.pandas.types import to_arrow_schema

    want = [(f.name, f.type) for f in to_arrow_schema(schema, timezone="UTC")]
    for f in files:
        got = [(c.name, c.type) for c in pq.read_schema(f)]
        if got != want:
            raise LakeError(f"committing files to {name}: {f} has the columns {[(n, str(t)) for n, t in got]}, "
                            f"not the table's {[(n, str(t)) for n, t in want]}. The table was not changed.")


def _remove_files_of_failed_write(spark, path: Path, write_id: str, wait_s: float = 60.0) -> None:
    """Remove the data files a failed write left behind. When one task fails, Spark aborts the
    job while other tasks may still be finishing their files; those files are in no commit,
    but they would stay in the table's folder. Wait (at most ``wait_s``) until no stage or task
    runs, then remove every file of this write that the Delta log does not reference."""
    import time

    tracker = spark.sparkContext.statusTracker()

    def running_tasks() -> int:
        try:   # the executors' own count (a killed task may outlive its aborted stage)
            return sum(i.numRunningTasks() for i in spark.sparkContext._jsc.sc().statusTracker().getExecutorInfos())
        except Exception:  # noqa: BLE001 - no JVM status: the stage list is the best there is
            return 0

    deadline = time.monotonic() + wait_s
    while (tracker.getActiveStageIds() or running_tasks()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for sweep in range(2):   # a second sweep for a Python worker that closed its file late
        if sweep:
            time.sleep(1.0)
        _remove_unreferenced(path, write_id)


def _remove_unreferenced(path: Path, write_id: str) -> None:
    from lea_spark.lake.delta_source import write_tag

    referenced = set()
    if (path / "_delta_log").is_dir():
        from urllib.parse import unquote

        from deltalake import DeltaTable

        referenced = {unquote(u).rsplit("/", 1)[-1] for u in DeltaTable(str(path)).file_uris()}
    tag = write_tag(write_id)
    for f in path.rglob("*.parquet"):
        if tag in f.name and "_delta_log" not in f.relative_to(path).parts and f.name not in referenced:
            f.unlink(missing_ok=True)


def _partition_columns(path: Path) -> list[str]:
    from deltalake import DeltaTable

    return list(DeltaTable(str(path)).metadata().partition_columns)


def _find_commit(path: Path, name: str, write_id: str) -> WriteResult:
    from deltalake import DeltaTable

    dt = DeltaTable(str(path))
    for entry in dt.history(20):
        if entry.get("lea.write_id") == write_id:
            return WriteResult(name, int(entry["version"]), int(entry.get("lea.rows", 0)))
    raise LakeError(f"the commit of this write to {name} was not found in its Delta log")


def _write_delta_spark(df, name, path, mode, partition_by, replace_where) -> WriteResult:
    writer = df.write.format("delta")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    if mode == "replace":
        predicate = " AND ".join(f"{c} = '{v}'" for c, v in replace_where.items())
        writer = writer.option("replaceWhere", predicate).mode("overwrite")
    elif mode == "overwrite":
        writer = writer.option("overwriteSchema", "true").mode("overwrite")
    else:
        writer = writer.mode("append")
    try:
        writer.save(str(path))
    except Exception as exc:
        raise LakeError(f"writing {name} failed, the table is unchanged: {_clean_error(exc)}") from exc
    from deltalake import DeltaTable

    dt = DeltaTable(str(path))
    metrics = dt.history(1)[0].get("operationMetrics", {})
    return WriteResult(name, dt.version(), int(metrics.get("numOutputRows", 0)))


def spark_schema_of(path: Path, version: int | None = None):
    import pyarrow as pa
    from deltalake import DeltaTable
    from pyspark.sql.pandas.types import from_arrow_schema

    dt = DeltaTable(str(path), version=version)
    return from_arrow_schema(pa.schema(dt.schema().to_arrow()))


def read_table(spark, cfg: Config, name: str, version: int | None = None):
    """The Delta table ``name`` (optionally as of ``version``) as a DataFrame."""
    path = table_path(cfg, name)
    if not (path / "_delta_log").is_dir():
        raise LakeError(f"table {name} does not exist at {path}; run the job that writes it first")
    if _engine(cfg, spark) == "delta-spark":
        reader = spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        return reader.load(str(path))
    from deltalake import DeltaTable

    try:
        dt = DeltaTable(str(path), version=version)
    except Exception as exc:
        raise LakeError(f"cannot open {name} at version {version}: {_clean_error(exc)}") from exc
    schema = spark_schema_of(path, version)
    uris = dt.file_uris()
    if not uris:
        return spark.createDataFrame([], schema)
    df = spark.read.schema(schema).option("basePath", str(path)).parquet(*uris)
    return df.select(*schema.fieldNames())


def table_rows(cfg: Config, name: str) -> int:
    """Row count from the Delta log's file statistics (no Spark job)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from deltalake import DeltaTable

    actions = pa.table(DeltaTable(str(table_path(cfg, name))).get_add_actions(flatten=True))
    if actions.num_rows == 0:
        return 0
    return int(pc.sum(actions["num_records"]).as_py() or 0)


def table_version(cfg: Config, name: str) -> int:
    from deltalake import DeltaTable

    return DeltaTable(str(table_path(cfg, name))).version()


def remove_table(cfg: Config, name: str) -> None:
    """Delete a table directory entirely (used by tests and ``--fresh`` runs)."""
    import shutil

    path = table_path(cfg, name)
    if path.exists():
        shutil.rmtree(path)
