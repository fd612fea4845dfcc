"""Indicators (gold): per family, the indicators of the 11 wellbeing phenomena, defined in
:mod:`lea_spark.indicators.catalog` and computed by :mod:`lea_spark.indicators.build`."""
from lea_spark.indicators.build import Params, build_features  # noqa: F401
from lea_spark.indicators.catalog import CATALOG, KEY_COLUMNS, NAMES, PHENOMENA  # noqa: F401
