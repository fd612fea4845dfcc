"""Turn area aggregates into one linked table of count cells (families and children).

Cell keys are ``(measure, area_level, area_code, category)``:

* measure ``"families"``: category ``"total"``, ``("group", g)`` at every level, and
  ``("type", t)`` at municipality level (types are many and small: published where a
  municipality reads them, and kept out of the national roll-up so that the hierarchies
  of different municipalities stay independent);
* measure ``"extra_children"``: category ``"total"``: the children beyond the first of each
  family (children - families). Every family has a child, so a published number of children
  next to a published family count gives this difference away; it says how many families
  have more than one child (6 families and 7 children: exactly one has two). It is therefore
  a thresholded count like the families, and an area's number of children (families +
  extra children) is published only when both are.

Relations (all known to an attacker): within every area, total = sum of groups = sum of
types, and each group = sum of its types when every type lies in one group; across areas,
for every category, country = sum of counties, county = sum of its municipalities, and
municipality = sum of the postal areas keyed to it + offset (families of the municipality
living in postal areas keyed elsewhere, or without a known postal area, minus the reverse).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lea_spark.disclosure import LinkedTable
from lea_spark.publish.geography import COUNTRY_CODE

FAMILIES, CHILDREN = "families", "extra_children"
TOTAL = "total"


@dataclass
class PublishCells:
    table: LinkedTable
    thresholded: np.ndarray       # True for family and extra-children counts (the threshold rule applies)
    group_ids: list[int]
    type_ids: list[int]
    type_group: dict[int, int]    # type -> group when nested, else {}
    has_children: bool


def _counts(frame: pd.DataFrame | None, keys: list[str], value: str) -> dict:
    if frame is None or frame.empty:
        return {}
    return {tuple(r[:-1]) if len(keys) > 1 else r[0]: int(r[-1])
            for r in frame[keys + [value]].itertuples(index=False, name=None)}


def build_cells(areas: pd.DataFrame, muni_group: pd.DataFrame, postal_group: pd.DataFrame,
                muni_type: pd.DataFrame | None = None, muni_children: pd.DataFrame | None = None,
                postal_children: pd.DataFrame | None = None, group_ids: list[int] | None = None,
                type_ids: list[int] | None = None, type_munis: set[str] | None = None) -> PublishCells:
    """The linked table of every published count (see the module docstring).

    ``muni_group``: municipality_code, group_id, families (by residence municipality);
    ``postal_group``: postal_code, group_id, families (by residence postal area);
    ``muni_type``: municipality_code, type_id, group_id, families; ``*_children``:
    code + children. Areas without families get zero cells: every area has its rows.
    ``type_munis``: the municipalities that get family-type cells (default: all).
    """
    munis = areas[areas.area_level == "municipality"]
    postals = areas[areas.area_level == "postal_area"]
    counties = areas[areas.area_level == "county"]
    county_of = dict(zip(munis.area_code, munis.wellbeing_county_code))
    postal_muni = dict(zip(postals.area_code, postals.municipality_code))
    unknown = sorted(set(muni_group.municipality_code) - set(county_of))
    if unknown:
        raise ValueError(f"families in municipalities not in the classification: {unknown[:10]}")
    if group_ids is None:
        group_ids = sorted(int(g) for g in set(muni_group.group_id))
    mg = _counts(muni_group, ["municipality_code", "group_id"], "families")
    pg = _counts(postal_group, ["postal_code", "group_id"], "families")
    bad_postal = sorted({p for p, _ in pg} - set(postal_muni))
    if bad_postal:
        raise ValueError(f"postal aggregates hold postal codes not in the classification: {bad_postal[:10]}")
    type_group: dict[int, int] = {}
    mt: dict = {}
    if muni_type is not None and not muni_type.empty:
        mt = _counts(muni_type, ["municipality_code", "type_id"], "families")
        if type_ids is None:
            type_ids = sorted(int(t) for t in set(muni_type.type_id))
        pairs = muni_type[["type_id", "group_id"]].drop_duplicates()
        if not pairs.type_id.duplicated().any():
            type_group = {int(t): int(g) for t, g in pairs.itertuples(index=False, name=None)}
    type_ids = list(type_ids or [])

    t = LinkedTable()
    cats = [TOTAL] + [("group", g) for g in group_ids]
    tcats = [("type", ty) for ty in type_ids]

    # Municipality cells first, then roll-ups: counts are exact sums of municipality counts.
    muni_vals: dict[tuple[str, object], int] = {}
    for m in munis.area_code:
        tot = 0
        for g in group_ids:
            v = mg.get((m, g), 0)
            muni_vals[(m, ("group", g))] = v
            tot += v
        muni_vals[(m, TOTAL)] = tot
        if tcats and (type_munis is None or m in type_munis):
            ttot = 0
            for ty in type_ids:
                v = mt.get((m, ty), 0)
                muni_vals[(m, ("type", ty))] = v
                ttot += v
            if ttot != tot:
                # no counts in the message: they are unprotected, and messages reach the log
                raise ValueError(f"municipality {m}: its families by type and by group do not add up to the same "
                                 f"number (gold.family_segments is inconsistent: a family with a group but no type?)")
    all_cats = cats + tcats
    county_vals = {(c, cat): 0 for c in counties.area_code for cat in cats}
    for (m, cat), v in muni_vals.items():
        if not isinstance(cat, str) and cat[0] == "type":
            continue
        county_vals[(county_of[m], cat)] += v
    country_vals = {cat: sum(county_vals[(c, cat)] for c in counties.area_code) for cat in cats}

    for cat in cats:
        t.add_cell((FAMILIES, "country", COUNTRY_CODE, cat), country_vals[cat])
    for c in counties.area_code:
        for cat in cats:
            t.add_cell((FAMILIES, "county", c, cat), county_vals[(c, cat)])
    for m in munis.area_code:
        for cat in all_cats:
            if (m, cat) in muni_vals:
                t.add_cell((FAMILIES, "municipality", m, cat), muni_vals[(m, cat)])
    postal_tot: dict[str, int] = {}
    for p in postals.area_code:
        tot = 0
        for g in group_ids:
            v = pg.get((p, g), 0)
            t.add_cell((FAMILIES, "postal_area", p, ("group", g)), v)
            tot += v
        t.add_cell((FAMILIES, "postal_area", p, TOTAL), tot)
        postal_tot[p] = tot

    # Within-area relations.
    level_codes = [("country", [COUNTRY_CODE]), ("county", list(counties.area_code)),
                   ("municipality", list(munis.area_code)), ("postal_area", list(postals.area_code))]
    for level, codes in level_codes:
        for code in codes:
            t.add_relation((FAMILIES, level, code, TOTAL), [(FAMILIES, level, code, c) for c in cats[1:]], offset=0)
            if tcats and level == "municipality" and (type_munis is None or code in type_munis):
                if type_group:
                    for g in group_ids:
                        members = [(FAMILIES, level, code, ("type", ty)) for ty in type_ids if type_group.get(ty) == g]
                        t.add_relation((FAMILIES, level, code, ("group", g)), members, offset=0)
                else:
                    t.add_relation((FAMILIES, level, code, TOTAL), [(FAMILIES, level, code, c) for c in tcats], offset=0)

    # Across-area relations, one per category.
    munis_of: dict[str, list[str]] = {}
    for m in munis.area_code:
        munis_of.setdefault(county_of[m], []).append(m)
    postals_of: dict[str, list[str]] = {}
    for p in postals.area_code:
        postals_of.setdefault(postal_muni[p], []).append(p)
    for cat in cats:
        t.add_relation((FAMILIES, "country", COUNTRY_CODE, cat),
                       [(FAMILIES, "county", c, cat) for c in counties.area_code], offset=0)
        for c in counties.area_code:
            t.add_relation((FAMILIES, "county", c, cat), [(FAMILIES, "municipality", m, cat) for m in munis_of.get(c, [])], offset=0)
    for cat in cats:
        for m in munis.area_code:
            t.add_relation((FAMILIES, "municipality", m, cat), [(FAMILIES, "postal_area", p, cat) for p in postals_of.get(m, [])])

    has_children = muni_children is not None
    if has_children:
        mc = _counts(muni_children, ["municipality_code"], "children")
        pc = _counts(postal_children, ["postal_code"], "children") if postal_children is not None else {}
        # children beyond the first of each family: additive like the counts themselves
        cvals = {m: mc.get(m, 0) - muni_vals[(m, TOTAL)] for m in munis.area_code}
        cc = {c: sum(cvals[m] for m in munis_of.get(c, [])) for c in counties.area_code}
        t.add_cell((CHILDREN, "country", COUNTRY_CODE, TOTAL), sum(cc.values()))
        for c in counties.area_code:
            t.add_cell((CHILDREN, "county", c, TOTAL), cc[c])
        for m in munis.area_code:
            t.add_cell((CHILDREN, "municipality", m, TOTAL), cvals[m])
        for p in postals.area_code:
            t.add_cell((CHILDREN, "postal_area", p, TOTAL), pc.get(p, 0) - postal_tot[p])
        t.add_relation((CHILDREN, "country", COUNTRY_CODE, TOTAL), [(CHILDREN, "county", c, TOTAL) for c in counties.area_code], offset=0)
        for c in counties.area_code:
            t.add_relation((CHILDREN, "county", c, TOTAL), [(CHILDREN, "municipality", m, TOTAL) for m in munis_of.get(c, [])], offset=0)
        for m in munis.area_code:
            t.add_relation((CHILDREN, "municipality", m, TOTAL), [(CHILDREN, "postal_area", p, TOTAL) for p in postals_of.get(m, [])])

    thresholded = np.ones(t.n, dtype=bool)  # family and extra-children counts alike
    return PublishCells(t, thresholded, list(group_ids), type_ids, type_group, has_children)


def linked_children_status(cells: PublishCells, status: np.ndarray) -> np.ndarray:
    """Suppress the extra children of every area whose family total is suppressed.

    The number of children (families + extra children) is published only when both are, so
    an area's children are hidden with its family count; linking the extra-children cell as
    well keeps the audited cells exactly the hidden published values. Returns the statuses
    :func:`lea_spark.disclosure.protect` applies (secondary for those cells).
    """
    from lea_spark.disclosure import PUBLISHED, SECONDARY

    t = cells.table
    initial = np.zeros(t.n, dtype=np.int8)
    if not cells.has_children:
        return initial
    for i, key in enumerate(t.keys):
        if key[0] == FAMILIES and key[3] == TOTAL and status[i] != PUBLISHED:
            j = t.index((CHILDREN, key[1], key[2], TOTAL))
            # a cell already suppressed keeps its status: a primary one (below the threshold)
            # must not be declared secondary, which tells the attacker "at least the threshold"
            if status[j] == PUBLISHED:
                initial[j] = SECONDARY
    return initial
