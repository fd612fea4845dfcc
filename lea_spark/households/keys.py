"""Join-key checks: a join on a key that is not unique on the side that should be unique
silently multiplies rows. :func:`assert_unique` fails loudly instead."""
from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


class DuplicateKeyError(ValueError):
    """A key expected to be unique occurs more than once."""


def assert_unique(df: DataFrame, keys: list[str], what: str) -> DataFrame:
    """Return ``df`` unchanged if ``keys`` identify its rows; raise :class:`DuplicateKeyError`.

    The error names the table, the key, how many key values repeat and the largest
    multiplicity, never the key values themselves (they may be person ids).
    """
    dup = (
        df.groupBy(*keys)
        .agg(F.count(F.lit(1)).alias("_lea_n"))
        .filter(F.col("_lea_n") > 1)
        .agg(F.count(F.lit(1)).alias("keys"), F.max("_lea_n").alias("max_n"))
        .collect()[0]
    )
    if dup["keys"]:
        raise DuplicateKeyError(
            f"{what}: key ({', '.join(keys)}) is not unique: {dup['keys']} key values occur more "
            f"than once (up to {dup['max_n']} times); a join on it would multiply rows"
        )
    return df
