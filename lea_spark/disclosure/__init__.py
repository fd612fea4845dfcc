"""Statistical disclosure control for published counts.

A published table is a set of count cells tied together by additive relations
(``sum(children) + offset == parent``): groups within an area, postal areas within their
municipality, municipalities within their county and counties within the country.

* :mod:`lea_spark.disclosure.table` - the cell/relation model (:class:`LinkedTable`);
* :mod:`lea_spark.disclosure.suppression` - primary suppression (counts below the
  threshold) and secondary suppression (enough further cells in every relation);
* :mod:`lea_spark.disclosure.audit` - the attacker's interval of every suppressed cell by
  linear programming, and the check that every interval is at least the protection width.

Everything here works on aggregates only (a few tens of thousands of cells nationally),
in NumPy/SciPy on the driver.
"""
from lea_spark.disclosure.audit import AuditResult, DisclosureError, audit, require_protected
from lea_spark.disclosure.suppression import (
    PRIMARY,
    PUBLISHED,
    SECONDARY,
    STATUS_NAMES,
    WITHHELD,
    primary_suppress,
    protect,
    secondary_suppress,
)
from lea_spark.disclosure.table import LinkedTable, Relation

__all__ = [
    "AuditResult",
    "DisclosureError",
    "LinkedTable",
    "PRIMARY",
    "PUBLISHED",
    "Relation",
    "SECONDARY",
    "STATUS_NAMES",
    "WITHHELD",
    "audit",
    "primary_suppress",
    "protect",
    "require_protected",
    "secondary_suppress",
]
