"""Values of segments (groups of a model, their types) protected against differencing.

A profile shows, for each segment and indicator, a value that with the segment's shown number
of families gives a count: of families with a trait (a share, and without it) or of families
with a nonzero value (a mean). Those counts add up: the country's is the sum of its groups',
a group's the sum of its types'. Per indicator they form one :class:`LinkedTable` over
country -> groups -> types, with the segments' family counts fixed, protected by
:func:`protect` (the threshold rule, secondary suppression, the LP audit). Used by the model's
profiles (:mod:`lea_spark.ml.profiles`) and ``publish.group_profiles``' means.
"""
from __future__ import annotations

import logging

import numpy as np

from lea_spark.disclosure.suppression import PRIMARY, PUBLISHED, SECONDARY, WITHHELD, protect
from lea_spark.disclosure.table import LinkedTable

COUNTRY = ("country", 0)
SIDES = ("with", "without")


def protect_segments(by_group: dict[int, dict], by_type: dict[int, dict], group_of_type: dict[int, int],
                     shares: dict[str, bool], threshold: int, protection: float,
                     hidden: dict[tuple, int] | None = None) -> tuple[dict, list[str]]:
    """``(status, unprotectable)``: the disclosure status of every profile value.

    ``status`` maps ``(level, segment_id, indicator)`` (level ``country`` with segment 0,
    ``group`` or ``type``) to ``PUBLISHED``, ``PRIMARY``, ``SECONDARY`` or ``WITHHELD``
    (:mod:`lea_spark.disclosure`). ``by_group`` and ``by_type`` (may be empty) map each segment
    to ``{"n": families, "valid": {indicator: families with a value}, "positive": {indicator:
    families with the trait / a nonzero value}}`` of the same families
    (:func:`lea_spark.ml.profiles.segment_means`). ``hidden`` gives segments whose number of
    families is not shown, with its status; their values are hidden with it.

    Per indicator, one linked table: the families of each segment (fixed) and its counts with
    and without the trait (a share) or with a nonzero value (a mean), related country =
    groups and group = its types. An indicator whose table cannot be protected is withheld
    everywhere and named in ``unprotectable``.
    """
    columns = list(shares)
    country = {"n": sum(s["n"] for s in by_group.values()),
               **{k: {c: sum(s[k][c] for s in by_group.values()) for c in columns} for k in ("valid", "positive")}}
    cells = [(COUNTRY, country)] + [(("group", g), s) for g, s in sorted(by_group.items())] \
        + [(("type", k), s) for k, s in sorted(by_type.items())]
    types_of: dict[int, list[int]] = {}
    for k in sorted(by_type):
        types_of.setdefault(group_of_type[k], []).append(k)
    status_of: dict[tuple, int] = {}
    unprotectable = []
    # one small table per indicator: the per-round lines of the disclosure package would be noise
    quiet = [logging.getLogger(n) for n in ("lea_spark.disclosure.audit", "lea_spark.disclosure.suppression")]
    before = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.WARNING)
    try:
        for c in columns:
            _protect_indicator(c, shares[c], cells, by_group, types_of, threshold, protection, status_of, unprotectable,
                               hidden or {})
    finally:
        for q, level in zip(quiet, before):
            q.setLevel(level)
    return status_of, unprotectable


def _protect_indicator(c, share, cells, by_group, types_of, threshold, protection, status_of, unprotectable,
                       hidden) -> None:

    sides = SIDES if share else SIDES[:1]
    t = LinkedTable()
    thresholded, initial, frozen = [], [], set()
    for seg, s in cells:
        small = s["n"] < threshold or seg in hidden
        frozen.add(t.add_cell(("n", *seg), s["n"]))
        thresholded.append(True)
        initial.append(hidden.get(seg, PRIMARY) if small else PUBLISHED)
        pos, valid = s["positive"][c], s["valid"][c]
        for side, value in zip(sides, (pos, valid - pos)):
            t.add_cell((side, *seg), value)
            thresholded.append(not small)
            initial.append(SECONDARY if small else PUBLISHED)
        if share:
            # n = with + without + (families without a value): that offset is assumed known
            t.add_relation(("n", *seg), [(side, *seg) for side in sides])
    for side in sides:
        t.add_relation((side, *COUNTRY), [(side, "group", g) for g in sorted(by_group)])
        for g, kids in types_of.items():
            t.add_relation((side, "group", g), [(side, "type", k) for k in kids])
    status, result = protect(t, threshold, protection, np.asarray(thresholded), initial=np.asarray(initial, np.int8),
                             frozen=frozenset(frozen))
    if result.n_failing:
        unprotectable.append(c)
        status = np.where(np.isin(np.arange(t.n), list(frozen)), status, WITHHELD).astype(np.int8)
    for seg, _ in cells:
        got = [int(status[t.index((side, *seg))]) for side in sides]
        if WITHHELD in got:
            st = WITHHELD
        elif PRIMARY in got:
            st = PRIMARY
        elif SECONDARY in got:
            st = SECONDARY
        else:
            st = PUBLISHED
        status_of[(*seg, c)] = st
