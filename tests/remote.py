"""xlwings' remote engine as a stand-in for Excel: a workbook becomes the JSON payload an
Office.js client sends (``xw.Book(json=...)``), a ribbon function runs on it, and the actions
it queued are what Excel would execute.

``payload(path)`` reads a real .xlsx (values with calamine, notes with openpyxl) so tests can
drive the ribbon on the very workbooks the CLI writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlwings as xw

from credit_macros.io.read import read_grids


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
    wb = openpyxl.load_workbook(path)
    sheets = []
    for name, grid in grids.items():
        notes = [{"address": c.coordinate} for row in wb[name].iter_rows() for c in row if c.comment]
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
