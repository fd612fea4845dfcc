"""Hand-built bronze population for the households and indicators tests (no tests here).

Reference date 2022-12-31. Families (dwelling, postal code):

* A (dA, 33100 Tampere): two parents a_m, a_f; twins a_c1, a_c2 (2018); grandmother a_gm
  alive in 33500; grandfather a_gf died 2020-06-01.
* B (dB, 33500): blended - b_m and b_p married, b_c1 (b_m + distance father b_x in 00100),
  b_c2 (b_m + b_p), b_c3 (b_p + distance mother b_y in 90600, a postal area without
  coordinates); b_x's adult child b_s in 00100 is b_c1's sibling elsewhere.
* C (dC, 33200): single mother c_m (born 1995); father c_f moved out 2021-06-30 to 33100.
* D (dD, 20100 Turku): two adoptive mothers d_m1, d_m2 of d_c; the biological mother
  d_bio (in 00100) is no longer a legal parent.
* E (dE, 33700): mother e_m and her registered partner e_p (both women), child e_c.
* F (dF, 33100): f_c lives with grandmother f_g; mother f_m in 00100.
* G (dG, 33500): g_c (17) lives alone; mother g_m in 33100.
* H (dH, 33100 since 2022-01-01, before 00100 Helsinki): mother h_m, child h_c and the
  mother's unmarried partner h_k (cohabitant, moved in with them).
* q_c: a child with no residence (quarantined); z: an adult living alone with two
  overlapping residence spells (one quarantined).
"""
from __future__ import annotations

import datetime as dt

from lea_spark.canonical import BRONZE_SCHEMAS

REF = "2022-12-31"
D = dt.date


def _p(pid, birth, sex, death=None, language="fi"):
    return (pid, birth, death, sex, language, "246")


PERSONS = [
    _p("a_m", D(1990, 5, 1), "2"), _p("a_f", D(1988, 1, 1), "1"),
    _p("a_c1", D(2018, 3, 3), "1"), _p("a_c2", D(2018, 3, 3), "2"),
    _p("a_gm", D(1962, 2, 2), "2"), _p("a_gf", D(1960, 1, 1), "1", death=D(2020, 6, 1)),
    _p("b_m", D(1985, 1, 1), "2"), _p("b_p", D(1980, 1, 1), "1"), _p("b_x", D(1983, 1, 1), "1"),
    _p("b_y", D(1984, 1, 1), "2"), _p("b_s", D(2000, 1, 1), "1"),
    _p("b_c1", D(2008, 1, 1), "2"), _p("b_c2", D(2020, 1, 1), "1"), _p("b_c3", D(2010, 1, 1), "1"),
    _p("c_m", D(1995, 1, 1), "2"), _p("c_f", D(1993, 1, 1), "1"), _p("c_c", D(2015, 1, 1), "2"),
    _p("d_m1", D(1980, 1, 1), "2"), _p("d_m2", D(1982, 1, 1), "2"), _p("d_bio", D(1999, 1, 1), "2"),
    _p("d_c", D(2017, 1, 1), "1"),
    _p("e_m", D(1988, 1, 1), "2"), _p("e_p", D(1987, 1, 1), "2"), _p("e_c", D(2016, 1, 1), "2"),
    _p("f_g", D(1955, 1, 1), "2"), _p("f_m", D(1980, 1, 1), "2"), _p("f_c", D(2010, 1, 1), "1"),
    _p("g_m", D(1970, 1, 1), "2"), _p("g_c", D(2005, 6, 1), "1"),
    _p("h_m", D(1990, 1, 1), "2", language="ar"), _p("h_k", D(1985, 1, 1), "1"), _p("h_c", D(2012, 1, 1), "1"),
    _p("q_c", D(2012, 1, 1), "1"), _p("z", D(1980, 1, 1), "1"),
]

RELATIONS = [
    ("a_c1", "a_m", "mother"), ("a_c1", "a_f", "father"), ("a_c2", "a_m", "mother"), ("a_c2", "a_f", "father"),
    ("a_m", "a_gm", "mother"), ("a_m", "a_gf", "father"),
    ("b_c1", "b_m", "mother"), ("b_c1", "b_x", "father"), ("b_c2", "b_m", "mother"), ("b_c2", "b_p", "father"),
    ("b_c3", "b_p", "father"), ("b_c3", "b_y", "mother"), ("b_s", "b_x", "father"),
    ("c_c", "c_m", "mother"), ("c_c", "c_f", "father"),
    ("d_c", "d_bio", "mother"), ("d_c", "d_m1", "adoptive_mother"), ("d_c", "d_m2", "adoptive_mother"),
    ("e_c", "e_m", "mother"),
    ("f_c", "f_m", "mother"), ("f_m", "f_g", "mother"),
    ("g_c", "g_m", "mother"),
    ("h_c", "h_m", "mother"),
    ("q_c", "nobody", "mother"),  # unknown relative: quarantined
]

PARTNERSHIPS = [
    ("b_m", "b_p", "married", D(2019, 1, 1), None),
    ("e_m", "e_p", "registered", D(2015, 1, 1), None),
    ("c_m", "c_f", "married", D(2014, 1, 1), D(2021, 9, 1)),  # ended before the reference date
]

OPEN = None
RESIDENCES = [
    ("a_m", "dA", "837", "33100", D(2015, 1, 1), OPEN), ("a_f", "dA", "837", "33100", D(2015, 1, 1), OPEN),
    ("a_c1", "dA", "837", "33100", D(2018, 3, 3), OPEN), ("a_c2", "dA", "837", "33100", D(2018, 3, 3), OPEN),
    ("a_gm", "dAg", "837", "33500", D(1990, 1, 1), OPEN), ("a_gf", "dAg", "837", "33500", D(1990, 1, 1), D(2020, 6, 1)),
    ("b_m", "dB", "837", "33500", D(2019, 1, 1), OPEN), ("b_p", "dB", "837", "33500", D(2019, 1, 1), OPEN),
    ("b_c1", "dB", "837", "33500", D(2019, 1, 1), OPEN), ("b_c2", "dB", "837", "33500", D(2020, 1, 1), OPEN),
    ("b_c3", "dB", "837", "33500", D(2019, 1, 1), OPEN),
    ("b_x", "dBx", "091", "00100", D(2010, 1, 1), OPEN), ("b_s", "dBx", "091", "00100", D(2010, 1, 1), OPEN),
    ("b_y", "dBy", "564", "90600", D(2010, 1, 1), OPEN),
    ("c_m", "dC", "837", "33200", D(2014, 1, 1), OPEN), ("c_c", "dC", "837", "33200", D(2015, 1, 1), OPEN),
    ("c_f", "dC", "837", "33200", D(2014, 1, 1), D(2021, 6, 30)), ("c_f", "dCx", "837", "33100", D(2021, 7, 1), OPEN),
    ("d_m1", "dD", "853", "20100", D(2017, 1, 1), OPEN), ("d_m2", "dD", "853", "20100", D(2017, 1, 1), OPEN),
    ("d_c", "dD", "853", "20100", D(2017, 6, 1), OPEN), ("d_bio", "dDb", "091", "00100", D(2017, 1, 1), OPEN),
    ("e_m", "dE", "837", "33700", D(2016, 1, 1), OPEN), ("e_p", "dE", "837", "33700", D(2016, 1, 1), OPEN),
    ("e_c", "dE", "837", "33700", D(2016, 1, 1), OPEN),
    ("f_g", "dF", "837", "33100", D(2000, 1, 1), OPEN), ("f_c", "dF", "837", "33100", D(2018, 1, 1), OPEN),
    ("f_m", "dFm", "091", "00100", D(2018, 1, 1), OPEN),
    ("g_c", "dG", "837", "33500", D(2022, 8, 1), OPEN), ("g_m", "dGm", "837", "33100", D(2000, 1, 1), OPEN),
    ("h_m", "dHold", "091", "00100", D(2012, 1, 1), D(2021, 12, 31)), ("h_c", "dHold", "091", "00100", D(2012, 1, 1), D(2021, 12, 31)),
    ("h_m", "dH", "837", "33100", D(2022, 1, 1), OPEN), ("h_c", "dH", "837", "33100", D(2022, 1, 1), OPEN),
    ("h_k", "dH", "837", "33100", D(2022, 3, 1), OPEN),
    ("z", "dZ1", "837", "33100", D(2010, 1, 1), OPEN), ("z", "dZ2", "837", "33100", D(2020, 1, 1), OPEN),
]

ROWS = {"persons": PERSONS, "relations": RELATIONS, "partnerships": PARTNERSHIPS, "residences": RESIDENCES}


def with_metadata(spark, table: str, rows: list[tuple]):
    """A bronze DataFrame: canonical columns plus ingest metadata (source_row = list index)."""
    from pyspark.sql import functions as F

    df = spark.createDataFrame(rows, BRONZE_SCHEMAS[table])
    return (
        df.withColumn("source_file", F.lit(f"test/{table}.csv"))
        .withColumn("source_row", F.monotonically_increasing_id())
        .withColumn("ingested_at", F.current_timestamp().cast("timestamp_ntz"))  # as ingest writes it
        .withColumn("ingest_run_id", F.lit("test-run"))
    )


def bronze(spark, rows: dict[str, list[tuple]] | None = None) -> dict:
    """``{table: DataFrame}`` for every table in ``rows`` (default: the population above)."""
    rows = ROWS if rows is None else rows
    return {t: with_metadata(spark, t, r) for t, r in rows.items()}


def write_conf(tmp_path, conf_src, lake):
    """A copy of the project configuration whose lake is ``lake`` (for running jobs by CLI)."""
    import yaml

    conf = tmp_path / "conf"
    (conf / "env").mkdir(parents=True, exist_ok=True)
    base = yaml.safe_load((conf_src / "base.yaml").read_text())
    base["paths"].update({"lake": str(lake), "geo": str(conf_src.parent.parent / "shared/reference/geo")})
    (conf / "base.yaml").write_text(yaml.safe_dump(base))
    (conf / "env" / "test.yaml").write_text((conf_src / "env" / "test.yaml").read_text())
    return conf


def run_cli_job(name: str, conf, env: str = "test") -> dict:
    """Run one job as `lea <name> --conf-dir conf --env env` does (parser, config, run)."""
    import argparse
    import importlib

    from lea_spark.cli import run_job
    from lea_spark.config import load_config

    mod = importlib.import_module(f"lea_spark.jobs.{name}")
    parser = argparse.ArgumentParser(prog=f"lea {name}")
    mod.add_arguments(parser)
    return run_job(name, load_config(conf, env), parser.parse_args([]))
