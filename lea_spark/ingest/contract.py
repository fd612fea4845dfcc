"""Register contracts: ``conf/registers/<register>.yaml`` loaded and validated.

A contract says where a register's files are, how to read them (format, delimiter,
encoding, header, column order) and how each canonical column of its bronze table is
obtained from the native columns (``source``, ``expr`` or ``value``), typed and checked
(``type``, ``format``, ``codes``, ``pattern``, ``min``, ``max``, ``scale``, ``nullable``).
The format is fixed in ``docs/interfaces.md``. Every problem raises :class:`ContractError`
whose message names the contract file and the dotted key, so that a new agency extract is
plugged in by writing (and fixing) a YAML file, never code.

Optional keys beyond the interface example, all per canonical column:
``null_values`` (native values that mean "no value", e.g. ``["99991231"]``) and
``decimal`` (``","`` for a decimal comma in a ``double`` column).
"""
from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lea_spark.canonical import BRONZE_SCHEMAS

TYPES = ("string", "int", "long", "double", "date", "person_code")
FORMATS = ("csv", "parquet")

# Contract type -> the canonical Spark types it may feed.
_COMPATIBLE = {
    "string": {"string"},
    "person_code": {"string"},
    "int": {"int", "bigint", "double"},
    "long": {"int", "bigint", "double"},
    "double": {"double", "int", "bigint"},
    "date": {"date"},
}

_TOP_KEYS = {"register", "canonical_table", "description", "files", "key", "columns"}
_FILE_KEYS = {"pattern", "format", "delimiter", "encoding", "header", "columns"}
_COLUMN_KEYS = {
    "source", "expr", "value", "type", "format", "codes", "pattern", "min", "max",
    "scale", "nullable", "null_values", "decimal",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ContractError(ValueError):
    """A register contract is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical column is obtained from a register's native columns."""

    name: str
    type: str
    source: str | None = None
    expr: str | None = None
    value: Any = None
    has_value: bool = False
    format: str | None = None
    codes: dict[str, str | None] | None = None  # native -> canonical (a list becomes identity)
    pattern: str | None = None
    min: Any = None
    max: Any = None
    scale: float | None = None
    nullable: bool = False
    null_values: tuple[str, ...] = ()
    decimal: str = "."


@dataclass(frozen=True)
class FileSpec:
    pattern: str
    format: str
    delimiter: str = ","
    encoding: str = "utf-8"
    header: bool = True
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contract:
    """A validated register contract."""

    register: str
    canonical_table: str
    files: FileSpec
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    path: Path
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        """Native columns named by ``source`` (in canonical column order, unique)."""
        out: list[str] = []
        for c in self.columns:
            if c.source and c.source not in out:
                out.append(c.source)
        return out

    @property
    def person_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.type == "person_code"]


def canonical_columns(table: str) -> dict[str, str]:
    """Canonical column -> Spark simple type name, parsed from the DDL without a session."""
    aliases = {"long": "bigint", "integer": "int"}
    out = {}
    for part in BRONZE_SCHEMAS[table].split(","):
        name, dtype = part.split()
        out[name] = aliases.get(dtype.lower(), dtype.lower())
    return out


# Letters of a date pattern in a register extract (Spark's datetime patterns): year, month,
# day, hour, minute, second, fraction. Others (week-based year 'Y', day of year 'D', am/pm
# hours ...) are refused: they parse, but not as a register's dates are written.
DATE_LETTERS = {"y": "year", "M": "month", "d": "day", "H": "hour", "m": "minute", "s": "second",
                "S": "fraction of a second"}
# Constructs of Java's regular expressions (which Spark runs) that Python's ``re`` lacks: a
# pattern with one of them that Python cannot compile is left to the JVM's check at ingest.
_JAVA_ONLY = re.compile(r"\\[pP]\{|\\[QEhHRXzZGvV]|[*+?}][+]|\(\?<[a-zA-Z]")


def date_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` is not a usable date pattern of an extract, or None."""
    letters, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "'":  # a quoted literal
            end = fmt.find("'", i + 1)
            if end < 0:
                return f"{fmt!r}: a quote (') is not closed"
            i = end + 1
            continue
        if ch.isalpha():
            if ch not in DATE_LETTERS:
                allowed = ", ".join(f"{k} ({v})" for k, v in DATE_LETTERS.items())
                return (f"{fmt!r}: pattern letter {ch!r} is not one of {allowed}"
                        + (" - did you mean 'y'?" if ch == "Y" else " - did you mean 'd'?" if ch == "D" else ""))
            letters.append(ch)
        i += 1
    if "m" in letters and "H" not in letters:
        return f"{fmt!r}: minutes (m) without hours (H) - did you mean the month (M)?"
    if "y" not in letters or "M" not in letters:
        return f"{fmt!r}: a date pattern needs a year (y) and a month (M)"
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a regular expression the JVM can run, as far as Python can tell
    without one (the ingest job compiles every pattern in the JVM before reading: see
    :func:`check_patterns_jvm`), or None."""
    if "(?P<" in pattern or "(?P=" in pattern:
        return f"{pattern!r}: Python-style named group; Spark runs Java regular expressions, write (?<name>...)"
    try:
        re.compile(pattern)
    except re.error as exc:
        if not _JAVA_ONLY.search(pattern):
            return f"not a valid regular expression: {exc}"
    return None


def check_patterns_jvm(contracts, jvm) -> None:
    """Compile every ``pattern`` of ``contracts`` with ``java.util.regex.Pattern`` (what
    Spark's ``rlike`` uses) through the py4j gateway ``jvm``; raise :class:`ContractError`
    naming the contract file and key of the first that does not compile."""
    for c in contracts:
        for spec in c.columns:
            if spec.pattern is None:
                continue
            try:
                jvm.java.util.regex.Pattern.compile(spec.pattern)
            except Exception as exc:  # py4j's Py4JJavaError carries Java's message
                java = getattr(exc, "java_exception", None)
                detail = java.getMessage() if java is not None else str(exc)
                first = str(detail).splitlines()[0] if detail else type(exc).__name__
                raise _fail(c.path, f"columns.{spec.name}.pattern",
                            f"not a valid (Java) regular expression: {first}") from None


def _fail(path: Path, key: str, message: str) -> ContractError:
    return ContractError(f"{path}: key '{key}': {message}")


def _require(data: dict, key: str, path: Path, prefix: str = "") -> Any:
    if key not in data or data[key] is None:
        raise _fail(path, f"{prefix}{key}", "is missing")
    return data[key]


def _check_unknown(data: dict, allowed: set[str], path: Path, prefix: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(path, f"{prefix}{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _parse_bound(value: Any, ctype: str, path: Path, key: str) -> Any:
    if value is None:
        return None
    if ctype == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise _fail(path, key, f"must be a date YYYY-MM-DD, got {value!r}") from None
    if ctype in ("int", "long", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, key, f"must be a number, got {value!r}")
        return value
    raise _fail(path, key, f"min/max apply only to numeric and date columns, not to type {ctype}")


def _parse_column(name: str, spec: Any, path: Path, canonical_type: str, file_columns: tuple[str, ...],
                  header: bool, fmt: str) -> ColumnSpec:
    prefix = f"columns.{name}"
    if not isinstance(spec, dict):
        raise _fail(path, prefix, f"must be a mapping like {{source: NATIVE, type: string}}, got {spec!r}")
    _check_unknown(spec, _COLUMN_KEYS, path, prefix + ".")
    given = [k for k in ("source", "expr", "value") if k in spec]
    if len(given) != 1:
        raise _fail(path, prefix, f"give exactly one of source, expr or value (got {given or 'none'})")
    has_value = "value" in spec
    ctype = spec.get("type")
    if ctype is None and has_value:
        ctype = {"date": "date", "int": "int", "bigint": "long", "double": "double"}.get(canonical_type, "string")
    if ctype not in TYPES:
        raise _fail(path, f"{prefix}.type", f"must be one of {', '.join(TYPES)}, got {ctype!r}")
    if canonical_type not in _COMPATIBLE[ctype]:
        raise _fail(path, f"{prefix}.type",
                    f"type {ctype} cannot feed canonical column {name} of type {canonical_type}")
    source = spec.get("source")
    if source is not None:
        if not isinstance(source, str) or not source:
            raise _fail(path, f"{prefix}.source", f"must be a native column name, got {source!r}")
        if fmt == "csv" and not header and source not in file_columns:
            raise _fail(path, f"{prefix}.source",
                        f"native column {source!r} is not in files.columns {list(file_columns)}")
    expr = spec.get("expr")
    if expr is not None and (not isinstance(expr, str) or not expr.strip()):
        raise _fail(path, f"{prefix}.expr", "must be a Spark SQL expression string")
    codes = spec.get("codes")
    if codes is not None:
        if ctype == "person_code":
            raise _fail(path, f"{prefix}.codes", "a person_code column cannot have a code list")
        if isinstance(codes, list):
            if not codes:
                raise _fail(path, f"{prefix}.codes", "the code list is empty")
            codes = {str(c): str(c) for c in codes}
        elif isinstance(codes, dict):
            if not codes:
                raise _fail(path, f"{prefix}.codes", "the code mapping is empty")
            codes = {str(k): (None if v is None else str(v)) for k, v in codes.items()}
        else:
            raise _fail(path, f"{prefix}.codes", "must be a list of allowed values or a mapping native -> canonical")
    pattern = spec.get("pattern")
    if pattern is not None:
        problem = pattern_problem(str(pattern))
        if problem:
            raise _fail(path, f"{prefix}.pattern", problem)
    date_format = spec.get("format")
    if date_format is not None and ctype != "date":
        raise _fail(path, f"{prefix}.format", f"format applies only to date columns, not to type {ctype}")
    if date_format is not None:
        problem = date_format_problem(str(date_format))
        if problem:
            raise _fail(path, f"{prefix}.format", problem)
    scale = spec.get("scale")
    if scale is not None:
        if ctype not in ("int", "long", "double") or isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise _fail(path, f"{prefix}.scale", "scale must be a number on a numeric column")
    nullable = spec.get("nullable", has_value and spec.get("value") is None)
    if not isinstance(nullable, bool):
        raise _fail(path, f"{prefix}.nullable", f"must be true or false, got {nullable!r}")
    null_values = spec.get("null_values", [])
    if not isinstance(null_values, list):
        raise _fail(path, f"{prefix}.null_values", "must be a list of native values")
    decimal = spec.get("decimal", ".")
    if decimal not in (".", ","):
        raise _fail(path, f"{prefix}.decimal", f"must be '.' or ',', got {decimal!r}")
    return ColumnSpec(
        name=name, type=ctype, source=source, expr=expr, value=spec.get("value"), has_value=has_value,
        format=None if date_format is None else str(date_format), codes=codes,
        pattern=None if pattern is None else str(pattern),
        min=_parse_bound(spec.get("min"), ctype, path, f"{prefix}.min"),
        max=_parse_bound(spec.get("max"), ctype, path, f"{prefix}.max"),
        scale=None if scale is None else float(scale), nullable=nullable,
        null_values=tuple(str(v) for v in null_values), decimal=decimal,
    )


def _parse_files(data: Any, path: Path) -> FileSpec:
    if not isinstance(data, dict):
        raise _fail(path, "files", "must be a mapping with pattern, format, ...")
    _check_unknown(data, _FILE_KEYS, path, "files.")
    pattern = _require(data, "pattern", path, "files.")
    if not isinstance(pattern, str) or pattern.startswith("/") or ".." in Path(pattern).parts:
        raise _fail(path, "files.pattern", f"must be a glob relative to the raw directory, got {pattern!r}")
    fmt = _require(data, "format", path, "files.")
    if fmt not in FORMATS:
        raise _fail(path, "files.format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet":
        extra = sorted(k for k in ("delimiter", "encoding", "header") if k in data)
        if extra:
            raise _fail(path, f"files.{extra[0]}", "applies to csv files only")
        return FileSpec(pattern=pattern, format=fmt)
    delimiter = data.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
        raise _fail(path, "files.delimiter", f"must be one character, got {delimiter!r}")
    encoding = data.get("encoding", "utf-8")
    try:
        codecs.lookup(str(encoding))
        ascii_compatible = "\n;,|\t\"".encode(str(encoding)) == b"\n;,|\t\""
    except (LookupError, UnicodeError):
        raise _fail(path, "files.encoding", f"unknown encoding {encoding!r}") from None
    if not ascii_compatible:
        raise _fail(path, "files.encoding", f"encoding {encoding!r} is not ASCII-compatible; not supported")
    header = data.get("header", True)
    if not isinstance(header, bool):
        raise _fail(path, "files.header", f"must be true or false, got {header!r}")
    columns = data.get("columns")
    if columns is None:
        if not header:
            raise _fail(path, "files.columns", "is missing: a file without a header needs the column order")
        columns = []
    if not isinstance(columns, list) or not all(isinstance(c, str) and c for c in columns):
        raise _fail(path, "files.columns", "must be a list of native column names")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise _fail(path, "files.columns", f"duplicate native column names {dupes}")
    return FileSpec(pattern=pattern, format=fmt, delimiter=delimiter, encoding=str(encoding),
                    header=header, columns=tuple(columns))


def parse_contract(data: Any, path: Path) -> Contract:
    """Validate the YAML content ``data`` of contract file ``path``."""
    if not isinstance(data, dict):
        raise ContractError(f"{path}: the contract must be a mapping (register, canonical_table, files, key, columns)")
    _check_unknown(data, _TOP_KEYS, path, "")
    register = _require(data, "register", path)
    if not isinstance(register, str) or not _NAME.match(register):
        raise _fail(path, "register", f"must be a lower-case name like dvv_residences, got {register!r}")
    table = _require(data, "canonical_table", path)
    if table not in BRONZE_SCHEMAS:
        raise _fail(path, "canonical_table", f"{table!r} is not a canonical table (one of {', '.join(BRONZE_SCHEMAS)})")
    files = _parse_files(_require(data, "files", path), path)
    canonical = canonical_columns(table)
    key = data.get("key")
    if key is None:
        raise _fail(path, "key", f"is missing: list the canonical columns of {table} unique per row")
    if isinstance(key, str):
        key = [key]
    if not isinstance(key, list) or not key:
        raise _fail(path, "key", "must be a non-empty list of canonical columns")
    bad = [k for k in key if k not in canonical]
    if bad:
        raise _fail(path, "key", f"{bad} are not columns of {table} ({', '.join(canonical)})")
    columns = _require(data, "columns", path)
    if not isinstance(columns, dict):
        raise _fail(path, "columns", "must be a mapping canonical column -> {source|expr|value, type, ...}")
    unknown = [c for c in columns if c not in canonical]
    if unknown:
        raise _fail(path, f"columns.{unknown[0]}", f"is not a column of canonical table {table} ({', '.join(canonical)})")
    missing = [c for c in canonical if c not in columns]
    if missing:
        raise _fail(path, "columns", f"canonical columns {missing} of {table} are not given "
                                     "(use {value: null} for a column the register does not have)")
    specs = tuple(
        _parse_column(name, columns[name], path, canonical[name], files.columns, files.header, files.format)
        for name in canonical
    )
    return Contract(register=register, canonical_table=table, files=files, key=tuple(key), columns=specs,
                    path=path, description=str(data.get("description") or ""))


def load_contract(path: str | Path) -> Contract:
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ContractError(f"contract file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from None
    return parse_contract(data, path)


def load_contracts(directory: str | Path) -> list[Contract]:
    """Every ``*.yaml`` contract in ``directory``, validated; register names must be unique."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ContractError(f"contract directory not found: {directory}")
    files = sorted(list(directory.glob("*.yaml")) + list(directory.glob("*.yml")))
    if not files:
        raise ContractError(f"no register contracts (*.yaml) in {directory}")
    contracts = [load_contract(f) for f in files]
    seen: dict[str, Path] = {}
    for c in contracts:
        if c.register in seen:
            raise ContractError(f"{c.path}: key 'register': {c.register!r} is already used by {seen[c.register]}")
        seen[c.register] = c.path
    return contracts
