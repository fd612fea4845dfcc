"""From aggregates to the disclosure-controlled publication (pandas, on the driver).

:func:`build_publication` runs suppression and the LP audit on every count, derives shares
and indicator rates from what may be published, and returns the tables plus the audit. It
never writes: the job writes only when :attr:`Publication.audit_passed` holds.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lea_spark.disclosure import PUBLISHED, SECONDARY, STATUS_NAMES, WITHHELD, AuditResult, protect
from lea_spark.disclosure.segments import protect_segments, secondary_reason
from lea_spark.publish.rates import RateProtection, protect_rates, rate_reason
from lea_spark.publish.aggregate import Aggregates
from lea_spark.publish.cells import CHILDREN, FAMILIES, TOTAL, PublishCells, build_cells, linked_children_status
from lea_spark.publish.geography import COUNTRY_CODE

log = logging.getLogger(__name__)

AREA_COLS = ["area_level", "area_code", "area_name_fi", "area_name_sv", "parent_area_code",
             "municipality_code", "wellbeing_county_code"]
LEVEL_ORDER = {"country": 0, "county": 1, "municipality": 2, "postal_area": 3}


@dataclass
class Settings:
    threshold: int = 5
    protection: float = 3.0
    decimals: int = 1
    secondary: bool = True
    exact_max_cells: int = 2000
    postal_min_families: int = 0   # 0: every postal area is a cell of its own
    type_min_families: int = 0     # family types only for municipalities with this many families
    rate_indicators: tuple | None = None  # indicators published per area (None: all)


@dataclass
class Publication:
    tables: dict[str, pd.DataFrame]
    audit: AuditResult
    cells: PublishCells
    status: np.ndarray
    summary: dict = field(default_factory=dict)
    rates: RateProtection | None = None   # the joint rate table of every 0/1 indicator

    @property
    def audit_passed(self) -> bool:
        return self.audit.n_failing == 0 and (self.rates is None or self.rates.audit.n_failing == 0)


def split_counts(agg: Aggregates, areas: pd.DataFrame):
    """Municipality/postal/type/children frames for :func:`build_cells` + unplaced families."""
    c = agg.counts.copy()
    c["children"] = pd.to_numeric(c["children"], errors="coerce")
    known_postal = set(areas.loc[areas.area_level == "postal_area", "area_code"])
    in_postal = c["postal_code"].isin(known_postal)
    muni_group = c.groupby(["municipality_code", "group_id"], as_index=False).families.sum()
    postal_group = c[in_postal].groupby(["postal_code", "group_id"], as_index=False).families.sum()
    muni_type = c.groupby(["municipality_code", "type_id", "group_id"], as_index=False).families.sum()
    has_children = c["children"].notna().all() and len(c) > 0
    muni_children = postal_children = None
    if has_children:
        muni_children = c.groupby("municipality_code", as_index=False).children.sum()
        postal_children = c[in_postal].groupby("postal_code", as_index=False).children.sum()
    unplaced = int(c.loc[~in_postal, "families"].sum())
    return muni_group, postal_group, muni_type, muni_children, postal_children, unplaced


def run_protection(cells: PublishCells, s: Settings):
    """Suppress and audit; children counts follow their area's family total.

    ``protect`` applies the link (with secondary suppression, until nothing changes) before
    every audit, so the statuses it returns already have every child count linked.
    """
    link = (lambda st: linked_children_status(cells, st)) if s.secondary else None
    return protect(cells.table, s.threshold, s.protection, cells.thresholded, secondary=s.secondary,
                   exact_max_cells=s.exact_max_cells, link=link)


def _reasons(cells: PublishCells, status: np.ndarray, threshold: int) -> list[str | None]:
    out = []
    for key, st in zip(cells.table.keys, status):
        if st == PUBLISHED:
            out.append(None)
        elif key[0] == CHILDREN and st == 1:
            out.append(f"fewer than {threshold} children beyond the first of each family")
        elif key[0] == CHILDREN:
            out.append("suppressed with the area's family count or to protect another area")
        elif st == 1:
            out.append(f"fewer than {threshold} families")
        elif st == WITHHELD:
            out.append(f"fewer than {threshold} families, or hidden to protect such a count")
        else:
            out.append("hidden so that a suppressed count cannot be derived from the published ones")
    return out


SMALL_AREA = "too-small-area"


def pool_small_postal_areas(areas: pd.DataFrame, agg: Aggregates, min_families: int):
    """Postal areas with fewer than ``min_families`` families, pooled per municipality.

    Returns ``(cell_areas, cell_agg, small)``: the areas that become cells (large postal
    areas plus one pooled pseudo-area ``<municipality>-pooled`` per municipality that has
    small ones), the aggregates with small areas' families moved to the pool, and the set
    of small postal codes. The pooled cells take part in suppression and in the audit like
    any area (their value is derivable from the municipality and its published postal
    areas), but no row is published for them; a small postal area is published as such,
    with no counts. Without pooling, thousands of nearly empty postal areas make every
    county one linked component that the audit cannot solve in time.
    """
    if min_families <= 0:
        return areas, agg, set()
    postal = areas[areas.area_level == "postal_area"]
    totals = agg.counts.groupby("postal_code").families.sum()
    small = {p for p in postal.area_code if totals.get(p, 0) < min_families}
    if not small:
        return areas, agg, set()
    muni_of = dict(zip(postal.area_code, postal.municipality_code))
    pooled = {p: f"{muni_of[p]}-pooled" for p in small}
    pool_rows = (postal[postal.area_code.isin(small)].drop_duplicates("municipality_code").copy())
    pool_rows["area_code"] = pool_rows["municipality_code"] + "-pooled"
    for col in ("area_name_fi", "area_name_sv"):
        pool_rows[col] = "pooled small postal areas"
    cell_areas = pd.concat([areas[~areas.area_code.isin(small) | (areas.area_level != "postal_area")], pool_rows],
                           ignore_index=True)
    counts = agg.counts.copy()
    counts["postal_code"] = counts["postal_code"].map(lambda p: pooled.get(p, p))
    by_area = agg.indicator_area.copy()
    if "postal_code" in by_area.columns:
        by_area["postal_code"] = by_area["postal_code"].map(lambda p: pooled.get(p, p))
    cell_agg = Aggregates(counts, by_area, agg.indicator_group, agg.indicators, agg.binary)
    return cell_areas, cell_agg, small


def build_publication(areas: pd.DataFrame, agg: Aggregates, period: str, s: Settings,
                      group_names: dict[int, dict] | None = None,
                      phenomena: dict[str, str] | None = None) -> Publication:
    """All publish tables for ``period`` (pandas), suppressed and audited."""
    cell_areas, cell_agg, small = pool_small_postal_areas(areas, agg, s.postal_min_families)
    muni_group, postal_group, muni_type, muni_children, postal_children, unplaced = split_counts(cell_agg, cell_areas)
    type_munis = None
    if s.type_min_families > 0:
        muni_totals = muni_group.groupby("municipality_code").families.sum()
        type_munis = {m for m, n in muni_totals.items() if n >= s.type_min_families}
    cells = build_cells(cell_areas, muni_group, postal_group, muni_type, muni_children, postal_children,
                        type_munis=type_munis)
    status, result = run_protection(cells, s)
    t = cells.table
    values = t.value_array()
    reasons = _reasons(cells, status, s.threshold)
    names = STATUS_NAMES

    too_small = (None, SMALL_AREA, f"fewer than {s.postal_min_families} families in the postal area: "
                 "counted only within its municipality")

    def cell(key):
        if key[1] == "postal_area" and key[2] in small:
            return too_small
        i = t.index(key)
        st = int(status[i])
        return (int(values[i]) if st == PUBLISHED else None), names[st], reasons[i]

    area_rows = areas.to_dict("records")
    group_names = group_names or {}
    decimals = s.decimals

    af, gf, tf = [], [], []
    for a in area_rows:
        lvl, code = a["area_level"], a["area_code"]
        fam, fst, frs = cell((FAMILIES, lvl, code, TOTAL))
        if cells.has_children:
            extra, cst, crs = cell((CHILDREN, lvl, code, TOTAL))
            # children = families + children beyond the first; shown only when both are
            ch = fam + extra if (extra is not None and fam is not None) else None
            if ch is None and cst == "published":
                cst, crs = names[SECONDARY], "suppressed with the area's family count"
        else:
            ch, cst, crs = None, "unavailable", "number of children not in the inputs"
        af.append({**a, "families": fam, "families_status": fst, "families_reason": frs,
                   "children": ch, "children_status": cst, "children_reason": crs})
        for g in cells.group_ids:
            n, st, rs = cell((FAMILIES, lvl, code, ("group", g)))
            share, sst, srs = _share(n, fam, decimals)
            nm = group_names.get(g, {})
            gf.append({**a, "group_id": g, "group_name_fi": nm.get("fi", f"Ryhmä {g}"),
                       "group_name_sv": nm.get("sv", f"Grupp {g}"), "families": n, "status": st, "reason": rs,
                       "share_pct": share, "share_status": sst, "share_reason": srs})
        if lvl == "municipality":
            few = type_munis is not None and code not in type_munis
            for ty in cells.type_ids:
                if few:
                    n, st, rs = None, SMALL_AREA, (f"fewer than {s.type_min_families} families in the municipality: "
                                                   "family types are not published")
                else:
                    n, st, rs = cell((FAMILIES, lvl, code, ("type", ty)))
                share, sst, srs = _share(n, fam, decimals)
                tf.append({**a, "type_id": ty, "group_id": cells.type_group.get(ty), "families": n, "status": st,
                           "reason": rs, "share_pct": share, "share_status": sst, "share_reason": srs})
    area_families = pd.DataFrame(af)
    fam_status = {(r["area_level"], r["area_code"]): r["families_status"] for r in af}
    rate_prot = protect_all_rates(cells, status, result, cell_agg, cell_areas, s)
    rates = _indicator_rates(areas, agg, fam_status, s, phenomena or {}, rate_prot)
    profiles = _group_profiles(agg, cells, status, s, group_names, phenomena or {}, rate_prot)
    audit_df = pd.concat([_audit_frame(cells.table, status, result, s.protection)]
                         + ([_audit_frame(rate_prot.table, rate_prot.status, rate_prot.audit, s.protection, "rate:")]
                            if rate_prot is not None else []), ignore_index=True)
    tables = {
        "area_families": area_families,
        "group_families": pd.DataFrame(gf),
        "type_families": pd.DataFrame(tf, columns=AREA_COLS + ["type_id", "group_id", "families", "status", "reason",
                                                               "share_pct", "share_status", "share_reason"]),
        "indicator_rates": rates,
        "group_profiles": profiles,
        "audit": audit_df,
    }
    for name, df in tables.items():
        df.insert(0, "reference_period", period)
    summary = {
        "cells": t.n, "suppressed": int((status != PUBLISHED).sum()),
        "primary": int((status == 1).sum()), "secondary": int((status == SECONDARY).sum()),
        "withheld": int((status == WITHHELD).sum()),
        "audit_failing": result.n_failing, "audit_seconds": round(result.seconds, 2),
        # printed and logged: they may be the families with protected addresses
        "families_without_postal_area": shown_count(unplaced, s.threshold),
        "rate_indicators_protected": len(rate_prot.indicators) if rate_prot else 0,
        "rate_cells_suppressed": rate_prot.rate_cells_suppressed if rate_prot else 0,
        "rate_audit_cells": len(rate_prot.audit.cells) if rate_prot else 0,
        "rate_audit_failing": rate_prot.audit.n_failing if rate_prot else 0,
        "rate_audit_seconds": round(rate_prot.audit.seconds, 2) if rate_prot else 0.0,
    }
    return Publication(tables, result, cells, status, summary, rate_prot)


def shown_count(n: int, threshold: int) -> int | str:
    """A count for a log line or summary: itself when 0 or at least ``threshold``, else a band."""
    return n if n == 0 or n >= threshold else f"fewer than {threshold}"


def _share(n, total, decimals):
    if n is None:
        return None, "suppressed", "count suppressed"
    if total is None:
        return None, "suppressed", "area total suppressed"
    if total == 0:
        return None, "not applicable", "no families"
    return round(100.0 * n / total, decimals), "published", None


def small_rate_reason(n: int, pos: int, binary: bool, threshold: int, positive: str = "a nonzero value") -> str | None:
    """Why a rate of ``n`` families, ``pos`` of them with ``positive``, is not shown (None: it
    may be): fewer than ``threshold`` families with a value; for a share (``binary``), with or
    without the trait; for a mean, with ``positive``. The rule of every rate publish shows and
    of the model's profiles (:mod:`lea_spark.ml.profiles`)."""
    t = threshold
    if n < t:
        return f"fewer than {t} families with a value"
    if binary and (pos < t or n - pos < t):
        return f"fewer than {t} families with or without the trait"
    if not binary and pos < t:
        return f"fewer than {t} families with {positive}"
    return None


def _rate(n, pos, total, binary, s: Settings):
    """(value, status, reason) of one indicator rate from its sums."""
    reason = small_rate_reason(n, pos, binary, s.threshold)
    if reason:
        return None, "primary-suppressed", reason
    if binary:
        return round(100.0 * pos / n, s.decimals), "published", None
    return round(total / n, max(s.decimals, 2)), "published", None


def _indicator_rates(areas, agg: Aggregates, fam_status, s: Settings, phenomena, rate_prot=None) -> pd.DataFrame:
    cols = AREA_COLS + ["indicator", "phenomenon", "unit", "value", "status", "reason"]
    if not agg.indicators or agg.indicator_area.empty:
        return pd.DataFrame(columns=cols)
    ia = agg.indicator_area.copy()
    stat_cols = [c for c in ia.columns if "__" in c]
    ia[stat_cols] = ia[stat_cols].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    sums = level_sums(ia, stat_cols, areas)
    rows = []
    for a in areas.to_dict("records"):
        lvl, code = a["area_level"], a["area_code"]
        table = sums[lvl]
        have = code in table.index
        for ind in published_rate_indicators(agg.indicators, s):
            unit = "percent" if agg.binary[ind] else "mean"
            base = {**a, "indicator": ind, "phenomenon": phenomena.get(ind, "unknown"), "unit": unit}
            if fam_status.get((lvl, code)) != "published":
                rows.append({**base, "value": None, "status": "secondary-suppressed",
                             "reason": "area family count suppressed"})
                continue
            r = table.loc[code] if have else None
            n = float(r[f"n__{ind}"]) if have else 0.0
            pos = float(r[f"pos__{ind}"]) if have else 0.0
            tot = float(r[f"sum__{ind}"]) if have else 0.0
            v, st, rs = _rate(n, pos, tot, agg.binary[ind], s)
            if rate_prot is not None and ind in rate_prot.indicators:
                st, rs = rate_reason(*rate_prot.rate_status(ind, lvl, code), s.threshold)
                if st != "published":
                    v = None
            rows.append({**base, "value": v, "status": st, "reason": rs})
    return pd.DataFrame(rows, columns=cols)


def _group_profiles(agg: Aggregates, cells: PublishCells, status, s: Settings, group_names, phenomena,
                    rate_prot=None) -> pd.DataFrame:
    """Each group's national indicator rates next to the national rate (the group profile)."""
    cols = ["group_id", "group_name_fi", "group_name_sv", "group_name_en", "name_source", "indicator",
            "phenomenon", "unit", "value", "country_value", "status", "reason"]
    if not agg.indicators or agg.indicator_group.empty:
        return pd.DataFrame(columns=cols)
    ig = agg.indicator_group.copy()
    stat_cols = [c for c in ig.columns if "__" in c]
    ig[stat_cols] = ig[stat_cols].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    ig = ig.set_index(ig.group_id.astype(int))
    nat = ig[stat_cols].sum()
    t = cells.table
    means = _protect_profile_means(agg, cells, status, ig, s, rate_prot)
    # the country's value of each indicator, the same in every group's row
    country = {}
    for ind in agg.indicators:
        cv, _, _ = _rate(nat[f"n__{ind}"], nat[f"pos__{ind}"], nat[f"sum__{ind}"], agg.binary[ind], s)
        if rate_prot is not None and ind in rate_prot.indicators:
            if rate_reason(*rate_prot.rate_status(ind, "country", COUNTRY_CODE), s.threshold)[0] != "published":
                cv = None
        elif ind in means and means[ind].get(("country", 0)) != PUBLISHED:
            cv = None
        country[ind] = cv
    rows = []
    for g in cells.group_ids:
        nm = group_names.get(g, {})
        g_status = status[t.index((FAMILIES, "country", COUNTRY_CODE, ("group", g)))]
        for ind in agg.indicators:
            binary = agg.binary[ind]
            cv = country[ind]
            base = {"group_id": g, "group_name_fi": nm.get("fi", f"Ryhmä {g}"), "group_name_sv": nm.get("sv", f"Grupp {g}"),
                    "group_name_en": nm.get("en", f"Group {g}"), "name_source": nm.get("source", "generic"),
                    "indicator": ind, "phenomenon": phenomena.get(ind, "unknown"),
                    "unit": "percent" if binary else "mean", "country_value": cv}
            if g_status != PUBLISHED or g not in ig.index:
                rows.append({**base, "value": None, "status": "secondary-suppressed",
                             "reason": "group's national count suppressed"})
                continue
            r = ig.loc[g]
            v, st, rs = _rate(r[f"n__{ind}"], r[f"pos__{ind}"], r[f"sum__{ind}"], binary, s)
            if rate_prot is not None and ind in rate_prot.indicators:
                st, rs = rate_reason(*rate_prot.rate_status(ind, "country", COUNTRY_CODE, ("group", g)), s.threshold)
                if st != "published":
                    v = None
            elif ind in means:
                seg_status = means[ind].get(("group", g))
                if seg_status == WITHHELD:
                    v, st, rs = None, "suppressed", (f"fewer than {s.threshold} families with a value or a nonzero "
                                                     "value, or hidden to protect such a value")
                elif st == "published" and seg_status != PUBLISHED:
                    v, st, rs = None, "secondary-suppressed", secondary_reason(s.threshold)
            rows.append({**base, "value": v, "status": st, "reason": rs})
    return pd.DataFrame(rows, columns=cols)


def _protect_profile_means(agg: Aggregates, cells: PublishCells, status, ig: pd.DataFrame, s: Settings,
                           rate_prot=None) -> dict[str, dict[tuple, int]]:
    """Indicator -> {("group", g) | ("country", 0): status} for the group profile's means.

    A mean hidden in one group (fewer than ``threshold`` families with a nonzero value) would
    follow from the country's mean and the other groups' (each times its families): the
    counts of families with a nonzero value, country = its groups, are protected and audited
    (:func:`lea_spark.disclosure.segments.protect_segments`). Shares are protected with the
    rates (``rate_prot``); a 0/1 indicator outside it is protected here as a share (families
    with and without the trait). A group whose number of families the family table hides has
    its values hidden with it.
    """
    t = cells.table
    inds = [i for i in agg.indicators if rate_prot is None or i not in rate_prot.indicators]
    if not inds or not s.secondary:
        return {}
    segs, hidden = {}, {}
    for g in cells.group_ids:
        i = t.index((FAMILIES, "country", COUNTRY_CODE, ("group", g)))
        have = g in ig.index
        segs[g] = {"n": int(t.values[i]),
                   "valid": {c: int(ig.loc[g, f"n__{c}"]) if have else 0 for c in inds},
                   "positive": {c: int(ig.loc[g, f"pos__{c}"]) if have else 0 for c in inds}}
        if status[i] != PUBLISHED:
            hidden[("group", g)] = int(status[i])
    # a mean that indicator_rates publishes per area has its country value shown there
    per_area = set(published_rate_indicators(agg.indicators, s))
    prot = protect_segments(segs, {}, {}, {c: bool(agg.binary[c]) for c in inds}, s.threshold, s.protection,
                            hidden=hidden, country_shown={c for c in inds if c in per_area})
    for c in prot.unprotectable:
        log.warning("group profiles: %s could not be protected and is withheld in every group", c)
    by_ind: dict[str, dict[tuple, int]] = {c: {} for c in inds}
    for (level, seg, c), st in prot.values.items():
        by_ind[c][(level, seg)] = st
    return by_ind


def level_sums(ia: pd.DataFrame, cols: list[str], areas: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Sums of ``cols`` of the (municipality, postal area) aggregates per area, level by level.

    Families count in their residence municipality (and its county) and in their residence
    postal area when it is one of ``areas``; the country row is indexed by its code.
    """
    munis = areas[areas.area_level == "municipality"]
    county_of = dict(zip(munis.area_code, munis.wellbeing_county_code))
    known_postal = set(areas.loc[areas.area_level == "postal_area", "area_code"])
    sums = {
        "postal_area": ia[ia.postal_code.isin(known_postal)].groupby("postal_code")[cols].sum(),
        "municipality": ia.groupby("municipality_code")[cols].sum(),
    }
    sums["county"] = sums["municipality"].groupby(sums["municipality"].index.map(county_of))[cols].sum()
    sums["country"] = pd.DataFrame([ia[cols].sum()], index=[COUNTRY_CODE])
    return sums


def published_rate_indicators(indicators: list[str], s: Settings) -> list[str]:
    """The indicators of ``publish.indicator_rates`` (configured, in the features' order)."""
    if s.rate_indicators is None:
        return list(indicators)
    return [i for i in indicators if i in set(s.rate_indicators)]


def protect_all_rates(cells: PublishCells, status, result: AuditResult, agg: Aggregates,
                      cell_areas: pd.DataFrame, s: Settings) -> RateProtection | None:
    """Protect the rates of every 0/1 indicator in one joint table (see
    :mod:`lea_spark.publish.rates`).

    ``agg`` and ``cell_areas`` are those of the cells (small postal areas pooled).

    Only with secondary suppression on: in primary-only mode the family audit refuses to
    publish anyway.
    """
    binary = [i for i in agg.indicators if agg.binary.get(i)]
    if not s.secondary or not binary or agg.indicator_area.empty:
        return None
    per_area = set(published_rate_indicators(agg.indicators, s))
    ia = agg.indicator_area.copy()
    pos_cols = [f"pos__{i}" for i in binary]
    ia[pos_cols] = ia[pos_cols].apply(pd.to_numeric, errors="coerce").fillna(0).astype("int64")
    sums = level_sums(ia, pos_cols, cell_areas)
    ig = agg.indicator_group.copy()
    ig[pos_cols] = ig[pos_cols].apply(pd.to_numeric, errors="coerce").fillna(0).astype("int64")
    ig = ig.set_index(ig.group_id.astype(int))[pos_cols]
    counts: dict[str, dict[tuple, int]] = {}
    levels: dict[str, set[str] | None] = {}
    for ind in binary:
        col = f"pos__{ind}"
        c: dict[tuple, int] = {}
        for level, frame in sums.items():
            for code, v in frame[col].items():
                c[(FAMILIES, level, code, TOTAL)] = int(v)
        for g, v in ig[col].items():
            c[(FAMILIES, "country", COUNTRY_CODE, ("group", int(g)))] = int(v)
        counts[ind] = c
        # Indicators not published per area appear only in the group profiles (country level).
        levels[ind] = None if ind in per_area else {"country"}
    # Certification mode (exact_max_cells=0): a cell is cleared as soon as feasible points
    # spread it by the protection width; exact intervals are not needed for rates.
    return protect_rates(cells, status, result, counts, s.threshold, s.protection, exact_max_cells=0, levels=levels)


def _category_name(cat) -> str:
    return cat if isinstance(cat, str) else f"{cat[0]}:{cat[1]}"


def _audit_frame(t, status, result: AuditResult, protection: float, measure_prefix: str = "") -> pd.DataFrame:
    """One ``publish.audit`` row per audited cell of a linked table (``measure`` prefixed,
    e.g. ``rate:<indicator>:`` for the rate tables)."""
    rows = []
    for j, c in enumerate(result.cells):
        measure, lvl, code, cat = t.keys[c]
        lo, hi = float(result.lower[j]), float(result.upper[j])
        exact = bool(result.exact[j])
        rows.append({
            "measure": measure_prefix + measure, "area_level": lvl, "area_code": code,
            "category": _category_name(cat),
            # An inner interval (certification mode) is spanned by feasible points found from
            # the true values and holds the true value: narrower than what the published table
            # allows, so its bounds are not published; its width, a proven minimum, is.
            "status": STATUS_NAMES[int(status[c])], "lower_bound": lo if exact else None,
            "upper_bound": hi if exact and np.isfinite(hi) else None,
            "interval_width": (hi - lo) if np.isfinite(hi) else None,
            "required_width": float(protection), "is_protected": bool(result.protected[j]),
            "interval_is_exact": exact, "component_id": int(result.component[j]),
            "component_cells": int(result.component_size[j]),
        })
    cols = ["measure", "area_level", "area_code", "category", "status", "lower_bound", "upper_bound",
            "interval_width", "required_width", "is_protected", "interval_is_exact", "component_id",
            "component_cells"]
    return pd.DataFrame(rows, columns=cols)
