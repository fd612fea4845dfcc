"""Orchestration of one generation: plan -> persons -> register files + answer key.

Library code: takes a session and paths from the job, returns a summary. The population is
built once and cached; each register is then derived from it and written by Spark tasks
(:mod:`writer`), so the driver only ever holds per-municipality plans and the manifest.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lea_spark.generate import events as E
from lea_spark.generate import kin
from lea_spark.generate import layouts as L
from lea_spark.generate import population as pop
from lea_spark.generate.dirty import inject
from lea_spark.generate.geography import Plan, build_plan, frame
from lea_spark.generate.params import GenParams
from lea_spark.generate.profiles import validate
from lea_spark.generate.writer import persons_by_part, write_register
from lea_spark.session import sql_conf

log = logging.getLogger("lea")

# Top-level directories under raw/ that the generator owns and replaces on each run.
OWNED_DIRS = ("dvv", "kela", "etk", "thl", "tilastokeskus", "tulorekisteri", "_manifest")
MANIFEST_DIR = "_manifest"


def build_population(spark: SparkSession, plan: Plan, p: GenParams) -> DataFrame:
    """All persons with family attributes, identity codes and traits (not yet cached)."""
    validate()
    fam = pop.families(spark, plan, p)
    members = pop.place_members(spark, plan, pop.family_members(fam, p), p)
    counts = pop.placed_counts(members)
    fill = pop.filler(spark, plan, counts, p)
    persons = pop.assemble(spark, plan, members, fill, p)
    return pop.cut(E.with_traits(persons, p))


class Registers:
    """Lazily derived register frames (each built only when its layout is written)."""

    def __init__(self, spark: SparkSession, plan: Plan, persons: DataFrame, p: GenParams):
        self.spark, self.plan, self.persons, self.p = spark, plan, persons, p
        self.names = frame(spark, plan, "municipalities").select("municipality_code", "name_fi")
        self.coords = frame(spark, plan, "postal_coords")
        self._res = None

    def residences(self) -> DataFrame:
        if self._res is None:
            self._res = pop.cut(kin.residences(self.spark, self.plan, self.persons, self.p))
        return self._res

    def by_part(self, layout: L.Layout) -> DataFrame:
        """The persons a streamed register is derived from (see ``writer.persons_by_part``)."""
        return persons_by_part(self.persons, layout, self.p)

    def current_postal(self) -> DataFrame:
        return self.residences().filter(F.col("end_date").isNull()).select("person_key", "postal_code")

    def builders(self) -> dict[str, tuple[L.Layout, Callable[[], DataFrame]]]:
        s, p = self.persons, self.p
        muni = s.select("person_key", "municipality_code")
        return {
            "dvv_persons": (L.DVV_PERSONS, lambda: L.build_dvv_persons(s, p)),
            "dvv_relatives": (L.DVV_RELATIVES, lambda: L.build_dvv_relatives(kin.relations(s), p, self.names)),
            "dvv_marriages": (L.DVV_MARRIAGES, lambda: L.build_dvv_marriages(kin.partnerships(s, p), p)),
            "dvv_residences": (L.DVV_RESIDENCES, lambda: L.build_dvv_residences(self.residences(), p, self.names, self.coords)),
            "kela_social_assistance": (L.KELA_SOCIAL_ASSISTANCE, lambda: L.build_kela_social_assistance(
                E.social_assistance(s, p), p, muni, self.names)),
            "kela_housing_allowance": (L.KELA_HOUSING_ALLOWANCE, lambda: L.build_kela_housing_allowance(E.housing_allowance(s, p), p)),
            "kela_unemployment": (L.KELA_UNEMPLOYMENT, lambda: L.build_kela_unemployment(E.unemployment(s, p), p)),
            "etk_pensions": (L.ETK_PENSIONS, lambda: L.build_etk_pensions(E.pensions(s, p), p)),
            "sf_degrees": (L.DEGREES, lambda: L.build_degrees(E.degrees(s, p), p)),
            "tax_incomes_register": (L.INCOMES, lambda: L.build_incomes(E.earnings(self.by_part(L.INCOMES), p), p)),
            "thl_hilmo": (L.HILMO, lambda: L.build_hilmo(E.care_episodes(s, p), p)),
            "thl_social_hilmo": (L.SOSHILMO, lambda: L.build_soshilmo(E.social_care_episodes(s, p), p, self.current_postal())),
            "thl_avohilmo": (L.AVOHILMO, lambda: L.build_avohilmo(E.primary_care_visits(self.by_part(L.AVOHILMO), p), p)),
        }


def answer_key(persons: DataFrame) -> DataFrame:
    """Planted truth: every minor child of a generated family with its group."""
    return (persons.filter((F.col("member_no") >= 11) & (F.col("age") < 18))
            .select(F.col("person_code"), F.col("family_key").cast("long"), F.col("group_no").cast("int"),
                    F.col("family_municipality").alias("municipality_code")))


def clean_raw(raw_dir: Path) -> None:
    """Remove the generator's own sub-directories of a previous run (nothing else)."""
    for name in OWNED_DIRS:
        target = raw_dir / name
        if target.is_dir():
            shutil.rmtree(target)


# Whole-stage generated methods longer than this many bytes of bytecode make Spark fall back
# to per-operator generated code for that part of the plan. The event registers (tens of
# column expressions per row) otherwise produce methods that HotSpot may leave interpreted,
# even with -XX:-DontCompileHugeMethods: a JFR profile of the Avohilmo writer at scale 0.3 had
# 81 % of its samples in the interpreter, against 1 % with this limit (docs/benchmarks.md).
CODEGEN_HUGE_METHOD_LIMIT = 8000
GENERATION_SQL_CONF = {"spark.sql.codegen.hugeMethodLimit": str(CODEGEN_HUGE_METHOD_LIMIT)}


def generate(spark: SparkSession, geo: Path, group_mix: Path, raw_dir: Path, answer_dir: Path, p: GenParams,
             only: Iterable[str] | None = None, step=None, report: Path | None = None) -> dict:
    """Generate the registers (all, or ``only`` the named ones) and the answer key."""
    with sql_conf(spark, GENERATION_SQL_CONF):
        return _generate(spark, geo, group_mix, raw_dir, answer_dir, p, only, step, report)


def _generate(spark: SparkSession, geo: Path, group_mix: Path, raw_dir: Path, answer_dir: Path, p: GenParams,
              only: Iterable[str] | None, step, report: Path | None) -> dict:
    from contextlib import nullcontext

    step = step or (lambda name: nullcontext(type("S", (), {})()))
    with step("plan geography") as st:
        plan = build_plan(geo, group_mix, p.scale)
        st.rows_out = len(plan.municipalities)
    with step("build population") as st:
        persons = build_population(spark, plan, p)
        n_persons = persons.count()
        st.rows_out = n_persons
    regs = Registers(spark, plan, persons, p)
    builders = regs.builders()
    wanted = list(builders) if only is None else list(only)
    unknown = [w for w in wanted if w not in builders]
    if unknown:
        raise ValueError(f"unknown register(s) {unknown}; known: {', '.join(builders)}")
    raw_dir.mkdir(parents=True, exist_ok=True)
    clean_raw(raw_dir)
    tables = []
    rows_by_register = {}
    for name in wanted:
        layout, build = builders[name]
        with step(f"write {name}") as st:
            df = inject(build(), layout, p)
            result = write_register(df, layout, raw_dir, p)
            tables.append(result)
            files = result.filter(pa.compute.equal(result["kind"], "file"))
            rows_by_register[name] = int(pa.compute.sum(files["source_row"]).as_py() or 0)
            st.rows_out = rows_by_register[name]
    manifest = pa.concat_tables(tables) if tables else None
    with step("write manifest and answer key") as st:
        (raw_dir / MANIFEST_DIR).mkdir(parents=True, exist_ok=True)
        files = manifest.filter(pa.compute.equal(manifest["kind"], "file"))
        files_t = pa.table({"source_file": files["source_file"], "register": files["register"],
                            "rows": files["source_row"]}).sort_by([("source_file", "ascending")])
        pq.write_table(files_t, raw_dir / MANIFEST_DIR / "files.parquet")
        faults = manifest.filter(pa.compute.equal(manifest["kind"], "fault"))
        dirty_t = pa.table({"register": faults["register"], "source_file": faults["source_file"],
                            "source_row": faults["source_row"], "fault": faults["fault"],
                            "expected_rule": faults["expected_rule"]}).sort_by(
            [("source_file", "ascending"), ("source_row", "ascending")])
        pq.write_table(dirty_t, raw_dir / MANIFEST_DIR / "dirty.parquet")
        key = answer_key(persons)
        key.repartition(1).sortWithinPartitions("family_key", "person_code") \
            .write.mode("overwrite").parquet(str(answer_dir / "answer_key"))
        st.rows_out = dirty_t.num_rows
    if report is not None:
        from lea_spark.generate import realism
        from lea_spark.generate.geography import load_group_mix

        with step("realism report") as st:
            rows, totals, city, nat = realism.compute(persons, p, realism.population_16_64(geo))
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(realism.markdown(rows, totals, city, nat, load_group_mix(group_mix), p), encoding="utf-8")
            st.rows_out = len(rows)
            st.note = f"{sum(r.status == 'FAIL' for r in rows)} of {len(rows)} figures outside tolerance"
    return {"persons": n_persons, "files": files_t.num_rows, "rows": int(sum(rows_by_register.values())),
            "faults": dirty_t.num_rows, "rows_by_register": rows_by_register, "plan": plan}
