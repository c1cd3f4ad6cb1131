"""Findings → marks: which cell gets which colour and which note. Plain data, no Excel.

The file adapter (``credit_macros.io.filemarks``) and the ribbon (``credit_macros.excel``, which
writes them as one mirror grid per sheet) both paint from these: one ``Mark`` per bad cell (the
worst severity wins; the note lists every message of the cell).

>>> from credit_macros.validate.findings import Finding
>>> fs = [Finding("S", "B2", 2, "x", "required", "error", "第2行「x」：必填"),
...       Finding("S", "B2", 2, "x", "fullwidth", "warning", "第2行「x」：全角"),
...       Finding("S", "B3", 3, "x", "required", "error", "第3行「x」：必填"),
...       Finding("S", "C2", 2, "y", "required", "error", "第2行「y」：必填"),
...       Finding("S", "C3", 3, "y", "required", "error", "第3行「y」：必填")]
>>> [(m.cell, m.severity) for m in marks_from(fs)]
[('B2', 'error'), ('B3', 'error'), ('C2', 'error'), ('C3', 'error')]
>>> print(marks_from(fs)[0].note)
【信用台账助手·错误】
第2行「x」：必填
第2行「x」：全角
>>> [(m.cell, len(m.note.splitlines())) for m in marks_from(fs, anchor=lambda sheet, cell: cell[0] + "2")]
[('B2', 4), ('C2', 3)]
>>> split_cell("AB12")
(12, 27)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from credit_macros.table import col_index
from credit_macros.validate.findings import ERROR, SEVERITY_LABELS, Finding

NOTE_TAG = "【信用台账助手·{label}】"
AUTHOR = "信用台账助手"
_CELL = re.compile(r"([A-Z]+)(\d+)")


@dataclass(frozen=True, slots=True)
class Mark:
    sheet: str
    cell: str
    severity: str
    note: str


def split_cell(cell: str) -> tuple[int, int]:
    """"B12" → (12, 1): 1-based row, 0-based column."""
    letters, digits = _CELL.fullmatch(cell).groups()
    return int(digits), col_index(letters)


def marks_from(findings: Iterable[Finding], anchor: Callable[[str, str], str] | None = None) -> list[Mark]:
    """One mark per bad cell, in the order the cells first appear.

    ``anchor(sheet, cell)`` names the cell that carries a mark for ``cell`` — the top-left cell
    of a merged range (hidden cells of a merge can hold neither fill nor note); by default the
    cell itself.
    """
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        by_cell.setdefault((f.sheet, anchor(f.sheet, f.cell) if anchor else f.cell), []).append(f)
    result = []
    for (sheet, cell), found in by_cell.items():
        severity = ERROR if any(f.severity == ERROR for f in found) else found[0].severity
        note = "\n".join([NOTE_TAG.format(label=SEVERITY_LABELS[severity])] + [f.message for f in found])
        result.append(Mark(sheet, cell, severity, note))
    return result
