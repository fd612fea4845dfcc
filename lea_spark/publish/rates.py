"""Disclosure control of the published rates of 0/1 indicators.

A rate published with one decimal next to a published number of families gives away the
number of families with the trait (``pos``) and without it (``neg = n - pos``) for every area
below about a thousand families. Those counts add up across the same hierarchy as the family
counts (country = counties, county = municipalities, municipality = postal areas + offset;
and the country = its service-need groups), so a suppressed rate could be recovered by
differencing, and the rates of an area whose family count is suppressed bound that count
(``n = pos + neg``). An attacker holds the family table and every rate table at once, so all
of them are protected and audited as **one** linked table:

* the family table's own cells and relations, wherever they touch a suppressed family count
  that a rate refers to (the linked components of the family audit that hold such a count;
  elsewhere the family counts a rate refers to are published and exact). Family cells keep
  the status the family protection gave them (frozen) and their audited intervals;
* for every 0/1 indicator, cells ``("<indicator>:with", level, code, cat)`` and
  ``("<indicator>:without", ...)`` for every area (``cat`` is the total, or a group at
  country level), the relation ``families = with + without`` on the family cell itself, and
  the area and group relations of the family table for both;
* primary suppression: fewer than ``threshold`` families with, or without, the trait in an
  area whose family count is published; the rate of an area whose family count is suppressed
  is suppressed with it (its counts are only known to be non-negative); a rate is published
  only when both its counts are (linked), then secondary suppression, the LP audit and the
  repair as for families. Repairs suppress rates, never family counts.

The audit of this table is exact for the attacker who combines every published table: the
family counts are audited again with every rate constraint, and each rate cell with the
family table's constraints. The published reason of a primary-suppressed rate says which side
is small ("with" or "without the trait"): the attacker model knows it, and the boxes stay
convex.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lea_spark.disclosure import PRIMARY, PUBLISHED, SECONDARY, WITHHELD, AuditResult, LinkedTable, protect
from lea_spark.disclosure.audit import components
from lea_spark.publish.cells import FAMILIES, TOTAL, PublishCells

POS, NEG = "with", "without"


def rate_key(indicator: str, side: str, family_key: tuple) -> tuple:
    """Key of one rate count: ``("<indicator>:with"|"<indicator>:without", level, code, cat)``."""
    return (f"{indicator}:{side}",) + tuple(family_key[1:])


@dataclass
class RateProtection:
    """The joint table of the family counts and every indicator's rate counts, protected."""

    indicators: tuple[str, ...]
    table: LinkedTable
    status: np.ndarray
    audit: AuditResult
    family_cell: np.ndarray   # True for cells of the family table
    thresholded: np.ndarray   # the cells the threshold rule applies to (the attacker model)
    known: dict               # family cell -> its interval from the family audit

    def rate_status(self, indicator: str, level: str, code: str, cat=TOTAL) -> tuple[int, int]:
        """(status of POS, status of NEG) of one area's rate of ``indicator``."""
        t, k = self.table, (FAMILIES, level, code, cat)
        return (int(self.status[t.index(rate_key(indicator, POS, k))]),
                int(self.status[t.index(rate_key(indicator, NEG, k))]))

    @property
    def rate_cells_suppressed(self) -> int:
        return int(((self.status != PUBLISHED) & ~self.family_cell).sum())


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


def _touching_family_part(cells: PublishCells, family_status: np.ndarray, rate_family_keys: set[tuple]):
    """The family relations an attacker combines with the rates.

    Those with a suppressed member in a linked component of the family table that holds a
    suppressed count some rate refers to; other relations bind nothing the rates touch.
    """
    ft = cells.table
    touched = {ft.index(k) for k in rate_family_keys if family_status[ft.index(k)] != PUBLISHED}
    keep_cells: set[int] = set()
    for comp in components(ft, family_status):
        if touched.intersection(comp):
            keep_cells.update(comp)
    rels = [rel for rel in ft.relations if any(m in keep_cells for m in rel.members)]
    return rels


def _per_indicator_pass(t: LinkedTable, keys_of, all_keys, threshold, protection, thresholded, initial, link,
                        n_fam, known) -> np.ndarray:
    """Statuses from protecting each indicator on its own, the family counts as boxes."""
    out = np.zeros(t.n, dtype=np.int8)
    family_keys = [t.index(k) for k in all_keys]
    for ind, keys in keys_of.items():
        mine = [t.index(rate_key(ind, side, k)) for k in keys for side in (POS, NEG)]
        sub, idx = t.subtable(family_keys + mine)
        where = {int(c): j for j, c in enumerate(idx)}
        sub_known = {where[c]: v for c, v in known.items() if c in where}

        def sub_link(status, idx=idx):
            full = np.zeros(t.n, dtype=np.int8)
            full[idx] = status
            return link(full)[idx]

        status, _ = protect(sub, threshold, protection, thresholded[idx], initial=initial[idx], link=sub_link,
                            frozen=frozenset(j for j, c in enumerate(idx) if c < n_fam), known=sub_known,
                            exact_max_cells=0)
        out[idx] = np.maximum(out[idx], status)
    out[:n_fam] = 0  # family statuses are the family protection's
    return out


def protect_rates(cells: PublishCells, family_status: np.ndarray, family_audit: AuditResult,
                  pos_counts: dict[str, dict[tuple, int]], threshold: int, protection: float,
                  exact_max_cells: int = 2000, levels: dict[str, set[str] | None] | None = None) -> RateProtection:
    """Suppress and audit the rates of every 0/1 indicator together (see the module docstring).

    ``pos_counts`` maps each indicator to {family-table key (from :func:`rate_keys`): number
    of families with the trait}; missing keys count 0. ``levels`` maps an indicator to the
    area levels whose rates are published (missing or None: all).
    """
    ft = cells.table
    fvals = ft.value_array()
    levels = levels or {}
    audited = {int(c): (float(lo), float(hi)) for c, lo, hi in
               zip(family_audit.cells, family_audit.lower, family_audit.upper)}
    keys_of = {ind: rate_keys(cells, levels.get(ind)) for ind in pos_counts}
    all_keys = {k for ks in keys_of.values() for k in ks}
    t = LinkedTable()
    # The family table where it touches the rates: its cells keep their keys.
    fam_rels = _touching_family_part(cells, family_status, all_keys)
    fam_cells = sorted({ft.index(k) for k in all_keys} | {m for rel in fam_rels for m in rel.members})
    for fi in fam_cells:
        t.add_cell(ft.keys[fi], int(fvals[fi]))
    for rel in fam_rels:
        t.add_relation(ft.keys[rel.parent], [ft.keys[c] for c in rel.children], offset=rel.offset)
    n_fam = t.n
    for ind, keys in keys_of.items():
        counts = pos_counts[ind]
        for k in keys:
            n = int(fvals[ft.index(k)])
            pos = int(counts.get(k, 0))
            if not 0 <= pos <= n:
                # no counts in the message: they are unprotected, and messages reach the log
                raise ValueError(f"{ind}: more families with the trait than families in {k[1]} {k[2]}, or fewer "
                                 "than none (the indicator and the segments disagree: a family without a group?)")
            t.add_cell(rate_key(ind, POS, k), pos)
            t.add_cell(rate_key(ind, NEG, k), n - pos)
            t.add_relation(k, [rate_key(ind, POS, k), rate_key(ind, NEG, k)], offset=0)
        for rel in _family_relations(cells, levels.get(ind)):
            parent = ft.keys[rel.parent]
            kids = [ft.keys[c] for c in rel.children]
            for side in (POS, NEG):
                t.add_relation(rate_key(ind, side, parent), [rate_key(ind, side, k) for k in kids])
    family_cell = np.zeros(t.n, dtype=bool)
    family_cell[:n_fam] = True
    thresholded = np.zeros(t.n, dtype=bool)
    initial = np.zeros(t.n, dtype=np.int8)
    known = {}
    for j in range(n_fam):
        fi = ft.index(t.keys[j])
        thresholded[j] = bool(cells.thresholded[fi])
        initial[j] = family_status[fi]
        if family_status[fi] != PUBLISHED:
            known[j] = audited.get(fi, (0.0, np.inf))
    pairs = []
    for ind, keys in keys_of.items():
        for k in keys:
            pi, qi = t.index(rate_key(ind, POS, k)), t.index(rate_key(ind, NEG, k))
            pairs.append((pi, qi))
            if family_status[ft.index(k)] == PUBLISHED:
                thresholded[pi] = thresholded[qi] = True
            else:
                initial[pi] = initial[qi] = SECONDARY
    pairs_a = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)

    def link(status):
        out = np.zeros(t.n, dtype=np.int8)
        sp, sq = status[pairs_a[:, 0]], status[pairs_a[:, 1]]
        hide_q = (sp != PUBLISHED) & (sq == PUBLISHED)
        hide_p = (sq != PUBLISHED) & (sp == PUBLISHED)
        out[pairs_a[hide_q, 1]] = SECONDARY
        out[pairs_a[hide_p, 0]] = SECONDARY
        # A rate has one published reason: withholding either count withholds both.
        held = (sp == WITHHELD) | (sq == WITHHELD)
        out[pairs_a[held, 0]] = WITHHELD
        out[pairs_a[held, 1]] = WITHHELD
        return out

    # A first pass per indicator (its counts and the family counts it refers to, the latter
    # as boxes: cheap, small components) finds most of the suppression the joint table needs;
    # the joint protection then starts from it and usually passes its first audit.
    initial = np.maximum(initial, _per_indicator_pass(t, keys_of, all_keys, threshold, protection, thresholded,
                                                      initial, link, n_fam, known))
    status, result = protect(t, threshold, protection, thresholded, initial=initial, link=link,
                             frozen=frozenset(range(n_fam)), known=known, exact_max_cells=exact_max_cells)
    return RateProtection(tuple(pos_counts), t, status, result, family_cell, thresholded, known)


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

