"""lea-spark: the wellbeing of families with children in every area of Finland, from national registers."""

__version__ = "0.1.0"
