"""Writing values into cells so that data stays data.

openpyxl turns a string starting with "=" into a formula; a unit's text such as "=1+1" or
"=HYPERLINK(...)" must reach the master as the text it was, so ``put`` stores every string as a
string cell. (+, - and @ are not formula starters in the file format; they are plain strings.)
"""

from __future__ import annotations


def put(ws, row: int, column: int, value):
    """Set cell (row, column) to ``value``; strings are always stored as text, never as formulas."""
    cell = ws.cell(row, column)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def put_rows(ws, first_row: int, rows, skip_none: bool = True) -> None:
    """Write ``rows`` from ``first_row``, column A on; with ``skip_none=False`` blanks overwrite."""
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=1):
            if value is not None or not skip_none:
                put(ws, r, c, value)


def sheet_grid(ws) -> list[list]:
    """A worksheet's values from A1 as a grid (the shape ``io.read.read_grids`` gives)."""
    return [list(row) for row in ws.iter_rows(values_only=True)]
