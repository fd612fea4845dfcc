"""Write register files from Spark tasks, one file per ``_file`` value, in a fixed row order.

The frame is hash-partitioned by ``_file`` and sorted so that each file's rows are in
``(_k1, _k2, _dup)`` order, so each file is written whole by one task in the same order
whatever the number of partitions.
CSV lines are built by Spark (``_line``); Parquet rows are written with pyarrow. Each task
returns one ``file`` row per file (rows written) and one ``fault`` row per injected fault
with its line number: CSV lines count from 1 and include the header line; Parquet rows
count from 1.
"""
from __future__ import annotations

import os
from pathlib import Path

from pyspark.sql import Column, DataFrame
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
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    columns = list(layout.columns)
    utf8 = layout.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    header_lines = 1 if (layout.format == "csv" and layout.header) else 0
    marker = BAD_BYTE_MARKER.encode("ascii")

    def run(batches):
        results = {k: [] for k in ("kind", "register", "source_file", "source_row", "fault", "expected_rule")}
        open_files = {}   # name -> {"rows", "fh" or "pw", "path", "tmp"}; closed at the end of the task

        def close_all():
            for name in sorted(open_files):
                f = open_files[name]
                (f["fh"] if layout.format == "csv" else f["pw"]).close()
                os.replace(f["tmp"], f["path"])
                for k, v in zip(results, ("file", layout.register, name, f["rows"], None, None)):
                    results[k].append(v)
            open_files.clear()

        def open_file(name, schema=None):
            path = Path(raw_dir) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            f = {"rows": 0, "path": path, "tmp": tmp}
            if layout.format == "csv":
                f["fh"] = open(tmp, "wb")
                if layout.header:
                    f["fh"].write((layout.delimiter.join(columns) + "\n").encode(layout.encoding))
            else:
                f["pw"] = pq.ParquetWriter(str(tmp), schema)
            open_files[name] = f
            return f

        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            files = batch.column("_file")
            # The runs of equal file names (a file's rows are contiguous but for hash collisions).
            codes = pc.dictionary_encode(files).indices.to_numpy(zero_copy_only=False)
            bounds = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), n]
            rules = batch.column("_rule")
            faulty = pc.indices_nonzero(pc.is_valid(rules)).to_numpy(zero_copy_only=False)
            for start, end in zip(bounds[:-1], bounds[1:]):
                name = files[start].as_py()
                f = open_files.get(name)
                if f is None:
                    schema = None if layout.format == "csv" else pa.schema([batch.schema.field(c) for c in columns])
                    f = open_file(name, schema)
                base = f["rows"]
                if layout.format == "csv":
                    lines = batch.column("_line").slice(start, end - start)
                    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, end - start], pa.int32()), lines), "\n")
                    data = joined[0].as_buffer().to_pybytes() + b"\n"
                    if not utf8:
                        data = data.decode("utf-8").encode(layout.encoding)
                    if marker in data:
                        data = data.replace(marker, INVALID_UTF8)
                    f["fh"].write(data)
                else:
                    f["pw"].write_batch(batch.slice(start, end - start).select(columns))
                for i in faulty[(faulty >= start) & (faulty < end)].tolist():
                    row = header_lines + base + (i - start) + 1
                    values = ("fault", layout.register, name, row, batch.column("_fault")[i].as_py(), rules[i].as_py())
                    for k, v in zip(results, values):
                        results[k].append(v)
                f["rows"] = base + (end - start)
        close_all()
        yield pa.RecordBatch.from_pydict(results, schema=pa.schema([
            ("kind", pa.string()), ("register", pa.string()), ("source_file", pa.string()),
            ("source_row", pa.int64()), ("fault", pa.string()), ("expected_rule", pa.string())]))

    return run


# The sort key of the writer: 19 bits of a hash of the file name above 44 bits of ``_k1``
# (person keys are below 2^44). As one long it lets Spark's sort compare most pairs of rows
# by their prefix alone, which the file name, the same for a file's rows and alike in its
# first bytes across files, never does (measured: docs/benchmarks.md). Two file names with
# the same 19 bits end up interleaved in one task; each file's own rows stay in order, and the
# writer keeps every file of its task open, so that is still correct.
_FILE_BITS, _KEY_BITS = 19, 44


def _sort_key() -> Column:
    file_part = F.pmod(F.xxhash64("_file"), F.lit(1 << _FILE_BITS)) * F.lit(1 << _KEY_BITS)
    key_part = F.least(F.greatest(F.col("_k1").cast("long"), F.lit(0)), F.lit((1 << _KEY_BITS) - 1))
    return file_part + key_part


def ordered_rows(df: DataFrame, layout: Layout, p: GenParams) -> DataFrame:
    """The rows as the writer tasks take them: each file in one partition, its rows ordered by
    ``(_k1, _k2, _dup)`` whatever the number of partitions."""
    if layout.format == "csv":
        df = csv_lines(df, layout)
        keep = ["_file", "_k1", "_k2", "_dup", "_fault", "_rule", "_line"]
    else:
        keep = ["_file", "_k1", "_k2", "_dup", "_fault", "_rule"] + list(layout.columns)
    return (df.select(*keep).repartition(p.write_partitions, "_file")
            .withColumn("_sort", _sort_key()).sortWithinPartitions("_sort", "_k1", "_k2", "_dup")
            .drop("_sort", "_k1", "_k2", "_dup"))   # the writer needs the order, not the keys


def write_register(df: DataFrame, layout: Layout, raw_dir: Path, p: GenParams):
    """Write the files of one register; returns a pyarrow Table of file and fault rows."""
    out = ordered_rows(df, layout, p).mapInArrow(_task(str(raw_dir), layout), RESULT_SCHEMA)
    return out.toArrow()
