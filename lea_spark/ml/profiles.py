"""Pen portraits of family types and groups, as data and as short text (aggregates only).

For each segment (a type or a group) and indicator: the segment's value of the indicator
(missing values left out), the national value and standard deviation, the *effect*
``(segment value - national value) / national sd`` and the OAC-style *index*
``100 * segment value / national value``. An indicator is "far above" or "far below" the
average when ``|effect| >= train.profile_effect``.

The values follow ``lea publish``'s rules for indicator rates, so that no profile, portrait
or plot gives away a count below ``publish.threshold``:

* a 0/1 indicator, and a count of a sensitive phenomenon (``counts_of``: its mean would
  give away its sum, e.g. one child with a psychiatric diagnosis), is the *share of families
  with the trait* (with at least one), its sd ``sqrt(p (1 - p))``; it is shown only when at
  least ``threshold`` families have the trait and at least ``threshold`` do not;
* any other indicator is the mean, shown only when at least ``threshold`` families have a
  nonzero value (for the number of children: more than one, :data:`FLOORS`);
* a value that fails its rule is null, with its effect, index and direction, and
  ``suppression_reason`` says why; a national value that fails it nulls the indicator's
  effects in every segment.

Segments with fewer families than ``publish.threshold`` are suppressed whole: their row
keeps only the identifiers, ``is_suppressed = true`` and the reason; so is a segment whose
number of families is hidden so that a small one cannot be derived (below).

**Differencing** (:func:`lea_spark.disclosure.segments.protect_segments`). The values
are exact and add up: the country's count of families with a trait is the sum of the groups',
a group's the sum of its types', and a share next to a shown number of families gives both the
families with and without the trait; the numbers of families add up the same way. So the
numbers of families are protected first (threshold rule, secondary suppression, LP audit over
country -> groups -> types), then each indicator's counts - families with and without the
trait (shares), with a nonzero value and without (means) - form a linked table over the same
hierarchy, protected like ``lea publish``'s rates with ``publish.protection_interval``; every
segment's number of families is taken as known to the attacker. A value hidden only to
protect another says so. For a mean, the protected count is of its contributors: a hidden
mean shares its sum with at least one other hidden value, but the split of that sum is not
audited as a magnitude. A segment where fewer families than the protection width have a value
at all is hidden by the threshold rule, but its counts are not protected further.
"""
from __future__ import annotations

import math

import numpy as np

from lea_spark.disclosure.segments import COUNTRY, SegmentProtection, secondary_reason
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


# Indicators every family has at least this value of: their "nonzero" count is of the families
# above it. Every family has a child, so a mean number of children gives away the children
# beyond the first (publish.cells: extra_children); it is shown only when at least threshold
# families have more than one.
FLOORS = {"n_children": 1.0}


def segment_means(df, segment_col: str, columns: list[str]) -> dict[int, dict]:
    """Segment -> {"n": families, "means", "valid", "positive", "nonbinary": {indicator: ...}}
    (one grouped aggregation): the mean, the families with a value, with a value above 0 (above
    its :data:`FLOORS` entry) and with a value other than 0 or 1."""
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("__n")]
    for i, c in enumerate(columns):
        col = F.col(f"`{c}`").cast("double")
        valid = F.when(~F.isnan(col), col)
        aggs += [F.avg(valid).alias(f"m{i}"), F.count(valid).alias(f"v{i}"),
                 F.sum(F.when(valid > F.lit(FLOORS.get(c, 0.0)), 1).otherwise(0)).alias(f"p{i}"),
                 F.sum(F.when(valid.isNotNull() & ~valid.isin(0.0, 1.0), 1).otherwise(0)).alias(f"b{i}")]
    out = {}
    for r in df.groupBy(segment_col).agg(*aggs).collect():
        out[int(r[segment_col])] = {
            "n": int(r["__n"]),
            "means": {c: r[f"m{i}"] for i, c in enumerate(columns)},
            "valid": {c: int(r[f"v{i}"]) for i, c in enumerate(columns)},
            "positive": {c: int(r[f"p{i}"]) for i, c in enumerate(columns)},
            "nonbinary": {c: int(r[f"b{i}"]) for i, c in enumerate(columns)},
        }
    return out


def _value(c: str, mean, valid: int, positive: int, share: bool, threshold: int):
    """``(value, reason)`` of indicator ``c`` in one segment (or the country) by publish's rule
    (:func:`lea_spark.publish.build.small_rate_reason`)."""
    from lea_spark.publish.build import small_rate_reason

    above = f"a value above {FLOORS[c]:g}" if c in FLOORS else "a nonzero value"
    reason = small_rate_reason(valid, positive, share, threshold, above)
    if reason:
        return None, reason
    return (positive / valid if share else mean), None


def share_indicators(segments: dict[int, dict], counts_of: set[str] | frozenset = frozenset()) -> dict[str, bool]:
    """Indicator -> whether its profile value is a share of families (0/1 everywhere, or a count
    of a sensitive phenomenon) rather than a mean."""
    columns = list(next(iter(segments.values()))["means"]) if segments else []
    return {c: c in counts_of or sum(s["nonbinary"][c] for s in segments.values()) == 0 for c in columns}


def _protected(v, reason, st: int | None, threshold: int):
    """``(value, reason)`` after the statuses of
    :func:`~lea_spark.disclosure.segments.protect_segments` (None: no statuses)."""
    from lea_spark.disclosure import PRIMARY, PUBLISHED, WITHHELD

    if st is None or st == PUBLISHED or v is None and st == PRIMARY:
        return v, reason
    if st == WITHHELD:
        return None, f"hidden: fewer than {threshold} families, or to protect such a value"
    if st == PRIMARY:  # the table's primary rule is publish's: not reached while the two agree
        return None, reason or f"hidden: fewer than {threshold} families"
    return None, secondary_reason(threshold)


def _direction(effect: float | None, cut: float) -> str:
    if effect is None or math.isnan(effect):
        return "near"
    return "above" if effect >= cut else "below" if effect <= -cut else "near"


def build_profiles(level: str, segments: dict[int, dict], parents: dict[int, int],
                   national: dict, names: dict[int, GroupName], threshold: int, effect_cut: float,
                   ids: dict, counts_of: set[str] | frozenset = frozenset(),
                   status: SegmentProtection | None = None) -> list[dict]:
    """Rows of ``gold.segment_profiles`` for one level (``type`` or ``group``).

    ``segments`` as :func:`segment_means` gives them (all families of the period, so their sums
    are the country's); ``national`` is ``column_stats`` (mean and sd of the other indicators).
    ``status``: the statuses of :func:`~lea_spark.disclosure.segments.protect_segments`
    (without it, each value is checked on its own only).
    """
    total = sum(s["n"] for s in segments.values())
    shares = share_indicators(segments, counts_of)
    nat = {}
    for c, share in shares.items():
        valid = sum(s["valid"][c] for s in segments.values())
        positive = sum(s["positive"][c] for s in segments.values())
        mean, sd = national["columns"][c]["mean"], national["columns"][c]["sd"]
        if share:
            p = positive / valid if valid else None
            mean, sd = p, (math.sqrt(p * (1.0 - p)) if p is not None else None)
        value, reason = _value(c, mean, valid, positive, share, threshold)
        value, _ = _protected(value, reason, status.values.get((*COUNTRY, c)) if status else None, threshold)
        nat[c] = (share, value, sd if value is not None else None)
    rows = []
    for seg_id in sorted(segments):
        s = segments[seg_id]
        group_id = parents[seg_id]
        name = names[group_id]
        base = {
            **ids, "level": level, "segment_id": int(seg_id), "group_id": int(group_id),
            "name_fi": name.fi, "name_sv": name.sv, "name_en": name.en, "name_source": name.source,
        }
        if s["n"] < threshold or (status is not None and not status.size_shown(level, seg_id)):
            why = (f"fewer than {threshold} families" if s["n"] < threshold else
                   f"hidden so that a number of fewer than {threshold} families cannot be derived from the others")
            rows.append({**base, "n_families": None, "share_pct": None, "is_suppressed": True,
                         "suppression_reason": why, "indicator": None,
                         "phenomenon": None,
                         "segment_mean": None, "national_mean": None, "national_sd": None, "effect": None,
                         "index_score": None, "direction": None, "effect_rank": None})
            continue
        entries = []
        for c, m in s["means"].items():
            share, mean, sd = nat[c]
            v, reason = (_value(c, m, s["valid"][c], s["positive"][c], share, threshold) if m is not None
                         else (None, "no value"))
            v, reason = _protected(v, reason, status.values.get((level, seg_id, c)) if status else None, threshold)
            effect = (v - mean) / sd if (v is not None and mean is not None and sd) else None
            index = 100.0 * v / mean if (v is not None and mean) else None
            entries.append((c, v, mean, sd, effect, index, reason))
        ranked = sorted(entries, key=lambda e: -abs(e[4]) if e[4] is not None else 0.0)
        rank = {e[0]: i + 1 for i, e in enumerate(ranked)}
        for c, v, mean, sd, effect, index, reason in entries:
            rows.append({**base, "n_families": int(s["n"]), "share_pct": 100.0 * s["n"] / total,
                         "is_suppressed": False, "suppression_reason": reason, "indicator": c,
                         "phenomenon": phenomenon_of(c),
                         "segment_mean": v, "national_mean": mean, "national_sd": sd, "effect": effect,
                         "index_score": index, "direction": _direction(effect, effect_cut) if v is not None else None,
                         "effect_rank": rank[c] if effect is not None else None})
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
    """Centroids (scaled feature space) of segments with at least ``threshold`` families only.

    When a segment is below the threshold, no row gives its number of families
    (``n_families``): the number of a hidden segment would follow from the run's number of
    families minus the listed ones."""
    sized = bool(np.all(np.asarray(stats.sizes) >= threshold))
    rows = []
    for label, n, mean in zip(stats.labels, stats.sizes, stats.means):
        if n >= threshold:
            rows.append({id_name: int(label), **({"n_families": int(n)} if sized else {}),
                         **{c: float(v) for c, v in zip(columns, np.asarray(mean))}})
    return rows
