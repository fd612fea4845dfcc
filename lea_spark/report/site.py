"""The static report site: a national page, one page per county and municipality, groups.

:func:`build_site` turns the publish tables (pandas, aggregates only) and the geography
into ``{relative path: HTML}``; the report job writes them. Suppressed cells are shown as
".." (with the reason on hover) and never as zero. Finnish and Swedish names side by side.
"""
from __future__ import annotations

import html
import json

import pandas as pd

from lea_spark.indicators.catalog import CATALOG, PHENOMENA, PHENOMENON_NAMES
from lea_spark.report import svg

DEFINITIONS = {i.name: i.definition for i in CATALOG}

SUPPRESSED = ".."
NOT_APPLICABLE = "–"
ATTRIBUTION = ("Lähde / Källa / Source: Statistics Finland, Paavo and municipality classifications (CC BY 4.0); "
               "National Land Survey of Finland, administrative borders 1:4.5M (CC BY 4.0); THL Sotkanet. "
               "Helsinki postal-area polygons: Statistics Finland Paavo via ANETILab/stop_accessibility (CC BY 4.0). "
               "Luvut ovat synteettisestä aineistosta / Siffrorna bygger på syntetiska data.")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#08519c;color:#fff;padding:12px 24px}header a{color:#fff}
main{padding:12px 24px;max-width:1200px}h1{margin:4px 0;font-size:1.5em}h2{font-size:1.15em;margin-top:24px}
table{border-collapse:collapse;font-size:.9em;background:#fff}td,th{border:1px solid #ddd;padding:3px 8px}
th{background:#eef3f8;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.s{color:#888;text-align:right}.bar{display:inline-block;height:10px;background:#3182bd}
.bar.c{background:#bbb}.grid{display:flex;flex-wrap:wrap;gap:24px}.legend{font-size:.85em;margin:6px 0}
.sw{display:inline-block;width:14px;height:10px;border:1px solid #999;margin:0 4px 0 10px}
.sw.hatch{background:repeating-linear-gradient(45deg,#ddd,#ddd 3px,#999 3px,#999 5px)}
footer{font-size:.8em;color:#555;padding:12px 24px;border-top:1px solid #ddd;margin-top:24px}
.note{font-size:.85em;color:#555}select{margin:4px 0}
"""

SCRIPT = """
(function(){
  var data = JSON.parse(document.getElementById('mapdata').textContent);
  var sel = document.getElementById('groupsel');
  function paint(){
    var g = sel.value, fills = data.fills[g] || {};
    var paths = document.querySelectorAll('#choro path');
    for (var i = 0; i < paths.length; i++) {
      var c = paths[i].getAttribute('data-code');
      paths[i].setAttribute('fill', fills[c] || data.nodata);
      var t = paths[i].querySelector('title');
      if (t && data.titles[g]) { t.textContent = data.titles[g][c] || c; }
    }
    document.getElementById('legend').innerHTML = data.legends[g] || '';
  }
  if (sel) { sel.addEventListener('change', paint); paint(); }
  document.body.setAttribute('data-ready', '1');
})();
"""


def _fmt_count(v, status) -> str:
    if status == "published" and v is not None and v == v:
        return f"{int(v):,}".replace(",", "\u00a0")
    if status in ("not applicable", "unavailable"):
        return NOT_APPLICABLE
    return SUPPRESSED


def _fmt_num(v, status, unit="", decimals: int = 1) -> str:
    """A published share or mean with a fixed number of decimals (21.0, not 21)."""
    if status == "published" and v is not None and v == v:
        return f"{v:.{decimals}f}{unit}"
    if status == "not applicable":
        return NOT_APPLICABLE
    return SUPPRESSED


def _cell(text: str, reason=None) -> str:
    if text == SUPPRESSED:
        r = html.escape(str(reason or "salattu / sekretessbelagd"))
        return f'<td class="s" title="{r}">{SUPPRESSED}</td>'
    return f'<td class="n">{html.escape(text)}</td>'


def page(title: str, body: str, depth: int = 0, script: str = "") -> str:
    up = "../" * depth
    nav = (f'<a href="{up}index.html">Koko maa / Hela landet</a> · <a href="{up}groups.html">Ryhmät / Grupper</a> · '
           f'<a href="{up}downloads.html">Aineistot / Data</a>')
    return ("<!DOCTYPE html><html lang=\"fi\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{html.escape(title)}</title>"
            f"<link rel=\"icon\" href=\"data:,\"><style>{CSS}</style></head><body><header><div>{nav}</div>"
            f"<h1>{html.escape(title)}</h1></header><main>{body}</main><footer>{html.escape(ATTRIBUTION)}<br>"
            "<b>..</b> = salattu (alle kynnyksen tai suojaa toista salattua lukua) / sekretessbelagd "
            "(under tröskeln eller skyddar ett annat sekretessbelagt värde). – = ei sovellu / ej tillämpligt."
            f"</footer>{script}</body></html>")


def _legend_text(threshold: int) -> str:
    return (f'<p class="note">Salatut luvut (alle {threshold} perhettä tai toisen salatun luvun suojaamiseksi) '
            f'näytetään merkillä <b>..</b> / Sekretessbelagda värden (färre än {threshold} familjer eller för att '
            'skydda ett annat värde) visas som <b>..</b></p>')


def _phenomenon(name) -> str:
    """A phenomenon in Finnish / Swedish (the catalog's English name when it has none)."""
    fi_sv = PHENOMENON_NAMES.get(str(name))
    return f"{fi_sv[0].capitalize()} / {fi_sv[1].capitalize()}" if fi_sv else str(name)


def _phenomenon_order(name) -> int:
    return PHENOMENA.index(name) if name in PHENOMENA else len(PHENOMENA)


def _indicator_cell(name) -> str:
    """The indicator's column name, its catalog definition as the cell's tooltip."""
    definition = DEFINITIONS.get(str(name))
    title = f' title="{html.escape(definition)}"' if definition else ""
    return f"<td{title}>{html.escape(str(name))}</td>"


class Site:
    def __init__(self, tables: dict[str, pd.DataFrame], geo: dict, period: str, threshold: int, decimals: int = 1):
        self.t = tables
        self.geo = geo
        self.period = period
        self.threshold = threshold
        self.decimals = decimals
        af = tables["area_families"]
        self.areas = {(r.area_level, r.area_code): r for r in af.itertuples(index=False)}
        gf = tables["group_families"]
        self.groups = sorted(int(g) for g in gf.group_id.unique())
        self.group_names = {int(r.group_id): (r.group_name_fi, r.group_name_sv)
                            for r in gf.drop_duplicates("group_id").itertuples(index=False)}
        self.gf = {k: v for k, v in gf.groupby(["area_level", "area_code"])}
        self.rates = {k: v for k, v in tables["indicator_rates"].groupby(["area_level", "area_code"])} \
            if len(tables["indicator_rates"]) else {}
        tf = tables["type_families"]
        self.types = {k: v for k, v in tf.groupby("area_code")} if len(tf) else {}

    # -- pieces ---------------------------------------------------------------------
    def name(self, level, code) -> str:
        r = self.areas.get((level, code))
        if r is None:
            return code
        return r.area_name_fi if r.area_name_fi == r.area_name_sv else f"{r.area_name_fi} – {r.area_name_sv}"

    def summary(self, level, code) -> str:
        r = self.areas[(level, code)]
        return (f"<p>Perheitä / Familjer: <b>{_fmt_count(r.families, r.families_status)}</b> · "
                f"Lapsia / Barn: <b>{_fmt_count(r.children, r.children_status)}</b> · "
                f"Tilannekuva / Lägesbild {html.escape(self.period)}</p>")

    def group_table(self, level, code) -> str:
        rows = self.gf.get((level, code))
        nat = self.gf.get(("country", "FI"))
        nat_share = {int(r.group_id): r for r in nat.itertuples(index=False)} if nat is not None else {}
        out = ['<table><tr><th>Ryhmä / Grupp</th><th>Perheitä / Familjer</th><th>Osuus / Andel %</th>'
               '<th>Koko maa / Hela landet %</th><th></th></tr>']
        for r in rows.sort_values("group_id").itertuples(index=False):
            n = nat_share.get(int(r.group_id))
            share = _fmt_num(r.share_pct, r.share_status, decimals=self.decimals)
            nshare = _fmt_num(n.share_pct, n.share_status, decimals=self.decimals) if n is not None else NOT_APPLICABLE
            bars = ""
            if r.share_status == "published":
                bars += f'<span class="bar" style="width:{2 * r.share_pct:.0f}px"></span><br>'
            if n is not None and n.share_status == "published":
                bars += f'<span class="bar c" style="width:{2 * n.share_pct:.0f}px"></span>'
            out.append(f"<tr><td>{int(r.group_id)}. {html.escape(r.group_name_fi)}<br><i>{html.escape(r.group_name_sv)}</i></td>"
                       f"{_cell(_fmt_count(r.families, r.status), r.reason)}{_cell(share, r.share_reason)}"
                       f"{_cell(nshare)}<td>{bars}</td></tr>")
        out.append("</table>")
        return "".join(out)

    def _unit(self, unit) -> tuple[str, int]:
        """Suffix and decimals of a value as publish rounds it: shares to publish.share_decimals,
        means to at least 2."""
        return (" %", self.decimals) if unit == "percent" else ("", max(self.decimals, 2))

    def indicator_table(self, level, code) -> str:
        rows = self.rates.get((level, code))
        nat = self.rates.get(("country", "FI"))
        if rows is None or nat is None:
            return '<p class="note">Ei indikaattoreita / Inga indikatorer.</p>'
        natv = {r.indicator: r for r in nat.itertuples(index=False)}
        out = ['<table><tr><th>Ilmiö / Fenomen</th><th>Indikaattori / Indikator</th><th>Alue / Område</th>'
               '<th>Koko maa / Hela landet</th></tr>']
        for r in sorted(rows.itertuples(index=False), key=lambda r: (_phenomenon_order(r.phenomenon), r.indicator)):
            unit, d = self._unit(r.unit)
            n = natv.get(r.indicator)
            out.append(f"<tr><td>{html.escape(_phenomenon(r.phenomenon))}</td>{_indicator_cell(r.indicator)}"
                       f"{_cell(_fmt_num(r.value, r.status, unit, d), r.reason)}"
                       f"{_cell(_fmt_num(n.value, n.status, unit, d) if n is not None else NOT_APPLICABLE)}</tr>")
        out.append("</table>")
        out.append('<p class="note">% = osuus perheistä; lukumäärää mittaavissa (esim. lapset, joilla '
                   'diagnoosi; toimeentulotukikuukaudet) osuus perheistä, joissa vähintään yksi. / % = andel '
                   'av familjerna; för indikatorer som räknar (t.ex. barn med diagnos, månader med '
                   'utkomststöd) andelen familjer med minst en.</p>')
        return "".join(out)

    def map_block(self, features, key, level, codes, links, depth, points=None) -> tuple[str, str]:
        """A choropleth of group shares over ``codes`` with a group selector (inline script)."""
        proj = svg.Projection(svg.bbox(features, [(p["lon"], p["lat"]) for p in points or []]), width=440)
        fills, titles, legends = {}, {}, {}
        for g in ["families"] + [str(g) for g in self.groups]:
            vals, sup = {}, set()
            for code in codes:
                if g == "families":
                    a = self.areas.get((level, code))
                    if a is None:
                        continue
                    if a.families_status == "published":
                        vals[code] = float(a.families)
                    else:
                        sup.add(code)
                else:
                    rows = self.gf.get((level, code))
                    if rows is None:
                        continue
                    r = rows[rows.group_id == int(g)].iloc[0]
                    if r.share_status == "published":
                        vals[code] = float(r.share_pct)
                    elif r.share_status != "not applicable":
                        sup.add(code)
            breaks = svg.classes(list(vals.values()))
            fills[g] = {c: svg.colour(vals.get(c), breaks, c in sup) for c in codes}
            unit = "perhettä / familjer" if g == "families" else "%"
            shown = {c: (f"{int(v):,}".replace(",", "\u00a0") if g == "families" else f"{v:.{self.decimals}f} %")
                     for c, v in vals.items()}
            titles[g] = {c: f"{self.name(level, c)}: " + (shown[c] if c in vals else SUPPRESSED if c in sup
                                                         else NOT_APPLICABLE) for c in codes}
            legends[g] = svg.legend(breaks, unit)
        options = ['<option value="families">Perheitä / Familjer</option>'] + [
            f'<option value="{g}">{g}. {html.escape(self.group_names[g][0])}</option>' for g in self.groups]
        svg_html = svg.choropleth(features, key, fills["families"], titles["families"], proj, "choro",
                                  {c: links[c] for c in links} if links else None, points)
        data = json.dumps({"fills": fills, "titles": titles, "legends": legends, "nodata": svg.NO_DATA_FILL})
        data = data.replace("</", "<\\/")  # no "</script>" inside the JSON block
        block = (f'<label>Kartta / Karta: <select id="groupsel">{"".join(options)}</select></label>'
                 f'<div id="legend">{legends["families"]}</div>{svg_html}'
                 f'<script type="application/json" id="mapdata">{data}</script>')
        return block, f"<script>{SCRIPT}</script>"

    # -- pages ----------------------------------------------------------------------
    def national(self) -> str:
        munis = [f for f in self.geo["municipalities"]["features"]]
        codes = [str(f["properties"]["municipality_code"]) for f in munis]
        links = {c: f"municipality/{c}.html" for c in codes}
        block, script = self.map_block(munis, "municipality_code", "municipality", codes, links, 0)
        counties = sorted(c for (lvl, c) in self.areas if lvl == "county")
        ctab = ['<table><tr><th>Hyvinvointialue / Välfärdsområde</th><th>Perheitä / Familjer</th></tr>']
        for c in counties:
            r = self.areas[("county", c)]
            ctab.append(f'<tr><td><a href="county/{c}.html">{html.escape(self.name("county", c))}</a></td>'
                        f'{_cell(_fmt_count(r.families, r.families_status), r.families_reason)}</tr>')
        ctab.append("</table>")
        mlist = ", ".join(f'<a href="municipality/{c}.html">{html.escape(self.name("municipality", c))}</a>'
                          for c in sorted((c for (lvl, c) in self.areas if lvl == "municipality"),
                                          key=lambda c: self.areas[("municipality", c)].area_name_fi))
        body = (self.summary("country", "FI") + _legend_text(self.threshold)
                + '<div class="grid"><div><h2>Palvelutarveryhmät / Servicebehovsgrupper</h2>'
                + self.group_table("country", "FI") + "</div><div><h2>Kunnat / Kommuner</h2>" + block + "</div></div>"
                + "<h2>Hyvinvointialueet / Välfärdsområden</h2>" + ctab_join(ctab)
                + "<h2>Indikaattorit / Indikatorer</h2>" + self.indicator_table("country", "FI")
                + "<h2>Kaikki kunnat / Alla kommuner</h2><p>" + mlist + "</p>")
        return page("Lapsiperheiden tilannekuva – Barnfamiljernas lägesbild: Suomi / Finland", body, 0, script)

    def county(self, code) -> str:
        feats = [f for f in self.geo["municipalities"]["features"]
                 if str(f["properties"]["wellbeing_county_code"]) == code]
        codes = [str(f["properties"]["municipality_code"]) for f in feats]
        links = {c: f"../municipality/{c}.html" for c in codes}
        block, script = self.map_block(feats, "municipality_code", "municipality", codes, links, 1) if feats else ("", "")
        mtab = ['<table><tr><th>Kunta / Kommun</th><th>Perheitä / Familjer</th><th>Lapsia / Barn</th></tr>']
        for c in sorted(codes, key=lambda c: self.areas[("municipality", c)].area_name_fi):
            r = self.areas[("municipality", c)]
            mtab.append(f'<tr><td><a href="../municipality/{c}.html">{html.escape(self.name("municipality", c))}</a></td>'
                        f'{_cell(_fmt_count(r.families, r.families_status), r.families_reason)}'
                        f'{_cell(_fmt_count(r.children, r.children_status), r.children_reason)}</tr>')
        mtab.append("</table>")
        body = (self.summary("county", code) + _legend_text(self.threshold)
                + '<div class="grid"><div><h2>Palvelutarveryhmät / Servicebehovsgrupper</h2>'
                + self.group_table("county", code) + "</div><div><h2>Kunnat / Kommuner</h2>" + block + "</div></div>"
                + "<h2>Kunnat / Kommuner</h2>" + "".join(mtab)
                + "<h2>Indikaattorit / Indikatorer</h2>" + self.indicator_table("county", code))
        return page(self.name("county", code), body, 1, script)

    def municipality(self, code) -> str:
        muni = self.areas[("municipality", code)]
        feats = [f for f in self.geo["municipalities"]["features"] if str(f["properties"]["municipality_code"]) == code]
        postal = self.geo["postal_points"]
        pts = postal[postal.municipality_code == code]
        block, script = "", ""
        if code == "091" and self.geo.get("helsinki_postal"):
            hfeats = self.geo["helsinki_postal"]["features"]
            pcodes = [str(f["properties"]["postal_code"]) for f in hfeats]
            block, script = self.map_block(hfeats, "postal_code", "postal_area", pcodes, None, 1)
        else:
            points = []
            fam = {c: self.areas.get(("postal_area", c)) for c in pts.postal_code}
            vals = [float(a.families) for a in fam.values() if a is not None and a.families_status == "published"]
            breaks = svg.classes(vals)
            for r in pts.itertuples(index=False):
                if not r.lat or not r.lon:
                    continue
                a = fam.get(r.postal_code)
                pub = a is not None and a.families_status == "published"
                points.append({"lon": float(r.lon), "lat": float(r.lat), "r": 5,
                               "fill": svg.colour(float(a.families) if pub else None, breaks, not pub).replace(
                                   svg.SUPPRESSED_FILL, "#ccc"),
                               "title": f"{r.postal_code} {r.name_fi}: " + (_fmt_count(a.families, a.families_status)
                                                                            if a is not None else NOT_APPLICABLE)})
            if feats:
                proj = svg.Projection(svg.bbox(feats, [(p["lon"], p["lat"]) for p in points]), width=440)
                block = (svg.legend(breaks, "perhettä / familjer").replace("sw hatch", "sw")
                         + svg.choropleth(feats, "municipality_code", {code: "#f7fbff"},
                                          {code: self.name("municipality", code)}, proj, "pmap", None, points))
            script = "<script>document.body.setAttribute('data-ready','1');</script>"
        ptab = ['<table><tr><th>Postinumeroalue / Postnummerområde</th><th>Perheitä / Familjer</th><th>Lapsia / Barn</th></tr>']
        for r in pts.sort_values("postal_code").itertuples(index=False):
            a = self.areas.get(("postal_area", r.postal_code))
            if a is None:
                continue
            ptab.append(f"<tr><td>{r.postal_code} {html.escape(self.name('postal_area', r.postal_code))}</td>"
                        f"{_cell(_fmt_count(a.families, a.families_status), a.families_reason)}"
                        f"{_cell(_fmt_count(a.children, a.children_status), a.children_reason)}</tr>")
        ptab.append("</table>")
        if len(pts) == 0:
            ptab = ['<p class="note">Kunnalla ei ole omaa postinumeroaluetta luokituksessa 2025; sen perheet '
                    'näkyvät naapurikunnalle kirjatuilla alueilla. / Kommunen har inget eget postnummerområde i '
                    'indelningen 2025.</p>']
        types = self.types.get(code)
        ttab = ""
        if types is not None:
            pub = types[types.status == "published"].sort_values("families", ascending=False)
            hidden = int((types.status != "published").sum())
            ttab = ('<h2>Perhetyypit / Familjetyper</h2><table><tr><th>Tyyppi / Typ</th><th>Ryhmä / Grupp</th>'
                    '<th>Perheitä / Familjer</th><th>%</th></tr>'
                    + "".join(f"<tr><td>{int(r.type_id)}</td><td>{'' if r.group_id != r.group_id or r.group_id is None else int(r.group_id)}</td>"
                              f"{_cell(_fmt_count(r.families, r.status))}{_cell(_fmt_num(r.share_pct, r.share_status, decimals=self.decimals), r.share_reason)}</tr>"
                              for r in pub.itertuples(index=False))
                    + f'</table><p class="note">{hidden} tyyppiä salattu / typer sekretessbelagda (..).</p>')
        county = muni.wellbeing_county_code
        body = (f'<p><a href="../county/{county}.html">{html.escape(self.name("county", county))}</a></p>'
                + self.summary("municipality", code) + _legend_text(self.threshold)
                + '<div class="grid"><div><h2>Palvelutarveryhmät / Servicebehovsgrupper</h2>'
                + self.group_table("municipality", code) + "</div><div><h2>Postinumeroalueet / Postnummerområden</h2>"
                + block + "</div></div>"
                + "<h2>Indikaattoriprofiili / Indikatorprofil</h2>" + self.indicator_table("municipality", code)
                + "<h2>Postinumeroalueet / Postnummerområden</h2>" + "".join(ptab) + ttab)
        return page(self.name("municipality", code), body, 1, script)

    def groups_page(self) -> str:
        prof = self.t["group_profiles"]
        parts = [_legend_text(self.threshold)]
        nat = self.gf.get(("country", "FI"))
        for g in self.groups:
            fi, sv = self.group_names[g]
            r = nat[nat.group_id == g].iloc[0] if nat is not None else None
            share = _fmt_num(r.share_pct, r.share_status, " %", self.decimals) if r is not None else NOT_APPLICABLE
            parts.append(f"<h2>{g}. {html.escape(fi)} / {html.escape(sv)}</h2><p>Osuus koko maassa / Andel i hela "
                         f"landet: <b>{share}</b></p>")
            p = prof[prof.group_id == g] if len(prof) else prof
            if len(p):
                src = html.escape(str(p.iloc[0].name_source))
                parts.append(f'<p class="note">Nimen lähde / Namnets källa: {src}</p><table><tr><th>Ilmiö / Fenomen</th>'
                             '<th>Indikaattori / Indikator</th><th>Ryhmä / Grupp</th><th>Koko maa / Hela landet</th></tr>')
                for q in sorted(p.itertuples(index=False), key=lambda q: (_phenomenon_order(q.phenomenon), q.indicator)):
                    unit, d = self._unit(q.unit)
                    known = q.country_value is not None and q.country_value == q.country_value
                    parts.append(f"<tr><td>{html.escape(_phenomenon(q.phenomenon))}</td>{_indicator_cell(q.indicator)}"
                                 f"{_cell(_fmt_num(q.value, q.status, unit, d), q.reason)}"
                                 f"{_cell(_fmt_num(q.country_value, 'published' if known else 'suppressed', unit, d))}</tr>")
                parts.append("</table>")
        script = "<script>document.body.setAttribute('data-ready','1');</script>"
        return page("Palvelutarveryhmät ja profiilit / Servicebehovsgrupper och profiler", "".join(parts), 0, script)

    def downloads(self, files: list[str]) -> str:
        items = "".join(f'<li><a href="data/{html.escape(f)}">{html.escape(f)}</a></li>' for f in files)
        body = ("<p>Kaikki julkaistut taulut CSV- ja XLSX-muodossa / Alla publicerade tabeller som CSV och XLSX. "
                "Salatut solut ovat tyhjiä, ja tila- ja syysarakkeet kertovat miksi / Sekretessbelagda celler är "
                "tomma; status- och orsakskolumnerna anger varför.</p><ul>" + items + "</ul>")
        return page("Aineistot / Data", body, 0, "<script>document.body.setAttribute('data-ready','1');</script>")


def ctab_join(parts: list[str]) -> str:
    return "".join(parts)


def build_site(tables: dict[str, pd.DataFrame], geo: dict, period: str, threshold: int,
               download_files: list[str], decimals: int = 1) -> dict[str, str]:
    """Every page of the report as ``{relative path: html}``; shares shown with ``decimals``
    decimals (publish.share_decimals), means with at least 2."""
    site = Site(tables, geo, period, threshold, decimals)
    pages = {"index.html": site.national(), "groups.html": site.groups_page(),
             "downloads.html": site.downloads(download_files)}
    for (lvl, code) in site.areas:
        if lvl == "county":
            pages[f"county/{code}.html"] = site.county(code)
        elif lvl == "municipality":
            pages[f"municipality/{code}.html"] = site.municipality(code)
    return pages
