"""The lake API writes real Delta tables that other engines read identically."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable
from pyspark.sql import functions as F

from lea_spark.lake import LakeError, read_table, table_path, table_version, write_table

ROWS = [
    (1, "091", dt.date(2022, 1, 31), 10.5, "a"),
    (2, "091", dt.date(2022, 2, 28), None, "b"),
    (3, "837", dt.date(2021, 12, 31), 3.25, None),
    (4, "092", dt.date(2022, 6, 30), -1.0, "ä"),
]
DDL = "id long, municipality_code string, month date, amount double, note string"


def frame(spark, rows=ROWS):
    return spark.createDataFrame(rows, DDL)


def as_pandas(df) -> pd.DataFrame:
    return df.toPandas().sort_values("id").reset_index(drop=True)


def _data_files(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*.parquet")}


def test_append_overwrite_and_time_travel(spark, cfg):
    v0 = write_table(cfg, frame(spark), "bronze.sample", mode="append")
    v1 = write_table(cfg, frame(spark), "bronze.sample", mode="append")
    assert (v0.version, v0.rows, v1.version, v1.rows) == (0, 4, 1, 4)
    assert read_table(spark, cfg, "bronze.sample").count() == 8

    v2 = write_table(cfg, frame(spark, ROWS[:1]), "bronze.sample", mode="overwrite")
    assert v2.version == 2
    assert read_table(spark, cfg, "bronze.sample").count() == 1
    # Time travel: the first version is still readable, row for row.
    old = as_pandas(read_table(spark, cfg, "bronze.sample", version=0))
    pd.testing.assert_frame_equal(old, as_pandas(frame(spark)), check_dtype=False)


def test_partitioned_write_read_back_by_three_engines(spark, cfg):
    write_table(cfg, frame(spark), "silver.part", mode="overwrite", partition_by=["municipality_code"])
    path = table_path(cfg, "silver.part")
    # Hive-style partition directories, as Delta writers lay them out.
    assert {p.name for p in path.iterdir() if p.is_dir() and p.name != "_delta_log"} == {
        "municipality_code=091", "municipality_code=092", "municipality_code=837"}
    expected = as_pandas(frame(spark))

    via_spark = as_pandas(read_table(spark, cfg, "silver.part"))
    pd.testing.assert_frame_equal(via_spark[expected.columns], expected, check_dtype=False)

    dt_table = DeltaTable(str(path))
    assert dt_table.metadata().partition_columns == ["municipality_code"]
    via_delta_rs = dt_table.to_pandas().sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(via_delta_rs[expected.columns], expected, check_dtype=False)

    from lea_spark.lake.duckdb_reader import connect

    con = connect()
    via_duckdb = con.execute(f"SELECT * FROM delta_scan('{path}') ORDER BY id").df()
    via_duckdb["month"] = pd.to_datetime(via_duckdb["month"]).dt.date  # DuckDB hands dates as datetime64
    pd.testing.assert_frame_equal(
        via_duckdb[expected.columns].reset_index(drop=True), expected, check_dtype=False
    )


def test_replace_where_overwrites_only_one_period(spark, cfg):
    rows = [(p, i, float(i)) for p in ("2021", "2022") for i in range(3)]
    ddl = "reference_period string, k int, value double"
    write_table(cfg, spark.createDataFrame(rows, ddl), "publish.periods", mode="overwrite",
                partition_by=["reference_period"])
    new = spark.createDataFrame([("2022", 9, 99.0)], ddl)
    res = write_table(cfg, new, "publish.periods", mode="replace", partition_by=["reference_period"],
                      replace_where={"reference_period": "2022"})
    assert res.rows == 1
    got = sorted(tuple(r) for r in read_table(spark, cfg, "publish.periods").collect())
    assert got == [("2021", 0, 0.0), ("2021", 1, 1.0), ("2021", 2, 2.0), ("2022", 9, 99.0)]


def test_replace_where_rejects_rows_outside_the_predicate(spark, cfg):
    ddl = "reference_period string, k int"
    write_table(cfg, spark.createDataFrame([("2021", 1)], ddl), "publish.guard", mode="overwrite",
                partition_by=["reference_period"])
    before = table_version(cfg, "publish.guard")
    with pytest.raises(LakeError, match="every written row must match"):
        write_table(cfg, spark.createDataFrame([("2021", 2), ("2022", 3)], ddl), "publish.guard",
                    mode="replace", partition_by=["reference_period"],
                    replace_where={"reference_period": "2022"})
    assert table_version(cfg, "publish.guard") == before
    assert [tuple(r) for r in read_table(spark, cfg, "publish.guard").collect()] == [("2021", 1)]


def test_schema_enforcement_on_append(spark, cfg):
    write_table(cfg, frame(spark), "bronze.strict", mode="append")
    path = table_path(cfg, "bronze.strict")
    files_before = _data_files(path)
    wrong_type = frame(spark).withColumn("amount", F.col("amount").cast("string"))
    with pytest.raises(LakeError, match=r"schema mismatch .*amount: double -> string"):
        write_table(cfg, wrong_type, "bronze.strict", mode="append")
    extra = frame(spark).withColumn("extra", F.lit(1))
    with pytest.raises(LakeError, match=r"unexpected columns \['extra'\]"):
        write_table(cfg, extra, "bronze.strict", mode="append")
    assert table_version(cfg, "bronze.strict") == 0
    assert _data_files(path) == files_before
    assert read_table(spark, cfg, "bronze.strict").count() == 4


def _explode_on_id_3(id_):  # runs on the executors
    if id_ == 3:
        raise RuntimeError("simulated executor failure")
    return id_


def test_failed_job_leaves_table_unchanged_and_no_stray_files(spark, cfg):
    from pyspark.sql.types import LongType

    write_table(cfg, frame(spark), "bronze.atomic", mode="append")
    path = table_path(cfg, "bronze.atomic")
    files_before = _data_files(path)
    boom = F.udf(_explode_on_id_3, LongType())
    # Two partitions: one task succeeds and writes its file, the other fails part-way.
    failing = frame(spark).repartition(2, "id").withColumn("id", boom("id"))
    with pytest.raises(LakeError, match="simulated executor failure"):
        write_table(cfg, failing, "bronze.atomic", mode="append")
    assert table_version(cfg, "bronze.atomic") == 0
    assert _data_files(path) == files_before, "files of the failed write were left behind"
    assert DeltaTable(str(path)).to_pandas().shape[0] == 4


def test_empty_and_missing_tables(spark, cfg):
    empty = spark.createDataFrame([], DDL)
    res = write_table(cfg, empty, "gold.empty", mode="overwrite")
    assert res.rows == 0
    back = read_table(spark, cfg, "gold.empty")
    assert back.count() == 0 and back.schema.simpleString() == empty.schema.simpleString()
    with pytest.raises(LakeError, match="does not exist"):
        read_table(spark, cfg, "gold.nothing_here")
    with pytest.raises(LakeError, match="must look like 'layer.table'"):
        write_table(cfg, empty, "no_layer", mode="overwrite")


def test_parallel_write_makes_one_file_per_task(spark, cfg):
    df = spark.range(0, 10_000, numPartitions=4).withColumn("g", (F.col("id") % 7).cast("string"))
    res = write_table(cfg, df, "bronze.wide", mode="overwrite")
    assert res.rows == 10_000
    files = DeltaTable(str(table_path(cfg, "bronze.wide"))).file_uris()
    assert len(files) == 4  # written by the four tasks, not collected to the driver
    assert os.path.basename(files[0]).startswith("part-")


def test_unpartitioned_writes_carry_footer_statistics_and_leave_no_folder(spark, cfg):
    """An unpartitioned table is written by Spark's Parquet writer and committed with Delta
    statistics read from the files' footers: rows, nulls, bounds of numbers and dates (none
    for strings); nothing of the write is left outside the table's data files."""
    import pyarrow as pa

    write_table(cfg, frame(spark).coalesce(1), "bronze.stats", mode="overwrite")
    path = table_path(cfg, "bronze.stats")
    (flat,) = pa.table(DeltaTable(str(path)).get_add_actions(flatten=True)).to_pylist()
    assert flat["num_records"] == 4
    assert (flat["min.id"], flat["max.id"]) == (1, 4)
    assert (flat["min.amount"], flat["max.amount"]) == (-1.0, 10.5)
    assert (flat["min.month"], flat["max.month"]) == (dt.date(2021, 12, 31), dt.date(2022, 6, 30))
    assert (flat["null_count.amount"], flat["null_count.note"], flat["null_count.id"]) == (1, 1, 0)
    assert flat.get("min.note") is None and flat.get("max.municipality_code") is None  # no string bounds
    assert [p.name for p in path.iterdir() if p.name != "_delta_log" and not p.name.endswith(".parquet")] == []
    assert as_pandas(read_table(spark, cfg, "bronze.stats")).equals(as_pandas(frame(spark)))


def test_row_count_from_delta_statistics(spark, cfg):
    from lea_spark.lake import table_rows

    write_table(cfg, frame(spark), "bronze.counted", mode="overwrite", partition_by=["municipality_code"])
    write_table(cfg, frame(spark, ROWS[:2]), "bronze.counted", mode="append", partition_by=["municipality_code"])
    assert table_rows(cfg, "bronze.counted") == 6


def test_timestamp_columns_round_trip_as_delta_timestamps(spark, cfg):
    ts = dt.datetime(2022, 12, 31, 23, 59, 58)
    df = spark.createDataFrame([(1, ts, ts)], "id long, at timestamp, local_at timestamp_ntz")
    write_table(cfg, df, "bronze.times", mode="overwrite")
    write_table(cfg, df, "bronze.times", mode="append")
    fields = {f.name: f.type.type for f in DeltaTable(str(table_path(cfg, "bronze.times"))).schema().fields}
    assert fields == {"id": "long", "at": "timestamp", "local_at": "timestamp_ntz"}
    back = read_table(spark, cfg, "bronze.times").collect()
    assert [(r.at, r.local_at) for r in back] == [(ts, ts), (ts, ts)]
