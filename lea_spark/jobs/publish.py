"""Publish disclosure-controlled tables for every area of Finland (publish.*).

Reads ``gold.family_features`` and ``gold.family_segments`` of one reference period (and
``silver.families`` for the number of children when the features do not carry it), counts
families and children per country, wellbeing services county, municipality and postal
area, families per service-need group and per family type, and the indicator rates of the
11 phenomena. Counts below ``publish.threshold`` are suppressed, further cells are
suppressed across every hierarchy, and the LP audit must show every suppressed cell
protected by ``publish.protection_interval`` - otherwise nothing is written. Rerunning a
period replaces exactly that period.
"""
from __future__ import annotations

import logging

from lea_spark.config import Config, ConfigError
from lea_spark.disclosure import require_protected
from lea_spark.lake import read_table, write_table
from lea_spark.lake.tables import table_exists
from lea_spark.progress import step
from lea_spark.publish.build import shown_count
from lea_spark.publish import (
    PUBLISH_TABLES,
    PublishInputError,
    Settings,
    aggregate,
    build_areas,
    build_publication,
    catalog_count_indicators,
    check_join,
    family_base,
    indicator_columns,
    phenomena_of,
    read_geography,
    to_spark,
)

JOB = "publish"
log = logging.getLogger(__name__)


def add_arguments(parser) -> None:
    parser.add_argument("--period", default=None, help="reference period to publish (default publish.reference_period)")


def settings(cfg: Config) -> Settings:
    s = Settings(
        threshold=int(cfg["publish.threshold"]),
        protection=float(cfg["publish.protection_interval"]),
        decimals=int(cfg["publish.share_decimals"]),
        secondary=bool(cfg.get("publish.secondary_suppression", True)),
        exact_max_cells=int(cfg.get("publish.audit_exact_max_cells", 2000)),
        postal_min_families=int(cfg.get("publish.postal_min_families", 0)),
        type_min_families=int(cfg.get("publish.type_min_families", 0)),
        rate_indicators=(tuple(str(x) for x in cfg["publish.rate_indicators"])
                         if cfg.get("publish.rate_indicators") is not None else None),
    )
    if s.threshold < 1:
        raise ConfigError("publish.threshold must be at least 1")
    if not 0 < s.protection <= s.threshold - 1:
        raise ConfigError(
            f"publish.protection_interval ({s.protection:g}) must be in (0, threshold - 1 = {s.threshold - 1}]: "
            "a primary-suppressed cell is known to lie in [0, threshold - 1], so no wider interval exists"
        )
    return s


def group_names_for(cfg: Config, segments_row, country_shares: dict[int, float]) -> dict[int, dict]:
    """fi/sv/en names per group from conf/group_names.yaml (generic names when unavailable)."""
    try:
        from lea_spark.ml.names import resolve_names

        names = resolve_names(cfg, str(segments_row["model_name"]), int(segments_row["model_version"]), country_shares)
        return {g: {"fi": n.fi, "sv": n.sv, "en": n.en, "source": n.source} for g, n in names.items()}
    except Exception as exc:  # names are cosmetic: fall back, but say so
        log.warning("group names unavailable (%s); using generic names", exc)
        return {g: {"fi": f"Ryhmä {g}", "sv": f"Grupp {g}", "en": f"Group {g}", "source": "generic"}
                for g in country_shares}


def run(cfg: Config, args) -> dict:
    from lea_spark.session import get_spark

    period = str(getattr(args, "period", None) or cfg["publish.reference_period"])
    s = settings(cfg)
    spark = get_spark(cfg)
    for name in ("gold.family_features", "gold.family_segments"):
        if not table_exists(cfg, name):
            raise PublishInputError(f"{name} does not exist under {cfg.path('lake')}: run the earlier jobs first")
    with step(JOB, "read inputs and geography"):
        features = read_table(spark, cfg, "gold.family_features")
        segments = read_table(spark, cfg, "gold.family_segments")
        children = None
        if "n_children" not in features.columns and table_exists(cfg, "silver.families"):
            children = read_table(spark, cfg, "silver.families").select("family_id", "n_children")
        munis, postal = read_geography(cfg.path("geo"))
        areas = build_areas(munis, postal)
    with step(JOB, "check features against segments") as st:
        j = check_join(features, segments, period)
        st.rows_in, st.rows_out = j["both"] + j["features_only"], j["both"]
        if j["both"] == 0:
            raise PublishInputError(f"no families of reference period {period} are in both gold.family_features and "
                                    f"gold.family_segments")
        if j["features_only"] or j["segments_only"] or j["null_ids"]:
            raise PublishInputError(
                f"gold.family_features and gold.family_segments disagree for period {period}: "
                f"{shown_count(j['features_only'], s.threshold)} families only in features, "
                f"{shown_count(j['segments_only'], s.threshold)} only in segments, "
                f"{shown_count(j['null_ids'], s.threshold)} rows without family_id. Rerun train on the current "
                "features.")
    with step(JOB, "aggregate families per area") as st:
        indicators = indicator_columns(features)
        base = family_base(features, segments, period, children)
        agg = aggregate(base, indicators, catalog_count_indicators())
        st.rows_in, st.rows_out = j["both"], len(agg.counts)
        model_row = segments.where(segments.reference_period == period).select("model_name", "model_version").first()
    with step(JOB, "suppress and audit") as st:
        counts = agg.counts.groupby("group_id").families.sum()
        total = float(counts.sum()) or 1.0
        names = group_names_for(cfg, model_row, {int(g): 100.0 * float(v) / total for g, v in counts.items()})
        pub = build_publication(areas, agg, period, s, names, phenomena_of(indicators))
        st.rows_in, st.rows_out = pub.summary["cells"], pub.summary["cells"] - pub.summary["suppressed"]
        st.note = (f"{pub.summary['primary']} primary, {pub.summary['secondary']} secondary suppressed; "
                   f"audit {pub.summary['audit_seconds']} s; rates of {pub.summary['rate_indicators_protected']} "
                   f"0/1 indicators: {pub.summary['rate_cells_suppressed']} cells suppressed, "
                   f"audit {pub.summary['rate_audit_seconds']} s")
        require_protected(pub.audit, pub.cells.table, f"the publication of period {period}")
        if pub.rates is not None:
            require_protected(pub.rates.audit, pub.rates.table, f"the indicator rates of period {period}")
    written = {}
    for name in PUBLISH_TABLES:
        with step(JOB, f"publish.{name}") as st:
            df = to_spark(spark, name, pub.tables[name])
            r = write_table(cfg, df, f"publish.{name}", mode="replace", partition_by=["reference_period"],
                            replace_where={"reference_period": period})
            st.rows_out = r.rows
            written[f"publish.{name}"] = r.rows
    return {"period": period, "tables": ", ".join(written), "rows": sum(written.values()), **pub.summary}
