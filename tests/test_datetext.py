"""Fast date parsing and identity-code checks give exactly what the formatter-based and
regular-expression versions give."""
from __future__ import annotations

import datetime as dt
import random

from pyspark.sql import functions as F

from lea_spark.datetext import parse_date
from lea_spark.identity import (
    CHECK_CHARS, PSEUDONYM_REGEX, birth_date_col, hetu_is_valid_col, is_pseudonym_col, is_valid_hetu, make_hetu,
    pseudonymise,
)

FORMATS = ["yyyy-MM-dd", "yyyyMMdd", "yyyyMM", "dd.MM.yyyy", "dd/MM/yyyy", "dd.MM.yyyy HH:mm"]


def _texts(rng: random.Random) -> list:
    days = [dt.date(1800, 1, 1) + dt.timedelta(days=rng.randrange(0, 110_000)) for _ in range(400)]
    days += [dt.date(2000, 2, 29), dt.date(1900, 2, 28), dt.date(2024, 12, 31), dt.date(1, 1, 1), dt.date(9999, 12, 31)]
    out = []
    for d in days:
        h, m = rng.randrange(24), rng.randrange(60)
        out += [d.strftime("%Y-%m-%d").rjust(10, "0"), f"{d.year:04d}{d.month:02d}{d.day:02d}", f"{d.year:04d}{d.month:02d}",
                f"{d.day:02d}.{d.month:02d}.{d.year:04d}", f"{d.day:02d}/{d.month:02d}/{d.year:04d}",
                f"{d.day:02d}.{d.month:02d}.{d.year:04d} {h:02d}:{m:02d}"]
    out += ["2020-06-31", "2021-02-29", "1900-02-29", "0000-01-01", "2020-00-10", "2020-13-01", "2020-1-01",
            "20201-01-01", "+2020-01-01", "2020-01-01 ", " 2020-01-01", "2020/01/01", "２０２０-01-01", "2020-01-0a",
            "20200230", "202013", "202000", "31.02.2021 10:00", "29.02.2021 09:15", "01.01.1850 00:00", "01.01.2020 24:00",
            "01.01.2020 23:60", "01.01.2020 9:15", "01.01.2020", "1.1.2020", "31/04/2020", "", "x", "--", None]
    return out


def test_parse_date_is_try_to_date_for_every_input(spark):
    texts = _texts(random.Random(7))
    df = spark.createDataFrame([(t,) for t in texts], "t string")
    for fmt in FORMATS:
        rows = df.select("t", parse_date(F.col("t"), fmt).cast("string").alias("a"),
                         F.try_to_date("t", fmt).cast("string").alias("b")).collect()   # as text: year 0 has no Python date
        wrong = [(r.t, r.a, r.b) for r in rows if r.a != r.b]
        assert not wrong, (fmt, wrong[:5])
        assert sum(r.b is not None for r in rows) > 300          # the valid texts of the format parse


def test_identity_code_checks_match_the_python_reference(spark):
    rng = random.Random(11)
    codes = []
    for _ in range(3000):
        birth = dt.date(1850, 1, 1) + dt.timedelta(days=rng.randrange(0, 60_000))
        code = make_hetu(birth, rng.randrange(2, 1000))
        kind = rng.randrange(6)
        if kind == 1:      # another check character
            code = code[:10] + rng.choice([c for c in CHECK_CHARS if c != code[10]])
        elif kind == 2:    # another century sign
            code = code[:6] + rng.choice("+-ABCDEFUVWXYZa") + code[7:]
        elif kind == 3:    # a digit changed anywhere (day 32, month 13, ...)
            i = rng.choice([0, 1, 2, 3, 4, 5, 7, 8, 9])
            code = code[:i] + str(rng.randrange(10)) + code[i + 1:]
        elif kind == 4:    # cut or lengthened
            code = code[:rng.randrange(11)] if rng.random() < 0.5 else code + "0"
        codes.append(code)
    codes += ["310298-123X", "290200A9017", "290201A9017", "290200-9017", "010100+900A", "", None, "0101001234", "a" * 11]
    df = spark.createDataFrame([(c,) for c in codes], "c string")
    rows = df.select("c", hetu_is_valid_col(F.col("c")).alias("v"), birth_date_col(F.col("c")).alias("b")).collect()
    assert [(r.c, r.v) for r in rows] == [(r.c, is_valid_hetu(r.c)) for r in rows]
    assert sum(r.v for r in rows) > 500
    for r in rows:
        if r.v:
            century = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}.get(r.c[6], 2000)
            assert r.b == dt.date(century + int(r.c[4:6]), int(r.c[2:4]), int(r.c[0:2]))


def test_pseudonym_check_is_the_regular_expression_for_every_input(spark):
    p = pseudonymise("010101-900R", "k")
    values = [p, p.upper(), p[:63], p + "0", p[:63] + "g", " " + p, p + " ", "010101-900R", "", None]
    # Java's ``$`` also matches before a final line terminator: 64 hex and 1 to 3 bytes more.
    values += [p + t for t in ("\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\n\n", "\r\r", "x\n")]
    df = spark.createDataFrame([(v,) for v in values], "v string")
    rows = df.select("v", is_pseudonym_col(F.col("v")).alias("a"),
                     F.coalesce(F.col("v").rlike(PSEUDONYM_REGEX), F.lit(False)).alias("b")).collect()
    assert [(r.v, r.a) for r in rows] == [(r.v, r.b) for r in rows]
    # Both kinds occur, including matches with a line terminator after the 64 characters.
    assert sum(r.a for r in rows) == 7 and not any(r.a is None for r in rows)
