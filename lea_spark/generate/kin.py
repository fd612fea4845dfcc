"""DVV kin and residence records derived from the persons: parent-child relations,
marriages and registered partnerships, and residence histories with moves."""
from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lea_spark.generate.geography import FAR_BUCKETS, POSTAL_BUCKETS, Plan, frame
from lea_spark.generate.params import GenParams
from lea_spark.generate.rand import uniform

SAME_SEX_MARRIAGE_FROM = "2017-03-01"  # before this date same-sex couples registered a partnership


def relations(persons: DataFrame) -> DataFrame:
    """One row per (person, parent): mother, father, adoptive_mother, adoptive_father."""
    m = F.col("member_no")
    older = (m - 10) <= F.col("n_prev")
    mother = F.when(m >= 11, F.when(older, F.col("mother_m")).otherwise(F.col("joint_mother_m"))) \
        .when(m == 9, F.col("mother_m"))
    father = F.when(m >= 11, F.when(older, F.col("father_m")).otherwise(F.col("joint_father_m"))) \
        .when(m == 9, F.col("father_m"))
    adoptive = F.when((m >= 11) | (m == 9), F.col("adoptive_m"))
    entry = lambda rel, kind: F.struct(rel.cast("int").alias("rel_member"), F.lit(kind).alias("kind"))  # noqa: E731
    side_a = m == F.col("side_a_m")
    side_b = (m == F.col("side_b_m")) & ~F.col("same_sex")
    rels = F.array(
        entry(mother, "bio"), entry(father, "bio"), entry(adoptive, "adoptive"),
        entry(F.when(m == 10, F.lit(3)), "bio"),
        entry(F.when(side_a, F.lit(5)), "bio"), entry(F.when(side_a, F.lit(6)), "bio"),
        entry(F.when(side_b, F.lit(7)), "bio"), entry(F.when(side_b, F.lit(8)), "bio"),
    )
    df = (persons.filter(F.col("family_key").isNotNull())
          .select("person_key", "person_code", "family_key", F.explode(F.filter(rels, lambda r: r["rel_member"].isNotNull())).alias("r"))
          .select("person_key", "person_code", (F.col("family_key") * 100 + F.col("r.rel_member")).alias("relative_key"),
                  F.col("r.kind").alias("kind")))
    rel = persons.select(F.col("person_key").alias("relative_key"), F.col("person_code").alias("relative_code"),
                         F.col("birth_date").alias("relative_birth_date"), F.col("death_date").alias("relative_death_date"),
                         F.col("sex").alias("relative_sex"), F.col("language").alias("relative_language"),
                         F.col("municipality_code").alias("relative_municipality"))
    df = df.join(rel, on="relative_key", how="inner")
    female = F.col("relative_sex") == "2"
    rtype = F.when(F.col("kind") == "adoptive", F.when(female, "adoptive_mother").otherwise("adoptive_father")) \
        .otherwise(F.when(female, "mother").otherwise("father"))
    return df.withColumn("relation_type", rtype)


def partnerships(persons: DataFrame, p: GenParams) -> DataFrame:
    """Marriages / registered partnerships of resident parents (both directions), and the
    ended marriage of a single or re-partnered parent with the distance parent."""
    s = p.seed
    first_birth = F.col("child_births")[0]
    base = persons.filter(F.col("member_no") == 1)
    cur_start = F.when(F.col("structure") == "two_parent",
                       F.date_sub(first_birth, (uniform(s, "wed", "family_key") * 3 * 365).cast("int"))) \
        .otherwise(F.date_sub(p.ref(), (30 + uniform(s, "wed", "family_key") * 5 * 365).cast("int")))
    current = base.filter(F.col("married")).select(
        "family_key", F.lit(2).alias("partner_member"), cur_start.alias("start_date"),
        F.lit(None).cast("date").alias("end_date"), F.lit(None).cast("string").alias("ending_reason"),
        F.when(F.col("same_sex") & (cur_start < F.lit(SAME_SEX_MARRIAGE_FROM).cast("date")), F.lit("6"))
        .otherwise(F.lit("2")).alias("status"),
        F.when(F.col("was_married"), F.lit(2)).otherwise(F.lit(1)).alias("order_no"))
    prev_start = F.date_sub(first_birth, (uniform(s, "prev_wed", "family_key") * 3 * 365).cast("int"))
    prev_end = F.date_add(first_birth, (uniform(s, "divorce", "family_key") * F.datediff(p.ref(), first_birth) * 0.8).cast("int"))
    ended_by_death = F.col("dp_dead") & (F.col("dp_death") <= prev_end)
    previous = base.filter(F.col("was_married")).select(
        "family_key", F.lit(3).alias("partner_member"), prev_start.alias("start_date"),
        F.when(ended_by_death, F.col("dp_death")).otherwise(prev_end).alias("end_date"),
        F.when(ended_by_death, F.lit("2")).otherwise(F.lit("1")).alias("ending_reason"),
        F.when(ended_by_death, F.lit("5")).otherwise(F.lit("4")).alias("status"), F.lit(1).alias("order_no"))
    pairs = current.unionByName(previous)
    a = pairs.select("*", (F.col("family_key") * 100 + 1).alias("k1"), (F.col("family_key") * 100 + F.col("partner_member")).alias("k2"))
    both = a.select("*", F.col("k1").alias("person_key"), F.col("k2").alias("partner_key")).unionByName(
        a.select("*", F.col("k2").alias("person_key"), F.col("k1").alias("partner_key")))
    codes = persons.select("person_key", "person_code")
    partner_codes = persons.select(F.col("person_key").alias("partner_key"), F.col("person_code").alias("partner_code"))
    return (both.join(codes, on="person_key", how="inner").join(partner_codes, on="partner_key", how="inner")
            .select("person_key", "person_code", "partner_key", "partner_code", "start_date", "end_date",
                    "ending_reason", "status", "order_no"))


def residences(spark: SparkSession, plan: Plan, persons: DataFrame, p: GenParams) -> DataFrame:
    """Residence spells: families move together ``n_moves`` times over the history window;
    everyone else has one spell. Each spell carries its municipality and postal code."""
    s = p.seed
    days = (p.reference_date - p.history_start).days
    resident = persons.filter(F.col("resident")).withColumn("k", F.explode(F.sequence(F.lit(0), F.col("n_moves"))))
    n = F.col("n_moves")

    def move_day(j):
        return F.date_add(p.hstart(), F.floor(((j - 1) + uniform(s, "move", "family_key", j)) / n * days).cast("int"))

    k = F.col("k")
    start = F.when(k == 0, F.date_sub(p.hstart(), (uniform(s, "first_home", "family_key") * 15 * 365).cast("int"))) \
        .otherwise(move_day(k))
    end = F.when(k == n, F.lit(None).cast("date")).otherwise(F.date_sub(move_day(k + 1), 1))
    far = F.broadcast(frame(spark, plan, "far_buckets").withColumnRenamed("municipality_code", "far_municipality"))
    resident = (resident.withColumn("spell_start", start).withColumn("spell_end", end)
                .withColumn("dwelling_key", F.col("family_key") * 16 + k)
                .withColumn("bucket", (uniform(s, "prev_far", "family_key", k) * FAR_BUCKETS).cast("int"))
                .join(far, on="bucket", how="left")
                .withColumn("municipality_code",
                            F.when((k == n) | (uniform(s, "prev_same", "family_key", k) < 0.7), F.col("municipality_code"))
                            .otherwise(F.col("far_municipality"))))
    others = (persons.filter(~F.col("resident")).withColumn("k", F.lit(0))
              .withColumn("spell_start", F.date_sub(p.ref(), (uniform(s, "home_since", "dwelling_key") * 20 * 365).cast("int")))
              .withColumn("spell_end", F.lit(None).cast("date")))
    cols = ["person_key", "person_code", "birth_date", "death_date", "dwelling_key", "municipality_code", "spell_start",
            "spell_end", "k"]
    df = resident.select(*cols).unionByName(others.select(*cols))
    df = (df.withColumn("start_date", F.greatest("spell_start", "birth_date"))
          .withColumn("end_date", F.when(F.col("death_date").isNotNull(), F.least(F.coalesce("spell_end", "death_date"), "death_date"))
                      .otherwise(F.col("spell_end")))
          .filter(F.col("start_date") <= F.coalesce("end_date", p.ref())))
    postal = F.broadcast(frame(spark, plan, "postal_buckets"))
    df = (df.withColumn("bucket", (uniform(s, "postal", "dwelling_key") * POSTAL_BUCKETS).cast("int"))
          .join(postal, on=["municipality_code", "bucket"], how="left"))
    return df.select("person_key", "person_code", "dwelling_key", "municipality_code", "postal_code", "start_date",
                     "end_date", "k")
