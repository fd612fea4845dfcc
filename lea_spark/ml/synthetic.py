"""A synthetic ``gold.family_features`` with planted groups, for tests and benchmarks.

Families belong to ``n_groups`` planted groups (each made of a few sub-types) drawn with
the published LEA shares of their city; every indicator is a noisy function of the
family's latent position, on one of three scales (a share in [0, 1], a count, euros), so
the feature transform has real skew to remove. Deterministic by seed. It stands in for
the indicators job's output while developing and in the benchmark; evaluation of the real
pipeline uses the generator's answer key instead.
"""
from __future__ import annotations

import numpy as np

# The six LEA cities (municipality codes) and the Tampere shares used for other places.
LEA_CITIES = {"837": "tampere", "980": "ylojarvi", "092": "vantaa", "609": "pori", "905": "vaasa", "399": "laihia"}
_CITY_ORDER = ["837", "980", "092", "609", "905", "399"]
LEA_SHARES = np.array([  # rows: groups 1..10; columns: cities in _CITY_ORDER (percent)
    [6, 6, 6, 5, 4, 6], [20, 28, 30, 23, 24, 26], [3, 1, 3, 2, 2, 2], [5, 3, 6, 4, 4, 3],
    [15, 13, 14, 18, 14, 13], [4, 1, 7, 2, 4, 2], [11, 6, 7, 8, 9, 7], [29, 36, 24, 27, 34, 35],
    [3, 3, 2, 4, 3, 3], [3, 3, 2, 6, 3, 3],
], dtype=float)


def synthetic_features(n_families: int, n_features: int = 40, n_groups: int = 10,
                       types_per_group: int = 3, seed: int = 1, noise: float = 0.06,
                       period: str = "2022"):
    """``(features_pandas, labels)``: a features table and the planted group (1..n_groups).

    ``features_pandas`` has the key columns of ``gold.family_features`` and ``f00..`` doubles;
    ``labels`` is a pandas DataFrame ``family_id, group_no, type_no``.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    cities = rng.choice(_CITY_ORDER, size=n_families, p=[0.35, 0.05, 0.3, 0.12, 0.12, 0.06])
    shares = LEA_SHARES[:n_groups] / LEA_SHARES[:n_groups].sum(axis=0)
    city_index = np.array([_CITY_ORDER.index(c) for c in cities])
    u = rng.random(n_families)
    cum = np.cumsum(shares, axis=0)[:, city_index]          # (groups, families)
    group = (u[None, :] > cum).sum(axis=0)                   # 0-based
    group = np.minimum(group, n_groups - 1)
    sub = rng.integers(0, types_per_group, size=n_families)
    group_centres = rng.random((n_groups, n_features))
    type_offsets = rng.normal(0, 0.07, size=(n_groups, types_per_group, n_features))
    latent = group_centres[group] + type_offsets[group, sub] + rng.normal(0, noise, size=(n_families, n_features))
    latent = np.clip(latent, 0, 1.2)
    kinds = np.arange(n_features) % 3
    values = np.empty_like(latent)
    values[:, kinds == 0] = np.clip(latent[:, kinds == 0], 0, 1)                       # shares
    values[:, kinds == 1] = rng.poisson(1 + 8 * latent[:, kinds == 1] ** 2)            # counts
    values[:, kinds == 2] = np.round(np.exp(6 + 4 * latent[:, kinds == 2]), 2)         # euros
    family_id = [f"fam{seed:03d}{i:07d}" for i in range(n_families)]
    df = pd.DataFrame(values, columns=[f"f{j:02d}" for j in range(n_features)])
    df.insert(0, "wellbeing_county_code", "00")
    df.insert(0, "postal_code", [f"{c}00" for c in cities])
    df.insert(0, "municipality_code", cities)
    df.insert(0, "reference_date", pd.Timestamp("2022-12-31").date())
    df.insert(0, "reference_period", period)
    df.insert(0, "family_id", family_id)
    labels = pd.DataFrame({"family_id": family_id, "group_no": group + 1, "type_no": sub + 1})
    return df, labels


def to_spark(spark, pdf):
    """The pandas features as a Spark DataFrame with the contract's types."""
    from pyspark.sql import types as T

    fields = [
        T.StructField("family_id", T.StringType()), T.StructField("reference_period", T.StringType()),
        T.StructField("reference_date", T.DateType()), T.StructField("municipality_code", T.StringType()),
        T.StructField("postal_code", T.StringType()), T.StructField("wellbeing_county_code", T.StringType()),
    ] + [T.StructField(c, T.DoubleType()) for c in pdf.columns[6:]]
    return spark.createDataFrame(pdf, schema=T.StructType(fields))


def synthetic_answer_key(labels, key: str, seed: int = 1, odd_child_share: float = 0.0):
    """``(answer_key, family_members)`` pandas frames for ``labels`` of :func:`synthetic_features`.

    Each family gets one to three children with valid synthetic identity codes (individual
    numbers 900-999); the answer key holds the raw codes, ``family_members`` the pseudonyms
    (as ingest would write them) plus one resident parent per family who is not in the key.
    ``odd_child_share`` of the families get an extra child planted in another group, so that
    the majority rule is exercised.
    """
    import datetime as dt

    import pandas as pd

    from lea_spark.identity import make_hetu, pseudonymise

    rng = np.random.default_rng(seed)
    n_children = rng.integers(1, 4, size=len(labels))
    odd = rng.random(len(labels)) < odd_child_share
    key_rows, member_rows = [], []
    child = 0
    for i, (family_id, group_no) in enumerate(zip(labels["family_id"], labels["group_no"])):
        groups = [int(group_no)] * int(n_children[i])
        if odd[i]:
            groups.append(int(group_no) % 10 + 1)
        for g in groups:
            code = make_hetu(dt.date(2006, 1, 1) + dt.timedelta(days=child // 100), 900 + child % 100)
            child += 1
            key_rows.append({"person_code": code, "family_key": i, "group_no": g, "municipality_code": "837"})
            member_rows.append({"family_id": family_id, "person_id": pseudonymise(code, key), "role": "child",
                                "is_resident": True, "distance_km": None})
        parent = make_hetu(dt.date(1980, 1, 1) + dt.timedelta(days=i // 100), 900 + i % 100)
        member_rows.append({"family_id": family_id, "person_id": pseudonymise(parent, key), "role": "resident_parent",
                            "is_resident": True, "distance_km": None})
    members = pd.DataFrame(member_rows)
    members["distance_km"] = members["distance_km"].astype("float64")
    return pd.DataFrame(key_rows), members
