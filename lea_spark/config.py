"""Configuration: YAML under ``conf/`` (base + environment overlay), validated on load.

``load_config(conf_dir, env)`` reads ``<conf_dir>/base.yaml`` and, when ``env`` is given,
merges ``<conf_dir>/env/<env>.yaml`` over it. Every key is checked against ``SPEC``: an
unknown key, a wrong type or a missing required key raises :class:`ConfigError` with one
message naming the file and the dotted key. Secrets never live here: they are read from
the environment by name (see :func:`secret`).

Relative paths in the ``paths`` section resolve against the project root, the parent of
the configuration directory, so that jobs behave the same whatever the working directory.
"""
from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration file or key is missing, unknown or of the wrong type."""


ANY_MAPPING = "mapping"  # a free-form mapping of scalar values (e.g. extra Spark settings)

# The schema of the configuration. A leaf is a type or tuple of types; a nested dict is a
# section. ``ANY_MAPPING`` accepts any mapping of str -> scalar.
SPEC: dict[str, Any] = {
    "project": {
        "name": str,
        "reference_date": str,
        "lookback_years": int,
    },
    "paths": {
        "raw": str,
        "answer_key": str,
        "lake": str,
        "reports": str,
        "geo": str,
        "group_reference": str,
        "mlruns_artifacts": str,
    },
    "spark": {
        "master": str,
        "app_name": str,
        "log_level": str,
        "driver_memory": str,
        "java_options": list,
        "settings": ANY_MAPPING,
    },
    "lake": {
        "engine": str,
        "target_file_rows": int,
    },
    "mlflow": {
        "tracking_uri": str,
        "experiment": str,
        "registered_model": str,
        "alias": str,
    },
    "generate": {
        "scale": (int, float),
        "seed": int,
        "partitions": int,
        "dirty_rate": (int, float),
        "history_years": int,
        "group_mix": str,
    },
    "ingest": {
        "contracts": str,
        "pseudonym_key_env": str,
    },
    "households": {
        "grandparent_near_km": (int, float),
        "distance_parent_far_km": (int, float),
        "max_coresident_edges_dwelling": int,
    },
    "indicators": {
        "recent_months": int,
        "low_income_share_of_median": (int, float),
        "study_income_types": list,
        "pension_income_types": list,
    },
    "train": {
        "k_types": int,
        "k_groups": int,
        "restarts": int,
        "max_iter": int,
        "init_steps": int,
        "seed": int,
        "silhouette_sample": int,
        "gmm_k": int,
        "bisecting_k": int,
        "alternatives": bool,
        "stability_seeds": int,
        "group_names": str,
        "selection_metric": str,
        "gmm_dims": int,
        "profile_effect": (int, float),
        "profile_top": int,
        "ceiling_trees": int,
        "transform": str,
        "rank_points": int,
        "group_linkage": str,
    },
    "publish": {
        "threshold": int,
        "protection_interval": (int, float),
        "share_decimals": int,
        "reference_period": str,
        "secondary_suppression": bool,
        "audit_exact_max_cells": int,
        "postal_min_families": int,
        "type_min_families": int,
        "rate_indicators": list,
    },
    "report": {
        "languages": list,
    },
}

ENGINES = ("auto", "delta-rs", "delta-spark")


@dataclass
class Config:
    """A validated configuration plus where it came from."""

    data: dict[str, Any]
    conf_dir: Path
    env: str | None
    files: list[Path] = field(default_factory=list)

    @property
    def project_root(self) -> Path:
        return self.conf_dir.parent

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def __getitem__(self, dotted: str) -> Any:
        value = self.get(dotted, _MISSING)
        if value is _MISSING:
            raise ConfigError(f"configuration key '{dotted}' is not set (files: {self._names()})")
        return value

    def path(self, key: str) -> Path:
        """The absolute path of ``paths.<key>``, relative paths taken from the project root."""
        raw = os.path.expandvars(str(self[f"paths.{key}"]))
        p = Path(raw).expanduser()
        return p if p.is_absolute() else (self.project_root / p).resolve()

    def with_overrides(self, overrides: dict[str, Any]) -> "Config":
        """A copy with dotted keys replaced (e.g. from command-line flags), re-validated."""
        data = copy.deepcopy(self.data)
        for dotted, value in overrides.items():
            if value is None:
                continue
            node = data
            parts = dotted.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        _validate(data, SPEC, "", "command-line override")
        _check_values(data, "command-line override")
        return Config(data, self.conf_dir, self.env, list(self.files))

    def _names(self) -> str:
        return ", ".join(str(f) for f in self.files)


_MISSING = object()


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _type_name(expected: Any) -> str:
    if expected == ANY_MAPPING:
        return "mapping"
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


def _validate(data: dict[str, Any], spec: dict[str, Any], prefix: str, source: str) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in spec:
            known = ", ".join(sorted(spec))
            raise ConfigError(f"{source}: unknown key '{dotted}' (known here: {known})")
        expected = spec[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: key '{dotted}' must be a section (mapping), got {type(value).__name__}")
            _validate(value, expected, dotted + ".", source)
        elif expected == ANY_MAPPING:
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: key '{dotted}' must be a mapping, got {type(value).__name__}")
        else:
            # bool is an int subclass in Python; never accept it for a number.
            if isinstance(value, bool) and expected is not bool:
                ok = False
            else:
                ok = isinstance(value, expected)
            if not ok:
                raise ConfigError(
                    f"{source}: key '{dotted}' must be {_type_name(expected)}, "
                    f"got {type(value).__name__} ({value!r})"
                )


def date_problem(value: Any) -> str | None:
    """Why ``value`` is not a calendar date written YYYY-MM-DD, or None."""
    import datetime as dt

    text = str(value)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return f"must be a date written YYYY-MM-DD, got {text!r}"
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return f"is not a calendar date: {text!r}"
    return None


def iso_date(value: str) -> str:
    """An argparse ``type``: ``value`` when it is a date written YYYY-MM-DD."""
    import argparse

    problem = date_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def _check_values(data: dict[str, Any], source: str) -> None:
    engine = data.get("lake", {}).get("engine")
    if engine is not None and engine not in ENGINES:
        raise ConfigError(f"{source}: key 'lake.engine' must be one of {', '.join(ENGINES)}, got {engine!r}")
    scale = data.get("generate", {}).get("scale")
    if scale is not None and not (0 < scale <= 2):
        raise ConfigError(f"{source}: key 'generate.scale' must be in (0, 2], got {scale!r}")
    ref = data.get("project", {}).get("reference_date")
    if ref is not None:
        problem = date_problem(ref)
        if problem:
            raise ConfigError(f"{source}: key 'project.reference_date' {problem}")
    rate = data.get("generate", {}).get("dirty_rate")
    if rate is not None and not (0 <= rate < 0.5):
        raise ConfigError(f"{source}: key 'generate.dirty_rate' must be in [0, 0.5), got {rate!r}")


REQUIRED = ["paths.raw", "paths.lake", "spark.master", "lake.engine", "mlflow.tracking_uri"]


def default_conf_dir() -> Path:
    env = os.environ.get("LEA_CONF_DIR")
    if env:
        return Path(env).resolve()
    return (Path.cwd() / "conf").resolve()


def load_config(conf_dir: str | Path | None = None, env: str | None = None) -> Config:
    """Load ``base.yaml`` and the overlay of ``env`` (default: ``$LEA_ENV``), validated."""
    conf_path = Path(conf_dir).resolve() if conf_dir else default_conf_dir()
    if not conf_path.is_dir():
        raise ConfigError(f"configuration directory not found: {conf_path}")
    env = env if env is not None else os.environ.get("LEA_ENV") or None
    files = [conf_path / "base.yaml"]
    if env:
        files.append(conf_path / "env" / f"{env}.yaml")
    data: dict[str, Any] = {}
    for f in files:
        layer = _read_yaml(f)
        _validate(layer, SPEC, "", str(f))
        _check_values(layer, str(f))
        data = _merge(data, layer)
    cfg = Config(data, conf_path, env, files)
    for key in REQUIRED:
        if cfg.get(key) is None:
            raise ConfigError(f"required key '{key}' is missing (files: {cfg._names()})")
    return cfg


def secret(name: str, *, required: bool = True) -> str | None:
    """A secret read from the environment by name; never from YAML, never logged."""
    value = os.environ.get(name)
    if required and not value:
        raise ConfigError(
            f"the secret environment variable {name} is not set; export it before running "
            f"(it is read only from the environment, never from configuration files)"
        )
    return value
