"""Households: families, roles, structures and distances on a hand-built population
(tests/test_households_data.py), exact expected outputs for every role and edge case."""
from __future__ import annotations

import math
import operator
from functools import reduce

import pytest
from pyspark.sql import functions as F

from lea_spark.households import DuplicateKeyError, assert_unique, build_households
from lea_spark.households.geo import haversine_km
from lea_spark.jobs.households import read_geography
from tests.conftest import CONF, make_cfg
from tests.test_households_data import D, REF, bronze, run_cli_job, write_conf

# (lat, lon) of the postal areas used, from postal_areas_2025.csv; 90600 has none and falls
# back to Oulu's municipal centre.
POINT = {
    "33100": (61.49006, 23.78729), "33200": (61.49312, 23.75346), "33500": (61.51381, 23.79874),
    "00100": (60.1719, 24.92688), "90600": (65.01395, 25.47185),
}


def km(a: str, b: str) -> float:
    (la1, lo1), (la2, lo2) = POINT[a], POINT[b]
    p1, p2 = math.radians(la1), math.radians(la2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def tables(spark, tmp_path_factory):
    cfg = make_cfg(tmp_path_factory.mktemp("hh"))
    b = bronze(spark)
    postal, munis = (df.cache() for df in read_geography(spark, cfg))
    h = build_households(b["persons"], b["relations"], b["partnerships"], b["residences"], postal, munis, REF,
                         checkpoint=lambda df: df.localCheckpoint())
    member_rows = h.members.collect()
    families = {r["dwelling_id"]: r.asDict() for r in h.families.collect()}
    by_id = {f["family_id"]: d for d, f in families.items()}
    members = {}
    for r in member_rows:
        members.setdefault(by_id[r["family_id"]], {})[r["person_id"]] = r.asDict()
    quarantine = sorted((r["rule"], r["person_id"]) for r in h.quarantine.collect())
    return families, members, quarantine, h


def roles(members, dwelling):
    return {pid: m["role"] for pid, m in members[dwelling].items()}


def test_one_family_per_dwelling_with_children(tables):
    families, _, _, _ = tables
    assert sorted(families) == ["dA", "dB", "dC", "dD", "dE", "dF", "dG", "dH"]
    assert {d: f["structure"] for d, f in families.items()} == {
        "dA": "two_parent", "dB": "blended", "dC": "single_parent", "dD": "two_parent", "dE": "blended",
        "dF": "relative_carer", "dG": "independent_minor", "dH": "blended",
    }


def test_family_id_is_a_hash_of_children_and_date_not_a_person(tables):
    import hashlib

    families, _, _, _ = tables
    assert families["dA"]["family_id"] == hashlib.sha256(f"a_c1|a_c2|{REF}".encode()).hexdigest()
    assert all(len(f["family_id"]) == 64 for f in families.values())


def test_two_parents_twins_and_deceased_grandparent(tables):
    families, members, _, _ = tables
    a = families["dA"]
    assert (a["n_children"], a["n_resident_parents"], a["n_step_parents"], a["n_distance_parents"]) == (2, 2, 0, 0)
    assert (a["municipality_code"], a["postal_code"], a["wellbeing_county_code"]) == ("837", "33100", "08")
    assert roles(members, "dA") == {"a_c1": "child", "a_c2": "child", "a_m": "resident_parent",
                                    "a_f": "resident_parent", "a_gm": "grandparent", "a_gf": "grandparent"}
    gm, gf = members["dA"]["a_gm"], members["dA"]["a_gf"]
    assert (gm["is_alive"], gm["is_resident"]) == (True, False)
    assert gm["distance_km"] == pytest.approx(km("33100", "33500"), abs=1e-6)
    assert (gf["is_alive"], gf["is_resident"], gf["distance_km"]) == (False, False, None)


def test_blended_family_distance_parents_and_sibling_elsewhere(tables):
    families, members, _, _ = tables
    b = families["dB"]
    assert (b["n_children"], b["n_resident_parents"], b["n_distance_parents"], b["is_same_sex_parents"]) == (3, 2, 2, False)
    assert roles(members, "dB") == {
        "b_c1": "child", "b_c2": "child", "b_c3": "child", "b_m": "resident_parent", "b_p": "resident_parent",
        "b_x": "distance_parent", "b_y": "distance_parent", "b_s": "sibling_elsewhere",
    }
    assert members["dB"]["b_x"]["distance_km"] == pytest.approx(km("33500", "00100"), abs=1e-6)
    assert members["dB"]["b_s"]["distance_km"] == pytest.approx(km("33500", "00100"), abs=1e-6)
    # 90600 has no coordinates: Oulu's municipal centre is used.
    assert members["dB"]["b_y"]["distance_km"] == pytest.approx(km("33500", "90600"), abs=1e-6)


def test_parent_moved_out_during_window_is_distance_parent(tables):
    families, members, _, _ = tables
    assert families["dC"]["structure"] == "single_parent"
    assert roles(members, "dC") == {"c_c": "child", "c_m": "resident_parent", "c_f": "distance_parent"}
    assert members["dC"]["c_f"]["distance_km"] == pytest.approx(km("33200", "33100"), abs=1e-6)


def test_same_sex_parents_by_adoption_and_by_partnership(tables):
    families, members, _, _ = tables
    assert (families["dD"]["structure"], families["dD"]["is_same_sex_parents"]) == ("two_parent", True)
    # Two adoptive parents: the biological mother is no longer a legal parent, not a member.
    assert roles(members, "dD") == {"d_c": "child", "d_m1": "resident_parent", "d_m2": "resident_parent"}
    assert (families["dE"]["structure"], families["dE"]["is_same_sex_parents"]) == ("blended", True)
    assert roles(members, "dE") == {"e_c": "child", "e_m": "resident_parent", "e_p": "step_parent"}
    assert members["dE"]["e_p"]["kinship"] == "step_parent"


def test_child_with_grandparent_is_relative_carer_family(tables):
    families, members, _, _ = tables
    f = families["dF"]
    assert (f["structure"], f["n_resident_parents"], f["n_children_without_resident_parent"]) == ("relative_carer", 0, 1)
    assert roles(members, "dF") == {"f_c": "child", "f_g": "grandparent", "f_m": "distance_parent"}
    assert (members["dF"]["f_g"]["is_resident"], members["dF"]["f_g"]["distance_km"]) == (True, 0.0)


def test_independent_minor(tables):
    families, members, _, _ = tables
    assert families["dG"]["structure"] == "independent_minor"
    assert roles(members, "dG") == {"g_c": "independent_minor", "g_m": "distance_parent"}


def test_family_moved_between_municipalities_with_cohabitant(tables):
    families, members, _, _ = tables
    h = families["dH"]
    assert (h["municipality_code"], h["postal_code"], h["structure"]) == ("837", "33100", "blended")
    assert roles(members, "dH") == {"h_c": "child", "h_m": "resident_parent", "h_k": "step_parent"}
    assert members["dH"]["h_k"]["kinship"] == "cohabitant"


def test_bad_input_is_quarantined_with_a_reason(tables):
    _, _, quarantine, h = tables
    assert quarantine == [("child_without_residence", "q_c"), ("overlapping_residence", "z"),
                          ("relation_unknown_person", "q_c")]
    z = h.persons.filter(F.col("person_id") == "z").collect()[0]
    assert z["dwelling_id"] == "dZ2"  # the later spell wins


def test_graph_edges_in_graphframes_layout(tables):
    _, _, _, h = tables
    assert h.edges.columns == ["src", "dst", "relationship"]
    assert "id" in h.vertices.columns
    e = {(r["src"], r["dst"], r["relationship"]) for r in h.edges.filter(F.col("src").startswith("b_")).collect()}
    assert ("b_c1", "b_x", "father") in e and ("b_m", "b_p", "spouse") in e and ("b_p", "b_m", "spouse") in e
    assert ("b_c1", "b_c2", "co_resident") in e and ("b_x", "b_s", "co_resident") in e
    assert not any(r == "spouse" and s.startswith("c_") for s, _, r in e)  # ended partnership


def test_assert_unique_raises_clear_error(spark):
    df = spark.createDataFrame([("a", 1), ("a", 2), ("b", 3)], "person_id string, n int")
    with pytest.raises(DuplicateKeyError, match=r"bronze.persons: key \(person_id\) is not unique: 1 key values"):
        assert_unique(df, ["person_id"], "bronze.persons")
    assert assert_unique(df, ["person_id", "n"], "x") is df


def test_haversine_helsinki_tampere(spark):
    row = spark.range(1).select(haversine_km(F.lit(60.1719), F.lit(24.92688), F.lit(61.49006), F.lit(23.78729)).alias("d")).collect()[0]
    assert row["d"] == pytest.approx(km("00100", "33100"), abs=1e-9)
    assert 155 < row["d"] < 165


def _build(spark, tmp_path, rows=None):
    postal, munis = read_geography(spark, make_cfg(tmp_path))
    b = bronze(spark, rows)
    return build_households(b["persons"], b["relations"], b["partnerships"], b["residences"], postal, munis, REF)


def test_colliding_person_keys_stop_the_families(spark, tmp_path, monkeypatch):
    """Families are built on 64-bit keys of the ids: persons whose keys collide stop the build
    with a clear message before any join, instead of being merged."""
    from lea_spark import joinkeys
    from lea_spark.households.families import KeyCollisionError

    monkeypatch.setattr(joinkeys, "join_key", lambda c: F.when(c.isNotNull(), F.length(c).cast("long")))
    with pytest.raises(KeyCollisionError, match="hash collision"):
        _build(spark, tmp_path)


def test_unknown_partner_whose_key_collides_is_not_taken_for_a_person(spark, tmp_path, monkeypatch):
    """A partnership with an id that is not in bronze.persons never makes anyone a
    step-parent, even when that id's 64-bit key is a resident's: ends are matched on key and
    fingerprint. Here h_m marries "ghost", whose key is made h_k's; h_k stays the
    cohabitant he is without that partnership."""
    from lea_spark import joinkeys
    from tests.test_households_data import PARTNERSHIPS, ROWS

    real = joinkeys.join_key
    monkeypatch.setattr(joinkeys, "join_key",
                        lambda c: real(F.when(c == F.lit("ghost"), F.lit("h_k")).otherwise(c)))
    rows = dict(ROWS, partnerships=PARTNERSHIPS + [("h_m", "ghost", "married", D(2022, 2, 1), None)])
    h = _build(spark, tmp_path, rows)
    got = {r["person_id"]: (r["role"], r["kinship"]) for r in h.members.where(F.col("person_id").startswith("h_")).collect()}
    assert got == {"h_m": ("resident_parent", "parent"), "h_c": ("child", "child"), "h_k": ("step_parent", "cohabitant")}


def test_bad_partnerships_are_quarantined_not_dropped(spark, tmp_path):
    """A partnership with a person who is not in bronze.persons, or of a person with
    themselves, is quarantined with its rule and source row; it makes no edge and no role."""
    from tests.test_households_data import PARTNERSHIPS, ROWS

    extra = [("h_m", "ghost", "married", D(2022, 2, 1), None), ("b_p", "b_p", "married", D(2020, 1, 1), None)]
    h = _build(spark, tmp_path, dict(ROWS, partnerships=PARTNERSHIPS + extra))
    rows = h.quarantine.where(F.col("source_table") == "partnerships").collect()
    assert sorted((r["rule"], r["person_id"]) for r in rows) == [("partnership_self", "b_p"),
                                                                 ("partnership_unknown_person", "h_m")]
    assert all(r["source_file"] == "test/partnerships.csv" and r["source_row"] is not None for r in rows)
    partner_edges = {(r["src"], r["dst"]) for r in h.edges.where(F.col("relationship") == "spouse").collect()}
    assert ("h_m", "ghost") not in partner_edges and ("b_p", "b_p") not in partner_edges
    assert ("b_m", "b_p") in partner_edges


def test_job_writes_silver_tables(spark, tmp_path, tables):
    from lea_spark.lake import read_table, write_table

    cfg = make_cfg(tmp_path)
    for table, df in bronze(spark).items():
        write_table(cfg, df, f"bronze.{table}")
    conf = write_conf(tmp_path, CONF, tmp_path / "lakehouse")
    run_cli_job("households", conf)
    fams = read_table(spark, cfg, "silver.families")
    assert fams.count() == 8
    assert read_table(spark, cfg, "silver.family_members").columns[:5] == [
        "family_id", "person_id", "role", "is_resident", "distance_km"]
    assert read_table(spark, cfg, "silver.household_quarantine").count() == 3
    assert read_table(spark, cfg, "silver.persons").count() == 34
    # The 64-bit join keys of the ids are stored after the columns, for the indicators.
    salt = F.lit("lea-spark person fingerprint")
    for table, keys in (("silver.persons", {"person_key": F.xxhash64("person_id"),
                                             "person_chk": F.xxhash64(salt, "person_id")}),
                        ("silver.family_members", {"person_key": F.xxhash64("person_id"),
                                                   "person_chk": F.xxhash64(salt, "person_id"),
                                                   "family_key": F.xxhash64("family_id")}),
                        ("silver.families", {"family_key": F.xxhash64("family_id")})):
        df = read_table(spark, cfg, table)
        assert df.columns[-len(keys):] == list(keys)
        agree = [F.col(k) == v for k, v in keys.items()]
        assert df.where(~reduce(operator.and_, agree)).count() == 0, table
    assert not {"person_key", "person_chk"} & set(read_table(spark, cfg, "silver.household_vertices").columns)
    # The job builds families on the stored keys: the same tables as on keys computed in memory.
    _, _, _, h = tables
    for table, built in (("silver.family_members", h.members), ("silver.families", h.families)):
        stored = read_table(spark, cfg, table).select(*built.columns)
        assert sorted(map(repr, stored.collect())) == sorted(map(repr, built.collect())), table
    # ... and so is the quarantine; the intermediate results the job staged are gone.
    quarantine = read_table(spark, cfg, "silver.household_quarantine")
    assert sorted(map(repr, quarantine.collect())) == sorted(map(repr, h.quarantine.collect()))
    assert not (tmp_path / "lakehouse" / "_staging").exists()


def test_job_tells_a_repeated_person_from_colliding_keys(spark, tmp_path, monkeypatch):
    """`lea households` checks the 64-bit keys of bronze.persons first. A repeated person id
    gets the usual message naming the table; two ids whose keys collide get the collision
    message. Either way nothing is written to silver."""
    from lea_spark import joinkeys
    from lea_spark.households.families import KeyCollisionError
    from lea_spark.lake import write_table
    from tests.test_households_data import PERSONS, ROWS

    def run(rows, lake):
        cfg = make_cfg(tmp_path / lake)
        for table, df in bronze(spark, rows).items():
            write_table(cfg, df, f"bronze.{table}")
        conf = write_conf(tmp_path / lake, CONF, tmp_path / lake / "lakehouse")
        run_cli_job("households", conf)
        return cfg

    with pytest.raises(DuplicateKeyError, match=r"^bronze.persons: key \(person_id\) is not unique"):
        run(dict(ROWS, persons=PERSONS + [PERSONS[0]]), "repeated")
    assert not (tmp_path / "repeated" / "lakehouse" / "silver").exists()
    real = joinkeys.join_key
    monkeypatch.setattr(joinkeys, "join_key", lambda c: real(F.when(c == F.lit("a_c2"), F.lit("a_c1")).otherwise(c)))
    with pytest.raises(KeyCollisionError, match="hash collision"):
        run(ROWS, "collision")
    assert not (tmp_path / "collision" / "lakehouse" / "silver").exists()


def test_a_failed_job_removes_its_staging(spark, tmp_path, monkeypatch):
    """`lea households` stages intermediate results that several tables read; a job that
    fails after staging them (here: writing silver.families) removes them all the same."""
    from lea_spark.jobs import households as job
    from lea_spark.lake import write_table

    cfg = make_cfg(tmp_path)
    for table, df in bronze(spark).items():
        write_table(cfg, df, f"bronze.{table}")
    conf = write_conf(tmp_path, CONF, tmp_path / "lakehouse")
    staged = []

    def failing_write(cfg, df, name, **kw):
        if name == "silver.families":
            staged.extend(p.name for p in (tmp_path / "lakehouse" / "_staging").glob("households-*/*"))
            raise RuntimeError("disk full")
        return write_table(cfg, df, name, **kw)

    monkeypatch.setattr(job, "write_table", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        run_cli_job("households", conf)
    assert set(staged) == {"relations", "legal_parents", "families", "children", "partnerships"}
    assert not (tmp_path / "lakehouse" / "_staging").exists()
