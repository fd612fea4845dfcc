"""`lea report`: the static site, downloads, and the pages in a real headless chromium."""
from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_cfg
from tests.test_publish_helpers import dense_families, write_gold

OUT = ROOT / "test-output" / "report"


@pytest.fixture(scope="module")
def site(spark, tmp_path_factory):
    from lea_spark.jobs import publish, report

    base = tmp_path_factory.mktemp("report")
    cfg = make_cfg(base)
    # Postal area 00100 (Helsinki) is left with 3 families: its count must be suppressed.
    small = {("00100", ty): 0 for ty in range(3, 21)} | {("00100", 1): 2, ("00100", 2): 1}
    write_gold(spark, cfg, dense_families(small=small))
    publish.run(cfg, argparse.Namespace(period=None))
    summary = report.run(cfg, argparse.Namespace(period=None))
    return cfg.path("reports"), summary


def test_pages_and_downloads_exist(site):
    out, summary = site
    assert (out / "index.html").is_file() and (out / "groups.html").is_file()
    assert len(list((out / "municipality").glob("*.html"))) == 308
    assert len(list((out / "county").glob("*.html"))) == 23
    for name in ("area_families", "group_families", "type_families", "indicator_rates", "group_profiles", "audit"):
        assert (out / "data" / f"{name}.csv").is_file() and (out / "data" / f"{name}.xlsx").is_file()
    assert summary["pages"] == 3 + 23 + 308


def test_suppressed_cells_show_as_dots_never_zero(site):
    import re

    from deltalake import DeltaTable

    out, _ = site
    hel = (out / "municipality" / "091.html").read_text(encoding="utf-8")
    assert "Helsinki – Helsingfors" in hel
    # Every postal area row of Helsinki shows what publish.area_families says: the count when
    # published, ".." when suppressed (never a number, never 0).
    areas = DeltaTable(str(out.parent / "lakehouse" / "publish" / "area_families")).to_pandas()
    postal = areas[areas.area_level == "postal_area"].set_index("area_code")
    rows = re.findall(r'<tr><td>(\d{5}) [^<]*</td><td class="([sn])"[^>]*>([^<]*)</td>', hel)
    assert len(rows) > 50
    suppressed = 0
    for code, css, text in rows:
        row = postal.loc[code]
        if row.families_status == "published":
            assert (css, text) == ("n", f"{int(row.families):,}".replace(",", "\u00a0")), code
        else:
            assert (css, text) == ("s", ".."), code
            suppressed += 1
    assert dict((c, t) for c, _, t in rows)["00100"] == ".."
    assert suppressed >= 2  # 00100 and at least one area that protects it
    assert "<svg" in hel and "http://" not in hel.replace("http://www.w3.org/2000/svg", "")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Statistics Finland" in index and "National Land Survey" in index
    assert "<script src" not in index


def test_xlsx_matches_csv(site):
    import pandas as pd

    out, _ = site
    csv = pd.read_csv(out / "data" / "area_families.csv", dtype={"area_code": str})
    assert len(csv) == 1 + 23 + 308 + 3026
    for name in ("area_families", "group_families", "type_families", "indicator_rates", "group_profiles", "audit"):
        codes = {c: str for c in ("area_code", "parent_area_code", "municipality_code", "wellbeing_county_code")}
        csv = pd.read_csv(out / "data" / f"{name}.csv", dtype=codes, low_memory=False)
        xlsx = pd.read_excel(out / "data" / f"{name}.xlsx", dtype=codes)
        assert len(csv) > 0, name
        assert not {"family_id", "person_id"} & set(csv.columns), name
        pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False, obj=name)


def _serve(directory: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _chromium(url: str, shot: Path, profile: Path) -> tuple[str, str]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium is not installed: run `make browser`"
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
            "--window-size=1280,1600"]
    shot_run = subprocess.run(args + [f"--screenshot={shot}", url], capture_output=True, text=True, timeout=120)
    dom_run = subprocess.run(args + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    return dom_run.stdout, shot_run.stderr + dom_run.stderr


def _console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if "CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line]


def test_console_error_detection_works(tmp_path):
    (tmp_path / "bad.html").write_text("<html><body><script>undefinedFunction();</script></body></html>")
    server = _serve(tmp_path)
    try:
        _, log = _chromium(f"http://127.0.0.1:{server.server_port}/bad.html", tmp_path / "bad.png", tmp_path / "p")
    finally:
        server.shutdown()
    assert _console_errors(log), "a page with a script error must be reported"


@pytest.mark.parametrize("page", ["index.html", "municipality/091.html", "municipality/837.html", "groups.html"])
def test_page_loads_without_console_errors(site, page, tmp_path):
    out, _ = site
    OUT.mkdir(parents=True, exist_ok=True)
    server = _serve(out)
    shot = OUT / (page.replace("/", "_").replace(".html", ".png"))
    try:
        dom, log = _chromium(f"http://127.0.0.1:{server.server_port}/{page}", shot, tmp_path / "profile")
    finally:
        server.shutdown()
    assert _console_errors(log) == []
    assert 'data-ready="1"' in dom, "the page's script did not run to the end"
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_shares_keep_their_decimals_and_phenomena_are_in_finnish_and_swedish(site):
    """Shares show publish.share_decimals decimals as publish rounded them (21.0, never 21),
    means two; each indicator row names its phenomenon in Finnish / Swedish and carries the
    catalog's definition."""
    import html
    import re

    from deltalake import DeltaTable

    from lea_spark.indicators.catalog import CATALOG, PHENOMENA, PHENOMENON_NAMES

    assert set(PHENOMENON_NAMES) == set(PHENOMENA)
    out, _ = site
    lake = out.parent / "lakehouse" / "publish"
    gf = DeltaTable(str(lake / "group_families")).to_pandas()
    nat = gf[gf.area_level == "country"].set_index("group_id")
    index = (out / "index.html").read_text(encoding="utf-8")
    cell = r'<td class="[sn]"[^>]*>([^<]*)</td>'
    rows = re.findall(r"<tr><td>(\d+)\. [^<]*<br><i>[^<]*</i></td>" + cell * 3, index)
    assert len(rows) == len(nat) == 10
    for group, _, share, country in rows:
        want = f"{nat.loc[int(group), 'share_pct']:.1f}"
        assert share == country == want, group

    definitions = {i.name: i.definition for i in CATALOG}
    names = {f"{fi.capitalize()} / {sv.capitalize()}" for fi, sv in PHENOMENON_NAMES.values()}
    page = (out / "municipality" / "091.html").read_text(encoding="utf-8")
    rates = re.findall(r'<tr><td>([^<]*)</td><td title="([^"]*)">([a-z0-9_]+)</td>' + cell * 2, page)
    ir = DeltaTable(str(lake / "indicator_rates")).to_pandas()
    assert len(rates) == len(ir[(ir.area_level == "municipality") & (ir.area_code == "091")]) > 0
    for phenomenon, title, indicator, value, country in rates:
        assert html.unescape(phenomenon) in names
        assert html.unescape(title) == definitions[indicator]
        for text in (value, country):
            assert text == ".." or re.fullmatch(r"\d+\.\d %|\d+\.\d\d", text), (indicator, text)
    assert not [p for p in PHENOMENA if f"<td>{p}</td>" in page]  # no English phenomenon left
