"""``gold.family_features``: the indicators of :mod:`lea_spark.indicators.catalog`, one row
per family. Each ``_<topic>`` function aggregates one source per family (``family_id``
unique by construction: a ``groupBy`` on it); :func:`build_features` joins them to the
families, fills missing values with 0 and casts every indicator to double, in catalog order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lea_spark.indicators.catalog import CATALOG

DOMESTIC_LANGUAGES = ("fi", "sv", "se")
UNKNOWN_LANGUAGES = ("xx", "und", "")
DAYS_PER_MONTH = 30.4375


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


def _n_people(cond: Column) -> Column:
    return F.count_distinct(F.when(cond, F.col("person_id")))


def people(members: DataFrame, persons: DataFrame) -> DataFrame:
    """Members with person attributes and the group flags used by the definitions."""
    p = persons.select("person_id", "sex", "age", "language", "death_date")
    m = members.join(p, on="person_id", how="inner")
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
    res = residences.select("person_id", "dwelling_id", "municipality_code", "start_date", "end_date")
    w = Window.partitionBy("person_id").orderBy("start_date", "dwelling_id")
    spells = (
        res.withColumn("_prev_muni", F.lag("municipality_code").over(w))
        .withColumn("_n", F.row_number().over(w))
        .filter((F.col("_n") > 1) & F.col("start_date").between(prm.lookback_start, prm.ref))
    )
    children = ppl.filter("is_child").select("family_id", "person_id")
    per_child = children.join(spells, on="person_id", how="inner").groupBy("family_id", "person_id").agg(
        F.count(F.lit(1)).alias("_moves"),
        F.sum(_b(F.col("municipality_code") != F.col("_prev_muni"))).alias("_muni_moves"),
    )
    moves = per_child.groupBy("family_id").agg(F.max("_moves").alias("moves"),
                                               F.max("_muni_moves").alias("municipality_moves"))
    # A distance parent shared a dwelling with a child of the family during the window.
    dps = ppl.filter("is_distance_parent").select("family_id", F.col("person_id").alias("parent_id"))
    a = res.alias("a")
    b = res.alias("b")
    c_spells = children.join(a, on="person_id", how="inner").select(
        "family_id", "a.dwelling_id", F.col("a.start_date").alias("c_start"),
        F.coalesce(F.col("a.end_date"), prm.ref).alias("c_end"))
    p_spells = dps.join(b, F.col("parent_id") == F.col("b.person_id"), how="inner").select(
        "family_id", "b.dwelling_id", F.col("b.start_date").alias("p_start"),
        F.coalesce(F.col("b.end_date"), prm.ref).alias("p_end"))
    shared = (
        c_spells.join(p_spells, on=["family_id", "dwelling_id"], how="inner")
        .withColumn("_from", F.greatest("c_start", "p_start")).withColumn("_to", F.least("c_end", "p_end"))
        .filter((F.col("_from") <= F.col("_to")) & (F.col("_to") >= prm.lookback_start) & (F.col("_from") <= prm.ref))
        .groupBy("family_id").agg(F.lit(1).alias("distance_parent_left"))
    )
    return moves.join(shared, on="family_id", how="full")


def _months(ppl: DataFrame, benefits: DataFrame, prm: Params, name: str) -> DataFrame:
    hh = ppl.filter("is_household").select("family_id", "person_id")
    month = F.trunc(F.col("benefit_month"), "month")
    ev = hh.join(benefits.select("person_id", month.alias("_m")), on="person_id", how="inner")
    return ev.groupBy("family_id").agg(
        F.count_distinct(F.when(F.col("_m").between(F.trunc(prm.recent_start, "month"), prm.ref), F.col("_m")))
        .alias(f"{name}_months_recent"),
        F.count_distinct(F.when(F.col("_m").between(F.trunc(prm.lookback_start, "month"), prm.ref), F.col("_m")))
        .alias(f"{name}_months"),
    )


def _earnings(ppl: DataFrame, earnings: DataFrame, prm: Params) -> DataFrame:
    month = F.trunc(F.col("payment_month"), "month")
    recent = earnings.filter(month.between(F.trunc(prm.recent_start, "month"), prm.ref)).select(
        "person_id", month.alias("_m"), "income_type", "amount_eur", "employment_type", "occupation_code")
    itype = F.coalesce(F.col("income_type"), F.lit(""))
    is_study = itype.isin(*prm.study_income_types)
    is_work = ~is_study & ~itype.isin(*prm.pension_income_types)
    ev = ppl.select("family_id", "person_id", "is_parent", "is_household", "is_distance_parent", "is_child", "age").join(
        recent, on="person_id", how="inner")
    per_person = ev.groupBy("family_id", "person_id").agg(
        F.first("is_parent").alias("is_parent"), F.first("is_household").alias("is_household"),
        F.first("is_distance_parent").alias("is_distance_parent"),
        F.sum(F.when(is_work, F.col("amount_eur")).otherwise(0.0)).alias("_work_eur"),
        F.count_distinct(F.when(is_work & F.col("employment_type").isNotNull(), F.col("_m"))).alias("_emp_months"),
        _any(is_study).alias("_student"),
        _any(is_work & F.substring(F.coalesce(F.col("occupation_code"), F.lit("")), 1, 1).isin("1", "2")).alias("_uwc"),
        _any(is_work & (F.col("employment_type") == "self_employed")).alias("_entre"),
    )
    par, dp = F.col("is_parent"), F.col("is_distance_parent")
    return per_person.groupBy("family_id").agg(
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
    par = ppl.filter("is_parent").select("family_id", "person_id")
    per_person = par.join(unemployment, on="person_id", how="inner").groupBy("family_id", "person_id").agg(
        F.least(F.sum(overlap(prm.recent_start)), recent_len).alias("_recent"),
        F.least(F.sum(overlap(prm.lookback_start)), lookback_len).alias("_lookback"),
    )
    return per_person.groupBy("family_id").agg(
        F.sum("_recent").alias("parents_unemployment_days"),
        (F.sum("_lookback") / F.lit(DAYS_PER_MONTH)).alias("parents_unemployment_months"),
        _any(F.col("_recent") > 0).alias("unemployed_parent"),
    )


def _pensions(ppl: DataFrame, pensions: DataFrame, prm: Params) -> DataFrame:
    active = pensions.filter((F.col("start_date") <= prm.ref)
                             & (F.col("end_date").isNull() | (F.col("end_date") >= prm.recent_start)))
    ev = ppl.select("family_id", "person_id", "is_parent", "is_household", "is_distance_parent").join(
        active.select("person_id", "pension_type"), on="person_id", how="inner")
    t, par, dp = F.col("pension_type"), F.col("is_parent"), F.col("is_distance_parent")
    return ev.groupBy("family_id").agg(
        _any(par & (t == "0")).alias("parent_disability_pension"),
        _any(par & (t == "2")).alias("parent_partial_disability_pension"),
        _any(par & (t == "0K")).alias("parent_rehabilitation_subsidy"),
        _any(F.col("is_household") & (t == "5")).alias("old_age_pension_in_household"),
        _any(dp & t.isin("5", "0")).alias("distance_parent_retired"),
    )


def _education(ppl: DataFrame, degrees: DataFrame, prm: Params) -> DataFrame:
    best = degrees.filter(F.col("completion_date") <= prm.ref).groupBy("person_id").agg(
        F.max("isced_level").alias("_isced"))
    ev = ppl.filter(F.col("is_parent") | F.col("is_distance_parent")).join(best, on="person_id", how="left").withColumn(
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


def _in(code3: Column, *ranges: str) -> Column:
    """``code3`` (letter + 2 digits) in any of the inclusive ranges ``"F00-F09"`` or codes ``"K02"``."""
    cond = F.lit(False)
    for r in ranges:
        lo, _, hi = r.partition("-")
        cond = cond | (code3.between(lo, hi or lo))
    return cond


def diagnoses(care: DataFrame, primary: DataFrame, prm: Params) -> DataFrame:
    """``person_id, event_date, code, system`` for every diagnosis code in the window."""
    parts = [
        care.select("person_id", F.col("admission_date").alias("event_date"), _code(F.col(c)).alias("code"),
                    F.lit("icd10").alias("system"))
        for c in ("main_diagnosis", "secondary_diagnosis", "external_cause")
    ] + [
        primary.select("person_id", F.col("visit_date").alias("event_date"), _code(F.col("icd10")).alias("code"),
                       F.lit("icd10").alias("system")),
        primary.select("person_id", F.col("visit_date").alias("event_date"), _code(F.col("icpc2")).alias("code"),
                       F.lit("icpc2").alias("system")),
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out.unionByName(p)
    return out.filter((F.col("code") != "") & F.col("event_date").between(prm.lookback_start, prm.ref))


def _health(ppl: DataFrame, dx: DataFrame, social: DataFrame, prm: Params) -> DataFrame:
    c3 = F.substring(F.col("code"), 1, 3)
    icd, icpc = F.col("system") == "icd10", F.col("system") == "icpc2"
    flags = dx.select(
        "person_id", "event_date",
        ((icd & _in(c3, "F00-F09", "F20-F79", "F99")) | (icpc & _in(c3, "P70-P80", "P82", "P98", "P99"))).alias("psy"),
        ((icd & _in(c3, "F80-F98")) | (icpc & _in(c3, "P24", "P81", "P85"))).alias("neuro"),
        ((icd & _in(c3, "F10-F19", "K70", "T40", "T51")) | (icpc & _in(c3, "P15-P19"))).alias("subst"),
        (icd & _in(c3, "X60-Y09")).alias("harm"),
        (icd & _in(c3, "S00-T14")).alias("injury"),
        (icd & _in(c3, "K02")).alias("caries"),
        (icd & _in(c3, "O04-O07")).alias("abortion"),
    )
    subst_service = social.filter((F.col("service_type") == "SUBSTANCE_SERVICE")
                                  & (F.col("start_date") <= prm.ref)
                                  & (F.coalesce(F.col("end_date"), prm.ref) >= prm.lookback_start)).select(
        "person_id", F.lit(None).cast("date").alias("event_date"), F.lit(False).alias("psy"), F.lit(False).alias("neuro"),
        F.lit(True).alias("subst"), F.lit(False).alias("harm"), F.lit(False).alias("injury"),
        F.lit(False).alias("caries"), F.lit(False).alias("abortion"))
    ev = ppl.select("family_id", "person_id", "is_child", "is_parent", "is_household", "is_distance_parent").join(
        flags.unionByName(subst_service), on="person_id", how="inner")
    ch, par, dp, hh = F.col("is_child"), F.col("is_parent"), F.col("is_distance_parent"), F.col("is_household")
    return ev.groupBy("family_id").agg(
        _n_people(ch & F.col("psy")).alias("children_psychiatric_dx"),
        _n_people(ch & F.col("neuro")).alias("children_neuropsychiatric_dx"),
        _n_people(par & F.col("psy")).alias("parents_psychiatric_dx"),
        _n_people(dp & (F.col("psy") | F.col("neuro"))).alias("distance_parents_psychiatric_dx"),
        _n_people(hh & F.col("harm")).alias("self_harm_or_violence"),
        _n_people(hh & F.col("injury")).alias("injuries"),
        _n_people(ch & F.col("caries")).alias("children_caries"),
        F.count_distinct(F.when(par & F.col("abortion"), F.concat_ws("|", "person_id", F.col("event_date").cast("string"))))
        .alias("abortions"),
        _n_people(par & F.col("subst")).alias("parents_substance_use"),
        _n_people(dp & F.col("subst")).alias("distance_parents_substance_use"),
    )


def _social_services(ppl: DataFrame, social: DataFrame, prm: Params) -> DataFrame:
    ep = social.filter((F.col("start_date") <= prm.ref) & (F.coalesce(F.col("end_date"), prm.ref) >= prm.lookback_start))
    ev = ppl.filter("is_household").select("family_id", "person_id", "is_child").join(
        ep.select("person_id", "episode_id", "service_type"), on="person_id", how="inner")
    t, ch = F.col("service_type"), F.col("is_child")
    return ev.groupBy("family_id").agg(
        _n_people(ch & t.isin("CW_OPEN", "CW_PLACEMENT")).alias("child_welfare_children"),
        _n_people(ch & (t == "CW_PLACEMENT")).alias("child_welfare_placement"),
        _any(t == "FAMILY_WORK").alias("family_work"),
        F.count_distinct(F.when(t.isin("HOME_SERVICE", "DISABILITY_SERVICE", "ADULT_SOCIAL_WORK"),
                                F.col("episode_id"))).alias("other_social_services"),
    )


def _care_use(ppl: DataFrame, care: DataFrame, primary: DataFrame, sizes: DataFrame, prm: Params) -> DataFrame:
    hh = ppl.filter("is_household").select("family_id", "person_id", "is_child")
    visits = primary.filter(F.col("visit_date").between(prm.lookback_start, prm.ref)).select(
        "person_id", "visit_id", "profession_code")
    v = hh.join(visits, on="person_id", how="inner").groupBy("family_id").agg(
        F.count_distinct("visit_id").alias("_visits"),
        F.count_distinct(F.when(F.col("is_child"), F.col("visit_id"))).alias("_child_visits"),
        F.count_distinct(F.when(F.col("is_child") & F.col("profession_code").isin("2222", "3225"), F.col("visit_id")))
        .alias("_child_dental"),
    )
    eps = care.filter(F.col("admission_date").between(prm.lookback_start, prm.ref)).select(
        "person_id", "episode_id", "specialty")
    spec = F.substring(F.coalesce(F.col("specialty"), F.lit("")), 1, 2)
    e = hh.join(eps, on="person_id", how="inner").groupBy("family_id").agg(
        F.count_distinct("episode_id").alias("_episodes"),
        F.count_distinct(F.when(spec.isin("70", "74", "75"), F.col("episode_id"))).alias("psychiatric_care_episodes"),
    )
    years = F.lit(float(prm.lookback_years))
    return sizes.join(v, on="family_id", how="left").join(e, on="family_id", how="left").select(
        "family_id",
        (F.coalesce(F.col("_visits"), F.lit(0)) / (F.col("_n_household") * years)).alias("primary_care_visits_rate"),
        (F.coalesce(F.col("_child_visits"), F.lit(0)) / (F.col("_n_children") * years)).alias("children_primary_care_visits_rate"),
        (F.coalesce(F.col("_child_dental"), F.lit(0)) / (F.col("_n_children") * years)).alias("children_dental_visits_rate"),
        (F.coalesce(F.col("_episodes"), F.lit(0)) / (F.col("_n_household") * years)).alias("specialised_care_episodes_rate"),
        "psychiatric_care_episodes",
    )


def build_features(families: DataFrame, members: DataFrame, persons: DataFrame, events: dict[str, DataFrame],
                   prm: Params) -> DataFrame:
    """``gold.family_features`` for ``families`` (see the module docstring).

    ``events`` maps bronze table names (``residences``, ``earnings``, ``social_assistance``,
    ``housing_allowance``, ``unemployment``, ``pensions``, ``degrees``, ``care_episodes``,
    ``social_care_episodes``, ``primary_care_visits``) to their DataFrames.
    """
    ppl = people(members, persons)
    sizes = _household_size(ppl)
    dx = diagnoses(events["care_episodes"], events["primary_care_visits"], prm)
    earn = _earnings(ppl, events["earnings"], prm)
    parts = [
        _structure(families, ppl, prm),
        _network(ppl, prm),
        _moves(ppl, events["residences"], prm),
        _months(ppl, events["social_assistance"], prm, "social_assistance"),
        _months(ppl, events["housing_allowance"], prm, "housing_allowance"),
        earn,
        _unemployment(ppl, events["unemployment"], prm),
        _pensions(ppl, events["pensions"], prm),
        _education(ppl, events["degrees"], prm),
        _health(ppl, dx, events["social_care_episodes"], prm),
        _social_services(ppl, events["social_care_episodes"], prm),
        _care_use(ppl, events["care_episodes"], events["primary_care_visits"], sizes, prm),
        sizes,
    ]
    wide = families.select("family_id", "reference_date", "municipality_code", "postal_code", "wellbeing_county_code")
    for part in parts:
        wide = wide.join(part, on="family_id", how="left")
    per_cu = F.coalesce(F.col("household_earnings_eur"), F.lit(0.0)) / F.col("_consumption_units")
    wide = (
        wide.withColumn("earnings_per_consumption_unit", per_cu)
        .withColumn("parents_employed_share",
                    F.when(F.col("_n_parents") > 0, F.coalesce(F.col("_employed_parents"), F.lit(0)) / F.col("_n_parents")))
    )
    # The national median as a one-row aggregate joined back (a window without a partition
    # would move every family into a single task).
    median = wide.agg(F.median("earnings_per_consumption_unit").alias("_median"))
    wide = wide.crossJoin(F.broadcast(median)).withColumn(
        "low_income", _b(F.col("earnings_per_consumption_unit") < F.lit(prm.low_income_share_of_median) * F.col("_median")))
    missing = [i.name for i in CATALOG if i.name not in wide.columns]
    if missing:
        raise ValueError(f"indicators in the catalog but not computed: {missing}")
    period = F.date_format(prm.ref, "yyyy")
    return wide.select(
        "family_id", period.alias("reference_period"), F.col("reference_date").cast("date").alias("reference_date"),
        "municipality_code", "postal_code", "wellbeing_county_code",
        *[F.coalesce(F.col(i.name).cast("double"), F.lit(0.0)).alias(i.name) for i in CATALOG],
    )

