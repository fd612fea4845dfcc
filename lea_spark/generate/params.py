"""Run parameters of one generation (seed, scale, dates) in one small value object."""
from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F


# Writer tasks at scale 1.0: each task sorts its files before writing them. With 8 tasks at
# 1.0 a task sorts about 20 M rows of the largest registers (157 M earnings rows in 60
# monthly files, 174 M visits in 30 files); 64 keeps each sort to one or a few files.
WRITE_PARTITIONS_AT_FULL_SCALE = 64


@dataclass(frozen=True)
class GenParams:
    seed: int
    scale: float
    reference_date: dt.date
    lookback_years: int = 5
    history_years: int = 6
    partitions: int = 8
    dirty_rate: float = 0.0

    @property
    def write_partitions(self) -> int:
        """Partitions of the file writers: ``partitions``, or more at large scales (the files do
        not depend on it: each is written whole by one task in a fixed row order)."""
        return max(self.partitions, math.ceil(self.scale * WRITE_PARTITIONS_AT_FULL_SCALE))

    @property
    def window_start(self) -> dt.date:
        """First day of the event look-back window (e.g. 2018-01-01 for 2022-12-31, 5 years)."""
        r = self.reference_date
        return dt.date(r.year - self.lookback_years + 1, 1, 1) if (r.month, r.day) == (12, 31) else \
            dt.date(r.year - self.lookback_years, r.month, r.day) + dt.timedelta(days=1)

    @property
    def history_start(self) -> dt.date:
        r = self.reference_date
        return dt.date(r.year - self.history_years + 1, 1, 1) if (r.month, r.day) == (12, 31) else \
            dt.date(r.year - self.history_years, r.month, r.day) + dt.timedelta(days=1)

    @property
    def window_months(self) -> int:
        w, r = self.window_start, self.reference_date
        return (r.year - w.year) * 12 + (r.month - w.month) + 1

    def month_firsts(self) -> list[dt.date]:
        """The first day of each month of the window: ``add_months(window_start, i)`` for
        ``i`` in ``0 .. window_months - 1`` (a day past the month's end becomes its last day,
        as in Spark)."""
        out = []
        for i in range(self.window_months):
            y, m = divmod(self.window_start.month - 1 + i, 12)
            year, month = self.window_start.year + y, m + 1
            out.append(dt.date(year, month, min(self.window_start.day, calendar.monthrange(year, month)[1])))
        return out

    def ref(self) -> Column:
        return F.lit(self.reference_date)

    def wstart(self) -> Column:
        return F.lit(self.window_start)

    def hstart(self) -> Column:
        return F.lit(self.history_start)

    @classmethod
    def from_config(cls, cfg, scale=None, seed=None, dirty_rate=None, partitions=None) -> "GenParams":
        return cls(
            seed=int(cfg["generate.seed"] if seed is None else seed),
            scale=float(cfg["generate.scale"] if scale is None else scale),
            reference_date=dt.date.fromisoformat(str(cfg["project.reference_date"])),
            lookback_years=int(cfg.get("project.lookback_years", 5)),
            history_years=int(cfg["generate.history_years"]),
            partitions=int(cfg["generate.partitions"] if partitions is None else partitions),
            dirty_rate=float(cfg["generate.dirty_rate"] if dirty_rate is None else dirty_rate),
        )
