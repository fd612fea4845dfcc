"""Dates from fixed-width text as Spark columns, without a date formatter on every row.

``try_to_date(text, format)`` parses each value with a ``java.time`` formatter. On register
extracts of hundreds of millions of rows that was a tenth of ingest's time in a JFR profile
(docs/benchmarks.md), and identity-code checks parsed a birth date the same way. Here a
value whose text has exactly the shape of a numeric pattern (``yyyy``, ``MM``, ``dd``,
``HH``, ``mm`` and separators) and whose fields make a real date and time is built with
``make_date`` from its digits. Every other value goes to ``try_to_date`` as before, so the
result is the one ``try_to_date`` gives, for every input.
"""
from __future__ import annotations

import re

from pyspark.sql import Column
from pyspark.sql import functions as F

_FIELDS = {"yyyy": 4, "MM": 2, "dd": 2, "HH": 2, "mm": 2}
_TOKEN = re.compile(r"yyyy|MM|dd|HH|mm|[^A-Za-z']")


def days_in_month(year: Column, month: Column) -> Column:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return (F.when(month == 2, F.when(leap, F.lit(28 + 1)).otherwise(F.lit(28)))
            .when(month.isin(4, 6, 9, 11), F.lit(30)).otherwise(F.lit(31)))


def is_real_date(year: Column, month: Column, day: Column) -> Column:
    """True when ``year``-``month``-``day`` (integers, year 1-9999) is a day of the calendar."""
    return ((year >= 1) & (year <= 9999) & (month >= 1) & (month <= 12) & (day >= 1)
            & (day <= days_in_month(year, month)))


def _tokens(fmt: str) -> list[str] | None:
    tokens = _TOKEN.findall(fmt)
    if "".join(tokens) != fmt or "yyyy" not in tokens or "MM" not in tokens:
        return None
    if any(tokens.count(f) > 1 for f in _FIELDS):
        return None
    return tokens


def parse_date(text: Column, fmt: str) -> Column:
    """``try_to_date(text, fmt)``, with the fast path of the module doc for numeric patterns."""
    slow = F.try_to_date(text, fmt)
    tokens = _tokens(fmt)
    if tokens is None:
        return slow
    shape, pos, at = "", {}, 1
    for t in tokens:
        if t in _FIELDS:
            shape += f"[0-9]{{{_FIELDS[t]}}}"
            pos[t] = (at, _FIELDS[t])
            at += _FIELDS[t]
        else:
            shape += re.escape(t)
            at += 1

    def field(name: str, default: int) -> Column:
        if name not in pos:
            return F.lit(default)
        start, width = pos[name]
        return F.substring(text, start, width).try_cast("int")

    y, m, d = field("yyyy", 1), field("MM", 1), field("dd", 1)
    ok = text.rlike(f"^{shape}$") & is_real_date(y, m, d) & (field("HH", 0) <= 23) & (field("mm", 0) <= 59)
    return F.when(ok, F.make_date(y, m, d)).otherwise(slow)
