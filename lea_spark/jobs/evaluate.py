"""Evaluate how well the registered model recovers the planted groups (synthetic data only).

Reads the answer key (``paths.answer_key``/answer_key: raw identity codes of the children of
planted families with their group), pseudonymises the codes with the key named by
``ingest.pseudonym_key_env`` exactly as ingest does, joins ``silver.family_members`` to
give each family the planted group of the majority of its children, and compares it with
``gold.family_segments`` of the aliased model version:

* ``ari_groups`` - adjusted Rand index of model groups against planted groups (all families);
* the ceiling - a supervised random forest (``train.ceiling_trees`` trees) trained on the
  planted groups of 70 % of the families with the model's own feature transform, its ARI on
  the other 30 % (``ceiling_ari_holdout``) next to the unsupervised ARI on the same 30 %
  (``ari_groups_holdout``) and their ratio;
* ``type_oracle_ari`` - the ARI when every family type joins its planted majority group: how
  far any grouping of the model's types could go (a diagnostic that uses the answer key);
* the six LEA cities' group shares (model groups read as the planted group they match,
  Hungarian matching) against ``paths.group_reference``, in percentage points.

Metrics go to a new MLflow run (tag ``lea.job=evaluate``) and onto the model's training run.
``--write-group-names`` records the matching in ``train.group_names`` so that the groups
carry the LEA names (method ``answer_key``); run ``lea train --skip-fit`` afterwards to
rewrite the profiles with them.
"""
from __future__ import annotations

import logging

log = logging.getLogger("lea")
JOB = "evaluate"
HOLDOUT = 0.3


def add_arguments(parser) -> None:
    parser.add_argument("--reference-period", default=None,
                        help="reference period of gold.family_segments (default: the latest)")
    parser.add_argument("--write-group-names", action="store_true",
                        help="record the answer-key matching of groups in train.group_names")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the supervised ceiling")


def run(cfg, args) -> dict:
    import mlflow
    from mlflow import MlflowClient
    from pyspark.sql import functions as F

    from lea_spark.config import secret
    from lea_spark.lake import read_table, table_exists
    from lea_spark.ml import registry
    from lea_spark.ml.recovery import recovery_metrics, reference_shares
    from lea_spark.ml.truth import answer_key_coverage, planted_groups
    from lea_spark.progress import step
    from lea_spark.session import get_spark
    from lea_spark.tracking import setup_mlflow

    key_dir = cfg.path("answer_key") / "answer_key"
    if not key_dir.exists():
        raise FileNotFoundError(
            f"no answer key at {key_dir}: evaluate runs on synthetic data only (run 'lea generate' first)"
        )
    for table in ("silver.family_members", "gold.family_segments", "gold.family_features"):
        if not table_exists(cfg, table):
            raise FileNotFoundError(f"{table} does not exist; run the pipeline up to 'lea train' first")
    spark = get_spark(cfg)
    experiment_id = setup_mlflow(cfg)
    name, alias = cfg["mlflow.registered_model"], cfg["mlflow.alias"]
    threshold = cfg["publish.threshold"]
    key = secret(cfg["ingest.pseudonym_key_env"])

    with step(JOB, "planted groups from the answer key") as s:
        answer_key = spark.read.parquet(str(key_dir))
        members = read_table(spark, cfg, "silver.family_members")
        coverage = answer_key_coverage(answer_key, members, key)
        truth = planted_groups(answer_key, members, key)
        s.rows_in = coverage["answer_key_children"]
        s.note = f"{coverage['answer_key_children_matched']:,} children found in silver.family_members"

    with step(JOB, f"segments of {name}@{alias}") as s:
        mv = registry.aliased_version(name, alias)
        version = int(mv.version)
        segments = read_table(spark, cfg, "gold.family_segments").where(F.col("model_version") == version)
        period = getattr(args, "reference_period", None) or segments.agg(F.max("reference_period")).first()[0]
        if period is None:
            raise ValueError(f"gold.family_segments has no rows of model version {version}; run 'lea train'")
        segments = segments.where(F.col("reference_period") == period)
        features = read_table(spark, cfg, "gold.family_features").where(F.col("reference_period") == period)
        labelled = (
            segments.select("family_id", "group_id", "type_id")
            .join(features.select("family_id", "municipality_code"), "family_id", "left")
            .join(truth, "family_id", "left")
        )
        counts = labelled.agg(F.count(F.lit(1)).alias("n"), F.count("group_no").alias("with_truth")).first()
        s.rows_in = int(counts["n"])
        s.note = f"version {version}, period {period}, {int(counts['with_truth']):,} families with a planted group"
    with_truth = labelled.where(F.col("group_no").isNotNull())
    reference = reference_shares(cfg.path("group_reference"))
    metrics, mapping, share_rows = recovery_metrics(with_truth, "group_id", reference, threshold, types="type_id")
    metrics.update({k: float(v) for k, v in coverage.items()})
    metrics["families"] = float(counts["n"])
    without = int(counts["n"] - counts["with_truth"])
    if without == 0 or without >= threshold:  # a smaller count is not logged, even from synthetic data
        metrics["families_without_planted_group"] = float(without)

    if not getattr(args, "no_ceiling", False):
        with step(JOB, "supervised ceiling (random forest)") as s:
            metrics.update(supervised_ceiling(cfg, features, with_truth, name, alias))
            s.note = (f"ceiling ARI {metrics['ceiling_ari_holdout']:.3f}, unsupervised "
                      f"{metrics['ari_groups_holdout']:.3f} on the same held-out families")

    with mlflow.start_run(experiment_id=experiment_id, run_name=f"evaluate {name} v{version}"):
        mlflow.set_tags({"lea.job": JOB, "lea.model_version": str(version)})
        mlflow.log_params({"model_name": name, "model_version": version, "reference_period": period,
                           "holdout_fraction": HOLDOUT, "ceiling_trees": cfg["train.ceiling_trees"]})
        mlflow.log_metrics(metrics)
        registry.log_rows(share_rows, "recovery/city_shares.csv")
        registry.log_rows([{"group_id": g, "planted_group": p} for g, p in sorted(mapping.items())],
                          "recovery/group_matching.csv")
    client = MlflowClient()
    for k, v in metrics.items():
        client.log_metric(mv.run_id, f"eval_{k}", float(v))

    summary = {"model": f"{name} v{version}", "ari_groups": round(metrics["ari_groups"], 4)}
    if "ceiling_ari_holdout" in metrics:
        summary["ari_holdout vs ceiling"] = (f"{metrics['ari_groups_holdout']:.4f} vs "
                                             f"{metrics['ceiling_ari_holdout']:.4f} "
                                             f"(ratio {metrics['ari_ratio_to_ceiling']:.3f})")
    if "share_error_max_pp" in metrics:
        summary["city share error max (pp)"] = round(metrics["share_error_max_pp"], 2)
    if getattr(args, "write_group_names", False):
        from lea_spark.ml.names import write_assignment

        path = write_assignment(cfg, name, version, "answer_key", mapping)
        summary["group names"] = f"answer-key matching written to {path}"
    return summary


def supervised_ceiling(cfg, features, with_truth, name: str, alias: str) -> dict:
    """ARI of a random forest on held-out families, and of the model's groups on the same families."""
    from pyspark.ml import PipelineModel
    from pyspark.ml.classification import RandomForestClassifier
    from pyspark.sql import functions as F

    from lea_spark.ml import registry
    from lea_spark.ml.metrics import adjusted_rand_index, contingency

    model, _, _ = registry.load_aliased(name, alias)
    transform = PipelineModel(stages=model.stages[:-2])   # the model's own feature transform
    data = (
        transform.transform(features)
        .select("family_id", "features")
        .join(with_truth.select("family_id", "group_no", "group_id"), "family_id", "inner")
        .withColumn("label", (F.col("group_no") - 1).cast("double"))
    )
    seed = cfg["train.seed"]
    # a deterministic split by family: hash of the id, not row order
    bucket = F.abs(F.xxhash64("family_id", F.lit(seed))) % 1000
    train = data.where(bucket >= int(HOLDOUT * 1000))
    test = data.where(bucket < int(HOLDOUT * 1000))
    forest = RandomForestClassifier(numTrees=cfg["train.ceiling_trees"], maxDepth=12, seed=seed,
                                    featuresCol="features", labelCol="label").fit(train)
    predicted = forest.transform(test).select("group_no", "group_id", F.col("prediction").cast("int").alias("rf"))
    ceiling = adjusted_rand_index(contingency(predicted, "rf", "group_no")[2])
    unsupervised = adjusted_rand_index(contingency(predicted, "group_id", "group_no")[2])
    return {
        "ceiling_ari_holdout": ceiling,
        "ari_groups_holdout": unsupervised,
        "ari_ratio_to_ceiling": unsupervised / ceiling if ceiling > 0 else float("nan"),
    }
