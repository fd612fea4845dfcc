"""Benchmark the whole pipeline (`lea run`) at one scale: wall time per job and peak memory.

    LEA_PSEUDONYM_KEY=... .venv/bin/python benchmarks/bench_pipeline.py --scale 0.1 \
        --base /tmp/lea-0.1 [--env local] [--skip report] [--master 'local[1]'] \
        [--out benchmarks/results/run-0.1.json]

Copies ``conf/`` into BASE, points every path of the copy at BASE (raw, lake, MLflow, reports),
runs ``lea run`` there as a child process and samples, twice a second, the resident memory of
the child and all its descendants (Spark JVM, Python workers). Prints the time of each job (from
the job's own ``== <job>: done in`` line), the peak of the summed resident memory, and the
rows of the largest tables; writes the same as JSON. Results go to docs/benchmarks.md by hand.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from peak_memory import _children, _status_kb  # noqa: E402

DONE = re.compile(r"== (\w+): done in ([\d.]+) s")


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024.0


def prepare(base: Path, env: str, scale: float, master: str | None = None) -> Path:
    conf = base / "conf"
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(ROOT / "conf", conf)
    overlay_path = conf / "env" / f"{env}.yaml"
    overlay = yaml.safe_load(overlay_path.read_text()) or {}
    overlay.setdefault("generate", {})["scale"] = scale
    overlay.setdefault("paths", {}).update({
        "raw": str(base / "raw"), "answer_key": str(base / "raw_truth"), "lake": str(base / "lakehouse"),
        "reports": str(base / "reports"), "mlruns_artifacts": str(base / "mlartifacts"),
        "geo": str(ROOT.parent / "shared" / "reference" / "geo"),
        "group_reference": str(ROOT.parent / "shared" / "reference" / "lea_groups_2021.csv"),
    })
    overlay["mlflow"] = {**overlay.get("mlflow", {}), "tracking_uri": f"sqlite:///{base / 'mlflow.db'}"}
    if master:
        overlay.setdefault("spark", {})["master"] = master
    overlay_path.write_text(yaml.safe_dump(overlay))
    return conf


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--base", required=True, help="working directory for raw data, lake, MLflow and reports")
    ap.add_argument("--env", default="local")
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--out", default=None)
    ap.add_argument("--master", default=None, help="Spark master instead of the environment's, e.g. local[1]")
    args = ap.parse_args()
    if not os.environ.get("LEA_PSEUDONYM_KEY"):
        print("set LEA_PSEUDONYM_KEY (any value for synthetic data)", file=sys.stderr)
        return 2
    base = Path(args.base).resolve()
    base.mkdir(parents=True, exist_ok=True)
    conf = prepare(base, args.env, args.scale, args.master)
    cmd = [str(ROOT / ".venv" / "bin" / "lea"), "run", "--conf-dir", str(conf), "--env", args.env]
    if args.skip:
        cmd += ["--skip", *args.skip]
    log_path = base / "run.log"
    start = time.time()
    peak, peak_at, peak_procs = 0.0, 0.0, 0
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            pids = _tree(proc.pid)
            total = sum(_rss_mb(p) for p in pids)
            if total > peak:
                peak, peak_at, peak_procs = total, time.time() - start, len(pids)
            time.sleep(0.5)
    wall = time.time() - start
    text = log_path.read_text(errors="replace")
    jobs = {m.group(1): float(m.group(2)) for m in DONE.finditer(text)}
    result = {"scale": args.scale, "env": args.env, "returncode": proc.returncode, "wall_seconds": round(wall, 1),
              "jobs_seconds": jobs, "peak_rss_mb": round(peak), "peak_at_seconds": round(peak_at),
              "peak_processes": peak_procs, "log": str(log_path)}
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2))
    if proc.returncode != 0:
        print(text[-3000:], file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
