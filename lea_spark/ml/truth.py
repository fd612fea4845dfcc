"""The planted group of each family, from the synthetic answer key (evaluation only).

The answer key lists every child of a planted family by raw identity code with the
family's group. The code is pseudonymised exactly as ingest does, joined to the children
in ``silver.family_members``, and each family takes the group of the majority of its
children (a tie goes to the lower group number). Nothing here runs on real registers.
"""
from __future__ import annotations

from lea_spark.identity import pseudonymise_col


def planted_groups(answer_key, family_members, key: str):
    """``family_id, group_no, n_children_matched`` for every family with a child in the key."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    truth = answer_key.select(
        pseudonymise_col(F.col("person_code"), key).alias("person_id"),
        F.col("group_no").cast("int").alias("group_no"),
    )
    children = family_members.where(F.col("role") == "child").select("family_id", "person_id")
    votes = (
        children.alias("c")
        .join(truth.alias("t"), on="person_id", how="inner")
        .groupBy("family_id", "group_no")
        .agg(F.count(F.lit(1)).alias("votes"))
    )
    w = Window.partitionBy("family_id").orderBy(F.col("votes").desc(), F.col("group_no").asc())
    w_all = Window.partitionBy("family_id")
    return (
        votes.withColumn("rank", F.row_number().over(w))
        .withColumn("n_children_matched", F.sum("votes").over(w_all))
        .where(F.col("rank") == 1)
        .select("family_id", "group_no", F.col("n_children_matched").cast("int").alias("n_children_matched"))
    )


def answer_key_coverage(answer_key, family_members, key: str) -> dict:
    """How many answer-key children were found among the children of silver (a count each)."""
    from pyspark.sql import functions as F

    truth = answer_key.select(pseudonymise_col(F.col("person_code"), key).alias("person_id"))
    children = family_members.where(F.col("role") == "child").select("person_id").distinct()
    row = (
        truth.alias("t").join(children.alias("c").withColumn("__found", F.lit(1)), on="person_id", how="left")
        .agg(F.count(F.lit(1)).alias("key_children"), F.count("__found").alias("matched"))
        .first()
    )
    return {"answer_key_children": int(row["key_children"]), "answer_key_children_matched": int(row["matched"])}
