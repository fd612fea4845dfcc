"""Rates of 0/1 indicators cannot be differenced back to suppressed counts."""
from __future__ import annotations

import pandas as pd

from lea_spark.disclosure import PUBLISHED, audit, primary_suppress, protect
from lea_spark.publish.geography import build_areas
from lea_spark.publish.cells import FAMILIES, TOTAL, build_cells
from lea_spark.publish.rates import NEG, POS, protect_rates, rate_keys, rate_reason

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


def cells_for(families: dict[str, int]):
    """Family counts per postal area (one group), every family living in its own municipality."""
    areas = tiny_geography()
    muni_of = {"A": "001", "B": "001", "C": "002"}
    pg = pd.DataFrame([(p, 1, n) for p, n in families.items()], columns=["postal_code", "group_id", "families"])
    mg = (pg.assign(municipality_code=pg.postal_code.map(muni_of))
          .groupby(["municipality_code", "group_id"], as_index=False).families.sum())
    return build_cells(areas, mg, pg)


def pos_by_key(cells, pos: dict[str, int]) -> dict:
    muni_of = {"A": "001", "B": "001", "C": "002"}
    out = {}
    for k in rate_keys(cells):
        level, code = k[1], k[2]
        if level == "postal_area":
            out[k] = pos.get(code, 0)
        elif level == "municipality":
            out[k] = sum(v for p, v in pos.items() if muni_of[p] == code)
        else:
            out[k] = sum(pos.values())
    return out


def rates_of_published_areas(families: dict[str, int], pos: dict[str, int]):
    """``(cells, RateProtection)`` for areas whose family counts are all published; audit passed."""
    cells = cells_for(families)
    fstatus, fres = protect(cells.table, T, P)
    assert (fstatus == PUBLISHED).all()
    rp = protect_rates(cells, fstatus, fres, pos_by_key(cells, pos), "trait", T, P)
    assert rp.audit.n_failing == 0
    return cells, rp


def test_a_small_rate_is_not_left_to_differencing():
    # Family counts are all published (>= 5); area B has 2 families with the trait.
    cells, rp = rates_of_published_areas({"A": 40, "B": 30, "C": 50}, {"A": 12, "B": 2, "C": 20})
    b = rp.rate_status("postal_area", "B")
    assert rate_reason(*b, T) == ("primary-suppressed", f"fewer than {T} families with the trait")
    # B = 001 - A: at least one more rate in 001's relation is suppressed.
    others = [rp.rate_status("postal_area", "A"), rp.rate_status("municipality", "001")]
    assert any(s != (PUBLISHED, PUBLISHED) for s in others)
    # Primary suppression alone would let the attacker read B exactly.
    naive = primary_suppress(rp.table, T, rp.table.value_array() >= 0)
    t = rp.table
    for k in rate_keys(cells):
        for m in (POS, NEG):
            i = t.index((m,) + k[1:])
            if k[1:] != ("postal_area", "B", TOTAL):
                naive[i] = PUBLISHED
    naive[t.index((NEG, "postal_area", "B", TOTAL))] = 2  # linked with its POS
    leak = audit(t, naive, T, P, thresholded=rp.table.value_array() >= 0)
    assert leak.n_failing > 0


def test_rates_of_suppressed_areas_do_not_reveal_their_family_count():
    # Area B has 3 families (suppressed); every rate around it published would give
    # B = (001 - A) for both with and without the trait, i.e. its family count.
    cells = cells_for({"A": 40, "B": 3, "C": 50})
    fstatus, fres = protect(cells.table, T, P)
    b_key = (FAMILIES, "postal_area", "B", TOTAL)
    assert fstatus[cells.table.index(b_key)] != PUBLISHED
    pos = pos_by_key(cells, {"A": 12, "B": 1, "C": 20})
    rp = protect_rates(cells, fstatus, fres, pos, "trait", T, P)
    assert rp.audit.n_failing == 0  # family counts included: their intervals stay wide
    n_b = rp.table.index(("families", "postal_area", "B", TOTAL))
    j = list(rp.audit.cells).index(n_b)
    assert rp.audit.upper[j] - rp.audit.lower[j] >= P
    # Family counts are never changed by the rate protection.
    for k in rate_keys(cells):
        n_i = rp.table.index(("families",) + k[1:])
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
    assert rate_reason(*rp.rate_status("postal_area", "B"), T)[0] == "suppressed"
    for level, code in [("county", "01"), ("country", "FI"), ("municipality", "002"), ("postal_area", "C")]:
        assert rp.rate_status(level, code) == (PUBLISHED, PUBLISHED), (level, code)
    # With B's reason shown, the audit would find the rate exposed.
    t = rp.table
    shown = rp.status.copy()
    shown[t.index((POS, "postal_area", "B", TOTAL))] = 1
    shown[t.index((NEG, "postal_area", "B", TOTAL))] = 2
    leak = audit(t, shown, T, P, thresholded=t.value_array() >= 0)
    assert leak.n_failing > 0
