"""Realism report: generated national marginals next to published figures.

Every target comes from ../shared/reference/finland_statistics.md (or LEA.md) with its
source; the generated value is computed from the generator's own population and the same
event frames that were written to raw/. A row passes when the generated value is within
the stated tolerance; rows that fail stay in the report. Counts are rescaled to scale 1.0.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lea_spark.generate import events as E
from lea_spark.generate.params import GenParams

LEA_CITIES = {"837": "Tampere", "980": "Ylöjärvi", "092": "Vantaa", "609": "Pori", "905": "Vaasa", "399": "Laihia"}


@dataclass
class Row:
    figure: str
    published: float | None
    generated: float
    tolerance: float | None      # absolute, in the unit of the figure
    unit: str
    source: str

    @property
    def status(self) -> str:
        if self.published is None or self.tolerance is None:
            return "info"
        return "pass" if abs(self.generated - self.published) <= self.tolerance else "FAIL"


def _flags(persons: DataFrame, p: GenParams) -> DataFrame:
    dec = dt.date(p.reference_date.year, p.reference_date.month, 1)
    year = p.reference_date.year
    sa = (E.social_assistance(persons, p).filter(F.year("benefit_month") == year)
          .select("person_key").distinct().withColumn("sa_year", F.lit(1)))
    ha = (E.housing_allowance(persons, p).filter(F.col("benefit_month") == F.lit(dec))
          .select("person_key").distinct().withColumn("ha_dec", F.lit(1)))
    un = (E.unemployment(persons, p).filter(F.col("start_date") == F.lit(dec))
          .select("person_key").distinct().withColumn("unemployed_dec", F.lit(1)))
    em = (E.earnings(persons, p).filter((F.col("payment_month") == F.lit(dec)) & (F.col("income_type") == "201"))
          .select("person_key").distinct().withColumn("employed_dec", F.lit(1)))
    pe = (E.pensions(persons, p).filter(F.col("pension_type").isin("0", "2", "0K") & (F.col("start_date") <= p.ref())
                                        & (F.col("end_date").isNull() | (F.col("end_date") >= p.ref())))
          .select("person_key").distinct().withColumn("disability_pension", F.lit(1)))
    de = E.degrees(persons, p).groupBy("person_key").agg(F.max("isced_level").alias("top_isced"))
    vi = (E.primary_care_visits(persons, p).filter(F.year("visit_date") == year)
          .groupBy("person_key").agg(F.count(F.lit(1)).alias("visits_year")))
    out = persons
    for frame in (sa, ha, un, em, pe, de, vi):
        out = out.join(frame, on="person_key", how="left")
    return out.fillna(0, subset=["sa_year", "ha_dec", "unemployed_dec", "employed_dec", "disability_pension", "visits_year"])


def compute(persons: DataFrame, p: GenParams, population_16_64: float):
    """All report rows (a handful of aggregate Spark jobs over the cached population)."""
    f = _flags(persons, p)
    alive = f.filter(F.col("death_date").isNull())
    a = alive.agg(
        F.count(F.lit(1)).alias("persons"),
        F.sum((F.col("age") < 18).cast("int")).alias("minors"),
        F.sum(F.col("sa_year")).alias("sa_applicants"),
        F.sum(F.col("ha_dec")).alias("ha_households"),
        F.sum(((F.col("age") >= 15) & (F.col("age") <= 74) & (F.col("unemployed_dec") == 1)).cast("int")).alias("unemp"),
        F.sum(((F.col("age") >= 15) & (F.col("age") <= 74) & (F.col("employed_dec") == 1) & (F.col("unemployed_dec") == 0)).cast("int")).alias("emp"),
        F.sum(((F.col("age") >= 15) & (F.col("age") <= 64) & (F.col("employed_dec") == 1)).cast("int")).alias("emp_15_64"),
        F.sum(((F.col("age") >= 15) & (F.col("age") <= 64)).cast("int")).alias("pop_15_64"),
        F.sum(((F.col("age") >= 16) & (F.col("age") <= 64) & (F.col("disability_pension") == 1)).cast("int")).alias("dis"),
        F.sum(((F.col("age") >= 16) & (F.col("age") <= 64)).cast("int")).alias("pop_16_64"),
        F.sum(((F.col("age") >= 25) & (F.col("age") <= 64) & (F.coalesce("top_isced", F.lit(0)) >= 5)).cast("int")).alias("tert_25_64"),
        F.sum(((F.col("age") >= 25) & (F.col("age") <= 64)).cast("int")).alias("pop_25_64"),
        F.sum(((F.col("age") >= 15) & (F.coalesce("top_isced", F.lit(0)) >= 5)).cast("int")).alias("tert_15"),
        F.sum(((F.col("age") >= 15) & (F.coalesce("top_isced", F.lit(0)) >= 3)).cast("int")).alias("post_15"),
        F.sum((F.col("age") >= 15).cast("int")).alias("pop_15"),
        F.sum("visits_year").alias("visits"),
    ).first()
    # Families: one row per family with its minors, structure, mother's language, benefits.
    fam = (f.filter(F.col("family_key").isNotNull())
           .groupBy("family_key", "structure", "group_no", "family_municipality")
           .agg(F.sum(((F.col("member_no") >= 11) & (F.col("age") < 18)).cast("int")).alias("kids"),
                F.max(F.when((F.col("member_no") == F.col("mother_m")) & F.col("resident"), F.col("language"))).alias("mother_language"),
                F.max(F.when(F.col("member_no") == 1, F.col("sa_year"))).alias("sa"),
                F.max(F.when(F.col("member_no") == 1, F.col("ha_dec"))).alias("ha"),
                F.sum(F.col("resident").cast("int")).alias("residents")))
    fa = fam.agg(
        F.count(F.lit(1)).alias("families"),
        F.sum((F.col("structure") != "independent_minor").cast("int")).alias("parent_families"),
        F.sum(F.col("structure").isin("single_mother", "single_father").cast("int")).alias("single"),
        F.sum((F.col("structure") == "blended").cast("int")).alias("blended"),
        F.sum((F.col("structure") == "independent_minor").cast("int")).alias("independent"),
        *[F.sum(((F.col("kids") == k) & (F.col("structure") != "independent_minor")).cast("int")).alias(f"k{k}") for k in (1, 2, 3, 4)],
        F.sum(((F.col("kids") >= 5) & (F.col("structure") != "independent_minor")).cast("int")).alias("k5"),
        F.sum(F.when(F.col("structure") != "independent_minor", F.col("kids"))).alias("kids_in_parent_families"),
        F.sum(F.col("mother_language").isNotNull().cast("int")).alias("with_mother"),
        F.sum((F.col("mother_language") == "sv").cast("int")).alias("mother_sv"),
        F.sum((~F.col("mother_language").isin("fi", "sv", "se")).cast("int")).alias("mother_foreign"),
        F.sum(F.when(F.col("sa") == 1, F.col("residents")).otherwise(0)).alias("sa_family_persons"),
        F.sum(F.when(F.col("sa") == 1, F.col("kids")).otherwise(0)).alias("sa_kids"),
        F.sum(F.col("ha")).alias("ha_families"),
    ).first()
    filler_sa = f.filter(F.col("family_key").isNull() & F.col("death_date").isNull()).agg(F.sum("sa_year")).first()[0] or 0
    births = (f.filter(F.col("member_no") >= 11).filter(F.year("birth_date") == p.reference_date.year)
              .alias("c").join(f.select(F.col("person_key").alias("mk"), F.col("birth_date").alias("mb"),
                                        F.col("family_key").alias("mf"), F.col("member_no").alias("mm")),
                               (F.col("c.family_key") == F.col("mf")) &
                               (F.col("mm") == F.when((F.col("c.member_no") - 10) <= F.col("c.n_prev"), F.col("c.mother_m"))
                                .otherwise(F.col("c.joint_mother_m"))), "inner")
              .agg(F.avg(F.months_between("c.birth_date", "mb") / 12).alias("mother_age"), F.count(F.lit(1)).alias("n"))
              .first())
    groups = (fam.filter(F.col("family_municipality").isin(*LEA_CITIES)).groupBy("family_municipality", "group_no")
              .count().collect())
    totals = {}
    for r in groups:
        totals[r["family_municipality"]] = totals.get(r["family_municipality"], 0) + r["count"]
    nat_groups = {r["group_no"]: r["count"] for r in fam.groupBy("group_no").count().collect()}

    s = p.scale
    pct = lambda x, d: 100.0 * x / d if d else float("nan")  # noqa: E731
    fs = "finland_statistics.md"
    rows = [
        Row("Persons (scaled to 1.0)", 5_563_970, a["persons"] / s, 0.03 * 5_563_970, "persons", "Sotkanet/Paavo 31.12.2022 (geo/PROVENANCE.md)"),
        Row("Families with children (scaled to 1.0)", 552_034, fa["families"] / s, 0.03 * 552_034, "families", f"SF Perheet 2022 ({fs} §1)"),
        Row("Children under 18 (scaled to 1.0)", 1_026_192, a["minors"] / s, 0.05 * 1_026_192, "persons", f"SF Tieto&trendit 1.2.2024 ({fs} §1)"),
        Row("One-parent families, % of families with children", 22.5, pct(fa["single"], fa["parent_families"]), 3.0, "%",
            f"SF Perheet 2018 table 10: (108 112 + 18 328) / 561 965 ({fs} §1)"),
        Row("Blended families, % of families with children", None, pct(fa["blended"], fa["parent_families"]), None, "%",
            f"no figure in {fs} (reported for information)"),
        Row("Independent minors, % of families", None, pct(fa["independent"], fa["families"]), None, "%",
            "LEA.md: nearly 5 % in the largest municipalities (not a national figure)"),
        Row("Average number of children per family", 1.82, fa["kids_in_parent_families"] / max(1, fa["parent_families"]), 0.10, "children",
            f"SF Tieto&trendit 1.2.2024, 2022 ({fs} §1)"),
    ]
    for k, pub in zip((1, 2, 3, 4, 5), (42.6, 39.1, 13.2, 3.2, 1.9)):
        rows.append(Row(f"Families with {k}{'+' if k == 5 else ''} children, %", pub, pct(fa[f"k{k}"], fa["parent_families"]), 3.0, "%",
                        f"SF Perheet 2018 table 10 ({fs} §1)"))
    rows += [
        Row("Families by mother's language: Swedish, %", 4.8, pct(fa["mother_sv"], fa["with_mother"]), 1.5, "%",
            f"SF Perheet 2018 table 5: 26 076 / 543 637 families with a mother ({fs} §2)"),
        Row("Families by mother's language: foreign, %", 11.0, pct(fa["mother_foreign"], fa["with_mother"]), 3.0, "%",
            f"SF Perheet 2018 table 5: 59 864 / 543 637 ({fs} §2)"),
        Row("Mean age of mothers at birth, 2022", 31.7, births["mother_age"] or float("nan"), 1.5, "years",
            f"THL Perinataalitilasto 2022 ({fs} §3)"),
        Row("Persons in households receiving social assistance, % of population", 7.0,
            pct(fa["sa_family_persons"] + filler_sa, a["persons"]), 2.0, "%",
            f"THL Toimeentulotuki 2022 via Yle (all assistance types; {fs} §4)"),
        Row("Minors in households receiving social assistance, %", 9.2, pct(fa["sa_kids"], a["minors"]), 3.0, "%",
            f"THL Toimeentulotuki 2022 via Yle, 'a little over 9 %' ({fs} §4)"),
        Row("Housing-allowance households, December (scaled to 1.0)", 382_232, a["ha_households"] / s, 0.15 * 382_232, "households",
            f"Kela via demokraatti.fi, Dec 2022 ({fs} §4)"),
        Row("Families with children receiving housing allowance, December, %", 14.5, pct(fa["ha_families"], fa["families"]), 4.0, "%",
            f"derived: 21 % of 382 232 households (Kela Dec 2021 split) / 552 034 families ({fs} §4)"),
        Row("Unemployment rate 15-74, %", 6.8, pct(a["unemp"], a["unemp"] + a["emp"]), 2.5, "%",
            f"SF Labour Force Survey 2022 ({fs} §5); registered jobseekers 9.9 % (TEM Dec 2022)"),
        Row("Employment rate 15-64, %", 73.8, pct(a["emp_15_64"], a["pop_15_64"]), 5.0, "%", f"SF Labour Force Survey 2022 ({fs} §5)"),
        Row("Disability pension recipients, % of 16-64", round(100 * 180_000 / population_16_64, 1), pct(a["dis"], a["pop_16_64"]), 1.5, "%",
            f"ETK about 180 000 (all systems, ~2023) / population 16-64 from Paavo 2018 ({fs} §6)"),
        Row("Tertiary degree, % of 25-64", 42.3, pct(a["tert_25_64"], a["pop_25_64"]), 4.0, "%", f"OKM/OECD EaG 2021 via Xinhua ({fs} §7)"),
        Row("Tertiary degree, % of 15+", 33.3, pct(a["tert_15"], a["pop_15"]), 4.0, "%", f"SF Educational structure 2021: 1 551 200, one third ({fs} §7)"),
        Row("Post-comprehensive qualification, % of 15+", 75.0, pct(a["post_15"], a["pop_15"]), 5.0, "%",
            f"SF Educational structure 2021: 3 502 000 of about 4.67 M aged 15+ ({fs} §7)"),
        Row("Health-centre visits per person, 2022", 6.2, a["visits"] / max(1, a["persons"]), 0.9, "visits",
            f"THL Perusterveydenhuollon avohoito 2022: 34.6 M / 5.56 M ({fs} §10)"),
    ]
    return rows, totals, {(r["family_municipality"], r["group_no"]): r["count"] for r in groups}, nat_groups


def markdown(rows, totals, city_groups, nat_groups, mix: dict, p: GenParams) -> str:
    lines = [
        "# Realism report: generated vs published",
        "",
        f"Generated by `lea generate --scale {p.scale} --seed {p.seed} --realism-report` "
        f"(reference date {p.reference_date.isoformat()}). Counts are divided by the scale. "
        "Targets and sources: ../shared/reference/finland_statistics.md and LEA.md. "
        "`FAIL` rows are targets the generator does not meet at this scale and seed; `info` rows have no published figure.",
        "",
        "| figure | published | generated | tolerance | status | source |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        pub = "-" if r.published is None else f"{r.published:,.1f}"
        tol = "-" if r.tolerance is None else f"± {r.tolerance:,.1f}"
        lines.append(f"| {r.figure} | {pub} | {r.generated:,.1f} | {tol} | {r.status} | {r.source} |")
    lines += ["", "## Planted LEA group shares in the six LEA municipalities (% of families)", "",
              "Published shares: LEA 2021 (lea_groups_2021.csv). Small municipalities have few families at small scales, "
              "so their shares are noisy; tolerance ± 3 points (and ± 2 standard errors).", "",
              "| municipality | families | " + " | ".join(f"g{g}" for g in range(1, 11)) + " | max abs diff | status |",
              "|---|---:|" + "---:|" * 10 + "---:|---|"]
    for code, name in LEA_CITIES.items():
        n = totals.get(code, 0)
        pub = mix["municipalities"][code]
        tot = sum(pub)
        cells, worst, ok = [], 0.0, True
        for g in range(1, 11):
            share = 100.0 * city_groups.get((code, g), 0) / n if n else float("nan")
            target = 100.0 * pub[g - 1] / tot
            se = 100.0 * (target / 100 * (1 - target / 100) / max(n, 1)) ** 0.5
            diff = abs(share - target)
            worst = max(worst, diff)
            ok = ok and diff <= max(3.0, 2 * se)
            cells.append(f"{share:.1f} ({pub[g - 1]})")
        lines.append(f"| {name} {code} | {n} | " + " | ".join(cells) + f" | {worst:.1f} | {'pass' if ok else 'FAIL'} |")
    total = sum(nat_groups.values())
    lines += ["", "Cells: generated share (published share).", "", "## National group mix (generated, no published figure)", "",
              "| " + " | ".join(f"g{g}" for g in range(1, 11)) + " |", "|" + "---:|" * 10,
              "| " + " | ".join(f"{100.0 * nat_groups.get(g, 0) / total:.1f}" for g in range(1, 11)) + " |", ""]
    return "\n".join(lines)


def population_16_64(geo: Path) -> float:
    import pandas as pd

    d = pd.read_csv(geo / "municipality_paavo2020_demographics.csv", dtype=str)
    cols = ["he_16_17_years_2018", "he_18_19_years_2018", "he_20_24_years_2018", "he_25_29_years_2018",
            "he_30_34_years_2018", "he_35_39_years_2018", "he_40_44_years_2018", "he_45_49_years_2018",
            "he_50_54_years_2018", "he_55_59_years_2018", "he_60_64_years_2018"]
    return float(sum(pd.to_numeric(d[c]).sum() for c in cols))
