"""Write register files from Spark tasks, one file per ``_file`` value, in a fixed row order.

The frame is hash-partitioned by ``_file`` and sorted by ``(_file, _k1, _k2, _dup)``, so each
file is written whole by one task in the same order whatever the number of partitions.
CSV lines are built by Spark (``_line``); Parquet rows are written with pyarrow. Each task
returns one ``file`` row per file (rows written) and one ``fault`` row per injected fault
with its line number: CSV lines count from 1 and include the header line; Parquet rows
count from 1.
"""
from __future__ import annotations

import os
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lea_spark.generate.dirty import BAD_BYTE_MARKER
from lea_spark.generate.layouts import Layout
from lea_spark.generate.params import GenParams

RESULT_SCHEMA = "kind string, register string, source_file string, source_row long, fault string, expected_rule string"
INTERNAL = ("_file", "_k1", "_k2", "_dup", "_fault", "_rule", "_line")
INVALID_UTF8 = b"\xff"


def csv_lines(df: DataFrame, layout: Layout) -> DataFrame:
    """Add ``_line``: the delimited text of each row (truncated for ``truncated_line``)."""
    fields = [F.coalesce(F.col(c).cast("string"), F.lit("")) for c in layout.columns]
    full = F.concat_ws(layout.delimiter, *fields)
    short = F.concat_ws(layout.delimiter, *fields[: max(1, len(fields) - 3)])
    return df.withColumn("_line", F.when(F.col("_rule") == "truncated_line", short).otherwise(full))


def _task(raw_dir: str, layout: Layout):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(layout.columns)
    header_lines = 1 if (layout.format == "csv" and layout.header) else 0
    marker = BAD_BYTE_MARKER.encode("ascii")

    def run(batches):
        results = {k: [] for k in ("kind", "register", "source_file", "source_row", "fault", "expected_rule")}
        state = {"file": None, "rows": 0, "fh": None, "pw": None}

        def close():
            if state["file"] is None:
                return
            if state["fh"] is not None:
                state["fh"].close()
            if state["pw"] is not None:
                state["pw"].close()
            os.replace(state["tmp"], state["path"])
            for k, v in zip(results, ("file", layout.register, state["file"], state["rows"], None, None)):
                results[k].append(v)
            state.update(file=None, rows=0, fh=None, pw=None)

        def open_file(name, schema=None):
            path = Path(raw_dir) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            state.update(file=name, rows=0, path=path, tmp=tmp)
            if layout.format == "csv":
                state["fh"] = open(tmp, "wb")
                if layout.header:
                    state["fh"].write((layout.delimiter.join(columns) + "\n").encode(layout.encoding))
            else:
                state["pw"] = pq.ParquetWriter(str(tmp), schema)

        for batch in batches:
            files = batch.column("_file").to_pylist()
            rules = batch.column("_rule").to_pylist()
            faults = batch.column("_fault").to_pylist()
            start = 0
            n = len(files)
            while start < n:
                name = files[start]
                end = start
                while end < n and files[end] == name:
                    end += 1
                if state["file"] != name:
                    close()
                    schema = None
                    if layout.format != "csv":
                        schema = pa.schema([batch.schema.field(c) for c in columns])
                    open_file(name, schema)
                base = state["rows"]
                if layout.format == "csv":
                    lines = batch.column("_line").slice(start, end - start).to_pylist()
                    data = ("\n".join(lines) + "\n").encode(layout.encoding)
                    if marker in data:
                        data = data.replace(marker, INVALID_UTF8)
                    state["fh"].write(data)
                else:
                    part = batch.slice(start, end - start).select(columns)
                    state["pw"].write_batch(part)
                for i in range(start, end):
                    if rules[i] is not None:
                        row = header_lines + base + (i - start) + 1
                        for k, v in zip(results, ("fault", layout.register, name, row, faults[i], rules[i])):
                            results[k].append(v)
                state["rows"] = base + (end - start)
                start = end
        close()
        yield pa.RecordBatch.from_pydict(results, schema=pa.schema([
            ("kind", pa.string()), ("register", pa.string()), ("source_file", pa.string()),
            ("source_row", pa.int64()), ("fault", pa.string()), ("expected_rule", pa.string())]))

    return run


def ordered_rows(df: DataFrame, layout: Layout, p: GenParams) -> DataFrame:
    """The rows as the writer tasks take them: each file in one partition, in its fixed order."""
    if layout.format == "csv":
        df = csv_lines(df, layout)
        keep = ["_file", "_k1", "_k2", "_dup", "_fault", "_rule", "_line"]
    else:
        keep = ["_file", "_k1", "_k2", "_dup", "_fault", "_rule"] + list(layout.columns)
    return (df.select(*keep).repartition(p.write_partitions, "_file")
            .sortWithinPartitions("_file", "_k1", "_k2", "_dup"))


def write_register(df: DataFrame, layout: Layout, raw_dir: Path, p: GenParams):
    """Write the files of one register; returns a pyarrow Table of file and fault rows."""
    out = ordered_rows(df, layout, p).mapInArrow(_task(str(raw_dir), layout), RESULT_SCHEMA)
    return out.toArrow()
