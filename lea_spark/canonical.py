"""The canonical register model: the schema of every ``bronze.*`` table.

Ingest maps each register's own columns and codes (described by its contract in
``conf/registers/*.yaml``) onto these tables; everything downstream reads only these.
Persons are keyed by ``person_id``, a pseudonymous keyed hash (64 hex characters), never
a raw personal identity code; ingest stores its 64-bit join key and fingerprint
(``person_key, person_chk``: :mod:`lea_spark.joinkeys`) beside it. Dates are ``date``; money
is euros as ``double``.

Code lists used in canonical columns (the contracts translate native codes to these):

* ``sex``: ``1`` male, ``2`` female (as DVV / FOLK).
* ``language``: ISO 639-1 code of the mother tongue (``fi``, ``sv``, ``se``, ``ru``, ``et``,
  ``ar``, ``so``, ``en``, ``fa``, ``ku``, ``sq``, ``vi``, ``zh``, ``th``, ... ``xx`` unknown).
* ``relation_type`` (``relative_id`` is the ... of ``person_id``): ``mother``, ``father``,
  ``adoptive_mother``, ``adoptive_father``.
* ``partnership_type``: ``married``, ``registered``.
* ``income_type``: Incomes Register transaction codes (``201`` time-rate pay ... ) and
  benefit codes as in the contract.
* ``employment_type``: ``employee``, ``self_employed``.
* ``benefit_type`` (unemployment): Kela ``FM`` labour-market subsidy, ``FP`` basic daily
  allowance, ``KASSA`` earnings-related allowance paid by a fund.
* ``pension_type``: ETK ``elakelaji_alkuper`` codes: ``0`` full disability, ``2`` partial
  disability, ``0K`` rehabilitation subsidy, ``5`` old-age, ``81``/``82``/``83`` survivors'.
* ``isced_level``: ISCED 2011 level 0-8 (first digit of the 6-digit degree code).
* ``service_type`` (social care): ``CW_OPEN`` child-welfare open care, ``CW_PLACEMENT``
  child-welfare placement, ``FAMILY_WORK``, ``HOME_SERVICE``, ``SUBSTANCE_SERVICE``,
  ``ADULT_SOCIAL_WORK``, ``DISABILITY_SERVICE``.
* ``profession_code`` (primary care): Statistics Finland occupations 2001, e.g. ``2221``
  physician, ``2222`` dentist, ``3231`` nurse, ``3232`` public-health nurse, ``2445``
  psychologist.
"""
from __future__ import annotations

from lea_spark.joinkeys import PERSON_CHK, PERSON_KEY

# Table name -> Spark DDL of its columns (order is the contract). Ingest adds the metadata
# columns of INGEST_METADATA to every bronze table.
BRONZE_SCHEMAS: dict[str, str] = {
    "persons": (
        "person_id string, birth_date date, death_date date, sex string, language string, "
        "country_of_birth string"
    ),
    "relations": "person_id string, relative_id string, relation_type string",
    "partnerships": (
        "person_id string, partner_id string, partnership_type string, start_date date, end_date date"
    ),
    "residences": (
        "person_id string, dwelling_id string, municipality_code string, postal_code string, "
        "start_date date, end_date date"
    ),
    "earnings": (
        "person_id string, payment_month date, income_type string, amount_eur double, "
        "employment_type string, occupation_code string"
    ),
    "social_assistance": (
        "person_id string, benefit_month date, amount_eur double, household_children int"
    ),
    "housing_allowance": (
        "person_id string, benefit_month date, amount_eur double, household_size int"
    ),
    "unemployment": (
        "person_id string, benefit_type string, start_date date, end_date date, paid_days int"
    ),
    "pensions": "person_id string, pension_type string, start_date date, end_date date",
    "degrees": (
        "person_id string, degree_code string, isced_level int, field_code string, completion_date date"
    ),
    "care_episodes": (
        "episode_id string, person_id string, admission_date date, discharge_date date, "
        "specialty string, main_diagnosis string, secondary_diagnosis string, external_cause string"
    ),
    "social_care_episodes": (
        "episode_id string, person_id string, start_date date, end_date date, service_type string"
    ),
    "primary_care_visits": (
        "visit_id string, person_id string, visit_date date, profession_code string, "
        "icd10 string, icpc2 string"
    ),
}

# Columns ingest writes after the canonical ones in every table with ``person_id``: its 64-bit
# join key and fingerprint (lea_spark.joinkeys), so that later jobs join on integers.
PERSON_KEYS = f"{PERSON_KEY} bigint, {PERSON_CHK} bigint"

# Columns every bronze table carries in addition to its canonical columns.
INGEST_METADATA = "source_file string, source_row long, ingested_at timestamp, ingest_run_id string"


def bronze_ddl(table: str, metadata: str = INGEST_METADATA) -> str:
    """The DDL of ``bronze.<table>`` as ingest writes it: canonical columns, the person keys
    (when the table has ``person_id``) and ``metadata``."""
    names = [part.split()[0] for part in BRONZE_SCHEMAS[table].split(",")]
    keys = [PERSON_KEYS] if "person_id" in names else []
    return ", ".join([BRONZE_SCHEMAS[table], *keys, metadata])

QUARANTINE_SCHEMA = (
    "register string, source_file string, source_row long, rule string, reason string, "
    "raw_record string, ingested_at timestamp, ingest_run_id string"
)


def schema_of(table: str):
    """The canonical Spark schema (StructType) of ``bronze.<table>`` without metadata."""
    from pyspark.sql.types import StructType

    return StructType.fromDDL(BRONZE_SCHEMAS[table])
