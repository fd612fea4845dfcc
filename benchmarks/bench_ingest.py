"""Benchmark `lea ingest`: wall time, rows and peak memory over generated register extracts.

    .venv/bin/python benchmarks/bench_ingest.py --scale 0.1 [--dirty-rate 0.02] [--keep DIR]
    .venv/bin/python benchmarks/bench_ingest.py --base DIR     # DIR/raw already generated
    .venv/bin/python benchmarks/bench_ingest.py --raw DIR      # read DIR, write the lake elsewhere

The extracts are generated first in a separate process (so that the generator's memory is
not counted), under a temporary base directory with raw/, raw_truth/ and lakehouse/. The
ingest then runs in this process on the `local` configuration; the script prints the job
summary, the wall time, the peak resident memory of this process and its descendants
(Spark JVM, Python workers) and whether the accounting matches the generator's manifest.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))


def _cfg(base: Path, raw: Path | None = None):
    from lea_spark.config import load_config

    return load_config(ROOT / "conf", "local").with_overrides({
        "paths.raw": str(raw or base / "raw"), "paths.answer_key": str(base / "raw_truth"),
        "paths.lake": str(base / "lakehouse"), "ingest.contracts": str(ROOT / "conf" / "registers"),
    })


def generate(base: Path, scale: float, dirty_rate: float) -> None:
    from lea_spark.jobs import generate as job
    from lea_spark.progress import setup_logging

    setup_logging("INFO")
    job.run(_cfg(base), argparse.Namespace(scale=scale, seed=None, dirty_rate=dirty_rate, partitions=None,
                                           out=None, only=None, realism_report=None))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--dirty-rate", type=float, default=0.02)
    ap.add_argument("--base", default=None, help="use DIR/raw as it is (no generation)")
    ap.add_argument("--raw", default=None, help="read this raw directory (no generation); lake in a temp dir")
    ap.add_argument("--keep", default=None, help="generate into DIR and keep it")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate_only:
        generate(Path(args.base), args.scale, args.dirty_rate)
        return
    raw = Path(args.raw).resolve() if args.raw else None
    if raw:
        base = Path(tempfile.mkdtemp(prefix="lea-bench-ingest-"))
    elif args.base:
        base = Path(args.base).resolve()
    else:
        base = Path(args.keep or tempfile.mkdtemp(prefix="lea-bench-ingest-")).resolve()
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate-only", "--base", str(base), "--scale",
                        str(args.scale), "--dirty-rate", str(args.dirty_rate)], check=True)
        print(f"generate scale {args.scale}: {time.perf_counter() - start:.1f} s (separate process)")

    import pandas as pd
    from peak_memory import peak_rss_mb

    from lea_spark.jobs import ingest
    from lea_spark.progress import setup_logging

    setup_logging("INFO")
    os.environ.setdefault("LEA_PSEUDONYM_KEY", "benchmark-key")
    cfg = _cfg(base, raw)
    raw = cfg.path("raw")
    start = time.perf_counter()
    summary = ingest.run(cfg, argparse.Namespace(raw=None, contracts=None))
    wall = time.perf_counter() - start
    peak = peak_rss_mb()
    files = pd.read_parquet(raw / "_manifest" / "files.parquet")
    faults = pd.read_parquet(raw / "_manifest" / "dirty.parquet")
    print(summary)
    print(f"ingest: {wall:.1f} s wall, {summary['rows_read']:,} rows read in {summary['files']} files "
          f"({summary['rows_read'] / wall:,.0f} rows/s)")
    print(f"peak memory: {peak['total']:,.0f} MB over {peak['processes']} processes "
          f"(largest {peak['largest']:,.0f} MB)")
    print(f"manifest: rows {int(files.rows.sum()):,} (read {summary['rows_read']:,}), "
          f"faults {len(faults):,} (quarantined {summary['rows_quarantined']:,})")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
