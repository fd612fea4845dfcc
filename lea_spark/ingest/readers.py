"""Reading register files as delivered, with exact line numbers.

Spark's CSV reader cannot report physical line numbers, nor tell a short line or an
invalid byte sequence from a good one. CSV files are therefore read line by line: each
physical line is decoded with the contract's encoding, numbered (1-based; a header is line
1), split into fields and checked for its field count. A line that fails gets
``_read_rule`` ``bad_encoding`` or ``truncated_line`` and is kept, so that it reaches the
quarantine. Two readers do this with the same result (tested on the same files):

* :func:`read_csv_jvm`, Spark's text source, for uncompressed UTF-8 and Latin-1 files with
  a one-character delimiter, no quote character and (UTF-8) no invalid byte sequence - the
  usual extract. Lines are split in the JVM; nothing passes through Python.
* :func:`read_csv_python` for every other file: the ``binaryFile`` source (one row per
  file) split by :func:`csv_batch` / :func:`csv_lines` inside ``mapInArrow``, which also
  handles quoted fields and reports where a line's encoding breaks.

Parquet files are read per file with Spark's reader and numbered with the
``_metadata.row_index`` of the file (1-based).

Every reader returns the same layout: ``source_file`` (path relative to the raw
directory), ``source_row``, ``_line`` (the record as read), ``_read_rule``,
``_read_reason`` and one column per native column (strings for CSV).

Driver-side checks (:func:`resolve_files`, :func:`check_columns`) fail the run before any
Spark work when a pattern matches no file or a file lacks a native column the contract
uses; the message names the register, the contract, the file and the columns.
"""
from __future__ import annotations

import csv
import glob
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from lea_spark.ingest.contract import Contract

MANIFEST_DIR = "_manifest"
READ_COLUMNS = ["source_file", "source_row", "_line", "_read_rule", "_read_reason"]
BATCH_LINES = 50_000


class IngestError(RuntimeError):
    """Input files are missing or do not match their contract; nothing was written."""


def resolve_files(contract: Contract, raw_dir: Path) -> list[str]:
    """Files matching the contract's pattern, as sorted paths relative to ``raw_dir``."""
    pattern = contract.files.pattern
    hits = sorted(
        os.path.relpath(p, raw_dir)
        for p in glob.glob(str(raw_dir / pattern), recursive=True)
        if os.path.isfile(p)
    )
    hits = [h for h in hits if Path(h).parts[0] != MANIFEST_DIR]
    if not hits:
        raise IngestError(
            f"register {contract.register}: no file matches files.pattern {pattern!r} under {raw_dir} "
            f"(contract {contract.path})"
        )
    return hits


def unclaimed_files(raw_dir: Path, claimed: set[str]) -> list[str]:
    """Files under ``raw_dir`` (outside ``_manifest``) that no contract reads."""
    out = []
    for root, dirs, files in os.walk(raw_dir):
        dirs[:] = [d for d in dirs if not (Path(root) == raw_dir and d == MANIFEST_DIR)]
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), raw_dir)
            if rel not in claimed and not f.startswith((".", "_")):
                out.append(rel)
    return sorted(out)


def _split(line: str, delimiter: str) -> list[str]:
    if '"' not in line:
        return line.split(delimiter)
    return next(csv.reader([line], delimiter=delimiter, quotechar='"'))


def read_header(path: Path, contract: Contract) -> list[str]:
    """Native column names from the first line of a CSV file with a header."""
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        text = first.rstrip(b"\r\n").decode(contract.files.encoding)
    except UnicodeDecodeError:
        raise IngestError(
            f"register {contract.register}: the header of {path} is not valid {contract.files.encoding}"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return [c.strip() for c in _split(text, contract.files.delimiter)] if text else []


# What a column name looks like (letters, digits, underscores; not starting with a digit).
_NAME = re.compile(r"[^\W\d]\w{0,63}")


def _describe_header(cols: list[str], contract: Contract) -> str:
    """What a file's first line holds, for an error message. A line whose every field looks
    like a column name is a header and is shown whole (a misspelt name among them). Else the
    line may be a data record (a file delivered without its header line: identity codes,
    dates, amounts), and messages reach the log: only the fields that are the contract's
    columns by name are shown, and the number of the others."""
    if cols and all(_NAME.fullmatch(c) for c in cols):
        return f"the file has: {cols}"
    known = set(contract.sources) | set(contract.files.columns)
    named = [c for c in cols if c in known]
    text = (f"its first line names the contract's column(s) {named}" if named
            else "its first line names none of the contract's columns")
    text += f" and {len(cols) - len(named)} other field(s), not shown"
    if not named:
        text += " - is the file missing its header line (files.header)?"
    return text


def native_columns(contract: Contract, raw_dir: Path, files: list[str]) -> list[str]:
    """The native columns the reader yields for this register, checked in every file.

    Headerless CSV: ``files.columns``. CSV with a header: the header of the first file
    (each later file must hold the same columns, in any order). Parquet: the columns of
    the first file. Every ``source`` column must be present in every file.
    """
    needed = contract.sources
    if contract.files.format == "csv" and not contract.files.header:
        return list(contract.files.columns)
    layouts: list[tuple[str, list[str]]] = []
    for rel in files:
        path = raw_dir / rel
        if contract.files.format == "csv":
            cols = read_header(path, contract)
        else:
            import pyarrow.parquet as pq

            try:
                cols = list(pq.read_schema(path).names)
            except Exception as exc:  # pyarrow raises ArrowInvalid for a non-Parquet file
                raise IngestError(f"register {contract.register}: {rel} is not a readable Parquet file: {exc}") from None
        missing = [c for c in needed if c not in cols]
        if missing:
            raise IngestError(
                f"register {contract.register}: file {rel} lacks column(s) {missing} named in contract "
                f"{contract.path} ({_describe_header(cols, contract)})"
            )
        dupes = sorted({c for c in cols if cols.count(c) > 1})
        if dupes:
            raise IngestError(f"register {contract.register}: file {rel} has duplicate column names {dupes}")
        layouts.append((rel, cols))
    first_rel, first = layouts[0]
    expected = list(contract.files.columns) or first
    for rel, cols in layouts:
        missing = [c for c in expected if c not in cols]
        if missing:
            raise IngestError(
                f"register {contract.register}: file {rel} lacks column(s) {missing} "
                f"that {first_rel if not contract.files.columns else 'files.columns'} has"
            )
    return expected


def csv_lines(data: bytes, encoding: str, delimiter: str, header: bool, columns: list[str]):
    """Yield ``(line_no, text, rule, reason, fields)`` for every physical line of a file.

    ``fields`` follows ``columns`` (re-ordered by the header when there is one) and is
    None for a line that failed (bad encoding, wrong number of fields). Line endings
    ``\\n`` and ``\\r\\n`` are accepted; a final newline does not make an extra line.
    """
    try:  # fast path: the whole file is valid (line ends are the same bytes in text)
        lines: list = data.decode(encoding).split("\n")
        decoded = True
    except UnicodeDecodeError:
        lines = data.split(b"\n")
        decoded = False
    if lines and not lines[-1]:
        lines.pop()
    if decoded and lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]  # byte-order mark
    order = None
    n = len(columns)
    start = 0
    if header and lines:
        head = lines[0] if decoded else lines[0].decode(encoding, errors="replace")
        names = [c.strip() for c in _split(head.rstrip("\r").lstrip("\ufeff"), delimiter)]
        index = {name: i for i, name in enumerate(names)}
        order = [index.get(c) for c in columns]
        n = len(names)
        start = 1
    for i in range(start, len(lines)):
        text = lines[i]
        if not decoded:
            try:
                text = text.decode(encoding)
            except UnicodeDecodeError as exc:
                yield (i + 1, text.rstrip(b"\r").decode(encoding, errors="replace"), "bad_encoding",
                       f"invalid {encoding} byte sequence at byte {exc.start + 1} of the line", None)
                continue
        text = text.rstrip("\r")  # every trailing carriage return, as the other readers do
        fields = _split(text, delimiter)
        if len(fields) != n:
            kind = "fewer" if len(fields) < n else "more"
            yield (i + 1, text, "truncated_line", f"{len(fields)} fields, {kind} than the {n} of the layout", None)
            continue
        if order is not None:
            fields = [None if j is None else fields[j] for j in order]
        yield (i + 1, text, None, None, fields)


def csv_batch(data: bytes, encoding: str, delimiter: str, header: bool, columns: list[str], rel: str):
    """The fast path of :func:`csv_lines` for a whole file: its columns as Arrow arrays.

    Taken when the file decodes as a whole, has no quote character (so no field holds the
    delimiter or a line end) and a one-byte delimiter: line and field boundaries are found
    with numpy on the bytes and the string arrays are built on the file's own buffer, with
    no Python object per line. Lines with the wrong number of fields get ``truncated_line``
    exactly as in :func:`csv_lines`. Returns the arrays of the reader's layout
    (``source_file``, ``source_row``, ``_line``, ``_read_rule``, ``_read_reason``, one per
    column), or None when the slow path must be taken.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if '"' in text or len(delimiter.encode("utf-8")) != 1:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    buf = text.encode("utf-8") if (encoding.lower().replace("_", "-") not in ("utf-8", "utf8")
                                   or data.startswith(b"\xef\xbb\xbf")) else data
    if buf and not buf.endswith(b"\n"):
        buf += b"\n"
    if len(buf) >= 2**31 - 1:
        return None
    raw = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(raw == 10)
    n = len(columns)
    order: list = list(range(n))
    start = 0
    if header and len(nl):
        head = buf[: nl[0]].decode("utf-8").rstrip("\r")
        names = [c.strip() for c in head.split(delimiter)]
        index = {name: i for i, name in enumerate(names)}
        order = [index.get(c) for c in columns]
        n = len(names)
        start = 1
    line_off = np.concatenate(([0], nl + 1)).astype(np.int32)
    lines = pa.StringArray.from_buffers(len(nl), pa.py_buffer(line_off), pa.py_buffer(buf))
    lines = pc.utf8_rtrim(pc.utf8_slice_codeunits(lines, 0, -1), characters="\r").slice(start)
    rows = len(nl) - start
    seps = np.flatnonzero((raw == ord(delimiter)) | (raw == 10))
    first = np.searchsorted(seps, line_off[:-1][start:])          # index of each line's first field
    counts = np.searchsorted(seps, nl[start:], side="right") - first
    fields = pa.StringArray.from_buffers(len(seps), pa.py_buffer(np.concatenate(([0], seps + 1)).astype(np.int32)),
                                         pa.py_buffer(buf))
    fields = pc.utf8_slice_codeunits(fields, 0, -1)             # drop each field's separator
    good = counts == n
    bad = np.flatnonzero(~good)
    rule = pa.nulls(rows, pa.string())
    reason = pa.nulls(rows, pa.string())
    if len(bad):
        rule_list = [None] * rows
        reason_list = [None] * rows
        for i in bad:
            c = int(counts[i])
            rule_list[i] = "truncated_line"
            reason_list[i] = f"{c} fields, {'fewer' if c < n else 'more'} than the {n} of the layout"
        rule, reason = pa.array(rule_list, pa.string()), pa.array(reason_list, pa.string())
    cols = []
    for j in order:
        if j is None:
            cols.append(pa.nulls(rows, pa.string()))
            continue
        idx = pa.array(np.where(good, first + j, 0), mask=~good) if len(bad) else pa.array(first + j)
        col = fields.take(idx)
        if j == n - 1:
            col = pc.utf8_rtrim(col, characters="\r")
        cols.append(col)
    return [pa.array([rel] * rows, pa.string()), pa.array(np.arange(start + 1, start + rows + 1, dtype=np.int64)),
            lines, rule, reason] + cols


def _csv_mapper(raw_dir: str, encoding: str, delimiter: str, header: bool, columns: list[str], batch_lines: int):
    def rel_path(uri: str) -> str:
        local = unquote(urlparse(uri).path) if uri.startswith("file:") else uri
        return os.path.relpath(os.path.realpath(local), os.path.realpath(raw_dir))

    def emit(schema, buf):
        import pyarrow as pa

        files, rows, texts, rules, reasons, fields = buf
        arrays = [pa.array(files, pa.string()), pa.array(rows, pa.int64()), pa.array(texts, pa.string()),
                  pa.array(rules, pa.string()), pa.array(reasons, pa.string())]
        n = len(columns)
        cols = list(zip(*[f if f is not None else [None] * n for f in fields])) if fields else [[] for _ in columns]
        arrays += [pa.array(list(c), pa.string()) for c in cols]
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def mapper(batches):
        import pyarrow as pa

        schema = pa.schema([("source_file", pa.string()), ("source_row", pa.int64()), ("_line", pa.string()),
                            ("_read_rule", pa.string()), ("_read_reason", pa.string())]
                           + [(f"_c{i}", pa.string()) for i in range(len(columns))])
        for batch in batches:
            paths = batch.column("path").to_pylist()
            contents = batch.column("content")
            for k, uri in enumerate(paths):
                rel = rel_path(uri)
                data = contents[k].as_py() or b""
                fast = csv_batch(data, encoding, delimiter, header, columns, rel)
                if fast is not None:
                    whole = pa.RecordBatch.from_arrays(fast, schema=schema)
                    for off in range(0, whole.num_rows, batch_lines):
                        yield whole.slice(off, batch_lines)
                    continue
                buf: tuple[list, ...] = ([], [], [], [], [], [])
                for line_no, text, rule, reason, fields in csv_lines(data, encoding, delimiter, header, columns):
                    buf[0].append(rel)
                    buf[1].append(line_no)
                    buf[2].append(text)
                    buf[3].append(rule)
                    buf[4].append(reason)
                    buf[5].append(fields)
                    if len(buf[1]) >= batch_lines:
                        yield emit(schema, buf)
                        buf = ([], [], [], [], [], [])
                if buf[1]:
                    yield emit(schema, buf)

    return mapper


def read_csv_python(spark, contract: Contract, raw_dir: Path, files: list[str], columns: list[str],
                    batch_lines: int = BATCH_LINES):
    """CSV files split into numbered lines in Python (:func:`csv_batch`, :func:`csv_lines`)."""
    from pyspark.sql import functions as F

    schema = ", ".join(["source_file string", "source_row long", "_line string", "_read_rule string",
                        "_read_reason string"] + [f"_c{i} string" for i in range(len(columns))])
    binary = spark.read.format("binaryFile").load([str(raw_dir / f) for f in files])
    mapper = _csv_mapper(str(raw_dir), contract.files.encoding, contract.files.delimiter, contract.files.header,
                         columns, batch_lines)
    parsed = binary.select("path", "content").mapInArrow(mapper, schema)
    return parsed.select(*READ_COLUMNS, *[F.col(f"_c{i}").alias(c) for i, c in enumerate(columns)])


# Encodings the JVM reader decodes itself (Python codec name -> Java charset). Others, and
# any file with a quote character or an invalid UTF-8 byte sequence, are read in Python.
JVM_ENCODINGS = {"utf-8": "UTF-8", "iso8859-1": "ISO-8859-1"}
# Names the text source would decompress (the Python reader reads the bytes as they are).
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".deflate", ".lz4", ".snappy", ".zst", ".zstd", ".br", ".xz")
UTF8_BOM = b"\xef\xbb\xbf"


def _relative_source(path, raw_dir: Path):
    """The file path relative to ``raw_dir`` from a ``_metadata.file_path`` URI column: cut as
    bytes after the raw directory's URI when the path has no escapes (the usual case, with no
    regular expression or URL decoding per row), decoded and cut otherwise."""
    from pyspark.sql import functions as F

    root = str(raw_dir) + "/"
    # A '+' in a URI path is a plus sign; url_decode (form decoding) would make it a space.
    local = F.url_decode(F.regexp_replace(F.regexp_replace(path, r"^file:(//)?", ""), r"\+", "%2B"))
    general = F.when(local.startswith(root), F.substring(local, len(root) + 1, 100_000)).otherwise(local)
    source_file = F.when(path.contains("%"), general)
    for prefix in ("file://" + root, "file:" + root):
        after = F.substring(path.cast("binary"), len(prefix.encode("utf-8")) + 1, 1 << 20).cast("string")
        source_file = source_file.when(path.startswith(prefix), after)
    return source_file.otherwise(general)


def _jvm_qualifies(path: Path, enc: str) -> bool:
    """What the driver can tell from a file's name and first bytes: not compressed, and no
    UTF-8 byte-order mark where the text source would drop one that Python keeps (Latin-1)."""
    if path.name.lower().endswith(COMPRESSED_SUFFIXES):
        return False
    if enc != "utf-8":
        with path.open("rb") as fh:
            return fh.read(3) != UTF8_BOM
    return True


def read_csv_jvm(spark, contract: Contract, raw_dir: Path, files: list[str], columns: list[str]):
    """``(rows, files left to the Python reader)``: the files that Spark's text source reads
    exactly as the Python reader does, read and split in the JVM (``rows`` is None when no
    file qualifies), and every other file of ``files``.

    A file qualifies when the contract's encoding is UTF-8 or Latin-1, its delimiter is one
    character, the file is not compressed and holds no quote character and (UTF-8) no
    invalid byte sequence: then every physical line splits on the delimiter alone. A first
    pass over the text counts the lines of every split of every file and finds the files that
    do not qualify. Line numbers come from those counts: the rows of one split keep their
    order and their ``monotonically_increasing_id`` values are consecutive, so a row's number
    is its id minus the split's first id plus the lines of the file's earlier splits. Should
    the second pass see other splits, the job fails rather than misnumber a line; the core
    count that sizes the splits is therefore fixed for the session
    (``spark.sql.files.minPartitionNum``, when not set).
    """
    import codecs

    from pyspark.sql import functions as F

    enc = codecs.lookup(contract.files.encoding).name
    delimiter = contract.files.delimiter
    if enc not in JVM_ENCODINGS or len(delimiter) != 1 or delimiter in '"\r\n':
        return None, list(files)
    candidates = [f for f in files if _jvm_qualifies(raw_dir / f, enc)]
    if not candidates:
        return None, list(files)
    if spark.conf.get("spark.sql.files.minPartitionNum", None) is None:
        spark.conf.set("spark.sql.files.minPartitionNum", str(spark.sparkContext.defaultParallelism))
    text = spark.read.option("lineSep", "\n").text([str(raw_dir / f) for f in candidates])
    scan = text.select(F.col("_metadata.file_path").alias("_path"),
                       F.col("_metadata.file_block_start").alias("_block"),
                       F.monotonically_increasing_id().alias("_pos"), "value")
    flags = [F.max(F.col("value").contains('"').cast("int")).alias("quoted")]
    if enc == "utf-8":
        flags.append(F.min(F.is_valid_utf8("value").cast("int")).alias("valid"))
    splits = scan.groupBy("_path", "_block").agg(F.count(F.lit(1)).alias("n"), F.min("_pos").alias("first"),
                                                 *flags).collect()
    # The scanned paths back to the names in ``files``; a path that maps to none (the file
    # system spelled it otherwise) sends every file to the Python reader.
    by_local = {os.path.abspath(raw_dir / f): f for f in candidates}
    name_of = {}
    for r in splits:
        uri = r["_path"]
        local = os.path.abspath(unquote(urlparse(uri).path) if uri.startswith("file:") else uri)
        if local not in by_local:
            return None, list(files)
        name_of[uri] = by_local[local]
    bad = {name_of[r["_path"]] for r in splits if r["quoted"] or (enc == "utf-8" and not r["valid"])}
    seen = set(name_of.values())
    jvm_files = [f for f in candidates if f in seen and f not in bad]
    python = [f for f in files if f not in jvm_files]  # files without a line go there too: they yield nothing
    if not jvm_files:
        return None, python
    base = []
    lines_before: dict[str, int] = {}
    for r in sorted(splits, key=lambda r: (r["_path"], r["_block"])):
        name = name_of[r["_path"]]
        if name in bad:
            continue
        before = lines_before.get(name, 0)
        base.append((r["_path"], r["_block"], name, before - r["first"], r["first"], r["n"]))
        lines_before[name] = before + r["n"]
    bases = spark.createDataFrame(base, "_path string, _block long, source_file string, _base long, _first long, "
                                        "_n long")
    line = F.col("value")
    if enc != "utf-8":
        line = F.decode(line.cast("binary"), JVM_ENCODINGS[enc])
    # Were the files or the splits different in this pass, a row's id would fall outside its
    # split's range of the first pass (or its split would be unknown): fail.
    pos, first = F.col("_pos"), F.col("_first")
    same = first.isNotNull() & (pos >= first) & (pos < first + F.col("_n"))
    number = F.when(same, pos + F.col("_base") + 1).otherwise(F.raise_error(F.lit(
        f"register {contract.register}: the raw files, or the splits Spark cut them into, changed between the two "
        "passes of the CSV reader (a file written to during ingest, or other spark.sql.files.* settings); the "
        "lines cannot be numbered. Run ingest again on files that do not change.")).cast("long"))
    bad_uris = sorted({r["_path"] for r in splits if name_of[r["_path"]] in bad})
    jvm_scan = scan.where(~F.col("_path").isin(bad_uris)) if bad_uris else scan
    rows = (jvm_scan.join(F.broadcast(bases), ["_path", "_block"], "left")
            .select("source_file", number.alias("source_row"), line.alias("_line")))
    # One rule for trailing carriage returns, as in csv_lines: all are dropped. (A UTF-8
    # byte-order mark at the start of a file is dropped by the text source itself.) Only
    # lines that end in one are trimmed: rtrim copies every line it is given.
    ends_cr = F.col("_line").endswith("\r")
    # (SQL's TRIM(TRAILING .. FROM ..): the two-argument rtrim is deprecated and says so in the log.)
    rows = rows.withColumn("_line", F.when(ends_cr, F.expr("trim(TRAILING '\\r' FROM _line)")).otherwise(F.col("_line")))
    layouts: dict[tuple, list[str]] = {}
    for f in jvm_files:
        if contract.files.header:
            names = read_header(raw_dir / f, contract)
            order = tuple(names.index(c) if c in names else None for c in columns)
            layouts.setdefault((len(names), order), []).append(f)
        else:
            layouts.setdefault((len(columns), tuple(range(len(columns)))), []).append(f)
    if contract.files.header:
        rows = rows.where(F.col("source_row") > 1)
    fields = F.split(F.col("_line"), re.escape(delimiter), -1)
    rows = rows.select("*", fields.alias("_f"), F.size(fields).alias("_n"))

    def by_layout(pick):
        """The expression ``pick(n, order)`` for the layout of the row's file."""
        if len(layouts) == 1:
            return pick(*next(iter(layouts)))
        out = None
        for (n, order), fs in layouts.items():
            cond = F.col("source_file").isin(fs)
            out = F.when(cond, pick(n, order)) if out is None else out.when(cond, pick(n, order))
        return out.otherwise(F.raise_error(F.lit(f"register {contract.register}: a file without a known layout")))

    n_expected = by_layout(lambda n, order: F.lit(n))
    good = F.col("_n") == n_expected
    kind = F.when(F.col("_n") < n_expected, F.lit("fewer")).otherwise(F.lit("more"))
    reason = F.concat(F.col("_n").cast("string"), F.lit(" fields, "), kind, F.lit(" than the "),
                      n_expected.cast("string"), F.lit(" of the layout"))
    cols = []
    for i, c in enumerate(columns):
        value = by_layout(lambda n, order, i=i: F.lit(None).cast("string") if order[i] is None
                          else F.col("_f").getItem(order[i]))
        cols.append(F.when(good, value).alias(c))
    out = rows.select("source_file", "source_row", "_line",
                      F.when(~good, F.lit("truncated_line")).alias("_read_rule"),
                      F.when(~good, reason).alias("_read_reason"), *cols)
    return out, python


def read_csv(spark, contract: Contract, raw_dir: Path, files: list[str], columns: list[str],
             batch_lines: int = BATCH_LINES):
    """All CSV files of a register, one row per physical line (see the module doc): the files
    that qualify read in the JVM (:func:`read_csv_jvm`), the others in Python."""
    jvm, python = read_csv_jvm(spark, contract, raw_dir, files, columns)
    if jvm is None:
        return read_csv_python(spark, contract, raw_dir, python, columns, batch_lines)
    if python:
        return jvm.unionByName(read_csv_python(spark, contract, raw_dir, python, columns, batch_lines))
    return jvm


def read_parquet(spark, contract: Contract, raw_dir: Path, files: list[str], columns: list[str]):
    """All Parquet files of a register in one scan, numbered by row within each file (1-based).

    ``_metadata.row_index`` is the row's position in its file whatever the split; the
    file's path relative to ``raw_dir`` is cut from ``_metadata.file_path``.
    """
    from pyspark.sql import functions as F

    df = spark.read.parquet(*[str(raw_dir / f) for f in files])
    return df.select(
        _relative_source(F.col("_metadata.file_path"), raw_dir).alias("source_file"),
        (F.col("_metadata.row_index") + 1).cast("long").alias("source_row"),
        F.lit(None).cast("string").alias("_line"),
        F.lit(None).cast("string").alias("_read_rule"),
        F.lit(None).cast("string").alias("_read_reason"),
        *[F.col(f"`{c}`") for c in columns],
    )


def read_register(spark, contract: Contract, raw_dir: Path, files: list[str], columns: list[str]):
    if contract.files.format == "csv":
        return read_csv(spark, contract, raw_dir, files, columns)
    return read_parquet(spark, contract, raw_dir, files, columns)
