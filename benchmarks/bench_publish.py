"""Benchmark: `lea publish` on an existing lake, with the time of every disclosure step.

Runs the publish job of the configuration in ``--conf-dir`` (its lake must hold
``gold.family_features`` and ``gold.family_segments``, e.g. a ``make run`` or
``benchmarks/bench_pipeline.py`` base) and prints the wall time, the suppression and audit
summary and the status counts of the published indicator rates by area level.

Run: ``.venv/bin/python benchmarks/bench_publish.py --conf-dir /tmp/lea-0.01/conf``
(from the directory the configuration's relative paths refer to).
"""
from __future__ import annotations

import argparse
import logging
import time
import types

from lea_spark.config import load_config


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conf-dir", required=True)
    ap.add_argument("--env", default=None)
    ap.add_argument("--period", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cfg = load_config(args.conf_dir, args.env)
    from lea_spark.jobs import publish
    from lea_spark.lake import read_table
    from lea_spark.session import get_spark

    start = time.perf_counter()
    out = publish.run(cfg, types.SimpleNamespace(period=args.period))
    wall = time.perf_counter() - start
    print(f"publish: {wall:.1f} s wall")
    for key in ("cells", "suppressed", "primary", "secondary", "withheld", "audit_seconds",
                "rate_indicators_protected", "rate_cells_suppressed", "rate_audit_cells", "rate_audit_failing",
                "rate_audit_seconds"):
        print(f"  {key}: {out.get(key)}")
    rates = read_table(get_spark(cfg), cfg, "publish.indicator_rates")
    counts = (rates.where(rates.reference_period == str(out["period"]))
              .groupBy("area_level", "status").count().orderBy("area_level", "status").collect())
    for r in counts:
        print(f"  {r['area_level']:<13} {r['status']:<21} {r['count']:>7,}")


if __name__ == "__main__":
    main()
