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
            ph = _field(entry, "phenomenon")
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
