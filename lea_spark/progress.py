"""One readable log line per step: job, step, rows in/out, elapsed seconds.

    with step("ingest", "read earnings") as s:
        ...
        s.rows_in, s.rows_out = 1_234, 1_230

prints ``[ingest] read earnings: rows in 1,234 -> out 1,230 (3.2 s)``. Counts come from
numbers the job already has (write results, Delta statistics); a step never triggers an
extra Spark action just to log.
"""
from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
log = logging.getLogger("lea")


def setup_logging(level: str = "INFO") -> None:
    """Configure the project's logger once; Spark's JVM noise is set by the session."""
    root = logging.getLogger()
    if not any(getattr(h, "_lea", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
        handler._lea = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("py4j", "py4j.clientserver", "py4j.java_gateway", "urllib3", "alembic",
                  "mlflow.store.db.utils", "mlflow.spark", "git", "matplotlib", "matplotlib.category", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING if noisy.startswith(("mlflow", "matplotlib")) else logging.ERROR)


@dataclass
class Step:
    job: str
    name: str
    rows_in: int | None = None
    rows_out: int | None = None
    note: str = ""


def _fmt(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


@contextmanager
def step(job: str, name: str) -> Iterator[Step]:
    s = Step(job, name)
    start = time.perf_counter()
    try:
        yield s
    except Exception:
        log.error("[%s] %s: FAILED after %.1f s", job, name, time.perf_counter() - start)
        raise
    elapsed = time.perf_counter() - start
    rows = ""
    if s.rows_in is not None or s.rows_out is not None:
        rows = f": rows in {_fmt(s.rows_in)} -> out {_fmt(s.rows_out)}"
    note = f" [{s.note}]" if s.note else ""
    log.info("[%s] %s%s (%.1f s)%s", job, name, rows, elapsed, note)
