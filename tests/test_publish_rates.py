"""Rates of 0/1 indicators cannot be differenced back to suppressed counts."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lea_spark.disclosure import PUBLISHED, audit, primary_suppress, protect
from lea_spark.publish.geography import build_areas
from lea_spark.publish.cells import FAMILIES, TOTAL, build_cells
from lea_spark.publish.rates import NEG, POS, protect_rates, rate_key, rate_keys, rate_reason

T, P = 5, 3


def tiny_geography():
    """One county, two municipalities; municipality 001 has postal areas A and B, 002 has C."""
    munis = pd.DataFrame({
        "municipality_code": ["001", "002"], "name_fi": ["Yksi", "Kaksi"], "name_sv": ["Ett", "Två"],
        "wellbeing_county_code": ["01", "01"], "wellbeing_county_name_fi": ["Maakunta", "Maakunta"],
        "wellbeing_county_name_sv": ["Landskap", "Landskap"],
    })
    postal = pd.DataFrame({"postal_code": ["A", "B", "C"], "name_fi": ["A", "B", "C"], "name_sv": ["A", "B", "C"],
                           "municipality_code": ["001", "001", "002"]})
    return build_areas(munis, postal)


MUNI_OF = {"A": "001", "B": "001", "C": "002"}


def cells_with_groups(families: dict[tuple[str, int], int]):
    """Family counts per (postal area, group), every family living in its own municipality."""
    pg = pd.DataFrame([(p, g, n) for (p, g), n in families.items()], columns=["postal_code", "group_id", "families"])
    mg = (pg.assign(municipality_code=pg.postal_code.map(MUNI_OF))
          .groupby(["municipality_code", "group_id"], as_index=False).families.sum())
    return build_cells(tiny_geography(), mg, pg)


def pos_by_key_group(cells, pos: dict[tuple[str, int], int]) -> dict:
    """Families with the trait per rate key from counts per (postal area, group)."""
    out = {}
    for k in rate_keys(cells):
        level, code, cat = k[1], k[2], k[3]
        items = [(p, g, v) for (p, g), v in pos.items() if cat == TOTAL or cat == ("group", g)]
        if level == "postal_area":
            out[k] = sum(v for p, _, v in items if p == code)
        elif level == "municipality":
            out[k] = sum(v for p, _, v in items if MUNI_OF[p] == code)
        else:
            out[k] = sum(v for _, _, v in items)
    return out


def cells_for(families: dict[str, int]):
    """Family counts per postal area, all in one group."""
    return cells_with_groups({(p, 1): n for p, n in families.items()})


def pos_by_key(cells, pos: dict[str, int]) -> dict:
    """Families with the trait per rate key from counts per postal area (one group)."""
    return pos_by_key_group(cells, {(p, 1): v for p, v in pos.items()})


def rates_of_published_areas(families: dict[str, int], pos: dict[str, int]):
    """``(cells, RateProtection)`` for areas whose family counts are all published; audit passed."""
    cells = cells_for(families)
    fstatus, fres = protect(cells.table, T, P)
    assert (fstatus == PUBLISHED).all()
    rp = protect_rates(cells, fstatus, fres, {"trait": pos_by_key(cells, pos)}, T, P)
    assert rp.audit.n_failing == 0
    return cells, rp


def test_a_small_rate_is_not_left_to_differencing():
    # Family counts are all published (>= 5); area B has 2 families with the trait.
    cells, rp = rates_of_published_areas({"A": 40, "B": 30, "C": 50}, {"A": 12, "B": 2, "C": 20})
    b = rp.rate_status("trait", "postal_area", "B")
    assert rate_reason(*b, T) == ("primary-suppressed", f"fewer than {T} families with the trait")
    # B = 001 - A: at least one more rate in 001's relation is suppressed.
    others = [rp.rate_status("trait", "postal_area", "A"), rp.rate_status("trait", "municipality", "001")]
    assert any(s != (PUBLISHED, PUBLISHED) for s in others)
    # Primary suppression alone would let the attacker read B exactly.
    t = rp.table
    naive = primary_suppress(t, T, ~rp.family_cell)
    for k in rate_keys(cells):
        for m in (POS, NEG):
            i = t.index(rate_key("trait", m, k))
            if k[1:] != ("postal_area", "B", TOTAL):
                naive[i] = PUBLISHED
    naive[t.index(rate_key("trait", NEG, ("families", "postal_area", "B", TOTAL)))] = 2  # linked with its POS
    leak = audit(t, naive, T, P, thresholded=np.ones(t.n, dtype=bool))
    assert leak.n_failing > 0


def test_rates_of_suppressed_areas_do_not_reveal_their_family_count():
    # Area B has 3 families (suppressed); every rate around it published would give
    # B = (001 - A) for both with and without the trait, i.e. its family count.
    cells = cells_for({"A": 40, "B": 3, "C": 50})
    fstatus, fres = protect(cells.table, T, P)
    b_key = (FAMILIES, "postal_area", "B", TOTAL)
    assert fstatus[cells.table.index(b_key)] != PUBLISHED
    pos = pos_by_key(cells, {"A": 12, "B": 1, "C": 20})
    rp = protect_rates(cells, fstatus, fres, {"trait": pos}, T, P)
    assert rp.audit.n_failing == 0  # family counts included: their intervals stay wide
    n_b = rp.table.index(b_key)
    j = list(rp.audit.cells).index(n_b)
    assert rp.audit.upper[j] - rp.audit.lower[j] >= P
    # Family counts are never changed by the rate protection.
    for k in rate_keys(cells):
        n_i = rp.table.index(k)
        assert (rp.status[n_i] == PUBLISHED) == (fstatus[cells.table.index(k)] == PUBLISHED)


def test_rate_reasons_say_which_side_is_small():
    assert rate_reason(PUBLISHED, PUBLISHED, T) == ("published", None)
    assert rate_reason(1, 2, T)[1] == f"fewer than {T} families with the trait"
    assert rate_reason(2, 1, T)[1] == f"fewer than {T} families without the trait"
    assert rate_reason(2, 2, T)[0] == "secondary-suppressed"
    assert rate_reason(3, 3, T)[0] == "suppressed"


def test_a_small_area_pinned_by_its_own_count_withholds_only_its_reason():
    # B has 6 families, 1 with the trait: "fewer than 5 with" next to its published count
    # would tell the attacker that the other 5 or 6 lack it, i.e. the one is 0 or 1. Nothing in
    # that relation is left to suppress, so only B's reason is withheld; suppressing more rates
    # up the hierarchy would not help and must not happen.
    _, rp = rates_of_published_areas({"A": 40, "B": 6, "C": 50}, {"A": 12, "B": 1, "C": 20})
    assert rate_reason(*rp.rate_status("trait", "postal_area", "B"), T)[0] == "suppressed"
    for level, code in [("county", "01"), ("country", "FI"), ("municipality", "002"), ("postal_area", "C")]:
        assert rp.rate_status("trait", level, code) == (PUBLISHED, PUBLISHED), (level, code)
    # With B's reason shown, the audit would find the rate exposed.
    t = rp.table
    shown = rp.status.copy()
    b = ("families", "postal_area", "B", TOTAL)
    shown[t.index(rate_key("trait", POS, b))] = 1
    shown[t.index(rate_key("trait", NEG, b))] = 2
    leak = audit(t, shown, T, P, thresholded=np.ones(t.n, dtype=bool))
    assert leak.n_failing > 0


def test_every_rate_table_and_the_family_table_are_audited_as_one():
    # B has 3 families (suppressed, and A with it); two indicators' rates of A, B and 001 all
    # bound B's family count, together and with B's group counts.
    cells = cells_with_groups({("A", 1): 20, ("A", 2): 20, ("B", 1): 3, ("B", 2): 0, ("C", 1): 30, ("C", 2): 25})
    fstatus, fres = protect(cells.table, T, P)
    ft = cells.table
    b = (FAMILIES, "postal_area", "B", TOTAL)
    assert fstatus[ft.index(b)] != PUBLISHED
    pos = {"one": pos_by_key_group(cells, {("A", 1): 12, ("B", 1): 1, ("C", 1): 10, ("C", 2): 10}),
           "two": pos_by_key_group(cells, {("A", 2): 3, ("B", 1): 2, ("C", 1): 30})}
    rp = protect_rates(cells, fstatus, fres, pos, T, P)
    t = rp.table
    assert rp.audit.n_failing == 0
    # One table: the family cells once, with the family table's group relations of B ...
    assert t.has(b) and t.has((FAMILIES, "postal_area", "B", ("group", 1)))
    b_rels = [r for r in t.relations if t.index(b) in r.members]
    assert any({t.keys[m][3] for m in r.children} == {("group", 1), ("group", 2)} for r in b_rels)
    # ... tied to both indicators' counts of B.
    for ind in pos:
        kids = {rate_key(ind, POS, b), rate_key(ind, NEG, b)}
        assert any(t.index(b) == r.parent and {t.keys[c] for c in r.children} == kids for r in b_rels)
    # Every suppressed cell of the joint table (family counts and both indicators) is in the
    # one audit, and an exact audit of everything at once agrees that each is protected.
    audited = {t.keys[c] for c in rp.audit.cells}
    assert b in audited
    assert {k[0] for k in audited} >= {"one:with", "one:without", "two:with", "two:without", FAMILIES}
    exact = audit(t, rp.status, T, P, rp.thresholded, exact_max_cells=10**9, known=rp.known)
    assert exact.n_failing == 0 and exact.exact.all()
    j = list(exact.cells).index(t.index(b))
    assert exact.lower[j] <= 3 <= exact.upper[j] and exact.upper[j] - exact.lower[j] >= P
    # The family counts keep their status; only rate cells were suppressed here.
    for k in rate_keys(cells):
        assert rp.status[t.index(k)] == fstatus[ft.index(k)]


def test_counts_of_sensitive_traits_are_shares_not_means(spark):
    """A mean of a count gives away its sum: 0.08 x 12 families = 1 child with a psychiatric
    diagnosis. Counts of sensitive phenomena are published as the share of families with at
    least one (under the rate protection); other means need `threshold` contributing families."""
    from lea_spark.publish import aggregate, catalog_count_indicators
    from lea_spark.publish.build import Settings, _rate

    counts = catalog_count_indicators()
    assert {"children_psychiatric_dx", "parents_substance_use", "social_assistance_months_recent",
            "child_welfare_children"} <= counts
    assert not {"n_children", "moves", "single_parent", "household_earnings_eur"} & counts
    rows = [("001", "A", 1, 1, 1, float(v), 2.0) for v in [0] * 11 + [1]] + [("002", "C", 1, 1, 2, 2.0, 2.0)]
    base = spark.createDataFrame(rows, "municipality_code string, postal_code string, type_id int, group_id int, "
                                       "n_children int, children_psychiatric_dx double, n_grandparents_alive double")
    inds = ["children_psychiatric_dx", "n_grandparents_alive"]
    assert aggregate(base, inds, counts).binary == {"children_psychiatric_dx": True, "n_grandparents_alive": False}
    assert aggregate(base, inds).binary == {"children_psychiatric_dx": False, "n_grandparents_alive": False}
    s = Settings()
    # As a share, one family of 12 with the trait is suppressed; as a mean it would read 0.08.
    assert _rate(12, 1, 1.0, True, s)[1] == "primary-suppressed"
    assert _rate(12, 1, 1.0, False, s) == (None, "primary-suppressed", "fewer than 5 families with a nonzero value")
    assert _rate(12, 6, 9.0, False, s) == (0.75, "published", None)


def test_a_hidden_group_mean_does_not_follow_from_the_country_and_the_other_groups(spark):
    """Group 1 has 3 families with a nonzero value (hidden by the threshold rule). The country's
    mean times its families minus the other groups' would give its sum; the group profile hides
    a second group's mean (or the country's) and says why, so that the relation country = groups
    has no single hidden member. Group 4 (3 families) has its national count suppressed, and
    its values with it; the country's value is the same in every row."""
    from lea_spark.publish import aggregate
    from lea_spark.publish.build import Settings, build_publication

    def profile(groups):
        rows = []
        for g, n, nonzero, postal in groups:
            for i in range(n):
                rows.append((MUNI_OF[postal], postal, g, g, 1, 2.0 + (i % 3) if i < nonzero else 0.0))
        base = spark.createDataFrame(rows, "municipality_code string, postal_code string, type_id int, group_id int, "
                                           "n_children int, w double")
        agg = aggregate(base, ["w"])
        assert agg.binary == {"w": False}
        gp = build_publication(tiny_geography(), agg, "2022", Settings(rate_indicators=())).tables["group_profiles"]
        return gp[gp.indicator == "w"].set_index("group_id")

    three = ((1, 40, 3, "A"), (2, 60, 30, "B"), (3, 50, 20, "C"))
    gp = profile(three)
    assert gp.loc[1, "status"] == "primary-suppressed"
    assert gp.loc[1, "reason"] == "fewer than 5 families with a nonzero value"
    hidden = set(gp.index[gp.value.isna()]) | ({"country"} if gp.country_value.isna().all() else set())
    assert len(hidden) >= 2
    second = gp[gp.status == "secondary-suppressed"]
    assert hidden == {1, "country"} or (len(second) >= 1 and second.reason.str.startswith("hidden so that").all())

    gp = profile(three + ((4, 3, 3, "C"),))
    assert gp.loc[4, "status"] == "secondary-suppressed" and gp.loc[4, "reason"] == "group's national count suppressed"
    assert gp.loc[1, "value"] is None or gp.loc[1, "value"] != gp.loc[1, "value"]
    assert gp.country_value.isna().all() or gp.country_value.nunique(dropna=False) == 1
    hidden = set(gp.index[gp.value.isna()]) | ({"country"} if gp.country_value.isna().all() else set())
    assert len(hidden) >= 2
