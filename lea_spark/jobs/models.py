"""Model registry tools: `lea models compare` prints the runs of the experiment side by side.

One line per MLflow run of the experiment (newest first): algorithm, k, seed, the quality
metrics (within-cluster SS of types and groups, silhouettes, stability across seeds,
log-likelihood/BIC of the mixture), recovery of the planted groups when measured, and
which run is the registered version carrying the alias.
"""
from __future__ import annotations

import math

JOB = "models"
COLUMNS = [
    ("run", "tags.mlflow.runName"), ("algorithm", "params.algorithm"), ("k", "params.k"),
    ("seed", "params.seed"), ("features", "params.feature_set_hash"),
    ("within_ss", "metrics.within_ss"), ("group_ss", "metrics.group_within_ss"),
    ("silhouette", "metrics.silhouette"), ("silh_groups", "metrics.silhouette_groups"),
    ("stability", "metrics.stability_ari_types"), ("bic", "metrics.bic"),
    ("ari_groups", "metrics.ari_groups"), ("eval_ari", "metrics.eval_ari_groups"),
    ("share_err_pp", "metrics.share_error_max_pp"),
]


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["compare"], help="compare: the runs of the experiment side by side")
    parser.add_argument("--max-runs", type=int, default=30, help="newest runs to show (default 30)")
    parser.add_argument("--all-jobs", action="store_true", help="also show evaluate runs")


def compare_table(experiment_id: str, name: str, alias: str, max_runs: int = 30, all_jobs: bool = False) -> list[dict]:
    """Rows of the comparison (one per run, newest first), values rounded for reading."""
    from mlflow import MlflowClient

    from lea_spark.ml.registry import run_table

    runs = run_table(experiment_id, max_runs)
    aliased_run = None
    try:
        aliased_run = MlflowClient().get_model_version_by_alias(name, alias).run_id
    except Exception:  # no registered model yet: nothing is marked
        aliased_run = None
    rows = []
    for _, r in runs.iterrows():
        if not all_jobs and r.get("tags.lea.job") not in ("train", None):
            continue
        row = {}
        for label, col in COLUMNS:
            value = r.get(col)
            if isinstance(value, float):
                value = None if math.isnan(value) else round(value, 4 if abs(value) < 100 else 1)
            row[label] = value
        row["registered"] = f"@{alias}" if r["run_id"] == aliased_run else ""
        rows.append(row)
    return rows


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "(no runs in the experiment yet)"
    headers = list(rows[0])
    text = [[("" if r[h] is None else str(r[h])) for h in headers] for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in text)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(t, widths)) for t in text]
    return "\n".join(lines)


def run(cfg, args) -> dict:
    from lea_spark.tracking import setup_mlflow

    experiment_id = setup_mlflow(cfg)
    rows = compare_table(experiment_id, cfg["mlflow.registered_model"], cfg["mlflow.alias"],
                         args.max_runs, args.all_jobs)
    print(format_table(rows))
    return {"runs": len(rows), "experiment": cfg["mlflow.experiment"]}
