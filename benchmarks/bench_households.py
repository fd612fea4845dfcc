"""Benchmark of `lea households` + `lea indicators` on an existing bronze lake, with a
single-machine DuckDB reference for a few indicators over the same Delta tables.

    LEA_PSEUDONYM_KEY=... .venv/bin/lea generate --conf-dir DIR/conf --env local
    LEA_PSEUDONYM_KEY=... .venv/bin/lea ingest --conf-dir DIR/conf --env local
    .venv/bin/python benchmarks/bench_households.py --conf-dir DIR/conf --env local

Prints wall time per job, peak memory of the process tree, then the reference: the four
indicators of ``COLUMNS`` computed ``--repeats`` times each (default 3) by
- DuckDB, as one SQL query over the Delta tables (``DUCKDB_SQL``);
- Spark SQL, the *same* query over the same tables;
- Spark through the job's own code (:func:`job_code`: the 64-bit join keys and per-person
  month words of ``lea_spark.indicators.build``, the member counts as the job aggregates them),
and whether each result agrees with ``gold.family_features`` for every family. Every run
builds its query anew (no shuffle output of an earlier run is reused). The first run of each
engine includes its warm-up (Spark's JIT compilation, the Delta logs read); the ratios use the
median of the later runs. ``--reference-only`` skips the two jobs (gold must exist).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peak_memory import peak_rss_mb  # noqa: E402

DUCKDB_SQL = """
WITH m AS (SELECT * FROM delta_scan('{lake}/silver/family_members')),
     f AS (SELECT family_id FROM delta_scan('{lake}/silver/families')),
     hh AS (SELECT family_id, person_id FROM m WHERE is_resident),
     sa AS (SELECT hh.family_id, count(DISTINCT date_trunc('month', s.benefit_month)) AS social_assistance_months_recent
            FROM hh JOIN delta_scan('{lake}/bronze/social_assistance') s USING (person_id)
            WHERE s.benefit_month BETWEEN date_trunc('month', DATE '{recent_start}') AND DATE '{ref}'
            GROUP BY 1),
     ha AS (SELECT hh.family_id, count(DISTINCT date_trunc('month', s.benefit_month)) AS housing_allowance_months
            FROM hh JOIN delta_scan('{lake}/bronze/housing_allowance') s USING (person_id)
            WHERE s.benefit_month BETWEEN date_trunc('month', DATE '{lookback_start}') AND DATE '{ref}'
            GROUP BY 1),
     gp AS (SELECT family_id, count(*) FILTER (WHERE role = 'grandparent' AND is_alive) AS n_grandparents_alive,
                   count(*) FILTER (WHERE role IN ('child', 'independent_minor')) AS n_children
            FROM m GROUP BY 1)
SELECT f.family_id,
       coalesce(gp.n_children, 0)::DOUBLE AS n_children,
       coalesce(gp.n_grandparents_alive, 0)::DOUBLE AS n_grandparents_alive,
       coalesce(sa.social_assistance_months_recent, 0)::DOUBLE AS social_assistance_months_recent,
       coalesce(ha.housing_allowance_months, 0)::DOUBLE AS housing_allowance_months
FROM f LEFT JOIN gp USING (family_id) LEFT JOIN sa USING (family_id) LEFT JOIN ha USING (family_id)
"""
# Spark SQL reads the query's tables as these temporary views.
VIEWS = {"bench_members": "silver.family_members", "bench_families": "silver.families",
         "bench_social_assistance": "bronze.social_assistance", "bench_housing_allowance": "bronze.housing_allowance"}


def spark_sql(sql: str, lake) -> str:
    """The DuckDB query for Spark SQL: temporary views instead of delta_scan, CAST for ``::``."""
    import re

    for view, table in VIEWS.items():
        sql = sql.replace(f"delta_scan('{lake}/{table.replace('.', '/')}')", view)
    return re.sub(r"(coalesce\([^()]*\))::DOUBLE", r"CAST(\1 AS DOUBLE)", sql)


COLUMNS = ["n_children", "n_grandparents_alive", "social_assistance_months_recent", "housing_allowance_months"]


def job_code(spark, cfg):
    """The four ``COLUMNS`` per family as ``lea indicators`` computes them (a DataFrame)."""
    from pyspark.sql import functions as F

    from lea_spark.indicators.build import Params, _months
    from lea_spark.joinkeys import family_key, keyed
    from lea_spark.lake import read_table

    prm = Params.from_config(cfg)
    members = keyed(read_table(spark, cfg, "silver.family_members"))
    ppl = members.withColumn("is_household", F.col("is_resident"))
    counts = members.groupBy("family_id").agg(
        F.count(F.when((F.col("role") == "grandparent") & F.col("is_alive"), 1)).alias("n_grandparents_alive"),
        F.count(F.when(F.col("role").isin("child", "independent_minor"), 1)).alias("n_children"))
    sa = _months(ppl, keyed(read_table(spark, cfg, "bronze.social_assistance")), prm, "social_assistance")
    ha = _months(ppl, keyed(read_table(spark, cfg, "bronze.housing_allowance")), prm, "housing_allowance")
    families = read_table(spark, cfg, "silver.families")
    out = (families.select(family_key(families).alias("_key"), "family_id")
           .join(counts.withColumnRenamed("family_id", "_key"), "_key", "left")
           .join(sa.select(F.col("family_id").alias("_key"), "social_assistance_months_recent"), "_key", "left")
           .join(ha.select(F.col("family_id").alias("_key"), "housing_allowance_months"), "_key", "left"))
    return out.select("family_id", *[F.coalesce(F.col(c), F.lit(0)).cast("double").alias(c) for c in COLUMNS])


def _timed(run, repeats: int):
    """``(times, last result)`` of ``repeats`` calls of ``run``."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t)
    return times, result


def _warm(times: list[float]) -> float:
    """The median of the runs after the first (the first run when there is only one)."""
    import statistics

    return statistics.median(times[1:] or times)


def _agreeing(got, gold) -> tuple[int, dict]:
    both = got.merge(gold, on="family_id", suffixes=("_got", "_gold"))
    return len(both), {c: int((both[f"{c}_got"] == both[f"{c}_gold"]).sum()) for c in COLUMNS}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conf-dir", required=True)
    ap.add_argument("--env", default="local")
    ap.add_argument("--reference-only", action="store_true", help="only the DuckDB and Spark reference")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each reference variant (default 3)")
    args = ap.parse_args()
    import importlib

    from lea_spark.cli import run_job
    from lea_spark.config import load_config
    from lea_spark.progress import setup_logging

    setup_logging("INFO")
    cfg = load_config(args.conf_dir, args.env)
    times = {}
    for job in () if args.reference_only else ("households", "indicators"):
        mod = importlib.import_module(f"lea_spark.jobs.{job}")
        parser = argparse.ArgumentParser(prog=f"lea {job}")
        mod.add_arguments(parser)
        t = time.perf_counter()
        run_job(job, cfg, parser.parse_args([]))
        times[job] = time.perf_counter() - t
    mem = peak_rss_mb()

    import datetime as dt

    import duckdb  # noqa: F401
    from lea_spark.lake.duckdb_reader import connect

    ref = dt.date.fromisoformat(cfg["project.reference_date"])
    years = int(cfg["project.lookback_years"])
    months = int(cfg["indicators.recent_months"])

    def shift(d: dt.date, n_months: int) -> dt.date:
        y, m = divmod(d.year * 12 + d.month - 1 - n_months, 12)
        import calendar

        return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1])) + dt.timedelta(days=1)

    lake = cfg.path("lake")
    sql = DUCKDB_SQL.format(lake=lake, ref=ref, recent_start=shift(ref, months), lookback_start=shift(ref, 12 * years))
    con = connect(threads=2)
    gold = con.execute(f"SELECT family_id, {', '.join(COLUMNS)} FROM delta_scan('{lake}/gold/family_features') "
                       f"WHERE reference_period = '{ref.year}'").df()
    t_duck, duck = _timed(lambda: con.execute(sql).df(), args.repeats)
    from lea_spark.lake import read_table
    from lea_spark.session import get_spark

    spark = get_spark(cfg)
    for view, table in VIEWS.items():
        read_table(spark, cfg, table).createOrReplaceTempView(view)
    query = spark_sql(sql, lake)
    t_sql, got_sql = _timed(lambda: spark.sql(query).toPandas(), args.repeats)
    t_job, got_job = _timed(lambda: job_code(spark, cfg).toPandas(), args.repeats)
    print(f"families: {len(gold):,}")
    for job, secs in times.items():
        print(f"lea {job}: {secs:.1f} s")
    print(f"peak memory: {mem['total']:.0f} MB over {mem['processes']} processes (largest {mem['largest']:.0f} MB)")
    warm_duck = _warm(t_duck)
    for label, secs, got in (("duckdb, one SQL query", t_duck, duck), ("spark sql, the same query", t_sql, got_sql),
                             ("spark, the job's code", t_job, got_job)):
        matched, agree = _agreeing(got, gold)
        print(f"{label}: runs {', '.join(f'{x:.2f}' for x in secs)} s; warm (median after the first) "
              f"{_warm(secs):.2f} s = {_warm(secs) / warm_duck:.2f}x duckdb; families matched {matched:,}; "
              f"agreeing values: {agree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
