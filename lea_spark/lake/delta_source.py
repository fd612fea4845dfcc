"""A Spark Python data source that writes real Delta Lake tables through delta-rs.

Used where the delta-spark jars cannot be on the classpath (no package repository). Each
Spark task writes its own Parquet files with pyarrow, straight into the table directory,
and returns their metadata; the driver-side ``commit`` records all of them in **one**
Delta transaction (delta-rs ``create_write_transaction``), so readers see either the whole
write or nothing. ``abort`` deletes the files of a failed job; a failing task removes its
own files before it re-raises. No data passes through the driver.

Options (set by :func:`lea_spark.lake.tables.write_table`, not by hand):

``path``            table directory
``lea_mode``        ``append`` | ``overwrite`` | ``replace``
``partition_by``    JSON list of partition columns
``replace_where``   JSON list of ``[column, "=", value]`` (partition columns only)
``write_id``        a token stored in the commit so the caller can find its own commit
``target_file_rows`` start a new file after this many rows
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import quote

from pyspark.sql.datasource import DataSource, DataSourceArrowWriter, WriterCommitMessage

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
FORMAT_NAME = "lea_delta"


@dataclass
class FilesWritten(WriterCommitMessage):
    """What one task wrote: a list of add-action dicts and its row count."""

    adds: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0


def partition_value_string(value: Any) -> str | None:
    """Delta's string form of a partition value (dates ISO, None stays None)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _partition_dir(columns: list[str], values: tuple[str | None, ...]) -> str:
    parts = []
    for col, val in zip(columns, values):
        text = HIVE_NULL if val is None else quote(val, safe="")
        parts.append(f"{col}={text}")
    return "/".join(parts)


def _json_scalar(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text if not hasattr(value, "hour") else text.replace("+00:00", "Z")
    if isinstance(value, float) and value != value:  # NaN is not valid JSON stats
        return None
    return value


class _OpenFile:
    """A Parquet file being written by one task, with running statistics."""

    def __init__(self, table_path: str, rel_path: str, schema, partition_values: dict[str, str | None]):
        import pyarrow.parquet as pq

        self.rel_path = rel_path
        self.abs_path = os.path.join(table_path, rel_path)
        os.makedirs(os.path.dirname(self.abs_path), exist_ok=True)
        self.writer = pq.ParquetWriter(self.abs_path, schema, compression="snappy")
        self.partition_values = partition_values
        self.rows = 0
        self.mins: dict[str, Any] = {}
        self.maxs: dict[str, Any] = {}
        self.nulls: dict[str, int] = {}

    def write(self, table) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.writer.write_table(table)
        self.rows += table.num_rows
        for name, column in zip(table.column_names, table.columns):
            self.nulls[name] = self.nulls.get(name, 0) + column.null_count
            t = column.type
            if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_string(t)
                    or pa.types.is_date(t) or pa.types.is_timestamp(t)):
                continue
            if column.null_count == len(column):
                continue
            mm = pc.min_max(column)
            lo, hi = mm["min"].as_py(), mm["max"].as_py()
            if name not in self.mins or (lo is not None and lo < self.mins[name]):
                self.mins[name] = lo
            if name not in self.maxs or (hi is not None and hi > self.maxs[name]):
                self.maxs[name] = hi

    def close(self) -> dict[str, Any]:
        self.writer.close()
        stats = {
            "numRecords": self.rows,
            "minValues": {k: _json_scalar(v) for k, v in self.mins.items()},
            "maxValues": {k: _json_scalar(v) for k, v in self.maxs.items()},
            "nullCount": self.nulls,
        }
        return {
            "path": self.rel_path,
            "size": os.path.getsize(self.abs_path),
            "partition_values": self.partition_values,
            "modification_time": int(time.time() * 1000),
            "stats": json.dumps(stats, default=str),
            "rows": self.rows,
        }

    def discard(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass
        if os.path.exists(self.abs_path):
            os.remove(self.abs_path)


# Data file names carry this many characters of the write's id, so that the files of a failed
# write can be found and removed after its last task has stopped (``tables.write_table``).
WRITE_TAG = 12


def write_tag(write_id: str) -> str:
    """The part of a data file's name that says which write made it."""
    return f"-{write_id[:WRITE_TAG]}-"


class DeltaRsWriter(DataSourceArrowWriter):
    def __init__(self, options: dict[str, str], schema, overwrite: bool):
        self.path = options["path"]
        self.mode = options.get("lea_mode", "overwrite" if overwrite else "append")
        self.partition_by: list[str] = json.loads(options.get("partition_by", "[]"))
        self.replace_where: list[list[Any]] = json.loads(options.get("replace_where", "[]"))
        self.write_id = options.get("write_id", "")
        self.target_rows = int(options.get("target_file_rows", "2000000"))
        self.spark_schema = schema

    # -- executor side -------------------------------------------------------------------
    def _check_replace_where(self, table, keys: list[tuple]) -> None:
        wanted = {col: str(val) for col, _op, val in self.replace_where}
        for key in keys:
            for col, val in zip(self.partition_by, key):
                if col in wanted and val != wanted[col]:
                    raise ValueError(
                        f"replace-where {col} = {wanted[col]!r}: the data to write has rows with "
                        f"{col} = {val!r}; every written row must match the predicate"
                    )

    def write(self, iterator: Iterator[Any]) -> FilesWritten:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyspark import TaskContext

        ctx = TaskContext.get()
        task = f"{ctx.partitionId():05d}-{ctx.attemptNumber()}" if ctx else "00000-0"
        token = uuid.uuid4().hex[:12]
        open_files: dict[tuple, _OpenFile] = {}
        done: list[dict[str, Any]] = []
        counter = 0
        try:
            for batch in iterator:
                table = pa.Table.from_batches([batch])
                if table.num_rows == 0:
                    continue
                if self.partition_by:
                    keys_table = table.select(self.partition_by).group_by(self.partition_by).aggregate([])
                    pieces = []
                    for row in keys_table.to_pylist():
                        key = tuple(partition_value_string(row[c]) for c in self.partition_by)
                        mask = None
                        for c in self.partition_by:
                            cond = pc.is_null(table[c]) if row[c] is None else pc.equal(table[c], row[c])
                            mask = cond if mask is None else pc.and_(mask, cond)
                        pieces.append((key, table.filter(mask).drop_columns(self.partition_by)))
                    if self.replace_where:
                        self._check_replace_where(table, [k for k, _ in pieces])
                else:
                    pieces = [((), table)]
                for key, piece in pieces:
                    f = open_files.get(key)
                    if f is None:
                        counter += 1
                        prefix = _partition_dir(self.partition_by, key) if key else ""
                        name = f"part-{task}{write_tag(self.write_id)}{token}-{counter:04d}.snappy.parquet"
                        rel = f"{prefix}/{name}" if prefix else name
                        f = _OpenFile(self.path, rel, piece.schema,
                                      dict(zip(self.partition_by, key)))
                        open_files[key] = f
                    f.write(piece)
                    if f.rows >= self.target_rows:
                        done.append(f.close())
                        del open_files[key]
            for f in list(open_files.values()):
                done.append(f.close())
            open_files.clear()
        except BaseException:
            for f in open_files.values():
                f.discard()
            for d in done:
                p = os.path.join(self.path, d["path"])
                if os.path.exists(p):
                    os.remove(p)
            raise
        return FilesWritten(adds=done, rows=sum(d["rows"] for d in done))

    # -- driver side ---------------------------------------------------------------------
    def commit(self, messages: list[FilesWritten]) -> None:
        adds = [a for m in messages if m is not None for a in m.adds]
        rows = sum(m.rows for m in messages if m is not None)
        commit_files(self.path, self.mode, self.spark_schema, adds, rows, self.write_id,
                     self.partition_by, self.replace_where)

    def abort(self, messages: list[FilesWritten]) -> None:
        for m in messages:
            if m is None:
                continue
            for a in m.adds:
                p = os.path.join(self.path, a["path"])
                if os.path.exists(p):
                    os.remove(p)


def commit_files(path: str, mode: str, spark_schema, adds: list[dict[str, Any]], rows: int, write_id: str,
                 partition_by: list[str], replace_where: list[list[Any]]) -> None:
    """Record the data files ``adds`` (dicts as :meth:`_OpenFile.close` returns) in **one**
    Delta transaction on the table at ``path`` (created when missing): ``append``,
    ``overwrite`` or ``replace`` (the partitions of ``replace_where``)."""
    from deltalake import DeltaTable
    from deltalake import Schema as DeltaSchema
    from deltalake.transaction import AddAction, CommitProperties, create_table_with_add_actions
    from pyspark.sql.pandas.types import to_arrow_schema

    actions = [
        AddAction(a["path"], a["size"], a["partition_values"], a["modification_time"], True, a["stats"])
        for a in adds
    ]
    # Delta has no unsigned or nanosecond types: Spark's arrow types already fit.
    schema = DeltaSchema.from_arrow(to_arrow_schema(spark_schema, timezone="UTC"))
    props = CommitProperties(custom_metadata={"lea.write_id": write_id, "lea.rows": str(rows)})
    if not os.path.isdir(os.path.join(path, "_delta_log")):
        create_table_with_add_actions(path, schema, actions, mode="append", partition_by=partition_by or None,
                                      commit_properties=props)
        return
    dt = DeltaTable(path)
    if mode == "append":
        dt.create_write_transaction(actions, mode="append", schema=schema, partition_by=partition_by or None,
                                    commit_properties=props)
    elif mode == "overwrite":
        dt.create_write_transaction(actions, mode="overwrite", schema=schema, partition_by=partition_by or None,
                                    commit_properties=props)
    elif mode == "replace":
        filters = [(c, op, str(v)) for c, op, v in replace_where]
        dt.create_write_transaction(actions, mode="overwrite", schema=schema, partition_by=partition_by or None,
                                    partition_filters=filters, commit_properties=props)
    else:  # pragma: no cover - guarded by write_table
        raise ValueError(f"unknown lake write mode {mode!r}")


def file_add(table_path: str, rel_path: str) -> dict[str, Any]:
    """The add-action dict of a Parquet data file already in the table's folder (unpartitioned),
    with Delta statistics from its footer: ``numRecords`` and ``nullCount`` of every column,
    ``minValues``/``maxValues`` of number and date columns (strings and timestamps have none:
    a footer's string bounds may be truncated, and readers need no bounds to read)."""
    import pyarrow.parquet as pq

    abs_path = os.path.join(table_path, rel_path)
    md = pq.ParquetFile(abs_path).metadata
    arrow = md.schema.to_arrow_schema()
    nulls: dict[str, int] = {}
    mins: dict[str, Any] = {}
    maxs: dict[str, Any] = {}
    top = {md.schema.column(j).path: j for j in range(md.num_columns)}
    for field in arrow:
        j = top.get(field.name)
        if j is None:  # a nested column: no statistics
            continue
        t = field.type
        bounded = _is_number(t) or str(t).startswith("date")
        count, lo, hi, complete = 0, None, None, True
        for g in range(md.num_row_groups):
            st = md.row_group(g).column(j).statistics
            if st is None or not st.has_null_count:
                complete = False
                break
            count += st.null_count
            if bounded and st.has_min_max:
                lo = st.min if lo is None or st.min < lo else lo
                hi = st.max if hi is None or st.max > hi else hi
            elif bounded and st.null_count < md.row_group(g).num_rows:
                bounded = False  # values without bounds: say nothing rather than something wrong
        if not complete:
            continue
        nulls[field.name] = count
        if bounded and lo is not None:
            mins[field.name], maxs[field.name] = lo, hi
    stats = {
        "numRecords": md.num_rows,
        "minValues": {k: _json_scalar(v) for k, v in mins.items()},
        "maxValues": {k: _json_scalar(v) for k, v in maxs.items()},
        "nullCount": nulls,
    }
    return {"path": rel_path, "size": os.path.getsize(abs_path), "partition_values": {},
            "modification_time": int(time.time() * 1000), "stats": json.dumps(stats, default=str),
            "rows": md.num_rows}


def _is_number(t) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(t) or pa.types.is_floating(t)


class DeltaRsDataSource(DataSource):
    """``df.write.format("lea_delta")``: Delta tables via delta-rs, written by the executors."""

    @classmethod
    def name(cls) -> str:
        return FORMAT_NAME

    def writer(self, schema, overwrite: bool) -> DeltaRsWriter:
        return DeltaRsWriter(self.options, schema, overwrite)


def register(spark) -> None:
    """Register ``lea_delta`` with the session, once (registering again logs a warning per job)."""
    try:
        if spark._jsparkSession.sessionState().dataSourceManager().dataSourceExists(FORMAT_NAME):
            return
    except Exception:  # noqa: BLE001 - a Spark without that internal API: register anyway
        pass
    spark.dataSource.register(DeltaRsDataSource)
