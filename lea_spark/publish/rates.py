"""Disclosure control of the published rates of 0/1 indicators.

A rate published with one decimal next to a published number of families gives away the
number of families with the trait (``pos``) and without it (``neg = n - pos``) for every area
below about a thousand families. Those counts add up across the same hierarchy as the family
counts (country = counties, county = municipalities, municipality = postal areas + offset;
and the country = its service-need groups), so a suppressed rate could be recovered by
differencing. Each 0/1 indicator therefore gets a linked table of its own:

* cells ``(POS, level, code, cat)`` and ``(NEG, level, code, cat)`` for every area of the
  family table (``cat`` is the total, or a group at country level), and ``(N, ...)`` the
  family count, with the relation ``N = POS + NEG``;
* the area and group relations of the family table for POS, NEG and N;
* ``N`` keeps the status the family protection gave it (frozen): published counts are exact,
  suppressed ones carry the attacker's audited interval from the family audit as known
  bounds (the joint constraints of the family table are not repeated here: a relaxation);
* primary suppression: POS or NEG below the threshold in an area whose family count is
  published; the rate of an area whose family count is suppressed is suppressed with it (its
  POS and NEG are only known to be non-negative); a rate is published only when both its POS
  and NEG cells are (linked), then secondary suppression and the LP audit as for families.

The published reason of a primary-suppressed rate says which side is small ("with" or
"without the trait"): the attacker model knows it, and the boxes stay convex.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lea_spark.disclosure import PRIMARY, PUBLISHED, SECONDARY, WITHHELD, AuditResult, LinkedTable, protect
from lea_spark.publish.cells import FAMILIES, TOTAL, PublishCells

POS, NEG, N = "with", "without", "families"


@dataclass
class RateProtection:
    indicator: str
    table: LinkedTable
    status: np.ndarray
    audit: AuditResult

    def rate_status(self, level: str, code: str, cat=TOTAL) -> tuple[int, int]:
        """(status of POS, status of NEG) of one area's rate."""
        t = self.table
        return (int(self.status[t.index((POS, level, code, cat))]),
                int(self.status[t.index((NEG, level, code, cat))]))


def _family_relations(cells: PublishCells, levels: set[str] | None = None):
    """The family table's relations over totals (all levels) and groups (country only)."""
    t = cells.table
    keep = []
    for rel in t.relations:
        keys = [t.keys[m] for m in rel.members]
        if any(k[0] != FAMILIES or (levels is not None and k[1] not in levels) for k in keys):
            continue
        cats = {k[3] for k in keys}
        rel_levels = {k[1] for k in keys}
        if cats == {TOTAL}:
            keep.append(rel)  # the total across areas
        elif rel_levels == {"country"} and all(c == TOTAL or (not isinstance(c, str) and c[0] == "group") for c in cats):
            keep.append(rel)  # the country total = its groups
    return keep


def rate_keys(cells: PublishCells, levels: set[str] | None = None) -> list[tuple]:
    """Family-table keys whose rate is protected: every area's total, the country's groups.

    ``levels`` restricts the areas (e.g. ``{"country"}`` for the group profiles only).
    """
    out = []
    for k in cells.table.keys:
        if k[0] != FAMILIES or (levels is not None and k[1] not in levels):
            continue
        if k[3] == TOTAL or (k[1] == "country" and not isinstance(k[3], str) and k[3][0] == "group"):
            out.append(k)
    return out


def protect_rates(cells: PublishCells, family_status: np.ndarray, family_audit: AuditResult,
                  pos_counts: dict[tuple, int], indicator: str, threshold: int, protection: float,
                  exact_max_cells: int = 2000, levels: set[str] | None = None) -> RateProtection:
    """Suppress and audit the rates of one 0/1 indicator (see the module docstring).

    ``pos_counts`` maps family-table keys (from :func:`rate_keys`) to the number of families
    with the trait; missing keys count 0. ``levels``: the area levels whose rates are
    published (default all).
    """
    ft = cells.table
    fvals = ft.value_array()
    audited = {int(c): (float(lo), float(hi)) for c, lo, hi in
               zip(family_audit.cells, family_audit.lower, family_audit.upper)}
    keys = rate_keys(cells, levels)
    t = LinkedTable()
    for k in keys:
        n = int(fvals[ft.index(k)])
        pos = int(pos_counts.get(k, 0))
        if not 0 <= pos <= n:
            raise ValueError(f"{indicator}: {pos} families with the trait in {k[1]} {k[2]} of {n} families")
        t.add_cell((N,) + k[1:], n)
        t.add_cell((POS,) + k[1:], pos)
        t.add_cell((NEG,) + k[1:], n - pos)
        t.add_relation((N,) + k[1:], [(POS,) + k[1:], (NEG,) + k[1:]], offset=0)
    for rel in _family_relations(cells, levels):
        parent = ft.keys[rel.parent]
        kids = [ft.keys[c] for c in rel.children]
        for measure in (N, POS, NEG):
            t.add_relation((measure,) + parent[1:], [(measure,) + k[1:] for k in kids])
    thresholded = np.zeros(t.n, dtype=bool)
    initial = np.zeros(t.n, dtype=np.int8)
    frozen = set()
    known = {}
    for k in keys:
        fi = ft.index(k)
        ni = t.index((N,) + k[1:])
        pi, qi = t.index((POS,) + k[1:]), t.index((NEG,) + k[1:])
        frozen.add(ni)
        if family_status[fi] == PUBLISHED:
            thresholded[pi] = thresholded[qi] = True
        else:
            initial[pi] = initial[qi] = SECONDARY
            initial[ni] = family_status[fi]
            lo, hi = audited.get(fi, (0.0, np.inf))
            known[ni] = (lo, hi)

    def link(status):
        out = np.zeros(t.n, dtype=np.int8)
        for k in keys:
            pi, qi = t.index((POS,) + k[1:]), t.index((NEG,) + k[1:])
            if status[pi] != PUBLISHED and status[qi] == PUBLISHED:
                out[qi] = SECONDARY
            elif status[qi] != PUBLISHED and status[pi] == PUBLISHED:
                out[pi] = SECONDARY
            # A rate has one published reason: withholding either count withholds both.
            if WITHHELD in (status[pi], status[qi]):
                out[pi] = out[qi] = WITHHELD
        return out

    status, result = protect(t, threshold, protection, thresholded, initial=initial, link=link,
                             frozen=frozenset(frozen), known=known, exact_max_cells=exact_max_cells)
    return RateProtection(indicator, t, status, result)


def rate_reason(pos_status: int, neg_status: int, threshold: int) -> tuple[str, str | None]:
    """(published status, reason) of a rate from the statuses of its two counts."""
    if pos_status == PUBLISHED and neg_status == PUBLISHED:
        return "published", None
    if WITHHELD in (pos_status, neg_status):
        return "suppressed", (f"fewer than {threshold} families with or without the trait, "
                              "or hidden to protect such a rate")
    if pos_status == PRIMARY and neg_status == PRIMARY:
        return "primary-suppressed", f"fewer than {threshold} families with and without the trait"
    if pos_status == PRIMARY:
        return "primary-suppressed", f"fewer than {threshold} families with the trait"
    if neg_status == PRIMARY:
        return "primary-suppressed", f"fewer than {threshold} families without the trait"
    return "secondary-suppressed", "hidden so that a suppressed rate cannot be derived from the published ones"

