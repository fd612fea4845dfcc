"""Features of ``gold.family_features`` and the documented feature transform.

Which columns are features
    Every column except the key columns (:data:`KEY_COLUMNS`) is an indicator (a double;
    integer columns are accepted and cast). When ``lea_spark.indicators.catalog`` exists,
    its version is recorded as the feature-set version; the feature-set hash (the sorted
    column names) is recorded in every case, so two runs are comparable exactly when their
    hashes are equal.

The transform (``train.transform``)
    Missing values (null or NaN) are first replaced by the column's median over the training
    families (approximate median, relative error 1e-4; the value is written into the model) -
    an indicator that does not apply to a family (no distance parent, say). Then:

    ``rank`` (default): each indicator becomes its mid-rank empirical distribution function
    over the training families, ``F(x) = (#{x_j < x} + #{x_j <= x}) / (2n)``, taken from
    ``train.rank_points`` quantiles ``q_k`` at probabilities ``(k + 0.5)/K`` as
    ``F(x) = (#{q_k < x} + #{q_k <= x}) / (2K)``. Every indicator then lies in [0, 1] with
    ties sharing their mid-rank (a constant column maps to 0.5, a 0/1 indicator with share
    ``p`` of ones to ``(1-p)/2`` and ``1 - p/2``), so skewed euros, counts and rare yes/no
    traits weigh alike in the Euclidean distance of k-means without outliers dominating.
    Stages: Bucketizer (one bucket per quantile value and one between consecutive values)
    and an array lookup of each bucket's ``F``.

    ``asinh-minmax`` (as in the UK Output Area Classification 2011/2021):
    ``asinh(x) = ln(x + sqrt(x^2 + 1))`` reduces the skew of counts, euros and days while
    keeping zero at zero; then range standardisation to [0, 1] per column (``MinMaxScaler``).
    A constant column maps to 0.5.

Either way every step is a Spark ML stage, so the fitted transform is saved inside the model.
The values it stores (quantiles, or the range's ends) are top- and bottom-coded to
:func:`tail_bounds` when a disclosure threshold is given (``lea train`` gives
``publish.threshold``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

KEY_COLUMNS = (
    "family_id",
    "reference_period",
    "reference_date",
    "municipality_code",
    "postal_code",
    "wellbeing_county_code",
)
TRANSFORMS = {"rank": "median-impute+rank", "asinh-minmax": "median-impute+asinh+minmax"}
TRANSFORM = TRANSFORMS["rank"]
FEATURES_COL = "features"
_NUMERIC = ("double", "float", "int", "bigint", "smallint", "tinyint", "decimal")


class FeatureError(ValueError):
    """The features table cannot be used for training (missing keys, bad columns)."""


@dataclass(frozen=True)
class FeatureSet:
    columns: tuple[str, ...]
    version: str
    hash: str


def feature_columns(schema) -> list[str]:
    """The indicator columns of a ``gold.family_features`` schema, in table order.

    Raises :class:`FeatureError` when a key column is missing or a non-key column is not
    numeric (it would silently be left out otherwise).
    """
    names = [f.name for f in schema.fields]
    missing = [k for k in ("family_id", "reference_period") if k not in names]
    if missing:
        raise FeatureError(f"gold.family_features lacks the key columns {missing}")
    bad = [
        f"{f.name} ({f.dataType.simpleString()})"
        for f in schema.fields
        if f.name not in KEY_COLUMNS and not f.dataType.simpleString().startswith(_NUMERIC)
    ]
    if bad:
        raise FeatureError(f"non-numeric indicator columns in gold.family_features: {', '.join(bad)}")
    cols = [n for n in names if n not in KEY_COLUMNS]
    if len(cols) < 2:
        raise FeatureError(f"gold.family_features has {len(cols)} indicator columns; at least 2 are needed")
    return cols


def _catalog():
    try:
        from lea_spark.indicators import catalog  # written with the indicators job
    except ImportError:
        return None
    return catalog


def feature_set(columns: list[str]) -> FeatureSet:
    """The feature set with its version and hash.

    The version is ``catalog-<digest of every catalog definition>`` when the indicator
    catalog exists (so it changes whenever a definition, window or unit changes), an
    explicit ``CATALOG_VERSION`` of the catalog if it declares one, else ``uncatalogued``.
    The hash covers the sorted column names actually used.
    """
    digest = hashlib.sha256("\n".join(sorted(columns)).encode("utf-8")).hexdigest()[:12]
    version = "uncatalogued"
    catalog = _catalog()
    if catalog is not None and hasattr(catalog, "CATALOG_VERSION"):
        version = str(catalog.CATALOG_VERSION)
    elif catalog is not None and hasattr(catalog, "CATALOG"):
        text = "\n".join(repr(tuple(vars(i).values())) for i in catalog.CATALOG)
        version = "catalog-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return FeatureSet(tuple(columns), version, digest)


def phenomenon_of(column: str) -> str | None:
    """The phenomenon of an indicator according to the catalog (None when unknown)."""
    catalog = _catalog()
    if catalog is None or not hasattr(catalog, "by_name"):
        return None
    try:
        return catalog.by_name(column).phenomenon
    except KeyError:
        return None


def column_stats(df, columns: list[str]) -> dict:
    """One aggregation pass: rows, and per column nulls/NaNs, min, max, mean, sd.

    Returns ``{"rows": n, "columns": {name: {...}}}``. Raises :class:`FeatureError` for a
    column that is entirely missing or holds an infinite value (asinh cannot make it finite).
    """
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("__rows")]
    for i, c in enumerate(columns):
        col = F.col(f"`{c}`").cast("double")
        valid = F.when(~F.isnan(col), col)
        aggs += [
            F.count(valid).alias(f"n{i}"),
            F.min(valid).alias(f"lo{i}"),
            F.max(valid).alias(f"hi{i}"),
            F.avg(valid).alias(f"m{i}"),
            F.stddev_pop(valid).alias(f"s{i}"),
            F.percentile_approx(valid, 0.5, 10000).alias(f"q{i}"),
        ]
    row = df.agg(*aggs).first()
    rows = int(row["__rows"])
    out: dict = {"rows": rows, "columns": {}}
    empty, infinite = [], []
    for i, c in enumerate(columns):
        n, lo, hi = row[f"n{i}"], row[f"lo{i}"], row[f"hi{i}"]
        if rows and n == 0:
            empty.append(c)
        if lo is not None and (abs(lo) == float("inf") or abs(hi) == float("inf")):
            infinite.append(c)
        out["columns"][c] = {
            "missing": rows - int(n), "min": lo, "max": hi,
            "mean": row[f"m{i}"], "sd": row[f"s{i}"], "median": row[f"q{i}"],
        }
    if empty:
        raise FeatureError(f"indicator columns with no value in any family: {empty}")
    if infinite:
        raise FeatureError(f"indicator columns with infinite values: {infinite}")
    return out


def transformed_name(column: str) -> str:
    return f"__t_{column}"


def preprocessing_stages(columns: list[str], medians: dict[str, float],
                         bounds: dict[str, tuple[float, float]] | None = None) -> list:
    """Unfitted Spark ML stages: impute -> (top- and bottom-code to ``bounds``) -> asinh ->
    assemble -> range-standardise to ``features``."""
    from pyspark.ml.feature import MinMaxScaler, SQLTransformer, VectorAssembler

    def coded(c: str) -> str:
        x = _impute(c, medians)
        if bounds is None:
            return x
        lo, hi = bounds[c]
        return f"least(greatest({x}, CAST({float(lo)!r} AS DOUBLE)), CAST({float(hi)!r} AS DOUBLE))"

    exprs = ", ".join(f"asinh({coded(c)}) AS `{transformed_name(c)}`" for c in columns)
    return [
        SQLTransformer(statement=f"SELECT *, {exprs} FROM __THIS__"),
        VectorAssembler(inputCols=[transformed_name(c) for c in columns], outputCol="__raw_vector"),
        MinMaxScaler(inputCol="__raw_vector", outputCol=FEATURES_COL),
    ]


def _impute(c: str, medians: dict[str, float]) -> str:
    return (f"coalesce(nanvl(CAST(`{c}` AS DOUBLE), CAST(NULL AS DOUBLE)), "
            f"CAST({float(medians[c])!r} AS DOUBLE))")


def rank_quantiles(df, columns: list[str], medians: dict[str, float], points: int) -> dict[str, list[float]]:
    """``points`` quantiles of every imputed column at probabilities ``(k + 0.5)/points``."""
    imputed = df.selectExpr(*[f"{_impute(c, medians)} AS `{transformed_name(c)}`" for c in columns])
    probs = [(k + 0.5) / points for k in range(points)]
    qs = imputed.stat.approxQuantile([transformed_name(c) for c in columns], probs, 1.0 / (2 * points))
    return {c: sorted(float(v) for v in q) for c, q in zip(columns, qs)}


def tail_bounds(df, columns: list[str], medians: dict[str, float], threshold: int) -> dict[str, tuple[float, float]]:
    """Per column ``(lo, hi)``: the smallest imputed value with at least ``threshold`` families
    at or below it, and the largest with at least ``threshold`` families at or above it.

    The fitted transform stores values of the indicators (quantiles, or the range's ends);
    coding every stored value into ``[lo, hi]`` keeps out the values that fewer than
    ``threshold`` families share at a tail (the country's largest earnings, say). Found in at
    most ``threshold + 1`` aggregation passes over all columns: each pass counts the families
    at or beyond the current candidate of every open column and finds the next value inward.
    Where the two bounds cross (fewer than ``2 * threshold`` families), both are the median.
    """
    import math

    from pyspark.sql import functions as F

    t = max(1, int(threshold))
    imputed = df.selectExpr(*[f"{_impute(c, medians)} AS `__i{i}`" for i, c in enumerate(columns)])
    cand = {i: [-math.inf, math.inf] for i in range(len(columns))}
    found: dict[int, list] = {i: [None, None] for i in range(len(columns))}
    open_ = {(i, side) for i in range(len(columns)) for side in (0, 1)}
    for _ in range(t + 1):
        if not open_:
            break
        aggs = []
        for i, side in sorted(open_):
            x, b = F.col(f"`__i{i}`"), F.lit(cand[i][side])
            beyond, inward = (x <= b, x > b) if side == 0 else (x >= b, x < b)
            nxt = F.min(F.when(inward, x)) if side == 0 else F.max(F.when(inward, x))
            aggs += [F.count(F.when(beyond, 1)).alias(f"c{i}_{side}"), nxt.alias(f"n{i}_{side}")]
        row = imputed.agg(*aggs).first()
        for i, side in sorted(open_):
            if row[f"c{i}_{side}"] >= t:
                found[i][side] = cand[i][side]
                open_.discard((i, side))
            elif row[f"n{i}_{side}"] is None:   # fewer than t families in all
                open_.discard((i, side))
            else:
                cand[i][side] = float(row[f"n{i}_{side}"])
    if open_:
        raise RuntimeError(f"tail bounds did not settle in {t + 1} passes: {sorted(open_)}")
    out = {}
    for i, c in enumerate(columns):
        lo, hi = found[i]
        if lo is None or hi is None or lo > hi:
            lo = hi = float(medians[c])
        out[c] = (float(lo), float(hi))
    return out


def coded_quantiles(quantiles: dict[str, list[float]], bounds: dict[str, tuple[float, float]]) -> dict[str, list[float]]:
    """Each quantile moved into its column's ``[lo, hi]`` (see :func:`tail_bounds`)."""
    return {c: [min(max(v, bounds[c][0]), bounds[c][1]) for v in q] for c, q in quantiles.items()}


def rank_buckets(quantiles: list[float]) -> tuple[list[float], list[float]]:
    """``(splits, values)``: Bucketizer splits and the mid-rank ``F`` of each bucket.

    For the distinct quantile values ``u_0 < ... < u_m``: ``[-inf, u_0)`` -> 0; exactly ``u_i``
    (the bucket ``[u_i, nextafter(u_i))``) -> ``(L_i + R_i)/(2K)``; strictly between ``u_i``
    and ``u_(i+1)`` (or above ``u_m``) -> ``R_i/K``, where ``L_i``/``R_i`` count the quantiles
    below / at most ``u_i``.
    """
    import bisect
    import math

    q = sorted(quantiles)
    k = len(q)
    if k == 0:
        raise ValueError("no quantiles")
    u = sorted(set(q))
    splits, values = [-math.inf], [0.0]
    for i, v in enumerate(u):
        lo, hi = bisect.bisect_left(q, v), bisect.bisect_right(q, v)
        above = math.nextafter(v, math.inf)
        nxt = u[i + 1] if i + 1 < len(u) else math.inf
        splits.append(v)
        values.append((lo + hi) / (2.0 * k))
        if above < nxt:
            splits.append(above)
            values.append(hi / float(k))
    splits.append(math.inf)
    return splits, values


def rank_stages(columns: list[str], medians: dict[str, float], quantiles: dict[str, list[float]]) -> list:
    """Unfitted Spark ML stages of the ``rank`` transform, ending in ``features``."""
    from pyspark.ml.feature import Bucketizer, SQLTransformer, VectorAssembler

    imputed = ", ".join(f"{_impute(c, medians)} AS `__i_{c}`" for c in columns)
    buckets = {c: rank_buckets(quantiles[c]) for c in columns}
    lookups = ", ".join(
        f"element_at(array({', '.join(repr(float(v)) + 'D' for v in buckets[c][1])}), CAST(`__b_{c}` AS INT) + 1)"
        f" AS `{transformed_name(c)}`"
        for c in columns
    )
    return [
        SQLTransformer(statement=f"SELECT *, {imputed} FROM __THIS__"),
        Bucketizer(inputCols=[f"__i_{c}" for c in columns], outputCols=[f"__b_{c}" for c in columns],
                   splitsArray=[buckets[c][0] for c in columns]),
        SQLTransformer(statement=f"SELECT *, {lookups} FROM __THIS__"),
        VectorAssembler(inputCols=[transformed_name(c) for c in columns], outputCol=FEATURES_COL),
    ]
