"""Generate synthetic national register extracts (raw/) and the answer key, by seed and scale.

``lea generate --scale S --seed N [--out DIR] [--dirty-rate R] [--only REGISTER ...]``
writes the ten registers of LEA as their agencies deliver them (one sub-directory per agency,
each file layout described by ``conf/registers/<register>.yaml``), the manifests
``raw/_manifest/files.parquet`` and ``dirty.parquet``, and the planted truth under
``paths.answer_key``/answer_key. ``--realism-report`` also writes docs/realism.md.
"""
from __future__ import annotations

from pathlib import Path

from lea_spark.progress import step


def add_arguments(parser) -> None:
    parser.add_argument("--scale", type=float, default=None, help="1.0 = all of Finland (default generate.scale)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default generate.seed)")
    parser.add_argument("--out", default=None, help="raw output directory (default paths.raw)")
    parser.add_argument("--dirty-rate", type=float, default=None, help="share of rows given one injected fault")
    parser.add_argument("--partitions", type=int, default=None, help="Spark partitions (default generate.partitions)")
    parser.add_argument("--only", nargs="*", default=None, metavar="REGISTER",
                        help="write only these registers (contract names), e.g. dvv_persons")
    parser.add_argument("--realism-report", default=None, nargs="?", const="docs/realism.md", metavar="PATH",
                        help="also compare national marginals with published figures and write PATH")


def run(cfg, args) -> dict:
    from lea_spark.generate.generator import generate
    from lea_spark.generate.params import GenParams
    from lea_spark.session import get_spark

    overrides = {"generate.scale": getattr(args, "scale", None), "generate.seed": getattr(args, "seed", None),
                 "generate.dirty_rate": getattr(args, "dirty_rate", None),
                 "generate.partitions": getattr(args, "partitions", None)}
    if getattr(args, "out", None):
        overrides["paths.raw"] = str(Path(args.out).resolve())
    cfg = cfg.with_overrides(overrides)
    p = GenParams.from_config(cfg)
    spark = get_spark(cfg)
    raw_dir, answer_dir = cfg.path("raw"), cfg.path("answer_key")
    geo = cfg.path("geo")
    mix = Path(cfg["generate.group_mix"])
    mix = mix if mix.is_absolute() else cfg.project_root / mix
    report = getattr(args, "realism_report", None)
    report_path = None
    if report:
        report_path = Path(report) if Path(report).is_absolute() else cfg.project_root / report
    summary = generate(spark, geo, mix, raw_dir, answer_dir, p, only=getattr(args, "only", None),
                       step=lambda name: step("generate", name), report=report_path)
    out = {"raw": str(raw_dir), "answer_key": str(answer_dir / "answer_key"), "persons": summary["persons"],
           "files": summary["files"], "rows": summary["rows"], "faults": summary["faults"]}
    if report_path is not None:
        out["realism_report"] = str(report_path)
    return out
