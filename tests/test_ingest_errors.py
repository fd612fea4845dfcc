"""Clear errors: bad contracts, missing files, missing columns, missing key (Spark only for the JVM's pattern check)."""
from __future__ import annotations

import argparse
import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lea_spark.config import ConfigError
from lea_spark.ingest import ContractError, IngestError, accounting_rows, load_contracts
from lea_spark.ingest.contract import load_contract
from tests import test_ingest_data as data
from tests.conftest import make_cfg

ARGS = argparse.Namespace(raw=None, contracts=None)


def _contract(tmp_path, base: dict, edit) -> str:
    c = copy.deepcopy(base)
    edit(c)
    path = data.write_yaml(tmp_path / "c" / "x.yaml", c)
    with pytest.raises(ContractError) as exc:
        load_contracts(path.parent)
    assert str(path) in str(exc.value)
    return str(exc.value)


def _drop(*keys):
    def edit(c):
        node = c
        for k in keys[:-1]:
            node = node[k]
        del node[keys[-1]]
    return edit


def _set(value, *keys):
    def edit(c):
        node = c
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return edit


@pytest.mark.parametrize("edit, message", [
    (_drop("key"), "key 'key': is missing"),
    (_set(["nobody"], "key"), "key 'key': ['nobody'] are not columns of persons"),
    (_drop("columns", "sex"), "key 'columns': canonical columns ['sex'] of persons are not given"),
    (_set({"source": "X", "type": "string"}, "columns", "shoe_size"),
     "key 'columns.shoe_size': is not a column of canonical table persons"),
    (_set("money", "columns", "sex", "type"), "key 'columns.sex.type': must be one of"),
    (_set("NOPE", "columns", "sex", "source"), "key 'columns.sex.source': native column 'NOPE' is not in files.columns"),
    (_set("nope", "canonical_table"), "key 'canonical_table': 'nope' is not a canonical table"),
    (_set("klingon-8", "files", "encoding"), "key 'files.encoding': unknown encoding 'klingon-8'"),
    (_set("xml", "files", "format"), "key 'files.format': must be one of csv, parquet"),
    (_drop("files", "columns"), "key 'files.columns': is missing"),
    (_set("[", "columns", "country_of_birth", "pattern"), "key 'columns.country_of_birth.pattern': not a valid"),
    (_set("^(?P<c>[0-9]{3})$", "columns", "country_of_birth", "pattern"),
     "key 'columns.country_of_birth.pattern': '^(?P<c>[0-9]{3})$': Python-style named group"),
    (_set("YYYYMMDD", "columns", "birth_date", "format"),
     "key 'columns.birth_date.format': 'YYYYMMDD': pattern letter 'Y' is not one of"),
    (_set("yyyymmdd", "columns", "birth_date", "format"),
     "key 'columns.birth_date.format': 'yyyymmdd': minutes (m) without hours (H) - did you mean the month (M)?"),
    (_set("ddMM", "columns", "birth_date", "format"), "key 'columns.birth_date.format': 'ddMM': a date pattern needs a year"),
    (_set("yesterday", "columns", "birth_date", "min"), "key 'columns.birth_date.min': must be a date"),
    (_set({"type": "string"}, "columns", "sex"), "key 'columns.sex': give exactly one of source, expr or value"),
    (_set(1, "columns", "sex", "colour"), "key 'columns.sex.colour': unknown key"),
    (_set("int", "columns", "birth_date", "type"), "key 'columns.birth_date.type': type int cannot feed"),
])
def test_contract_errors_name_file_and_key(tmp_path, edit, message):
    assert message in _contract(tmp_path, data.PERSONS, edit)


def test_patterns_are_checked_by_the_jvm_that_runs_them(spark, tmp_path):
    """Java's regular expressions are what `rlike` runs: a pattern Python cannot judge is
    compiled by the JVM before ingest reads anything; the error names the file and key."""
    from lea_spark.ingest.contract import check_patterns_jvm

    def contract(pattern):
        c = dict(data.PERSONS, columns=dict(data.PERSONS["columns"]))
        c["columns"]["country_of_birth"] = dict(c["columns"]["country_of_birth"], pattern=pattern)
        return load_contract(data.write_yaml(tmp_path / "persons.yaml", c))

    jvm = spark.sparkContext._jvm
    check_patterns_jvm([contract(r"^\p{Lu}{2}$")], jvm)  # Java syntax Python's re lacks: accepted
    bad = contract(r"^\p{Lu{2}$")
    with pytest.raises(ContractError) as exc:
        check_patterns_jvm([bad], jvm)
    assert str(exc.value).startswith(f"{bad.path}: key 'columns.country_of_birth.pattern': not a valid (Java) "
                                     "regular expression:")


def test_duplicate_register_names_are_refused(tmp_path):
    data.write_yaml(tmp_path / "a.yaml", data.PERSONS)
    data.write_yaml(tmp_path / "b.yaml", data.PERSONS)
    with pytest.raises(ContractError, match="'dvv_persons' is already used by"):
        load_contracts(tmp_path)


def _run(tmp_path, env_key=data.KEY, monkeypatch=None):
    cfg = make_cfg(tmp_path, **{"ingest.contracts": str(tmp_path / "contracts")})
    if env_key is None:
        monkeypatch.delenv("LEA_PSEUDONYM_KEY", raising=False)
    else:
        monkeypatch.setenv("LEA_PSEUDONYM_KEY", env_key)
    from lea_spark.jobs import ingest

    return ingest.run(cfg, ARGS)


def test_missing_files_fail_the_run_naming_register_and_pattern(tmp_path, monkeypatch):
    data.write_raw(tmp_path / "raw")
    data.write_contracts(tmp_path / "contracts")
    for f in (tmp_path / "raw" / "kela").iterdir():
        f.unlink()
    with pytest.raises(IngestError) as exc:
        _run(tmp_path, monkeypatch=monkeypatch)
    assert "register kela_toimeentulotuki: no file matches files.pattern 'kela/toimeentulotuki_*.csv'" in str(exc.value)
    assert not (tmp_path / "lakehouse").exists()


@pytest.mark.parametrize("replacement, shown", [
    # a header: shown whole, the misspelt name among the others
    (b"lapset,", "(the file has: ['lapset', 'henkilotunnus', 'selite', 'kuukausi', 'maara_senttia'])"),
    # a field that is no column name: only the contract's columns are named
    (b"2,", "(its first line names the contract's column(s) ['henkilotunnus', 'kuukausi', 'maara_senttia'] "
            "and 2 other field(s), not shown)"),
])
def test_missing_csv_column_fails_naming_file_and_column(tmp_path, monkeypatch, replacement, shown):
    data.write_raw(tmp_path / "raw")
    data.write_contracts(tmp_path / "contracts")
    f = tmp_path / "raw" / "kela" / "toimeentulotuki_2.csv"
    f.write_bytes(f.read_bytes().replace(b"lapsia,", replacement, 1))
    with pytest.raises(IngestError) as exc:
        _run(tmp_path, monkeypatch=monkeypatch)
    assert "file kela/toimeentulotuki_2.csv lacks column(s) ['lapsia']" in str(exc.value)
    assert shown in str(exc.value) and "header line" not in str(exc.value)


def test_file_without_its_header_line_fails_without_showing_the_first_record(tmp_path, monkeypatch):
    data.write_raw(tmp_path / "raw")
    data.write_contracts(tmp_path / "contracts")
    f = tmp_path / "raw" / "kela" / "toimeentulotuki_1.csv"
    f.write_bytes(f.read_bytes().split(b"\r\n", 1)[1])  # delivered without its header line
    first = data.SOCIAL_LINES_1[0][0].decode()
    with pytest.raises(IngestError) as exc:
        _run(tmp_path, monkeypatch=monkeypatch)
    message = str(exc.value)
    assert "file kela/toimeentulotuki_1.csv lacks column(s) ['henkilotunnus', 'kuukausi'" in message
    assert "its first line names none of the contract's columns and 5 other field(s), not shown" in message
    assert "is the file missing its header line (files.header)?" in message
    # The first line is a data record: none of its values (an identity code among them) is shown.
    # (The contract's path, under pytest's temporary directory, can hold digits: only the rest.)
    shown = message.replace(str(tmp_path / "contracts"), "<contracts>")
    for value in first.split(","):
        assert value not in shown
    assert data.P1 not in message


def test_missing_parquet_column_fails_naming_file_and_column(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    data.write_raw(tmp_path / "raw")
    data.write_contracts(tmp_path / "contracts")
    f = tmp_path / "raw" / "etk" / "elakkeet_2022.parquet"
    pq.write_table(pq.read_table(f).drop_columns(["alkamispv"]), f)
    with pytest.raises(IngestError) as exc:
        _run(tmp_path, monkeypatch=monkeypatch)
    assert "register etk_elakkeet: file etk/elakkeet_2022.parquet lacks column(s) ['alkamispv']" in str(exc.value)


def test_refuses_to_run_without_the_pseudonymisation_key(tmp_path, monkeypatch):
    data.write_raw(tmp_path / "raw")
    data.write_contracts(tmp_path / "contracts")
    with pytest.raises(ConfigError) as exc:
        _run(tmp_path, env_key=None, monkeypatch=monkeypatch)
    assert "the key environment variable LEA_PSEUDONYM_KEY is not set" in str(exc.value)
    assert "dvv_persons" in str(exc.value)


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["f1", "f2", "f3"]),
                          st.sampled_from([None, "wrong_type", "unknown_code"]), st.integers(0, 50)), max_size=20))
def test_accounting_rows_balance(counts):
    files = {"a": ["f1", "f2"], "b": ["f3"]}
    counts = [c for c in counts if c[1] in files[c[0]]]
    rows = accounting_rows(counts, files, "run")
    for reg, names in files.items():
        for f in names:
            mine = [r for r in rows if r[0] == reg and r[1] == f]
            assert mine, "every file read has an accounting row"
            read, accepted, quarantined = mine[0][2:5]
            assert read == accepted + quarantined == sum(c[3] for c in counts if c[:2] == (reg, f))
            assert quarantined == sum(r[6] for r in mine)


def test_a_failed_run_removes_its_staging(tmp_path, monkeypatch):
    """Validated rows are staged under the lake; a run that fails after staging some of them
    leaves none behind."""
    import lea_spark.lake as lake_mod

    data.write_raw(tmp_path / "raw")
    data.write_contracts(tmp_path / "contracts")
    seen = []

    def failing_write(cfg, df, name, mode="overwrite", **kw):
        seen.extend(p.name for p in (tmp_path / "lakehouse" / "_staging").glob("ingest-*/*"))
        raise RuntimeError("the lake refused the write")

    monkeypatch.setattr(lake_mod, "write_table", failing_write)
    with pytest.raises(RuntimeError, match="the lake refused the write"):
        _run(tmp_path, monkeypatch=monkeypatch)
    assert seen                                   # something was staged before the failure
    assert not (tmp_path / "lakehouse" / "_staging").exists()
