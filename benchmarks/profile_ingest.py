"""Where one register's ingest time goes: read, validation with parts switched off, staging.

    LEA_PSEUDONYM_KEY=... .venv/bin/python benchmarks/profile_ingest.py --base /tmp/lea-0.1 \
        --register tax_incomes_register [--variants read,check,validate,no-hmac,no-hetu,stage]

BASE is a directory made by ``benchmarks/bench_pipeline.py`` (``BASE/conf`` points at
``BASE/raw``). Every variant is one Spark action over the register's files (a ``noop`` write,
so nothing is stored), timed on its own:

- ``read``: the reader alone;
- ``check``: rules 1-11 (``check()``) alone, without the duplicate-key rule;
- ``validate``: ``validate()`` with its intermediate results kept as local checkpoints;
- ``no-hmac``: the same with pseudonymisation replaced by the identity (what HMAC costs);
- ``no-hetu``: the same without the identity-code checks (what they cost);
- ``stage``: ``validate()`` with its intermediate results staged in Parquet and the rows
  counted by rule, as ingest does, then the accepted rows read back from the staging.

The variants switch code off, so their output is not a valid ingest: for measurement only.
Results go to docs/benchmarks.md by hand.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VARIANTS = ("read", "check", "validate", "no-hmac", "no-hetu", "stage")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--register", required=True)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    key = os.environ.get("LEA_PSEUDONYM_KEY")
    if not key:
        ap.error("set LEA_PSEUDONYM_KEY (the key the registers are pseudonymised with)")

    from pyspark.sql import functions as F

    import lea_spark.ingest.validate as V
    from lea_spark.config import load_config
    from lea_spark.ingest import load_contracts
    from lea_spark.ingest.readers import native_columns, read_register, resolve_files
    from lea_spark.ingest.staging import stage_parquet
    from lea_spark.jobs.ingest import contracts_dir
    from lea_spark.session import get_spark

    base = Path(args.base)
    cfg = load_config(str(base / "conf"), "local")
    spark = get_spark(cfg)
    found = [c for c in load_contracts(contracts_dir(cfg)) if c.register == args.register]
    if not found:
        ap.error(f"no contract for register {args.register}")
    contract = found[0]
    raw = Path(cfg.path("raw"))
    files = resolve_files(contract, raw)
    columns = native_columns(contract, raw, files)

    def read():
        return read_register(spark, contract, raw, files, columns)

    def noop(df):
        df.write.format("noop").mode("overwrite").save()

    def timed(label, fn):
        t0 = time.perf_counter()
        fn()
        print(f"{label}: {time.perf_counter() - t0:.1f} s", flush=True)

    def staged():
        import shutil
        import tempfile

        where = Path(tempfile.mkdtemp(prefix="profile-ingest-stage-"))
        try:
            v = V.validate(read(), contract, key,
                           materialise=lambda df, name: stage_parquet(spark, df, where / name))
            V.rule_counts(v, contract.register).collect()
            timed("  accepted rows read back from the staging",
                  lambda: noop(V.accepted_rows(v, contract.canonical_table, "2022-12-31 00:00:00", "profile")))
        finally:
            shutil.rmtree(where, ignore_errors=True)

    for variant in variants:
        saved = (V.pseudonymise_col, V.hetu_is_valid_col, V.birth_date_col)
        c = contract
        if variant == "no-hmac":
            V.pseudonymise_col = lambda col, k: col
        elif variant == "no-hetu":
            V.hetu_is_valid_col, V.birth_date_col = (lambda col: F.lit(True)), (lambda col: F.lit(None))
        try:
            if variant == "read":
                timed("read", lambda: noop(read()))
            elif variant == "stage":
                timed("validate, stage in Parquet, counts by rule (the ingest step)", staged)
            elif variant == "check":
                timed("check (rules 1-11)", lambda: noop(V.check(read(), c, key).df))
            else:
                timed(variant, lambda: noop(V.validate(read(), c, key)))
        finally:
            V.pseudonymise_col, V.hetu_is_valid_col, V.birth_date_col = saved
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
