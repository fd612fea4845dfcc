"""The static report: HTML pages with inline SVG maps, and CSV/XLSX downloads.

* :mod:`.svg` - projection and SVG drawing of GeoJSON areas and points;
* :mod:`.site` - the pages (national, county, municipality, groups, downloads);
* :mod:`.files` - writing pages and downloads.
"""
from lea_spark.report.files import write_downloads, write_pages
from lea_spark.report.site import SUPPRESSED, build_site

__all__ = ["SUPPRESSED", "build_site", "write_downloads", "write_pages"]
