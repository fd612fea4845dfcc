"""The ``lea`` command: one sub-command per job, plus ``lea run`` for all of them in order.

Each job lives in ``lea_spark.jobs.<name>`` and provides ``add_arguments(parser)`` and
``run(cfg, args) -> dict`` (a summary printed at the end). ``jobs/<name>.py`` are the
same entry points for ``spark-submit``.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time

from lea_spark.config import ConfigError, load_config
from lea_spark.jobs import PIPELINE
from lea_spark.progress import setup_logging

log = logging.getLogger("lea")

EXTRA_COMMANDS = {"models": "lea_spark.jobs.models"}


def _job_module(name: str):
    return importlib.import_module(EXTRA_COMMANDS.get(name, f"lea_spark.jobs.{name}"))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--conf-dir", default=None, help="configuration directory (default ./conf or $LEA_CONF_DIR)")
    p.add_argument("--env", default=None, help="configuration overlay conf/env/<ENV>.yaml (default $LEA_ENV)")
    p.add_argument("--log-level", default="INFO")


def build_parser(available: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lea", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in available:
        mod = _job_module(name)
        p = sub.add_parser(name, help=(mod.__doc__ or name).strip().splitlines()[0])
        _common(p)
        mod.add_arguments(p)
    p = sub.add_parser("run", help="run the whole pipeline in order on the configured environment")
    _common(p)
    p.add_argument("--scale", type=float, default=None, help="generator scale (1.0 = all of Finland)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--skip", nargs="*", default=[], help="jobs to leave out")
    return parser


def available_jobs() -> list[str]:
    names = []
    for name in PIPELINE + list(EXTRA_COMMANDS):
        try:
            _job_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("lea_spark.jobs"):
                continue
            raise
        names.append(name)
    return names


def run_job(name: str, cfg, args) -> dict:
    mod = _job_module(name)
    start = time.perf_counter()
    log.info("== %s: start", name)
    summary = mod.run(cfg, args) or {}
    log.info("== %s: done in %.1f s", name, time.perf_counter() - start)
    return summary


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Import only the job asked for: a job's dependencies (MLflow, SciPy ...) are not
    # loaded by the others, and a broken module cannot take every command down with it.
    first = argv[0] if argv else None
    known = PIPELINE + list(EXTRA_COMMANDS)
    available = [first] if first in known else available_jobs()
    parser = build_parser(available)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    try:
        cfg = load_config(args.conf_dir, args.env)
        if args.command == "run":
            overrides = {"generate.scale": args.scale, "generate.seed": args.seed}
            cfg = cfg.with_overrides(overrides)
            outputs: dict = {}
            for name in [j for j in PIPELINE if j in available and j not in args.skip]:
                sub = build_parser(available)
                job_args = sub.parse_args([name] + _forward(args))
                outputs[name] = run_job(name, cfg, job_args)
            _print_outputs(cfg, outputs)
            _print_locations(cfg, outputs)
        else:
            summary = run_job(args.command, cfg, args)
            _print_outputs(cfg, {args.command: summary})
    except ConfigError as exc:
        log.error("configuration error: %s", exc)
        return 2
    except Exception as exc:  # one clear line for users; the traceback at debug level
        import traceback

        from lea_spark.identity import redact
        from lea_spark.lake import LakeError

        log.debug("failure:\n%s", redact("".join(traceback.format_exception(exc))))
        kind = "lake error" if isinstance(exc, LakeError) else type(exc).__name__
        log.error("%s: %s", kind, redact(str(exc)))
        return 1
    return 0


def _forward(args) -> list[str]:
    out = []
    if args.conf_dir:
        out += ["--conf-dir", args.conf_dir]
    if args.env:
        out += ["--env", args.env]
    out += ["--log-level", args.log_level]
    return out


def _print_outputs(cfg, outputs: dict) -> None:
    lines = []
    for job, summary in outputs.items():
        for key, value in (summary or {}).items():
            lines.append(f"  {job:<11} {key}: {value}")
    if lines:
        print("Outputs:")
        print("\n".join(lines))


def _print_locations(cfg, outputs: dict) -> None:
    """Where a whole run left its outputs (the end of ``lea run``)."""
    from lea_spark.tracking import tracking_uri

    lines = [f"  Delta tables   {cfg.path('lake')}  (<layer>/<table>: bronze, silver, gold, publish)"]
    if any(j in outputs for j in ("train", "evaluate")):
        uri = tracking_uri(cfg)
        lines.append(f"  MLflow         {uri}  (artifacts {cfg.path('mlruns_artifacts')}; "
                     f"browse: mlflow ui --backend-store-uri {uri})")
    if "report" in outputs:
        lines.append(f"  report         {cfg.path('reports') / 'index.html'}")
    if "generate" in outputs:
        lines.append(f"  raw extracts   {cfg.path('raw')}")
    print("Where the outputs are:")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
