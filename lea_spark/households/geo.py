"""Geography for distances: a point (lat, lon) per postal area and per municipality, and the
haversine distance in km between two points.

A postal area without coordinates (e.g. 90600, a freight terminal) falls back to its
municipality's centre (``centre_lat/lon``), else the municipality's point on surface
(``poly_point_lat/lon``). A residence whose postal code is unknown falls back the same way
through its municipality code.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: Column, lon1: Column, lat2: Column, lon2: Column) -> Column:
    """Great-circle distance in km (null when any coordinate is null)."""
    p1, p2 = F.radians(lat1), F.radians(lat2)
    dlat = p2 - p1
    dlon = F.radians(lon2) - F.radians(lon1)
    a = F.pow(F.sin(dlat / 2), 2) + F.cos(p1) * F.cos(p2) * F.pow(F.sin(dlon / 2), 2)
    return F.lit(2 * EARTH_RADIUS_KM) * F.asin(F.least(F.lit(1.0), F.sqrt(a)))


def municipality_points(municipalities: DataFrame) -> DataFrame:
    """``municipality_code, wellbeing_county_code, muni_lat, muni_lon`` (centre, else poly point)."""
    return municipalities.select(
        F.col("municipality_code").cast("string").alias("municipality_code"),
        F.col("wellbeing_county_code").cast("string").alias("wellbeing_county_code"),
        F.coalesce(F.expr("try_cast(centre_lat as double)"), F.expr("try_cast(poly_point_lat as double)")).alias("muni_lat"),
        F.coalesce(F.expr("try_cast(centre_lon as double)"), F.expr("try_cast(poly_point_lon as double)")).alias("muni_lon"),
    ).dropDuplicates(["municipality_code"])


def postal_points(postal_areas: DataFrame, municipalities: DataFrame) -> DataFrame:
    """``postal_code, lat, lon``: the postal area's point, else its municipality's."""
    muni = municipality_points(municipalities)
    pa = postal_areas.select(
        F.col("postal_code").cast("string").alias("postal_code"),
        F.col("municipality_code").cast("string").alias("pa_municipality_code"),
        F.expr("try_cast(lat as double)").alias("pa_lat"),
        F.expr("try_cast(lon as double)").alias("pa_lon"),
    ).dropDuplicates(["postal_code"])
    joined = pa.alias("p").join(
        F.broadcast(muni).alias("m"), F.col("p.pa_municipality_code") == F.col("m.municipality_code"), how="left"
    )
    return joined.select(
        "p.postal_code",
        F.coalesce("p.pa_lat", "m.muni_lat").alias("lat"),
        F.coalesce("p.pa_lon", "m.muni_lon").alias("lon"),
    )


def locate(df: DataFrame, points: DataFrame, municipalities: DataFrame, prefix: str = "") -> DataFrame:
    """Add ``<prefix>lat, <prefix>lon`` to ``df`` from its ``postal_code`` (fallback: its
    ``municipality_code``). Both reference tables are small and broadcast."""
    muni = municipality_points(municipalities).select("municipality_code", "muni_lat", "muni_lon")
    out = (
        df.alias("d")
        .join(F.broadcast(points).alias("pp"), F.col("d.postal_code") == F.col("pp.postal_code"), how="left")
        .join(F.broadcast(muni).alias("mm"), F.col("d.municipality_code") == F.col("mm.municipality_code"), how="left")
    )
    return out.select(
        "d.*",
        F.coalesce("pp.lat", "mm.muni_lat").alias(f"{prefix}lat"),
        F.coalesce("pp.lon", "mm.muni_lon").alias(f"{prefix}lon"),
    )
