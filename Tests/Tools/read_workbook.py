#!/usr/bin/env python3
"""Opens a workbook with openpyxl, as a trust's spreadsheet would, and prints what it holds as JSON.

Used by RehabCount's tests: {"sheets": [{"name": ..., "rows": [[cell, ...], ...], "frozen": ..., "filter": ...,
"print": {...}}],
"formulas": n, "quote_prefixed": [value, ...]},
where "formulas" counts cells that openpyxl reads as formulas (there must be none), and "quote_prefixed" lists the
text of cells whose style says quotePrefix (Excel keeps them text even when a person edits them).
"""
import json
import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": [], "formulas": 0, "quote_prefixed": []}
for sheet in book.worksheets:
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            if cell.data_type == "f":
                out["formulas"] += 1
            if cell.quotePrefix:
                out["quote_prefixed"].append(cell.value)
            cells.append(cell.value)
        rows.append(cells)
    setup = sheet.page_setup
    out["sheets"].append(
        {
            "name": sheet.title,
            "rows": rows,
            "frozen": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            # How it prints: fitted to the page's width, orientation, paper, and the rows repeated on every page.
            "print": {
                "fit_to_page": bool(sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage),
                "fit_to_width": setup.fitToWidth,
                "fit_to_height": setup.fitToHeight,
                "orientation": setup.orientation,
                "paper": setup.paperSize,
                "title_rows": sheet.print_title_rows,
            },
        }
    )
json.dump(out, sys.stdout, default=str)
