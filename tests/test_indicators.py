"""Indicators: exact values on hand-built events around the window boundaries, the catalog
and its generated documentation. Reference date 2022-12-31, look-back 5 years
(2018-01-01 .. 2022-12-31), recent window 12 months (2022-01-01 .. 2022-12-31)."""
from __future__ import annotations

import argparse
import datetime as dt

import pytest

from lea_spark.canonical import BRONZE_SCHEMAS
from lea_spark.households import build_households
from lea_spark.indicators import CATALOG, KEY_COLUMNS, NAMES, PHENOMENA, Params, build_features
from lea_spark.indicators.docs import DOC_PATH, render
from lea_spark.jobs.households import read_geography
from tests.conftest import CONF, make_cfg
from tests.test_households_data import REF, bronze, run_cli_job, with_metadata, write_conf
from tests.test_households import km

D = dt.date
M = D  # months are the first day of the month

EVENTS = {
    "social_assistance": [
        ("c_m", M(2017, 12, 1), 500.0, 1), ("c_m", M(2018, 1, 1), 500.0, 1), ("c_m", M(2021, 12, 1), 500.0, 1),
        ("c_m", M(2022, 1, 1), 500.0, 1), ("c_c", M(2022, 1, 1), 10.0, 1), ("c_m", M(2022, 12, 1), 500.0, 1),
        ("c_m", M(2023, 1, 1), 500.0, 1),
    ],
    "housing_allowance": [("h_m", M(2022, 5, 1), 300.0, 2), ("h_k", M(2022, 5, 1), 300.0, 3),
                          ("h_m", M(2019, 5, 1), 300.0, 2)],
    "unemployment": [
        ("c_m", "FM", D(2021, 12, 1), D(2022, 1, 10), 28), ("c_m", "FP", D(2022, 12, 20), None, 8),
        ("c_f", "FM", D(2016, 1, 1), D(2017, 12, 31), 400),  # before the window: not counted for anyone
    ],
    "pensions": [
        ("c_f", "0", D(2020, 1, 1), None), ("c_m", "0K", D(2021, 1, 1), D(2021, 12, 31)),
        ("c_m", "2", D(2021, 1, 1), D(2022, 1, 1)), ("f_g", "5", D(2020, 1, 1), None),
    ],
    "degrees": [
        ("c_m", "321101", 3, "0413", D(2014, 6, 1)), ("c_m", "621101", 6, "0413", D(2023, 6, 1)),
        ("c_f", "721101", 7, "0413", D(2018, 6, 1)), ("a_m", "621101", 6, "0413", D(2012, 6, 1)),
    ],
    "earnings": (
        [("c_m", M(2022, m, 1), "201", 2000.0, "employee", "2221") for m in range(1, 7)]
        + [("c_m", M(2022, 9, 1), "STUDY_GRANT", 250.0, None, None), ("c_m", M(2021, 12, 1), "201", 3000.0, "employee", "2221"),
           ("c_f", M(2022, 3, 1), "201", 5000.0, "self_employed", "7111"),
           ("a_m", M(2022, 1, 1), "201", 30000.0, "employee", "5"), ("b_m", M(2022, 2, 1), "201", 40000.0, "employee", "4"),
           ("d_m1", M(2022, 2, 1), "201", 50000.0, "employee", "3"), ("e_m", M(2022, 2, 1), "201", 20000.0, "employee", "3")]
    ),
    "care_episodes": [
        ("e1", "c_c", D(2022, 12, 31), D(2023, 1, 2), "55", "K02.1", None, None),
        ("e2", "c_m", D(2020, 5, 5), D(2020, 5, 5), "25", "O04.9", None, None),
        ("e3", "c_m", D(2016, 1, 1), D(2016, 2, 1), "70", "F32.1", None, None),
        ("e4", "c_m", D(2019, 3, 1), D(2019, 3, 9), "70F", "F41.1", None, None),
        ("e5", "h_c", D(2021, 2, 2), D(2021, 2, 2), "30", "S52.5", None, "X60"),
    ],
    "primary_care_visits": [
        ("v1", "c_c", D(2018, 1, 1), "2221", "F90.0", None), ("v2", "c_c", D(2017, 12, 31), "2221", "F32", None),
        ("v3", "c_c", D(2022, 6, 1), "2222", "K02", None), ("v4", "c_m", D(2021, 1, 1), "2221", None, "P76"),
        ("v5", "c_m", D(2019, 1, 1), "2221", "F10.2", None), ("v6", "c_m", D(2020, 5, 5), "2221", "O04", None),
        ("v7", "c_m", D(2023, 1, 1), "2221", "F20", None),
    ],
    "social_care_episodes": [
        ("s1", "c_f", D(2019, 1, 1), D(2019, 2, 1), "SUBSTANCE_SERVICE"),
        ("s2", "c_c", D(2017, 1, 1), D(2018, 1, 1), "CW_OPEN"),
        ("s3", "g_c", D(2022, 1, 1), None, "CW_PLACEMENT"), ("s4", "h_m", D(2022, 2, 1), None, "FAMILY_WORK"),
    ],
}


@pytest.fixture(scope="module")
def features(spark, tmp_path_factory):
    cfg = make_cfg(tmp_path_factory.mktemp("ind"))
    b = bronze(spark)
    postal, munis = (df.cache() for df in read_geography(spark, cfg))
    h = build_households(b["persons"], b["relations"], b["partnerships"], b["residences"], postal, munis, REF,
                         checkpoint=lambda df: df.localCheckpoint())
    events = {t: with_metadata(spark, t, EVENTS.get(t, [])) for t in BRONZE_SCHEMAS
              if t not in ("persons", "relations", "partnerships", "residences")}
    # A spell that ends before it starts (households quarantine it, "not used") is no move.
    inverted = [("a_c1", "dAx", "837", "33100", D(2020, 5, 1), D(2020, 4, 1))]
    events["residences"] = b["residences"].unionByName(with_metadata(spark, "residences", inverted))
    prm = Params.from_config(cfg)
    df = build_features(h.families, h.members, h.persons, events, prm)
    rows = df.collect()
    dwelling = {r["family_id"]: r["dwelling_id"] for r in h.families.collect()}
    return df, {dwelling[r["family_id"]]: r.asDict() for r in rows}, h, events


def test_job_writes_gold_once_per_period(spark, tmp_path, features):
    """`lea indicators` on silver and bronze tables in a lake gives the same rows; a second
    run replaces its reference period instead of appending to it."""
    from lea_spark.lake import read_table, write_table

    _, rows, h, events = features
    cfg = make_cfg(tmp_path)
    for name, df in (("silver.families", h.families), ("silver.family_members", h.members), ("silver.persons", h.persons)):
        write_table(cfg, df, name)
    for table, df in events.items():
        write_table(cfg, df, f"bronze.{table}")
    conf = write_conf(tmp_path, CONF, tmp_path / "lakehouse")
    run_cli_job("indicators", conf)
    run_cli_job("indicators", conf)
    table = read_table(spark, cfg, "gold.family_features").collect()
    assert len(table) == 8  # the second run replaced the first run's rows, not appended to them
    gold = {r["family_id"]: r.asDict() for r in table}
    assert len(gold) == 8
    expected = {r["family_id"]: r for r in rows.values()}
    for fid, row in gold.items():
        assert {k: row[k] for k in NAMES} == pytest.approx({k: expected[fid][k] for k in NAMES})


def test_gold_schema_keys_then_catalog_doubles(features):
    df, rows, _, _ = features
    assert tuple(df.columns[:6]) == KEY_COLUMNS
    assert tuple(df.columns[6:]) == NAMES
    assert all(df.schema[n].dataType.simpleString() == "double" for n in NAMES)
    assert len(rows) == 8
    assert all(v is not None for r in rows.values() for v in r.values())
    assert rows["dA"]["reference_period"] == "2022" and str(rows["dA"]["reference_date"]) == REF
    assert (rows["dA"]["municipality_code"], rows["dA"]["postal_code"], rows["dA"]["wellbeing_county_code"]) == ("837", "33100", "08")


def test_catalog_covers_all_phenomena_and_at_least_40(features):
    assert len(CATALOG) >= 40
    assert {i.phenomenon for i in CATALOG} == set(PHENOMENA)
    assert len(set(NAMES)) == len(NAMES)


def test_generated_doc_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/indicators.md is out of date: run python -m lea_spark.indicators.docs")
    for name in NAMES:
        assert f"`{name}`" in render()


def test_structure_indicators(features):
    _, r, _, _ = features
    a, c, f, g, h = r["dA"], r["dC"], r["dF"], r["dG"], r["dH"]
    assert (a["two_parent"], a["n_children"], a["youngest_child_age"], a["oldest_child_age"], a["n_children_under_7"]) == (1, 2, 4, 4, 2)
    assert (a["mother_under_35"], a["youngest_parent_age"], a["foreign_language_parent"]) == (1, 32, 0)
    assert (r["dB"]["blended_family"], r["dB"]["n_teen_children"], r["dB"]["oldest_child_age"]) == (1, 1, 14)
    assert (r["dD"]["same_sex_parents"], r["dE"]["same_sex_parents"], r["dB"]["same_sex_parents"]) == (1, 1, 0)
    assert (c["single_parent"], c["mother_under_35"]) == (1, 1)
    assert (f["relative_carer_family"], f["no_parent_in_dwelling"], f["relatives_in_dwelling"],
            f["n_other_adults_in_dwelling"], f["n_children_not_with_own_parent"], f["youngest_parent_age"]) == (1, 1, 1, 1, 1, 67)
    assert (g["independent_minor_family"], g["no_parent_in_dwelling"], g["youngest_parent_age"], g["n_teen_children"]) == (1, 1, 0, 1)
    assert (h["foreign_language_parent"], h["blended_family"]) == (1, 1)


def test_network_indicators(features):
    _, r, _, _ = features
    a, b, c = r["dA"], r["dB"], r["dC"]
    assert (a["n_grandparents_alive"], a["has_living_grandparent"], a["grandparent_near"], a["grandparents_far"]) == (1, 1, 1, 0)
    assert (a["youngest_grandparent_age"], a["grandparent_under_61"], a["deaths_in_family"]) == (60, 1, 1)
    assert (b["has_distance_parent"], b["distance_parent_far"], b["n_siblings_elsewhere"]) == (1, 1, 1)
    assert b["distance_parent_km"] == pytest.approx(km("33500", "00100"), abs=1e-6)
    assert (c["distance_parent_far"], c["has_living_grandparent"], c["youngest_grandparent_age"]) == (0, 0, 0)
    assert (r["dF"]["grandparent_near"], r["dD"]["has_distance_parent"]) == (1, 0)


def test_moves_across_municipalities_and_parent_who_left(features):
    _, r, _, _ = features
    assert (r["dH"]["moves"], r["dH"]["municipality_moves"]) == (1, 1)
    assert (r["dA"]["moves"], r["dC"]["moves"]) == (0, 0)
    assert (r["dC"]["distance_parent_left"], r["dB"]["distance_parent_left"]) == (1, 0)


def test_benefit_months_window_boundaries(features):
    _, r, _, _ = features
    c = r["dC"]
    # 2017-12 and 2023-01 are outside; 2022-01 counted once although two members received it.
    assert (c["social_assistance_months_recent"], c["social_assistance_months"]) == (2, 4)
    assert (r["dH"]["housing_allowance_months_recent"], r["dH"]["housing_allowance_months"]) == (1, 2)


def test_unemployment_days_clipped_to_windows(features):
    _, r, _, _ = features
    c = r["dC"]
    assert c["parents_unemployment_days"] == 10 + 12
    assert c["parents_unemployment_months"] == pytest.approx((41 + 12) / 30.4375)
    assert c["unemployed_parent"] == 1


def test_income_employment_and_low_income(features):
    _, r, _, _ = features
    c = r["dC"]
    assert c["household_earnings_eur"] == 12000.0  # 2021-12 and the study grant excluded
    assert c["earnings_per_consumption_unit"] == pytest.approx(12000 / 1.3)
    assert (c["parents_employed_share"], c["student_parent"], c["parent_upper_white_collar"]) == (1.0, 1, 1)
    assert (c["distance_parent_earnings_eur"], c["distance_parent_entrepreneur"], c["distance_parent_student"]) == (5000.0, 1, 0)
    assert r["dB"]["earnings_per_consumption_unit"] == pytest.approx(40000 / 2.6)
    # median of 0,0,0, 9231, 11111, 14286, 15385, 27778 = 10171; below 60 % of it: F, G, H.
    assert {d for d, x in r.items() if x["low_income"] == 1} == {"dF", "dG", "dH"}


def test_pensions_and_education(features):
    _, r, _, _ = features
    c = r["dC"]
    assert (c["parent_rehabilitation_subsidy"], c["parent_partial_disability_pension"], c["parent_disability_pension"]) == (0, 1, 0)
    assert (c["distance_parent_retired"], r["dF"]["old_age_pension_in_household"]) == (1, 1)
    assert (c["parent_max_isced"], c["parent_low_education"], c["parent_higher_education"]) == (3, 0, 0)
    assert (c["distance_parent_max_isced"], c["distance_parent_higher_education"], c["distance_parent_more_educated"]) == (7, 1, 1)
    assert (r["dA"]["parent_max_isced"], r["dA"]["parent_higher_education"]) == (6, 1)
    assert (r["dH"]["parent_max_isced"], r["dH"]["parent_low_education"]) == (2, 1)  # no degree registered


def test_health_lifestyle_and_services(features):
    _, r, _, _ = features
    c = r["dC"]
    assert (c["children_neuropsychiatric_dx"], c["children_psychiatric_dx"], c["children_caries"]) == (1, 0, 1)
    assert (c["parents_psychiatric_dx"], c["abortions"], c["parents_substance_use"]) == (1, 1, 1)
    assert (c["distance_parents_substance_use"], c["child_welfare_children"]) == (1, 1)
    assert (r["dH"]["self_harm_or_violence"], r["dH"]["injuries"], r["dH"]["family_work"]) == (1, 1, 1)
    assert (r["dG"]["child_welfare_placement"], r["dG"]["child_welfare_children"]) == (1, 1)
    # visits v1, v3, v4, v5, v6 in the window; 2 household members x 5 years
    assert c["primary_care_visits_rate"] == pytest.approx(5 / 10)
    assert c["children_primary_care_visits_rate"] == pytest.approx(2 / 5)
    assert c["children_dental_visits_rate"] == pytest.approx(1 / 5)
    assert (c["specialised_care_episodes_rate"], c["psychiatric_care_episodes"]) == (pytest.approx(3 / 10), 1)


def test_colliding_join_keys_fail_instead_of_mixing_people(features, monkeypatch):
    """The indicators join on 64-bit keys of the ids. Two people whose keys collide must stop
    the computation with a clear message, not be merged: with a key that collides on purpose
    (the length of the id), the fingerprints differ and build_features fails."""
    from pyspark.sql import functions as F

    from lea_spark import joinkeys
    from lea_spark.indicators import build

    _, _, h, events = features
    monkeypatch.setattr(joinkeys, "join_key", lambda c: F.when(c.isNotNull(), F.length(c).cast("long")))
    with pytest.raises(Exception, match="hash collision"):
        build.build_features(h.families, h.members, h.persons, events, Params(reference_date=REF)).collect()


def test_stored_join_keys_give_the_same_features_and_their_collisions_fail(features, monkeypatch):
    """Tables written with their keys (as ingest and households write them) give the same
    features as keys computed from the ids. Stored keys are read, not recomputed, and still
    checked: keys that collided when they were written fail the computation afterwards."""
    from pyspark.sql import functions as F

    from lea_spark import joinkeys
    from lea_spark.indicators import build

    df, rows, h, events = features

    def stored(tables):
        return [joinkeys.with_stored_keys(t).localCheckpoint() for t in tables]

    names = list(events)
    fam, mem, per, *ev = stored([h.families, h.members, h.persons, *events.values()])
    assert {"person_key", "person_chk", "family_key"} <= set(mem.columns)
    got = build.build_features(fam, mem, per, dict(zip(names, ev)), Params(reference_date=REF)).collect()
    want = {r["family_id"]: r.asDict() for r in df.collect()}
    assert {r["family_id"]: r.asDict() for r in got} == want
    monkeypatch.setattr(joinkeys, "join_key", lambda c: F.when(c.isNotNull(), F.length(c).cast("long")))
    fam, mem, per, *ev = stored([h.families, h.members, h.persons, *events.values()])
    monkeypatch.undo()
    with pytest.raises(Exception, match="hash collision"):
        build.build_features(fam, mem, per, dict(zip(names, ev)), Params(reference_date=REF)).collect()


# One event row of someone (``zz``) known only to that register, per kind of join of events to people.
STRANGER_ROWS = [
    ("social_assistance", ("zz", M(2022, 3, 1), 100.0, 1)),
    ("earnings", ("zz", M(2022, 3, 1), "201", 100.0, "employee", "2221")),
    ("degrees", ("zz", "621101", 6, "0413", D(2015, 6, 1))),
    ("primary_care_visits", ("vz", "zz", D(2020, 1, 1), "2221", "F32", None)),
    ("residences", ("zz", "dZ", "837", "33200", D(2019, 1, 1), None)),
]


@pytest.mark.parametrize("table, row", STRANGER_ROWS)
def test_an_event_person_colliding_with_a_member_fails(spark, features, monkeypatch, table, row):
    """Someone known only to one event register (``zz``) whose key equals a family member's
    (the mother ``c_m``; the child ``c_c`` for residences) must not lend the member their
    events: each kind of join of events to people (benefit months, earnings, the left join of
    degrees, health, residence spells) fails on the fingerprints."""
    from pyspark.sql import functions as F

    from lea_spark import joinkeys
    from lea_spark.indicators import build

    _, _, h, events = features
    target = "c_c" if table == "residences" else "c_m"
    monkeypatch.setattr(joinkeys, "join_key", lambda c: F.when(c.isNotNull(), F.xxhash64(
        F.when(c == "zz", F.lit(target)).otherwise(c))))
    extra = with_metadata(spark, table, [row]).select(*events[table].columns)
    changed = dict(events, **{table: events[table].unionByName(extra)})
    with pytest.raises(Exception, match="hash collision"):
        build.build_features(h.families, h.members, h.persons, changed, Params(reference_date=REF)).collect()


def test_the_stranger_rows_compute_when_no_key_collides(spark, features):
    """The control of the test above: with the real keys, the same extra rows (all at once)
    compute, so it is the collision that fails the job, not the rows."""
    from lea_spark.indicators import build

    df, _, h, events = features
    changed = dict(events)
    for table, row in STRANGER_ROWS:
        changed[table] = changed[table].unionByName(with_metadata(spark, table, [row]).select(*events[table].columns))
    got = build.build_features(h.families, h.members, h.persons, changed, Params(reference_date=REF))
    assert sorted(r["family_id"] for r in got.collect()) == sorted(r["family_id"] for r in df.collect())


def test_job_checks_uniqueness_on_the_join_keys(spark, tmp_path, features, monkeypatch):
    """`lea indicators` refuses tables whose join keys repeat (here: every family id has the
    same length, so the colliding key repeats in silver.families) and names the table."""
    from pyspark.sql import functions as F

    from lea_spark.households import DuplicateKeyError
    from lea_spark import joinkeys
    from lea_spark.indicators import build
    from lea_spark.jobs import indicators as job
    from lea_spark.lake import write_table

    _, _, h, events = features
    cfg = make_cfg(tmp_path)
    for name, df in (("silver.families", h.families), ("silver.family_members", h.members),
                     ("silver.persons", h.persons), *[(f"bronze.{t}", df) for t, df in events.items()]):
        write_table(cfg, df, name)
    monkeypatch.setattr(joinkeys, "join_key", lambda c: F.when(c.isNotNull(), F.length(c).cast("long")))
    with pytest.raises(DuplicateKeyError, match=r"silver\.families \(64-bit join keys\)"):
        job.run(cfg, argparse.Namespace(reference_date=None, write_docs=False))


def _family_texts(ppl) -> dict:
    """The 64-bit join key of each family id of ``ppl`` -> the id (the internals run on keys)."""
    from pyspark.sql import functions as F

    from lea_spark.joinkeys import join_key

    return {r["k"]: r["family_id"] for r in ppl.select(join_key(F.col("family_id")).alias("k"), "family_id").collect()}


def test_month_sets_longer_than_one_word(spark):
    """A look-back of 10 years has 120 months: month sets span two 63-bit words. A month two
    household members received counts once; months outside the window and members outside
    the household do not count."""
    from lea_spark.indicators.build import _months
    from lea_spark.joinkeys import keyed as with_join_keys

    prm = Params(reference_date="2022-12-31", lookback_years=10, recent_months=12)
    ppl = spark.createDataFrame(
        [("f1", "a", True), ("f1", "b", True), ("f1", "c", False), ("f2", "d", True)],
        "family_id string, person_id string, is_household boolean")
    months = {"a": [M(2013, 1, 1), M(2018, 3, 1), M(2022, 12, 1)],
              "b": [M(2018, 3, 1), M(2018, 4, 1), M(2021, 5, 1), M(2012, 12, 1), M(2023, 1, 1)],
              "c": [M(2022, 6, 1)], "d": [M(2022, 1, 15)]}
    benefits = spark.createDataFrame([(p, m) for p, ms in months.items() for m in ms],
                                     "person_id string, benefit_month date")
    text = _family_texts(ppl)
    got = {text[r["family_id"]]: (r["x_months_recent"], r["x_months"])
           for r in _months(with_join_keys(ppl), with_join_keys(benefits), prm, "x").collect()}
    # f1: 2013-01 (bit 0 of word 0), 2018-03 (bit 62), 2018-04 (bit 0 of word 1), 2021-05, 2022-12.
    assert got == {"f1": (1, 5), "f2": (1, 1)}


def test_recent_window_longer_than_look_back(spark):
    """``indicators.recent_months`` may exceed the look-back: recent months are counted from
    the recent window's start, whatever the look-back."""
    from lea_spark.indicators.build import _months
    from lea_spark.joinkeys import keyed as with_join_keys

    prm = Params(reference_date="2022-12-31", lookback_years=1, recent_months=24)
    ppl = spark.createDataFrame([("f1", "a", True)], "family_id string, person_id string, is_household boolean")
    benefits = spark.createDataFrame([("a", M(2020, 12, 1)), ("a", M(2021, 3, 1)), ("a", M(2022, 6, 1))],
                                     "person_id string, benefit_month date")
    row = _months(with_join_keys(ppl), with_join_keys(benefits), prm, "x").collect()[0]
    assert (row["x_months_recent"], row["x_months"]) == (2, 1)


def test_health_of_a_family_without_household_members(spark):
    """Health indicators of members outside the dwelling reach the family even when no member
    lives in it. The rates over household members are then null here; build_features turns
    every null indicator into 0 (test_gold_schema_keys_then_catalog_doubles: no null in gold)."""
    from pyspark.sql import functions as F

    from lea_spark.indicators.build import _health_and_services, _household_size, person_health
    from lea_spark.joinkeys import keyed as with_join_keys

    prm = Params(reference_date=REF)
    ppl = spark.createDataFrame(
        [("f1", "dp", False, False, False, True), ("f2", "k", True, False, True, False)],
        "family_id string, person_id string, is_child boolean, is_parent boolean, is_household boolean, "
        "is_distance_parent boolean").withColumn("age", F.lit(30))
    events = [with_join_keys(with_metadata(spark, t, rows)) for t, rows in (
        ("care_episodes", []), ("primary_care_visits", []),
        ("social_care_episodes", [("s1", "dp", D(2021, 1, 1), None, "SUBSTANCE_SERVICE")]))]
    health = person_health(*events, prm)
    text, keyed = _family_texts(ppl), with_join_keys(ppl)
    got = {text[r["family_id"]]: r.asDict()
           for r in _health_and_services(keyed, health, _household_size(keyed), prm).collect()}
    assert got["f1"]["distance_parents_substance_use"] == 1
    assert got["f1"]["primary_care_visits_rate"] is None  # no household member to divide by


def test_first_three_code_characters_as_the_regular_expression_gives_them(spark):
    """The fast path of the diagnosis codes (first three letters or digits taken as they are)
    gives what removing every other character and upper-casing gives, for clean codes and for
    every kind of unclean one (punctuation, spaces, lower case, non-ASCII letters, short)."""
    from pyspark.sql import functions as F

    from lea_spark.indicators.build import _code, _code3

    codes = [None, "", "F32", "F32.1", "f32.1", " F32", "F.3.2", "F3", "F", "Ä12", "F3Ä2", "ÄF32", "X60-Y09", "o04",
             "K02 ", "\tF32", "3.2", "F32\u00a01", "ﬁ12", "F³2", "..", "Z019"]
    df = spark.createDataFrame([(c,) for c in codes], "c string")
    rows = df.select("c", _code3(F.col("c")).alias("fast"), F.substring(_code(F.col("c")), 1, 3).alias("slow")).collect()
    assert [(r["c"], r["fast"]) for r in rows] == [(r["c"], r["slow"]) for r in rows]
    assert {r["c"]: r["fast"] for r in rows}["f32.1"] == "F32"
    assert {r["c"]: r["fast"] for r in rows}[" F32"] == "F32"
