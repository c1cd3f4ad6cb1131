"""Compare workbooks by content, not zip bytes: values, styles, merges, validations, widths,
conditional formats, notes, defined names and sheet states, per cell and per sheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def _style(cell) -> tuple:
    return (cell.number_format, repr(cell.font), repr(cell.fill), repr(cell.border), repr(cell.alignment), repr(cell.protection))


def cell_map(ws, styles: bool = True) -> dict[str, tuple]:
    out, seen = {}, {}  # seen: a cell's style ids (one entry per distinct style) → its rendered style
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None and not cell.has_style and cell.comment is None:
                continue
            ids = tuple(cell._style)
            if styles and ids not in seen:
                seen[ids] = _style(cell)
            out[cell.coordinate] = (
                cell.value,
                seen[ids] if styles else None,
                cell.comment.text if cell.comment else None,
                cell.hyperlink.location if cell.hyperlink else None,
            )
    return out


def sheet_props(ws) -> dict:
    return {
        "state": ws.sheet_state,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "validations": sorted(
            (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.prompt, dv.error, dv.operator)
            for dv in ws.data_validations.dataValidation
        ),
        "columns": sorted(
            (k, d.width, d.number_format, d.hidden) for k, d in ws.column_dimensions.items()
        ),
        "rows": sorted((k, d.height, d.hidden) for k, d in ws.row_dimensions.items() if d.height or d.hidden),
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "conditional": sorted(
            (str(rng.sqref), tuple((r.type, r.operator, tuple(r.formula or ()), repr(r.dxf)) for r in rules))
            for rng, rules in ws.conditional_formatting._cf_rules.items()
        ),
        "protection": ws.protection.sheet,
    }


def fingerprint(path: Path, styles: bool = True) -> dict:
    wb = openpyxl.load_workbook(path)
    return {
        "sheets": wb.sheetnames,
        "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
        **{f"sheet:{ws.title}": {"cells": cell_map(ws, styles), **sheet_props(ws)} for ws in wb.worksheets},
    }


def diff(a: dict, b: dict) -> list[str]:
    """Human-readable differences between two fingerprints (empty when equal)."""
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            for sub in sorted(set(a[key]) | set(b[key])):
                va, vb = a[key].get(sub), b[key].get(sub)
                if va == vb:
                    continue
                if isinstance(va, dict) and isinstance(vb, dict):
                    cells = sorted(c for c in set(va) | set(vb) if va.get(c) != vb.get(c))
                    out.append(f"{key}/{sub}: {len(cells)} cells differ, e.g. {[(c, va.get(c), vb.get(c)) for c in cells[:3]]}")
                else:
                    out.append(f"{key}/{sub}: {str(va)[:200]} != {str(vb)[:200]}")
        else:
            out.append(f"{key}: {str(a.get(key))[:200]} != {str(b.get(key))[:200]}")
    return out
