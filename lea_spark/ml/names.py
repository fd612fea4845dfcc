"""Human names of the service-need groups (``conf/group_names.yaml``, see its header).

``resolve_names`` returns, for every model group_id, its fi/sv/en names and where the
assignment came from (``name_source``): ``answer_key`` or ``expert`` when the file's
assignment belongs to this model version, otherwise ``share_rank`` - the documented
default rule matching national group shares to the LEA cities' mean shares.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from lea_spark.config import Config, ConfigError

LANGUAGES = ("fi", "sv", "en")
_GENERIC = {"fi": "Ryhmä {n}", "sv": "Grupp {n}", "en": "Group {n}"}
_HEADER_END = "names:"


@dataclass(frozen=True)
class GroupName:
    group_id: int
    lea_group: int | None
    fi: str
    sv: str
    en: str
    source: str


def names_path(cfg: Config) -> Path:
    p = Path(cfg["train.group_names"])
    return p if p.is_absolute() else (cfg.project_root / p).resolve()


def load_names_file(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"group names file not found: {path} (train.group_names)")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = data.get("names") or {}
    for key, entry in names.items():
        if not isinstance(key, int) or not isinstance(entry, dict) or any(lang not in entry for lang in LANGUAGES):
            raise ConfigError(f"{path}: names.{key} must be an LEA group number with fi, sv and en names")
    data.setdefault("assignment", {})
    data["assignment"] = data["assignment"] or {}
    return data


def lea_mean_shares(reference_csv: Path) -> dict[int, float]:
    """LEA group number -> mean published share (%) over the six cities."""
    with reference_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for r in rows:
        shares = [float(v) for k, v in r.items() if k.startswith("share_")]
        out[int(r["group_no"])] = float(np.mean(shares))
    return out


def share_rank_assignment(group_shares: dict[int, float], lea_shares: dict[int, float]) -> dict[int, int]:
    """Model group -> LEA group, one-to-one, minimising the sum of absolute share differences."""
    from scipy.optimize import linear_sum_assignment

    groups, lea = sorted(group_shares), sorted(lea_shares)
    cost = np.array([[abs(group_shares[g] - lea_shares[l]) for l in lea] for g in groups])
    rows, cols = linear_sum_assignment(cost)
    return {groups[r]: lea[c] for r, c in zip(rows, cols)}


def resolve_names(cfg: Config, model_name: str, model_version: int, group_shares: dict[int, float]) -> dict[int, GroupName]:
    """Names of every model group (keys of ``group_shares``, shares in percent)."""
    data = load_names_file(names_path(cfg))
    names = data["names"]
    assignment = data["assignment"]
    mapping: dict[int, int] = {}
    source = "share_rank"
    if (assignment.get("groups") and str(assignment.get("model_name")) == model_name
            and str(assignment.get("model_version")) == str(model_version)):
        mapping = {int(k): int(v) for k, v in assignment["groups"].items()}
        source = str(assignment.get("method") or "expert")
    else:
        lea = {k: v for k, v in lea_mean_shares(cfg.path("group_reference")).items() if k in names}
        mapping = share_rank_assignment(group_shares, lea)
    out = {}
    for g in sorted(group_shares):
        lea_no = mapping.get(g)
        if lea_no is not None and lea_no in names:
            n = names[lea_no]
            out[g] = GroupName(g, lea_no, n["fi"], n["sv"], n["en"], source)
        else:
            out[g] = GroupName(g, None, *(_GENERIC[lang].format(n=g) for lang in LANGUAGES), "generic")
    return out


def write_assignment(cfg: Config, model_name: str, model_version: int, method: str, groups: dict[int, int]) -> Path:
    """Record ``groups`` (model group_id -> LEA group number) in the names file.

    Only the ``assignment`` block is replaced; the comments and names above it are kept.
    """
    path = names_path(cfg)
    load_names_file(path)
    text = path.read_text(encoding="utf-8")
    head = text.split("\nassignment:", 1)[0].rstrip("\n")
    block = yaml.safe_dump({"assignment": {
        "model_name": model_name, "model_version": int(model_version), "method": method,
        "groups": {int(k): int(v) for k, v in sorted(groups.items())},
    }}, sort_keys=False, allow_unicode=True)
    path.write_text(head + "\n" + block, encoding="utf-8")
    return path
