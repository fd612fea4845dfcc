"""End-to-end tests of `lea train`, `lea evaluate` and `lea models compare` on a small
synthetic features table with a planted answer key (one module-scoped run of each job)."""
from __future__ import annotations

import collections
import csv
import math
import os
import re
import shutil

import numpy as np
import pytest

from lea_spark.cli import build_parser
from lea_spark.config import ConfigError
from lea_spark.lake import read_table, write_table
from lea_spark.ml.synthetic import synthetic_answer_key, synthetic_features, to_spark
from tests.conftest import CONF, make_cfg

KEY_ENV = "LEA_PSEUDONYM_KEY"
N_FAMILIES = 1000
SEGMENT_COLUMNS = ["family_id", "reference_period", "type_id", "group_id", "model_name", "model_version"]


def _args(*argv):
    return build_parser(["train", "evaluate", "models"]).parse_args(list(argv))


@pytest.fixture(scope="module")
def world(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("train")
    shutil.copy(CONF / "group_names.yaml", base / "group_names.yaml")
    cfg = make_cfg(base, **{
        "train.k_types": 10, "train.k_groups": 4, "train.gmm_k": 4, "train.bisecting_k": 4,
        "train.gmm_dims": 4, "train.max_iter": 5, "train.ceiling_trees": 10,
        "train.group_names": str(base / "group_names.yaml"),
    })
    old_key = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = "train-test-key"
    pdf, labels = synthetic_features(N_FAMILIES, n_features=10, n_groups=4, types_per_group=2, seed=21)
    # a rare 0/1 trait: 3 families of planted group 1, every 8th family of the others; its
    # profile values need primary and secondary suppression
    group_no = labels["group_no"].to_numpy()
    first = np.flatnonzero(group_no == 1)[:3]
    others = np.flatnonzero(group_no != 1)[::8]
    pdf["rare_trait"] = 0.0
    pdf.loc[np.concatenate([first, others]), "rare_trait"] = 1.0
    write_table(cfg, to_spark(spark, pdf), "gold.family_features", partition_by=["reference_period"])
    answer_key, members = synthetic_answer_key(labels, "train-test-key", seed=2, odd_child_share=0.1)
    (base / "raw_truth" / "answer_key").mkdir(parents=True)
    answer_key.to_parquet(base / "raw_truth" / "answer_key" / "part-00000.parquet")
    write_table(cfg, spark.createDataFrame(members), "silver.family_members")

    from lea_spark.jobs import evaluate, train

    out = {"cfg": cfg, "base": base, "pdf": pdf, "answer_key": answer_key, "members": members}
    out["train"] = train.run(cfg, _args("train"))
    segments = read_table(spark, cfg, "gold.family_segments")
    out["segments"] = {r["family_id"]: r for r in segments.collect()}
    out["segment_columns"] = segments.columns
    out["evaluate"] = evaluate.run(cfg, _args("evaluate", "--write-group-names"))
    out["retrain"] = train.run(cfg, _args("train", "--skip-fit"))
    yield out
    if old_key is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = old_key


def _runs(cfg):
    import mlflow

    from lea_spark.tracking import setup_mlflow

    return mlflow.search_runs(experiment_ids=[setup_mlflow(cfg)])


def test_segments_follow_the_contract(world):
    assert world["segment_columns"] == SEGMENT_COLUMNS
    seg = world["segments"]
    assert len(seg) == N_FAMILIES and set(seg) == set(world["pdf"]["family_id"])
    assert {r["model_name"] for r in seg.values()} == {"lea-family-types"}
    assert {r["model_version"] for r in seg.values()} == {1}
    assert {r["group_id"] for r in seg.values()} == {1, 2, 3, 4}
    assert world["train"]["registered"] == "lea-family-types v1 @champion"


def test_registered_model_loads_back_and_assigns_the_same_segments(world, spark):
    from lea_spark.ml.registry import load_aliased

    cfg = world["cfg"]
    model, version, _ = load_aliased("lea-family-types", "champion")
    assert version == 1
    features = read_table(spark, cfg, "gold.family_features")
    again = {r["family_id"]: (r["type_id"], r["group_id"]) for r in model.transform(features).select("family_id", "type_id", "group_id").collect()}
    assert again == {f: (r["type_id"], r["group_id"]) for f, r in world["segments"].items()}
    # the registered k-means holds exactly the types in use, each of at least the threshold
    kmeans = model.stages[-2]
    sizes = {}
    for r in world["segments"].values():
        sizes[r["type_id"]] = sizes.get(r["type_id"], 0) + 1
    assert len(kmeans.clusterCenters()) == len(sizes)
    assert min(sizes.values()) >= cfg["publish.threshold"]


def test_every_run_is_logged_with_parameters_and_metrics(world):
    runs = _runs(world["cfg"])
    train_runs = runs[runs["tags.lea.job"] == "train"]
    assert sorted(train_runs["params.algorithm"]) == ["bisecting_kmeans", "gmm", "kmeans+average", "kmeans+average"]
    for col in ("params.k", "params.seed", "params.transform", "params.feature_set_version", "params.feature_set_hash",
                "metrics.group_within_ss", "metrics.silhouette_groups", "metrics.ari_groups"):
        assert train_runs[col].notna().all(), col
    km = train_runs[train_runs["params.algorithm"] == "kmeans+average"]
    for col in ("metrics.within_ss", "metrics.silhouette", "metrics.stability_ari_types", "metrics.share_error_max_pp"):
        assert km[col].notna().all(), col
    assert set(km["params.seed"]) == {"7", "1007"}
    assert set(km["params.transform"]) == {"median-impute+rank"}
    gmm = train_runs[train_runs["params.algorithm"] == "gmm"].iloc[0]
    # k=4 components on d=4 principal components: 4 * (4 + 10) + 3 = 59 parameters
    assert gmm["params.gmm_dims"] == "4"
    assert gmm["metrics.bic"] == pytest.approx(-2 * gmm["metrics.log_likelihood"] + 59 * math.log(N_FAMILIES))
    # the registered run is the best k-means candidate by the selection metric (within_ss)
    from mlflow import MlflowClient

    chosen = MlflowClient().get_model_version_by_alias("lea-family-types", "champion").run_id
    assert km.loc[km["metrics.within_ss"].idxmin(), "run_id"] == chosen
    # the registered run's largest group share is that of the segments written with it
    sizes = collections.Counter(r["group_id"] for r in world["segments"].values())
    logged = km.loc[km["run_id"] == chosen, "metrics.largest_group_share_pct"].iloc[0]
    assert logged == pytest.approx(100.0 * max(sizes.values()) / sum(sizes.values()))


def _artifact_files(world):
    return [p for p in (world["base"] / "mlartifacts").rglob("*") if p.is_file()]


def test_no_person_or_family_identifier_in_any_artifact(world):
    ids = set(world["pdf"]["family_id"]) | set(world["members"]["person_id"]) | set(world["answer_key"]["person_code"])
    files = _artifact_files(world) + [world["base"] / "mlflow.db"]
    assert len(files) > 20
    token = re.compile(rb"fam\d{10}|[0-9a-f]{64}|\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]")
    leaks = []
    for path in files:
        found = {t.decode() for t in token.findall(path.read_bytes())} & ids
        if found:
            leaks.append((str(path), sorted(found)[:3]))
    assert leaks == []


def test_the_registered_transform_stores_no_tail_value_of_fewer_families_than_the_threshold(world):
    """Its quantiles (Bucketizer splits) lie between each indicator's threshold-th smallest and
    threshold-th largest value: the extremes of single families are not in the model."""
    import math

    from pyspark.ml.feature import Bucketizer

    from lea_spark.ml.registry import load_aliased

    t = world["cfg"]["publish.threshold"]
    model, _, _ = load_aliased("lea-family-types", "champion")
    bucketizer = next(s for s in model.stages if isinstance(s, Bucketizer))
    pdf = world["pdf"]
    checked, coded = 0, 0
    for column, splits in zip(bucketizer.getInputCols(), bucketizer.getSplitsArray()):
        values = pdf[column.removeprefix("__i_")].dropna().sort_values().to_numpy()
        lo, hi = values[t - 1], values[-t]
        stored = [v for v in splits if math.isfinite(v)]
        assert min(stored) >= lo and max(stored) <= math.nextafter(hi, math.inf), column
        checked += 1
        coded += bool(values[0] < lo or values[-1] > hi)
    assert checked == 11
    # 1,000 families and 1,000 quantile points: without the coding every distinct value would
    # be stored, the extremes of the euro columns (single families) included
    assert coded >= 3


def test_centroid_artifacts_hold_only_segments_at_the_threshold(world):
    threshold = world["cfg"]["publish.threshold"]
    centroid_files = [p for p in _artifact_files(world) if p.parent.name == "centroids"]
    assert len(centroid_files) == 6  # types + groups of 2 candidates, groups of 2 alternatives
    runs = _runs(world["cfg"]).set_index("run_id")
    for path in centroid_files:
        with path.open() as fh:
            rows = list(csv.DictReader(fh))
        withheld = runs.loc[path.parents[2].name].get("tags.lea.model_withheld")
        if isinstance(withheld, str):  # a segment below the threshold: no row gives a number of families
            assert rows and "n_families" not in rows[0]
        else:
            assert rows and all(int(r["n_families"]) >= threshold for r in rows)
        assert not {"family_id", "person_id"} & set(rows[0])
        if path.name == "types.csv":
            run_id = path.parents[2].name
            assert len(rows) == runs.loc[run_id, "metrics.n_types"]


def test_profiles_and_portraits_carry_names_and_suppress_small_segments(world, spark):
    cfg = world["cfg"]
    profiles = read_table(spark, cfg, "gold.segment_profiles")
    assert "family_id" not in profiles.columns and "person_id" not in profiles.columns
    rows = profiles.collect()
    assert {r["level"] for r in rows} == {"type", "group"}
    assert all(r["name_fi"] and r["name_sv"] and r["name_en"] for r in rows)
    for r in rows:
        if r["is_suppressed"]:
            assert r["n_families"] is None and r["segment_mean"] is None
        else:
            assert r["n_families"] >= cfg["publish.threshold"]
    groups = [r for r in rows if r["level"] == "group"]
    assert len({r["segment_id"] for r in groups}) == 4
    assert len([r for r in groups if r["segment_id"] == 1]) == 11  # one row per indicator
    portraits = read_table(spark, cfg, "gold.segment_portraits").where("level = 'group'").collect()
    assert len(portraits) == 4
    for p in portraits:
        assert p["portrait_en"].startswith(f"Group {p['segment_id']}: {p['name_en']} (")
        assert p["portrait_fi"].startswith(f"Ryhmä {p['segment_id']}: {p['name_fi']} (")


def test_no_hidden_profile_value_follows_from_the_others(world, spark):
    """The country's value is its groups' and a group's its types': in the written profiles no
    such relation of any indicator has exactly one hidden member (a shown national value, shown
    groups and one hidden group would give the hidden one away)."""
    rows = read_table(spark, world["cfg"], "gold.segment_profiles").where("indicator IS NOT NULL").collect()
    group_of = {r["segment_id"]: r["group_id"] for r in rows if r["level"] == "type"}
    by_indicator = {}
    for r in rows:
        by_indicator.setdefault(r["indicator"], []).append(r)
    checked = 0
    for ind, rs in by_indicator.items():
        hidden = {(r["level"], r["segment_id"]) for r in rs if r["segment_mean"] is None}
        if all(r["national_mean"] is None for r in rs):
            hidden.add(("country", 0))
        groups = sorted({r["segment_id"] for r in rs if r["level"] == "group"})
        relations = [[("country", 0)] + [("group", g) for g in groups]]
        relations += [[("group", g)] + [("type", t) for t, tg in group_of.items() if tg == g] for g in groups]
        for rel in relations:
            assert len(hidden & set(rel)) != 1, (ind, rel[0])
            checked += 1
    assert checked == len(by_indicator) * 5  # 4 groups and the country
    rare = [r for r in by_indicator["rare_trait"] if r["segment_mean"] is None]
    assert any(r["suppression_reason"].startswith("fewer than 5") for r in rare)
    assert any(r["suppression_reason"].startswith("hidden so that") for r in rare)


def test_evaluate_measures_recovery_and_the_supervised_ceiling(world):
    runs = _runs(world["cfg"])
    ev = runs[runs["tags.lea.job"] == "evaluate"].iloc[0]
    assert ev["metrics.ari_groups"] > 0.9
    assert ev["metrics.ceiling_ari_holdout"] > 0.9
    # In this well-separated world almost every type is pure: its majority grouping is near 1.
    assert 0.9 < ev["metrics.type_oracle_ari"] <= 1.0
    assert ev["metrics.ari_ratio_to_ceiling"] == pytest.approx(ev["metrics.ari_groups_holdout"] / ev["metrics.ceiling_ari_holdout"])
    assert ev["metrics.families_without_planted_group"] == 0
    assert ev["metrics.answer_key_children_matched"] == ev["metrics.answer_key_children"] == len(world["answer_key"])
    assert world["evaluate"]["ari_groups"] == pytest.approx(ev["metrics.ari_groups"], abs=1e-4)


def test_answer_key_names_reach_the_profiles_after_skip_fit(world, spark):
    import yaml

    data = yaml.safe_load((world["base"] / "group_names.yaml").read_text(encoding="utf-8"))
    mapping = data["assignment"]["groups"]
    assert data["assignment"]["method"] == "answer_key" and data["assignment"]["model_version"] == 1
    assert sorted(mapping) == [1, 2, 3, 4] and sorted(mapping.values()) == [1, 2, 3, 4]
    groups = read_table(spark, world["cfg"], "gold.segment_portraits").where("level = 'group'").collect()
    lea_en = {n: v["en"] for n, v in data["names"].items()}
    assert {r["segment_id"]: r["name_en"] for r in groups} == {g: lea_en[mapping[g]] for g in mapping}
    assert {r["name_source"] for r in groups} == {"answer_key"}
    assert world["retrain"]["model_version"] == 1 and "mlflow_runs" not in world["retrain"]


def test_models_compare_shows_runs_side_by_side(world, capsys):
    from lea_spark.jobs import models

    summary = models.run(world["cfg"], _args("models", "compare"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:5] == ["run", "algorithm", "k", "seed", "features"]
    assert summary["runs"] == 4 and len(out) == 2 + 4
    assert sum("@champion" in line for line in out) == 1


def test_unknown_selection_metric_is_a_config_error(tmp_path):
    from lea_spark.jobs import train

    cfg = make_cfg(tmp_path, **{"train.selection_metric": "accuracy"})
    with pytest.raises(ConfigError, match="train.selection_metric must be one of"):
        train.run(cfg, _args("train"))


def test_a_protection_interval_no_hidden_value_can_meet_is_a_config_error(tmp_path):
    from lea_spark.jobs import train

    cfg = make_cfg(tmp_path, **{"publish.threshold": 5, "publish.protection_interval": 5})
    with pytest.raises(ConfigError, match=r"publish.protection_interval \(5\) must be in \(0, threshold - 1 = 4\]"):
        train.run(cfg, _args("train"))
