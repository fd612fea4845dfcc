"""Tiny hand-built register extracts and contracts for the ingest tests.

Three layouts as agencies deliver them: a headerless ';' latin-1 DVV-like CSV with
YYYYMMDD dates, UTF-8 CSV files with a header (two files, columns in different order,
CRLF line ends) and a Parquet file. Every faulty row is listed with the rule it must get.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from lea_spark.identity import make_hetu

KEY = "test-key-for-ingest"

P1 = make_hetu(dt.date(1980, 1, 1), 901)
P2 = make_hetu(dt.date(1985, 6, 15), 902)
P3 = make_hetu(dt.date(2012, 3, 3), 903)
P4 = make_hetu(dt.date(2015, 12, 31), 904)
P5 = make_hetu(dt.date(1990, 7, 20), 905)
BAD_CHECK = P5[:-1] + ("A" if P5[-1] != "A" else "B")
PSEUDO = "ab" * 32

PERSONS = {
    "register": "dvv_persons",
    "canonical_table": "persons",
    "description": "DVV-like population extract",
    "files": {"pattern": "dvv/*_henkilot.txt", "format": "csv", "delimiter": ";", "encoding": "latin-1",
              "header": False, "columns": ["HETU", "SYNTYMAPV", "KUOLINPV", "SUKUP", "KIELI", "MAA", "KOTIKUNTA_NIMI"]},
    "key": ["person_id"],
    "columns": {
        "person_id": {"source": "HETU", "type": "person_code"},
        "birth_date": {"source": "SYNTYMAPV", "type": "date", "format": "yyyyMMdd",
                       "min": "1900-01-01", "max": "2030-12-31"},
        "death_date": {"source": "KUOLINPV", "type": "date", "format": "yyyyMMdd", "nullable": True},
        "sex": {"source": "SUKUP", "type": "string", "codes": {"1": "1", "2": "2"}},
        "language": {"source": "KIELI", "type": "string", "codes": {"FI": "fi", "SV": "sv", "RU": "ru"}},
        "country_of_birth": {"source": "MAA", "type": "string", "pattern": "^[0-9]{3}$", "nullable": True},
    },
}

# (line, fields or raw text, expected rule or None)
PERSON_LINES = [
    (f"{P1};19800101;;1;FI;246;Ähtäri", None),
    (f"{P2};19850615;20210301;2;SV;246;Närpiö", None),
    ("123;19900101;;1;FI;246;Oulu", "malformed_person_code"),
    (f"{BAD_CHECK};19900720;;1;FI;246;Oulu", "invalid_check_character"),
    (f"{P3};20120303;;;FI;246;Oulu", "missing_value"),
    (f"{P3};20120231;;1;FI;246;Oulu", "invalid_date"),
    (f"{P3};18500303;;1;FI;246;Oulu", "date_out_of_range"),
    (f"{P3};20120303;;3;FI;246;Oulu", "unknown_code"),
    (f"{P3};20120303;;1;FI;24X;Oulu", "pattern_mismatch"),
    (f"{P3};20120303;;1", "truncated_line"),
    (f"{P1};19800101;;1;FI;246;Ähtäri", "duplicate_key"),
    (f"{PSEUDO};20000101;;2;RU;643;Ähtäri", None),
    (f"{P4};20151231;;2;FI;246;Oulu;extra", "truncated_line"),
    (f"{P4};20151231;;9;FI;246;xx", "unknown_code"),
    (f"{P4};20151331;;9;FI;246;xx", "invalid_date"),  # two faults: the first in RULE_ORDER wins
    (f"{P3};20120303;;1;fi;246;Oulu", "unknown_code"),  # codes are case sensitive
    (f"{P4};20151231;;2;FI;;Oulu", None),
    (f"{P4};20151231;;2;FI;{P2};Oulu", "pattern_mismatch"),  # a code in another column: masked in the reason too
]

SOCIAL = {
    "register": "kela_toimeentulotuki",
    "canonical_table": "social_assistance",
    "files": {"pattern": "kela/toimeentulotuki_*.csv", "format": "csv", "delimiter": ",", "encoding": "utf-8",
              "header": True},
    "key": ["person_id", "benefit_month"],
    "columns": {
        "person_id": {"source": "henkilotunnus", "type": "person_code"},
        "benefit_month": {"source": "kuukausi", "type": "date", "format": "yyyy-MM"},
        "amount_eur": {"source": "maara_senttia", "type": "double", "scale": 0.01, "min": 0},
        "household_children": {"source": "lapsia", "type": "int", "min": 0, "max": 20},
    },
}
SOCIAL_HEADER_1 = "henkilotunnus,kuukausi,maara_senttia,lapsia,selite"
SOCIAL_LINES_1 = [
    (f"{P1},2022-01,45000,2,perustoimeentulotuki".encode(), None),
    (f"{P2},2022-01,12050,0,täydentävä".encode(), None),
    (f"{P2},2022-02,100,1,".encode() + b"\xff\xfe bad", "bad_encoding"),
    (f"{P3},2022-02,100,kaksi,x".encode(), "wrong_type"),
    (f"{P3},2022-03,-500,1,x".encode(), "out_of_range"),
    (f'{P3},2022-04,250,1,"a, b ja c"'.encode(), None),
    (f"{P3},2022-05,250,25,x".encode(), "out_of_range"),
    (f"{P3},2022-13,250,1,x".encode(), "invalid_date"),
]
SOCIAL_HEADER_2 = "lapsia,henkilotunnus,selite,kuukausi,maara_senttia"
SOCIAL_LINES_2 = [
    (f"3,{P1},x,2022-02,30000".encode(), None),
    (f"3,{P1},y,2022-02,30000".encode(), "duplicate_key"),
    (f"1,{P1},x,2022-03,".encode(), "missing_value"),
]

PENSIONS = {
    "register": "etk_elakkeet",
    "canonical_table": "pensions",
    "files": {"pattern": "etk/*.parquet", "format": "parquet"},
    "key": ["person_id", "pension_type", "start_date"],
    "columns": {
        "person_id": {"source": "hetu", "type": "person_code"},
        "pension_type": {"source": "elakelaji_alkuper", "type": "string", "codes": ["0", "2", "0K", "5"]},
        "start_date": {"source": "alkamispv", "type": "date"},
        "end_date": {"source": "paattymispv", "type": "date", "format": "dd/MM/yyyy", "nullable": True},
    },
}
PENSION_ROWS = [
    ((P1, "0", dt.date(2019, 1, 1), "31/12/2021"), None),
    ((P2, "Z", dt.date(2019, 1, 1), None), "unknown_code"),
    ((P2, "2", dt.date(2019, 1, 1), "31/02/2021"), "invalid_date"),
    ((P2, "0K", dt.date(2020, 5, 1), None), None),
    ((P1, "0", dt.date(2019, 1, 1), "31/12/2021"), "duplicate_key"),
    ((P3, "5", None, None), "missing_value"),
]


def write_yaml(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_raw(raw: Path) -> dict[tuple[str, int], str | None]:
    """Write the three registers under ``raw``; return {(source_file, source_row): rule}."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    expected: dict[tuple[str, int], str | None] = {}
    (raw / "dvv").mkdir(parents=True, exist_ok=True)
    text = "\n".join(line for line, _ in PERSON_LINES) + "\n"
    (raw / "dvv" / "2022_henkilot.txt").write_bytes(text.encode("latin-1"))
    for i, (_, rule) in enumerate(PERSON_LINES, start=1):
        expected[("dvv/2022_henkilot.txt", i)] = rule

    (raw / "kela").mkdir(parents=True, exist_ok=True)
    for name, header, lines in (("toimeentulotuki_1.csv", SOCIAL_HEADER_1, SOCIAL_LINES_1),
                                ("toimeentulotuki_2.csv", SOCIAL_HEADER_2, SOCIAL_LINES_2)):
        body = b"\r\n".join([header.encode()] + [line for line, _ in lines]) + b"\r\n"
        (raw / "kela" / name).write_bytes(body)
        for i, (_, rule) in enumerate(lines, start=2):
            expected[(f"kela/{name}", i)] = rule

    (raw / "etk").mkdir(parents=True, exist_ok=True)
    cols = list(zip(*[r for r, _ in PENSION_ROWS]))
    table = pa.table({"hetu": pa.array(cols[0], pa.string()), "elakelaji_alkuper": pa.array(cols[1], pa.string()),
                      "alkamispv": pa.array(cols[2], pa.date32()), "paattymispv": pa.array(cols[3], pa.string())})
    pq.write_table(table, raw / "etk" / "elakkeet_2022.parquet")
    for i, (_, rule) in enumerate(PENSION_ROWS, start=1):
        expected[("etk/elakkeet_2022.parquet", i)] = rule

    # Not a register: ingest must ignore it.
    (raw / "_manifest").mkdir(parents=True, exist_ok=True)
    (raw / "_manifest" / "files.parquet").write_bytes(b"not read")
    return expected


def write_contracts(directory: Path) -> Path:
    write_yaml(directory / "dvv_persons.yaml", PERSONS)
    write_yaml(directory / "kela_toimeentulotuki.yaml", SOCIAL)
    write_yaml(directory / "etk_elakkeet.yaml", PENSIONS)
    return directory
