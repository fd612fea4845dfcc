"""Writing the report: HTML pages and CSV/XLSX downloads of every published table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_downloads(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[str]:
    """``<table>.csv`` (UTF-8 with BOM, for spreadsheet programs) and ``<table>.xlsx`` per table."""
    from openpyxl import Workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for name, df in tables.items():
        csv_name, xlsx_name = f"{name}.csv", f"{name}.xlsx"
        df.to_csv(out_dir / csv_name, index=False, encoding="utf-8-sig")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=name[:31])
        ws.append(list(df.columns))
        for row in df.itertuples(index=False, name=None):
            ws.append([None if (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                       for v in row])
        wb.save(out_dir / xlsx_name)
        names += [csv_name, xlsx_name]
    return names


def write_pages(pages: dict[str, str], out_dir: Path) -> int:
    for rel, text in pages.items():
        p = out_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return len(pages)
