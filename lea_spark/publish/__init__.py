"""Publishing: area aggregates with disclosure control (see docs/publishing.md).

* :mod:`.geography` - the country > county > municipality > postal area hierarchy;
* :mod:`.aggregate` - Spark: family rows -> small aggregates;
* :mod:`.cells` - aggregates -> one linked table of counts;
* :mod:`.build` - suppression, audit, shares and rates -> the publish tables (pandas);
* :mod:`.schema` - the declared schemas of ``publish.*``.
"""
from lea_spark.publish.aggregate import (
    Aggregates,
    PublishInputError,
    aggregate,
    check_join,
    family_base,
    indicator_columns,
)
from lea_spark.publish.build import Publication, Settings, build_publication
from lea_spark.publish.geography import build_areas, read_geography
from lea_spark.publish.phenomena import catalog_count_indicators, phenomena_of
from lea_spark.publish.schema import PUBLISH_TABLES, SCHEMAS, to_spark

__all__ = [
    "Aggregates", "PUBLISH_TABLES", "Publication", "PublishInputError", "SCHEMAS", "Settings", "aggregate",
    "build_areas", "build_publication", "catalog_count_indicators", "check_join", "family_base", "indicator_columns", "phenomena_of",
    "read_geography", "to_spark",
]
