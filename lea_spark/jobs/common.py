"""Helpers shared by job entry points (argument parsing for spark-submit, session)."""
from __future__ import annotations

import argparse
import sys

from lea_spark.config import load_config
from lea_spark.progress import setup_logging


def submit_main(name: str, argv: list[str] | None = None) -> int:
    """``spark-submit jobs/<name>.py --conf-dir conf --env cluster [job flags]``."""
    from lea_spark.cli import main

    return main([name] + list(sys.argv[1:] if argv is None else argv))


__all__ = ["submit_main", "load_config", "setup_logging", "argparse"]
