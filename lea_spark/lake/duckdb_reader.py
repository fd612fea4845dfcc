"""DuckDB with its Delta extension, loaded offline from the ``duckdb-ext-delta`` package.

An independent engine to read the lake (tests, single-machine reference benchmarks):
``connect().execute("SELECT ... FROM delta_scan('<table dir>')")``.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path


def delta_extension_path() -> Path:
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package duckdb-ext-delta is not installed (pip install duckdb-ext-delta)")
    base = Path(list(spec.submodule_search_locations)[0])
    found = sorted(base.glob("extensions/*/*/delta.duckdb_extension"))
    if not found:
        raise RuntimeError(f"no delta.duckdb_extension under {base}")
    return found[-1]


def connect(threads: int | None = None):
    import duckdb

    con = duckdb.connect(config={"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false"})
    con.execute(f"LOAD '{delta_extension_path()}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con
