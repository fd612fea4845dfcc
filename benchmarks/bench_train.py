"""Benchmark: k-means family types at the size of scale 0.1, against scikit-learn.

Builds a synthetic ``gold.family_features`` (default 55,000 families x 45 indicators, 10
planted groups of 10 sub-types each; :mod:`lea_spark.ml.synthetic`) in a temporary lake,
applies the project's feature transform, and measures

1. Spark ML k-means (k=100, ``init_steps`` 5, ``--restarts`` fits, best kept): wall time of
   each fit and the best within-cluster SS;
2. scikit-learn ``KMeans`` (Lloyd, k-means++, ``n_init=--sk-restarts``) on the very same
   transformed matrix: wall time and within-cluster SS;
3. with ``--pipeline``: the whole ``lea train`` (with ``--stability-seeds``) and ``lea
   evaluate`` on that table with a synthetic answer key - recovery ARI, the supervised
   ceiling and the LEA cities' share errors *on this synthetic matrix* (not on the
   generator's registers).

With ``--lake DIR`` the features are instead the ``gold.family_features`` of an existing
lake (e.g. one written by ``benchmarks/bench_pipeline.py --scale 0.1 --base /tmp/lea-0.1``:
``--lake /tmp/lea-0.1/lakehouse``), so Spark and scikit-learn cluster the matrix of the
generated registers; ``--transform`` picks the feature transform (default ``rank``).

Run: ``.venv/bin/python benchmarks/bench_train.py [--families 55000] [--pipeline] [--lake DIR]``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=55_000)
    ap.add_argument("--features", type=int, default=45)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--max-iter", type=int, default=40)
    ap.add_argument("--sk-restarts", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pipeline", action="store_true", help="also run lea train + evaluate on the table")
    ap.add_argument("--stability-seeds", type=int, default=1)
    ap.add_argument("--pipeline-restarts", type=int, default=2)
    ap.add_argument("--keep", default=None, help="directory to keep the lake and MLflow store in")
    ap.add_argument("--lake", default=None, help="read gold.family_features from this lake instead of synthesising it")
    ap.add_argument("--transform", default="rank", choices=["rank", "asinh-minmax"])
    args = ap.parse_args()

    from tests.conftest import make_cfg

    from lea_spark.lake import write_table
    from lea_spark.ml import clustering, features
    from lea_spark.ml.synthetic import synthetic_answer_key, synthetic_features, to_spark
    from lea_spark.progress import setup_logging
    from lea_spark.session import get_spark

    setup_logging("INFO")
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-train-"))
    base.mkdir(parents=True, exist_ok=True)
    cfg = make_cfg(base, **{"spark.driver_memory": "4g", "spark.settings": {
        "spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false",
        "spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1",
        "spark.sql.execution.arrow.pyspark.enabled": "true", "spark.sql.session.timeZone": "UTC"}})
    results: dict = {"families": args.families, "features": args.features, "k": args.k,
                     "load_average_start": os.getloadavg()[0]}
    spark = get_spark(cfg)
    from lea_spark.lake import read_table

    if args.lake:
        if args.pipeline:
            raise SystemExit("--pipeline needs the synthetic matrix (its answer key); leave out --lake")
        df = read_table(spark, cfg.with_overrides({"paths.lake": args.lake}), "gold.family_features")
    else:
        pdf, labels = synthetic_features(args.families, args.features, n_groups=10, types_per_group=10, seed=args.seed)
        write_table(cfg, to_spark(spark, pdf), "gold.family_features", partition_by=["reference_period"])
        df = read_table(spark, cfg, "gold.family_features")
    df = df.cache()
    cols = features.feature_columns(df.schema)
    results.update(families=df.count(), features=len(cols), transform=args.transform, lake=args.lake)
    t = time.perf_counter()
    stats = features.column_stats(df, cols)
    prep = clustering.fit_preprocessing(df, cols, {c: v["median"] for c, v in stats["columns"].items()},
                                        transform=args.transform)
    results["transform_fit_s"] = round(time.perf_counter() - t, 1)
    scaled = prep.transform(df).select("features").cache()

    fits = []
    for r in range(args.restarts):
        t = time.perf_counter()
        model, cost = clustering.fit_kmeans(scaled, args.k, args.seed + r, 1, args.max_iter, 5)
        fits.append((time.perf_counter() - t, cost[0]))
    results["spark_fit_s"] = [round(s, 1) for s, _ in fits]
    results["spark_costs"] = [round(c, 3) for _, c in fits]
    results["spark_best_cost"] = round(min(c for _, c in fits), 3)

    matrix = np.array([r["features"].toArray() for r in scaled.select("features").collect()])
    from sklearn.cluster import KMeans

    t = time.perf_counter()
    sk = KMeans(n_clusters=args.k, n_init=args.sk_restarts, random_state=args.seed, algorithm="lloyd").fit(matrix)
    results["sklearn_fit_s"] = round(time.perf_counter() - t, 1)
    results["sklearn_cost"] = round(float(sk.inertia_), 3)
    spark_per_fit = float(np.mean(results["spark_fit_s"]))
    results["spark_per_fit_over_sklearn_per_restart"] = round(spark_per_fit / (results["sklearn_fit_s"] / args.sk_restarts), 1)
    results["cost_ratio_spark_best_to_sklearn"] = round(results["spark_best_cost"] / results["sklearn_cost"], 4)

    print(json.dumps(results), flush=True)
    if args.pipeline:
        results.update(run_pipeline(cfg, labels, args))
    results["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))


def run_pipeline(cfg, labels, args) -> dict:
    import mlflow

    from lea_spark.cli import build_parser
    from lea_spark.jobs import evaluate, train
    from lea_spark.lake import write_table
    from lea_spark.ml.synthetic import synthetic_answer_key
    from lea_spark.session import get_spark
    from lea_spark.tracking import setup_mlflow

    spark = get_spark(cfg)
    os.environ.setdefault("LEA_PSEUDONYM_KEY", "bench-key")
    base = cfg.path("lake").parent
    answer_key, members = synthetic_answer_key(labels, os.environ["LEA_PSEUDONYM_KEY"], seed=3)
    (base / "raw_truth" / "answer_key").mkdir(parents=True, exist_ok=True)
    answer_key.to_parquet(base / "raw_truth" / "answer_key" / "part-00000.parquet")
    write_table(cfg, spark.createDataFrame(members), "silver.family_members")
    names = base / "group_names.yaml"
    names.write_text((ROOT / "conf" / "group_names.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    pcfg = cfg.with_overrides({"train.k_types": args.k, "train.k_groups": 10, "train.restarts": args.pipeline_restarts,
                               "train.max_iter": args.max_iter, "train.stability_seeds": args.stability_seeds,
                               "train.silhouette_sample": 20000, "train.group_names": str(names)})
    parser = build_parser(["train", "evaluate"])
    t = time.perf_counter()
    train.run(pcfg, parser.parse_args(["train"]))
    out = {"pipeline_train_s": round(time.perf_counter() - t, 1)}
    t = time.perf_counter()
    evaluate.run(pcfg, parser.parse_args(["evaluate"]))
    out["pipeline_evaluate_s"] = round(time.perf_counter() - t, 1)
    runs = mlflow.search_runs(experiment_ids=[setup_mlflow(pcfg)])
    ev = runs[runs["tags.lea.job"] == "evaluate"].iloc[0]
    for key in ("ari_groups", "ari_groups_holdout", "ceiling_ari_holdout", "ari_ratio_to_ceiling",
                "share_error_max_pp", "share_error_mean_pp"):
        out[f"eval_{key}"] = round(float(ev[f"metrics.{key}"]), 4)
    tr = runs[runs["tags.lea.job"] == "train"]
    out["train_runs"] = [
        {"run": r["tags.mlflow.runName"], "fit_s": round(float(r["metrics.fit_seconds"]), 1),
         "ari_groups": round(float(r["metrics.ari_groups"]), 4),
         "silhouette_groups": round(float(r["metrics.silhouette_groups"]), 4)}
        for _, r in tr.iterrows()
    ]
    return out


if __name__ == "__main__":
    main()
