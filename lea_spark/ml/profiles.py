"""Pen portraits of family types and groups, as data and as short text (aggregates only).

For each segment (a type or a group) and indicator: the segment's mean of the indicator
as published in ``gold.family_features`` (missing values left out), the national mean and
standard deviation, the *effect* ``(segment mean - national mean) / national sd`` and the
OAC-style *index* ``100 * segment mean / national mean``. An indicator is "far above" or
"far below" the average when ``|effect| >= train.profile_effect``. Segments with fewer
families than ``publish.threshold`` are suppressed: their row keeps only the identifiers,
``is_suppressed = true`` and the reason.
"""
from __future__ import annotations

import math

import numpy as np

from lea_spark.ml.features import phenomenon_of
from lea_spark.ml.names import GroupName

PROFILE_COLUMNS = [
    "reference_period", "model_name", "model_version", "level", "segment_id", "group_id",
    "name_fi", "name_sv", "name_en", "name_source", "n_families", "share_pct", "is_suppressed",
    "suppression_reason", "indicator", "phenomenon", "segment_mean", "national_mean", "national_sd", "effect",
    "index_score", "direction", "effect_rank",
]
PORTRAIT_COLUMNS = [
    "reference_period", "model_name", "model_version", "level", "segment_id", "group_id",
    "name_fi", "name_sv", "name_en", "name_source", "n_families", "share_pct", "is_suppressed",
    "portrait_fi", "portrait_sv", "portrait_en",
]


def segment_means(df, segment_col: str, columns: list[str]) -> dict[int, dict]:
    """Segment -> {"n": families, "means": {indicator: mean}} (one grouped aggregation)."""
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("__n")]
    for i, c in enumerate(columns):
        col = F.col(f"`{c}`").cast("double")
        aggs.append(F.avg(F.when(~F.isnan(col), col)).alias(f"m{i}"))
    out = {}
    for r in df.groupBy(segment_col).agg(*aggs).collect():
        out[int(r[segment_col])] = {"n": int(r["__n"]), "means": {c: r[f"m{i}"] for i, c in enumerate(columns)}}
    return out


def _direction(effect: float | None, cut: float) -> str:
    if effect is None or math.isnan(effect):
        return "near"
    return "above" if effect >= cut else "below" if effect <= -cut else "near"


def build_profiles(level: str, segments: dict[int, dict], parents: dict[int, int],
                   national: dict, names: dict[int, GroupName], threshold: int, effect_cut: float,
                   ids: dict) -> list[dict]:
    """Rows of ``gold.segment_profiles`` for one level (``type`` or ``group``)."""
    total = sum(s["n"] for s in segments.values())
    rows = []
    for seg_id in sorted(segments):
        s = segments[seg_id]
        group_id = parents[seg_id]
        name = names[group_id]
        base = {
            **ids, "level": level, "segment_id": int(seg_id), "group_id": int(group_id),
            "name_fi": name.fi, "name_sv": name.sv, "name_en": name.en, "name_source": name.source,
        }
        if s["n"] < threshold:
            rows.append({**base, "n_families": None, "share_pct": None, "is_suppressed": True,
                         "suppression_reason": f"fewer than {threshold} families", "indicator": None,
                         "phenomenon": None,
                         "segment_mean": None, "national_mean": None, "national_sd": None, "effect": None,
                         "index_score": None, "direction": None, "effect_rank": None})
            continue
        entries = []
        for c, m in s["means"].items():
            nat = national["columns"][c]
            mean, sd = nat["mean"], nat["sd"]
            effect = (m - mean) / sd if (m is not None and sd) else None
            index = 100.0 * m / mean if (m is not None and mean) else None
            entries.append((c, m, mean, sd, effect, index))
        ranked = sorted(entries, key=lambda e: -abs(e[4]) if e[4] is not None else 0.0)
        rank = {e[0]: i + 1 for i, e in enumerate(ranked)}
        for c, m, mean, sd, effect, index in entries:
            rows.append({**base, "n_families": int(s["n"]), "share_pct": 100.0 * s["n"] / total,
                         "is_suppressed": False, "suppression_reason": None, "indicator": c,
                         "phenomenon": phenomenon_of(c),
                         "segment_mean": m, "national_mean": mean, "national_sd": sd, "effect": effect,
                         "index_score": index, "direction": _direction(effect, effect_cut),
                         "effect_rank": rank[c]})
    return rows


_TEXT = {
    "fi": ("{label} {name} ({share:.1f} % perheistä)", "selvästi keskimääräistä enemmän", "selvästi keskimääräistä vähemmän",
           "ei selvästi keskimääräisestä poikkeavia indikaattoreita", "tyyppi", "ryhmä"),
    "sv": ("{label} {name} ({share:.1f} % av familjerna)", "klart över genomsnittet", "klart under genomsnittet",
           "inga indikatorer klart avvikande från genomsnittet", "typ", "grupp"),
    "en": ("{label} {name} ({share:.1f} % of families)", "far above average", "far below average",
           "no indicator far from the average", "type", "group"),
}


def portraits(profile_rows: list[dict], top: int) -> list[dict]:
    """One row per segment with a generated pen portrait in fi, sv and en."""
    by_segment: dict[tuple, list[dict]] = {}
    for r in profile_rows:
        by_segment.setdefault((r["level"], r["segment_id"]), []).append(r)
    out = []
    for (level, seg_id), rows in sorted(by_segment.items()):
        first = rows[0]
        rec = {k: first[k] for k in PORTRAIT_COLUMNS if k in first}
        if first["is_suppressed"]:
            for lang in ("fi", "sv", "en"):
                rec[f"portrait_{lang}"] = None
            out.append(rec)
            continue
        above = sorted((r for r in rows if r["direction"] == "above"), key=lambda r: r["effect_rank"])[:top]
        below = sorted((r for r in rows if r["direction"] == "below"), key=lambda r: r["effect_rank"])[:top]
        for lang, (head, up, down, none, type_word, group_word) in _TEXT.items():
            label = f"{type_word} {seg_id} /" if level == "type" else f"{group_word} {seg_id}:"
            name = first[f"name_{lang}"]
            parts = []
            if above:
                parts.append(f"{up}: " + ", ".join(f"{r['indicator']} ({r['effect']:+.1f} sd)" for r in above))
            if below:
                parts.append(f"{down}: " + ", ".join(f"{r['indicator']} ({r['effect']:+.1f} sd)" for r in below))
            text = head.format(label=label.capitalize(), name=name, share=first["share_pct"])
            rec[f"portrait_{lang}"] = text + ". " + ("; ".join(parts) if parts else none) + "."
        out.append(rec)
    return out


def centroid_rows(stats, columns: list[str], threshold: int, id_name: str) -> list[dict]:
    """Centroids (scaled feature space) of segments with at least ``threshold`` families only."""
    rows = []
    for label, n, mean in zip(stats.labels, stats.sizes, stats.means):
        if n >= threshold:
            rows.append({id_name: int(label), "n_families": int(n), **{c: float(v) for c, v in zip(columns, np.asarray(mean))}})
    return rows
