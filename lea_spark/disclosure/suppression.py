"""Primary and secondary cell suppression on a :class:`LinkedTable`.

Status codes: ``PUBLISHED`` (0), ``PRIMARY`` (1, a count below the threshold),
``SECONDARY`` (2, a count at or above the threshold hidden so that a primary cell cannot
be recovered) and ``WITHHELD`` (3, suppressed without saying which of the two it is).
Statuses are published, so the attacker model (see :func:`attacker_bounds`) knows that a
primary cell lies in ``[0, threshold - 1]`` and a secondary one in ``[threshold, inf)``;
a withheld cell is only known to be non-negative. Withholding is the last resort of
:func:`protect` for a linked group of suppressed cells that the published statuses
themselves pin down (e.g. a tiny table where every cell is already suppressed).

Secondary suppression works relation by relation: every relation holding a suppressed cell
must leave each of its suppressed cells an interval at least ``protection`` wide when read
on its own; when it does not, the smallest published member is suppressed (children before
the parent, so that margins stay published where possible). :func:`protect` then runs the
full LP audit over all relations at once and, for any cell still too narrow, suppresses one
more neighbour and audits again.
"""
from __future__ import annotations

import logging
from collections import deque

import numpy as np

from lea_spark.disclosure.table import LinkedTable

log = logging.getLogger(__name__)

PUBLISHED, PRIMARY, SECONDARY, WITHHELD = 0, 1, 2, 3
STATUS_NAMES = {PUBLISHED: "published", PRIMARY: "primary-suppressed", SECONDARY: "secondary-suppressed",
                WITHHELD: "suppressed"}


def primary_suppress(table: LinkedTable, threshold: int, thresholded: np.ndarray | None = None) -> np.ndarray:
    """Status array: ``PRIMARY`` for every thresholded cell with a count below ``threshold``.

    ``thresholded`` marks the cells the threshold rule applies to (family counts); other
    cells (e.g. numbers of children) are only ever suppressed secondarily.
    """
    values = table.value_array()
    mask = np.ones(table.n, dtype=bool) if thresholded is None else np.asarray(thresholded, dtype=bool)
    status = np.full(table.n, PUBLISHED, dtype=np.int8)
    status[mask & (values < threshold)] = PRIMARY
    return status


def attacker_bounds(status: np.ndarray, values: np.ndarray, threshold: int,
                    thresholded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What an attacker knows of each cell before solving anything.

    Published cells are exact; a suppressed thresholded cell is in ``[0, t-1]`` when primary
    and ``[t, inf)`` when secondary (the status says which); a withheld cell, and any other
    suppressed cell, is only known to be non-negative.
    """
    n = len(values)
    mask = np.ones(n, dtype=bool) if thresholded is None else np.asarray(thresholded, dtype=bool)
    lo = np.zeros(n, dtype=float)
    hi = np.full(n, np.inf)
    pub = status == PUBLISHED
    lo[pub] = values[pub]
    hi[pub] = values[pub]
    prim = (status == PRIMARY) & mask
    hi[prim] = threshold - 1
    sec = (status == SECONDARY) & mask
    lo[sec] = threshold
    return lo, hi


def _relation_widths(rel, status, lo, hi) -> dict[int, float]:
    """Width of the interval of each suppressed member of one relation, read on its own."""
    kids = rel.children
    out: dict[int, float] = {}
    p = rel.parent
    if status[p] != PUBLISHED:
        a = max(lo[p], rel.offset + sum(lo[k] for k in kids))
        b = min(hi[p], rel.offset + sum(hi[k] for k in kids))
        out[p] = b - a
    for k in kids:
        if status[k] == PUBLISHED:
            continue
        others_lo = sum(lo[j] for j in kids if j != k)
        others_hi = sum(hi[j] for j in kids if j != k)
        a = max(lo[k], lo[p] - rel.offset - others_hi)
        b = min(hi[k], hi[p] - rel.offset - others_lo)
        out[k] = b - a
    return out


def _pick(rel, status, values, exclude=()) -> int | None:
    """The published member to suppress next: the smallest child, else the parent."""
    kids = [k for k in rel.children if status[k] == PUBLISHED and k not in exclude]
    if kids:
        return min(kids, key=lambda k: (values[k], k))
    if status[rel.parent] == PUBLISHED and rel.parent not in exclude:
        return rel.parent
    return None


def _withhold_pick(rel, status, values, thresholded, frozen) -> int | None:
    """The suppressed member whose status to withhold next: one whose status tells a bound.

    Secondary members first (their lower bound ``t`` is what usually pins a small area),
    larger values first; frozen cells keep the status another table gave them.
    """
    cands = [m for m in rel.members
             if status[m] in (PRIMARY, SECONDARY) and m not in frozen
             and (thresholded is None or bool(thresholded[m]))]
    if not cands:
        return None
    return min(cands, key=lambda m: (status[m] != SECONDARY, -values[m], m))


def _nearest_published(table, status, values, rels_of, cell, max_depth: int = 6, frozen=()) -> int | None:
    """The smallest published cell among the nearest relations around ``cell``.

    Depth 1 is the relations of ``cell`` itself; when all their members are suppressed
    the search moves out through the suppressed members' relations.
    """
    seen_rel: set[int] = set()
    frontier = {cell}
    seen_cells = {cell}
    for _ in range(max_depth):
        candidates: list[int] = []
        nxt: set[int] = set()
        for c in frontier:
            for r_i in rels_of[c]:
                if r_i in seen_rel:
                    continue
                seen_rel.add(r_i)
                rel = table.relations[r_i]
                pick = _pick(rel, status, values, frozen)
                if pick is not None:
                    candidates.append(pick)
                nxt.update(m for m in rel.members if m not in seen_cells)
        if candidates:
            return min(candidates, key=lambda k: (values[k], k))
        seen_cells |= nxt
        frontier = nxt
        if not frontier:
            break
    return None


def _suppress_neighbours(table, status, values, rels_of, cells, frozen) -> int:
    """Suppress (in ``status``) the nearest published neighbour of each of ``cells``; the
    number suppressed."""
    added = 0
    for cell in cells:
        best = _nearest_published(table, status, values, rels_of, cell, frozen=frozen)
        if best is not None:
            status[best] = SECONDARY
            added += 1
    return added


def secondary_suppress(table: LinkedTable, status: np.ndarray, threshold: int, protection: float,
                       thresholded: np.ndarray | None = None, frozen=()) -> np.ndarray:
    """Suppress further cells until every relation, on its own, protects its suppressed cells.

    Returns a new status array (input unchanged). Each relation with a suppressed member
    must give every suppressed member an interval at least ``protection`` wide; the
    attacker's per-cell bounds come from :func:`attacker_bounds`. Cells in ``frozen`` keep
    their status (e.g. counts published by another table).
    """
    status = status.copy()
    values = table.value_array()
    rels_of = table.relations_of()
    queue = deque(r for r in range(len(table.relations)))
    queued = set(queue)
    while queue:
        r_i = queue.popleft()
        queued.discard(r_i)
        rel = table.relations[r_i]
        if all(status[m] == PUBLISHED for m in rel.members):
            continue
        while True:
            lo, hi = _member_bounds(rel, status, values, threshold, thresholded)
            widths = _relation_widths(rel, status, lo, hi)
            if all(w >= protection - 1e-9 for w in widths.values()):
                break
            pick = _pick(rel, status, values, frozen)
            if pick is None:
                # Nothing in the relation is left to suppress, so its statuses are what pin the
                # cells: stop telling primary from secondary for one of them and look again.
                hide = _withhold_pick(rel, status, values, thresholded, frozen)
                if hide is None:
                    break  # the audit judges the rest
                status[hide] = WITHHELD
                continue
            status[pick] = SECONDARY
            for other in rels_of[pick]:
                if other != r_i and other not in queued:
                    queue.append(other)
                    queued.add(other)
    return status


def _member_bounds(rel, status, values, threshold, thresholded):
    """Attacker bounds as dicts for the members of one relation only (cheap)."""
    lo: dict[int, float] = {}
    hi: dict[int, float] = {}
    for m in rel.members:
        s = status[m]
        rule = True if thresholded is None else bool(thresholded[m])
        if s == PUBLISHED:
            lo[m] = hi[m] = float(values[m])
        elif s == PRIMARY and rule:
            lo[m], hi[m] = 0.0, float(threshold - 1)
        elif s == SECONDARY and rule:
            lo[m], hi[m] = float(threshold), np.inf
        else:
            lo[m], hi[m] = 0.0, np.inf
    return lo, hi


def protect(table: LinkedTable, threshold: int, protection: float, thresholded: np.ndarray | None = None,
            initial: np.ndarray | None = None, max_rounds: int = 25, secondary: bool = True,
            exact_max_cells: int = 2000, link=None, frozen=(), known=None):
    """Primary + secondary suppression, repaired until the LP audit passes.

    ``initial`` may pre-suppress cells (e.g. linked suppression across tables); those cells
    keep their status. ``link(status)`` (optional) returns further cells that must be
    suppressed because of the current statuses (e.g. the number of children of an area whose
    family count is suppressed); it is applied, with secondary suppression, until nothing
    changes before each audit, so the audit runs once per round. ``frozen`` cells are never
    suppressed here (counts whose status another table decided); ``known`` maps cells to
    ``(lower, upper)`` bounds the attacker is known to have on them (see :func:`audit`). With ``secondary=False``
    only primary suppression is applied (the
    naive method, kept so that the audit can be shown to catch it). Returns
    ``(status, AuditResult)``; the caller decides whether to publish (see
    :func:`lea_spark.disclosure.audit.require_protected`).
    """
    from lea_spark.disclosure.audit import audit, components

    status = primary_suppress(table, threshold, thresholded)
    if initial is not None:
        status = np.maximum(status, np.asarray(initial, dtype=np.int8))
    if not secondary:
        return status, audit(table, status, threshold, protection, thresholded, exact_max_cells=exact_max_cells,
                             known=known)
    cache: dict = {}
    values = table.value_array()
    rels_of = table.relations_of()
    last_failing: set[int] = set()  # the cells exposed when neighbours were last suppressed for them
    for round_no in range(1, max_rounds + 1):
        status = secondary_suppress(table, status, threshold, protection, thresholded, frozen)
        while link is not None:
            linked = np.maximum(status, np.asarray(link(status), dtype=np.int8))
            if (linked == status).all():
                break
            status = secondary_suppress(table, linked, threshold, protection, thresholded, frozen)
        result = audit(table, status, threshold, protection, thresholded, cache=cache, known=known,
                       exact_max_cells=exact_max_cells)
        failing = result.failing_cells()
        log.info("disclosure round %d: %d suppressed, %d below protection",
                 round_no, int((status != PUBLISHED).sum()), len(failing))
        if not failing:
            return status, result
        # While the exposed cells change from round to round, suppressing their nearest
        # published neighbours makes progress.
        added = 0
        if set(failing) != last_failing:
            last_failing = set(failing)
            added = _suppress_neighbours(table, status, values, rels_of, failing, frozen)
        if added:
            continue
        # The same cells exposed again after their neighbours were suppressed (or nothing is
        # left to suppress): the statuses themselves give them away (a secondary-suppressed
        # count is known to be at least the threshold, a primary one below it), and more
        # suppression elsewhere does not change that. Stop telling primary from secondary,
        # first for the exposed cells themselves, then (when they already are withheld) for
        # their whole linked group.
        told = [c for c in failing if status[c] in (PRIMARY, SECONDARY) and c not in frozen]
        if told:
            log.info("disclosure round %d: withholding the suppression reason of %d exposed cells",
                     round_no, len(told))
            status[np.asarray(told, dtype=np.int64)] = WITHHELD
            continue
        exposed = set(failing)
        group = {c for comp in components(table, status) if exposed & set(comp) for c in comp
                 if c not in frozen}
        if not group or all(status[c] == WITHHELD for c in group):
            # Withholding did not protect them either: the exposure is in the numbers, and
            # only more suppression can help, as long as anything is left to suppress.
            if _suppress_neighbours(table, status, values, rels_of, failing, frozen):
                continue
            return status, result
        log.info("disclosure round %d: withholding the suppression reason of %d linked cells",
                 round_no, len(group))
        status[np.fromiter(group, dtype=np.int64)] = WITHHELD
    return status, result

