"""``gold.family_features``: the indicators of :mod:`lea_spark.indicators.catalog`, one row
per family. Each ``_<topic>`` function aggregates one source per family (``family_id``
unique by construction: a ``groupBy`` on it); :func:`build_features` joins them to the
families, fills missing values with 0 and casts every indicator to double, in catalog order.

An event register is first aggregated per person (one row per person: sums, flags, sets of
months or days), and only those rows are joined to the family members: the Incomes Register
and Avohilmo have tens of rows per person, and joining every event row to the members would
sort all of them by the 64-character person id; aggregated per person (partly before the
shuffle), far fewer rows are shuffled and none is sorted. ``(family_id, person_id)`` is unique in
``silver.family_members`` (the job checks it), so a family's count of members with a trait is
the sum of its members' 0/1 flags.

Join keys: every join and aggregation runs on 64-bit keys, not on the 64-character ids.
:func:`lea_spark.joinkeys.keyed` replaces ``person_id`` and ``family_id`` by their keys
(``xxhash64`` of the id, null for null; read from the stored ``person_key``/``family_key``
columns that ingest and households write, computed when a table has none) and adds ``_chk``,
a second, independent 64-bit fingerprint of the person id (``person_chk``).
Per-person aggregates keep the smallest and largest fingerprint of their rows
(:func:`_fingerprints`), and every join of event rows to people compares them with the
person's own (:func:`_join_people`): two different ids that share a key would make them
differ, and the job then fails with :data:`KEY_COLLISION` instead of mixing two people
(a false match needs both 64-bit hashes to collide). Keys of families, members and persons
are checked for uniqueness by the job. The family ids of the output are the original texts.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lea_spark.households.persons import spell_in_order
from lea_spark.indicators.catalog import CATALOG
from lea_spark.joinkeys import family_key, keyed

DOMESTIC_LANGUAGES = ("fi", "sv", "se")
UNKNOWN_LANGUAGES = ("xx", "und", "")
DAYS_PER_MONTH = 30.4375
KEY_COLLISION = ("two different person ids share one 64-bit join key (a hash collision) in lea indicators; "
                 "the family features cannot be computed on hashed keys for this extract")


def _fingerprints() -> list[Column]:
    """Aggregates that keep the range of the fingerprints of a per-person group."""
    return [F.min("_chk").alias("_chk_lo"), F.max("_chk").alias("_chk_hi")]


def _row_fingerprints() -> list[Column]:
    """The same range for a table joined row by row (persons, residence spells): its own ``_chk``."""
    return [F.col("_chk").alias("_chk_lo"), F.col("_chk").alias("_chk_hi")]


def _join_people(people: DataFrame, per_person: DataFrame, how: str = "inner") -> DataFrame:
    """``people`` (with ``person_id`` and ``_chk``) joined to per-person rows (with ``_chk_lo``,
    ``_chk_hi``) on the key; fails with :data:`KEY_COLLISION` when the fingerprints differ."""
    right = per_person.withColumnRenamed("_chk_lo", "_r_lo").withColumnRenamed("_chk_hi", "_r_hi")
    joined = people.join(right, on="person_id", how=how)
    bad = F.col("_r_lo").isNotNull() & ((F.col("_r_lo") != F.col("_chk")) | (F.col("_r_hi") != F.col("_chk")))
    return joined.filter(F.coalesce(F.when(bad, F.raise_error(F.lit(KEY_COLLISION))), F.lit(True))).drop(
        "_r_lo", "_r_hi")


@dataclass(frozen=True)
class Params:
    reference_date: str
    lookback_years: int = 5
    recent_months: int = 12
    grandparent_near_km: float = 30.0
    distance_parent_far_km: float = 30.0
    low_income_share_of_median: float = 0.6
    study_income_types: tuple[str, ...] = ("STUDY_GRANT",)
    pension_income_types: tuple[str, ...] = ("PENSION",)
    extra: dict = field(default_factory=dict)

    @property
    def ref(self) -> Column:
        return F.lit(self.reference_date).cast("date")

    @property
    def lookback_start(self) -> Column:
        return F.date_add(F.add_months(self.ref, -12 * self.lookback_years), 1)

    @property
    def recent_start(self) -> Column:
        return F.date_add(F.add_months(self.ref, -self.recent_months), 1)

    @classmethod
    def from_config(cls, cfg, reference_date: str | None = None) -> "Params":
        return cls(
            reference_date=reference_date or cfg["project.reference_date"],
            lookback_years=int(cfg["project.lookback_years"]),
            recent_months=int(cfg.get("indicators.recent_months", 12)),
            grandparent_near_km=float(cfg["households.grandparent_near_km"]),
            distance_parent_far_km=float(cfg.get("households.distance_parent_far_km", 30)),
            low_income_share_of_median=float(cfg.get("indicators.low_income_share_of_median", 0.6)),
            study_income_types=tuple(cfg.get("indicators.study_income_types", ["STUDY_GRANT"])),
            pension_income_types=tuple(cfg.get("indicators.pension_income_types", ["PENSION"])),
        )


def _b(cond: Column) -> Column:
    return cond.cast("int")


def _any(cond: Column) -> Column:
    return F.max(_b(cond))


def people(members: DataFrame, persons: DataFrame) -> DataFrame:
    """Members with person attributes and the group flags used by the definitions."""
    p = persons.select("person_id", *_row_fingerprints(), "sex", "age", "language", "death_date")
    m = _join_people(members, p)
    w = Window.partitionBy("family_id")
    n_carers = F.sum(_b(F.col("role").isin("resident_parent", "step_parent"))).over(w)
    is_child = F.col("role").isin("child", "independent_minor")
    return (
        m.withColumn("is_child", is_child)
        .withColumn("is_household", F.col("is_resident"))
        .withColumn("is_parent", F.col("role").isin("resident_parent", "step_parent")
                    | ((n_carers == 0) & F.col("is_resident") & ~is_child & (F.col("age") >= 18)))
        .withColumn("is_distance_parent", (F.col("role") == "distance_parent") & F.col("is_alive"))
    )


def _structure(families: DataFrame, ppl: DataFrame, prm: Params) -> DataFrame:
    s = F.col("structure")
    fam = families.select(
        "family_id",
        _b(s == "single_parent").alias("single_parent"),
        _b(s == "two_parent").alias("two_parent"),
        _b(s == "blended").alias("blended_family"),
        _b(s == "relative_carer").alias("relative_carer_family"),
        _b(s == "independent_minor").alias("independent_minor_family"),
        _b(F.col("is_same_sex_parents")).alias("same_sex_parents"),
        _b(F.col("n_resident_parents") + F.col("n_step_parents") == 0).alias("no_parent_in_dwelling"),
        F.col("n_children"),
        _b(F.col("n_children") >= 4).alias("many_children"),
        F.col("n_children_without_resident_parent").alias("n_children_not_with_own_parent"),
    )
    child, age = F.col("is_child"), F.col("age")
    carer = F.col("role").isin("resident_parent", "step_parent")
    lang = F.lower(F.coalesce(F.col("language"), F.lit("")))
    agg = ppl.groupBy("family_id").agg(
        F.sum(_b(child & (age < 7))).alias("n_children_under_7"),
        F.sum(_b(child & (age >= 13))).alias("n_teen_children"),
        F.min(F.when(child, age)).alias("youngest_child_age"),
        F.max(F.when(child, age)).alias("oldest_child_age"),
        F.sum(_b(F.col("is_resident") & ~child & ~carer & (age >= 18))).alias("n_other_adults_in_dwelling"),
        _any(F.col("is_resident") & ~child & F.col("kinship").isin("grandparent", "sibling", "aunt_uncle")
             & (age >= 18)).alias("relatives_in_dwelling"),
        _any(F.col("is_parent") & ~lang.isin(*DOMESTIC_LANGUAGES, *UNKNOWN_LANGUAGES)).alias("foreign_language_parent"),
        _any((F.col("role") == "resident_parent") & (F.col("sex") == "2") & (age < 35)).alias("mother_under_35"),
        F.min(F.when(F.col("is_parent"), age)).alias("youngest_parent_age"),
    )
    return fam.join(agg, on="family_id", how="left")


def _network(ppl: DataFrame, prm: Params) -> DataFrame:
    gp = (F.col("role") == "grandparent") & F.col("is_alive")
    dp = F.col("is_distance_parent")
    in_window = F.col("death_date").between(prm.lookback_start, prm.ref)
    near = gp & (F.col("distance_km") <= F.lit(prm.grandparent_near_km))
    return ppl.groupBy("family_id").agg(
        F.sum(_b(gp)).alias("n_grandparents_alive"),
        _any(gp).alias("has_living_grandparent"),
        _any(near).alias("grandparent_near"),
        (_any(gp) - _any(near)).alias("grandparents_far"),
        F.min(F.when(gp, F.col("age"))).alias("youngest_grandparent_age"),
        _any(gp & (F.col("age") < 61)).alias("grandparent_under_61"),
        _any(dp).alias("has_distance_parent"),
        _any(dp & (F.col("distance_km") > F.lit(prm.distance_parent_far_km))).alias("distance_parent_far"),
        F.min(F.when(dp, F.col("distance_km"))).alias("distance_parent_km"),
        _any(dp & F.col("distance_km").isNull()).alias("distance_parent_location_unknown"),
        F.sum(_b((F.col("role") == "sibling_elsewhere") & F.col("is_alive"))).alias("n_siblings_elsewhere"),
        F.sum(_b(~F.col("is_alive") & F.col("role").isin("distance_parent", "grandparent", "sibling_elsewhere")
                 & in_window)).alias("deaths_in_family"),
    )


def _moves(ppl: DataFrame, residences: DataFrame, prm: Params) -> DataFrame:
    res = residences.where(spell_in_order()).select(
        "person_id", *_row_fingerprints(), "dwelling_id", "municipality_code", "start_date", "end_date")
    # By key and fingerprint: were two people's keys to collide, their spells must not mix
    # before the join to the children checks the fingerprints.
    w = Window.partitionBy("person_id", "_chk_lo").orderBy("start_date", "dwelling_id")
    spells = (
        res.withColumn("_prev_muni", F.lag("municipality_code").over(w))
        .withColumn("_n", F.row_number().over(w))
        .filter((F.col("_n") > 1) & F.col("start_date").between(prm.lookback_start, prm.ref))
    )
    children = ppl.filter("is_child").select("family_id", "person_id", "_chk")
    per_child = _join_people(children, spells).groupBy("family_id", "person_id").agg(
        F.count(F.lit(1)).alias("_moves"),
        F.sum(_b(F.col("municipality_code") != F.col("_prev_muni"))).alias("_muni_moves"),
    )
    moves = per_child.groupBy("family_id").agg(F.max("_moves").alias("moves"),
                                               F.max("_muni_moves").alias("municipality_moves"))
    # A distance parent shared a dwelling with a child of the family during the window.
    dps = ppl.filter("is_distance_parent").select("family_id", "person_id", "_chk")
    c_spells = _join_people(children, res).select(
        "family_id", "dwelling_id", F.col("start_date").alias("c_start"),
        F.coalesce(F.col("end_date"), prm.ref).alias("c_end"))
    p_spells = _join_people(dps, res).select(
        "family_id", "dwelling_id", F.col("start_date").alias("p_start"),
        F.coalesce(F.col("end_date"), prm.ref).alias("p_end"))
    shared = (
        c_spells.join(p_spells, on=["family_id", "dwelling_id"], how="inner")
        .withColumn("_from", F.greatest("c_start", "p_start")).withColumn("_to", F.least("c_end", "p_end"))
        .filter((F.col("_from") <= F.col("_to")) & (F.col("_to") >= prm.lookback_start) & (F.col("_from") <= prm.ref))
        .groupBy("family_id").agg(F.lit(1).alias("distance_parent_left"))
    )
    return moves.join(shared, on="family_id", how="full")


def _month_number(date: Column) -> Column:
    """The month of ``date`` as one integer, ``12 * year + month``: months compare and subtract
    as integers (two field extractions per row instead of ``trunc`` and ``months_between``,
    which works in fractional months; on literal dates Spark folds it to a constant)."""
    return F.year(date) * 12 + F.month(date)


def _word_names(prefix: str, n_months: int) -> list[str]:
    """Column names of the 63-bit words that hold ``n_months`` month bits."""
    return [f"{prefix}{k}" for k in range((n_months + 62) // 63)]


def _month_words(prefix: str, idx: Column, n_months: int, cond: Column | None = None) -> list[Column]:
    """Aggregates named :func:`_word_names`: the set of month indexes ``0 .. n_months - 1``
    (where ``cond``) as 63-bit words, bit ``i % 63`` of word ``i // 63``. Sets of months then merge with ``bit_or`` and
    count with ``bit_count`` inside an ordinary hash aggregation: ``collect_set`` would make
    the whole aggregation object-based, which falls back to sorting every row once it holds
    more than 128 keys (``spark.sql.objectHashAggregate.sortBased.fallbackThreshold``), and
    several ``count_distinct`` of different expressions expand every row once per expression.
    An index outside ``0 .. n_months - 1`` would be lost, so callers filter the months to the
    window the indexes are counted from."""
    words = []
    for k, name in enumerate(_word_names(prefix, n_months)):
        in_word = (idx >= 63 * k) & (idx < 63 * (k + 1))
        if cond is not None:
            in_word = in_word & cond
        bit = F.call_function("shiftleft", F.lit(1).cast("long"), idx - 63 * k)
        words.append(F.coalesce(F.bit_or(F.when(in_word, bit)), F.lit(0).cast("long")).alias(name))
    return words


def _months_counted(prefix: str, n_months: int) -> Column:
    """The number of months set in the words of :func:`_month_words`."""
    return reduce(operator.add, [F.bit_count(F.col(w)) for w in _word_names(prefix, n_months)])


def _months(ppl: DataFrame, benefits: DataFrame, prm: Params, name: str) -> DataFrame:
    """Months in which a household member received the benefit. A month two members received
    counts once, so each person's months in the look-back window are first gathered into one
    row per person (as month bits) and merged per family."""
    lookback0, recent0 = _month_number(prm.lookback_start), _month_number(prm.recent_start)
    first = F.least(lookback0, recent0)  # the recent window may be configured longer than the look-back
    month = _month_number(F.col("benefit_month"))
    idx = month - first
    # From ``first`` to the reference month there are at most this many months, both ends counted.
    n = max(12 * prm.lookback_years, prm.recent_months) + 1
    per_person = benefits.filter(month.between(first, _month_number(prm.ref))).groupBy("person_id").agg(
        *_month_words("_all", idx, n, month >= lookback0), *_month_words("_recent", idx, n, month >= recent0),
        *_fingerprints())
    hh = ppl.filter("is_household").select("family_id", "person_id", "_chk")
    return (
        _join_people(hh, per_person)
        .groupBy("family_id").agg(*[F.bit_or(w).alias(w) for w in _word_names("_all", n) + _word_names("_recent", n)])
        .select("family_id", _months_counted("_recent", n).alias(f"{name}_months_recent"),
                _months_counted("_all", n).alias(f"{name}_months"))
    )


def _earnings(ppl: DataFrame, earnings: DataFrame, prm: Params) -> DataFrame:
    first = _month_number(prm.recent_start)
    month = _month_number(F.col("payment_month"))
    itype = F.coalesce(F.col("income_type"), F.lit(""))
    is_study = itype.isin(*prm.study_income_types)
    is_work = ~is_study & ~itype.isin(*prm.pension_income_types)
    n = prm.recent_months + 1  # months from the recent window's first month to the reference month
    per_person = earnings.filter(month.between(first, _month_number(prm.ref))).groupBy("person_id").agg(
        F.sum(F.when(is_work, F.col("amount_eur")).otherwise(0.0)).alias("_work_eur"),
        *_month_words("_emp", month - first, n, is_work & F.col("employment_type").isNotNull()),
        _any(is_study).alias("_student"),
        _any(is_work & F.substring(F.coalesce(F.col("occupation_code"), F.lit("")), 1, 1).isin("1", "2")).alias("_uwc"),
        _any(is_work & (F.col("employment_type") == "self_employed")).alias("_entre"),
        *_fingerprints(),
    ).withColumn("_emp_months", _months_counted("_emp", n))
    ev = _join_people(ppl.select("family_id", "person_id", "_chk", "is_parent", "is_household", "is_distance_parent"),
                      per_person)
    par, dp = F.col("is_parent"), F.col("is_distance_parent")
    return ev.groupBy("family_id").agg(
        F.sum(F.when(F.col("is_household"), F.col("_work_eur"))).alias("household_earnings_eur"),
        F.sum(_b(par & (F.col("_emp_months") >= 6))).alias("_employed_parents"),
        _any(par & (F.col("_student") == 1)).alias("student_parent"),
        _any(dp & (F.col("_student") == 1)).alias("distance_parent_student"),
        F.sum(F.when(dp, F.col("_work_eur"))).alias("distance_parent_earnings_eur"),
        _any(par & (F.col("_uwc") == 1)).alias("parent_upper_white_collar"),
        _any(par & (F.col("_entre") == 1)).alias("parent_entrepreneur"),
        _any(dp & (F.col("_uwc") == 1)).alias("distance_parent_upper_white_collar"),
        _any(dp & (F.col("_entre") == 1)).alias("distance_parent_entrepreneur"),
    )


def _household_size(ppl: DataFrame) -> DataFrame:
    age = F.col("age")
    return ppl.filter("is_household").groupBy("family_id").agg(
        F.count(F.lit(1)).alias("_n_household"),
        F.sum(_b(age >= 14)).alias("_n14"),
        F.sum(_b(age < 14)).alias("_n_under14"),
        F.sum(_b(F.col("is_child"))).alias("_n_children"),
        F.sum(_b(F.col("is_parent"))).alias("_n_parents"),
    ).withColumn(
        "_consumption_units",
        F.lit(1.0) + 0.5 * F.greatest(F.col("_n14") - 1, F.lit(0)) + 0.3 * F.col("_n_under14")
        - F.when(F.col("_n14") == 0, F.lit(0.3)).otherwise(F.lit(0.0)),
    )


def _unemployment(ppl: DataFrame, unemployment: DataFrame, prm: Params) -> DataFrame:
    def overlap(start: Column) -> Column:
        end = F.least(F.coalesce(F.col("end_date"), prm.ref), prm.ref)
        return F.greatest(F.datediff(end, F.greatest(F.col("start_date"), start)) + 1, F.lit(0))

    recent_len = F.datediff(prm.ref, prm.recent_start) + 1
    lookback_len = F.datediff(prm.ref, prm.lookback_start) + 1
    per_person = unemployment.groupBy("person_id").agg(
        F.least(F.sum(overlap(prm.recent_start)), recent_len).alias("_recent"),
        F.least(F.sum(overlap(prm.lookback_start)), lookback_len).alias("_lookback"),
        *_fingerprints(),
    )
    per_person = _join_people(ppl.filter("is_parent").select("family_id", "person_id", "_chk"), per_person)
    return per_person.groupBy("family_id").agg(
        F.sum("_recent").alias("parents_unemployment_days"),
        (F.sum("_lookback") / F.lit(DAYS_PER_MONTH)).alias("parents_unemployment_months"),
        _any(F.col("_recent") > 0).alias("unemployed_parent"),
    )


def _pensions(ppl: DataFrame, pensions: DataFrame, prm: Params) -> DataFrame:
    active = pensions.filter((F.col("start_date") <= prm.ref)
                             & (F.col("end_date").isNull() | (F.col("end_date") >= prm.recent_start)))
    t = F.col("pension_type")
    per_person = active.groupBy("person_id").agg(
        _any(t == "0").alias("_disability"), _any(t == "2").alias("_partial"), _any(t == "0K").alias("_rehab"),
        _any(t == "5").alias("_old_age"), _any(t.isin("5", "0")).alias("_retired"), *_fingerprints())
    ev = _join_people(ppl.select("family_id", "person_id", "_chk", "is_parent", "is_household", "is_distance_parent"),
                      per_person)
    par, dp = F.col("is_parent"), F.col("is_distance_parent")
    return ev.groupBy("family_id").agg(
        _any(par & (F.col("_disability") == 1)).alias("parent_disability_pension"),
        _any(par & (F.col("_partial") == 1)).alias("parent_partial_disability_pension"),
        _any(par & (F.col("_rehab") == 1)).alias("parent_rehabilitation_subsidy"),
        _any(F.col("is_household") & (F.col("_old_age") == 1)).alias("old_age_pension_in_household"),
        _any(dp & (F.col("_retired") == 1)).alias("distance_parent_retired"),
    )


def _education(ppl: DataFrame, degrees: DataFrame, prm: Params) -> DataFrame:
    best = degrees.filter(F.col("completion_date") <= prm.ref).groupBy("person_id").agg(
        F.max("isced_level").alias("_isced"), *_fingerprints())
    ev = _join_people(ppl.filter(F.col("is_parent") | F.col("is_distance_parent")), best, how="left").withColumn(
        "_isced", F.coalesce(F.col("_isced"), F.lit(2)))
    agg = ev.groupBy("family_id").agg(
        F.max(F.when(F.col("is_parent"), F.col("_isced"))).alias("parent_max_isced"),
        F.max(F.when(F.col("is_distance_parent"), F.col("_isced"))).alias("distance_parent_max_isced"),
    )
    return agg.select(
        "family_id", "parent_max_isced",
        _b(F.col("parent_max_isced") <= 2).alias("parent_low_education"),
        _b(F.col("parent_max_isced") >= 6).alias("parent_higher_education"),
        "distance_parent_max_isced",
        _b(F.col("distance_parent_max_isced") >= 6).alias("distance_parent_higher_education"),
        _b(F.col("distance_parent_max_isced") > F.coalesce(F.col("parent_max_isced"), F.lit(2))).alias(
            "distance_parent_more_educated"),
    )


def _code(c: Column) -> Column:
    return F.upper(F.regexp_replace(F.coalesce(c, F.lit("")), r"[^0-9A-Za-z]", ""))


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _code3(c: Column) -> Column:
    """The first three characters of :func:`_code` (letters and digits only, upper case).

    Nearly every code starts with three letters or digits (``F32``, ``F32.1``): those three
    are the answer, and the regular expression (a large share of the Avohilmo scan) runs only
    on the others and on nothing for a missing code."""
    head = F.substring(c, 1, 3)
    return (F.when(c.isNull(), F.lit(""))
            .when(F.length(F.translate(head, _ALNUM, "")) == 0, F.upper(head))
            .otherwise(F.substring(_code(c), 1, 3)))


def _in(code3: Column, *ranges: str) -> Column:
    """``code3`` (letter + 2 digits) in any of the inclusive ranges ``"F00-F09"`` or codes ``"K02"``."""
    cond = F.lit(False)
    for r in ranges:
        lo, _, hi = r.partition("-")
        cond = cond | (code3.between(lo, hi or lo))
    return cond


DX_FLAGS = ("psy", "neuro", "subst", "harm", "injury", "caries", "abortion")


def _icd10_flags(code: Column) -> dict[str, Column]:
    c3 = _code3(code)
    return {"psy": _in(c3, "F00-F09", "F20-F79", "F99"), "neuro": _in(c3, "F80-F98"),
            "subst": _in(c3, "F10-F19", "K70", "T40", "T51"), "harm": _in(c3, "X60-Y09"),
            "injury": _in(c3, "S00-T14"), "caries": _in(c3, "K02"), "abortion": _in(c3, "O04-O07")}


def _icpc2_flags(code: Column) -> dict[str, Column]:
    c3 = _code3(code)
    flags = dict.fromkeys(DX_FLAGS, F.lit(False))
    flags.update(psy=_in(c3, "P70-P80", "P82", "P98", "P99"), neuro=_in(c3, "P24", "P81", "P85"),
                 subst=_in(c3, "P15-P19"))
    return flags


def _either(*flag_sets: dict[str, Column]) -> dict[str, Column]:
    """Each flag true when it is true in any of the sets (codes of one row)."""
    return {k: reduce(operator.or_, [fs[k] for fs in flag_sets]) for k in DX_FLAGS}


def person_health(care: DataFrame, primary: DataFrame, social: DataFrame, prm: Params) -> DataFrame:
    """One row per person with health or social care in the look-back window.

    Diagnosis flags (``psy``, ``neuro``, ``subst``, ``harm``, ``injury``, ``caries``: 0/1, from
    any ICD-10 or ICPC-2 code of a primary care visit or a specialised care episode; ``subst``
    also from a substance-abuse service), ``abortion_days`` (the distinct days of an abortion
    diagnosis), ``visits`` and ``dental_visits`` (primary care), ``episodes`` and
    ``psychiatric_episodes`` (specialised care), and social care flags ``cw``, ``placement``,
    ``family_work`` and the count ``other_social``.

    Aggregating each register per person before joining family members keeps the largest
    registers out of the joins: Avohilmo has about 30 rows per person. Visits and episodes are
    counted, not counted distinct: ``visit_id`` and ``episode_id`` are the keys of the one
    register that fills each of these bronze tables, and ingest quarantines a repeated key, so
    a family's distinct visits are the sum of its members' visits.
    """
    def in_window(c: str) -> Column:
        return F.col(c).between(prm.lookback_start, prm.ref)

    def flag_aggs(flags: dict[str, Column]) -> list[Column]:
        return [_any(flags[k]).alias(k) for k in DX_FLAGS if k != "abortion"]

    pf = _either(_icd10_flags(F.col("icd10")), _icpc2_flags(F.col("icpc2")))
    primary_pp = primary.filter(in_window("visit_date")).groupBy("person_id").agg(
        F.count("visit_id").alias("visits"),
        F.count(F.when(F.col("profession_code").isin("2222", "3225"), F.col("visit_id"))).alias("dental_visits"),
        *flag_aggs(pf), *_fingerprints())
    care_codes = ("main_diagnosis", "secondary_diagnosis", "external_cause")
    cf = _either(*[_icd10_flags(F.col(c)) for c in care_codes])
    spec = F.substring(F.coalesce(F.col("specialty"), F.lit("")), 1, 2)
    care_pp = care.filter(in_window("admission_date")).groupBy("person_id").agg(
        F.count("episode_id").alias("episodes"),
        F.count(F.when(spec.isin("70", "74", "75"), F.col("episode_id"))).alias("psychiatric_episodes"),
        *flag_aggs(cf), *_fingerprints())
    t = F.col("service_type")
    social_pp = social.filter((F.col("start_date") <= prm.ref)
                              & (F.coalesce(F.col("end_date"), prm.ref) >= prm.lookback_start)).groupBy("person_id").agg(
        _any(t == "SUBSTANCE_SERVICE").alias("subst"),
        _any(t.isin("CW_OPEN", "CW_PLACEMENT")).alias("cw"),
        _any(t == "CW_PLACEMENT").alias("placement"),
        _any(t == "FAMILY_WORK").alias("family_work"),
        F.count(F.when(t.isin("HOME_SERVICE", "DISABILITY_SERVICE", "ADULT_SOCIAL_WORK"), F.col("episode_id")))
        .alias("other_social"), *_fingerprints())

    # Abortions count distinct days (a visit and an episode on the same day are one). They are
    # rare: rows whose code has no letter O cannot be one, and only the others are tested.
    def may_be_abortion(c: str) -> Column:
        return F.instr(F.upper(F.coalesce(F.col(c), F.lit(""))), "O") > 0

    days = primary.filter(in_window("visit_date") & may_be_abortion("icd10")).filter(
        _icd10_flags(F.col("icd10"))["abortion"]).select("person_id", "_chk", F.col("visit_date").alias("_day"))
    for c in care_codes:
        days = days.unionByName(care.filter(in_window("admission_date") & may_be_abortion(c)).filter(
            _icd10_flags(F.col(c))["abortion"]).select("person_id", "_chk", F.col("admission_date").alias("_day")))
    abortions_pp = days.distinct().groupBy("person_id").agg(F.count(F.lit(1)).alias("abortion_days"), *_fingerprints())

    counts = ("visits", "dental_visits", "episodes", "psychiatric_episodes", "other_social", "abortion_days")
    flags = tuple(k for k in DX_FLAGS if k != "abortion") + ("cw", "placement", "family_work")
    merged = primary_pp
    for part in (care_pp, social_pp, abortions_pp):
        merged = merged.unionByName(part, allowMissingColumns=True)
    return merged.groupBy("person_id").agg(
        *[F.coalesce(F.sum(c), F.lit(0)).alias(c) for c in counts],
        *[F.coalesce(F.max(c), F.lit(0)).alias(c) for c in flags],
        F.min("_chk_lo").alias("_chk_lo"), F.max("_chk_hi").alias("_chk_hi"),
    )


def _health_and_services(ppl: DataFrame, health: DataFrame, sizes: DataFrame, prm: Params) -> DataFrame:
    """Health, lifestyle and service-use indicators from :func:`person_health`: a family counts
    the members (by role) with a flag, and sums its household's visits and episodes."""
    ev = _join_people(ppl.select("family_id", "person_id", "_chk", "is_child", "is_parent", "is_household",
                                 "is_distance_parent"), health)
    ch, par, dp, hh = F.col("is_child"), F.col("is_parent"), F.col("is_distance_parent"), F.col("is_household")

    def n(cond: Column, flag: str) -> Column:
        return F.sum(_b(cond & (F.col(flag) == 1)))

    def total(cond: Column, count: str) -> Column:
        return F.sum(F.when(cond, F.col(count)).otherwise(0))

    per_family = ev.groupBy("family_id").agg(
        n(ch, "psy").alias("children_psychiatric_dx"),
        n(ch, "neuro").alias("children_neuropsychiatric_dx"),
        n(par, "psy").alias("parents_psychiatric_dx"),
        F.sum(_b(dp & ((F.col("psy") == 1) | (F.col("neuro") == 1)))).alias("distance_parents_psychiatric_dx"),
        n(hh, "harm").alias("self_harm_or_violence"),
        n(hh, "injury").alias("injuries"),
        n(ch, "caries").alias("children_caries"),
        total(par, "abortion_days").alias("abortions"),
        n(par, "subst").alias("parents_substance_use"),
        n(dp, "subst").alias("distance_parents_substance_use"),
        n(hh & ch, "cw").alias("child_welfare_children"),
        n(hh & ch, "placement").alias("child_welfare_placement"),
        _any(hh & (F.col("family_work") == 1)).alias("family_work"),
        total(hh, "other_social").alias("other_social_services"),
        total(hh, "visits").alias("_visits"),
        total(hh & ch, "visits").alias("_child_visits"),
        total(hh & ch, "dental_visits").alias("_child_dental"),
        total(hh, "episodes").alias("_episodes"),
        total(hh, "psychiatric_episodes").alias("psychiatric_care_episodes"),
    )
    years = F.lit(float(prm.lookback_years))

    def rate(count: str, per: str) -> Column:
        return F.coalesce(F.col(count), F.lit(0)) / (F.col(per) * years)

    # Full: a family without a household member still gets its members' health indicators.
    return per_family.join(sizes, on="family_id", how="full").select(
        "family_id", "children_psychiatric_dx", "children_neuropsychiatric_dx", "parents_psychiatric_dx",
        "distance_parents_psychiatric_dx", "self_harm_or_violence", "injuries", "children_caries", "abortions",
        "parents_substance_use", "distance_parents_substance_use", "child_welfare_children",
        "child_welfare_placement", "family_work", "other_social_services",
        rate("_visits", "_n_household").alias("primary_care_visits_rate"),
        rate("_child_visits", "_n_children").alias("children_primary_care_visits_rate"),
        rate("_child_dental", "_n_children").alias("children_dental_visits_rate"),
        rate("_episodes", "_n_household").alias("specialised_care_episodes_rate"),
        "psychiatric_care_episodes",
    )


def build_features(families: DataFrame, members: DataFrame, persons: DataFrame, events: dict[str, DataFrame],
                   prm: Params) -> DataFrame:
    """``gold.family_features`` for ``families`` (see the module docstring).

    ``events`` maps bronze table names (``residences``, ``earnings``, ``social_assistance``,
    ``housing_allowance``, ``unemployment``, ``pensions``, ``degrees``, ``care_episodes``,
    ``social_care_episodes``, ``primary_care_visits``) to their DataFrames. Ids are replaced by
    64-bit keys here (:func:`lea_spark.joinkeys.keyed`: the stored keys when the tables have
    them); the output carries the original family ids.
    Colliding person keys fail here; the keys of ``families``, ``members`` and ``persons`` must
    be unique, which the caller checks (``lea indicators`` does, before calling this).
    """
    wide = families.select(family_key(families).alias("family_id"), F.col("family_id").alias("_family_text"),
                           "reference_date", "municipality_code", "postal_code", "wellbeing_county_code")
    families, members, persons = (keyed(df) for df in (families, members, persons))
    events = {name: keyed(df) for name, df in events.items()}
    ppl = people(members, persons)
    sizes = _household_size(ppl)
    earnings = _earnings(ppl, events["earnings"], prm)
    health = person_health(events["care_episodes"], events["primary_care_visits"], events["social_care_episodes"], prm)
    parts = [
        _structure(families, ppl, prm),
        _network(ppl, prm),
        _moves(ppl, events["residences"], prm),
        _months(ppl, events["social_assistance"], prm, "social_assistance"),
        _months(ppl, events["housing_allowance"], prm, "housing_allowance"),
        earnings,
        _unemployment(ppl, events["unemployment"], prm),
        _pensions(ppl, events["pensions"], prm),
        _education(ppl, events["degrees"], prm),
        _health_and_services(ppl, health, sizes, prm),
        sizes,
    ]
    for part in parts:
        wide = wide.join(part, on="family_id", how="left")
    per_cu = F.coalesce(F.col("household_earnings_eur"), F.lit(0.0)) / F.col("_consumption_units")
    wide = (
        wide.withColumn("earnings_per_consumption_unit", per_cu)
        .withColumn("parents_employed_share",
                    F.when(F.col("_n_parents") > 0, F.coalesce(F.col("_employed_parents"), F.lit(0)) / F.col("_n_parents")))
    )
    # The national median as a one-row aggregate joined back (a window without a partition
    # would move every family into a single task). It is taken over the families joined to
    # the two parts it needs, not over ``wide``, which would run the whole join chain twice.
    median = (
        families.select("family_id").join(earnings, on="family_id", how="left").join(sizes, on="family_id", how="left")
        .agg(F.median(per_cu).alias("_median"))
    )
    wide = wide.crossJoin(F.broadcast(median)).withColumn(
        "low_income", _b(F.col("earnings_per_consumption_unit") < F.lit(prm.low_income_share_of_median) * F.col("_median")))
    missing = [i.name for i in CATALOG if i.name not in wide.columns]
    if missing:
        raise ValueError(f"indicators in the catalog but not computed: {missing}")
    period = F.date_format(prm.ref, "yyyy")
    return wide.select(
        F.col("_family_text").alias("family_id"), period.alias("reference_period"), F.col("reference_date").cast("date").alias("reference_date"),
        "municipality_code", "postal_code", "wellbeing_county_code",
        *[F.coalesce(F.col(i.name).cast("double"), F.lit(0.0)).alias(i.name) for i in CATALOG],
    )

