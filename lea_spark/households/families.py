"""Families on the reference date and the role of every member (``silver.families``,
``silver.family_members``).

Definitions (documented in ``docs/households.md``):

* **Child**: a person alive on the reference date, aged 0-17, with a residence on it.
* **Family**: all children of one dwelling together with their resident parents. Children of
  one dwelling with different parents (a stepfamily, or a relative's child living with the
  family) are one family. ``family_id`` = SHA-256 of the sorted child ids and the reference
  date: stable for the same children and date, never equal to a person id.
* **Resident parent**: a legal parent (see :mod:`.graph`) of a family child living in the
  family's dwelling. **Step-parent**: a spouse or registered partner of a resident parent
  living in the dwelling who is not a legal parent of a family child; also an adult
  cohabitant (Statistics Finland's rule: the only unrelated adult of the dwelling, of the
  other sex than a lone resident parent, at most 15 years apart in age).
* **Distance parent**: a legal parent of a family child who does not live in the dwelling
  (``is_alive`` false when deceased; ``distance_km`` null when alive without a residence).
* **Grandparent**: a legal parent of a legal parent of a family child (resident or not, alive
  or not). **Sibling at home / elsewhere**: a person with a legal parent in common with a
  family child who is not a child of the family, living in the dwelling or not.
* **Other adult**: anyone else living in the dwelling (``kinship`` says ``aunt_uncle`` for a
  sibling of a child's parent, else ``none``).
* **Structure**: ``single_parent`` (one resident parent or step-parent), ``two_parent``
  (two resident parents who are both parents of every child), ``blended`` (two or more
  parents/step-parents and some child is not the child of all of them), ``relative_carer``
  (no resident parent, but a grandparent, adult sibling, aunt or uncle in the dwelling),
  ``independent_minor`` (no parent or adult relative in the dwelling; the children's role
  is then ``independent_minor``). ``is_same_sex_parents``: the two parents/step-parents of
  the family are of the same sex (same-sex partnership or adoption).

Each person has one role per family, the first that applies in the order child,
resident_parent, step_parent, distance_parent, grandparent, sibling, other_adult.

Join keys: the functions take and return the ids as texts, but every join, window and
aggregation on a person or a family inside runs on the 64-bit keys of
:mod:`lea_spark.joinkeys` (``person_key``, read from the table when stored; ``family_key`` of
the family id); dwellings are still matched on their ids. :func:`check_person_keys` (run by
the callers) raises :class:`KeyCollisionError` when two persons share a key; two families that
share a key stop the Spark job that computes them with :data:`KEY_COLLISION`. Legal parents
and children must be persons of ``persons`` (:func:`lea_spark.households.graph.checked_relations`
guarantees it), and partnerships are kept only when both ends match a person on key and
fingerprint, so an unknown id whose key collides with a person's is not taken for that person.
The id texts ride along from the persons and families and become the output's ids.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lea_spark import joinkeys
from lea_spark.households.geo import haversine_km, locate
from lea_spark.households.keys import DuplicateKeyError, assert_unique
from lea_spark.households.persons import quarantine_rows

ROLES = ("child", "resident_parent", "step_parent", "distance_parent", "grandparent",
         "sibling_at_home", "sibling_elsewhere", "other_adult", "independent_minor")
STRUCTURES = ("two_parent", "blended", "single_parent", "relative_carer", "independent_minor")
COHABIT_MAX_AGE_GAP = 15
KEY_COLLISION = ("two different ids share one 64-bit join key (a hash collision) in lea households; "
                 "the families cannot be built on hashed keys for this extract")
# Columns of the keyed frames: the id texts and the fingerprint beside the keys.
ID_TEXT = "_id_text"
CHK = "_chk"


class KeyCollisionError(RuntimeError):
    """Two different ids share a 64-bit join key; nothing was written."""


def _fail_on(cond) -> Column:
    return F.coalesce(F.when(cond, F.raise_error(F.lit(KEY_COLLISION))), F.lit(True))


def person_keys(persons: DataFrame) -> DataFrame:
    """``persons`` keyed by :func:`lea_spark.joinkeys.keyed` (``person_id`` the 64-bit key,
    ``_chk`` the fingerprint), with the id text kept in ``_id_text``."""
    return joinkeys.keyed(persons.withColumn(ID_TEXT, F.col("person_id")))


def check_person_keys(keyed: DataFrame) -> None:
    """Raise :class:`KeyCollisionError` when two of the (unique) persons of ``keyed`` (from
    :func:`person_keys`) share a key: one Spark job, to run before any join on the keys. The
    callers (``lea households``, :func:`lea_spark.households.build_households`) run it once,
    after checking that the ids are unique; :func:`build_members` and
    :func:`summarise_families` rely on it."""
    try:
        assert_unique(keyed, ["person_id"], "persons (64-bit join keys)")
    except DuplicateKeyError:
        raise KeyCollisionError(KEY_COLLISION) from None


def keyed_pairs(df: DataFrame, persons: DataFrame, ends: tuple[str, str]) -> DataFrame:
    """``df`` with its two person-id columns ``ends`` replaced by their keys, keeping only rows
    whose both ends are persons of ``persons`` (keyed by :func:`person_keys`) on key and
    fingerprint: an unknown id is dropped, as a join on the texts would drop it, even when its
    key collides with a person's."""
    known = persons.select(F.col("person_id").alias("_k"), F.col(CHK).alias("_kc"))
    out = df
    for end in ends:
        out = (out.withColumn(f"_c_{end}", joinkeys.fingerprint(F.col(end)))
               .withColumn(end, joinkeys.join_key(F.col(end)))
               .join(known, (F.col(end) == F.col("_k")) & (F.col(f"_c_{end}") == F.col("_kc")), "left_semi"))
    return out.drop(*[f"_c_{end}" for end in ends])


def keyed_legal(legal: DataFrame) -> DataFrame:
    """Legal parents (``child_id, parent_id, is_adoptive``) on keys; both ends are persons."""
    return legal.select(joinkeys.join_key(F.col("child_id")).alias("child_id"),
                        joinkeys.join_key(F.col("parent_id")).alias("parent_id"), "is_adoptive")


def family_children(persons: DataFrame, ref_date: str) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(families skeleton keyed by dwelling, ``family_id, child_id`` pairs, quarantine rows)
    from persons keyed by :func:`person_keys`. ``family_id`` is the family's 64-bit key; the
    skeleton also holds the id text in ``_id_text`` (SHA-256 of the sorted child id texts and
    the date). A key shared by two families stops the job with :data:`KEY_COLLISION`."""
    minors = persons.filter(F.col("is_alive") & (F.col("age") >= 0) & (F.col("age") < 18))
    homeless = minors.filter(F.col("dwelling_id").isNull()).withColumn("person_id", F.col(ID_TEXT))
    kids = minors.filter(F.col("dwelling_id").isNotNull())
    text = F.sha2(F.concat_ws("|", F.array_sort(F.collect_list(ID_TEXT)), F.lit(ref_date)), 256)
    fam = kids.groupBy("dwelling_id").agg(
        text.alias(ID_TEXT),
        F.count(F.lit(1)).cast("int").alias("n_children"),
        F.max("municipality_code").alias("municipality_code"),
        F.max("postal_code").alias("postal_code"),
    ).withColumn("family_id", joinkeys.join_key(F.col(ID_TEXT)))
    fam = (fam.withColumn("_n", F.count(F.lit(1)).over(Window.partitionBy("family_id")))
           .filter(_fail_on(F.col("_n") > 1)).drop("_n"))
    pairs = kids.select(F.col("person_id").alias("child_id"), "dwelling_id").join(
        fam.select("dwelling_id", "family_id"), on="dwelling_id", how="inner").select("family_id", "child_id", "dwelling_id")
    quarantine = quarantine_rows(
        homeless, "child_without_residence",
        F.lit("child under 18 alive on the reference date has no residence on it; not in any family"), "residences")
    return fam, pairs, quarantine


def _candidates(pairs: DataFrame, persons: DataFrame, legal: DataFrame, partners: DataFrame) -> DataFrame:
    """``family_id, person_id, role, kinship, priority`` - possibly several per person."""
    p = persons.select("person_id", F.col("dwelling_id").alias("p_dwelling"), "is_alive")
    cp = (
        pairs.join(legal, on="child_id", how="inner")
        .join(p.withColumnRenamed("person_id", "parent_id"), on="parent_id", how="inner")
        .withColumn("is_res", F.col("is_alive") & (F.col("p_dwelling") == F.col("dwelling_id")))
    )
    parents = cp.select("family_id", "parent_id", "dwelling_id", "is_res").dropDuplicates(["family_id", "parent_id"])

    def cand(df: DataFrame, pid: str, role: str, kinship: str, prio: int) -> DataFrame:
        return df.select("family_id", F.col(pid).alias("person_id"), F.lit(role).alias("role"),
                         F.lit(kinship).alias("kinship"), F.lit(prio).alias("priority"))

    resident_parents = cp.filter("is_res").select("family_id", "parent_id", "dwelling_id").dropDuplicates()
    step = (
        resident_parents.join(partners.withColumnRenamed("person_id", "parent_id"), on="parent_id", how="inner")
        .join(p.withColumnRenamed("person_id", "partner_id"), on="partner_id", how="inner")
        .filter(F.col("is_alive") & (F.col("p_dwelling") == F.col("dwelling_id")))
    )
    grand = parents.join(legal.select(F.col("child_id").alias("parent_id"), F.col("parent_id").alias("gp_id")),
                         on="parent_id", how="inner")
    sib = (
        pairs.join(legal, on="child_id", how="inner").select("family_id", "parent_id")
        .join(legal.select(F.col("child_id").alias("sib_id"), "parent_id"), on="parent_id", how="inner")
    )
    # Siblings of a child's parent (aunts and uncles): share a parent (the grandparent).
    aunt = (
        grand.select("family_id", "parent_id", "gp_id")
        .join(legal.select(F.col("parent_id").alias("gp_id"), F.col("child_id").alias("au_id")), on="gp_id", how="inner")
        .filter(F.col("au_id") != F.col("parent_id"))
    )
    residents = pairs.select("family_id", "dwelling_id").dropDuplicates().join(
        persons.filter(F.col("dwelling_id").isNotNull()).select("person_id", F.col("dwelling_id")),
        on="dwelling_id", how="inner")
    return (
        cand(pairs, "child_id", "child", "child", 0)
        .unionByName(cand(resident_parents, "parent_id", "resident_parent", "parent", 1))
        .unionByName(cand(step, "partner_id", "step_parent", "step_parent", 2))
        .unionByName(cand(parents.filter(~F.col("is_res")), "parent_id", "distance_parent", "parent", 3))
        .unionByName(cand(grand, "gp_id", "grandparent", "grandparent", 4))
        .unionByName(cand(sib, "sib_id", "sibling", "sibling", 5))
        .unionByName(cand(aunt, "au_id", "other_adult", "aunt_uncle", 6))
        .unionByName(cand(residents, "person_id", "other_adult", "none", 7))
    )


def _cohabitants(members: DataFrame) -> DataFrame:
    """Promote to ``step_parent`` the unrelated adult cohabitant of a lone resident parent.

    The family's figures are windows over the family, not an aggregate joined back: the join
    would compute ``members`` (the whole plan of the roles) once for each side."""
    w = Window.partitionBy("family_id")
    rp = F.col("role") == "resident_parent"
    cand = (
        members
        .withColumn("_n_rp", F.sum(rp.cast("int")).over(w))
        .withColumn("_n_sp", F.sum((F.col("role") == "step_parent").cast("int")).over(w))
        .withColumn("_rp_sex", F.max(F.when(rp, F.col("sex"))).over(w))
        .withColumn("_rp_age", F.max(F.when(rp, F.col("age"))).over(w))
        .withColumn("_is_cand", (F.col("_n_rp") == 1) & (F.col("_n_sp") == 0) & (F.col("role") == "other_adult")
                    & (F.col("kinship") == "none") & (F.col("age") >= 18) & (F.col("sex") != F.col("_rp_sex"))
                    & (F.abs(F.col("age") - F.col("_rp_age")) <= COHABIT_MAX_AGE_GAP))
    )
    cand = cand.withColumn("_n_adults", F.sum(((F.col("role") == "other_adult") & (F.col("age") >= 18)).cast("int")).over(w))
    promote = F.col("_is_cand") & (F.col("_n_adults") == 1)
    return cand.withColumn("role", F.when(promote, F.lit("step_parent")).otherwise(F.col("role"))).withColumn(
        "kinship", F.when(promote, F.lit("cohabitant")).otherwise(F.col("kinship"))
    ).drop("_n_rp", "_n_sp", "_rp_sex", "_rp_age", "_is_cand", "_n_adults")


def build_members(persons: DataFrame, legal: DataFrame, partners: DataFrame, points: DataFrame,
                  municipalities: DataFrame, ref_date: str,
                  children: tuple[DataFrame, DataFrame, DataFrame] | None = None) -> tuple[DataFrame, DataFrame]:
    """(``silver.family_members``, quarantine rows): ``family_id, person_id, role,
    is_resident, distance_km, kinship, is_alive`` - one row per family and person.

    Computed on keys (see the module doc); the persons' keys must be unique
    (:func:`check_person_keys`). ``children``: :func:`family_children` of these persons and
    ``ref_date`` when the caller has computed (and kept) it, else it is computed here."""
    persons = person_keys(persons)
    legal = keyed_legal(legal)
    partners = keyed_pairs(partners, persons, ("person_id", "partner_id"))
    fam, pairs, quarantine = children or family_children(persons, ref_date)
    cands = _candidates(pairs, persons, legal, partners)
    w = Window.partitionBy("family_id", "person_id").orderBy("priority")
    chosen = cands.withColumn("_r", F.row_number().over(w)).filter(F.col("_r") == 1).drop("_r", "priority")
    # The id texts ride along from here (one join each), to be the output's ids.
    located = locate(persons.select("person_id", F.col(ID_TEXT).alias("_pid"), "dwelling_id", "postal_code",
                                    "municipality_code", "is_alive", "sex", "age"), points, municipalities, prefix="p_")
    fam_loc = locate(fam, points, municipalities, prefix="f_").select(
        "family_id", F.col(ID_TEXT).alias("_fid"), F.col("dwelling_id").alias("f_dwelling"), "f_lat", "f_lon")
    m = (
        chosen.join(located, on="person_id", how="inner").join(fam_loc, on="family_id", how="inner")
        .withColumn("is_resident", F.col("is_alive") & F.coalesce(F.col("dwelling_id") == F.col("f_dwelling"), F.lit(False)))
        .withColumn("role", F.when(F.col("role") == "sibling",
                                   F.when(F.col("is_resident"), F.lit("sibling_at_home")).otherwise(F.lit("sibling_elsewhere")))
                    .otherwise(F.col("role")))
        # Relatives outside the dwelling who are not parents, grandparents or siblings are not members.
        .filter(F.col("is_resident") | F.col("role").isin("distance_parent", "grandparent", "sibling_elsewhere"))
    )
    m = _cohabitants(m)
    fw = Window.partitionBy("family_id")
    no_carer = (
        (F.sum((F.col("role") == "resident_parent").cast("int")).over(fw) == 0)
        & (F.max((F.col("is_resident") & F.col("kinship").isin("grandparent", "sibling", "aunt_uncle")
                  & (F.col("age") >= 18)).cast("int")).over(fw) == 0)
    )
    members = (
        m.withColumn("distance_km", F.when(F.col("is_resident"), F.lit(0.0)).when(
            F.col("is_alive"), haversine_km(F.col("f_lat"), F.col("f_lon"), F.col("p_lat"), F.col("p_lon"))))
        .withColumn("role", F.when((F.col("role") == "child") & no_carer, F.lit("independent_minor"))
                    .otherwise(F.col("role")))
        .select(F.col("_fid").alias("family_id"), F.col("_pid").alias("person_id"), "role", "is_resident",
                "distance_km", "kinship", "is_alive")
    )
    return members, quarantine


def summarise_families(members: DataFrame, persons: DataFrame, legal: DataFrame, ref_date: str,
                       children: tuple[DataFrame, DataFrame, DataFrame] | None = None) -> DataFrame:
    """``silver.families`` (without the county) from the members and the persons, on keys
    (stored ``family_key`` and ``person_key`` of ``members`` when it has them); the persons'
    keys must be unique (:func:`check_person_keys`). ``children`` as in :func:`build_members`."""
    persons = person_keys(persons)
    legal = keyed_legal(legal)
    members = joinkeys.keyed(members).select("family_id", "person_id", "role", "is_resident", "kinship", "is_alive")
    fam, pairs, _ = children or family_children(persons, ref_date)
    m = members.join(persons.select("person_id", "sex", "age"), on="person_id", how="inner")
    stats = m.groupBy("family_id").agg(
        F.sum((F.col("role") == "resident_parent").cast("int")).alias("n_resident_parents"),
        F.sum((F.col("role") == "step_parent").cast("int")).alias("n_step_parents"),
        F.sum(((F.col("role") == "distance_parent") & F.col("is_alive")).cast("int")).alias("n_distance_parents"),
        F.max((F.col("is_resident") & F.col("kinship").isin("grandparent", "sibling", "aunt_uncle")
               & (F.col("age") >= 18)).cast("int")).alias("_has_relative"),
        F.count_distinct(F.when(F.col("role").isin("resident_parent", "step_parent"), F.col("sex"))).alias("_n_sexes"),
    )
    own = _own_resident_parents(pairs, legal, members)
    structure = (
        F.when(F.col("n_resident_parents") == 0,
               F.when(F.col("_has_relative") == 1, F.lit("relative_carer")).otherwise(F.lit("independent_minor")))
        .when(F.col("n_resident_parents") + F.col("n_step_parents") == 1, F.lit("single_parent"))
        .when((F.col("n_resident_parents") == 2) & (F.col("n_step_parents") == 0) & (F.col("_min_own") == 2),
              F.lit("two_parent"))
        .otherwise(F.lit("blended"))
    )
    return (
        fam.join(stats, on="family_id", how="inner").join(own, on="family_id", how="inner")
        .withColumn("structure", structure)
        .withColumn("is_same_sex_parents",
                    (F.col("n_resident_parents") + F.col("n_step_parents") == 2) & (F.col("_n_sexes") == 1))
        .select(
            F.col(ID_TEXT).alias("family_id"), F.lit(ref_date).cast("date").alias("reference_date"),
            "municipality_code", "postal_code",
            "dwelling_id", "structure", "n_children", "n_resident_parents", "n_step_parents", "n_distance_parents",
            "is_same_sex_parents", "n_children_without_resident_parent",
        )
    )


def with_county(families: DataFrame, municipalities: DataFrame) -> DataFrame:
    """Add ``wellbeing_county_code`` (after the key columns) from the municipality."""
    from lea_spark.households.geo import municipality_points

    counties = municipality_points(municipalities).select("municipality_code", "wellbeing_county_code")
    front = ["family_id", "reference_date", "municipality_code", "postal_code"]
    return families.join(F.broadcast(counties), on="municipality_code", how="left").select(
        *front, "wellbeing_county_code", *[c for c in families.columns if c not in front])


def build_families(persons: DataFrame, legal: DataFrame, partners: DataFrame, points: DataFrame,
                   municipalities: DataFrame, ref_date: str) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(``silver.families``, ``silver.family_members``, quarantine rows) in one call."""
    members, quarantine = build_members(persons, legal, partners, points, municipalities, ref_date)
    families = with_county(summarise_families(members, persons, legal, ref_date), municipalities)
    return families, members, quarantine


def _own_resident_parents(pairs: DataFrame, legal: DataFrame, members: DataFrame) -> DataFrame:
    """Per family: the fewest own resident parents any child has, and how many children have none."""
    rp = members.filter(F.col("role") == "resident_parent").select("family_id", F.col("person_id").alias("parent_id"))
    per_child = (
        pairs.join(legal, on="child_id", how="left")
        .join(rp.withColumn("_rp", F.lit(1)), on=["family_id", "parent_id"], how="left")
        .groupBy("family_id", "child_id").agg(F.coalesce(F.sum("_rp"), F.lit(0)).alias("_own"))
    )
    return per_child.groupBy("family_id").agg(
        F.min("_own").alias("_min_own"),
        F.sum((F.col("_own") == 0).cast("int")).alias("n_children_without_resident_parent"),
    )
