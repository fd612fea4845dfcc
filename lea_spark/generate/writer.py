"""Write register files from Spark tasks, one file per ``_file`` value, in a fixed row order.

Each file is written whole by one task, its rows in ``(_k1, _k2, _dup)`` order, whatever the
number of partitions. Two ways get the rows there:

- **sorted** (most registers): the frame is hash-partitioned by ``_file`` and each partition
  sorted by the keys;
- **streamed** (registers whose files are split by person, :attr:`Layout.streamed`: the two
  largest, Avohilmo and the Incomes Register): the generator derives the rows from persons
  partitioned by their file part and ordered by person key, and each person's rows come out
  in key order (explodes keep order), so every file's rows already sit in one partition in
  order. Nothing is shuffled or sorted: for hundreds of millions of event rows that is most
  of the cost (docs/benchmarks.md).

In either case a task may hold the rows of several files interleaved; the writer keeps every
file of its task open and appends each file's rows of a batch in order. Two tasks writing
the same file would lose rows, so :func:`write_register` fails if a file comes from two.
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
from lea_spark.generate.layouts import Layout, part_index
from lea_spark.generate.params import GenParams

RESULT_SCHEMA = "kind string, register string, source_file string, source_row long, fault string, expected_rule string"
INTERNAL = ("_file", "_k1", "_k2", "_dup", "_fault", "_rule", "_line")
INVALID_UTF8 = b"\xff"
# Parquet files get row groups of this many rows: the file's bytes then do not depend on how
# its rows were batched, and a streamed task, whose batches mix many files, writes no tiny groups.
ROW_GROUP_ROWS = 65_536


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
                if layout.format == "csv":
                    f["fh"].close()
                else:
                    flush(f, final=True)
                    f["pw"].close()
                os.replace(f["tmp"], f["path"])
                for k, v in zip(results, ("file", layout.register, name, f["rows"], None, None)):
                    results[k].append(v)
            open_files.clear()

        def flush(f, final=False):
            """Write the pending rows of a Parquet file in row groups of exactly ROW_GROUP_ROWS
            (the last one of the file smaller), whatever the batches they came in."""
            if not f["pending"]:
                return
            table = pa.Table.from_batches(f["pending"])
            full = len(table) if final else len(table) // ROW_GROUP_ROWS * ROW_GROUP_ROWS
            if full:
                f["pw"].write_table(table.slice(0, full), row_group_size=ROW_GROUP_ROWS)
            rest = table.slice(full).combine_chunks().to_batches()
            f["pending"], f["pending_rows"] = rest, len(table) - full

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
                f["pw"], f["pending"], f["pending_rows"] = pq.ParquetWriter(str(tmp), schema), [], 0
            open_files[name] = f
            return f

        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            # The batch's rows grouped by file, each file's rows keeping their order (a stable
            # sort of the file codes; in a sorted partition the files are runs already).
            codes = pc.dictionary_encode(batch.column("_file")).indices.to_numpy(zero_copy_only=False)
            if np.any(np.diff(codes) < 0):
                order = np.argsort(codes, kind="stable")
                batch, codes = batch.take(pa.array(order)), codes[order]
            files = batch.column("_file")
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
                    f["pending"].append(batch.slice(start, end - start).select(columns))
                    f["pending_rows"] += end - start
                    if f["pending_rows"] >= ROW_GROUP_ROWS:
                        flush(f)
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
    ``(_k1, _k2, _dup)`` whatever the number of partitions. A streamed layout's frame is
    already so (built from :func:`persons_by_part`) and is taken as it is."""
    if layout.format == "csv":
        df = csv_lines(df, layout)
        keep = ["_file", "_k1", "_k2", "_dup", "_fault", "_rule", "_line"]
    else:
        keep = ["_file", "_k1", "_k2", "_dup", "_fault", "_rule"] + list(layout.columns)
    if layout.streamed:
        return df.select(*[c for c in keep if c not in ("_k1", "_k2", "_dup")])
    return (df.select(*keep).repartition(p.write_partitions, "_file")
            .withColumn("_sort", _sort_key()).sortWithinPartitions("_sort", "_k1", "_k2", "_dup")
            .drop("_sort", "_k1", "_k2", "_dup"))   # the writer needs the order, not the keys


def persons_by_part(persons: DataFrame, layout: Layout, p: GenParams) -> DataFrame:
    """Persons as a streamed layout's rows must be derived from: every person of one file
    part in one partition (a range partitioning of the part, so parts spread evenly over
    the tasks), ordered by person key."""
    n = layout.part_count(p)
    return (persons.withColumn("_part", part_index("person_key", n))
            .repartitionByRange(n, "_part").sortWithinPartitions("person_key").drop("_part"))


def write_register(df: DataFrame, layout: Layout, raw_dir: Path, p: GenParams):
    """Write the files of one register; returns a pyarrow Table of file and fault rows."""
    import pyarrow.compute as pc

    out = ordered_rows(df, layout, p).mapInArrow(_task(str(raw_dir), layout), RESULT_SCHEMA).toArrow()
    names = out.filter(pc.equal(out["kind"], "file"))["source_file"]
    if len(pc.unique(names)) != len(names):
        counts = pc.value_counts(names).to_pylist()
        split = sorted(c["values"] for c in counts if c["counts"] > 1)
        raise RuntimeError(
            f"{layout.register}: {len(split)} file(s) were written by more than one task, so rows "
            f"would be lost (e.g. {split[0]}); a streamed layout's rows must come from persons_by_part()")
    return out
