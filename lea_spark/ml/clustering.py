"""Family types (k-means), their hierarchy into service-need groups, and alternatives.

The chosen model is one Spark ML ``PipelineModel``:

    feature transform (see :mod:`.features`) -> KMeansModel -> SQLTransformer

whose last stage turns the k-means cluster index into ``type_id`` (1..k) and ``group_id``
(1..k_groups). Registered in MLflow, it assigns both levels to any features table.

Rules, in the order applied:

1. k-means (k-means|| initialisation with ``init_steps`` steps) is fitted ``restarts`` times
   with seeds ``seed, seed+1, ...``; the fit with the lowest within-cluster sum of squares
   is kept (OAC practice).
2. Types smaller than the disclosure threshold are removed: their centres are dropped from
   the model, so its families go to the nearest remaining type. The model then holds no
   centre of fewer than ``threshold`` families.
3. Groups (``train.group_linkage``): ``average`` (default) - average-linkage agglomeration of
   the type centres, each centre counted once, cut at ``k_groups`` clusters; or ``ward`` -
   Ward's agglomeration of the centres weighted by their families, then weighted k-means
   iterations from the Ward partition. Both work on aggregates on the driver. (On the
   synthetic registers average linkage recovers the planted groups far better than Ward,
   which merges by size: docs/benchmarks.md.)
4. Numbering: groups 1..k_groups by decreasing number of families; types numbered group by
   group, each group's types by decreasing number of families.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from lea_spark.ml.features import (FEATURES_COL, TRANSFORMS, coded_quantiles, preprocessing_stages, rank_quantiles,
                                   rank_stages, tail_bounds)
from lea_spark.ml.metrics import SegmentStats, segment_stats

log = logging.getLogger(__name__)

KMEANS_COL = "__type_index"
LINKAGES = ("average", "ward")   # train.group_linkage


@dataclass
class TypeModel:
    """A fitted type/group model and what was learnt on the way."""

    pipeline: object                 # PipelineModel producing type_id, group_id
    restart_costs: list[float]
    pruned_types: int
    type_stats: SegmentStats         # by type_id
    group_of_type: dict[int, int]    # type_id -> group_id
    group_within_ss: float
    seed: int
    extra: dict = field(default_factory=dict)


def fit_preprocessing(df, columns: list[str], medians: dict[str, float], transform: str = "rank",
                      points: int = 1000, threshold: int | None = None):
    """The fitted feature transform (a PipelineModel ending in the ``features`` vector).

    ``transform``: ``rank`` (mid-rank ECDF from ``points`` quantiles) or ``asinh-minmax``; see
    :mod:`.features`. With ``threshold``, every indicator value the model stores lies within
    the column's :func:`~.features.tail_bounds` (quantiles moved inward; for
    ``asinh-minmax`` the values are coded into the bounds before the range is taken).
    """
    from pyspark.ml import Pipeline

    if transform not in TRANSFORMS:
        raise ValueError(f"train.transform must be one of {', '.join(TRANSFORMS)}, not {transform!r}")
    bounds = tail_bounds(df, columns, medians, threshold) if threshold else None
    if transform == "rank":
        quantiles = rank_quantiles(df, columns, medians, points)
        stages = rank_stages(columns, medians, coded_quantiles(quantiles, bounds) if bounds else quantiles)
    else:
        stages = preprocessing_stages(columns, medians, bounds)
    return Pipeline(stages=stages).fit(df)


def fit_kmeans(scaled, k: int, seed: int, restarts: int, max_iter: int, init_steps: int):
    """Best of ``restarts`` k-means fits (lowest training cost) and every fit's cost."""
    from pyspark.ml.clustering import KMeans

    best, costs = None, []
    for r in range(max(1, restarts)):
        km = KMeans(
            k=k, seed=seed + r, maxIter=max_iter, initSteps=init_steps,
            featuresCol=FEATURES_COL, predictionCol=KMEANS_COL,
        )
        model = km.fit(scaled)
        cost = float(model.summary.trainingCost)
        costs.append(cost)
        log.info("k-means k=%d seed=%d: within-cluster SS %.4f", k, seed + r, cost)
        if best is None or cost < best[1]:
            best = (model, cost)
    return best[0], costs


def kmeans_with_centres(spark, template, centres: list[np.ndarray]):
    """A KMeansModel with the parameters of ``template`` and only the given centres."""
    from pyspark.ml.clustering import KMeansModel

    jvm = spark.sparkContext._jvm
    gateway = spark.sparkContext._gateway
    vector_cls = jvm.org.apache.spark.mllib.linalg.Vector
    arr = gateway.new_array(vector_cls, len(centres))
    for i, c in enumerate(centres):
        values = gateway.new_array(jvm.double, len(c))
        for j, v in enumerate(c):
            values[j] = float(v)
        arr[i] = jvm.org.apache.spark.mllib.linalg.Vectors.dense(values)
    parent = jvm.org.apache.spark.mllib.clustering.KMeansModel(arr)
    java_model = jvm.org.apache.spark.ml.clustering.KMeansModel(template.uid, parent)
    java_model.setFeaturesCol(template.getFeaturesCol())
    java_model.setPredictionCol(template.getPredictionCol())
    model = KMeansModel(java_model)
    model._transfer_params_from_java()
    return model


def drop_small_types(spark, model, threshold: int):
    """``(model, dropped)``: the k-means model without centres of fewer than ``threshold`` families."""
    sizes = list(model.summary.clusterSizes)
    keep = [i for i, s in enumerate(sizes) if s >= threshold]
    if len(keep) == len(sizes):
        return model, 0
    if not keep:
        raise ValueError(f"every family type has fewer than {threshold} families; lower k")
    centres = model.clusterCenters()
    return kmeans_with_centres(spark, model, [centres[i] for i in keep]), len(sizes) - len(keep)


def weighted_ward(points: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 of Ward's agglomeration of weighted points down to ``k`` clusters.

    Merging clusters A and B costs ``wA wB / (wA + wB) * ||cA - cB||^2``, the increase of the
    weighted within-cluster sum of squares. Ties go to the lowest index pair.
    """
    n = len(points)
    if k >= n:
        return np.arange(n)
    centres = points.astype(float).copy()
    w = weights.astype(float).copy()
    members = [[i] for i in range(n)]
    alive = list(range(n))
    while len(alive) > k:
        c = centres[alive]
        ww = w[alive]
        d2 = ((c[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        cost = (ww[:, None] * ww[None, :]) / (ww[:, None] + ww[None, :]) * d2
        cost[np.tril_indices(len(alive))] = np.inf
        a, b = np.unravel_index(np.argmin(cost), cost.shape)
        ia, ib = alive[a], alive[b]
        total = w[ia] + w[ib]
        centres[ia] = (w[ia] * centres[ia] + w[ib] * centres[ib]) / total
        w[ia] = total
        members[ia].extend(members[ib])
        alive.remove(ib)
    labels = np.empty(n, dtype=int)
    for g, root in enumerate(alive):
        labels[members[root]] = g
    return labels


def refine_weighted(points: np.ndarray, weights: np.ndarray, labels: np.ndarray, max_iter: int = 100) -> np.ndarray:
    """Weighted Lloyd iterations from ``labels``; stops when stable or a group would empty."""
    k = labels.max() + 1
    for _ in range(max_iter):
        centres = np.array([np.average(points[labels == g], axis=0, weights=weights[labels == g]) for g in range(k)])
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new = d2.argmin(axis=1)
        if np.array_equal(new, labels) or len(np.unique(new)) < k:
            break
        labels = new
    return labels


def between_ss(points: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> float:
    """Weighted sum of squares of the points around their group's weighted mean."""
    total = 0.0
    for g in np.unique(labels):
        m = labels == g
        centre = np.average(points[m], axis=0, weights=weights[m])
        total += float((weights[m] * ((points[m] - centre) ** 2).sum(axis=1)).sum())
    return total


def average_linkage(points: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k'-1 (k' <= k) of average-linkage agglomeration of the points (unweighted)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if k >= len(points):
        return np.arange(len(points))
    tree = linkage(points.astype(float), method="average", metric="euclidean")
    raw = fcluster(tree, t=k, criterion="maxclust")
    _, labels = np.unique(raw, return_inverse=True)
    return labels


def group_types(points: np.ndarray, weights: np.ndarray, k_groups: int, linkage: str = "average") -> np.ndarray:
    """Group labels of the type centres.

    ``average``: average linkage of the centres, each centre once (types of rare families
    keep their own group instead of being merged by size); ``ward``: Ward's agglomeration of
    the centres weighted by their families, then weighted refinement.
    """
    if linkage == "average":
        return average_linkage(points, min(k_groups, len(points)))
    if linkage == "ward":
        labels = weighted_ward(points, weights, min(k_groups, len(points)))
        return refine_weighted(points, weights, labels)
    raise ValueError(f"train.group_linkage must be {' or '.join(LINKAGES)}, not {linkage!r}")


def numbering(sizes: np.ndarray, labels: np.ndarray) -> tuple[dict[int, int], dict[int, int]]:
    """``(type_id of index, group_id of type_id)`` by the numbering rule of this module."""
    group_sizes = {g: int(sizes[labels == g].sum()) for g in np.unique(labels)}
    order = sorted(group_sizes, key=lambda g: (-group_sizes[g], int(np.flatnonzero(labels == g)[0])))
    group_id = {g: i + 1 for i, g in enumerate(order)}
    type_order = sorted(range(len(sizes)), key=lambda i: (group_id[labels[i]], -int(sizes[i]), i))
    type_of_index = {idx: t + 1 for t, idx in enumerate(type_order)}
    group_of_type = {type_of_index[idx]: group_id[labels[idx]] for idx in range(len(sizes))}
    return type_of_index, group_of_type


def labelling_stage(type_of_index: dict[int, int], group_of_type: dict[int, int]):
    """SQLTransformer: k-means index -> ``type_id``, ``group_id`` (ints), by array lookup.

    (A CASE over 100 types generates more than 64 KB of Java code; an array literal does not.)
    """
    from pyspark.ml.feature import SQLTransformer

    order = sorted(type_of_index)
    types = ", ".join(str(type_of_index[i]) for i in order)
    groups = ", ".join(str(group_of_type[type_of_index[i]]) for i in order)
    return SQLTransformer(statement=(
        f"SELECT *, CAST(element_at(array({types}), CAST({KMEANS_COL} AS INT) + 1) AS INT) AS type_id, "
        f"CAST(element_at(array({groups}), CAST({KMEANS_COL} AS INT) + 1) AS INT) AS group_id FROM __THIS__"
    ))


def fit_type_model(df, prep, k: int, k_groups: int, seed: int, restarts: int, max_iter: int,
                   init_steps: int, threshold: int, linkage: str = "average") -> TypeModel:
    """Fit types and groups on ``df`` (the features table) with a fitted transform ``prep``."""
    from pyspark.ml import PipelineModel

    scaled = prep.transform(df)
    kmeans, costs = fit_kmeans(scaled, k, seed, restarts, max_iter, init_steps)
    kmeans, pruned = drop_small_types(df.sparkSession, kmeans, threshold)
    by_index = segment_stats(kmeans.transform(scaled), KMEANS_COL)
    # Removing centres only moves families away from the removed ones, so every kept
    # centre keeps its families (>= threshold) and the indices stay 0..k'-1.
    labels = group_types(by_index.means, by_index.sizes.astype(float), k_groups, linkage)
    type_of_index, group_of_type = numbering(by_index.sizes, labels)
    pipeline = PipelineModel(stages=list(prep.stages) + [kmeans, labelling_stage(type_of_index, group_of_type)])
    order = sorted(range(len(by_index.labels)), key=lambda i: type_of_index[i])
    type_stats = SegmentStats(
        labels=[type_of_index[i] for i in order],
        sizes=by_index.sizes[order],
        means=by_index.means[order],
        within_ss=by_index.within_ss,
    )
    group_labels = np.array([group_of_type[t] for t in type_stats.labels])
    group_ss = by_index.within_ss + between_ss(type_stats.means, type_stats.sizes.astype(float), group_labels)
    return TypeModel(pipeline, costs, pruned, type_stats, group_of_type, group_ss, seed)


def group_stats_from_types(type_stats: SegmentStats, group_of_type: dict[int, int]) -> SegmentStats:
    """Group sizes and means derived exactly from the type aggregates."""
    groups = sorted(set(group_of_type.values()))
    sizes, means = [], []
    for g in groups:
        m = np.array([group_of_type[t] == g for t in type_stats.labels])
        n = type_stats.sizes[m]
        sizes.append(int(n.sum()))
        means.append(np.average(type_stats.means[m], axis=0, weights=n.astype(float)))
    group_labels = np.array([group_of_type[t] for t in type_stats.labels])
    ss = type_stats.within_ss + between_ss(type_stats.means, type_stats.sizes.astype(float), group_labels)
    return SegmentStats(groups, np.array(sizes), np.array(means), ss)


def fit_gmm(scaled, k: int, dims: int, seed: int, max_iter: int):
    """Gaussian mixture on the first ``dims`` principal components of the scaled features.

    Returns ``(pipeline_model_of_pca_and_gmm, gmm_model)``; hard labels in ``segment``.
    A full-covariance mixture on all indicators is slow and collapses (components of a
    handful of families); on a few components it is numerically sound.
    """
    from pyspark.ml import Pipeline
    from pyspark.ml.clustering import GaussianMixture
    from pyspark.ml.feature import PCA

    n_features = len(scaled.select(FEATURES_COL).first()[0])
    pipe = Pipeline(stages=[
        PCA(k=min(dims, n_features), inputCol=FEATURES_COL, outputCol="__pca"),
        GaussianMixture(k=k, seed=seed, maxIter=max_iter, featuresCol="__pca",
                        predictionCol="segment", probabilityCol="__probability"),
    ])
    model = pipe.fit(scaled)
    return model, model.stages[-1]


def fit_bisecting(scaled, k: int, seed: int, max_iter: int):
    """Bisecting k-means on the scaled features; hard labels in ``segment``."""
    from pyspark.ml.clustering import BisectingKMeans

    return BisectingKMeans(k=k, seed=seed, maxIter=max_iter, featuresCol=FEATURES_COL,
                           predictionCol="segment").fit(scaled)
