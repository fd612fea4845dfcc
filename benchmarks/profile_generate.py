"""Where one register's generation time goes: building its rows, ordering them, writing files.

    .venv/bin/python benchmarks/profile_generate.py --scale 0.1 --register thl_avohilmo \
        [--register tax_incomes_register] [--variants build,ordered,write] [--out /tmp/profile-raw]

Builds the population once (cached, as ``lea generate`` does), then for each register runs
each variant as one Spark action, timed on its own:

- ``build``: the register's rows with injected faults (``noop`` write): what the Spark
  expressions that make the rows cost;
- ``ordered``: the same rows as the writer sees them (CSV lines built, hash-partitioned by
  file and sorted), ``noop`` write: what the line text and the sort add;
- ``write``: the writer as ``lea generate`` runs it, into ``--out`` (deleted first): what
  the Python writer tasks add.

Results go to docs/benchmarks.md by hand.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS = ("build", "ordered", "write")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--register", action="append", required=True)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--out", default="/tmp/profile-generate-raw")
    ap.add_argument("--conf-dir", default=str(ROOT / "conf"))
    ap.add_argument("--env", default="local")
    args = ap.parse_args()
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")

    from lea_spark.config import load_config
    from lea_spark.generate.dirty import inject
    from lea_spark.generate.generator import GENERATION_SQL_CONF, Registers, build_population
    from lea_spark.generate.geography import build_plan
    from lea_spark.generate.params import GenParams
    from lea_spark.generate.writer import ordered_rows, write_register
    from lea_spark.session import get_spark

    cfg = load_config(args.conf_dir, args.env).with_overrides({"generate.scale": args.scale})
    p = GenParams.from_config(cfg)
    spark = get_spark(cfg)
    for key, value in GENERATION_SQL_CONF.items():   # as `lea generate`
        spark.conf.set(key, value)
    mix = Path(cfg["generate.group_mix"])
    mix = mix if mix.is_absolute() else cfg.project_root / mix

    def timed(label, fn):
        t0 = time.perf_counter()
        out = fn()
        print(f"{label}: {time.perf_counter() - t0:.1f} s", flush=True)
        return out

    plan = build_plan(cfg.path("geo"), mix, p.scale)
    persons = build_population(spark, plan, p)
    n = timed("population build", persons.count)
    print(f"persons: {n:,}", flush=True)
    builders = Registers(spark, plan, persons, p).builders()
    out = Path(args.out)
    for name in args.register:
        layout, build = builders[name]

        def noop(df):
            df.write.format("noop").mode("overwrite").save()

        if "build" in variants:
            timed(f"{name} build", lambda: noop(inject(build(), layout, p)))
        if "ordered" in variants:
            timed(f"{name} ordered", lambda: noop(ordered_rows(inject(build(), layout, p), layout, p)))
        if "write" in variants:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            result = timed(f"{name} write", lambda: write_register(inject(build(), layout, p), layout, out, p))
            files = result.filter(result["kind"].to_numpy(zero_copy_only=False) == "file")
            print(f"{name}: {sum(files['source_row'].to_pylist()):,} rows in {files.num_rows} files", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
