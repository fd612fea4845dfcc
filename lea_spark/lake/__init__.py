"""Lakehouse I/O: named Delta tables under a lake root (see :mod:`lea_spark.lake.tables`)."""
from lea_spark.lake.tables import (  # noqa: F401
    LakeError,
    WriteResult,
    commit_parquet_files,
    read_table,
    remove_table,
    table_exists,
    table_path,
    table_rows,
    table_version,
    write_table,
)
