"""Cluster quality and agreement measures, computed from aggregates only.

The driver only ever receives per-cluster aggregates (counts, means, sums of squares) or
contingency tables of two labellings - never rows of families.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SegmentStats:
    """Per-label aggregates in the feature space: label -> size and mean vector."""

    labels: list[int]
    sizes: np.ndarray          # (k,)
    means: np.ndarray          # (k, d)
    within_ss: float           # sum over labels of squared distances to the label mean

    @property
    def total(self) -> int:
        return int(self.sizes.sum())


def segment_stats(df, label_col: str, features_col: str = "features") -> SegmentStats:
    """Sizes, means and the within-label sum of squares of ``features_col`` by ``label_col``.

    Uses ``SS_g = sum_i ||x_i||^2 - n_g ||mean_g||^2`` with the per-column L2 norms, so one
    grouped aggregation gives everything.
    """
    from pyspark.ml.stat import Summarizer
    from pyspark.sql import functions as F

    summary = Summarizer.metrics("mean", "count", "normL2")
    rows = (
        df.groupBy(F.col(label_col).alias("label"))
        .agg(summary.summary(F.col(features_col)).alias("s"))
        .select("label", "s.mean", "s.count", "s.normL2")
        .orderBy("label")
        .collect()
    )
    labels = [int(r["label"]) for r in rows]
    sizes = np.array([int(r["count"]) for r in rows], dtype=np.int64)
    means = np.array([r["mean"].toArray() for r in rows], dtype=float)
    sq_norms = np.array([float(np.sum(r["normL2"].toArray() ** 2)) for r in rows])
    ss = float(np.sum(sq_norms - sizes * np.sum(means ** 2, axis=1))) if rows else 0.0
    return SegmentStats(labels, sizes, means, max(ss, 0.0))


def contingency(df, a: str, b: str) -> tuple[list, list, np.ndarray]:
    """The contingency table of two label columns (rows: values of ``a``; columns: ``b``)."""
    rows = df.groupBy(a, b).count().collect()
    ra = sorted({r[a] for r in rows})
    rb = sorted({r[b] for r in rows})
    ia, ib = {v: i for i, v in enumerate(ra)}, {v: i for i, v in enumerate(rb)}
    table = np.zeros((len(ra), len(rb)), dtype=np.int64)
    for r in rows:
        table[ia[r[a]], ib[r[b]]] += int(r["count"])
    return ra, rb, table


def _comb2(x):
    x = np.asarray(x, dtype=float)
    return x * (x - 1.0) / 2.0


def adjusted_rand_index(table: np.ndarray) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) from a contingency table."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n < 2:
        return 1.0
    sum_ij = _comb2(table).sum()
    sum_a = _comb2(table.sum(axis=1)).sum()
    sum_b = _comb2(table.sum(axis=0)).sum()
    expected = sum_a * sum_b / _comb2(n)
    maximum = (sum_a + sum_b) / 2.0
    if maximum == expected:
        return 1.0
    return float((sum_ij - expected) / (maximum - expected))


def majority_merge_ari(table: np.ndarray) -> float:
    """ARI after every row (e.g. a family type) joins the column (planted group) holding most
    of its members: a diagnostic of how far any grouping of the rows can go (it uses the
    truth, so it is never a model)."""
    table = np.asarray(table, dtype=float)
    merged = np.zeros((table.shape[1], table.shape[1]))
    for row, col in zip(table, table.argmax(axis=1)):
        merged[col] += row
    return adjusted_rand_index(merged)


def best_match(table: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (row, column) of a one-to-one matching maximising the matched counts (Hungarian)."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-np.asarray(table, dtype=float))
    return list(zip(rows.tolist(), cols.tolist()))


def gmm_bic(log_likelihood: float, k: int, dims: int, n: int) -> float:
    """BIC of a full-covariance Gaussian mixture: ``-2 LL + p ln n``."""
    params = k * (dims + dims * (dims + 1) / 2) + (k - 1)
    return float(-2.0 * log_likelihood + params * np.log(max(n, 1)))
