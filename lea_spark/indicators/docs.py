"""Generate ``docs/indicators.md`` from the catalog: ``python -m lea_spark.indicators.docs``
(or ``lea indicators --write-docs``). A test fails when the file is out of date."""
from __future__ import annotations

import sys
from pathlib import Path

from lea_spark.indicators.catalog import CATALOG, KEY_COLUMNS, PHENOMENA
from lea_spark.indicators import catalog as _catalog

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The Markdown text of ``docs/indicators.md``."""
    lines = [
        "# Indicators of `gold.family_features`",
        "",
        "<!-- Generated from lea_spark/indicators/catalog.py by `python -m lea_spark.indicators.docs`;"
        " do not edit by hand. -->",
        "",
        f"One row per family with children on the reference date. Key columns: "
        f"{', '.join(f'`{k}`' for k in KEY_COLUMNS)}. Every other column is one of the "
        f"{len(CATALOG)} indicators below, a double, never null.",
        "",
    ]
    doc = (_catalog.__doc__ or "").strip()
    doc = doc[doc.index("Vocabulary"):].replace("``", "`")
    lines += [doc, ""]
    for phen in PHENOMENA:
        rows = [i for i in CATALOG if i.phenomenon == phen]
        lines += [f"## {phen[0].upper() + phen[1:]} ({len(rows)})", "",
                  "| indicator | definition | window | unit | sources |", "|---|---|---|---|---|"]
        for i in rows:
            lines.append(f"| `{i.name}` | {_cell(i.definition)} | {i.window} | {i.unit} | "
                         f"{', '.join(f'`{s}`' for s in i.sources)} |")
        lines.append("")
    return "\n".join(lines)


def write(path: Path = DOC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else DOC_PATH))
