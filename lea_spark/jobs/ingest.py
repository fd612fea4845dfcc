"""Read every register extract through its contract into bronze Delta tables, with quarantine and row accounting.

Steps: load and validate the contracts (``ingest.contracts``), find each register's files
under ``paths.raw`` and check their columns (a missing file or column fails the run before
anything is written), then for each ``bronze.<table>`` read and validate the registers that
feed it. Each register is read and validated once, into Parquet files in the table's layout
under the lake (``<lake>/_staging/ingest-<run id>/``, :mod:`lea_spark.ingest.staging`): its
accepted rows' files become the table's files (one commit for the table, without writing
them again), its quarantined rows are staged apart, and its row counts are taken from
there. The staging of a table's registers is removed once the table is committed, and all
of it at the end of the run, failed or not. Last ``bronze.quarantine`` and
``bronze.ingest_accounting``. Identity codes are pseudonymised with the key in the
environment variable named by ``ingest.pseudonym_key_env``.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import uuid
from functools import reduce
from pathlib import Path

from lea_spark.canonical import BRONZE_SCHEMAS, INGEST_METADATA, QUARANTINE_SCHEMA, bronze_ddl
from lea_spark.config import Config, ConfigError, secret
from lea_spark.jobs.common import remove_staging, staging_dir
from lea_spark.progress import step

JOB = "ingest"
log = logging.getLogger("lea")


def add_arguments(parser) -> None:
    parser.add_argument("--raw", default=None, help="raw directory to read (default: paths.raw)")
    parser.add_argument("--contracts", default=None, help="directory of register contracts (default: ingest.contracts)")


def contracts_dir(cfg: Config, override: str | None = None) -> Path:
    value = override or cfg["ingest.contracts"]
    p = Path(os.path.expandvars(str(value))).expanduser()
    return p if p.is_absolute() else (cfg.project_root / p).resolve()


def _ntz(ddl: str) -> str:
    from lea_spark.ingest.validate import INGESTED_AT_TYPE

    return ddl.replace("ingested_at timestamp", f"ingested_at {INGESTED_AT_TYPE}")


def pseudonym_key(cfg: Config, contracts) -> str | None:
    """The pseudonymisation key, required when any contract has identity-code columns."""
    needing = [c.register for c in contracts if c.person_columns]
    if not needing:
        return None
    name = cfg["ingest.pseudonym_key_env"]
    try:
        return secret(name)
    except ConfigError:
        raise ConfigError(
            f"refusing to ingest: registers {needing} carry personal identity codes, which are replaced by a "
            f"keyed hash, but the key environment variable {name} is not set. Export {name} (the same key "
            "for every run, kept outside the repository) and run again."
        ) from None


def run(cfg: Config, args) -> dict:
    from pyspark.sql.types import StructType

    from lea_spark.ingest import accounting_rows, load_contracts
    from lea_spark.ingest.contract import check_patterns_jvm
    from lea_spark.ingest.accounting import ACCOUNTING_SCHEMA, AccountingError
    from lea_spark.ingest.readers import native_columns, read_register, resolve_files, unclaimed_files
    from lea_spark.ingest.staging import bronze_schema, stage_register, write_parquet
    from lea_spark.ingest.validate import recheck_rows
    from lea_spark.lake import commit_parquet_files, write_table
    from lea_spark.session import get_spark

    raw_dir = Path(getattr(args, "raw", None) or cfg.path("raw")).resolve()
    with step(JOB, "contracts") as s:
        contracts = load_contracts(contracts_dir(cfg, getattr(args, "contracts", None)))
        key = pseudonym_key(cfg, contracts)
        plan = []
        claimed: dict[str, str] = {}
        for c in contracts:
            files = resolve_files(c, raw_dir)
            for f in files:
                if f in claimed:
                    raise ConfigError(f"file {f} matches the contracts of both {claimed[f]} and {c.register}")
                claimed[f] = c.register
            plan.append((c, files, native_columns(c, raw_dir, files)))
        s.rows_out = len(claimed)
        s.note = f"{len(contracts)} registers, {len(claimed)} files"
    stray = unclaimed_files(raw_dir, set(claimed))
    if stray:
        log.warning("[%s] %d file(s) under %s match no contract and are not read: %s", JOB, len(stray), raw_dir,
                    ", ".join(stray[:10]) + (" ..." if len(stray) > 10 else ""))

    spark = get_spark(cfg)
    check_patterns_jvm(contracts, spark.sparkContext._jvm)
    run_id = uuid.uuid4().hex
    staging = staging_dir(cfg, f"ingest-{run_id}")
    ingested_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    # One table at a time: each of its registers is validated once into files in the table's
    # layout (lea_spark.ingest.staging), which are committed to the table as they are; the
    # quarantined rows (few) are staged apart and kept, and the registers' staging removed.
    staged: list[Path] = []
    quarantined = []
    write = write_parquet(int(cfg.get("lake.target_file_rows", 2_000_000)))
    try:
        counts = []
        tables: dict[str, int] = {}
        for table in BRONZE_SCHEMAS:
            feeders = [(c, files, columns) for c, files, columns in plan if c.canonical_table == table]
            accepted_files = []
            for c, files, columns in feeders:
                with step(JOB, f"read + validate {c.register}") as s:
                    path = staging / c.register
                    staged.append(path)
                    # The raw records of duplicate rows: their files read again.
                    recheck = recheck_rows(lambda names, c=c, files=files, columns=columns: read_register(
                        spark, c, raw_dir, sorted(set(files) & set(names)), columns), c, key)
                    # Quarantined rows are staged apart: the register's staging is removed after
                    # its table is written.
                    r = stage_register(read_register(spark, c, raw_dir, files, columns), c, key, path,
                                       staging / "quarantine" / c.register, ingested_at, run_id, recheck, write)
                    rows = [(c.register, f, rule, n) for f, rule, n in r.counts]
                    counts.extend(rows)
                    s.rows_in = sum(x[3] for x in rows)
                    s.rows_out = sum(x[3] for x in rows if x[2] is None)
                accepted_files.extend(r.files)
                if r.quarantined is not None:
                    quarantined.append(r.quarantined)
            with step(JOB, f"write bronze.{table}") as s:
                if not feeders:
                    log.warning("[%s] no contract feeds bronze.%s; writing it empty", JOB, table)
                    result = write_table(cfg, spark.createDataFrame([], StructType.fromDDL(
                        bronze_ddl(table, _ntz(INGEST_METADATA)))), f"bronze.{table}", mode="overwrite")
                else:
                    result = commit_parquet_files(cfg, spark, accepted_files, bronze_schema(table), f"bronze.{table}")
                tables[table] = result.rows
                s.rows_out = result.rows
            while staged:
                shutil.rmtree(staged.pop(), ignore_errors=True)
        with step(JOB, "write bronze.quarantine") as s:
            quarantine = reduce(lambda a, b: a.unionByName(b), quarantined,
                                spark.createDataFrame([], StructType.fromDDL(_ntz(QUARANTINE_SCHEMA))))
            # Few rows spread over every register's partitions: one writer task each would
            # cost more than the writing itself.
            parts = int(spark.conf.get("spark.sql.shuffle.partitions", "8"))
            q = write_table(cfg, quarantine.coalesce(parts), "bronze.quarantine", mode="overwrite")
            s.rows_out = q.rows
        with step(JOB, "write bronze.ingest_accounting") as s:
            rows = accounting_rows(counts, {c.register: files for c, files, _ in plan}, run_id)
            read = sum(r[2] for r in {(r[0], r[1]): r for r in rows}.values())
            accepted = sum(r[3] for r in {(r[0], r[1]): r for r in rows}.values())
            if accepted != sum(tables.values()) or read - accepted != q.rows:
                raise AccountingError(
                    f"row accounting does not balance: read {read}, accepted {accepted} but bronze holds "
                    f"{sum(tables.values())}, quarantined {read - accepted} but bronze.quarantine holds {q.rows}")
            acc = write_table(cfg, spark.createDataFrame(rows, ACCOUNTING_SCHEMA), "bronze.ingest_accounting",
                              mode="overwrite")
            s.rows_in, s.rows_out = read, acc.rows
    finally:
        remove_staging(staging)
    return {
        "tables": ", ".join(f"bronze.{t}" for t in BRONZE_SCHEMAS) + ", bronze.quarantine, bronze.ingest_accounting",
        "registers": len(plan),
        "files": len(claimed),
        "rows_read": read,
        "rows_accepted": accepted,
        "rows_quarantined": q.rows,
        "run_id": run_id,
    }
