"""Benchmark the lake API: parallel Delta writes through delta-rs, read back, replace-where.

    .venv/bin/python benchmarks/bench_lake.py [--rows 5000000]

Prints one line per measurement (wall seconds) and the peak RSS of this process and its
children (the Spark JVM and Python workers).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from pyspark.sql import functions as F

import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import peak_rss_mb  # noqa: E402

from lea_spark.config import load_config
from lea_spark.lake import read_table, write_table
from lea_spark.session import get_spark


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="lea-bench-lake-"))
    cfg = load_config(Path(__file__).resolve().parents[1] / "conf", "local").with_overrides(
        {"paths.lake": str(base / "lake")})
    spark = get_spark(cfg)
    df = (spark.range(args.rows, numPartitions=8)
          .withColumn("municipality_code", F.lpad((F.col("id") % 308).cast("string"), 3, "0"))
          .withColumn("reference_period", (F.lit(2018) + F.col("id") % 5).cast("string"))
          .withColumn("amount_eur", F.col("id") * 0.37)
          .withColumn("payment_month", F.expr("add_months(date'2018-01-01', cast(id % 60 as int))")))
    results = []

    def timed(label, fn):
        t = time.perf_counter()
        out = fn()
        results.append((label, time.perf_counter() - t))
        print(f"{label}: {results[-1][1]:.1f} s", flush=True)
        return out

    timed("session warm-up (count)", lambda: df.count())
    timed(f"write {args.rows:,} rows, unpartitioned", lambda: write_table(cfg, df, "bench.flat", mode="overwrite"))
    timed(f"write {args.rows:,} rows, partitioned by reference_period",
          lambda: write_table(cfg, df, "bench.part", mode="overwrite", partition_by=["reference_period"]))
    timed("read back + aggregate", lambda: read_table(spark, cfg, "bench.part").groupBy("municipality_code").agg(F.sum("amount_eur")).collect())
    one = df.where("reference_period = '2022'")
    timed("replace-where one period (1/5 of rows)",
          lambda: write_table(cfg, one, "bench.part", mode="replace", partition_by=["reference_period"],
                              replace_where={"reference_period": "2022"}))
    peak = peak_rss_mb()
    print(f"peak RSS: {peak['total']:,.0f} MB summed over {peak['processes']} processes "
          f"(largest {peak['largest']:,.0f} MB)")
    spark.stop()
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
