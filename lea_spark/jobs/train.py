"""Train family types (k-means) and service-need groups (a hierarchy of the types) tracked in MLflow; write gold.family_segments.

Steps:

1. read ``gold.family_features`` for one reference period, check the indicators (one
   aggregation pass: missing values, range, mean, sd, median);
2. fit the feature transform (median imputation, then ``train.transform``: mid-rank ECDF or
   asinh + 0-1 range) once;
3. for each of ``1 + train.stability_seeds`` seeds fit a candidate: k-means to
   ``train.k_types`` types (best of ``train.restarts``, ``init_steps``), types below the
   disclosure threshold removed, ``train.group_linkage`` hierarchy to ``train.k_groups`` groups; each candidate
   is one MLflow run with its metrics, aggregate artifacts and the Spark ML model;
4. fit the logged alternatives at group level: Gaussian mixture on ``train.gmm_dims``
   principal components, bisecting k-means (unless ``train.alternatives`` is false or
   ``--no-alternatives`` is given);
5. register the candidate that is best by ``train.selection_metric`` and point the alias
   ``mlflow.alias`` at it;
6. load the aliased model back from the registry and write ``gold.family_segments``,
   ``gold.segment_profiles`` and ``gold.segment_portraits`` with it.

``--skip-fit`` does step 6 only (e.g. after an expert renamed the groups, or for a new
reference period with the same model version).
"""
from __future__ import annotations

import logging
import time

import numpy as np

from lea_spark.config import ConfigError
from lea_spark.ml.clustering import LINKAGES
from lea_spark.ml.features import TRANSFORMS

log = logging.getLogger("lea")
JOB = "train"

SELECTION = {
    "within_ss": "min", "group_within_ss": "min", "silhouette": "max",
    "silhouette_groups": "max", "stability_ari_types": "max",
}


def add_arguments(parser) -> None:
    parser.add_argument("--reference-period", default=None,
                        help="reference period to train on (default: the latest in gold.family_features)")
    parser.add_argument("--k-types", type=int, default=None, help="number of family types (overrides train.k_types)")
    parser.add_argument("--k-groups", type=int, default=None, help="number of groups (overrides train.k_groups)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (overrides train.seed)")
    parser.add_argument("--no-alternatives", action="store_true", help="do not fit the GMM and bisecting alternatives")
    parser.add_argument("--skip-fit", action="store_true",
                        help="only segment and profile with the aliased registered model")


def _cfg_with_args(cfg, args):
    return cfg.with_overrides({
        "train.k_types": getattr(args, "k_types", None),
        "train.k_groups": getattr(args, "k_groups", None),
        "train.seed": getattr(args, "seed", None),
    })


def run(cfg, args) -> dict:
    from lea_spark.ml.features import column_stats, feature_columns, feature_set
    from lea_spark.progress import step
    from lea_spark.session import get_spark
    from lea_spark.tracking import setup_mlflow

    cfg = _cfg_with_args(cfg, args)
    metric = cfg["train.selection_metric"]
    if metric not in SELECTION:
        raise ConfigError(f"train.selection_metric must be one of {', '.join(SELECTION)}, got {metric!r}")
    if cfg["train.transform"] not in TRANSFORMS:
        raise ConfigError(f"train.transform must be one of {', '.join(TRANSFORMS)}, got {cfg['train.transform']!r}")
    if cfg["train.group_linkage"] not in LINKAGES:
        raise ConfigError(f"train.group_linkage must be {' or '.join(LINKAGES)}, got {cfg['train.group_linkage']!r}")
    if cfg["train.transform"] == "rank" and not (isinstance(cfg["train.rank_points"], int) and cfg["train.rank_points"] >= 10):
        raise ConfigError(f"train.rank_points must be an integer of at least 10, got {cfg['train.rank_points']!r}")
    t, protection = cfg["publish.threshold"], cfg["publish.protection_interval"]
    if not 0 < protection <= t - 1:
        raise ConfigError(f"publish.protection_interval ({protection:g}) must be in (0, threshold - 1 = {t - 1}]: "
                          "the profiles are protected with it, and a value below the threshold is known to lie "
                          "in [0, threshold - 1]")
    spark = get_spark(cfg)
    experiment_id = setup_mlflow(cfg)

    with step(JOB, "read gold.family_features") as s:
        features, period = read_features(spark, cfg, getattr(args, "reference_period", None))
        # every fit, restart, silhouette and segmentation below reads the same rows: once
        features = features.persist()
        columns = feature_columns(features.schema)
        fset = feature_set(columns)
        stats = column_stats(features, columns)
        s.rows_in = stats["rows"]
        s.note = f"period {period}, {len(columns)} indicators, feature set {fset.version}/{fset.hash}"
    if stats["rows"] == 0:
        raise ValueError(f"gold.family_features has no families for reference period {period}")

    summary: dict = {"reference_period": period}
    if not getattr(args, "skip_fit", False):
        summary.update(fit_and_register(spark, cfg, experiment_id, features, columns, fset, stats, period,
                                        alternatives=cfg["train.alternatives"]
                                        and not getattr(args, "no_alternatives", False)))
    summary.update(segment_with_alias(spark, cfg, features, columns, stats, period))
    features.unpersist()
    return summary


def read_features(spark, cfg, period: str | None):
    """Features of one reference period (the latest when not given)."""
    from pyspark.sql import functions as F

    from lea_spark.lake import read_table

    features = read_table(spark, cfg, "gold.family_features")
    if period is None:
        latest = features.agg(F.max("reference_period")).first()[0]
        if latest is None:
            raise ValueError("gold.family_features is empty; run 'lea indicators' first")
        period = str(latest)
    return features.where(F.col("reference_period") == F.lit(period)), period


def load_truth(spark, cfg):
    """``family_id, group_no`` of the planted groups when the answer key can be used, else None."""
    import os

    from lea_spark.config import secret
    from lea_spark.lake import read_table, table_exists
    from lea_spark.ml.truth import planted_groups

    key_dir = cfg.path("answer_key") / "answer_key"
    if not key_dir.exists() or not table_exists(cfg, "silver.family_members"):
        log.info("[%s] no answer key or silver.family_members: recovery is not measured", JOB)
        return None
    key_env = cfg["ingest.pseudonym_key_env"]
    if not os.environ.get(key_env):
        log.warning("[%s] answer key present but %s is not set: recovery is not measured", JOB, key_env)
        return None
    answer_key = spark.read.parquet(str(key_dir))
    members = read_table(spark, cfg, "silver.family_members")
    return planted_groups(answer_key, members, secret(key_env))


def _silhouette(df, label: str, rows: int, sample: int, seed: int) -> float:
    from pyspark.ml.evaluation import ClusteringEvaluator

    fraction = min(1.0, sample / max(rows, 1))
    part = df.sample(withReplacement=False, fraction=fraction, seed=seed) if fraction < 1.0 else df
    return float(ClusteringEvaluator(featuresCol="features", predictionCol=label, metricName="silhouette").evaluate(part))


def _base_params(cfg, fset, period, stats, features_version) -> dict:
    return {
        "transform": TRANSFORMS[cfg["train.transform"]],
        "rank_points": cfg["train.rank_points"] if cfg["train.transform"] == "rank" else None,
        "group_linkage": cfg["train.group_linkage"],
        "feature_set_version": fset.version,
        "feature_set_hash": fset.hash,
        "n_features": len(fset.columns),
        "reference_period": period,
        "features_table_version": features_version,
        "n_families": stats["rows"],
        "disclosure_threshold": cfg["publish.threshold"],
    }


def fit_and_register(spark, cfg, experiment_id, features, columns, fset, stats, period,
                     alternatives: bool = True) -> dict:
    import mlflow
    from pyspark.sql import functions as F

    from lea_spark.lake import table_version
    from lea_spark.ml import registry
    from lea_spark.ml.clustering import fit_preprocessing, fit_type_model, group_stats_from_types
    from lea_spark.ml.metrics import adjusted_rand_index, contingency
    from lea_spark.ml.profiles import centroid_rows
    from lea_spark.ml.recovery import recovery_metrics, reference_shares
    from lea_spark.progress import step

    threshold = cfg["publish.threshold"]
    k, k_groups = cfg["train.k_types"], cfg["train.k_groups"]
    base = _base_params(cfg, fset, period, stats, table_version(cfg, "gold.family_features"))
    medians = {c: (v["median"] if v["median"] is not None else 0.0) for c, v in stats["columns"].items()}
    with step(JOB, "fit feature transform"):
        prep = fit_preprocessing(features, columns, medians, cfg["train.transform"], cfg["train.rank_points"],
                                 threshold=threshold)
    truth = load_truth(spark, cfg)
    if truth is not None:
        # pseudonymised answer key joined to the members: used by every candidate and alternative
        truth = truth.persist()
    reference = reference_shares(cfg.path("group_reference")) if truth is not None else None

    seeds = [cfg["train.seed"] + 1000 * i for i in range(1 + max(0, cfg["train.stability_seeds"]))]
    candidates = []
    for seed in seeds:
        with step(JOB, f"k-means {k} types + {cfg['train.group_linkage']} linkage {k_groups} groups, seed {seed}") as s:
            start = time.perf_counter()
            tm = fit_type_model(features, prep, k, k_groups, seed, cfg["train.restarts"], cfg["train.max_iter"],
                                cfg["train.init_steps"], threshold, cfg["train.group_linkage"])
            tm.extra["fit_seconds"] = time.perf_counter() - start
            s.rows_in = stats["rows"]
            s.note = f"within SS {tm.type_stats.within_ss:.3f}, {len(tm.type_stats.labels)} types kept"
        candidates.append(tm)

    # labels of every candidate for the same families: stability across seeds (each candidate's
    # labels computed once, not once per pair)
    labelled = [tm.pipeline.transform(features).select("family_id", F.col("type_id").alias(f"t{i}"),
                                                       F.col("group_id").alias(f"g{i}")).persist()
                for i, tm in enumerate(candidates)] if len(candidates) > 1 else []
    pair_ari: dict[tuple[int, int], tuple[float, float]] = {}
    for i in range(len(candidates)):
        for j in range(i + 1, len(candidates)):
            pair = labelled[i].join(labelled[j], on="family_id", how="inner")
            pair_ari[(i, j)] = pair_ari[(j, i)] = (
                adjusted_rand_index(contingency(pair, f"t{i}", f"t{j}")[2]),
                adjusted_rand_index(contingency(pair, f"g{i}", f"g{j}")[2]),
            )
    for df in labelled:
        df.unpersist()
    for i, tm in enumerate(candidates):
        others = [pair_ari[(i, j)] for j in range(len(candidates)) if j != i]
        if others:
            tm.extra["stability_ari_types"] = float(np.mean([a for a, _ in others]))
            tm.extra["stability_ari_groups"] = float(np.mean([b for _, b in others]))

    runs = []
    for tm in candidates:
        with step(JOB, f"log candidate seed {tm.seed}"):
            # a few passes follow (silhouettes, recovery): keep the narrow result in memory
            segmented = tm.pipeline.transform(features).select(
                "family_id", "municipality_code", "features", "type_id", "group_id").persist()
            group_stats = group_stats_from_types(tm.type_stats, tm.group_of_type)
            metrics = {
                "within_ss": tm.type_stats.within_ss,
                "within_ss_best_restart": min(tm.restart_costs),
                "group_within_ss": group_stats.within_ss,
                "silhouette": _silhouette(segmented, "type_id", stats["rows"], cfg["train.silhouette_sample"], tm.seed),
                "silhouette_groups": _silhouette(segmented, "group_id", stats["rows"], cfg["train.silhouette_sample"], tm.seed),
                "n_types": len(tm.type_stats.labels),
                "n_types_removed_small": tm.pruned_types,
                "min_type_size": int(tm.type_stats.sizes.min()),
                "n_groups": len(group_stats.labels),
                # average linkage can merge two large groups into one: watch the largest share
                "largest_group_share_pct": 100.0 * float(group_stats.sizes.max()) / max(float(group_stats.sizes.sum()), 1.0),
                "fit_seconds": tm.extra["fit_seconds"],
            }
            for key in ("stability_ari_types", "stability_ari_groups"):
                if key in tm.extra:
                    metrics[key] = tm.extra[key]
            share_rows = []
            if truth is not None:
                joined = segmented.select("family_id", "municipality_code", "group_id").join(truth, "family_id", "inner")
                rec, _, share_rows = recovery_metrics(joined, "group_id", reference, threshold)
                metrics.update(rec)
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"kmeans-{cfg['train.group_linkage']} k={k}/{k_groups} seed={tm.seed}") as run:
                mlflow.set_tags({"lea.job": JOB, "lea.candidate": "true", "lea.level": "types+groups"})
                mlflow.log_params({**base, "algorithm": f"kmeans+{cfg['train.group_linkage']}", "k": k, "k_groups": k_groups,
                                   "seed": tm.seed, "restarts": cfg["train.restarts"],
                                   "max_iter": cfg["train.max_iter"], "init_steps": cfg["train.init_steps"]})
                mlflow.log_metrics(metrics)
                for r, cost in enumerate(tm.restart_costs):
                    mlflow.log_metric("restart_within_ss", cost, step=r)
                registry.log_rows(centroid_rows(tm.type_stats, columns, threshold, "type_id"), "centroids/types.csv")
                registry.log_rows(centroid_rows(group_stats, columns, threshold, "group_id"), "centroids/groups.csv")
                registry.log_rows([{"type_id": t, "group_id": g} for t, g in sorted(tm.group_of_type.items())],
                                  "hierarchy.csv")
                if share_rows:
                    registry.log_rows(share_rows, "recovery/city_shares.csv")
                total = group_stats.total
                registry.log_bar_plot([str(g) for g in group_stats.labels],
                                      [100.0 * n / total for n in group_stats.sizes],
                                      "Families by service-need group", "plots/group_sizes.png")
                registry.log_spark_model(tm.pipeline)
                runs.append((run.info.run_id, metrics, tm))
            segmented.unpersist()

    if alternatives:
        fit_alternatives(cfg, experiment_id, features, prep, stats, base, truth, reference)

    direction = SELECTION[cfg["train.selection_metric"]]
    metric = cfg["train.selection_metric"]
    usable = [r for r in runs if metric in r[1]]
    if not usable:
        raise ValueError(f"no candidate has the selection metric {metric!r} (stability needs train.stability_seeds >= 1)")
    best = (min if direction == "min" else max)(usable, key=lambda r: r[1][metric])
    with step(JOB, "register the selected model") as s:
        version = registry.register(best[0], cfg["mlflow.registered_model"], cfg["mlflow.alias"],
                                    tags={"selection_metric": metric, "selection_value": best[1][metric],
                                          "reference_period": period})
        s.note = f"{cfg['mlflow.registered_model']} version {version} @{cfg['mlflow.alias']} ({metric} {best[1][metric]:.4f})"
    if truth is not None:
        truth.unpersist()
    return {"mlflow_runs": len(runs), "registered": f"{cfg['mlflow.registered_model']} v{version} @{cfg['mlflow.alias']}",
            "within_ss": round(best[1]["within_ss"], 4)}


def fit_alternatives(cfg, experiment_id, features, prep, stats, base, truth, reference) -> None:
    """Gaussian mixture (on principal components) and bisecting k-means, logged at group level."""
    import mlflow
    from pyspark.ml import PipelineModel

    from lea_spark.ml import registry
    from lea_spark.ml.clustering import fit_bisecting, fit_gmm
    from lea_spark.ml.metrics import gmm_bic, segment_stats
    from lea_spark.ml.profiles import centroid_rows
    from lea_spark.ml.recovery import recovery_metrics
    from lea_spark.progress import step

    threshold = cfg["publish.threshold"]
    seed, max_iter = cfg["train.seed"], cfg["train.max_iter"]
    scaled = prep.transform(features)
    columns = list(base_columns(features))
    specs = [
        ("gmm", cfg["train.gmm_k"], f"gmm-pca{cfg['train.gmm_dims']} k={cfg['train.gmm_k']}"),
        ("bisecting_kmeans", cfg["train.bisecting_k"], f"bisecting-kmeans k={cfg['train.bisecting_k']}"),
    ]
    for algorithm, k, name in specs:
        with step(JOB, f"alternative {name}"):
            start = time.perf_counter()
            params = {**base, "algorithm": algorithm, "k": k, "seed": seed, "max_iter": max_iter}
            metrics: dict = {}
            if algorithm == "gmm":
                model, gmm = fit_gmm(scaled, k, cfg["train.gmm_dims"], seed, max_iter)
                params["gmm_dims"] = cfg["train.gmm_dims"]
                ll = float(gmm.summary.logLikelihood)
                dims = model.stages[0].getK()
                metrics.update({"log_likelihood": ll, "bic": gmm_bic(ll, k, dims, stats["rows"]),
                                "gmm_iterations": gmm.summary.numIter})
            else:
                model = fit_bisecting(scaled, k, seed, max_iter)
            metrics["fit_seconds"] = time.perf_counter() - start
            segmented = model.transform(scaled).select("family_id", "municipality_code", "features", "segment").persist()
            seg_stats = segment_stats(segmented, "segment")
            small = int((seg_stats.sizes < threshold).sum())  # segments below the threshold
            metrics.update({
                "group_within_ss": seg_stats.within_ss,
                "silhouette_groups": _silhouette(segmented, "segment", stats["rows"], cfg["train.silhouette_sample"], seed),
                "n_groups": len(seg_stats.labels),
                "n_groups_below_threshold": small,
            })
            if not small:  # a size below the threshold is not shown, even in MLflow
                metrics["min_group_size"] = int(seg_stats.sizes.min())
            share_rows = []
            if truth is not None:
                joined = segmented.select("family_id", "municipality_code", "segment").join(truth, "family_id", "inner")
                rec, _, share_rows = recovery_metrics(joined, "segment", reference, threshold)
                metrics.update(rec)
            with mlflow.start_run(experiment_id=experiment_id, run_name=name):
                mlflow.set_tags({"lea.job": JOB, "lea.candidate": "false", "lea.level": "groups"})
                mlflow.log_params(params)
                mlflow.log_metrics(metrics)
                registry.log_rows(centroid_rows(seg_stats, columns, threshold, "segment"), "centroids/groups.csv")
                if share_rows:
                    registry.log_rows(share_rows, "recovery/city_shares.csv")
                if not small:
                    registry.log_spark_model(PipelineModel(stages=list(prep.stages) + list(
                        model.stages if hasattr(model, "stages") else [model])))
                else:
                    # the model would hold the centre of a segment below the threshold
                    mlflow.set_tag("lea.model_withheld", f"a segment has fewer than {threshold} families")
            segmented.unpersist()


def base_columns(features):
    from lea_spark.ml.features import feature_columns

    return feature_columns(features.schema)


def segment_with_alias(spark, cfg, features, columns, stats, period) -> dict:
    """Write segments, profiles and portraits with the aliased model loaded from the registry."""
    import mlflow
    from pyspark.sql import functions as F

    from lea_spark.lake import write_table
    from lea_spark.ml import registry
    from lea_spark.ml.names import resolve_names
    from lea_spark.disclosure.segments import protect_segments, secondary_reason
    from lea_spark.ml.profiles import (PORTRAIT_COLUMNS, PROFILE_COLUMNS, build_profiles, portraits, segment_means,
                                       share_indicators)
    from lea_spark.progress import step
    from lea_spark.publish.phenomena import catalog_count_indicators

    name, alias = cfg["mlflow.registered_model"], cfg["mlflow.alias"]
    threshold = cfg["publish.threshold"]
    with step(JOB, f"load {name}@{alias} from the registry") as s:
        model, version, run_id = registry.load_aliased(name, alias)
        s.note = f"version {version}"
    # written, then aggregated three times: keep the narrow result in memory
    segmented = model.transform(features).select(
        "family_id", "reference_period", "type_id", "group_id", *[f"`{c}`" for c in columns]).persist()
    with step(JOB, "write gold.family_segments") as s:
        segments = segmented.select(
            "family_id", F.col("reference_period").cast("string").alias("reference_period"),
            F.col("type_id").cast("int").alias("type_id"), F.col("group_id").cast("int").alias("group_id"),
            F.lit(name).alias("model_name"), F.lit(version).cast("int").alias("model_version"),
        )
        result = write_table(cfg, segments, "gold.family_segments", mode="replace",
                             partition_by=["reference_period"], replace_where={"reference_period": period})
        s.rows_in, s.rows_out = stats["rows"], result.rows
    with step(JOB, "profiles and portraits") as s:
        by_type = segment_means(segmented, "type_id", columns)
        by_group = segment_means(segmented, "group_id", columns)
        group_of_type = {r["type_id"]: r["group_id"] for r in segmented.select("type_id", "group_id").distinct().collect()}
        total = sum(v["n"] for v in by_group.values())
        names = resolve_names(cfg, name, version, {g: 100.0 * v["n"] / total for g, v in by_group.items()})
        ids = {"reference_period": period, "model_name": name, "model_version": version}
        effect, top = float(cfg["train.profile_effect"]), cfg["train.profile_top"]
        counts_of = catalog_count_indicators()  # shown as shares of families with at least one, as publish does
        # secondary suppression and the audit across country, groups and types (differencing)
        status = protect_segments(by_group, by_type, group_of_type, share_indicators(by_group, counts_of),
                                  threshold, float(cfg["publish.protection_interval"]))
        if status.unprotectable:
            log.warning("profiles: %d indicator(s) could not be protected and are withheld in every segment: %s",
                        len(status.unprotectable), ", ".join(status.unprotectable))
        rows = (build_profiles("group", by_group, {g: g for g in by_group}, stats, names, threshold, effect, ids, counts_of,
                               status)
                + build_profiles("type", by_type, group_of_type, stats, names, threshold, effect, ids, counts_of, status))
        s.note = f"{sum(r['suppression_reason'] == secondary_reason(threshold) for r in rows)} values hidden against differencing"

        texts = portraits(rows, top)
        profiles_df = spark.createDataFrame(rows, schema=_profile_schema())
        portraits_df = spark.createDataFrame(texts, schema=_portrait_schema())
        p = write_table(cfg, profiles_df, "gold.segment_profiles", mode="replace",
                        partition_by=["reference_period"], replace_where={"reference_period": period})
        q = write_table(cfg, portraits_df, "gold.segment_portraits", mode="replace",
                        partition_by=["reference_period"], replace_where={"reference_period": period})
        s.rows_out = p.rows + q.rows
    segmented.unpersist()
    with mlflow.start_run(run_id=run_id):
        registry.log_rows(rows, f"profiles/{period}/profiles.csv", PROFILE_COLUMNS)
        registry.log_rows(texts, f"profiles/{period}/portraits.csv", PORTRAIT_COLUMNS)
        md = "\n\n".join(t["portrait_en"] or f"{t['level'].capitalize()} {t['segment_id']}: suppressed (fewer than {threshold} families, or to protect such a group)."
                         for t in texts if t["level"] == "group")
        mlflow.log_text(md + "\n", f"profiles/{period}/groups_en.md")
        _log_effect_heatmap(rows, period)
    return {"tables": "gold.family_segments, gold.segment_profiles, gold.segment_portraits",
            "rows": result.rows, "model_version": version,
            "groups": ", ".join(f"{g}={names[g].en}" for g in sorted(names))}


def _log_effect_heatmap(rows, period) -> None:
    from lea_spark.ml import registry

    groups = sorted({r["segment_id"] for r in rows if r["level"] == "group" and not r["is_suppressed"]})
    indicators = sorted({r["indicator"] for r in rows if r["level"] == "group" and r["indicator"]})
    if not groups or not indicators:
        return
    effect = {(r["segment_id"], r["indicator"]): r["effect"] for r in rows if r["level"] == "group" and r["indicator"]}
    # a suppressed value (publish's rules, lea_spark.ml.profiles) is a grey cell, not an effect
    matrix = np.array([[effect.get((g, i)) if effect.get((g, i)) is not None else np.nan for i in indicators]
                       for g in groups])
    labels = [f"{g} {next(r['name_en'] for r in rows if r['level'] == 'group' and r['segment_id'] == g)}"[:45] for g in groups]
    registry.log_heatmap(labels, indicators, matrix, "Group profiles", f"profiles/{period}/group_effects.png")


def _profile_schema():
    from pyspark.sql import types as T

    s, i, d, b = T.StringType(), T.IntegerType(), T.DoubleType(), T.BooleanType()
    types = {
        "reference_period": s, "model_name": s, "model_version": i, "level": s, "segment_id": i, "group_id": i,
        "name_fi": s, "name_sv": s, "name_en": s, "name_source": s, "n_families": i, "share_pct": d,
        "is_suppressed": b, "suppression_reason": s, "indicator": s, "phenomenon": s, "segment_mean": d, "national_mean": d,
        "national_sd": d, "effect": d, "index_score": d, "direction": s, "effect_rank": i,
    }
    from lea_spark.ml.profiles import PROFILE_COLUMNS

    return T.StructType([T.StructField(c, types[c]) for c in PROFILE_COLUMNS])


def _portrait_schema():
    from pyspark.sql import types as T

    s, i, d, b = T.StringType(), T.IntegerType(), T.DoubleType(), T.BooleanType()
    types = {
        "reference_period": s, "model_name": s, "model_version": i, "level": s, "segment_id": i, "group_id": i,
        "name_fi": s, "name_sv": s, "name_en": s, "name_source": s, "n_families": i, "share_pct": d,
        "is_suppressed": b, "portrait_fi": s, "portrait_sv": s, "portrait_en": s,
    }
    from lea_spark.ml.profiles import PORTRAIT_COLUMNS

    return T.StructType([T.StructField(c, types[c]) for c in PORTRAIT_COLUMNS])
