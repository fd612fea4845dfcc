"""Each agency's own file layout: native column names, codes, date formats and file split.

A :class:`Layout` names the register (as in its contract ``conf/registers/<register>.yaml``),
the format, the native columns in file order and which column each kind of injected fault
goes into. ``build_<register>`` functions turn the canonical-like event frames into native
columns (strings for CSV, typed values for Parquet) plus ``_file`` (path relative to the raw
directory) and the ordering keys ``_k1, _k2`` that fix the row order inside each file.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lea_spark.generate.params import GenParams

# Synthetic code list of this Social Hilmo extract (the real lists are unverified, see
# REGISTER_VARIABLES.md section 7): PALA -> canonical service type.
SOSHILMO_PALA = {"71": "CW_OPEN", "72": "CW_PLACEMENT", "73": "FAMILY_WORK", "74": "HOME_SERVICE",
                 "75": "SUBSTANCE_SERVICE", "76": "ADULT_SOCIAL_WORK", "77": "DISABILITY_SERVICE"}


@dataclass(frozen=True)
class Layout:
    register: str
    format: str                        # csv | parquet
    columns: tuple[str, ...]
    delimiter: str = ";"
    encoding: str = "latin-1"
    header: bool = False
    faults: dict = field(default_factory=dict)   # rule -> native column (None: whole row)
    bad_values: dict = field(default_factory=dict)  # rule -> replacement text
    # Files split by person: ``person_parts`` x scale parts (at least one), part = ``_part(person_key, n)``.
    # The generator builds such a register from persons partitioned by part and ordered by key,
    # and the writer streams its rows without a shuffle or a sort (see ``writer.py``).
    person_parts: float = 0.0

    @property
    def streamed(self) -> bool:
        return self.person_parts > 0

    def part_count(self, p: GenParams) -> int:
        """How many person parts the files of this register are split into at ``p.scale``."""
        if self.person_parts <= 0:
            raise ValueError(f"{self.register}: files are not split by person")
        return _parts(p.scale, self.person_parts)


_DATE_FIELDS = {"yyyy": F.year, "MM": F.month, "dd": F.dayofmonth}
_WIDTH = {"yyyy": 4, "MM": 2, "dd": 2}


def zero_pad(col, width: int) -> Column:
    """An integer as text left-padded with zeros to ``width`` (as ``lpad(cast(x as string),
    width, '0')``). Values of 0..99, and of 1900..2099 for width 4, take their text from a
    constant array: ``lpad`` and the number-to-text cast build new strings on every row, and
    the event registers do it several times per row (a JFR profile found 10 % of the Incomes
    Register's samples in ``lpad``, docs/benchmarks.md)."""
    x = F.col(col) if isinstance(col, str) else col
    small = min(100, 10 ** width)
    out = F.when((x >= 0) & (x < small), F.element_at(F.array(*[F.lit(str(i).rjust(width, "0")) for i in range(small)]),
                                                      (x + 1).cast("int")))
    if width == 4:
        out = out.when((x >= 1900) & (x < 2100), F.element_at(F.array(*[F.lit(str(y)) for y in range(1900, 2100)]),
                                                              (x - 1899).cast("int")))
    return out.otherwise(F.lpad(x.cast("string"), width, "0"))


def _d(col, fmt: str) -> Column:
    """A date as text in ``fmt``. Patterns of ``yyyy``, ``MM``, ``dd`` and separators are built
    from the date's fields (the same text as ``date_format``, which builds a formatter call
    per row and was a large share of the cost of the event registers); others use
    ``date_format``."""
    c = F.col(col) if isinstance(col, str) else col
    tokens = re.findall(r"yyyy|MM|dd|[^yMd]+", fmt)
    if "".join(tokens) != fmt:
        return F.date_format(c, fmt)
    return F.concat(*[zero_pad(_DATE_FIELDS[t](c), _WIDTH[t]) if t in _DATE_FIELDS else F.lit(t) for t in tokens])


def _s(col) -> Column:
    return (F.col(col) if isinstance(col, str) else col).cast("string")


def _parts(scale: float, per_unit: float) -> int:
    return max(1, math.ceil(scale * per_unit))


def part_index(key: str, n: int) -> Column:
    """The person part (0 .. n-1) of a row: a hash of its person key."""
    return F.pmod(F.xxhash64(F.col(key)), F.lit(n))


def _part(key: str, n: int) -> Column:
    """The person part as text, "1" .. "n" (from a constant array: no number-to-text per row)."""
    return F.element_at(F.array(*[F.lit(str(i + 1)) for i in range(n)]), (part_index(key, n) + 1).cast("int"))


def _month_text(p: GenParams, idx: str, fmt: str, plus_days: int = 0) -> Column:
    """The text (``fmt``) of the first day of window month ``idx`` plus ``plus_days``, from a
    constant array of the window's months: the same text as ``_d`` of that date, without
    taking a date apart on each of the hundreds of millions of event rows."""
    py = fmt.replace("yyyy", "%Y").replace("MM", "%m").replace("dd", "%d")
    texts = [(d + dt.timedelta(days=plus_days)).strftime(py) for d in p.month_firsts()]
    return F.element_at(F.array(*[F.lit(t) for t in texts]), (F.col(idx) + 1).cast("int"))


PERSON_FAULTS = {"malformed_person_code": None, "invalid_check_character": None}


def _faults(person: str, **extra) -> dict:
    out = {"malformed_person_code": person, "invalid_check_character": person, "duplicate_key": None}
    out.update(extra)
    return out


# --- DVV -------------------------------------------------------------------------------
DVV_PERSONS = Layout(
    "dvv_persons", "csv",
    ("ID", "SEX", "BIRTH_DATE", "DEATH_DATE", "MOTHER_TONGUE", "COUNTRY_OF_BIRTH", "HOME_MUNICIPALITY"),
    faults=_faults("ID", unknown_code="SEX", invalid_date="BIRTH_DATE", date_out_of_range="BIRTH_DATE",
                   missing_value="MOTHER_TONGUE", truncated_line=None),
    bad_values={"unknown_code": "7", "invalid_date": "19850231", "date_out_of_range": "18500101"})


def build_dvv_persons(persons: DataFrame, p: GenParams) -> DataFrame:
    return persons.select(
        F.lit("dvv/FD_1096_DVV_tutkhenk_perustiedot.txt").alias("_file"), F.col("person_key").alias("_k1"),
        F.lit(0).cast("long").alias("_k2"),
        F.col("person_code").alias("ID"), F.col("sex").alias("SEX"), _d("birth_date", "yyyyMMdd").alias("BIRTH_DATE"),
        _d("death_date", "yyyyMMdd").alias("DEATH_DATE"), F.col("language").alias("MOTHER_TONGUE"),
        F.col("country_of_birth").alias("COUNTRY_OF_BIRTH"), F.col("municipality_code").alias("HOME_MUNICIPALITY"))


DVV_RELATIVES = Layout(
    "dvv_relatives", "csv",
    ("ID", "RELATIONSHIP", "HOW_KINSHIP_HAS_FORMED", "RELATIVE_ID", "RELATIVE_BIRTH_DATE", "RELATIVE_DEATH_DATE",
     "SEX", "MOTHER_TONGUE", "COUNTRY_OF_RESIDENCE", "COUNTRY_NAME", "EMIGRATION_DATE", "HOME_TOWN", "MUNICIPALITY_NAME"),
    faults=_faults("ID", unknown_code="RELATIONSHIP", truncated_line=None, missing_value="RELATIONSHIP"),
    bad_values={"unknown_code": "9x"})

RELATIONSHIP_CODES = {"mother": "3a", "father": "3i", "adoptive_mother": "6a", "adoptive_father": "6i"}


def build_dvv_relatives(rel: DataFrame, p: GenParams, names: DataFrame) -> DataFrame:
    code = F.when(F.col("relation_type") == "mother", "3a").when(F.col("relation_type") == "father", "3i") \
        .when(F.col("relation_type") == "adoptive_mother", "6a").otherwise("6i")
    df = rel.join(F.broadcast(names.withColumnRenamed("municipality_code", "relative_municipality")),
                  on="relative_municipality", how="left")
    return df.select(
        F.lit("dvv/FD_1096_DVV_tutkhenk_ja_sukulaiset.txt").alias("_file"), F.col("person_key").alias("_k1"),
        F.col("relative_key").alias("_k2"),
        F.col("person_code").alias("ID"), code.alias("RELATIONSHIP"),
        F.when(F.col("kind") == "adoptive", F.lit("A")).otherwise(F.lit("S")).alias("HOW_KINSHIP_HAS_FORMED"),
        F.col("relative_code").alias("RELATIVE_ID"), _d("relative_birth_date", "yyyyMMdd").alias("RELATIVE_BIRTH_DATE"),
        _d("relative_death_date", "yyyyMMdd").alias("RELATIVE_DEATH_DATE"), F.col("relative_sex").alias("SEX"),
        F.col("relative_language").alias("MOTHER_TONGUE"), F.lit("246").alias("COUNTRY_OF_RESIDENCE"),
        F.lit("Suomi").alias("COUNTRY_NAME"), F.lit(None).cast("string").alias("EMIGRATION_DATE"),
        F.col("relative_municipality").alias("HOME_TOWN"), F.col("name_fi").alias("MUNICIPALITY_NAME"))


DVV_MARRIAGES = Layout(
    "dvv_marriages", "csv",
    ("ID", "CURRENT_MARITAL_STATUS", "SPOUSE_ID", "SPOUSE_NOT_IN_SYSTEM", "ORDER_NO", "START_DATE", "END_DATE",
     "ENDING_REASON"),
    faults=_faults("ID", unknown_code="CURRENT_MARITAL_STATUS", invalid_date="START_DATE",
                   date_out_of_range="START_DATE", missing_value="START_DATE"),
    bad_values={"unknown_code": "0", "invalid_date": "20100230", "date_out_of_range": "18800101"})


def build_dvv_marriages(part: DataFrame, p: GenParams) -> DataFrame:
    return part.select(
        F.lit("dvv/FD_1096_DVV_tutkhenk_aviohist.txt").alias("_file"), F.col("person_key").alias("_k1"),
        F.col("partner_key").alias("_k2"),
        F.col("person_code").alias("ID"), F.col("status").alias("CURRENT_MARITAL_STATUS"),
        F.col("partner_code").alias("SPOUSE_ID"), F.lit("0").alias("SPOUSE_NOT_IN_SYSTEM"),
        _s("order_no").alias("ORDER_NO"), _d("start_date", "yyyyMMdd").alias("START_DATE"),
        _d("end_date", "yyyyMMdd").alias("END_DATE"), F.col("ending_reason").alias("ENDING_REASON"))


DVV_RESIDENCES = Layout(
    "dvv_residences", "csv",
    ("ID", "RESIDENCE_TYPE", "START_OF_RESIDENCE", "END_OF_RESIDENCE", "MUNICIPALITY", "MUNICIPALITY_NAME",
     "BUILDING_ID", "RESIDENCE_CODE", "POST_CODE", "LATITUDE", "LONGITUDE"),
    faults=_faults("ID", invalid_date="START_OF_RESIDENCE", date_out_of_range="START_OF_RESIDENCE",
                   missing_value="MUNICIPALITY", truncated_line=None),
    bad_values={"invalid_date": "20190931", "date_out_of_range": "17990101"})


def build_dvv_residences(res: DataFrame, p: GenParams, names: DataFrame, coords: DataFrame) -> DataFrame:
    n = _parts(p.scale, 20)
    df = (res.join(F.broadcast(names), on="municipality_code", how="left")
          .join(F.broadcast(coords), on="postal_code", how="left"))
    building = F.lpad(F.col("dwelling_key").cast("string"), 15, "0")
    residence_code = F.concat(F.substring(F.lit("ABCDEFGH"), (F.pmod(F.col("dwelling_key"), F.lit(8)) + 1).cast("int"), 1),
                              F.lpad(F.pmod(F.xxhash64("dwelling_key"), F.lit(120)).cast("string"), 3, "0"))
    return df.select(
        F.concat(F.lit("dvv/FD_1096_DVV_tutkhenk_asuinhist_"), _part("person_key", n), F.lit(".txt")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("k").cast("long").alias("_k2"),
        F.col("person_code").alias("ID"), F.lit("1").alias("RESIDENCE_TYPE"),
        _d("start_date", "yyyyMMdd").alias("START_OF_RESIDENCE"), _d("end_date", "yyyyMMdd").alias("END_OF_RESIDENCE"),
        F.col("municipality_code").alias("MUNICIPALITY"), F.col("name_fi").alias("MUNICIPALITY_NAME"),
        building.alias("BUILDING_ID"), residence_code.alias("RESIDENCE_CODE"), F.col("postal_code").alias("POST_CODE"),
        F.format_number(F.col("lat"), 5).alias("LATITUDE"), F.format_number(F.col("lon"), 5).alias("LONGITUDE"))


# --- Kela ------------------------------------------------------------------------------
KELA_SOCIAL_ASSISTANCE = Layout(
    "kela_social_assistance", "csv",
    ("HETU", "MAKSUKUUKAUSI", "PERUSTOIMEENTULOTUKI_EUR", "LAPSIA", "KUNTA", "KUNTA_NIMI"),
    encoding="utf-8", header=True,
    faults=_faults("HETU", invalid_date="MAKSUKUUKAUSI", date_out_of_range="MAKSUKUUKAUSI",
                   wrong_type="PERUSTOIMEENTULOTUKI_EUR", missing_value="PERUSTOIMEENTULOTUKI_EUR",
                   truncated_line=None, bad_encoding="KUNTA_NIMI"),
    bad_values={"invalid_date": "202113", "date_out_of_range": "199001", "wrong_type": "4O5.20"})


def build_kela_social_assistance(df: DataFrame, p: GenParams, persons_muni: DataFrame, names: DataFrame) -> DataFrame:
    df = df.join(persons_muni, on="person_key", how="left").join(F.broadcast(names), on="municipality_code", how="left")
    return df.select(
        F.concat(F.lit("kela/perustoimeentulotuki_"), F.year("benefit_month").cast("string"), F.lit(".csv")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("month_idx").cast("long").alias("_k2"),
        F.col("person_code").alias("HETU"), _d("benefit_month", "yyyyMM").alias("MAKSUKUUKAUSI"),
        F.format_string("%.2f", F.col("amount_eur")).alias("PERUSTOIMEENTULOTUKI_EUR"),
        _s("household_children").alias("LAPSIA"), F.col("municipality_code").alias("KUNTA"),
        F.col("name_fi").alias("KUNTA_NIMI"))


KELA_HOUSING_ALLOWANCE = Layout(
    "kela_housing_allowance", "parquet",
    ("hetu", "maksukuukausi", "asumistuki_eur", "ruokakunnan_koko"),
    faults=_faults("hetu", invalid_date="maksukuukausi", date_out_of_range="maksukuukausi", missing_value="asumistuki_eur"),
    bad_values={"invalid_date": "2021-02-30", "date_out_of_range": "1970-01-01"})


def build_kela_housing_allowance(df: DataFrame, p: GenParams) -> DataFrame:
    return df.select(
        F.concat(F.lit("kela/yleinen_asumistuki_"), F.year("benefit_month").cast("string"), F.lit(".parquet")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("month_idx").cast("long").alias("_k2"),
        F.col("person_code").alias("hetu"), _d("benefit_month", "yyyy-MM-dd").alias("maksukuukausi"),
        F.col("amount_eur").alias("asumistuki_eur"), F.col("household_size").cast("int").alias("ruokakunnan_koko"))


KELA_UNEMPLOYMENT = Layout(
    "kela_unemployment", "csv",
    ("HETU", "ETUUS", "ALKUPVM", "LOPPUPVM", "MAKSETUT_PAIVAT", "TYYPPI"), header=True,
    faults=_faults("HETU", unknown_code="ETUUS", invalid_date="ALKUPVM", date_out_of_range="ALKUPVM",
                   wrong_type="MAKSETUT_PAIVAT", missing_value="ALKUPVM", truncated_line=None),
    bad_values={"unknown_code": "QX", "invalid_date": "31.04.2020", "date_out_of_range": "01.01.1960",
                "wrong_type": "2l"})


def build_kela_unemployment(df: DataFrame, p: GenParams) -> DataFrame:
    return df.select(
        F.concat(F.lit("kela/tyottomyysturva_"), F.year("start_date").cast("string"), F.lit(".csv")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("month_idx").cast("long").alias("_k2"),
        F.col("person_code").alias("HETU"), F.col("benefit_type").alias("ETUUS"),
        _d("start_date", "dd.MM.yyyy").alias("ALKUPVM"), _d("end_date", "dd.MM.yyyy").alias("LOPPUPVM"),
        _s("paid_days").alias("MAKSETUT_PAIVAT"),
        F.when(F.col("benefit_type") == "KASSA", F.lit("ULKOINEN")).otherwise(F.lit("PU")).alias("TYYPPI"))


# --- ETK -------------------------------------------------------------------------------
ETK_PENSIONS = Layout(
    "etk_pensions", "csv",
    ("id", "elakelaji_alkuper", "aineisto", "alkamispvm", "paattymispvm"), header=True,
    faults=_faults("id", unknown_code="elakelaji_alkuper", invalid_date="alkamispvm", date_out_of_range="alkamispvm",
                   missing_value="alkamispvm", truncated_line=None),
    bad_values={"unknown_code": "Z9", "invalid_date": "30/02/2019", "date_out_of_range": "01/01/1890"})


def build_etk_pensions(df: DataFrame, p: GenParams) -> DataFrame:
    return df.select(
        F.lit(f"etk/etk_elake_2005_{p.reference_date.year}.csv").alias("_file"), F.col("person_key").alias("_k1"),
        F.xxhash64("pension_type").alias("_k2"),
        F.col("person_code").alias("id"), F.col("pension_type").alias("elakelaji_alkuper"), F.lit("35").alias("aineisto"),
        _d("start_date", "dd/MM/yyyy").alias("alkamispvm"), _d("end_date", "dd/MM/yyyy").alias("paattymispvm"))


# --- Statistics Finland / Tax Administration (Parquet) ----------------------------------
DEGREES = Layout(
    "sf_degrees", "parquet",
    ("hetu", "koulk", "kaste_t1", "iscfi2013", "saika"),
    faults=_faults("hetu", invalid_date="saika", date_out_of_range="saika", missing_value="koulk"),
    bad_values={"invalid_date": "201913", "date_out_of_range": "180001"})


def build_degrees(df: DataFrame, p: GenParams) -> DataFrame:
    return df.select(
        F.lit(f"tilastokeskus/tutkinnot_{p.reference_date.year}.parquet").alias("_file"), F.col("person_key").alias("_k1"),
        F.col("isced_level").cast("long").alias("_k2"),
        F.col("person_code").alias("hetu"), F.col("degree_code").alias("koulk"), _s("isced_level").alias("kaste_t1"),
        F.col("field_code").alias("iscfi2013"), _d("completion_date", "yyyyMM").alias("saika"))


INCOMES = Layout(
    "tax_incomes_register", "parquet",
    ("incomeEarnerId", "paymentDate", "transactionCode", "amount", "pensionActCode", "professionCode1"),
    faults=_faults("incomeEarnerId", unknown_code="pensionActCode", invalid_date="paymentDate",
                   date_out_of_range="paymentDate", missing_value="transactionCode"),
    bad_values={"unknown_code": "9", "invalid_date": "2020-06-31", "date_out_of_range": "1960-01-15"},
    person_parts=16)


def build_incomes(df: DataFrame, p: GenParams) -> DataFrame:
    n = INCOMES.part_count(p)
    return df.select(
        F.concat(F.lit("tulorekisteri/tulorekisteri_palkat_"), _month_text(p, "month_idx", "yyyyMM"), F.lit("_"),
                 _part("person_key", n), F.lit(".parquet")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("income_type").cast("long").alias("_k2"),
        F.col("person_code").alias("incomeEarnerId"), _month_text(p, "month_idx", "yyyy-MM-dd", 14).alias("paymentDate"),
        F.col("income_type").alias("transactionCode"), F.col("amount_eur").alias("amount"),
        F.when(F.col("employment_type") == "self_employed", F.lit("2")).otherwise(F.lit("1")).alias("pensionActCode"),
        F.col("occupation_code").alias("professionCode1"))


# --- THL -------------------------------------------------------------------------------
THL_TS = "dd.MM.yyyy HH:mm"

HILMO = Layout(
    "thl_hilmo", "csv",
    ("HILMO_ID", "TNRO", "VUOSI", "PALTU", "EA", "TUPVA", "LPVM", "PDG", "SDG1", "ULKSYY", "KOKU"), header=True,
    faults=_faults("TNRO", invalid_date="TUPVA", date_out_of_range="TUPVA", missing_value="PDG", truncated_line=None),
    bad_values={"invalid_date": "31.02.2021 10:00", "date_out_of_range": "01.01.1850 00:00"})


def _ts(date_col: str, hour: Column) -> Column:
    return F.concat(_d(date_col, "dd.MM.yyyy"), F.lit(" "), zero_pad(hour, 2), F.lit(":00"))


def build_hilmo(df: DataFrame, p: GenParams) -> DataFrame:
    n = _parts(p.scale, 2)
    return df.select(
        F.concat(F.lit("thl/THL2023_1096_HILMO_"), F.year("admission_date").cast("string"), F.lit("_"),
                 _part("person_key", n), F.lit(".csv")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("j").cast("long").alias("_k2"),
        F.col("episode_id").alias("HILMO_ID"), F.col("person_code").alias("TNRO"),
        F.year("admission_date").cast("string").alias("VUOSI"),
        F.concat(F.lit("0"), F.lpad((F.pmod(F.xxhash64("municipality_code"), F.lit(90)) + 10).cast("string"), 2, "0"),
                 F.lit("01")).alias("PALTU"),
        F.col("specialty").alias("EA"), _ts("admission_date", F.col("hour")).alias("TUPVA"),
        _ts("discharge_date", F.lit(12)).alias("LPVM"), F.col("main_diagnosis").alias("PDG"),
        F.col("secondary_diagnosis").alias("SDG1"), F.col("external_cause").alias("ULKSYY"),
        F.col("municipality_code").alias("KOKU"))


SOSHILMO = Layout(
    "thl_social_hilmo", "csv",
    ("HILMO_ID", "TNRO", "VUOSI", "PALTU", "PALA", "TUPVA", "LPVM", "KOKU", "ASUINPAIKAN_POSTINUMERO"), header=True,
    faults=_faults("TNRO", unknown_code="PALA", invalid_date="TUPVA", date_out_of_range="TUPVA", missing_value="PALA",
                   truncated_line=None),
    bad_values={"unknown_code": "79", "invalid_date": "30.02.2020 08:00", "date_out_of_range": "01.01.1899 00:00"})


def build_soshilmo(df: DataFrame, p: GenParams, postal: DataFrame) -> DataFrame:
    pala = F.lit(None).cast("string")
    for code, name in SOSHILMO_PALA.items():
        pala = F.when(F.col("service_type") == name, F.lit(code)).otherwise(pala)
    df = df.join(postal, on="person_key", how="left")
    return df.select(
        F.lit("thl/THL2023_1096_SOSHILMO.csv").alias("_file"), F.col("person_key").alias("_k1"), F.col("j").cast("long").alias("_k2"),
        F.col("episode_id").alias("HILMO_ID"), F.col("person_code").alias("TNRO"),
        F.year("start_date").cast("string").alias("VUOSI"),
        F.concat(F.lit("S"), F.col("municipality_code")).alias("PALTU"), pala.alias("PALA"),
        _ts("start_date", F.lit(8)).alias("TUPVA"), _ts("end_date", F.lit(16)).alias("LPVM"),
        F.col("municipality_code").alias("KOKU"), F.col("postal_code").alias("ASUINPAIKAN_POSTINUMERO"))


AVOHILMO = Layout(
    "thl_avohilmo", "csv",
    ("AVOHILMO_ID", "TNRO", "ASIAKAS_KOTIKUNTA", "KAYNTI_ALKOI", "KAYNTI_LOPPUI", "KAYNTI_AMMATTI", "KAYNTI_LUONNE",
     "KAYNTI_YHTEYSTAPA", "ICD10", "ICPC2"), header=True,
    faults=_faults("TNRO", invalid_date="KAYNTI_ALKOI", date_out_of_range="KAYNTI_ALKOI", missing_value="KAYNTI_AMMATTI",
                   unknown_code="KAYNTI_AMMATTI", truncated_line=None),
    bad_values={"invalid_date": "29.02.2021 09:15", "date_out_of_range": "01.01.1850 09:00", "unknown_code": "9999"},
    person_parts=16)


def build_avohilmo(df: DataFrame, p: GenParams) -> DataFrame:
    n = AVOHILMO.part_count(p)
    start = F.concat(_d("visit_date", "dd.MM.yyyy"), F.lit(" "), zero_pad("hour", 2), F.lit(":"), zero_pad("minute", 2))
    end = F.concat(_d("visit_date", "dd.MM.yyyy"), F.lit(" "), zero_pad("hour", 2), F.lit(":"),
                   zero_pad(F.col("minute") + 14, 2))
    return df.select(
        F.concat(F.lit("thl/THL2023_1096_AVOHILMO_"), F.year("visit_date").cast("string"), F.lit("_"),
                 _part("person_key", n), F.lit(".csv")).alias("_file"),
        F.col("person_key").alias("_k1"), F.col("j").cast("long").alias("_k2"),
        F.col("visit_id").alias("AVOHILMO_ID"), F.col("person_code").alias("TNRO"),
        F.col("municipality_code").alias("ASIAKAS_KOTIKUNTA"), start.alias("KAYNTI_ALKOI"), end.alias("KAYNTI_LOPPUI"),
        F.col("profession_code").alias("KAYNTI_AMMATTI"),
        F.when(F.col("preventive"), F.lit("TH")).otherwise(F.lit("SH")).alias("KAYNTI_LUONNE"),
        F.when(F.col("remote"), F.lit("R50")).otherwise(F.lit("R10")).alias("KAYNTI_YHTEYSTAPA"),
        F.col("icd10").alias("ICD10"), F.col("icpc2").alias("ICPC2"))


ALL_LAYOUTS = [DVV_PERSONS, DVV_RELATIVES, DVV_MARRIAGES, DVV_RESIDENCES, KELA_SOCIAL_ASSISTANCE,
               KELA_HOUSING_ALLOWANCE, KELA_UNEMPLOYMENT, ETK_PENSIONS, DEGREES, INCOMES, HILMO, SOSHILMO, AVOHILMO]
