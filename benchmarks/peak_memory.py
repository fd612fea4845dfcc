"""Peak resident memory of this process and all its descendants (Spark JVM, Python workers).

Reads ``VmHWM`` (the high-water mark of resident memory) from ``/proc``; call it before the
Spark session stops, while the JVM is still alive.
"""
from __future__ import annotations

import os
from pathlib import Path


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmHWM``, ``VmRSS``); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _hwm_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


def peak_rss_mb(root: int | None = None) -> dict[str, float]:
    """``{"total": MB, "largest": MB}`` over the process tree rooted at ``root`` (default: self)."""
    root = root or os.getpid()
    todo, seen, peaks = [root], set(), []
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        peaks.append(_hwm_kb(pid))
        todo += _children(pid)
    return {"total": sum(peaks) / 1024, "largest": max(peaks) / 1024, "processes": len(peaks)}
