"""Unit tests of lea_spark.ml: transform, clustering rules, metrics, names, truth, profiles."""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest

from lea_spark.disclosure.segments import protect_segments
from lea_spark.ml import clustering, features, metrics, names, profiles, recovery
from lea_spark.ml.synthetic import synthetic_features, to_spark


# ---------------------------------------------------------------- features and transform
def _features_df(spark, rows, cols=("a", "b")):
    from pyspark.sql import types as T

    schema = T.StructType(
        [T.StructField("family_id", T.StringType()), T.StructField("reference_period", T.StringType())]
        + [T.StructField(c, T.DoubleType()) for c in cols]
    )
    return spark.createDataFrame(rows, schema)


def test_feature_columns_are_the_non_key_columns_in_order(spark):
    df = _features_df(spark, [("f1", "2022", 1.0, 2.0)], cols=("x_share", "a_count"))
    assert features.feature_columns(df.schema) == ["x_share", "a_count"]


def test_feature_columns_reject_text_indicator(spark):
    df = spark.createDataFrame([("f1", "2022", 1.0, "high")], "family_id string, reference_period string, a double, label string")
    with pytest.raises(features.FeatureError, match=r"label \(string\)"):
        features.feature_columns(df.schema)


def test_feature_set_hash_ignores_column_order():
    assert features.feature_set(["a", "b"]).hash == features.feature_set(["b", "a"]).hash
    assert features.feature_set(["a", "b"]).hash != features.feature_set(["a", "c"]).hash


def test_column_stats_and_transform_exact(spark):
    df = _features_df(spark, [
        ("f1", "2022", 0.0, 5.0), ("f2", "2022", 1.0, 5.0), ("f3", "2022", None, 5.0), ("f4", "2022", 3.0, float("nan")),
    ])
    stats = features.column_stats(df, ["a", "b"])
    assert stats["rows"] == 4
    assert stats["columns"]["a"]["missing"] == 1 and stats["columns"]["b"]["missing"] == 1
    assert stats["columns"]["a"]["median"] == 1.0
    assert stats["columns"]["a"]["mean"] == pytest.approx(4.0 / 3.0)
    prep = clustering.fit_preprocessing(df, ["a", "b"], {"a": 1.0, "b": 5.0}, transform="asinh-minmax")
    got = {r["family_id"]: r["features"].toArray().tolist() for r in prep.transform(df).collect()}
    # asinh(0)=0, asinh(1)=0.8814, asinh(3)=1.8184; null -> median 1; range-standardised.
    # b is constant (NaN imputed to 5): MinMaxScaler maps a constant column to 0.5.
    hi = math.asinh(3.0)
    assert got["f1"] == pytest.approx([0.0, 0.5])
    assert got["f2"] == pytest.approx([math.asinh(1.0) / hi, 0.5])
    assert got["f3"] == pytest.approx([math.asinh(1.0) / hi, 0.5])
    assert got["f4"] == pytest.approx([1.0, 0.5])


def test_rank_transform_is_the_mid_rank_ecdf(spark):
    df = _features_df(spark, [
        ("f1", "2022", 0.0, 5.0), ("f2", "2022", 1.0, 5.0), ("f3", "2022", None, 5.0), ("f4", "2022", 3.0, float("nan")),
    ])
    prep = clustering.fit_preprocessing(df, ["a", "b"], {"a": 1.0, "b": 5.0}, transform="rank", points=100)
    got = {r["family_id"]: r["features"].toArray().tolist() for r in prep.transform(df).collect()}
    # a = 0, 1, 1 (median), 3: F(x) = (#below + #at-or-below) / 2n; b is constant -> 0.5
    assert got["f1"] == pytest.approx([1 / 8, 0.5])
    assert got["f2"] == pytest.approx([4 / 8, 0.5])
    assert got["f3"] == pytest.approx([4 / 8, 0.5])
    assert got["f4"] == pytest.approx([7 / 8, 0.5])
    # new families: between two training values, below and above all of them
    new = _features_df(spark, [("n1", "2022", 2.0, 4.0), ("n2", "2022", -5.0, 6.0), ("n3", "2022", 10.0, 5.0)])
    got = {r["family_id"]: r["features"].toArray().tolist() for r in prep.transform(new).collect()}
    assert got == {"n1": pytest.approx([0.75, 0.0]), "n2": pytest.approx([0.0, 1.0]), "n3": pytest.approx([1.0, 0.5])}


def test_tail_bounds_code_the_values_of_fewer_families_than_the_threshold(spark):
    # a: 1..20; b: a 0/1 trait that 3 families have; c: missing except in 2 families (median 7)
    rows = [(f"f{i}", "2022", float(i), float(i <= 3), 7.0 if i <= 2 else None) for i in range(1, 21)]
    df = spark.createDataFrame(rows, "family_id string, reference_period string, a double, b double, c double")
    medians = {"a": 10.0, "b": 0.0, "c": 7.0}
    bounds = features.tail_bounds(df, ["a", "b", "c"], medians, 5)
    # 5 families at or below 5 and at or above 16; the three 1s of b are too few: b codes to 0
    assert bounds == {"a": (5.0, 16.0), "b": (0.0, 0.0), "c": (7.0, 7.0)}
    assert features.coded_quantiles({"a": [1.0, 5.0, 9.0, 20.0]}, bounds) == {"a": [5.0, 5.0, 9.0, 16.0]}
    # fewer than 2 x threshold families: the bounds cross and both become the median
    few = df.where("a <= 8")
    assert features.tail_bounds(few, ["a"], {"a": 4.5}, 5) == {"a": (4.5, 4.5)}
    # both transforms store nothing outside the bounds
    prep = clustering.fit_preprocessing(df, ["a"], medians, transform="rank", points=100, threshold=5)
    splits = [v for v in prep.stages[1].getSplitsArray()[0] if math.isfinite(v)]
    assert min(splits) == 5.0 and max(splits) <= math.nextafter(16.0, math.inf)
    prep = clustering.fit_preprocessing(df, ["a"], medians, transform="asinh-minmax", threshold=5)
    scaler = prep.stages[-1]
    assert scaler.originalMin.toArray().tolist() == pytest.approx([math.asinh(5.0)])
    assert scaler.originalMax.toArray().tolist() == pytest.approx([math.asinh(16.0)])


def test_rank_buckets_split_ties_from_the_values_between_them():
    splits, values = features.rank_buckets([0.0, 0.0, 0.0, 1.0])
    assert splits[0] == -math.inf and splits[-1] == math.inf
    assert all(a < b for a, b in zip(splits, splits[1:]))
    assert values == [0.0, 3 / 8, 3 / 4, 7 / 8, 1.0]


def test_average_linkage_keeps_a_small_distinct_type_apart():
    # Ward weighted by size merges the small far type into a big one; average linkage does not.
    points = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0], [5.5, 4.0]])
    weights = np.array([1000.0, 1000.0, 1000.0, 1000.0, 5.0])
    avg = clustering.group_types(points, weights, 3, "average")
    assert len(set(avg)) == 3 and len({avg[0], avg[1]}) == 1 and avg[4] not in (avg[0], avg[2])
    ward = clustering.group_types(points, weights, 3, "ward")
    assert len(set(ward)) == 3 and ward[4] in (ward[0], ward[1], ward[2], ward[3])
    with pytest.raises(ValueError, match="average or ward"):
        clustering.group_types(points, weights, 3, "single")


def test_column_stats_refuse_empty_and_infinite_columns(spark):
    df = _features_df(spark, [("f1", "2022", None, float("inf")), ("f2", "2022", None, 1.0)])
    with pytest.raises(features.FeatureError, match=r"no value in any family: \['a'\]"):
        features.column_stats(df, ["a", "b"])
    with pytest.raises(features.FeatureError, match=r"infinite values: \['b'\]"):
        features.column_stats(df.fillna(1.0, subset=["a"]), ["a", "b"])


# ---------------------------------------------------------------- metrics
def test_adjusted_rand_index_matches_scikit_learn():
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 400)
    b = np.where(rng.random(400) < 0.7, a, rng.integers(0, 6, 400))
    table = np.zeros((5, 6), dtype=int)
    for x, y in zip(a, b):
        table[x, y] += 1
    assert metrics.adjusted_rand_index(table) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    assert metrics.adjusted_rand_index(np.diag([3, 4, 5])) == 1.0


def test_majority_merge_ari_joins_each_type_to_its_majority_group():
    pure = np.array([[5, 0], [4, 0], [0, 7]])
    assert metrics.majority_merge_ari(pure) == pytest.approx(1.0)
    mixed = np.array([[5, 1], [4, 0], [2, 7]])
    # Types 1 and 2 join group 1, type 3 group 2: the merged table is [[9, 1], [2, 7]].
    assert metrics.majority_merge_ari(mixed) == pytest.approx(metrics.adjusted_rand_index(np.array([[9, 1], [2, 7]])))
    assert metrics.majority_merge_ari(mixed) < 1.0


def test_contingency_and_best_match(spark):
    df = spark.createDataFrame([(1, 7), (1, 7), (2, 8), (2, 7), (3, 9)], "p int, t int")
    rows, cols, table = metrics.contingency(df, "p", "t")
    assert rows == [1, 2, 3] and cols == [7, 8, 9]
    assert table.tolist() == [[2, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert metrics.best_match(table) == [(0, 0), (1, 1), (2, 2)]


def test_segment_stats_within_ss_exact(spark):
    from pyspark.ml.linalg import Vectors

    pts = {0: [[0.0, 0.0], [2.0, 0.0]], 1: [[1.0, 1.0], [1.0, 3.0], [1.0, 5.0]]}
    df = spark.createDataFrame([(g, Vectors.dense(p)) for g, ps in pts.items() for p in ps], ["g", "features"])
    s = metrics.segment_stats(df, "g")
    assert s.labels == [0, 1]
    assert s.sizes.tolist() == [2, 3]
    assert s.means.tolist() == [[1.0, 0.0], [1.0, 3.0]]
    assert s.within_ss == pytest.approx(2.0 + 8.0)


def test_gmm_bic():
    # k=2, d=1: 2*(1+1)+1 = 5 parameters
    assert metrics.gmm_bic(-100.0, 2, 1, 100) == pytest.approx(200.0 + 5 * math.log(100))


# ---------------------------------------------------------------- hierarchy and numbering
def test_weighted_ward_equals_scipy_ward_for_unit_weights():
    from scipy.cluster.hierarchy import fcluster, linkage

    rng = np.random.default_rng(5)
    pts = np.vstack([rng.normal(c, 0.3, size=(8, 3)) for c in (0.0, 3.0, 6.0, 9.0)])
    ours = clustering.weighted_ward(pts, np.ones(len(pts)), 4)
    ref = fcluster(linkage(pts, method="ward"), 4, criterion="maxclust")
    pairs = set(zip(ours.tolist(), ref.tolist()))
    assert len(set(ours.tolist())) == len(set(ref.tolist())) == 4
    assert len(pairs) == 4  # the same partition up to label names


def test_weighted_ward_uses_weights():
    pts = np.array([[0.0], [2.0], [3.0]])
    # unit weights: 2 and 3 are closest -> {0}, {2, 3}
    assert clustering.weighted_ward(pts, np.array([1.0, 1.0, 1.0]), 2).tolist() == [0, 1, 1]
    # merging the heavy point at 3 with 2 costs 1*1000/1001 * 1 = 0.999; 0 with 2 costs 0.5 * 4 = 2
    assert clustering.weighted_ward(pts, np.array([1.0, 1.0, 1000.0]), 2).tolist() == [0, 1, 1]
    # a heavy point at 2 makes merging it with 3 cost 1000/1001, and 0 with 2 cost 1000/1001*4
    pts2 = np.array([[0.0], [1.0], [3.0]])
    assert clustering.weighted_ward(pts2, np.array([1.0, 1.0, 1.0]), 2).tolist() == [0, 0, 1]
    assert clustering.weighted_ward(pts2, np.array([1.0, 1000.0, 1000.0]), 2).tolist() == [0, 0, 1]
    assert clustering.weighted_ward(pts2, np.array([1000.0, 1000.0, 1.0]), 2).tolist() == [0, 1, 1]


def test_numbering_orders_groups_by_size_and_types_within_groups():
    sizes = np.array([10, 50, 5, 30])
    labels = np.array([1, 0, 1, 1])      # group 0: 50 families, group 1: 45
    type_of_index, group_of_type = clustering.numbering(sizes, labels)
    assert type_of_index == {1: 1, 3: 2, 0: 3, 2: 4}
    assert group_of_type == {1: 1, 2: 2, 3: 2, 4: 2}


# ---------------------------------------------------------------- k-means model rules
@pytest.fixture(scope="module")
def small_features(spark):
    pdf, labels = synthetic_features(400, n_features=8, n_groups=4, types_per_group=2, seed=11)
    return to_spark(spark, pdf), labels


def _fit(df, threshold=5, seed=3):
    cols = features.feature_columns(df.schema)
    stats = features.column_stats(df, cols)
    prep = clustering.fit_preprocessing(df, cols, {c: v["median"] for c, v in stats["columns"].items()})
    return clustering.fit_type_model(df, prep, k=6, k_groups=3, seed=seed, restarts=2, max_iter=8,
                                     init_steps=5, threshold=threshold)


def test_type_model_is_deterministic_with_a_fixed_seed(small_features):
    df, _ = small_features
    a, b = _fit(df), _fit(df)
    assert a.restart_costs == b.restart_costs
    assert np.array_equal(a.type_stats.means, b.type_stats.means)
    assert a.group_of_type == b.group_of_type
    la = {r["family_id"]: (r["type_id"], r["group_id"]) for r in a.pipeline.transform(df).select("family_id", "type_id", "group_id").collect()}
    lb = {r["family_id"]: (r["type_id"], r["group_id"]) for r in b.pipeline.transform(df).select("family_id", "type_id", "group_id").collect()}
    assert la == lb
    assert sorted({t for t, _ in la.values()}) == list(range(1, len(a.type_stats.labels) + 1))
    assert sorted({g for _, g in la.values()}) == [1, 2, 3]
    # the group-level SS is at least the type-level SS, and the best restart was kept
    assert a.group_within_ss >= a.type_stats.within_ss
    assert len(a.restart_costs) == 2 and a.pruned_types == 0
    # the model's types are the cheapest restart's: their within-SS (families at their type's
    # mean) is at most that restart's cost, and below the other restart's (97.1 and 110.4 here)
    assert max(a.restart_costs) > 1.05 * min(a.restart_costs)
    assert a.type_stats.within_ss <= min(a.restart_costs) * (1 + 1e-9)


def test_small_types_are_removed_from_the_model(spark):
    from pyspark.ml.linalg import Vectors

    rng = np.random.default_rng(2)
    rows = [(f"f{i}", Vectors.dense(rng.normal(c, 0.1, 2).tolist())) for i, c in enumerate([0.0] * 60 + [5.0] * 60)]
    rows += [("out1", Vectors.dense([40.0, 40.0])), ("out2", Vectors.dense([40.5, 40.0]))]
    df = spark.createDataFrame(rows, ["family_id", "features"])
    model, _ = clustering.fit_kmeans(df, k=3, seed=1, restarts=1, max_iter=20, init_steps=5)
    assert sorted(model.summary.clusterSizes) == [2, 60, 60]
    pruned, dropped = clustering.drop_small_types(spark, model, threshold=5)
    assert dropped == 1
    assert len(pruned.clusterCenters()) == 2
    sizes = sorted(r["count"] for r in pruned.transform(df).groupBy(clustering.KMEANS_COL).count().collect())
    assert sizes == [60, 62]  # the two outliers joined their nearest remaining type


# ---------------------------------------------------------------- names
def test_share_rank_assignment_is_one_to_one_and_closest():
    got = names.share_rank_assignment({1: 40.0, 2: 35.0, 3: 25.0}, {7: 24.0, 8: 41.0, 9: 30.0})
    assert got == {1: 8, 2: 9, 3: 7}


def test_resolve_names_uses_assignment_of_the_same_version_only(tmp_path, cfg):
    src = cfg.project_root / "conf" / "group_names.yaml"
    path = tmp_path / "names.yaml"
    path.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    c = cfg.with_overrides({"train.group_names": str(path)})
    shares = {g: s for g, s in zip(range(1, 11), [29, 20, 15, 11, 6, 5, 4, 4, 3, 3])}
    default = names.resolve_names(c, "m", 3, shares)
    assert default[1].en == "Well-off two-parent families" and default[1].source == "share_rank"
    names.write_assignment(c, "m", 3, "answer_key", {g: 11 - g for g in range(1, 11)})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Human names of the service-need groups")
    got = names.resolve_names(c, "m", 3, shares)
    assert got[1].en == "Unemployment as a challenge in the family" and got[1].source == "answer_key"
    assert got[10].fi == "Paljon muuttavat yhden vanhemman perheet"
    other = names.resolve_names(c, "m", 4, shares)
    assert other[1].source == "share_rank"


# ---------------------------------------------------------------- truth
def test_planted_groups_majority_of_children_tie_to_lower_group(spark):
    from lea_spark.identity import make_hetu, pseudonymise
    from lea_spark.ml.truth import answer_key_coverage, planted_groups

    key = "k"
    codes = [make_hetu(dt.date(2010, 1, d), 901) for d in range(1, 8)]
    answer = spark.createDataFrame(
        [(codes[0], 1, 3, "837"), (codes[1], 1, 5, "837"), (codes[2], 1, 5, "837"),   # family A: 5 wins 2-1
         (codes[3], 2, 4, "837"), (codes[4], 2, 2, "837"),                            # family B: tie -> 2
         (codes[5], 3, 7, "837"),                                                     # not in silver
         (codes[6], 4, 9, "837")],                                                    # a parent in silver
        "person_code string, family_key long, group_no int, municipality_code string")
    members = spark.createDataFrame(
        [("A", pseudonymise(codes[0], key), "child"), ("A", pseudonymise(codes[1], key), "child"),
         ("A", pseudonymise(codes[2], key), "child"), ("B", pseudonymise(codes[3], key), "child"),
         ("B", pseudonymise(codes[4], key), "child"), ("B", pseudonymise(codes[6], key), "resident_parent")],
        "family_id string, person_id string, role string")
    got = sorted(tuple(r) for r in planted_groups(answer, members, key).collect())
    assert got == [("A", 5, 3), ("B", 2, 2)]
    assert answer_key_coverage(answer, members, key) == {"answer_key_children": 7, "answer_key_children_matched": 5}


# ---------------------------------------------------------------- profiles
def _segment(n, means, positive, nonbinary):
    return {"n": n, "means": means, "valid": {c: n for c in means}, "positive": positive, "nonbinary": nonbinary}


def test_profiles_suppress_small_segments_and_rank_effects():
    national = {"columns": {"x": {"mean": 10.0, "sd": 2.0}, "y": {"mean": 1.0, "sd": 1.0}}}
    segs = {1: _segment(20, {"x": 14.0, "y": 0.8}, {"x": 20, "y": 20}, {"x": 20, "y": 20}),
            2: _segment(3, {"x": 1.0, "y": 9.0}, {"x": 3, "y": 3}, {"x": 3, "y": 3})}
    gn = {g: names.GroupName(g, g, f"fi{g}", f"sv{g}", f"en{g}", "expert") for g in (1, 2)}
    ids = {"reference_period": "2022", "model_name": "m", "model_version": 1}
    rows = profiles.build_profiles("group", segs, {1: 1, 2: 2}, national, gn, threshold=5, effect_cut=0.5, ids=ids)
    assert len(rows) == 3
    x, y, small = rows
    assert (x["indicator"], x["effect"], x["index_score"], x["direction"], x["effect_rank"]) == ("x", 2.0, 140.0, "above", 1)
    assert (y["indicator"], y["direction"], y["effect_rank"]) == ("y", "near", 2)
    assert y["effect"] == pytest.approx(-0.2)
    assert x["share_pct"] == pytest.approx(100.0 * 20 / 23)
    assert small["is_suppressed"] and small["n_families"] is None and small["segment_mean"] is None
    assert small["name_en"] == "en2"
    texts = profiles.portraits(rows, top=3)
    assert texts[0]["portrait_en"] == "Group 1: en1 (87.0 % of families). far above average: x (+2.0 sd)."
    assert texts[1]["portrait_en"] is None and texts[1]["is_suppressed"]


def test_profiles_follow_publish_rules_for_few_families_with_a_trait():
    """A 0/1 indicator is shown only when at least threshold families have the trait and as
    many do not; a count of a sensitive phenomenon is the share of families with at least one
    (its mean would give away its sum); a mean needs threshold families with a nonzero value.
    No shown value times its families is a count below the threshold."""
    national = {"columns": {"x": {"mean": 10.0, "sd": 2.0}, "y": {"mean": 0.0, "sd": 0.0},
                            "z": {"mean": 0.0, "sd": 0.0}, "w": {"mean": 3.0, "sd": 1.0}}}
    segs = {
        # y: 16 of 20 with the trait, 4 without; z (diagnosed children): 2 families; w: 3 nonzero
        1: _segment(20, {"x": 14.0, "y": 0.8, "z": 0.15, "w": 0.5}, {"x": 20, "y": 16, "z": 2, "w": 3},
                    {"x": 20, "y": 0, "z": 1, "w": 3}),
        # y: 15 of 30; z: 10 families with at least one child (mean 0.5: some have two)
        2: _segment(30, {"x": 8.0, "y": 0.5, "z": 0.5, "w": 4.0}, {"x": 30, "y": 15, "z": 10, "w": 30},
                    {"x": 30, "y": 0, "z": 3, "w": 30}),
        3: _segment(3, {"x": 1.0, "y": 1.0, "z": 0.4, "w": 1.0}, {"x": 3, "y": 3, "z": 1, "w": 3},
                    {"x": 3, "y": 0, "z": 0, "w": 3}),
    }
    gn = {g: names.GroupName(g, g, f"fi{g}", f"sv{g}", f"en{g}", "expert") for g in (1, 2, 3)}
    ids = {"reference_period": "2022", "model_name": "m", "model_version": 1}
    rows = profiles.build_profiles("group", segs, {1: 1, 2: 2, 3: 3}, national, gn, threshold=5, effect_cut=0.5,
                                   ids=ids, counts_of={"z"})
    got = {(r["segment_id"], r["indicator"]): r for r in rows}
    p_y, p_z = (16 + 15 + 3) / 53, (2 + 10 + 1) / 53
    y1, z1, w1 = got[1, "y"], got[1, "z"], got[1, "w"]
    for r in (y1, z1, w1):
        assert r["segment_mean"] is None and r["effect"] is None and r["index_score"] is None
        assert r["direction"] is None and r["effect_rank"] is None and not r["is_suppressed"]
    assert y1["suppression_reason"] == z1["suppression_reason"] == "fewer than 5 families with or without the trait"
    assert w1["suppression_reason"] == "fewer than 5 families with a nonzero value"
    y2, z2 = got[2, "y"], got[2, "z"]
    assert y2["segment_mean"] == 0.5 and y2["national_mean"] == pytest.approx(p_y)
    assert y2["national_sd"] == pytest.approx((p_y * (1 - p_y)) ** 0.5)
    assert y2["effect"] == pytest.approx((0.5 - p_y) / (p_y * (1 - p_y)) ** 0.5)
    assert z2["segment_mean"] == pytest.approx(10 / 30) and z2["national_mean"] == pytest.approx(p_z)
    assert got[2, "w"]["segment_mean"] == 4.0 and got[1, "x"]["segment_mean"] == 14.0
    assert got[1, "x"]["effect_rank"] == 1
    for r in rows:
        if r["indicator"] in ("y", "z") and r["segment_mean"] is not None:
            with_trait = round(r["segment_mean"] * r["n_families"])
            assert with_trait >= 5 and r["n_families"] - with_trait >= 5
    texts = {t["segment_id"]: t["portrait_en"] for t in profiles.portraits(rows, top=5)}
    named = set(re.findall(r"(\w+) \([+-]\d", texts[1]))
    assert named == {"x"}  # the suppressed y, z and w are in no portrait


def _derivable(rows, indicator):
    """Segment -> the number of families with the trait its shown share and size give."""
    shown = {}
    for r in rows:
        if r["indicator"] == indicator and r["segment_mean"] is not None:
            shown[(r["level"], r["segment_id"])] = round(r["segment_mean"] * r["n_families"])
    return shown


def test_profiles_hide_a_second_value_so_that_no_hidden_count_follows_by_differencing():
    """Group 1 has 2 families with the trait (hidden by the threshold rule). Shown next to the
    country's value and the other groups', it would follow as the difference; with the
    protection another group (and, within group 1, another type) is hidden as well, every
    relation with a hidden member has at least two, and the reason says why."""
    from lea_spark.disclosure import PRIMARY, PUBLISHED, SECONDARY

    def seg(n, pos):
        return {"n": n, "means": {"y": pos / n}, "valid": {"y": n}, "positive": {"y": pos}, "nonbinary": {"y": 0}}

    # types 1, 2 in group 1; 3, 4 in group 2; 5, 6 in group 3
    by_type = {1: seg(20, 1), 2: seg(30, 1), 3: seg(40, 12), 4: seg(50, 20), 5: seg(60, 30), 6: seg(70, 9)}
    group_of_type = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3}
    by_group = {1: seg(50, 2), 2: seg(90, 32), 3: seg(130, 39)}
    national = {"columns": {"y": {"mean": 73 / 270, "sd": 0.4}}}
    gn = {g: names.GroupName(g, g, f"fi{g}", f"sv{g}", f"en{g}", "expert") for g in (1, 2, 3)}
    ids = {"reference_period": "2022", "model_name": "m", "model_version": 1}
    shares = profiles.share_indicators(by_group)
    assert shares == {"y": True}

    def build(status):
        return (profiles.build_profiles("group", by_group, {1: 1, 2: 2, 3: 3}, national, gn, 5, 0.5, ids, status=status)
                + profiles.build_profiles("type", by_type, group_of_type, national, gn, 5, 0.5, ids, status=status))

    # Without the protection the hidden group's count is the country's minus the others'.
    naive = build(None)
    country = round(naive[0]["national_mean"] * 270)
    shown = _derivable(naive, "y")
    assert ("group", 1) not in shown and country - shown[("group", 2)] - shown[("group", 3)] == 2

    prot = protect_segments(by_group, by_type, group_of_type, shares, 5, 3.0)
    assert prot.unprotectable == []
    status = prot.values
    assert status[("group", 1, "y")] == PRIMARY and status[("type", 1, "y")] == PRIMARY
    assert status[("country", 0, "y")] == PUBLISHED
    rows = build(prot)
    got = {(r["level"], r["segment_id"]): r for r in rows}
    hidden = {k for k, r in got.items() if r["segment_mean"] is None}
    hidden |= {("country", 0)} if got[("group", 1)]["national_mean"] is None else set()
    for relation in ([("country", 0)] + [("group", g) for g in (1, 2, 3)], [("group", 1), ("type", 1), ("type", 2)],
                     [("group", 2), ("type", 3), ("type", 4)], [("group", 3), ("type", 5), ("type", 6)]):
        assert len(hidden & set(relation)) != 1, relation
    secondary = [k for k in hidden if status[(*k, "y")] == SECONDARY]
    assert secondary and all(got[k]["suppression_reason"].startswith("hidden so that") for k in secondary)
    assert all(got[k]["effect"] is None and got[k]["direction"] is None for k in hidden)
    assert got[("group", 1)]["suppression_reason"] == "fewer than 5 families with or without the trait"


def test_profiles_protect_the_contributors_of_a_mean():
    """A mean with 3 contributors in one of two groups (each group one type): the mean of the
    other group, or the country's, is hidden with it, at both levels."""
    from lea_spark.disclosure import PUBLISHED

    def seg(n, pos, mean):
        return {"n": n, "means": {"w": mean}, "valid": {"w": n}, "positive": {"w": pos}, "nonbinary": {"w": pos}}

    by_group = {1: seg(40, 3, 0.3), 2: seg(60, 30, 2.0)}
    by_type = {1: seg(40, 3, 0.3), 2: seg(60, 30, 2.0)}
    prot = protect_segments(by_group, by_type, {1: 1, 2: 2}, {"w": False}, 5, 3.0)
    assert prot.unprotectable == []
    hidden = [k for k, st in prot.values.items() if st != PUBLISHED]
    assert ("group", 1, "w") in hidden and len(hidden) >= 4  # group 1, type 1 and a partner of each
    # the relations country = groups and group = type each have 0 or >= 2 hidden members
    for rel in ([("country", 0), ("group", 1), ("group", 2)], [("group", 1), ("type", 1)], [("group", 2), ("type", 2)]):
        assert sum((*k, "w") in hidden for k in rel) != 1


def test_a_type_of_fewer_families_than_the_threshold_hides_a_second_size_and_keeps_its_indicators():
    """A type of 3 families (a later period segmented with a fitted model) would follow from its
    group's number of families minus its sibling's: a second size of the group is hidden, both
    types are suppressed whole, the indicator stays protected (not withheld) and no relation of
    sizes or values has a single hidden member."""
    from lea_spark.disclosure import PUBLISHED

    def seg(n, pos):
        return {"n": n, "means": {"y": pos / n}, "valid": {"y": n}, "positive": {"y": pos}, "nonbinary": {"y": 0}}

    by_type = {1: seg(3, 1), 2: seg(40, 10), 3: seg(45, 20), 4: seg(50, 12), 5: seg(60, 30)}
    group_of_type = {1: 1, 2: 1, 3: 1, 4: 2, 5: 2}
    by_group = {1: seg(88, 31), 2: seg(110, 42)}
    prot = protect_segments(by_group, by_type, group_of_type, {"y": True}, 5, 3.0)
    assert prot.unprotectable == []
    assert not prot.size_shown("type", 1)
    assert sum(not prot.size_shown("type", k) for k in (2, 3)) >= 1   # a partner within group 1
    assert prot.size_shown("group", 1) and prot.size_shown("group", 2)
    national = {"columns": {"y": {"mean": 73 / 198, "sd": 0.4}}}
    gn = {g: names.GroupName(g, g, f"fi{g}", f"sv{g}", f"en{g}", "expert") for g in (1, 2)}
    ids = {"reference_period": "2022", "model_name": "m", "model_version": 1}
    rows = profiles.build_profiles("type", by_type, group_of_type, national, gn, 5, 0.5, ids, status=prot)
    whole = {r["segment_id"]: r["suppression_reason"] for r in rows if r["is_suppressed"]}
    assert whole[1] == "fewer than 5 families"
    assert any(v.startswith("hidden so that a number of fewer than 5") for k, v in whole.items() if k != 1)
    for rel in ([("group", 1), ("type", 1), ("type", 2), ("type", 3)], [("group", 2), ("type", 4), ("type", 5)]):
        hidden_sizes = [k for k in rel if not prot.size_shown(*k)]
        hidden_values = [k for k in rel if prot.values[(*k, "y")] != PUBLISHED]
        assert len(hidden_sizes) != 1 and len(hidden_values) != 1, rel


@pytest.mark.parametrize("small", [1, 2])
def test_a_type_of_one_or_two_families_withholds_nothing_else(small):
    """No interval of width 3 exists for a count of 1 or 2 families: such a type's counts are
    taken as known, it is hidden by the threshold rule, and the indicator is not withheld in the
    country, the groups or the other types (a share and a mean alike)."""
    from lea_spark.disclosure import PRIMARY, PUBLISHED

    def seg(n, pos, valid=None):
        valid = n if valid is None else valid
        return {"n": n, "means": {"y": pos / max(valid, 1)}, "valid": {"y": valid}, "positive": {"y": pos},
                "nonbinary": {"y": 0}}

    by_type = {1: seg(small, 1), 2: seg(40, 10), 3: seg(45, 20), 4: seg(50, 12), 5: seg(60, 30),
               6: seg(40, 1, valid=2)}   # type 6: 40 families, 2 with a value
    group_of_type = {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2}
    by_group = {1: seg(small + 85, 31), 2: seg(150, 43, valid=112)}
    for share in (True, False):
        prot = protect_segments(by_group, by_type, group_of_type, {"y": share}, 5, 3.0)
        assert prot.unprotectable == []
        assert prot.values[("type", 1, "y")] == PRIMARY and prot.values[("type", 6, "y")] == PRIMARY
        assert prot.values[("country", 0, "y")] == PUBLISHED
        assert prot.values[("group", 1, "y")] == PUBLISHED and prot.values[("group", 2, "y")] == PUBLISHED
        assert sum(prot.values[("type", k, "y")] == PUBLISHED for k in (2, 3, 4, 5)) >= 2


def test_centroid_rows_only_for_segments_at_threshold():
    stats = metrics.SegmentStats([1, 2, 3], np.array([5, 4, 9]), np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), 0.0)
    rows = profiles.centroid_rows(stats, ["a", "b"], threshold=4, id_name="type_id")
    assert rows == [{"type_id": 1, "n_families": 5, "a": 0.1, "b": 0.2}, {"type_id": 2, "n_families": 4, "a": 0.3, "b": 0.4},
                    {"type_id": 3, "n_families": 9, "a": 0.5, "b": 0.6}]
    # a segment below the threshold: its row is left out, and no row gives a number of families
    # (the hidden 4 would be the run's 18 families minus the 5 and 9 listed)
    rows = profiles.centroid_rows(stats, ["a", "b"], threshold=5, id_name="type_id")
    assert rows == [{"type_id": 1, "a": 0.1, "b": 0.2}, {"type_id": 3, "a": 0.5, "b": 0.6}]


# ---------------------------------------------------------------- recovery
def test_city_share_errors_against_published_shares(spark):
    reference = {city: {g: 10.0 for g in range(1, 11)} for city in recovery.CITY_CODES}
    # 20 families in Pori: model group 5 read as LEA group 2 (4 families = 20 %), group 6 -> 3 (16 = 80 %)
    rows = [("609", 5, 2)] * 4 + [("609", 6, 3)] * 16
    df = spark.createDataFrame(rows, "municipality_code string, pred int, group_no int")
    m, out = recovery.city_share_errors(df, "pred", {5: 2, 6: 3}, reference, threshold=5)
    assert m == {"share_error_max_pp_pori": 70.0, "share_error_max_pp": 70.0, "share_error_mean_pp": pytest.approx(16.0)}
    pori = {r["lea_group"]: r for r in out if r["city"] == "pori"}
    # 4 families < threshold: group 2 is blanked in the artifact, and so is the rest of the
    # column (80 % would give it away as 100 - 80); the metrics above still use every share
    assert all(r["model_pct"] is None and r["error_pp"] is None for r in pori.values())
    assert [r for r in out if r["city"] == "tampere"] == [{"city": "tampere", "lea_group": None, "n_families": 0}]


def test_a_blank_city_share_blanks_its_column(spark):
    """Shares add up to 100: with one group of 3 families in Pori and nine of 6, blanking only
    the small one would leave it as 100 minus the others, and blanking a partner too would let
    the partner's rank narrow it down; the city's whole column is blanked (model and planted
    alike, and the errors), while another city with no small group keeps its shares."""
    reference = {city: {g: 10.0 for g in range(1, 11)} for city in recovery.CITY_CODES}
    rows = ([("609", 1, 1)] * 3 + [("609", g, g) for g in range(2, 11) for _ in range(6)]
            + [("905", g, g) for g in range(1, 11) for _ in range(7)])
    df = spark.createDataFrame(rows, "municipality_code string, pred int, group_no int")
    m, out = recovery.city_share_errors(df, "pred", {g: g for g in range(1, 11)}, reference, threshold=5,
                                        truth="group_no")
    pori = [r for r in out if r["city"] == "pori"]
    vaasa = [r for r in out if r["city"] == "vaasa"]
    assert len(pori) == len(vaasa) == 10
    assert all(r["model_pct"] is None and r["planted_pct"] is None and r["error_pp"] is None for r in pori)
    assert all(r["model_pct"] == 10.0 and r["planted_pct"] == 10.0 and r["error_pp"] == 0.0 for r in vaasa)
    assert m["share_error_max_pp_pori"] > 0  # the metrics still use every share


def test_a_city_below_the_threshold_has_no_share_metric(spark):
    """A city of 3 families: each share is a multiple of 100/3, so its error would tell how
    its families fall into groups; it is left out of the city and overall metrics."""
    reference = {city: {g: 10.0 for g in range(1, 11)} for city in recovery.CITY_CODES}
    rows = [("609", 1, 1)] * 3 + [("905", g, g) for g in range(1, 11) for _ in range(7)]
    df = spark.createDataFrame(rows, "municipality_code string, pred int, group_no int")
    m, out = recovery.city_share_errors(df, "pred", {g: g for g in range(1, 11)}, reference, threshold=5,
                                        truth="group_no")
    assert m == {"share_error_max_pp_vaasa": 0.0, "share_error_max_pp": 0.0, "share_error_mean_pp": 0.0}
    assert all(r["n_families"] is None and r["model_pct"] is None for r in out if r["city"] == "pori")


def test_the_mean_number_of_children_needs_threshold_families_with_more_than_one(spark):
    """Every family has a child, so (mean - 1) x families is the number of children beyond the
    first; the profile shows the mean only when at least threshold families have more than one."""
    rows = [(1, 1.0)] * 20 + [(1, 2.0)] * 3 + [(2, 1.0)] * 10 + [(2, 3.0)] * 6
    df = spark.createDataFrame(rows, "g int, n_children double")
    segs = profiles.segment_means(df, "g", ["n_children"])
    assert (segs[1]["positive"]["n_children"], segs[2]["positive"]["n_children"]) == (3, 6)
    national = {"columns": {"n_children": {"mean": 1.5, "sd": 0.8}}}
    gn = {g: names.GroupName(g, g, f"fi{g}", f"sv{g}", f"en{g}", "expert") for g in (1, 2)}
    out = profiles.build_profiles("group", segs, {1: 1, 2: 2}, national, gn, threshold=5, effect_cut=0.5,
                                  ids={"reference_period": "2022", "model_name": "m", "model_version": 1})
    got = {r["segment_id"]: r for r in out}
    assert got[1]["segment_mean"] is None and got[1]["suppression_reason"] == "fewer than 5 families with a value above 1"
    assert got[2]["segment_mean"] == pytest.approx(28 / 16)
