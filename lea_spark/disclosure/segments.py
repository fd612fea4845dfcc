"""Values of segments (groups of a model, their types) protected against differencing.

A profile shows, for each segment and indicator, a value that with the segment's shown number
of families gives a count: of families with a trait (a share, and without it) or of families
with a nonzero value (a mean). Those counts add up: the country's is the sum of its groups',
a group's the sum of its types'. So do the segments' numbers of families. First the numbers
of families are protected (:func:`protect_sizes`: a type of fewer than ``threshold``
families would otherwise follow from its group's number minus the other types'); then, per
indicator, the counts form one :class:`LinkedTable` over country -> groups -> types,
protected by :func:`protect` (the threshold rule, secondary suppression, the LP audit), with
every segment's number of families assumed known to the attacker (shown, or for a hidden
one, conservatively). Used by the model's profiles (:mod:`lea_spark.ml.profiles`) and
``publish.group_profiles``' means.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from lea_spark.disclosure.suppression import PRIMARY, PUBLISHED, SECONDARY, WITHHELD, protect
from lea_spark.disclosure.table import LinkedTable

log = logging.getLogger(__name__)

COUNTRY = ("country", 0)
SIDES = ("with", "without")


def secondary_reason(threshold: int) -> str:
    """The published reason of a value hidden only so that another cannot be derived."""
    return f"hidden so that a value of fewer than {threshold} families cannot be derived from the others"


@dataclass
class SegmentProtection:
    """Statuses (:mod:`lea_spark.disclosure`) of the segments' numbers of families and values."""

    sizes: dict[tuple, int]          # (level, segment_id) -> status of its number of families
    values: dict[tuple, int]         # (level, segment_id, indicator) -> status of its value
    unprotectable: list[str]         # indicators withheld everywhere (their table failed the audit)

    def size_shown(self, level: str, segment_id: int) -> bool:
        return self.sizes.get((level, segment_id), PUBLISHED) == PUBLISHED


def _segments(by_group, by_type, columns):
    country = {"n": sum(s["n"] for s in by_group.values()),
               **{k: {c: sum(s[k][c] for s in by_group.values()) for c in columns} for k in ("valid", "positive")}}
    return [(COUNTRY, country)] + [(("group", g), s) for g, s in sorted(by_group.items())] \
        + [(("type", k), s) for k, s in sorted(by_type.items())]


def _types_of(by_type, group_of_type) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for k in sorted(by_type):
        out.setdefault(group_of_type[k], []).append(k)
    return out


@contextmanager
def _quiet():
    """One small table per indicator: the per-round lines of the disclosure package would be noise."""
    loggers = [logging.getLogger(n) for n in ("lea_spark.disclosure.audit", "lea_spark.disclosure.suppression")]
    before = [q.level for q in loggers]
    for q in loggers:
        q.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for q, level in zip(loggers, before):
            q.setLevel(level)


def protect_sizes(by_group: dict[int, dict], by_type: dict[int, dict], group_of_type: dict[int, int],
                  threshold: int, protection: float) -> dict[tuple, int]:
    """(level, segment_id) -> status of the segment's number of families: fewer than
    ``threshold`` primary, with secondary suppression and the audit over country = groups,
    group = its types (the country's number is shown). If the audit cannot pass, every group's
    and type's number is withheld."""
    t = LinkedTable()
    segs = _segments(by_group, by_type, [])
    for seg, s in segs:
        t.add_cell(seg, s["n"])
    t.add_relation(COUNTRY, [("group", g) for g in sorted(by_group)])
    for g, kids in _types_of(by_type, group_of_type).items():
        t.add_relation(("group", g), [("type", k) for k in kids])
    with _quiet():
        status, result = protect(t, threshold, protection, frozen=frozenset([t.index(COUNTRY)]))
    if result.n_failing:
        log.warning("segment sizes: %d cannot be protected; every group's and type's number of families is withheld",
                    result.n_failing)
        status = np.full(t.n, WITHHELD, dtype=np.int8)
        status[t.index(COUNTRY)] = PUBLISHED
    return {seg: int(status[t.index(seg)]) for seg, _ in segs}


def protect_segments(by_group: dict[int, dict], by_type: dict[int, dict], group_of_type: dict[int, int],
                     shares: dict[str, bool], threshold: int, protection: float,
                     hidden: dict[tuple, int] | None = None,
                     country_shown: frozenset[str] | set[str] = frozenset()) -> SegmentProtection:
    """The statuses of every segment's number of families and of every value.

    ``by_group`` and ``by_type`` (may be empty) map each segment to ``{"n": families,
    "valid": {indicator: families with a value}, "positive": {indicator: families with the
    trait / a nonzero value}}`` of the same families (:func:`lea_spark.ml.profiles.segment_means`);
    ``shares`` says which indicators are shares. ``hidden`` gives the segments whose number of
    families another table's protection hides (``lea publish``'s family table), with its
    status; without it the numbers are protected here (:func:`protect_sizes`).

    Per indicator, one linked table: every segment's number of families (fixed and, hidden or
    not, assumed known), its counts with and without the trait (a share: ``n = with + without
    + families without a value``) or with a nonzero value (a mean), related country = groups
    and group = its types. The values of a segment whose number is hidden are hidden with it,
    and audited. A segment where fewer families than the protection width have a value at all
    has its counts taken as known (no interval of that width exists for them under this
    model) and its value hidden by the threshold rule. ``country_shown``: indicators whose
    country value another table shows (fixed as shown here). An indicator whose table still fails the audit is withheld everywhere and named
    in ``unprotectable``.
    """
    columns = list(shares)
    sizes = dict(hidden) if hidden is not None else protect_sizes(by_group, by_type, group_of_type, threshold,
                                                                   protection)
    segs = _segments(by_group, by_type, columns)
    types_of = _types_of(by_type, group_of_type)
    values: dict[tuple, int] = {}
    unprotectable: list[str] = []
    with _quiet():
        for c in columns:
            if not _protect_indicator(c, shares[c], segs, by_group, types_of, threshold, protection, values, sizes,
                                      c in country_shown):
                unprotectable.append(c)
    return SegmentProtection(sizes, values, unprotectable)


def _protect_indicator(c, share, segs, by_group, types_of, threshold, protection, values, sizes,
                       country_shown: bool = False) -> bool:
    """Statuses of indicator ``c``'s values into ``values``; False when its table fails the audit."""
    # A mean's "without" side (families with a zero value) is never shown; it is in the table,
    # hidden with its "with" side, so that the attacker's bound "with <= n" holds.
    # The relation n = with + without + (families without a value) assumes the attacker knows
    # how many families have a value, in every segment; then the counts of a segment where
    # fewer than the protection width have one lie in an interval narrower than that whatever
    # is hidden. Those counts are taken as known (fixed, not audited) and the value is hidden
    # by the threshold rule (it has fewer than threshold families with a value).
    t = LinkedTable()
    thresholded, initial, frozen, inherent = [], [], set(), set()
    for seg, s in segs:
        hide = sizes.get(seg, PUBLISHED) != PUBLISHED
        frozen.add(t.add_cell(("n", *seg), s["n"]))
        thresholded.append(False)
        initial.append(PUBLISHED)  # known to the attacker: shown, or (hidden) assumed known
        pos, valid = s["positive"][c], s["valid"][c]
        known = valid < protection or (seg == COUNTRY and country_shown)
        if valid < protection:
            inherent.add(seg)
        for side, value in zip(SIDES, (pos, valid - pos)):
            i = t.add_cell((side, *seg), value)
            thresholded.append(not hide and not known and (side == "with" or share))
            initial.append(SECONDARY if hide and not known else PUBLISHED)
            if known:
                frozen.add(i)
        t.add_relation(("n", *seg), [(side, *seg) for side in SIDES])
    sides = SIDES if share else SIDES[:1]
    for side in SIDES:
        t.add_relation((side, *COUNTRY), [(side, "group", g) for g in sorted(by_group)])
        for g, kids in types_of.items():
            t.add_relation((side, "group", g), [(side, "type", k) for k in kids])
    status, result = protect(t, threshold, protection, np.asarray(thresholded), initial=np.asarray(initial, np.int8),
                             frozen=frozenset(frozen))
    ok = result.n_failing == 0
    if not ok:
        status = np.where(np.isin(np.arange(t.n), list(frozen)), status, WITHHELD).astype(np.int8)
    for seg, _ in segs:
        got = [int(status[t.index((side, *seg))]) for side in sides]
        if seg in inherent and not (seg == COUNTRY and country_shown):
            st = PRIMARY  # fewer than protection (< threshold) families with a value
        elif WITHHELD in got:
            st = WITHHELD
        elif PRIMARY in got:
            st = PRIMARY
        elif SECONDARY in got:
            st = SECONDARY
        else:
            st = PUBLISHED
        values[(*seg, c)] = st
    return ok
