"""Benchmark `lea generate`: wall time, rows written and peak memory at a given scale.

    .venv/bin/python benchmarks/bench_generate.py --scale 0.01 [--dirty-rate 0] [--keep DIR]
                                                  [--realism-report docs/realism.md]

Runs the generator in this process on the `local` configuration (2 cores), writing under a
temporary base directory (or DIR), and prints the wall time of the job, rows and files
written per register, and the peak resident memory of this process and its descendants
(Spark JVM, Python workers; benchmarks/peak_memory.py). Results go to docs/benchmarks.md
by hand.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=20221231)
    ap.add_argument("--dirty-rate", type=float, default=0.0)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--keep", default=None, help="write here and keep the output")
    ap.add_argument("--realism-report", default=None, help="also write the realism report to this path")
    args = ap.parse_args()

    from peak_memory import peak_rss_mb

    from lea_spark.config import load_config
    from lea_spark.generate.generator import generate
    from lea_spark.generate.params import GenParams
    from lea_spark.progress import setup_logging, step
    from lea_spark.session import get_spark

    setup_logging("INFO")
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_generate_"))
    cfg = load_config(ROOT / "conf", "local").with_overrides(
        {"paths.raw": str(base / "raw"), "paths.answer_key": str(base / "raw_truth")})
    p = GenParams.from_config(cfg, scale=args.scale, seed=args.seed, dirty_rate=args.dirty_rate,
                              partitions=args.partitions)
    spark = get_spark(cfg)
    report = Path(args.realism_report).resolve() if args.realism_report else None
    start = time.perf_counter()
    summary = generate(spark, cfg.path("geo"), ROOT / "conf" / "group_mix.yaml", base / "raw", base / "raw_truth", p,
                       step=lambda name: step("generate", name), report=report)
    wall = time.perf_counter() - start
    mem = peak_rss_mb()
    size = sum(f.stat().st_size for f in (base / "raw").rglob("*") if f.is_file())
    print(f"scale {args.scale} seed {args.seed} partitions {p.partitions} dirty {args.dirty_rate}")
    print(f"wall time {wall:.1f} s (population + {len(summary['rows_by_register'])} registers + manifest + answer key"
          f"{' + realism report' if report else ''})")
    print(f"persons {summary['persons']:,}; files {summary['files']}; rows {summary['rows']:,}; "
          f"raw size {size / 1e6:,.1f} MB; faults {summary['faults']:,}")
    for name, rows in summary["rows_by_register"].items():
        print(f"  {name:<24} {rows:>12,}")
    print(f"peak memory {mem['total']:,.0f} MB over {mem['processes']} processes (largest {mem['largest']:,.0f} MB)")
    spark.stop()
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
