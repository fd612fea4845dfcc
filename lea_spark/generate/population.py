"""Families, their members and everyone else: the synthetic population as Spark DataFrames.

Families are drawn per municipality from the group mix; each family's template (structure,
children, ages, language, kin) comes from its group's traits (:mod:`profiles`). Members are
exploded from the family row, so a family is generated in one place with no joins. All
draws hash ``(seed, purpose, key)`` (:mod:`rand`).

Key spaces (longs): ``family_key = municipality * 10^7 + index``; family members
``person_key = family_key * 100 + member_no``; everyone else ``10^13 + municipality * 10^8 +
index``. Members: 1 resident parent, 2 second resident parent (partner or step-parent),
3 distance parent, 4 second distance parent (independent minors), 5-6 grandmother and
grandfather on side A (parents of member 1, or of 4), 7-8 on side B (parents of member 2 in
two-parent families, otherwise of member 3), 9 adult full sibling living elsewhere, 10 adult
half-sibling living with the distance parent, 11-16 the minor children (11 the oldest).
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from lea_spark.generate import profiles as P
from lea_spark.generate.geography import FAR_BUCKETS, POSTAL_BUCKETS, Plan, frame
from lea_spark.generate.params import GenParams
from lea_spark.generate.rand import categorical, lookup, normal, poisson, uniform

CHUNK = 5000
FILLER_BASE = 10**13
DWELLING_BASE = 10**14
FOREIGN_LANGUAGES = ["ru", "et", "ar", "so", "th", "zh", "en", "fa", "ku", "sq", "vi"]
# Families by mother's language, Statistics Finland Perheet 2018 table 5 (other/unknown
# 26,766 split over the remaining languages).
FOREIGN_WEIGHTS = [13731, 7230, 4228, 2984, 2814, 2111, 6000, 5500, 5000, 5000, 5266]
COUNTRY_OF = {"fi": "246", "sv": "246", "se": "246", "ru": "643", "et": "233", "ar": "368", "so": "706",
              "th": "764", "zh": "156", "en": "826", "fa": "364", "ku": "368", "sq": "008", "vi": "704"}
HETU_SIGNS_1900 = "-YXWVU"
HETU_SIGNS_2000 = "ABCDEF"
CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def cut(df: DataFrame) -> DataFrame:
    """Materialise ``df`` and cut its lineage, so that later columns built on these values
    do not inline (and multiply) the expressions that produced them."""
    return df.localCheckpoint(eager=True)


def _years_before(date: Column, years: Column) -> Column:
    return F.add_months(date, (-F.lit(12) * years).cast("int"))


def grandparent_death_date(birth_date: Column, ref: Column, u: Column) -> Column:
    """The death date of a grandparent drawn dead: within the ten years before the reference
    date ``ref`` (``u`` uniform in [0, 1)), not before the age of 45, and never after ``ref``.

    A grandparent younger than 45 on the reference date (a parent's parent can be 35) dies on
    the reference date itself: a death date after it would be a death in the extract's future.
    """
    return F.least(F.greatest(F.add_months(birth_date, 12 * 45), F.date_sub(ref, (u * 3650).cast("int"))), ref)


def families(spark: SparkSession, plan: Plan, p: GenParams) -> DataFrame:
    """One row per family with children: group, structure and template draws."""
    m = frame(spark, plan, "municipalities")
    s = p.seed
    chunks = m.withColumn("chunk", F.explode(F.sequence(F.lit(0), ((F.col("n_families") - 1) / CHUNK).cast("int"))))
    fam = (chunks.repartition(p.partitions, "municipality_code", "chunk")
           .withColumn("idx", F.explode(F.sequence(F.col("chunk") * CHUNK,
                                                   F.least((F.col("chunk") + 1) * CHUNK, F.col("n_families")) - 1)))
           .withColumn("family_key", F.col("muni_int").cast("long") * F.lit(10**7) + F.col("idx")))
    u = lambda purpose: uniform(s, purpose, "family_key")  # noqa: E731
    # Stratified: the i-th family of a municipality takes the group at (i + 0.5) / n of the
    # cumulative shares, so every municipality gets its planted mix up to rounding.
    gu = (F.col("idx") + F.lit(0.5)) / F.col("n_families")
    group = F.when(gu < F.col("group_cum_1"), F.lit(1))
    for g in range(2, 10):
        group = group.when(gu < F.col(f"group_cum_{g}"), F.lit(g))
    fam = fam.withColumn("group_no", group.otherwise(F.lit(10)))
    g = F.col("group_no")
    structure = categorical(u("structure"), P.STRUCTURES,
                            [P.vector_param(P.STRUCTURE_PROBS, i, g) for i in range(len(P.STRUCTURES))])
    fam = fam.withColumn("structure", structure)
    st = F.col("structure")
    nkids = categorical(u("children"), [1, 2, 3, 4, 5], [P.vector_param(P.CHILDREN_PROBS, i, g) for i in range(5)])
    nkids = F.when(nkids == 5, F.lit(5) + (u("children6") < 0.3).cast("int")).otherwise(nkids)
    lo = P.range_param({k: v for k, v in P.YOUNGEST_AGE.items()}, 0, g)
    hi = P.range_param({k: v for k, v in P.YOUNGEST_AGE.items()}, 1, g)
    fam = (fam
           .withColumn("n_children", F.when(st == "independent_minor", F.lit(1)).otherwise(nkids))
           .withColumn("youngest0", F.when(st == "independent_minor", F.lit(15) + (u("young") * 3).cast("int"))
                       .otherwise(lo + (u("young") * (hi - lo + 1)).cast("int")))
           .withColumn("gap0", F.lit(1) + (u("gap") * 3).cast("int"))
           .withColumn("gap", F.when(F.col("youngest0") + (F.col("n_children") - 1) * F.col("gap0") > 17, F.lit(1))
                       .otherwise(F.col("gap0")))
           .withColumn("youngest", F.greatest(F.lit(0), F.least(F.col("youngest0"),
                                                                  F.lit(17) - (F.col("n_children") - 1) * F.col("gap"))))
           .withColumn("same_sex", (st == "two_parent") & (u("same_sex") < 0.003))
           .withColumn("female_couple", u("female_couple") < 0.7)
           .withColumn("father_side", ((st == "blended") & (u("father_side") < 0.2)) | (st == "single_father")
                       | (F.col("same_sex") & ~F.col("female_couple")))
           .withColumn("n_joint", F.when(st == "blended", (u("joint") * F.col("n_children")).cast("int"))
                       .otherwise(F.lit(0)))
           .withColumn("n_prev", F.col("n_children") - F.col("n_joint")))
    # Child i (1 = oldest) is (youngest + (n - i) * gap) years old on the reference date.
    fam = fam.withColumn("child_births", F.expr(
        "transform(sequence(1, n_children), i -> date_sub(add_months(DATE'{ref}', -12 * (youngest + (n_children - i) * gap)),"
        " cast(((xxhash64({seed}, 'child_day', family_key, i) & 9223372036854775807) / 9223372036854775808.0) * 360 as int)))"
        .format(ref=p.reference_date.isoformat(), seed=s)))
    fam = cut(fam.drop("youngest0", "gap0", *[f"group_cum_{i}" for i in range(1, 11)]))
    first_birth = F.col("child_births")[0]
    # The mother is 17-44 at the first birth and at most 47 at the last one.
    last_gap = (F.col("n_children") - 1) * F.col("gap")
    mab = F.greatest(F.lit(17), F.least(F.lit(44), F.lit(47) - last_gap,
                                        F.round(P.param("mother_age_first", g) + 4 * normal(s, "mab", "family_key"))))
    fam = fam.withColumn("mother_birth", F.date_sub(_years_before(first_birth, mab), (u("mother_day") * 300).cast("int")))
    fab = F.round(F.lit(2.5) + 3 * normal(s, "fab", "family_key"))
    fam = (fam
           .withColumn("father_birth", F.least(_years_before(F.col("mother_birth"), fab),
                                               _years_before(first_birth, F.lit(18))))
           .withColumn("partner_birth", F.date_sub(_years_before(
               F.when(F.col("father_side"), F.col("father_birth")).otherwise(F.col("mother_birth")),
               F.round(F.when(F.col("father_side"), F.lit(-2.0)).otherwise(F.lit(2.0)) + 3 * normal(s, "pb", "family_key"))),
               (u("pb_day") * 300).cast("int")))
           # a partner is 18-45 at the birth of the youngest child
           .withColumn("partner_birth", F.least(_years_before(F.element_at("child_births", -1), F.lit(18)),
                                                F.greatest(_years_before(F.element_at("child_births", -1), F.lit(45)),
                                                           F.col("partner_birth")))))
    fam = cut(fam)
    foreign_p = F.least(F.lit(0.95), P.param("foreign", g) * F.col("foreign_factor"))
    fam = (fam
           .withColumn("foreign", u("foreign") < foreign_p)
           .withColumn("language", F.when(F.col("foreign"), categorical(u("flang"), FOREIGN_LANGUAGES, [w / sum(FOREIGN_WEIGHTS) for w in FOREIGN_WEIGHTS]))
                       .when(u("swedish") < F.col("swedish_share"), F.lit("sv")).otherwise(F.lit("fi")))
           .withColumn("n_moves", F.least(F.lit(12), poisson(P.param("moves", g), u("moves"))))
           .withColumn("relative_in_dwelling", (st != "independent_minor")
                       & (u("relative") < P.param("relative_in_dwelling", g) * F.when(F.col("foreign"), 3.0).otherwise(1.0)))
           .withColumn("gp_a_exists", ~F.col("foreign") | (u("gp_a_abroad") < 0.25) | F.col("relative_in_dwelling"))
           .withColumn("gp_b_exists", ~F.col("foreign") | (u("gp_b_abroad") < 0.25))
           .withColumn("gp_a_near", u("gp_a_near") < P.param("grandparents_near", g))
           .withColumn("gp_b_near", u("gp_b_near") < P.param("grandparents_near", g))
           .withColumn("dp_near", u("dp_near") < P.param("distance_parent_near", g))
           .withColumn("dp_dead", st.isin("single_mother", "single_father", "blended") & (u("dp_dead") < P.param("distance_parent_dead", g)))
           .withColumn("dp_death", F.date_add(first_birth, (u("dp_death") * F.datediff(p.ref(), first_birth)).cast("int")))
           .withColumn("sib_flag", u("sib") < P.param("sibling_elsewhere", g))
           .withColumn("hs_flag", u("hs") < P.param("half_sibling", g))
           .withColumn("sa_client", u("sa") < P.param("social_assistance", g))
           .withColumn("ha_client", u("ha") < P.param("housing_allowance", g))
           .withColumn("married", (st.isin("two_parent", "blended")) & (u("married") < F.when(st == "two_parent", 0.74).otherwise(0.5)))
           .withColumn("was_married", st.isin("single_mother", "single_father", "blended") & (u("was_married") < 0.5)))
    for name in ("cw_open", "cw_placement", "family_work", "home_service", "disability_service"):
        fam = fam.withColumn(name, u(name) < P.param(name, g))
    return cut(fam)


# Who is who, per structure (member numbers; null = nobody).
def _member_roles() -> dict[str, Column]:
    st = F.col("structure")
    fs = F.col("father_side")
    same_female = F.col("same_sex") & F.col("female_couple")
    same_male = F.col("same_sex") & ~F.col("female_couple")
    none = F.lit(None).cast("int")
    mother = (F.when(st == "independent_minor", F.lit(4))
              .when(same_male, none)
              .when(st.isin("single_father") | ((st == "blended") & fs), F.lit(3))
              .otherwise(F.lit(1)))
    father = (F.when(st == "independent_minor", F.lit(3))
              .when(same_female, none)
              .when(same_male, F.lit(1))
              .when(st == "two_parent", F.lit(2))
              .when(st.isin("single_father") | ((st == "blended") & fs), F.lit(1))
              .otherwise(F.lit(3)))
    return {
        "mother_m": mother,
        "father_m": father,
        "adoptive_m": F.when(F.col("same_sex"), F.lit(2)).otherwise(none),
        "joint_mother_m": F.when((st == "blended") & fs, F.lit(2)).when(st == "blended", F.lit(1)).otherwise(none),
        "joint_father_m": F.when((st == "blended") & fs, F.lit(1)).when(st == "blended", F.lit(2)).otherwise(none),
        "side_a_m": F.when(st == "independent_minor", F.lit(4)).otherwise(F.lit(1)),
        "side_b_m": F.when(st == "two_parent", F.lit(2)).otherwise(F.lit(3)),
    }


def family_members(fam: DataFrame, p: GenParams) -> DataFrame:
    """Explode families to their members with birth, sex, death and role."""
    s = p.seed
    for name, col in _member_roles().items():
        fam = fam.withColumn(name, col)
    st = F.col("structure")
    mother_age_ref = F.months_between(p.ref(), F.col("mother_birth")) / 12
    exists = {
        1: st != "independent_minor",
        2: st.isin("two_parent", "blended"),
        3: st.isin("single_mother", "single_father", "blended", "independent_minor"),
        4: st == "independent_minor",
        5: F.col("gp_a_exists"), 6: F.col("gp_a_exists"),
        7: F.col("gp_b_exists") & ~F.col("same_sex"), 8: F.col("gp_b_exists") & ~F.col("same_sex"),
        9: F.col("sib_flag") & (mother_age_ref >= 36) & (st != "independent_minor") & ~F.col("same_sex"),
        10: F.col("hs_flag") & st.isin("single_mother", "single_father", "blended")
        & (F.months_between(p.ref(), F.when(F.col("father_side"), F.col("mother_birth")).otherwise(F.col("father_birth"))) / 12 >= 38),
    }
    members = [F.when(cond, F.lit(m)) for m, cond in exists.items()]
    kids = F.expr("transform(sequence(1, n_children), i -> 10 + i)")
    fam = fam.withColumn("member_no", F.explode(F.concat(F.filter(F.array(*members), lambda x: x.isNotNull()), kids)))
    fam = fam.withColumn("person_key", F.col("family_key") * 100 + F.col("member_no"))
    mno = F.col("member_no")
    # Birth dates: mother/father of the older children, partner, grandparents, siblings.
    is_mother = (mno == F.col("mother_m")) | (mno == F.col("joint_mother_m"))
    bio_birth = (F.when(mno == F.col("mother_m"), F.col("mother_birth"))
                 .when(mno == F.col("father_m"), F.col("father_birth")))
    side_a_birth = F.when(F.col("side_a_m") == F.col("mother_m"), F.col("mother_birth")).otherwise(F.col("father_birth"))
    side_b_birth = (F.when(F.col("side_b_m") == F.col("father_m"), F.col("father_birth"))
                    .when(F.col("side_b_m") == F.col("mother_m"), F.col("mother_birth"))
                    .otherwise(F.col("partner_birth")))
    gm_age = lambda side: F.greatest(F.lit(17), F.least(F.lit(44), F.round(P.param("grandmother_age", F.col("group_no")) + 4 * normal(s, f"gm{side}", "family_key"))))  # noqa: E731
    gm_a = F.date_sub(_years_before(side_a_birth, gm_age("a")), (uniform(s, "gma_day", "family_key") * 300).cast("int"))
    gm_b = F.date_sub(_years_before(side_b_birth, gm_age("b")), (uniform(s, "gmb_day", "family_key") * 300).cast("int"))
    gf_gap = lambda side: F.round(F.lit(2.5) + 3 * normal(s, f"gf{side}", "family_key"))  # noqa: E731
    dp_birth = F.when(F.col("father_side"), F.col("mother_birth")).otherwise(F.col("father_birth"))
    sib_birth = F.add_months(F.col("mother_birth"), (12 * (18 + uniform(s, "sib_age", "family_key") * (mother_age_ref - 36))).cast("int"))
    hs_birth = F.add_months(dp_birth, (12 * (20 + uniform(s, "hs_age", "family_key") * (F.months_between(p.ref(), dp_birth) / 12 - 38))).cast("int"))
    birth = (F.when(mno >= 11, F.col("child_births")[mno - 11])
             .when(mno.isin(1, 2, 3, 4), F.coalesce(bio_birth, F.col("partner_birth")))
             .when(mno == 5, gm_a).when(mno == 6, _years_before(gm_a, gf_gap("a")))
             .when(mno == 7, gm_b).when(mno == 8, _years_before(gm_b, gf_gap("b")))
             .when(mno == 9, sib_birth).when(mno == 10, hs_birth))
    female = (F.when(mno >= 9, uniform(s, "sex", "person_key") < 0.49)
              .when(mno.isin(5, 7), F.lit(True)).when(mno.isin(6, 8), F.lit(False))
              .when(is_mother, F.lit(True))
              .when((mno == 2) & F.col("same_sex"), F.col("female_couple"))
              .when(mno == 2, F.col("father_side"))
              .otherwise(F.lit(False)))
    df = cut(fam.withColumn("birth_date", birth).withColumn("sex", F.when(female, F.lit("2")).otherwise(F.lit("1"))))
    age_ref = F.floor(F.months_between(p.ref(), F.col("birth_date")) / 12)
    df = df.withColumn("age", age_ref.cast("int"))
    # Deaths: grandparents by age and group; the distance parent when drawn dead.
    base_dead = (F.when(F.col("age") >= 90, 0.75).when(F.col("age") >= 80, 0.40).when(F.col("age") >= 70, 0.16)
                 .when(F.col("age") >= 60, 0.06).otherwise(0.02))
    gp_dead = mno.between(5, 8) & (uniform(s, "gp_dead", "person_key") < base_dead * P.param("grandparent_mortality", F.col("group_no")))
    gp_death = grandparent_death_date(F.col("birth_date"), p.ref(), uniform(s, "gp_death", "person_key"))
    df = df.withColumn("death_date", F.when(gp_dead, gp_death)
                       .when((mno == 3) & F.col("dp_dead"), F.col("dp_death")).otherwise(F.lit(None).cast("date")))
    role = (F.when(mno.isin(1, 2), F.lit("parent")).when(mno.isin(3, 4), F.lit("distance_parent"))
            .when(mno.between(5, 8), F.lit("grandparent")).when(mno.isin(9, 10), F.lit("sibling"))
            .otherwise(F.lit("child")))
    df = df.withColumn("role", role)
    # Where they live: the family dwelling, near (same municipality) or far.
    resident = (mno.isin(1, 2) | (mno >= 11) | ((mno == 5) & F.col("relative_in_dwelling")))
    near = (F.when(mno.isin(3, 10), F.col("dp_near")).when(mno == 4, F.col("dp_near"))
            .when(mno.isin(5, 6), F.col("gp_a_near")).when(mno.isin(7, 8), F.col("gp_b_near"))
            .when(mno == 9, uniform(s, "sib_near", "family_key") < 0.4))
    home_unit = (F.when(mno.isin(3, 10), F.lit(3)).when(mno.isin(5, 6), F.lit(5)).when(mno.isin(7, 8), F.lit(7))
                 .otherwise(mno))
    df = (df.withColumn("resident", resident)
          .withColumn("lives_near", F.coalesce(near, F.lit(True)))
          .withColumn("home_key", F.when(resident, F.lit(None).cast("long"))
                      .otherwise(F.lit(DWELLING_BASE) + F.col("family_key") * 100 + home_unit)))
    # Mothers' deliveries in the look-back window (for care episodes).
    df = df.withColumn("delivery_dates", F.expr(
        "filter(transform(sequence(1, n_children), i -> CASE WHEN (i <= n_prev AND member_no = mother_m) "
        "OR (i > n_prev AND member_no = joint_mother_m) THEN child_births[i - 1] END), "
        f"d -> d IS NOT NULL AND d >= DATE'{p.window_start.isoformat()}')"))
    return cut(df)


def filler(spark: SparkSession, plan: Plan, counts: DataFrame, p: GenParams) -> DataFrame:
    """Everyone not generated with a family: adults by the municipality's age structure."""
    s = p.seed
    m = frame(spark, plan, "municipalities").select("municipality_code", "muni_int", "target_persons")
    need = (m.join(counts, on="municipality_code", how="left")
            .withColumn("n_fill", F.greatest(F.lit(0), F.col("target_persons") - F.coalesce(F.col("placed"), F.lit(0))))
            .filter(F.col("n_fill") > 0))
    chunks = need.withColumn("chunk", F.explode(F.sequence(F.lit(0), ((F.col("n_fill") - 1) / CHUNK).cast("int"))))
    df = (chunks.repartition(p.partitions, "municipality_code", "chunk")
          .withColumn("idx", F.explode(F.sequence(F.col("chunk") * CHUNK,
                                                  F.least((F.col("chunk") + 1) * CHUNK, F.col("n_fill")) - 1)))
          .withColumn("person_key", F.lit(FILLER_BASE) + F.col("muni_int").cast("long") * F.lit(10**8) + F.col("idx"))
          .withColumn("bucket", (uniform(s, "age_band", "person_key") * POSTAL_BUCKETS).cast("int")))
    ages = F.broadcast(frame(spark, plan, "age_buckets"))
    df = df.join(ages, on=["municipality_code", "bucket"], how="left")
    age = F.col("age_lo") + (uniform(s, "age", "person_key") * (F.col("age_hi") - F.col("age_lo") + 1)).cast("int")
    df = (df.withColumn("birth_date", F.date_sub(F.add_months(p.ref(), -12 * age), (uniform(s, "bday", "person_key") * 360).cast("int")))
          .withColumn("sex", F.when(uniform(s, "sex", "person_key") < 0.5, F.lit("2")).otherwise(F.lit("1"))))
    return df.select("person_key", "municipality_code", "birth_date", "sex")


FAMILY_COLUMNS = [
    "family_key", "group_no", "structure", "n_children", "n_prev", "n_moves", "foreign", "same_sex",
    "sa_client", "ha_client", "cw_open", "cw_placement", "family_work", "home_service", "disability_service",
    "married", "was_married", "mother_m", "father_m", "adoptive_m", "joint_mother_m", "joint_father_m",
    "side_a_m", "side_b_m", "dp_dead", "dp_death", "relative_in_dwelling", "child_births",
]


def place_members(spark: SparkSession, plan: Plan, members: DataFrame, p: GenParams) -> DataFrame:
    """Current municipality and dwelling of each family member (near kin in the family's
    municipality, far kin in a population-weighted random one)."""
    far = F.broadcast(frame(spark, plan, "far_buckets").withColumnRenamed("municipality_code", "far_municipality"))
    df = (members.withColumnRenamed("municipality_code", "family_municipality")
          .withColumn("bucket", (uniform(p.seed, "far", "home_key") * FAR_BUCKETS).cast("int"))
          .join(far, on="bucket", how="left")
          .withColumn("municipality_code", F.when(F.col("resident") | F.col("lives_near"), F.col("family_municipality"))
                      .otherwise(F.col("far_municipality")))
          .withColumn("dwelling_key", F.when(F.col("resident"), F.col("family_key") * 16 + F.col("n_moves"))
                      .otherwise(F.col("home_key"))))
    s = p.seed
    born_abroad = F.col("foreign") & (F.col("role") != "child") & (uniform(s, "abroad", "person_key") < 0.9)
    born_abroad = born_abroad | (F.col("foreign") & (F.col("role") == "child") & (uniform(s, "abroad", "person_key") < 0.2))
    return cut(df.withColumn("country_of_birth", F.when(born_abroad, lookup(COUNTRY_OF, F.col("language"), "999"))
                             .otherwise(F.lit("246"))))


def placed_counts(members: DataFrame) -> DataFrame:
    """Living family members per municipality (the filler makes up the rest)."""
    return (members.filter(F.col("death_date").isNull()).groupBy("municipality_code")
            .agg(F.count(F.lit(1)).alias("placed")))


def assemble(spark: SparkSession, plan: Plan, members: DataFrame, fill: DataFrame, p: GenParams) -> DataFrame:
    """All persons in one schema, with a unique valid identity code each."""
    s = p.seed
    m = F.broadcast(frame(spark, plan, "municipalities").select("municipality_code", "swedish_share", "foreign_factor"))
    fill = fill.join(m, on="municipality_code", how="left")
    foreign = uniform(s, "foreign", "person_key") < F.least(F.lit(0.9), 0.07 * F.col("foreign_factor"))
    lang = (F.when(foreign, categorical(uniform(s, "flang", "person_key"), FOREIGN_LANGUAGES,
                                        [w / sum(FOREIGN_WEIGHTS) for w in FOREIGN_WEIGHTS]))
            .when(uniform(s, "swedish", "person_key") < F.col("swedish_share"), F.lit("sv")).otherwise(F.lit("fi")))
    fill = (fill.withColumn("language", lang)
            .withColumn("country_of_birth", F.when(foreign & (uniform(s, "abroad", "person_key") < 0.9),
                                                   lookup(COUNTRY_OF, F.col("language"), "999")).otherwise(F.lit("246")))
            .withColumn("dwelling_key", F.lit(2 * DWELLING_BASE) + F.col("person_key"))
            .withColumn("member_no", F.lit(0)).withColumn("role", F.lit("other"))
            .withColumn("resident", F.lit(False)).withColumn("lives_near", F.lit(True))
            .withColumn("death_date", F.lit(None).cast("date"))
            .withColumn("family_municipality", F.lit(None).cast("string"))
            .withColumn("delivery_dates", F.array().cast("array<date>")))
    cols = (["person_key", "member_no", "role", "birth_date", "death_date", "sex", "language", "country_of_birth",
             "municipality_code", "family_municipality", "dwelling_key", "resident", "lives_near", "delivery_dates"]
            + FAMILY_COLUMNS)
    members = members.select(*cols)
    types = dict(members.dtypes)
    for c in FAMILY_COLUMNS:
        fill = fill.withColumn(c, F.lit(None).cast(types[c]))
    persons = members.unionByName(fill.select(*cols))
    persons = persons.withColumn("age", F.floor(F.months_between(p.ref(), F.col("birth_date")) / 12).cast("int"))
    return cut(with_identity_codes(persons))


def with_identity_codes(persons: DataFrame) -> DataFrame:
    """Add ``person_code``: a valid henkilötunnus with individual number 900-999.

    Persons born on the same day with the same sex are ranked by key; the rank picks the
    individual number (odd for men, even for women) and the century sign (``-YXWVU`` for
    the 1900s, ``A-F`` for the 2000s), which gives 300 codes per day and sex.
    """
    w = Window.partitionBy("birth_date", "sex").orderBy("person_key")
    df = persons.withColumn("_rank", F.row_number().over(w) - 1)
    male = (F.col("sex") == "1").cast("int")
    individual = F.lit(900) + 2 * (F.col("_rank") % 50) + male
    sign_ix = (F.col("_rank") / 50).cast("int") + 1
    sign = F.when(F.year("birth_date") >= 2000, F.substring(F.lit(HETU_SIGNS_2000), sign_ix, 1)) \
        .when(F.year("birth_date") >= 1900, F.substring(F.lit(HETU_SIGNS_1900), sign_ix, 1)).otherwise(F.lit("+"))
    digits = F.concat(F.date_format("birth_date", "ddMMyy"), F.lpad(individual.cast("string"), 3, "0"))
    check = F.substring(F.lit(CHECK_CHARS), (digits.cast("long") % 31 + 1).cast("int"), 1)
    code = F.concat(F.date_format("birth_date", "ddMMyy"), sign, F.lpad(individual.cast("string"), 3, "0"), check)
    too_many = (F.col("_rank") >= 300) | ((F.year("birth_date") < 1900) & (F.col("_rank") >= 50))
    code = F.when(too_many, F.raise_error(F.lit("more than 300 persons of one sex born on one day: "
                                                "identity codes 900-999 are exhausted"))).otherwise(code)
    return df.withColumn("person_code", code).drop("_rank")
