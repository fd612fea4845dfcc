"""The phenomenon (one of the 11) of each indicator, from the indicator catalog.

The catalog (:mod:`lea_spark.indicators.catalog`) is the one place indicators are
defined. It is read tolerantly: a mapping or list of entries, each with a ``name`` and a
``phenomenon`` (attribute or key). Indicators it does not know are ``"unknown"``.
"""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

PHENOMENA = ("family_structure", "social_support", "moves", "livelihood", "employment", "work_ability",
             "education", "socioeconomic_status", "health", "lifestyle", "service_use")


def _field(entry, name):
    if isinstance(entry, dict):
        return entry.get(name)
    return getattr(entry, name, None)


def catalog_phenomena() -> dict[str, str]:
    return _catalog_field("phenomenon")


# Indicators that count people or events of a sensitive phenomenon (children with a diagnosis,
# months of social assistance, ...). Their means would give away the sum, a small count of a
# sensitive trait, so they are published as the share of families with at least one (see
# publish.aggregate). Counts of family structure, moves and the support network (children,
# grandparents alive) stay means.
COUNT_UNITS = ("count", "months", "days")
SENSITIVE_PHENOMENA = ("livelihood", "employment", "work ability", "health", "lifestyle", "service use")


def catalog_count_indicators() -> set[str]:
    """Indicators of the catalog with a unit of :data:`COUNT_UNITS` in one of the
    :data:`SENSITIVE_PHENOMENA`."""
    phen = catalog_phenomena()
    return {name for name, unit in _catalog_field("unit").items()
            if unit in COUNT_UNITS and phen.get(name) in SENSITIVE_PHENOMENA}


def _catalog_field(field: str) -> dict[str, str]:
    try:
        mod = importlib.import_module("lea_spark.indicators.catalog")
    except ImportError:
        return {}
    out: dict[str, str] = {}
    for attr in ("CATALOG", "INDICATORS", "catalog", "indicators"):
        obj = getattr(mod, attr, None)
        if callable(obj) and not isinstance(obj, type):
            try:
                obj = obj()
            except TypeError:
                continue
        if isinstance(obj, dict):
            items = [(k, v) for k, v in obj.items()]
        elif isinstance(obj, (list, tuple)):
            items = [(_field(v, "name"), v) for v in obj]
        else:
            continue
        for name, entry in items:
            ph = _field(entry, field)
            if name and ph:
                out[str(name)] = str(ph)
        if out:
            break
    return out


def phenomena_of(indicators: list[str]) -> dict[str, str]:
    known = catalog_phenomena()
    missing = [i for i in indicators if i not in known]
    if missing:
        log.warning("%d indicator(s) have no phenomenon in the catalog (shown as 'unknown'): %s",
                    len(missing), ", ".join(missing[:10]))
    return {i: known.get(i, "unknown") for i in indicators}
