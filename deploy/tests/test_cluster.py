"""The pipeline on a real Spark standalone cluster (master + two workers on 127.0.0.1) with
an MLflow tracking server, submitted through the operator's wrapper ``deploy/lea-submit``.

Shows: the cluster run equals the local-mode run with the same seed; killing a worker while
a job runs does not change the result; a driver killed outright in the middle of a write
leaves every table at its previous version, and the rerun gives the undisturbed tables.
Every process is started and stopped by PID; nothing is left running.

The registers are generated once, by the local run; the cluster run reads the same extracts
(generation's determinism across partitionings is tested in tests/test_generate.py). Both
runs train one candidate without the logged alternatives (tests/test_train.py covers those).

Part of ``make test`` (``testpaths`` in pyproject.toml); most of its time is the two
pipeline runs at scale 0.001, which run at the same time after generation. Alone:
``.venv/bin/python -m pytest deploy/tests/test_cluster.py`` from the repository root.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from deltalake import DeltaTable

from tests.conftest import CONF, ROOT

pytestmark = pytest.mark.slow

KEY = "cluster-test-key"
# Columns that legitimately differ between two runs of the same job.
RUN_METADATA = {"ingested_at", "ingest_run_id", "model_version", "run_id", "published_at",
                "created_at", "mlflow_run_id"}
SKIP = ["generate", "report"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not running.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _strays(work: Path, ports: dict) -> list[str]:
    """Running processes whose command line names this test's directory or ports."""
    marks = [str(work), f"127.0.0.1:{ports['LEA_MASTER_PORT']}", f"--port {ports['LEA_MLFLOW_PORT']}"]
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmd and any(m in cmd for m in marks) and _alive(int(proc.name)):
            out.append(f"{proc.name}: {cmd[:120]}")
    return out


def _overlay(base: Path, master: str, tracking_uri: str, extracts: Path) -> dict:
    test = yaml.safe_load((CONF / "env" / "test.yaml").read_text())
    test["spark"]["master"] = master
    test.setdefault("generate", {}).update({"scale": 0.001, "seed": 424242})
    # One candidate, no alternatives: the comparison needs a model, not every logged one.
    test.setdefault("train", {}).update({"stability_seeds": 0, "alternatives": False})
    test.setdefault("paths", {}).update({
        "raw": str(extracts / "raw"), "answer_key": str(extracts / "raw_truth"), "lake": str(base / "lakehouse"),
        "reports": str(base / "reports"), "mlruns_artifacts": str(base / "mlartifacts"),
        # The configuration is copied to a temporary directory: shared data by absolute path.
        "geo": str(ROOT.parent / "shared" / "reference" / "geo"),
        "group_reference": str(ROOT.parent / "shared" / "reference" / "lea_groups_2021.csv"),
    })
    test["mlflow"] = {"tracking_uri": tracking_uri, "experiment": f"lea-{base.name}"}
    # Rates only in the national group profiles: at scale 0.001 nearly every family count is
    # suppressed, and the joint audit of per-area rates with the family table would take most
    # of the run (tests/test_publish_job.py covers per-area rates).
    test.setdefault("publish", {})["rate_indicators"] = []
    return test


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    work = tmp_path_factory.mktemp("cluster")
    conf = work / "conf"
    shutil.copytree(CONF, conf)
    state = work / "state"
    ports = {"LEA_MASTER_PORT": str(_free_port()), "LEA_MLFLOW_PORT": str(_free_port())}
    # mlflow.set_tracking_uri() exports MLFLOW_TRACKING_URI, so earlier in-process tests leave it
    # behind; the environment wins over the configuration: drop it so that each run logs where
    # its configuration says.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING")}
    env = {**inherited, **ports, "LEA_CLUSTER_DIR": str(state), "LEA_PSEUDONYM_KEY": KEY,
           "PYTHON": sys.executable}
    master = f"spark://127.0.0.1:{ports['LEA_MASTER_PORT']}"
    mlflow_uri = f"http://127.0.0.1:{ports['LEA_MLFLOW_PORT']}"
    for name, base, m, uri in (("ct", work / "cluster_run", "", mlflow_uri),
                               ("lt", work / "local_run", "local[2]", f"sqlite:///{work / 'local.db'}")):
        (conf / "env" / f"{name}.yaml").write_text(yaml.safe_dump(_overlay(base, m, uri, work / "local_run")))
    up = subprocess.run([str(ROOT / "deploy" / "local-cluster"), "up"], env=env, capture_output=True,
                        text=True, timeout=300)
    pids = {p.stem: int(p.read_text()) for p in state.glob("*.pid")}
    try:
        assert up.returncode == 0, up.stderr + up.stdout
        assert set(pids) == {"master", "worker1", "worker2", "mlflow"}
        yield {"work": work, "conf": conf, "env": env, "master": master, "state": state,
               "mlflow": mlflow_uri, "pids": pids}
    finally:
        subprocess.run([str(ROOT / "deploy" / "local-cluster"), "down"], env=env, capture_output=True,
                       timeout=120)
        deadline = time.time() + 20
        while time.time() < deadline and any(_alive(p) for p in pids.values()):
            time.sleep(0.5)
        left = {k: p for k, p in pids.items() if _alive(p)}
        assert not left, f"processes left running after cluster down: {left}"
        # Nor any other process of this test: executors, drivers, MLflow workers.
        deadline = time.time() + 20
        while time.time() < deadline and _strays(work, ports):
            time.sleep(0.5)
        assert not _strays(work, ports), f"processes of the test left running: {_strays(work, ports)}"


def _tables(lake: Path, layer: str) -> dict[str, pd.DataFrame]:
    out = {}
    for table in sorted(p for p in (lake / layer).iterdir() if (p / "_delta_log").is_dir()):
        df = DeltaTable(str(table)).to_pandas()
        df = df[[c for c in df.columns if c not in RUN_METADATA]]
        out[table.name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def _versions(lake: Path) -> dict[str, int]:
    return {f"{t.parent.name}.{t.name}": DeltaTable(str(t)).version()
            for t in lake.glob("*/*") if (t / "_delta_log").is_dir()}


def _submit(setup, job: str, *flags: str) -> subprocess.Popen:
    cmd = [str(ROOT / "deploy" / "lea-submit"), "--master", setup["master"], "--conf-dir", str(setup["conf"]),
           "--env", "ct", job, *flags]
    log_path = setup["work"] / f"submit-{job}-{time.time_ns()}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=setup["env"], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


def _log_text(proc) -> str:
    return Path(proc.log_path).read_text(errors="replace")


def _wait(proc, timeout=1500) -> str:
    proc.wait(timeout=timeout)
    return _log_text(proc)


@pytest.fixture(scope="module")
def runs(setup):
    """The same pipeline run twice: local mode, and on the cluster with a worker killed. The
    cluster run starts once the local run has generated the extracts, and reads them; from
    then on the two run at the same time."""
    # The local run is the whole pipeline, report included (the embedded default).
    local_log = setup["work"] / "local-run.log"
    with open(local_log, "w") as out:
        local = subprocess.Popen([sys.executable, "-m", "lea_spark.cli", "run", "--conf-dir", str(setup["conf"]),
                                  "--env", "lt"], env=setup["env"], stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        deadline = time.time() + 900
        while local.poll() is None and time.time() < deadline and "== generate: done" not in local_log.read_text():
            time.sleep(0.5)
        assert "== generate: done" in local_log.read_text(), local_log.read_text()[-4000:]
        text = _cluster_run(setup, _submit(setup, "run", "--skip", *SKIP))
        local.wait(timeout=1500)
    finally:
        if local.poll() is None:  # the cluster run failed: stop the local one too
            os.killpg(local.pid, signal.SIGKILL)
            local.wait(timeout=60)
    local_out = local_log.read_text(errors="replace")
    assert local.returncode == 0, local_out[-4000:]
    return {"local": setup["work"] / "local_run" / "lakehouse", "cluster": setup["work"] / "cluster_run" / "lakehouse",
            "reports": setup["work"] / "local_run" / "reports", "log": text, "local_out": local_out}


def _cluster_run(setup, proc) -> str:
    """Wait for the cluster's pipeline run, killing one worker once ingest has started; its log."""
    killed_at = None
    deadline = time.time() + 1500
    while proc.poll() is None and time.time() < deadline:
        # Kill one worker once the cluster is busy with the ingest job: after its first
        # register, when both workers' executors have registered and run tasks (the run starts
        # with ingest, so at its very start an executor may still be starting).
        if killed_at is None and "== ingest: start" in (log := _log_text(proc)) and "[ingest]   " in log:
            os.killpg(setup["pids"]["worker2"], signal.SIGKILL)
            killed_at = time.time()
        time.sleep(0.5)
    text = _wait(proc)
    assert proc.returncode == 0, text[-4000:]
    assert killed_at is not None, "the worker was never killed: ingest did not start"
    assert not _alive(setup["pids"]["worker2"])
    # The kill hit the running application: Spark lost an executor and carried on.
    assert "Lost executor" in text, "the killed worker held no executor of the job"
    return text


def test_whole_local_pipeline_publishes_every_municipality(runs):
    import csv

    lake = runs["local"]
    geo = ROOT.parent / "shared" / "reference" / "geo" / "municipalities_2025.csv"
    with geo.open(encoding="utf-8") as fh:
        municipalities = {row["municipality_code"] for row in csv.DictReader(fh)}
    areas = DeltaTable(str(lake / "publish" / "area_families")).to_pandas()
    published = set(areas.loc[areas["area_level"] == "municipality", "area_code"])
    assert published == municipalities and len(published) == 308
    # No identifiers, and no published family count below the threshold, anywhere.
    counted = set()
    for name, df in _tables(lake, "publish").items():
        assert not {"family_id", "person_id"} & set(df.columns), name
        if "families" in df.columns:
            status = "families_status" if "families_status" in df.columns else "status"
            shown = df[(df[status] == "published") & df["families"].notna()]
            # At scale 0.001 most cells are suppressed, but the country's are not. Family types
            # are published only for municipalities of publish.type_min_families families or
            # more: at this scale none.
            if name != "type_families":
                assert len(shown) > 0 and (shown["area_level"] == "country").any(), name
            assert (shown["families"] >= 5).all(), name
            counted.add(name)
    assert counted == {"area_families", "group_families", "type_families"}
    # Ingest accounted for every row it read.
    acc = DeltaTable(str(lake / "bronze" / "ingest_accounting")).to_pandas()
    per_file = acc.drop_duplicates(["register", "source_file"])
    assert (per_file["rows_read"] == per_file["rows_accepted"] + per_file["rows_quarantined"]).all()
    segments = DeltaTable(str(lake / "gold" / "family_segments")).to_pandas()
    features = DeltaTable(str(lake / "gold" / "family_features")).to_pandas()
    assert len(segments) == len(features) > 0
    assert (runs["reports"] / "index.html").is_file()
    assert "Outputs:" in runs["local_out"]


def test_the_whole_runs_log_names_no_person_and_has_no_stale_warnings(runs):
    """The log a user keeps of `lea run` (Python and Spark lines, stdout and stderr) carries
    no pseudonym, family hash or identity code, no traceback, and none of the warnings that
    would mean the code uses a deprecated Spark call or registers the Delta source twice."""
    import re

    text = runs["local_out"]
    assert "== publish: done" in text and "== report: done" in text  # the log is the whole run's
    ids = re.compile(r"fam\d{10}|[0-9a-f]{64}|\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b")
    assert not ids.findall(text)
    assert "Traceback" not in text
    assert "deprecated" not in text.lower(), [ln for ln in text.splitlines() if "deprecated" in ln.lower()]
    assert "replaced a previously registered data source" not in text


def test_cluster_run_equals_local_run_despite_a_lost_worker(runs):
    local, cluster = _tables(runs["local"], "publish"), _tables(runs["cluster"], "publish")
    assert local and set(local) == set(cluster)
    for name in local:
        pd.testing.assert_frame_equal(local[name], cluster[name], check_dtype=False, obj=f"publish.{name}")
    assert "spark://" in runs["log"] or "lea-submit: run on spark://" in runs["log"]


def test_runs_are_tracked_on_the_mlflow_server(setup, runs):
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=setup["mlflow"])
    exp = client.get_experiment_by_name("lea-cluster_run")
    assert exp is not None
    assert client.search_runs([exp.experiment_id]), "no runs logged to the tracking server"


def _modified_after(path: Path, start: float) -> bool:
    try:
        return path.stat().st_mtime > start
    except FileNotFoundError:  # a staged file moved or removed since it was listed
        return False


def test_driver_killed_mid_write_leaves_tables_unchanged_and_rerun_matches(setup, runs):
    lake = runs["cluster"]
    before = _versions(lake)
    start = time.time()
    proc = _submit(setup, "ingest")
    killed = False
    deadline = time.time() + 900
    while proc.poll() is None and time.time() < deadline:
        # New data files in the lake mean a write is under way: kill the driver outright.
        # Ingest writes each register into its staging (``<lake>/_staging/``) and only then
        # moves the files into the table and commits them, which takes milliseconds: waiting
        # for files under bronze/ would often kill the driver after that commit.
        fresh = [p for p in lake.glob("**/*.parquet") if _modified_after(p, start)]
        if fresh:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    proc.wait(timeout=60)
    assert killed, "the job finished before any write could be interrupted"
    assert _versions(lake) == before, "a table moved to a new version although its job was killed"

    rerun = _submit(setup, "ingest")
    text = _wait(rerun)
    assert rerun.returncode == 0, text[-4000:]
    bronze_rerun = _tables(lake, "bronze")
    bronze_local = _tables(runs["local"], "bronze")
    assert set(bronze_rerun) == set(bronze_local)
    for name in bronze_local:
        pd.testing.assert_frame_equal(bronze_local[name], bronze_rerun[name], check_dtype=False,
                                      obj=f"bronze.{name}")
