"""`lea ingest` end to end on tiny hand-built extracts (see tests/test_ingest_data.py)."""
from __future__ import annotations

import argparse
import datetime as dt

import pytest

from lea_spark.identity import pseudonymise
from lea_spark.ingest.readers import csv_batch, csv_lines
from lea_spark.lake import read_table
from tests import test_ingest_data as data
from tests.conftest import make_cfg

ARGS = argparse.Namespace(raw=None, contracts=None)


@pytest.fixture(scope="module")
def ingested(spark, tmp_path_factory):
    """One ingest run over the three tiny registers; returns (cfg, expected rules, summary)."""
    base = tmp_path_factory.mktemp("ingest")
    expected = data.write_raw(base / "raw")
    data.write_contracts(base / "contracts")
    cfg = make_cfg(base, **{"ingest.contracts": str(base / "contracts")})
    mp = pytest.MonkeyPatch()
    mp.setenv("LEA_PSEUDONYM_KEY", data.KEY)
    import lea_spark.lake as lake_mod
    from lea_spark.jobs import ingest

    staged = []  # what the staging held whenever a register's files were committed
    commit = lake_mod.commit_parquet_files

    def recording_commit(cfg_, spark_, files, schema, name):
        staged.extend(p.relative_to(base) for p in (base / "lakehouse" / "_staging").rglob("*.parquet"))
        return commit(cfg_, spark_, files, schema, name)

    mp.setattr(lake_mod, "commit_parquet_files", recording_commit)
    try:
        summary = ingest.run(cfg, ARGS)
    finally:
        mp.undo()
    summary["_staged_files"] = staged
    return cfg, expected, summary


def _rows(spark, cfg, table, *cols):
    return sorted(tuple(r) for r in read_table(spark, cfg, table).select(*cols).collect())


def test_every_faulty_row_is_quarantined_with_its_rule(spark, ingested):
    cfg, expected, _ = ingested
    got = {(f, n): rule for f, n, rule in _rows(spark, cfg, "bronze.quarantine", "source_file", "source_row", "rule")}
    assert got == {k: v for k, v in expected.items() if v is not None}
    registers = {r for (r,) in _rows(spark, cfg, "bronze.quarantine", "register")}
    assert registers == {"dvv_persons", "kela_toimeentulotuki", "etk_elakkeet"}


def test_accepted_rows_carry_source_reference_and_run_metadata(spark, ingested):
    cfg, expected, summary = ingested
    accepted = {k for k, v in expected.items() if v is None}
    got = set()
    for table in ("persons", "social_assistance", "pensions"):
        df = read_table(spark, cfg, f"bronze.{table}")
        for r in df.select("source_file", "source_row", "ingest_run_id", "ingested_at").collect():
            got.add((r.source_file, r.source_row))
            assert r.ingest_run_id == summary["run_id"]
            assert isinstance(r.ingested_at, dt.datetime)
    assert got == accepted
    assert summary["rows_read"] == len(expected) == 35
    assert summary["rows_accepted"] == len(accepted) == 10
    assert summary["rows_quarantined"] == 25


def test_bronze_values_are_typed_mapped_and_pseudonymised(spark, ingested):
    cfg, _, _ = ingested
    h = lambda code: pseudonymise(code, data.KEY)  # noqa: E731
    assert _rows(spark, cfg, "bronze.persons", "person_id", "birth_date", "death_date", "sex", "language",
                 "country_of_birth") == sorted([
        (h(data.P1), dt.date(1980, 1, 1), None, "1", "fi", "246"),
        (h(data.P2), dt.date(1985, 6, 15), dt.date(2021, 3, 1), "2", "sv", "246"),
        (data.PSEUDO, dt.date(2000, 1, 1), None, "2", "ru", "643"),
        (h(data.P4), dt.date(2015, 12, 31), None, "2", "fi", None),
    ])
    assert _rows(spark, cfg, "bronze.social_assistance", "person_id", "benefit_month", "amount_eur",
                 "household_children") == sorted([
        (h(data.P1), dt.date(2022, 1, 1), 450.0, 2),
        (h(data.P2), dt.date(2022, 1, 1), 120.5, 0),
        (h(data.P3), dt.date(2022, 4, 1), 2.5, 1),
        (h(data.P1), dt.date(2022, 2, 1), 300.0, 3),
    ])
    assert _rows(spark, cfg, "bronze.pensions", "person_id", "pension_type", "start_date", "end_date") == sorted([
        (h(data.P1), "0", dt.date(2019, 1, 1), dt.date(2021, 12, 31)),
        (h(data.P2), "0K", dt.date(2020, 5, 1), None),
    ])
    # Tables no contract feeds exist, empty, with the canonical columns, keys and metadata.
    relations = read_table(spark, cfg, "bronze.relations")
    assert relations.columns == ["person_id", "relative_id", "relation_type", "person_key", "person_chk",
                                 "source_file", "source_row", "ingested_at", "ingest_run_id"]
    assert relations.count() == 0


def test_bronze_stores_the_join_keys_of_person_ids(spark, ingested):
    """Every bronze table with ``person_id`` carries its 64-bit key and fingerprint after the
    canonical columns (for the joins of later jobs), equal to the hashes of the pseudonym."""
    from pyspark.sql import functions as F

    from lea_spark.canonical import BRONZE_SCHEMAS, bronze_ddl

    cfg, _, _ = ingested
    salt = F.lit("lea-spark person fingerprint")
    for table in BRONZE_SCHEMAS:
        df = read_table(spark, cfg, f"bronze.{table}")
        assert df.columns == [f.split()[0] for f in bronze_ddl(table).split(", ")], table
        bad = df.where((F.col("person_key") != F.xxhash64("person_id"))
                       | (F.col("person_chk") != F.xxhash64(salt, "person_id"))
                       | F.col("person_key").isNull() | F.col("person_chk").isNull())
        assert bad.count() == 0, table
    assert read_table(spark, cfg, "bronze.persons").where(F.col("person_key").isNotNull()).count() > 0


def test_accounting_is_exact_per_file_and_rule(spark, ingested):
    cfg, expected, _ = ingested
    rows = _rows(spark, cfg, "bronze.ingest_accounting", "register", "source_file", "rows_read", "rows_accepted",
                 "rows_quarantined", "rule", "rows_by_rule")
    want = []
    registers = {"dvv": "dvv_persons", "kela": "kela_toimeentulotuki", "etk": "etk_elakkeet"}
    for f in sorted({f for f, _ in expected}):
        rules = [v for (g, _), v in expected.items() if g == f]
        read, accepted = len(rules), rules.count(None)
        for rule in sorted({r for r in rules if r}):
            want.append((registers[f.split("/")[0]], f, read, accepted, read - accepted, rule, rules.count(rule)))
    assert rows == sorted(want)
    for f in {r[1] for r in rows}:
        mine = [r for r in rows if r[1] == f]
        assert mine[0][2] == mine[0][3] + mine[0][4] == mine[0][3] + sum(r[6] for r in mine)


def test_no_raw_identity_code_leaves_ingest(spark, ingested):
    cfg, _, _ = ingested
    codes = [data.P1, data.P2, data.P3, data.P4, data.P5, data.BAD_CHECK]
    texts = [" ".join(str(v) for v in r)
             for r in read_table(spark, cfg, "bronze.quarantine").select("reason", "raw_record").collect()]
    for table in ("persons", "social_assistance", "pensions"):
        texts += [" ".join(str(v) for v in r) for r in read_table(spark, cfg, f"bronze.{table}").collect()]
    assert texts
    leaks = [t for t in texts for c in codes if c in t]
    assert leaks == []
    # The record of a good-shaped line keeps its other fields and the pseudonym of the code.
    raw = {(r.source_file, r.source_row): r.raw_record
           for r in read_table(spark, cfg, "bronze.quarantine").collect()}
    assert raw[("dvv/2022_henkilot.txt", 11)] == f"{pseudonymise(data.P1, data.KEY)};19800101;;1;FI;246;Ähtäri"
    assert raw[("dvv/2022_henkilot.txt", 10)] == "<id>;20120303;;1"
    # A code in a column that is not a person code is masked in the reason as well.
    reason = {(r.source_file, r.source_row): r.reason for r in read_table(spark, cfg, "bronze.quarantine").collect()}
    assert reason[("dvv/2022_henkilot.txt", 18)] == "column country_of_birth (MAA): value '<id>' does not match ^[0-9]{3}$"


def test_a_differently_named_extract_plugs_in_by_contract_only(spark, tmp_path, ingested):
    """The same persons delivered as a '|' UTF-8 file with a header, English names, other
    codes and dates: only a new contract is written, and bronze.persons gets the same rows.
    Both registers feed bronze.persons in one run (union, one write)."""
    base_cfg, _, _ = ingested
    raw = tmp_path / "raw"
    data.write_raw(raw)
    (raw / "agency_x").mkdir()
    sex = {"1": "M", "2": "F"}
    lang = {"FI": "finnish", "SV": "swedish", "RU": "russian"}
    lines = ["country|language|gender|date_of_death|date_of_birth|ssn"]
    for line, rule in data.PERSON_LINES:
        if rule is None:
            code, born, died, s, language, country, _ = line.split(";")
            fmt = lambda d: f"{d[6:8]}.{d[4:6]}.{d[0:4]}" if d else ""  # noqa: E731
            lines.append("|".join([country, lang[language], sex[s], fmt(died), fmt(born), code]))
    (raw / "agency_x" / "people.dat").write_text("\n".join(lines) + "\n", encoding="utf-8")
    contracts = tmp_path / "contracts"
    data.write_yaml(contracts / "dvv_persons.yaml", data.PERSONS)
    data.write_yaml(contracts / "agency_x_people.yaml", {
        "register": "agency_x_people",
        "canonical_table": "persons",
        "files": {"pattern": "agency_x/people.dat", "format": "csv", "delimiter": "|", "encoding": "utf-8",
                  "header": True},
        "key": ["person_id"],
        "columns": {
            "person_id": {"source": "ssn", "type": "person_code"},
            "birth_date": {"source": "date_of_birth", "type": "date", "format": "dd.MM.yyyy"},
            "death_date": {"source": "date_of_death", "type": "date", "format": "dd.MM.yyyy", "nullable": True},
            "sex": {"source": "gender", "type": "string", "codes": {"M": "1", "F": "2"}},
            "language": {"source": "language", "type": "string",
                         "codes": {"finnish": "fi", "swedish": "sv", "russian": "ru"}},
            "country_of_birth": {"expr": "nullif(country, '')", "type": "string", "nullable": True},
        },
    })
    cfg = make_cfg(tmp_path, **{"ingest.contracts": str(contracts)})
    from lea_spark.jobs import ingest

    mp = pytest.MonkeyPatch()
    mp.setenv("LEA_PSEUDONYM_KEY", data.KEY)
    try:
        summary = ingest.run(cfg, ARGS)
    finally:
        mp.undo()
    assert summary["registers"] == 2
    cols = ["person_id", "birth_date", "death_date", "sex", "language", "country_of_birth"]
    persons = read_table(spark, cfg, "bronze.persons")
    new = sorted(tuple(r) for r in persons.where("source_file = 'agency_x/people.dat'").select(*cols).collect())
    old = sorted(tuple(r) for r in persons.where("source_file != 'agency_x/people.dat'").select(*cols).collect())
    assert new == old == _rows(spark, base_cfg, "bronze.persons", *cols)
    acc = _rows(spark, cfg, "bronze.ingest_accounting", "register", "rows_read", "rows_accepted", "rule")
    assert ("agency_x_people", 4, 4, None) in acc


def test_csv_lines_numbers_physical_lines_and_checks_fields():
    body = b'b,a\r\n2,1\r\n"x,y",3\r\n4\r\n5,6,7\r\n\xe4,8'
    got = list(csv_lines(body, "utf-8", ",", True, ["a", "b"]))
    assert [(n, rule, fields) for n, _, rule, _, fields in got] == [
        (2, None, ["1", "2"]),
        (3, None, ["3", "x,y"]),
        (4, "truncated_line", None),
        (5, "truncated_line", None),
        (6, "bad_encoding", None),
    ]
    latin = list(csv_lines("\xe4;1\n\n".encode("latin-1"), "latin-1", ";", False, ["a", "b"]))
    assert [(n, text, rule, fields) for n, text, rule, _, fields in latin] == [
        (1, "ä;1", None, ["ä", "1"]),
        (2, "", "truncated_line", None),
    ]


@pytest.mark.parametrize("body, encoding, delimiter, header, columns", [
    (b"b,a\r\n2,1\r\n4\r\n5,6,7\r\n8,9\r\n", "utf-8", ",", True, ["a", "b"]),
    (b"b,a\n2,1\n8,9", "utf-8", ",", True, ["a", "b", "not_in_file"]),
    (b"\xef\xbb\xbfb;a\n2;\n;\n\n8;9\n", "utf-8", ";", True, ["a", "b"]),
    ("\xe4;1\n\n\xe5;\r\n".encode("latin-1"), "latin-1", ";", False, ["a", "b"]),
    (b"a;b\n", "utf-8", ";", True, ["a"]),
    (b"", "utf-8", ";", False, ["a"]),
])
def test_csv_fast_path_equals_line_by_line_reading(body, encoding, delimiter, header, columns):
    fast = csv_batch(body, encoding, delimiter, header, columns, "x.csv")
    assert fast is not None
    got = [tuple(r) for r in zip(*[a.to_pylist() for a in fast[1:]])]
    want = [(n, text, rule, reason) + (tuple(f) if f else (None,) * len(columns))
            for n, text, rule, reason, f in csv_lines(body, encoding, delimiter, header, columns)]
    assert got == want
    assert set(fast[0].to_pylist()) <= {"x.csv"}


def test_csv_fast_path_leaves_quotes_and_bad_bytes_to_the_line_reader():
    assert csv_batch(b'a,b\n"x,y",1\n', "utf-8", ",", True, ["a", "b"], "x.csv") is None
    assert csv_batch(b"a,b\n\xe4,1\n", "utf-8", ",", True, ["a", "b"], "x.csv") is None


def test_the_staging_of_validated_rows_is_removed_after_the_run(ingested):
    cfg, _, summary = ingested
    lake = cfg.path("lake")
    assert (lake / "bronze").is_dir()
    assert summary["_staged_files"], "the run staged its validated rows under the lake"
    assert not (lake / "_staging").exists()


def _contract(encoding: str, delimiter: str, header: bool):
    from types import SimpleNamespace

    return SimpleNamespace(register="x", path="x.yaml",
                           files=SimpleNamespace(encoding=encoding, delimiter=delimiter, header=header))


def _reader_rows(spark, raw, files, contract, columns):
    from lea_spark.ingest.readers import read_csv

    df = read_csv(spark, contract, raw, files, columns)
    return sorted(tuple(r) for r in df.collect())


def _expected_rows(raw, files, contract, columns):
    out = []
    for f in files:
        body = (raw / f).read_bytes()
        out += [(f, n, text, rule, reason) + (tuple(fields) if fields else (None,) * len(columns))
                for n, text, rule, reason, fields in csv_lines(body, contract.files.encoding, contract.files.delimiter,
                                                               contract.files.header, columns)]
    return sorted(out)


@pytest.mark.parametrize("body, encoding, delimiter, header, columns", [
    (b"b,a\r\n2,1\r\n4\r\n5,6,7\r\n8,9\r\n", "utf-8", ",", True, ["a", "b"]),
    (b"b,a\n2,1\n8,9", "utf-8", ",", True, ["a", "b", "not_in_file"]),
    (b"\xef\xbb\xbfb;a\n2;\n;\n\n8;9\n", "utf-8", ";", True, ["a", "b"]),
    (b"\xef\xbb\xbf2;1\n3;4\n", "utf-8", ";", False, ["a", "b"]),
    (b"\xef\xbb\xbf\xef\xbb\xbf2;1\n3;4\r\r\n5;6\r\n", "utf-8", ";", False, ["a", "b"]),
    ("\xe4;1\n\n\xe5;\r\n".encode("latin-1"), "latin-1", ";", False, ["a", "b"]),
    (b"\xef\xbb\xbf2;1\n", "latin-1", ";", False, ["a", "b"]),
    ("a|b\n\xe4|\xf6\n".encode("latin-1"), "latin-1", "|", True, ["b", "a"]),
    (b"a;b\n", "utf-8", ";", True, ["a"]),
    (b"", "utf-8", ";", False, ["a"]),
    # Read in Python: a quote character, an invalid UTF-8 byte sequence; the Latin-1 file above
    # that starts with the bytes of a UTF-8 byte-order mark.
    (b'b,a\r\n2,1\r\n"x,y",3\r\n4\r\n', "utf-8", ",", True, ["a", "b"]),
    (b"a,b\n1,2\n\xe4,1\n", "utf-8", ",", True, ["a", "b"]),
])
def test_csv_reader_in_the_jvm_equals_line_by_line_reading(spark, tmp_path, body, encoding, delimiter, header,
                                                            columns):
    """Files read by Spark's text source give exactly the rows of the Python line reader."""
    raw = tmp_path / "raw"
    (raw / "d").mkdir(parents=True)
    (raw / "d" / "x.csv").write_bytes(body)
    contract = _contract(encoding, delimiter, header)
    assert _reader_rows(spark, raw, ["d/x.csv"], contract, columns) == _expected_rows(raw, ["d/x.csv"], contract,
                                                                                       columns)


def test_csv_reader_in_the_jvm_numbers_lines_across_splits_and_files(spark, tmp_path):
    """Files cut into many splits (some packed into one task with the ends of other files),
    next to a file the Python reader takes (a quote): every line keeps its number."""
    from lea_spark.ingest.readers import read_csv_jvm
    from lea_spark.session import sql_conf

    raw = tmp_path / "raw"
    raw.mkdir()
    files = []
    for k in range(3):
        lines = ["id;v"] + [f"{k}-{i};{'x' * (i % 17)}" + (";extra" if i % 97 == 5 else "") for i in range(1500)]
        (raw / f"f{k}.csv").write_text("\n".join(lines) + "\n", encoding="latin-1")
        files.append(f"f{k}.csv")
    (raw / "q.csv").write_text('id;v\n1;"quoted"\n2;plain\n', encoding="latin-1")
    files.append("q.csv")
    contract = _contract("latin-1", ";", True)
    with sql_conf(spark, {"spark.sql.files.maxPartitionBytes": "3000", "spark.sql.files.openCostInBytes": "0"}):
        jvm, python = read_csv_jvm(spark, contract, raw, files, ["id", "v"])
        assert python == ["q.csv"]
        assert jvm.rdd.getNumPartitions() > 10
        got = _reader_rows(spark, raw, files, contract, ["id", "v"])
    want = _expected_rows(raw, files, contract, ["id", "v"])
    assert len(want) == 3 * 1500 + 2
    assert got == want


def test_csv_reader_in_the_jvm_follows_each_files_header(spark, tmp_path):
    """Files of one register whose headers order the columns differently, and a file under a
    directory reached through a symbolic link: every file keeps its own layout and name."""
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    (raw / "a" / "1.csv").write_text("id;v;w\n1;x;p\n2;y\n", encoding="latin-1")
    (raw / "a" / "2.csv").write_text("w;id;v\nq;3;z\n", encoding="latin-1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "3.csv").write_text("v;id\nu;4\n", encoding="latin-1")
    (raw / "linked").symlink_to(elsewhere, target_is_directory=True)
    files = ["a/1.csv", "a/2.csv", "linked/3.csv"]
    contract = _contract("latin-1", ";", True)
    got = _reader_rows(spark, raw, files, contract, ["id", "v"])
    assert got == _expected_rows(raw, files, contract, ["id", "v"])
    assert [(f, n, i, v) for f, n, _, _, _, i, v in got] == [
        ("a/1.csv", 2, "1", "x"), ("a/1.csv", 3, None, None), ("a/2.csv", 2, "3", "z"), ("linked/3.csv", 2, "4", "u")]


def test_parquet_source_file_keeps_spaces_and_plus_signs(spark, tmp_path):
    """A Parquet file whose name needs escaping in a URI keeps its own name as source_file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from lea_spark.ingest.readers import read_parquet

    raw = tmp_path / "raw"
    (raw / "x y").mkdir(parents=True)
    pq.write_table(pa.table({"a": ["1", "2"]}), raw / "x y" / "a+b c.parquet")
    df = read_parquet(spark, None, raw, ["x y/a+b c.parquet"], ["a"])
    assert sorted((r["source_file"], r["source_row"], r["a"]) for r in df.collect()) == [
        ("x y/a+b c.parquet", 1, "1"), ("x y/a+b c.parquet", 2, "2")]
