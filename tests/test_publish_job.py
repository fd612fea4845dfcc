"""`lea publish` end to end on hand-built gold tables spread over all 308 municipalities."""
from __future__ import annotations

import argparse

import pandas as pd
import pytest

from lea_spark.disclosure import DisclosureError
from lea_spark.lake import read_table
from lea_spark.lake.tables import table_exists
from lea_spark.publish import PUBLISH_TABLES
from tests.conftest import make_cfg
from tests.test_publish_helpers import GEO, PERIOD, dense_families, write_gold

T = 5


def _single_area_municipality() -> str:
    postal = pd.read_csv(GEO / "postal_areas_2025.csv", dtype=str)
    n = postal.groupby("municipality_code").size()
    return sorted(n[n == 1].index)[0]


SINGLE_AREA = _single_area_municipality()
_SINGLE_POSTAL = pd.read_csv(GEO / "postal_areas_2025.csv", dtype=str).set_index("municipality_code").postal_code[SINGLE_AREA]
# Planted small cells: Helsinki 00100 group 1 (types 1+2) = 3 families; type 5 = 1 family in a
# municipality with a single postal area.
SMALL = {("00100", 1): 2, ("00100", 2): 1, (_SINGLE_POSTAL, 5): 1}
ONE_CHILD_AREA = "00120"


@pytest.fixture(scope="module")
def published(spark, tmp_path_factory):
    """Run publish once; return (cfg, families, {table: pandas})."""
    from lea_spark.jobs import publish

    base = tmp_path_factory.mktemp("publish")
    # Every postal area and municipality in full detail: the planted cells sit in small areas.
    cfg = make_cfg(base, **{"publish.postal_min_families": 0, "publish.type_min_families": 0,
                            "publish.rate_indicators": ["low_income", "moves_5y"]})
    families = dense_families(small=SMALL)
    # Postal area 00120 (Helsinki): every family with one child, no child beyond the first.
    families.loc[families.postal_code == ONE_CHILD_AREA, "n_children"] = 1.0
    write_gold(spark, cfg, families)
    summary = publish.run(cfg, argparse.Namespace(period=None))
    tables = {name: read_table(spark, cfg, f"publish.{name}").toPandas() for name in PUBLISH_TABLES}
    return cfg, families, tables, summary


def test_every_area_has_its_rows(published):
    _, families, tables, _ = published
    af = tables["area_families"]
    assert af.groupby("area_level").size().to_dict() == {"country": 1, "county": 23, "municipality": 308,
                                                         "postal_area": 3026}
    assert af[af.area_level == "municipality"].area_code.nunique() == 308
    gf = tables["group_families"]
    assert len(gf) == (1 + 23 + 308 + 3026) * 10
    assert len(tables["type_families"]) == 308 * 20
    assert set(af.reference_period) == {PERIOD}


def test_published_counts_are_right_and_never_below_threshold(published):
    _, families, tables, _ = published
    af = tables["area_families"].set_index(["area_level", "area_code"])
    assert af.loc[("country", "FI"), "families"] == len(families)
    assert af.loc[("country", "FI"), "children"] == families.n_children.sum()
    hel = families[families.municipality_code == "091"]
    assert af.loc[("municipality", "091"), "families"] == len(hel)
    for name, col, status in (("area_families", "families", "families_status"),
                              ("group_families", "families", "status"),
                              ("type_families", "families", "status")):
        t = tables[name]
        pub = t[t[status] == "published"]
        assert (pub[col] >= T).all(), name
        sup = t[t[status] != "published"]
        assert sup[col].isna().all(), f"{name}: a suppressed count is not null"
        assert set(sup[status]) <= {"primary-suppressed", "secondary-suppressed"}
    gf = tables["group_families"]
    hel_groups = hel.groupby("group_id").size()
    got = gf[(gf.area_level == "municipality") & (gf.area_code == "091") & (gf.status == "published")]
    for r in got.itertuples():
        assert r.families == hel_groups[r.group_id]


def test_shares_follow_their_counts(published):
    _, _, tables, _ = published
    gf = tables["group_families"]
    assert gf.loc[gf.status != "published", "share_pct"].isna().all()
    pub = gf[gf.share_status == "published"]
    assert len(pub) > 0
    totals = tables["area_families"].set_index(["area_level", "area_code"]).families
    for r in pub.head(50).itertuples():
        assert r.share_pct == round(100 * r.families / totals[(r.area_level, r.area_code)], 1)


def test_audit_table_shows_every_suppressed_cell_protected(published):
    _, _, tables, summary = published
    audit = tables["audit"]
    counts = audit[~audit.measure.str.startswith("rate:")]
    # The audited cells are exactly the suppressed counts of the three published tables.
    af, gf, tf = tables["area_families"], tables["group_families"], tables["type_families"]
    hidden = {("families", r.area_level, r.area_code, "total") for r in af[af.families_status != "published"].itertuples()}
    # an area's children are hidden exactly when its children beyond the first of each family are
    hidden |= {("extra_children", r.area_level, r.area_code, "total") for r in af[af.children_status != "published"].itertuples()}
    hidden |= {("families", r.area_level, r.area_code, f"group:{r.group_id}") for r in gf[gf.status != "published"].itertuples()}
    hidden |= {("families", r.area_level, r.area_code, f"type:{r.type_id}") for r in tf[tf.status != "published"].itertuples()}
    audited = set(zip(counts.measure, counts.area_level, counts.area_code, counts.category))
    assert len(audited) == len(counts)
    assert audited == hidden and len(hidden) > 0
    assert len(counts) == summary["suppressed"]
    assert len(audit) - len(counts) == summary["rate_audit_cells"]
    assert audit.is_protected.all()
    w = audit.interval_width.fillna(float("inf"))
    assert (w >= 3 - 1e-6).all()


def test_no_identifier_columns_anywhere(published):
    _, _, tables, _ = published
    for name, t in tables.items():
        assert not {"family_id", "person_id"} & set(t.columns), name


def test_indicator_rates_suppressed_with_their_area(published):
    _, _, tables, _ = published
    rates = tables["indicator_rates"]
    assert set(rates.indicator) == {"low_income", "moves_5y"}
    assert set(rates.unit) == {"percent", "mean"}
    fam = tables["area_families"].set_index(["area_level", "area_code"]).families_status
    for r in rates[rates.status == "published"].head(200).itertuples():
        assert fam[(r.area_level, r.area_code)] == "published"
    # The 0/1 indicator's rates went through their own suppression and audit.
    audit = tables["audit"]
    rate_rows = audit[audit.measure.str.startswith("rate:low_income:")]
    assert len(rate_rows) > 0 and rate_rows.is_protected.all()
    shown = rates[(rates.indicator == "low_income") & (rates.status == "published")]
    assert len(shown) > 0 and shown.value.notna().all()
    hidden = rates[(rates.indicator == "low_income") & (rates.status != "published")]
    assert hidden.value.isna().all()


def test_rerun_replaces_exactly_the_period(published, spark):
    from lea_spark.jobs import publish

    from pyspark.sql import functions as F

    from lea_spark.lake import write_table

    cfg, _, tables, _ = published
    # An earlier period published before: the rerun must leave its rows alone.
    earlier = read_table(spark, cfg, "publish.area_families").withColumn("reference_period", F.lit("2021"))
    write_table(cfg, earlier, "publish.area_families", mode="append", partition_by=["reference_period"])
    publish.run(cfg, argparse.Namespace(period=None))
    again = read_table(spark, cfg, "publish.area_families").toPandas()
    assert len(again) == 2 * len(tables["area_families"])
    keys = ["area_level", "area_code"]
    for period in ("2021", PERIOD):
        got = again[again.reference_period == period].drop(columns="reference_period")
        pd.testing.assert_frame_equal(
            got.sort_values(keys).reset_index(drop=True),
            tables["area_families"].drop(columns="reference_period").sort_values(keys).reset_index(drop=True),
            obj=period)


def test_planted_small_cells_are_suppressed_with_partners(published):
    _, _, tables, _ = published
    gf = tables["group_families"].set_index(["area_level", "area_code", "group_id"])
    assert gf.loc[("postal_area", "00100", 1), "status"] == "primary-suppressed"
    assert gf.loc[("postal_area", "00100", 1), "reason"] == "fewer than 5 families"
    # its row and its column each hide another cell
    row = tables["group_families"].query("area_level == 'postal_area' and area_code == '00100'")
    assert (row.status == "secondary-suppressed").sum() >= 1
    # (the column: group 1 in Helsinki's other postal areas and in Helsinki itself)
    column = tables["group_families"].query(
        "group_id == 1 and ((area_level == 'postal_area' and municipality_code == '091' and area_code != '00100')"
        " or (area_level == 'municipality' and area_code == '091'))")
    assert (column.status == "secondary-suppressed").sum() >= 1
    tf = tables["type_families"].set_index(["area_code", "type_id"])
    assert tf.loc[(SINGLE_AREA, 5), "status"] == "primary-suppressed"
    assert tf.loc[(SINGLE_AREA, 6), "status"] == "secondary-suppressed"  # the other type of group 3


def test_cross_border_families_count_in_their_own_municipality(published):
    _, families, tables, _ = published
    af = tables["area_families"].set_index(["area_level", "area_code"])
    assert af.loc[("municipality", "231"), "families"] == 100   # Kaskinen, living in 64260
    assert af.loc[("postal_area", "64260"), "families"] == 200  # keyed to Närpiö (545)


def test_primary_only_leaks_and_publish_refuses(spark, tmp_path):
    from lea_spark.jobs import publish

    cfg = make_cfg(tmp_path, **{"publish.secondary_suppression": False})
    write_gold(spark, cfg, dense_families(per_type=5, small={("00100", 1): 2, ("00100", 2): 1}))
    with pytest.raises(DisclosureError, match="refusing to publish"):
        publish.run(cfg, argparse.Namespace(period=None))
    for name in PUBLISH_TABLES:
        assert not table_exists(cfg, f"publish.{name}")


def test_inconsistent_inputs_are_a_clear_error(spark, tmp_path):
    from lea_spark.jobs import publish
    from lea_spark.lake import write_table
    from lea_spark.publish import PublishInputError

    cfg = make_cfg(tmp_path)
    fam = dense_families(per_type=1)
    write_gold(spark, cfg, fam)
    segs = read_table(spark, cfg, "gold.family_segments").limit(len(fam) - 3)
    write_table(cfg, segs.toPandas().pipe(spark.createDataFrame), "gold.family_segments")
    # 3 < the threshold: the message gives no count below it
    with pytest.raises(PublishInputError, match="fewer than 5 families only in features, 0 only in segments"):
        publish.run(cfg, argparse.Namespace(period=None))
    assert not table_exists(cfg, "publish.area_families")


def test_small_postal_areas_are_pooled_and_shown_as_too_small(spark, tmp_path):
    """With the shipped defaults, a postal area below postal_min_families publishes no
    counts; its families still count in its municipality, and the audit covers the pool."""
    from lea_spark.jobs import publish

    families = dense_families(small=SMALL)
    per_postal = families.groupby("postal_code").size()
    minimum = int(per_postal.median()) + 1  # about half of the postal areas are "small"
    cfg = make_cfg(tmp_path, **{"publish.postal_min_families": minimum, "publish.type_min_families": 10**6})
    write_gold(spark, cfg, families)
    publish.run(cfg, argparse.Namespace(period=None))
    af = read_table(spark, cfg, "publish.area_families").toPandas()
    postal = af[af.area_level == "postal_area"].set_index("area_code")
    small = [p for p in postal.index if per_postal.get(p, 0) < minimum]
    large = [p for p in postal.index if per_postal.get(p, 0) >= minimum]
    assert small and large
    assert (postal.loc[small, "families_status"] == "too-small-area").all()
    assert postal.loc[small, "families"].isna().all()
    assert not (postal.loc[large, "families_status"] == "too-small-area").any()
    munis = af[af.area_level == "municipality"].set_index("area_code")
    assert munis.loc["091", "families"] == (families.municipality_code == "091").sum()
    # No pooled pseudo-area leaks into the published rows; types are withheld everywhere here.
    assert not af.area_code.str.endswith("-pooled").any()
    tf = read_table(spark, cfg, "publish.type_families").toPandas()
    assert (tf.status == "too-small-area").all() and tf.families.isna().all()
    audit = read_table(spark, cfg, "publish.audit").toPandas()
    assert audit.is_protected.all()


def test_children_beyond_the_first_of_each_family_are_never_few(published):
    """Every family has a child, so a published number of children next to its published
    family count tells how many children are beyond the first of each family, i.e. at most how
    many families have more than one. That difference is a thresholded count too: it is never
    published below the threshold, and it hides the children of some areas whose family count
    is published."""
    cfg, families, tables, _ = published
    af = tables["area_families"]
    t = cfg["publish.threshold"]
    shown = af[af.children_status == "published"]
    assert len(shown) > 0 and (shown.children - shown.families >= t).all()
    assert (af.loc[af.families_status != "published", "children_status"] != "published").all()
    only = af[(af.families_status == "published") & (af.children_status != "published")]
    one_child = af[(af.area_level == "postal_area") & (af.area_code == ONE_CHILD_AREA)].iloc[0]
    assert one_child.families >= t and one_child.area_code in set(only.area_code)
    assert one_child.children_reason == f"fewer than {t} children beyond the first of each family"
    assert set(only.children_reason) <= {f"fewer than {t} children beyond the first of each family",
                                         "suppressed with the area's family count or to protect another area"}
