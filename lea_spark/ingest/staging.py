"""One register validated into files in the layout of its bronze table (the ingest job's path).

:func:`lea_spark.ingest.validate.validate` gives a DataFrame of every row with its rule;
writing its accepted rows as bronze reads the validated rows a second time and writes them
again. :func:`stage_register` writes each row once instead, in the layout of
``bronze.<table>``, split by Spark's partitioned writer into

- ``<where>/rows/lea_accepted=true/``: the rows that pass rules 1-11, in exactly the
  bronze columns (canonical values, stored person keys, source file and row, ingest time and
  run id), ready to be committed to the table as they are
  (:func:`lea_spark.lake.commit_parquet_files`);
- ``<where>/rows/lea_accepted=false/``: the rows that fail one of them, in the same columns,
  with their rule, reason and raw record as JSON in place of the run id (``ingest_run_id``:
  a string column every bronze table has). These files are staging only, never committed.

Rule 12 (later duplicates of a key) is then found among the accepted files, as in
:func:`lea_spark.ingest.validate.duplicates`; only if a register has duplicates are its
accepted rows written again without them. The rows, rules, reasons and raw records are those
of ``validate()`` (tested against it).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

from lea_spark.canonical import bronze_ddl, schema_of
from lea_spark.ingest.contract import Contract
from lea_spark.ingest.validate import (
    INGESTED_AT_TYPE, Checked, Recheck, _broadcast_if_small, _duplicate_records, _raw_record, check,
    duplicate_reason, later_duplicates,
)
from lea_spark.joinkeys import PERSON_KEY, key_columns

ACCEPTED = "lea_accepted"
# In the staged rows of rules 1-11, ``ingest_run_id`` carries their outcome as JSON.
PAYLOAD = "ingest_run_id"
PAYLOAD_SCHEMA = "rule string, reason string, raw_record string"
log = logging.getLogger("lea")


def bronze_schema(table: str) -> StructType:
    """The Spark schema of ``bronze.<table>`` as ingest commits it (the ingest time and run id
    are never null)."""
    return StructType([StructField(f.name, f.dataType, f.name not in ("ingested_at", "ingest_run_id"))
                       for f in StructType.fromDDL(bronze_ddl(table)).fields])


def bronze_layout(c: Checked, contract: Contract, table: str, ingested_at, run_id: str) -> DataFrame:
    """Every row of :func:`check`'s output ``c`` in the columns of ``bronze.<table>`` plus the
    boolean ``lea_accepted`` (passed rules 1-11); failed rows carry their outcome in
    ``ingest_run_id`` (module doc)."""
    df = c.df
    ok = F.col("_outcome").isNull()
    record = _raw_record(contract, {name: F.col(f"__n{i}") for i, name in enumerate(c.native)},
                         {src: F.col(name) for src, name in c.pseudonyms.items()})
    payload = F.to_json(F.struct(F.col("_outcome.rule").alias("rule"), F.col("_outcome.reason").alias("reason"),
                                 record.alias("raw_record")))
    canonical = df.select(
        *[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema_of(table).fields],
        "source_file", F.col("source_row").cast("long").alias("source_row"),
        F.when(ok, F.lit(run_id)).otherwise(payload).alias(PAYLOAD), ok.alias(ACCEPTED))
    return canonical.select(
        *schema_of(table).fieldNames(), *key_columns(canonical), "source_file", "source_row",
        F.lit(ingested_at).cast(INGESTED_AT_TYPE).alias("ingested_at"), PAYLOAD, ACCEPTED)


@dataclass(frozen=True)
class StagedRegister:
    """What :func:`stage_register` leaves: the Parquet ``files`` of the accepted rows (bronze
    columns), ``quarantined`` (``bronze.quarantine`` rows as staged, or None when there are
    none) and ``counts``: ``(source_file, rule, rows)`` with rule None for accepted rows."""
    files: list[Path]
    quarantined: DataFrame | None
    counts: list[tuple[str, str | None, int]]


def stage_parquet(spark, df: DataFrame, path: Path) -> DataFrame:
    """``df`` written once to Parquet at ``path`` and read back from there."""
    df.write.mode("overwrite").parquet(str(path))
    return spark.read.parquet(str(path))


def write_parquet(max_file_rows: int) -> Callable[[DataFrame, Path, str | None], None]:
    """The writer for :func:`stage_register`: Spark's Parquet writer with Delta's conventions
    (:data:`lea_spark.lake.tables.DELTA_PARQUET_CONF`), at most ``max_file_rows`` rows a file,
    partitioned by the named column if any."""
    from lea_spark.lake.tables import DELTA_PARQUET_CONF
    from lea_spark.session import sql_conf

    def write(df: DataFrame, folder: Path, partition: str | None) -> None:
        # A task writes both partitions' files at once instead of sorting its rows by partition.
        conf = dict(DELTA_PARQUET_CONF)
        if partition:
            conf["spark.sql.maxConcurrentOutputFileWriters"] = "2"
        with sql_conf(df.sparkSession, conf):
            w = df.write.mode("overwrite").option("maxRecordsPerFile", max_file_rows)
            (w.partitionBy(partition) if partition else w).parquet(str(folder))

    return write


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []


def _rows_in(files: list[Path]) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def stage_register(df: DataFrame, contract: Contract, key: str | None, where: Path, quarantine_dir: Path,
                   ingested_at, run_id: str, recheck: Recheck,
                   write: Callable[[DataFrame, Path, str | None], None]) -> StagedRegister:
    """Validate the reader's rows ``df`` of one register (rules 1-12) into ``where``; its
    quarantined rows (if any) are staged in ``quarantine_dir``, which may outlive ``where``.

    ``write(df, folder, partition_column)`` writes Parquet that may become a bronze table's
    files (:func:`write_parquet`). ``recheck`` is as in
    :func:`lea_spark.ingest.validate.rule`: the raw records of duplicate rows come from their
    files checked again.
    """
    spark = df.sparkSession
    table = contract.canonical_table
    schema = bronze_schema(table)
    t0 = time.perf_counter()
    c = check(df, contract, key)
    write(bronze_layout(c, contract, table, ingested_at, run_id), where / "rows", ACCEPTED)
    acc_files = _parquet_files(where / "rows" / f"{ACCEPTED}=true")
    rej_files = _parquet_files(where / "rows" / f"{ACCEPTED}=false")

    def materialise(d: DataFrame, name: str) -> DataFrame:
        return stage_parquet(spark, d, where / name)

    quarantine_cols = ["register", "source_file", "source_row", "rule", "reason", "raw_record", "ingested_at",
                       "ingest_run_id"]
    parts: list[DataFrame] = []
    if rej_files:
        out = F.from_json(F.col(PAYLOAD), PAYLOAD_SCHEMA)
        rejected = spark.read.schema(schema).parquet(*[str(f) for f in rej_files])
        parts.append(rejected.select(
            F.lit(contract.register).alias("register"), "source_file", "source_row",
            out["rule"].alias("rule"), out["reason"].alias("reason"), out["raw_record"].alias("raw_record"),
            "ingested_at", F.lit(run_id).alias("ingest_run_id")))
    accepted = (spark.read.schema(schema).parquet(*[str(f) for f in acc_files]) if acc_files
                else spark.createDataFrame([], schema))
    keys = list(contract.key)
    # The stored person key stands for the person id in the key's hash (a function of it).
    hashed = [PERSON_KEY if k == "person_id" and PERSON_KEY in schema.fieldNames() else k for k in keys]
    t1 = time.perf_counter()
    dup = later_duplicates(accepted, keys, materialise, _rows_in(acc_files), hashed)
    n_dup = dup.count()
    files = acc_files
    if n_dup:
        dup = _duplicate_records(dup, n_dup, contract, recheck, materialise)
        parts.append(dup.select(
            F.lit(contract.register).alias("register"), "source_file", F.col("source_row").cast("long"),
            F.lit("duplicate_key").alias("rule"),
            duplicate_reason(keys).alias("reason"),
            F.col("__dup_record").alias("raw_record"),
            F.lit(ingested_at).cast(INGESTED_AT_TYPE).alias("ingested_at"), F.lit(run_id).alias("ingest_run_id")))
        kept = accepted.join(_broadcast_if_small(dup.select("source_file", "source_row"), n_dup),
                             ["source_file", "source_row"], "left_anti").select(*schema.fieldNames())
        write(kept, where / "accepted", None)
        files = _parquet_files(where / "accepted")
    quarantined = None
    if parts:
        quarantined = parts[0]
        for p in parts[1:]:
            quarantined = quarantined.unionByName(p)
        quarantined = stage_parquet(spark, quarantined.select(*quarantine_cols), quarantine_dir)
    t2 = time.perf_counter()
    counts: dict[tuple[str, str | None], int] = {}
    for r in accepted.groupBy("source_file").count().collect():
        counts[(r[0], None)] = r[1]
    if quarantined is not None:
        for r in quarantined.groupBy("source_file", "rule").count().collect():
            counts[(r[0], r[1])] = r[2]
            if r[1] == "duplicate_key":
                counts[(r[0], None)] -= r[2]
    log.info("[ingest]   %s: rules 1-11 and written in the table's layout %.1f s, duplicate keys %.1f s "
             "(%d rows), counts %.1f s", contract.register, t1 - t0, t2 - t1, n_dup, time.perf_counter() - t2)
    return StagedRegister(files, quarantined,
                          [(f, rule, n) for (f, rule), n in counts.items() if n or rule is not None])
