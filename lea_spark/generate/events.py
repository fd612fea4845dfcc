"""Person traits and register events (earnings, benefits, pensions, degrees, care).

``with_traits`` draws each person's education, work, unemployment spells, pension and
health conditions from the family's group traits (:mod:`profiles`) or, for persons outside
families, from age. The event functions explode persons into register rows over the
look-back window (``project.lookback_years`` back from the reference date). Every function
returns canonical-like columns plus ``person_key`` (internal) and ``person_code`` (raw
identity code); :mod:`layouts` turns them into each agency's own file layout.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lea_spark.generate import profiles as P
from lea_spark.generate.params import GenParams
from lea_spark.generate.rand import categorical, lookup, normal, normal_one_hash, uniform

# Health-centre visits per person-year by age (THL Perusterveydenhuollon avohoito 2022:
# 34.6 M visits / 5.56 M persons = 6.2 a year on average; age profile is a judgement).
VISIT_RATE = [(0, 6.0), (7, 3.4), (18, 4.2), (45, 5.1), (65, 7.2), (75, 10.2)]
WAGE_BY_EDU = {2: 2400.0, 3: 2800.0, 5: 3300.0, 6: 3700.0, 7: 4700.0, 8: 5400.0}
OCCUPATIONS = {2: ["9112", "8322", "5223", "9329"], 3: ["5223", "7411", "5321", "4110", "8332"],
               5: ["3313", "3322", "5321", "3115"], 6: ["2411", "2221", "3412", "2341", "2512"],
               7: ["2411", "2211", "2341", "2512", "1211"], 8: ["2310", "2211", "2131", "1211"]}
DEGREES = {
    3: [("301101", "0011"), ("351203", "0413"), ("361201", "0715"), ("371101", "0913"), ("381204", "0722")],
    5: [("571101", "0413"), ("581201", "0913"), ("561101", "0715")],
    6: [("612101", "0413"), ("621101", "0913"), ("631101", "0714"), ("671101", "0611"), ("641101", "0211")],
    7: [("712101", "0413"), ("721101", "0912"), ("731101", "0714"), ("751101", "0111"), ("741101", "0311")],
    8: [("812101", "0413"), ("821101", "0912"), ("831101", "0533")],
}
PSYCH = ["F32", "F33", "F41", "F43", "F40", "F31"]
NEURO = ["F84", "F90", "F90", "F84"]
SUBSTANCE = ["F10", "F10", "F11", "F12", "F13", "F15", "F19"]
INJURY = ["S52", "S62", "S82", "S06", "T14", "S93"]
SELF_HARM_DX = ["T42", "T43", "T50", "S51", "T39"]
SELF_HARM_CAUSE = [f"X{n}" for n in range(60, 85)]
ACCIDENT_CAUSE = ["W01", "W19", "X59", "V89", "W54", "X85", "Y04"]
GENERAL_DX = ["J06", "J18", "K35", "M54", "I10", "E11", "N39", "R10", "Z00", "H66", "J45", "K80", "I21", "C50",
              "G40", "M17", "J20", "R07"]
CHRONIC_DX = ["E10", "I25", "M05", "J45", "G40", "C50", "I50", "N18", "E11", "M17"]
ICPC2_COMMON = ["R74", "A97", "L03", "S18", "T90", "K86", "R05", "L86", "A98", "H71", "D73", "U71"]
ICPC2_PSYCH = ["P76", "P74", "P06", "P03"]
ICPC2_SUBSTANCE = ["P15", "P16", "P19"]


def _fp(name: str, default: float) -> Column:
    return F.coalesce(P.param(name, F.col("group_no")), F.lit(float(default)))


def _pick(values: list, u: Column) -> Column:
    return F.element_at(F.array(*[F.lit(v) for v in values]), (u * len(values)).cast("int") + 1)


def _by_age(age: Column, table: list, default) -> Column:
    expr = None
    for lo, value in sorted(table, key=lambda t: -t[0]):
        v = value if isinstance(value, Column) else F.lit(value)
        expr = F.when(age >= lo, v) if expr is None else expr.when(age >= lo, v)
    d = default if isinstance(default, Column) else F.lit(default)
    return d if expr is None else expr.otherwise(d)


def with_traits(persons: DataFrame, p: GenParams) -> DataFrame:
    """Education, work, unemployment spells, pension and health conditions per person."""
    s = p.seed
    u = lambda purpose: uniform(s, purpose, "person_key")  # noqa: E731
    m = F.col("member_no")
    age = F.col("age")
    g = F.col("group_no")
    parent = m.isin(1, 2)
    dp = m.isin(3, 4)
    child = m >= 11
    female = F.col("sex") == "2"

    edu_parent = categorical(u("edu"), P.EDU_LEVELS, [P.vector_param(P.EDU_PROBS, i, g) for i in range(6)])
    edu_dp = F.when(u("dp_tert") < _fp("dp_tertiary", 0.4), categorical(u("edu"), [6, 7, 8], [0.55, 0.40, 0.05])) \
        .otherwise(categorical(u("edu"), [2, 3], [0.35, 0.65]))
    edu_age = _by_age(age, [(lo, categorical(u("edu"), P.EDU_LEVELS, vec)) for lo, vec in P.EDU_BY_AGE.items()], None)
    edu = F.when(age < 18, F.lit(None)).when(parent, edu_parent).when(dp, edu_dp).otherwise(edu_age)

    student = (F.when(parent, u("student") < _fp("student", 0.03)).when(dp, u("student") < _fp("dp_student", 0.03))
               .otherwise(u("student") < _by_age(age, [(30, 0.02), (25, 0.12), (18, 0.45)], 0.0)))
    works_p = _by_age(age, [(70, 0.0), (65, 0.10), (60, 0.66), (55, 0.88), (25, 0.94), (18, 0.74), (16, 0.35)], 0.0)
    works = (F.when(parent, u("works") < _fp("employed", 0.85))
             .when(dp, u("works") < F.lit(0.85)).otherwise(u("works") < works_p))
    dis_rate = _by_age(age, [(65, 0.0), (55, 0.115), (45, 0.055), (35, 0.03), (18, 0.012)], 0.0)
    disability = (F.when(age < 18, F.lit(False))
                  .when(parent, u("disab") < _fp("disability", 0.01) * F.when(m == 1, 1.2).otherwise(0.8))
                  .when(dp, u("disab") < _fp("dp_disability", 0.02))
                  .otherwise(u("disab") < dis_rate)) & (age < 65)
    dis_type = categorical(u("dis_type"), ["0", "2", "0K"], [0.72, 0.18, 0.10])
    lam = (F.when(parent, _fp("unemployment_spells", 0.3))
           .when(dp & g.isin(4, 10), _fp("unemployment_spells", 0.3) * 0.8)
           .when(dp, F.lit(0.3)).when(m.isin(9, 10), F.lit(0.6))
           .otherwise(_by_age(age, [(65, 0.0), (55, 0.7), (25, 0.6), (18, 0.8)], 0.0)))
    months_mean = F.when(parent, _fp("unemployment_months", 4)).otherwise(F.lit(6.0))
    half = p.window_months // 2
    from lea_spark.generate.population import cut
    df = (persons
          .withColumn("edu_level", edu.cast("int"))
          .withColumn("student", student & (age >= 18))
          .withColumn("disability", disability)
          .withColumn("disability_type", F.when(disability, dis_type))
          .withColumn("works", works & (age >= 16) & ~(F.col("disability") & (F.col("disability_type") == "0")))
          .withColumn("self_employed", u("selfemp") < F.when(parent, _fp("self_employed", 0.05))
                      .when(dp & (g == 7), F.lit(0.3)).otherwise(F.lit(0.06)))
          # one possible spell in each half of the window, each with probability lam / 2
          .withColumn("spell_p", F.when((age >= 17) & (age <= 66), F.least(F.lit(0.95), lam / 2)).otherwise(F.lit(0.0)))
          .withColumn("n_spells", (u("spell_a") < F.col("spell_p")).cast("int") + (u("spell_b") < F.col("spell_p")).cast("int"))
          .withColumn("fund_member", F.col("works") & (u("fund") < 0.75)))
    df = cut(df)
    for k, (lo, hi) in enumerate([(0, half), (half, p.window_months)], start=1):
        start = F.lit(lo) + (u(f"s{k}") * (hi - lo)).cast("int")
        length = F.lit(1) + F.floor(-F.log(F.lit(1.0) - u(f"l{k}")) * (months_mean - 1)).cast("int")
        df = (df.withColumn(f"spell{k}_start", start)
              .withColumn(f"spell{k}_len", F.when(u("spell_a" if k == 1 else "spell_b") < F.col("spell_p"),
                                                  F.least(length, F.lit(hi) - start)).otherwise(F.lit(0))))
    teen = age >= 12
    df = (df
          .withColumn("psych", u("psych") < F.when(parent, _fp("psych_parent", 0.06))
                      .when(dp, _fp("psych_parent", 0.08) * 0.7)
                      .when(child, _fp("psych_child", 0.04) * F.when(teen, 1.0).otherwise(0.3))
                      .otherwise(F.lit(0.06)))
          .withColumn("neuro", u("neuro") < F.when(child & (age >= 3), _fp("neuro_child", 0.05)).otherwise(F.lit(0.01)))
          .withColumn("substance", (age >= 15) & (u("subst") < F.when(parent, _fp("substance_parent", 0.02))
                                                    .when(dp & (g == 10), F.lit(0.05)).otherwise(F.lit(0.025))))
          .withColumn("caries", u("caries") < F.when(child & (age >= 2), _fp("caries_child", 0.15)).otherwise(F.lit(0.05)))
          .withColumn("self_harm", (age >= 13) & (u("selfharm") < F.when(parent | child, _fp("self_harm", 0.005))
                                                    .otherwise(F.lit(0.003))))
          .withColumn("injury", u("injury") < F.when(F.col("family_key").isNotNull(), _fp("injury", 0.05)).otherwise(F.lit(0.04)))
          .withColumn("abortion", female & age.between(17, 52) & (u("abort") < F.when(parent | dp, _fp("abortion", 0.03))
                                                                  .otherwise(F.lit(0.02))))
          .withColumn("chronic", u("chronic") < F.when(parent, _fp("chronic", 0.1)).when(child, F.lit(0.04))
                      .otherwise(_by_age(age, [(75, 0.45), (65, 0.3), (45, 0.15)], 0.08)))
          .withColumn("service_use", F.when(F.col("family_key").isNotNull(), _fp("service_use", 1.0)).otherwise(F.lit(1.0))))
    return df


def round_cents(amount: Column) -> Column:
    """A euro amount rounded to whole cents (halves up), as a double. ``round(x, 2)`` does the
    same through a ``BigDecimal`` made from the double's decimal text on every row, which was
    15 % of the Incomes Register's samples in a JFR profile; this takes the whole number of
    cents and divides it by 100 (IEEE division gives the double nearest to the two-decimal
    value). The two can differ only for amounts within one ulp of a half cent."""
    return F.floor(amount * F.lit(100.0) + F.lit(0.5)) / F.lit(100.0)


def _months(p: GenParams) -> Column:
    return F.sequence(F.lit(0), F.lit(p.window_months - 1))


def _month_date(p: GenParams, idx: Column) -> Column:
    """The first day of month ``idx`` (0-based) of the window: from a constant array of the
    window's months (``add_months`` on every event row was 8 % of the Incomes Register's
    samples in a JFR profile)."""
    return F.element_at(F.array(*[F.lit(d) for d in p.month_firsts()]), (idx + 1).cast("int"))


def _alive_at(day: Column) -> Column:
    return (F.col("birth_date") <= day) & (F.col("death_date").isNull() | (F.col("death_date") >= day))


def _in_spell(idx: Column) -> Column:
    return ((idx >= F.col("spell1_start")) & (idx < F.col("spell1_start") + F.col("spell1_len"))) | \
           ((idx >= F.col("spell2_start")) & (idx < F.col("spell2_start") + F.col("spell2_len")))


def earnings(persons: DataFrame, p: GenParams) -> DataFrame:
    """Incomes Register: wages per person, month and income type (201, 213, 235)."""
    s = p.seed
    base = (lookup(WAGE_BY_EDU, F.coalesce(F.col("edu_level"), F.lit(3)), 2600.0)
            * F.exp(0.3 * normal(s, "wage", "person_key"))
            * F.when(F.col("student"), 0.35).when(F.col("age") < 20, 0.45).otherwise(1.0))
    occ = F.coalesce(F.col("edu_level"), F.lit(3))
    occupation = F.when(occ <= 2, _pick(OCCUPATIONS[2], uniform(s, "occ", "person_key")))
    for lvl in (3, 5, 6, 7, 8):
        occupation = occupation.when(occ == lvl, _pick(OCCUPATIONS[lvl], uniform(s, "occ", "person_key")))
    df = (persons.filter(F.col("works"))
          .select("person_key", "person_code", "birth_date", "death_date", "student", "self_employed",
                  "spell1_start", "spell1_len", "spell2_start", "spell2_len",
                  base.alias("base_wage"), occupation.alias("occupation_code"),
                  F.add_months(F.col("birth_date"), 16 * 12).alias("age16_date"))   # once per person
          .withColumn("month_idx", F.explode(_months(p)))
          .withColumn("payment_month", _month_date(p, F.col("month_idx"))))
    u_gap = uniform(s, "gap", "person_key", "month_idx")
    df = df.filter(_alive_at(F.col("payment_month")) & (F.col("age16_date") <= F.col("payment_month"))
                   & ~_in_spell(F.col("month_idx"))
                   & (u_gap >= F.when(F.col("student"), 0.5).otherwise(0.015)))
    june = F.month("payment_month") == 6
    types = F.array(F.lit("201"),
                    F.when(june & (uniform(s, "bonus", "person_key", "month_idx") < 0.75), F.lit("213")),
                    F.when(uniform(s, "overtime", "person_key", "month_idx") < 0.12, F.lit("235")))
    # explode, then drop the nulls: a higher-order filter() is evaluated row by row outside
    # the generated code (a JFR profile found 16 % of the register's samples there).
    df = df.withColumn("income_type", F.explode(types)).filter(F.col("income_type").isNotNull())
    factor = F.when(F.col("income_type") == "201", 1.0 + 0.04 * normal_one_hash(s, "wage_m", "person_key", "month_idx")) \
        .when(F.col("income_type") == "213", F.lit(0.5)).otherwise(0.05 + 0.15 * uniform(s, "ot", "person_key", "month_idx"))
    return (df.withColumn("amount_eur", round_cents(F.col("base_wage") * factor))
            .withColumn("employment_type", F.when(F.col("self_employed"), F.lit("self_employed")).otherwise(F.lit("employee")))
            .select("person_key", "person_code", "payment_month", "income_type", "amount_eur", "employment_type",
                    "occupation_code", "month_idx"))


def unemployment(persons: DataFrame, p: GenParams) -> DataFrame:
    """Kela / funds: one benefit row per month of each unemployment spell."""
    s = p.seed
    spells = F.concat(
        F.when(F.col("spell1_len") > 0, F.sequence(F.col("spell1_start"), F.col("spell1_start") + F.col("spell1_len") - 1))
        .otherwise(F.array().cast("array<int>")),
        F.when(F.col("spell2_len") > 0, F.sequence(F.col("spell2_start"), F.col("spell2_start") + F.col("spell2_len") - 1))
        .otherwise(F.array().cast("array<int>")))
    df = (persons.filter(F.col("n_spells") > 0)
          .select("person_key", "person_code", "birth_date", "death_date", "fund_member", "works",
                  F.explode(spells).alias("month_idx"))
          .withColumn("start_date", _month_date(p, F.col("month_idx")))
          .filter(_alive_at(F.col("start_date")) & (F.add_months(F.col("birth_date"), 17 * 12) <= F.col("start_date"))))
    btype = (F.when(F.col("fund_member"), F.lit("KASSA"))
             .when(~F.col("works") | (uniform(s, "fm", "person_key") < 0.4), F.lit("FM")).otherwise(F.lit("FP")))
    return (df.withColumn("benefit_type", btype)
            .withColumn("end_date", F.last_day("start_date"))
            .withColumn("paid_days", F.lit(20) + (uniform(s, "days", "person_key", "month_idx") * 3).cast("int"))
            .select("person_key", "person_code", "benefit_type", "start_date", "end_date", "paid_days", "month_idx"))


def pensions(persons: DataFrame, p: GenParams) -> DataFrame:
    """ETK: disability (0 / 2 / 0K), old-age (5) and child survivors' pensions (82)."""
    s = p.seed
    u = lambda purpose: uniform(s, purpose, "person_key")  # noqa: E731
    ref = p.ref()
    dis_start = F.greatest(F.add_months("birth_date", 19 * 12), F.date_sub(ref, (u("dis_start") * 8 * 365).cast("int")))
    dis_end = F.date_add(dis_start, (365 + u("dis_end") * 700).cast("int"))
    disab = (persons.filter(F.col("disability"))
             .select("person_key", "person_code", "death_date", F.col("disability_type").alias("pension_type"),
                     dis_start.alias("start_date"),
                     F.when((F.col("disability_type") == "0K") & (dis_end <= ref), dis_end).alias("end_date")))
    old_start = F.add_months("birth_date", (12 * 63 + u("old_start") * 30).cast("int"))
    old = (persons.filter((F.col("age") >= 63) & (old_start <= ref))
           .select("person_key", "person_code", "death_date", F.lit("5").alias("pension_type"), old_start.alias("start_date"),
                   F.lit(None).cast("date").alias("end_date")))
    orphan = (persons.filter((F.col("member_no") >= 11) & F.col("dp_dead") & (F.col("member_no") - 10 <= F.col("n_prev")))
              .select("person_key", "person_code", "death_date", F.lit("82").alias("pension_type"),
                      F.greatest(F.col("dp_death"), F.col("birth_date")).alias("start_date"),
                      F.lit(None).cast("date").alias("end_date")))
    df = disab.unionByName(old).unionByName(orphan)
    return df.withColumn("end_date", F.when(F.col("death_date").isNotNull(), F.coalesce("end_date", "death_date"))
                    .otherwise(F.col("end_date"))) \
        .filter(F.col("death_date").isNull() | (F.col("start_date") <= F.col("death_date"))).drop("death_date")


def degrees(persons: DataFrame, p: GenParams) -> DataFrame:
    """Statistics Finland degree register: the highest degree, plus upper secondary below it."""
    s = p.seed
    u = lambda purpose: uniform(s, purpose, "person_key")  # noqa: E731

    def pick(level: int, purpose: str) -> tuple[Column, Column]:
        codes = DEGREES[level]
        i = (u(purpose) * len(codes)).cast("int") + 1
        return (F.element_at(F.array(*[F.lit(c) for c, _ in codes]), i),
                F.element_at(F.array(*[F.lit(f) for _, f in codes]), i))

    lvl = F.col("edu_level")
    completion_age = (F.when(lvl == 3, 19 + u("age3") * 3).when(lvl == 5, 22 + u("age5") * 4)
                      .when(lvl == 6, 23 + u("age6") * 7).when(lvl == 7, 25 + u("age7") * 9)
                      .otherwise(31 + u("age8") * 10))
    upper = persons.filter(lvl >= 3).select(
        "person_key", "person_code", F.lit(3).alias("isced_level"),
        *[c.alias(n) for c, n in zip(pick(3, "deg3"), ("degree_code", "field_code"))],
        F.add_months("birth_date", (12 * (19 + u("age3") * 2)).cast("int")).alias("completion_date"))
    top_code = F.when(lvl == 5, pick(5, "deg")[0]).when(lvl == 6, pick(6, "deg")[0]).when(lvl == 7, pick(7, "deg")[0]) \
        .otherwise(pick(8, "deg")[0])
    top_field = F.when(lvl == 5, pick(5, "deg")[1]).when(lvl == 6, pick(6, "deg")[1]).when(lvl == 7, pick(7, "deg")[1]) \
        .otherwise(pick(8, "deg")[1])
    top = persons.filter(lvl >= 5).select(
        "person_key", "person_code", lvl.alias("isced_level"), top_code.alias("degree_code"), top_field.alias("field_code"),
        F.add_months("birth_date", (12 * completion_age).cast("int")).alias("completion_date"))
    return upper.unionByName(top).filter(F.col("completion_date") <= p.ref())


def _benefit_months(df: DataFrame, p: GenParams, purpose: str, take_up: Column) -> DataFrame:
    out = df.withColumn("month_idx", F.explode(_months(p))).withColumn("benefit_month", _month_date(p, F.col("month_idx")))
    return out.filter(_alive_at(F.last_day("benefit_month")) & (uniform(p.seed, purpose, "person_key", "month_idx") < take_up))


def social_assistance(persons: DataFrame, p: GenParams) -> DataFrame:
    """Kela basic social assistance: the applicant of the household, per month paid."""
    s = p.seed
    filler_rate = _by_age(F.col("age"), [(65, 0.02), (30, 0.11), (18, 0.22)], 0.0)
    client = F.when(F.col("member_no") == 1, F.col("sa_client")) \
        .when(F.col("member_no") == 0, uniform(s, "sa_filler", "person_key") < filler_rate).otherwise(F.lit(False))
    df = persons.filter(client).select("person_key", "person_code", "birth_date", "death_date", "member_no",
                                       F.coalesce("n_children", F.lit(0)).alias("household_children"))
    df = _benefit_months(df, p, "sa_month", F.when(F.col("member_no") == 1, 0.55).otherwise(0.5))
    amount = round_cents((F.lit(350.0) + 150 * F.col("household_children")) * (0.6 + 0.8 * uniform(s, "sa_eur", "person_key", "month_idx")))
    return df.select("person_key", "person_code", "benefit_month", amount.alias("amount_eur"), "household_children", "month_idx")


def housing_allowance(persons: DataFrame, p: GenParams) -> DataFrame:
    """Kela general housing allowance: the applicant of the household, per month paid."""
    s = p.seed
    filler_rate = _by_age(F.col("age"), [(65, 0.02), (30, 0.20), (18, 0.52)], 0.0)
    client = F.when(F.col("member_no") == 1, F.col("ha_client")) \
        .when(F.col("member_no") == 0, uniform(s, "ha_filler", "person_key") < filler_rate).otherwise(F.lit(False))
    size = F.when(F.col("member_no") == 1, F.lit(1) + F.col("structure").isin("two_parent", "blended").cast("int")
                  + F.col("n_children") + F.col("relative_in_dwelling").cast("int")).otherwise(F.lit(1))
    df = persons.filter(client).select("person_key", "person_code", "birth_date", "death_date", size.alias("household_size"))
    df = _benefit_months(df, p, "ha_month", F.lit(0.85))
    amount = round_cents((F.lit(220.0) + 60 * F.col("household_size")) * (0.7 + 0.6 * uniform(s, "ha_eur", "person_key")))
    return df.select("person_key", "person_code", "benefit_month", amount.alias("amount_eur"), "household_size", "month_idx")


def _window_day(p: GenParams, u: Column) -> Column:
    days = (p.reference_date - p.window_start).days + 1
    return F.date_add(F.lit(p.window_start), (u * days).cast("int"))


def care_episodes(persons: DataFrame, p: GenParams) -> DataFrame:
    """Hilmo: specialised care episodes with ICD-10 diagnoses (and deliveries, O80)."""
    s = p.seed
    u = lambda purpose: uniform(s, purpose, "person_key")  # noqa: E731
    years = p.lookback_years
    base_rate = _by_age(F.col("age"), [(75, 0.9), (65, 0.6), (18, 0.3), (0, 0.25)], 0.25) * years
    n_base = F.greatest(F.lit(0), F.round(base_rate * (1 + 2 * F.col("chronic").cast("int")) * (0.2 + 1.6 * u("ep_n")))).cast("int")

    def rep(kind: str, n: Column) -> Column:
        return F.array_repeat(F.lit(kind), n.cast("int"))

    kinds = F.concat(
        rep("base", n_base),
        rep("psych", F.when(F.col("psych"), 1 + (u("n_psych") * 3).cast("int")).otherwise(0)),
        rep("neuro", F.when(F.col("neuro"), 1 + (u("n_neuro") * 2).cast("int")).otherwise(0)),
        rep("substance", F.when(F.col("substance"), 1 + (u("n_subst") * 2).cast("int")).otherwise(0)),
        rep("self_harm", F.col("self_harm").cast("int")),
        rep("injury", F.col("injury").cast("int")),
        rep("abortion", F.col("abortion").cast("int")),
    )
    df = persons.select("person_key", "person_code", "birth_date", "death_date", "age", "municipality_code",
                        "group_no", "delivery_dates", F.posexplode(kinds).alias("j", "kind"))
    df = df.withColumn("admission_date", _window_day(p, uniform(s, "ep_day", "person_key", "j")))
    births = persons.select("person_key", "person_code", "birth_date", "death_date", "age", "municipality_code", "group_no",
                            "delivery_dates", F.posexplode("delivery_dates").alias("j", "admission_date")) \
        .withColumn("kind", F.lit("delivery")).withColumn("j", F.col("j") + 900)
    df = df.unionByName(births).filter(_alive_at(F.col("admission_date")) & (F.col("admission_date") <= p.ref()))
    uj = lambda purpose: uniform(s, purpose, "person_key", "j")  # noqa: E731
    kind = F.col("kind")
    child_age = F.floor(F.months_between(F.col("admission_date"), F.col("birth_date")) / 12)
    main = (F.when(kind == "psych", _pick(PSYCH, uj("dx")))
            .when(kind == "neuro", _pick(NEURO, uj("dx")))
            .when(kind == "substance", _pick(SUBSTANCE, uj("dx")))
            .when(kind == "self_harm", _pick(SELF_HARM_DX, uj("dx")))
            .when(kind == "injury", _pick(INJURY, uj("dx")))
            .when(kind == "abortion", F.lit("O04"))
            .when(kind == "delivery", F.lit("O80"))
            .otherwise(_pick(GENERAL_DX, uj("dx"))))
    detail = F.lpad((uj("dx4") * 10).cast("int").cast("string"), 1, "0")
    main = F.when(main.isin("O80", "O04"), main).otherwise(F.concat(main, detail))
    specialty = (F.when(kind.isin("psych", "neuro", "substance") & (child_age < 13), F.lit("74"))
                 .when(kind.isin("psych", "neuro", "substance") & (child_age < 18), F.lit("75"))
                 .when(kind.isin("psych", "substance"), F.lit("70"))
                 .when(kind.isin("abortion", "delivery"), F.lit("30"))
                 .when(kind.isin("injury", "self_harm"), F.lit("20"))
                 .when(child_age < 16, F.lit("40")).otherwise(F.lit("10")))
    cause = (F.when(kind == "self_harm", _pick(SELF_HARM_CAUSE, uj("cause")))
             .when(kind == "injury", _pick(ACCIDENT_CAUSE, uj("cause"))))
    secondary = F.when((kind == "base") & (uj("sdg") < 0.3), F.concat(_pick(CHRONIC_DX, uj("sdg2")), F.lit("9"))) \
        .when(kind == "self_harm", F.concat(_pick(PSYCH, uj("sdg2")), F.lit("0")))
    stay = F.when(kind == "delivery", 2 + (uj("stay") * 3).cast("int")) \
        .when(kind == "psych", (uj("stay") * 40).cast("int")).otherwise((uj("stay") ** 3 * 15).cast("int"))
    return (df.withColumn("main_diagnosis", main).withColumn("specialty", specialty)
            .withColumn("external_cause", cause).withColumn("secondary_diagnosis", secondary)
            .withColumn("discharge_date", F.least(F.date_add("admission_date", stay), p.ref()))
            .withColumn("episode_id", (F.col("person_key") * 1000 + F.col("j")).cast("string"))
            .withColumn("hour", (uj("hour") * 24).cast("int"))
            .select("episode_id", "person_key", "person_code", "admission_date", "discharge_date", "specialty",
                    "main_diagnosis", "secondary_diagnosis", "external_cause", "municipality_code", "hour", "j"))


def social_care_episodes(persons: DataFrame, p: GenParams) -> DataFrame:
    """Social Hilmo: child-welfare, family work, home service, substance, adult social work,
    disability service episodes."""
    s = p.seed
    u = lambda purpose: uniform(s, purpose, "person_key")  # noqa: E731
    m = F.col("member_no")
    child = m >= 11
    services = F.array(
        F.when(child & F.col("cw_open") & (u("cwo") < 0.7), F.lit("CW_OPEN")),
        F.when(child & F.col("cw_placement") & (u("cwp") < 0.5), F.lit("CW_PLACEMENT")),
        F.when((m == 1) & F.col("family_work"), F.lit("FAMILY_WORK")),
        F.when((m == 1) & F.col("home_service"), F.lit("HOME_SERVICE")),
        F.when(F.col("substance") & (u("subs") < 0.4), F.lit("SUBSTANCE_SERVICE")),
        F.when(((m == 1) & F.col("sa_client") & (u("asw") < 0.3)) | ((m == 0) & (u("asw0") < 0.01)),
               F.lit("ADULT_SOCIAL_WORK")),
        F.when((child & F.col("neuro") & F.col("disability_service")) | (F.col("disability") & (u("dsv") < 0.2)),
               F.lit("DISABILITY_SERVICE")),
    )
    df = persons.select("person_key", "person_code", "birth_date", "death_date", "municipality_code",
                        F.posexplode(F.filter(services, lambda x: x.isNotNull())).alias("j", "service_type"))
    uj = lambda purpose: uniform(s, purpose, "person_key", "j")  # noqa: E731
    df = df.withColumn("start_date", _window_day(p, uj("start"))).filter(_alive_at(F.col("start_date")))
    end = F.date_add("start_date", (30 + uj("len") * 700).cast("int"))
    return (df.withColumn("end_date", F.when(end <= p.ref(), end))
            .withColumn("episode_id", (F.col("person_key") * 100 + F.col("j")).cast("string"))
            .select("episode_id", "person_key", "person_code", "start_date", "end_date", "service_type",
                    "municipality_code", "j"))


def primary_care_visits(persons: DataFrame, p: GenParams) -> DataFrame:
    """Avohilmo: health-centre visits with profession, ICD-10 and ICPC-2 codes."""
    s = p.seed
    rate = _by_age(F.col("age"), VISIT_RATE, 5.0) * F.col("service_use") \
        * (1 + 0.5 * F.col("psych").cast("int") + 0.8 * F.col("chronic").cast("int"))
    mean = rate * p.lookback_years * (0.25 + 1.5 * uniform(s, "visit_n", "person_key"))
    n = F.least(F.lit(999), F.greatest(F.lit(0), F.round(mean + F.sqrt(mean) * normal(s, "visit_sd", "person_key")))).cast("int")
    df = persons.filter(n > 0).select(
        "person_key", "person_code", "birth_date", "death_date", "municipality_code", "psych", "neuro", "substance",
        "caries", "injury", F.explode(F.sequence(F.lit(1), n)).alias("j"))
    uj = lambda purpose: uniform(s, purpose, "person_key", "j")  # noqa: E731
    df = df.withColumn("visit_date", _window_day(p, uj("day"))).filter(_alive_at(F.col("visit_date")))
    prof = categorical(uj("prof"), ["2221", "3231", "3232", "2222", "2445"], [0.30, 0.33, 0.22, 0.13, 0.02])
    prof = F.when((prof == "2445") & ~F.col("psych") & ~F.col("neuro"), F.lit("3231")).otherwise(prof)
    dxu = uj("dx")
    icd = (F.when(F.col("psych") & (dxu < 0.3), _pick(PSYCH, uj("dx2")))
           .when(F.col("neuro") & (dxu < 0.3), _pick(NEURO, uj("dx2")))
           .when(F.col("substance") & (dxu < 0.25), _pick(SUBSTANCE, uj("dx2")))
           .when(F.col("injury") & (dxu < 0.08), _pick(INJURY, uj("dx2")))
           .otherwise(_pick(GENERAL_DX, uj("dx2"))))
    dental = F.when(F.col("caries") & (dxu < 0.7), F.lit("K02")).when(dxu < 0.5, F.lit("K05")).otherwise(F.lit("Z01"))
    icd10 = (F.when(prof == "2221", icd).when(prof == "2222", dental)
             .when(prof == "2445", F.when(F.col("neuro"), _pick(NEURO, uj("dx2"))).otherwise(_pick(PSYCH, uj("dx2")))))
    icd10 = F.when(icd10.isNotNull(), F.concat(icd10, (uj("dx4") * 10).cast("int").cast("string")))
    icpc = (F.when(F.col("psych") & (dxu < 0.3), _pick(ICPC2_PSYCH, uj("ic")))
            .when(F.col("substance") & (dxu < 0.25), _pick(ICPC2_SUBSTANCE, uj("ic")))
            .otherwise(_pick(ICPC2_COMMON, uj("ic"))))
    icpc2 = F.when(prof.isin("3231", "3232") & (uj("has_icpc") < 0.8), icpc)
    return (df.withColumn("profession_code", prof).withColumn("icd10", icd10).withColumn("icpc2", icpc2)
            .withColumn("visit_id", (F.col("person_key") * 1000 + F.col("j")).cast("string"))
            .withColumn("hour", 8 + (uj("hour") * 9).cast("int")).withColumn("minute", (uj("min") * 4).cast("int") * 15)
            .withColumn("preventive", (prof == "3232") & (uj("prev") < 0.6))
            .withColumn("remote", uj("remote") < 0.2)
            .select("visit_id", "person_key", "person_code", "visit_date", "profession_code", "icd10", "icpc2",
                    "municipality_code", "hour", "minute", "preventive", "remote", "j"))
