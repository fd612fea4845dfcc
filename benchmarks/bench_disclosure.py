"""Benchmark: suppression + LP audit on a national-size synthetic table.

3,026 postal areas x 10 service-need groups with area totals and municipality, county and
country margins, families drawn from the real 2022 postal populations (about 10 % of
people in families with children). Run: ``.venv/bin/python benchmarks/bench_disclosure.py``.
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lea_spark.disclosure import PUBLISHED, PRIMARY, protect, primary_suppress, audit
from lea_spark.publish.cells import build_cells
from lea_spark.publish.geography import build_areas, read_geography

GEO = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "geo"
SHARES = np.array([6, 25, 2, 4, 14, 3, 8, 30, 3, 3], dtype=float)


def synthetic(seed: int, family_rate: float):
    munis, postal = read_geography(GEO)
    areas = build_areas(munis, postal)
    rng = np.random.default_rng(seed)
    pop = pd.to_numeric(postal.population_2022, errors="coerce").fillna(0).to_numpy()
    fam = rng.poisson(pop * family_rate)
    counts = np.array([rng.multinomial(n, SHARES / SHARES.sum()) for n in fam])
    rows = [(p, m, g + 1, int(counts[i, g])) for i, (p, m) in enumerate(zip(postal.postal_code, postal.municipality_code))
            for g in range(10)]
    pg = pd.DataFrame(rows, columns=["postal_code", "municipality_code", "group_id", "families"])
    mg = pg.groupby(["municipality_code", "group_id"], as_index=False).families.sum()
    return areas, mg, pg[["postal_code", "group_id", "families"]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--family-rate", type=float, default=0.10)
    ap.add_argument("--threshold", type=int, default=5)
    ap.add_argument("--protection", type=float, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    t0 = time.perf_counter()
    areas, mg, pg = synthetic(args.seed, args.family_rate)
    cells = build_cells(areas, mg, pg, group_ids=list(range(1, 11)))
    t = cells.table
    print(f"cells {t.n:,}, relations {len(t.relations):,}, build {time.perf_counter() - t0:.1f} s")
    st = primary_suppress(t, args.threshold)
    t1 = time.perf_counter()
    naive = audit(t, st, args.threshold, args.protection)
    print(f"primary only: {int((st == PRIMARY).sum()):,} suppressed, {naive.n_failing:,} narrower than "
          f"{args.protection:g}; {naive.n_components:,} components (largest {naive.component_size.max() if len(naive.cells) else 0:,}), "
          f"{naive.n_lps:,} LPs, audit {time.perf_counter() - t1:.1f} s")
    t2 = time.perf_counter()
    status, res = protect(t, args.threshold, args.protection)
    print(f"protect: {int((status != PUBLISHED).sum()):,} suppressed "
          f"({int((status == PRIMARY).sum()):,} primary, {int((status == 2).sum()):,} secondary), "
          f"{res.n_failing} failing, final audit {res.seconds:.1f} s ({res.n_lps:,} LPs, {res.n_components:,} components, "
          f"largest {res.component_size.max():,}, inexact {int((~res.exact).sum()):,}), total {time.perf_counter() - t2:.1f} s")


if __name__ == "__main__":
    main()
