"""MLflow logging of models and aggregate artifacts, registration, loading by alias.

Artifacts written here are aggregates only: centroids and profiles of segments with at
least ``publish.threshold`` families, portraits, plots. Callers pass rows they have
already filtered; :func:`log_rows` refuses rows that carry a person or family identifier.
"""
from __future__ import annotations

import csv
import io
import logging
import tempfile
from pathlib import Path

from lea_spark.config import Config

log = logging.getLogger(__name__)

MODEL_ARTIFACT = "model"
_FORBIDDEN_COLUMNS = ("family_id", "person_id", "person_code", "family_key")


def pip_requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    reqs = []
    for pkg in ("pyspark", "mlflow", "numpy", "pandas", "pyarrow"):
        try:
            reqs.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            continue
    return reqs


def log_spark_model(pipeline) -> None:
    import mlflow.spark

    mlflow.spark.log_model(pipeline, artifact_path=MODEL_ARTIFACT, pip_requirements=pip_requirements())


def log_rows(rows: list[dict], artifact_file: str, columns: list[str] | None = None) -> None:
    """Log ``rows`` (aggregates) as a CSV artifact."""
    import mlflow

    columns = columns or (list(rows[0]) if rows else [])
    bad = [c for c in columns if c in _FORBIDDEN_COLUMNS]
    if bad:
        raise ValueError(f"artifact {artifact_file} would hold identifier columns {bad}")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    mlflow.log_text(buf.getvalue(), artifact_file)


def log_bar_plot(labels: list[str], values: list[float], title: str, artifact_file: str) -> bool:
    """A PNG bar chart (matplotlib, when installed); returns whether it was logged."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.info("matplotlib is not installed: plot %s not drawn (the CSV artifacts hold the data)", artifact_file)
        return False
    import mlflow

    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(labels)), 4))
    ax.bar(labels, values, color="#3a6ea5")
    ax.set_title(title)
    ax.set_ylabel("% of families")
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    fig.tight_layout()
    mlflow.log_figure(fig, artifact_file)
    plt.close(fig)
    return True


def log_heatmap(row_labels: list[str], col_labels: list[str], matrix, title: str, artifact_file: str) -> bool:
    """A PNG heat map of profile effects (groups x indicators)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    import mlflow
    import numpy as np

    fig, ax = plt.subplots(figsize=(max(6, 0.3 * len(col_labels)), max(3, 0.4 * len(row_labels))))
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#bbbbbb")  # suppressed values (NaN) in grey
    im = ax.imshow(np.ma.masked_invalid(np.asarray(matrix, dtype=float)), cmap=cmap, vmin=-2, vmax=2, aspect="auto")
    ax.set_xticks(range(len(col_labels)), col_labels, rotation=90, fontsize=6)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=7)
    ax.set_title(title + " (grey: suppressed)")
    fig.colorbar(im, ax=ax, label="effect (sd from national mean)")
    fig.tight_layout()
    mlflow.log_figure(fig, artifact_file)
    plt.close(fig)
    return True


def register(run_id: str, name: str, alias: str, tags: dict | None = None) -> int:
    """Register the run's model under ``name`` and point ``alias`` at the new version."""
    import mlflow
    from mlflow import MlflowClient

    mv = mlflow.register_model(f"runs:/{run_id}/{MODEL_ARTIFACT}", name)
    client = MlflowClient()
    client.set_registered_model_alias(name, alias, mv.version)
    for k, v in (tags or {}).items():
        client.set_model_version_tag(name, mv.version, k, str(v))
    return int(mv.version)


def aliased_version(name: str, alias: str):
    """The ModelVersion the alias points to, with a clear error when there is none."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return MlflowClient().get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        raise LookupError(
            f"no registered model '{name}' with alias '{alias}' in the MLflow registry; run 'lea train' first"
        ) from exc


def load_aliased(name: str, alias: str):
    """``(pipeline_model, version)`` of the registered model the alias points to."""
    import mlflow.spark

    mv = aliased_version(name, alias)
    with tempfile.TemporaryDirectory(prefix="lea-model-") as tmp:
        model = mlflow.spark.load_model(f"models:/{name}@{alias}", dfs_tmpdir=tmp)
    return model, int(mv.version), mv.run_id


def artifact_root(cfg: Config) -> Path:
    return cfg.path("mlruns_artifacts")


def run_table(experiment_id: str, max_runs: int = 50):
    """Runs of the experiment as a pandas DataFrame (newest first)."""
    import mlflow

    return mlflow.search_runs(experiment_ids=[experiment_id], max_results=max_runs,
                              order_by=["attributes.start_time DESC"])

