"""Build the static report site (HTML, CSV, XLSX) from the publish.* tables.

Reads every ``publish.*`` table of one reference period (aggregates only), the geography
under ``paths.geo`` (GeoJSON borders, postal-area points) and writes under ``paths.reports``:
``index.html`` (the country), ``county/<code>.html``, ``municipality/<code>.html``,
``groups.html``, ``downloads.html`` and ``data/<table>.csv|xlsx``.
"""
from __future__ import annotations

import json
import shutil

import pandas as pd

from lea_spark.config import Config
from lea_spark.lake import read_table
from lea_spark.lake.tables import table_exists
from lea_spark.progress import step
from lea_spark.publish import PUBLISH_TABLES
from lea_spark.report import build_site, write_downloads, write_pages

JOB = "report"


def add_arguments(parser) -> None:
    parser.add_argument("--period", default=None, help="reference period (default publish.reference_period)")


def read_geo(cfg: Config) -> dict:
    geo = cfg.path("geo")
    out = {}
    for key, name in (("municipalities", "municipalities_2025.geojson"),
                      ("counties", "wellbeing_counties_2025.geojson"),
                      ("helsinki_postal", "helsinki_postal_areas_2023.geojson")):
        p = geo / name
        if not p.is_file():
            raise FileNotFoundError(f"geography file not found: {p} (paths.geo)")
        out[key] = json.loads(p.read_text(encoding="utf-8"))
    out["postal_points"] = pd.read_csv(geo / "postal_areas_2025.csv", dtype=str, keep_default_na=False)
    return out


def run(cfg: Config, args) -> dict:
    from pyspark.sql import functions as F

    from lea_spark.session import get_spark

    period = str(getattr(args, "period", None) or cfg["publish.reference_period"])
    spark = get_spark(cfg)
    tables: dict[str, pd.DataFrame] = {}
    with step(JOB, "read publish tables") as st:
        for name in PUBLISH_TABLES:
            full = f"publish.{name}"
            if not table_exists(cfg, full):
                raise FileNotFoundError(f"{full} does not exist under {cfg.path('lake')}: run `lea publish` first")
            df = read_table(spark, cfg, full).where(F.col("reference_period") == period)
            # Aggregates only (tens of thousands of rows nationally): safe to bring to the driver.
            tables[name] = df.toPandas()
        if tables["area_families"].empty:
            raise ValueError(f"publish tables hold no rows for reference period {period}")
        st.rows_out = sum(len(t) for t in tables.values())
    out = cfg.path("reports")
    with step(JOB, "write CSV and XLSX downloads") as st:
        if out.exists():
            shutil.rmtree(out)
        files = write_downloads(tables, out / "data")
        st.rows_out = len(files)
    with step(JOB, "write pages") as st:
        geo = read_geo(cfg)
        pages = build_site(tables, geo, period, int(cfg["publish.threshold"]), files, int(cfg["publish.share_decimals"]))
        st.rows_out = write_pages(pages, out)
    return {"period": period, "reports": str(out), "pages": len(pages), "downloads": len(files)}
