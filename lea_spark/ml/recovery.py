"""Recovery of the planted groups (synthetic data only): ARI and the LEA cities' shares.

``recovery_metrics`` compares a predicted group label with the planted group of the same
families. Model groups are matched one-to-one to planted groups (Hungarian matching on the
contingency table) to read each model group as an LEA group; the six LEA cities' shares
of the matched groups are then compared with the published shares (percentage points).
Only aggregates reach the driver.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from lea_spark.ml.metrics import adjusted_rand_index, best_match, contingency, majority_merge_ari

CITY_CODES = {"tampere": "837", "ylojarvi": "980", "vantaa": "092", "pori": "609", "vaasa": "905", "laihia": "399"}


def reference_shares(path: Path) -> dict[str, dict[int, float]]:
    """City -> LEA group number -> published share (%), from ``lea_groups_2021.csv``."""
    with Path(path).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {city: {int(r["group_no"]): float(r[f"share_{city}"]) for r in rows} for city in CITY_CODES}


def match_groups(df, pred: str, truth: str = "group_no") -> tuple[float, dict[int, int], float]:
    """``(ARI, model group -> planted group, share of families on matched pairs)``."""
    rows, cols, table = contingency(df, pred, truth)
    pairs = best_match(table)
    mapping = {int(rows[r]): int(cols[c]) for r, c in pairs}
    matched = sum(table[r, c] for r, c in pairs) / max(table.sum(), 1)
    return adjusted_rand_index(table), mapping, float(matched)


def city_share_errors(df, pred: str, mapping: dict[int, int], reference: dict[str, dict[int, float]],
                      truth: str | None = "group_no", threshold: int = 0) -> tuple[dict[str, float], list[dict]]:
    """Max absolute share error (pp) per LEA city present, and the comparison rows.

    ``df`` needs ``municipality_code`` and the ``pred`` label (and ``truth`` for the
    planted shares shown alongside). Cities without families are left out of the metrics
    and reported in the rows with ``n_families = 0``; cities of fewer than ``threshold``
    families are left out of the metrics too (each share is a multiple of 100 / n). In the
    rows, a share standing for fewer than ``threshold`` families is blanked (the metrics of
    a larger city use it: they exist only on synthetic data, with an answer key). A city's shares add up
    to 100, so a blank would be 100 minus the others, and a second blank could be narrowed down
    by which share it is: a column with a blank is blanked whole for that city.
    """
    from pyspark.sql import functions as F

    codes = list(CITY_CODES.values())
    keys = ["municipality_code", pred] + ([truth] if truth else [])
    counts = df.where(F.col("municipality_code").isin(codes)).groupBy(*keys).count().collect()
    metrics: dict[str, float] = {}
    rows: list[dict] = []
    errors_all = []
    for city, code in CITY_CODES.items():
        sub = [r for r in counts if r["municipality_code"] == code]
        n = sum(r["count"] for r in sub)
        if n == 0:
            rows.append({"city": city, "lea_group": None, "n_families": 0})
            continue
        pred_share = {g: 0.0 for g in reference[city]}
        truth_share = {g: 0.0 for g in reference[city]}
        for r in sub:
            lea = mapping.get(int(r[pred]))
            if lea in pred_share:
                pred_share[lea] += 100.0 * r["count"] / n
            if truth and int(r[truth]) in truth_share:
                truth_share[int(r[truth])] += 100.0 * r["count"] / n
        errs = []
        for g, ref in sorted(reference[city].items()):
            err = pred_share[g] - ref
            errs.append(abs(err))
            small_model = pred_share[g] * n / 100.0 < threshold
            small_truth = truth_share[g] * n / 100.0 < threshold
            rows.append({"city": city, "lea_group": g, "n_families": n if n >= threshold else None, "published_pct": ref,
                         "model_pct": None if small_model else round(pred_share[g], 2),
                         "planted_pct": None if (not truth or small_truth) else round(truth_share[g], 2),
                         "error_pp": None if small_model else round(err, 2)})
        _blank_columns(rows[-len(reference[city]):])
        if n >= threshold:  # a city of fewer families has no metric: its shares would give them away
            metrics[f"share_error_max_pp_{city}"] = float(max(errs))
            errors_all.extend(errs)
    if errors_all:
        metrics["share_error_max_pp"] = float(max(errors_all))
        metrics["share_error_mean_pp"] = float(np.mean(errors_all))
    return metrics, rows


def _blank_columns(city_rows: list[dict]) -> None:
    """Secondary blanking of one city's rows: a column with any blank share is blanked whole."""
    for col, linked in (("model_pct", ("error_pp",)), ("planted_pct", ())):
        if any(r[col] is None for r in city_rows):
            for r in city_rows:
                for c in (col, *linked):
                    r[c] = None


def recovery_metrics(labelled, pred: str, reference: dict[str, dict[int, float]],
                     threshold: int = 0, types: str | None = None) -> tuple[dict, dict[int, int], list[dict]]:
    """Metrics of ``pred`` against ``group_no`` on ``labelled`` (families with a planted group).

    With ``types`` (the family-type column), also ``type_oracle_ari``: the ARI reached when
    every type joins its planted majority group, i.e. how far any grouping of these types
    could go.
    """
    ari, mapping, matched = match_groups(labelled, pred)
    metrics = {"ari_groups": ari, "matched_share": matched}
    if types is not None:
        metrics["type_oracle_ari"] = majority_merge_ari(contingency(labelled, types, "group_no")[2])
    city_metrics, rows = city_share_errors(labelled, pred, mapping, reference, threshold=threshold)
    metrics.update(city_metrics)
    return metrics, mapping, rows
