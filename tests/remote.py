"""xlwings' remote engine as a stand-in for Excel: a workbook becomes the JSON payload an
Office.js client sends (``xw.Book(json=...)``), a ribbon function runs on it, and the actions
it queued are what Excel would execute.

``payload(path)`` reads a real .xlsx (values with calamine, which cells have notes from the
comments parts, as ``collect`` reads them) so tests can
drive the ribbon on the very workbooks the CLI writes.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from pathlib import Path

import openpyxl
import xlwings as xw
from openpyxl.utils import get_column_letter

from credit_macros.io.read import read_grids
from credit_macros.io.xlsxstream import read_marks


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    return value


def payload(path: Path, active: str | None = None, saved: bool = False) -> dict:
    """``saved``: name the book by its full path, as Excel's ``FullName`` of a saved workbook."""
    grids = read_grids(path)
    marks = read_marks(path, grids)
    sheets = []
    for name, grid in grids.items():
        noted = sorted(marks[name].comments) if name in marks else []
        notes = [{"address": f"{get_column_letter(c)}{r}"} for r, c in noted]
        sheets.append({
            "name": name,
            "values": [[_json_value(v) for v in row] for row in grid] or [[""]],
            "pictures": [], "tables": [], "notes": notes, "notes_supported": True,
        })
    names = [s["name"] for s in sheets]
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": str(path) if saved else path.name, "active_sheet_index": names.index(active) if active else 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def book(path: Path, active: str | None = None, saved: bool = False):
    return xw.Book(json=payload(path, active, saved))


def actions(book) -> list[dict]:
    return book.json()["actions"]


def _block(action) -> tuple[int, int, int, int]:
    """(first row, first column, rows, columns) of an action's range, 1-based."""
    return action["start_row"] + 1, action["start_column"] + 1, action["row_count"], action["column_count"]


def _put(target, source) -> None:
    target.value, target._style, target.comment = source.value, copy(source._style), copy(source.comment)


def replay(path: Path, acts: list[dict], out: Path) -> None:
    """Excel's effect of the structural and value actions a ribbon function queued, applied to the
    workbook at ``path`` with openpyxl and saved as ``out``: what Excel would hold afterwards, so a
    test can compare it with what the file engine writes. Knows ``copyRange`` (cells, formats,
    notes), ``rangeDelete`` with the cells below shifting up, ``setValues`` and ``rangeClearContents``;
    message boxes are skipped, any other action fails the test (teach it here first)."""
    wb = openpyxl.load_workbook(path)
    for act in acts:
        if act["func"] == "alert":
            continue
        ws = wb.worksheets[act["sheet_position"]]
        row, column, rows, columns = _block(act)
        if act["func"] == "copyRange":
            target = wb.worksheets[act["args"][0]]
            to_row, to_column = openpyxl.utils.cell.coordinate_to_tuple(act["args"][1].split(":")[0].replace("$", ""))
            cells = [[copy(ws.cell(row + r, column + c)) for c in range(columns)] for r in range(rows)]
            for r, line in enumerate(cells):
                for c, cell in enumerate(line):
                    _put(target.cell(to_row + r, to_column + c), cell)
        elif act["func"] == "rangeDelete" and act["args"] == ["up"]:
            for r in range(row, ws.max_row + 1):
                for c in range(column, column + columns):
                    _put(ws.cell(r, c), ws.cell(r + rows, c))
        elif act["func"] == "setValues":
            for r, line in enumerate(act["values"]):
                for c, value in enumerate(line):
                    ws.cell(row + r, column + c).value = None if value == "" else value
        elif act["func"] == "rangeClearContents":
            for r in range(row, row + rows):
                for c in range(column, column + columns):
                    ws.cell(r, c).value = None
        else:
            raise AssertionError(f"replay does not know the action {act['func']}")
    wb.save(out)
