"""Helpers shared by job entry points (argument parsing for spark-submit, session, staging)."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from lea_spark.config import load_config
from lea_spark.progress import setup_logging


def submit_main(name: str, argv: list[str] | None = None) -> int:
    """``spark-submit jobs/<name>.py --conf-dir conf --env cluster [job flags]``."""
    from lea_spark.cli import main

    return main([name] + list(sys.argv[1:] if argv is None else argv))


def staging_dir(cfg, name: str) -> Path:
    """A job's scratch folder for intermediate results, ``<lake>/_staging/<name>/`` (on the
    lake's file system, which a cluster's executors share); :func:`remove_staging` removes it."""
    return cfg.path("lake") / "_staging" / name


def remove_staging(path: Path) -> None:
    """Remove a job's staging folder, and ``_staging`` itself when no other job uses it."""
    shutil.rmtree(path, ignore_errors=True)
    try:
        if path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()
    except OSError:  # another job's staging appeared meanwhile
        pass


__all__ = ["submit_main", "load_config", "setup_logging", "argparse", "staging_dir", "remove_staging"]
