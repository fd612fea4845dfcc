"""MLflow set-up: tracking URI from ``MLFLOW_TRACKING_URI`` or ``mlflow.tracking_uri``.

The embedded default is a SQLite store (``./mlflow.db``) with artifacts under
``./mlartifacts``; on a cluster, a tracking server URI. Relative SQLite paths resolve
against the project root.
"""
from __future__ import annotations

import os

from lea_spark.config import Config


def tracking_uri(cfg: Config) -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI") or cfg["mlflow.tracking_uri"]
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        uri = prefix + str((cfg.project_root / uri[len(prefix):]).resolve())
    return uri


def setup_mlflow(cfg: Config, experiment: str | None = None):
    """Point MLflow at the configured store and return the experiment id."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    uri = tracking_uri(cfg)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    name = experiment or cfg["mlflow.experiment"]
    exp = mlflow.get_experiment_by_name(name)
    if exp is None:
        artifact_location = None
        if not uri.startswith(("http://", "https://", "databricks")):
            artifact_location = cfg.path("mlruns_artifacts").joinpath(name).as_uri()
        exp_id = mlflow.create_experiment(name, artifact_location=artifact_location)
    else:
        exp_id = exp.experiment_id
    mlflow.set_experiment(experiment_id=exp_id)
    return exp_id
