"""Plain tables: a sheet's cell values plus where each value sits.

The core (validation, merging, reports) works on ``Table`` objects only; adapters
(``io.read`` for files, ``excel`` for the live workbook) build them from a grid of values —
a list of rows as read in one call — and write results back by address.

``find_table`` recognises a template by its headers, not by the sheet name (a unit may
rename a sheet), tolerating spaces, line breaks, full-width brackets, reordered and extra
columns.

>>> from credit_macros.catalogue import template
>>> grid = [["行政相对人名称", "企业名称 ", "统一社会信用代码", "是否属于国家级高新技术企业"],
...         ["x", "某公司", "91610000MA6TXXXX0X", "是"]]
>>> t = find_table("Sheet1", grid)
>>> t.template.key, t.header_row, t.columns["企业名称"], t.address(0, 1)
('科技研发', 1, 1, 'B2')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache

from credit_macros.catalogue import Template, normalize_header, templates

HEADER_SCAN_ROWS = 12  # headers sit in the first rows ("单位：" line, titles above them)


EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug ignored)


@lru_cache(maxsize=None)
def col_letter(index: int) -> str:
    """0-based column index → Excel letters.

    >>> col_letter(0), col_letter(25), col_letter(26), col_letter(701), col_letter(16383)
    ('A', 'Z', 'AA', 'ZZ', 'XFD')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Excel letters → 0-based column index.

    >>> col_index("A"), col_index("AA"), col_index("XFD")
    (0, 26, 16383)
    """
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Table:
    """One template's data on one sheet.

    ``rows[i]`` is sheet row ``first_row + i`` (1-based) and holds the whole row of the used
    range (the grid's own row lists, not copies); ``columns`` maps each template column found
    to its 0-based sheet column. Trailing empty rows are dropped.
    """

    sheet: str
    template: Template
    header_row: int
    columns: dict[str, int]
    rows: list[list]
    missing: list[str] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)
    numbers: list[int] | None = None  # sheet row of each row, when rows without values were left out

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    def sheet_row(self, i: int) -> int:
        return self.numbers[i] if self.numbers is not None else self.first_row + i

    def present(self) -> "Table":
        """This table without the rows that hold no value at all (empty row lists, as a sheet read in
        pieces gives them), so work follows the cells present; ``sheet_row`` still names each row.

        >>> from credit_macros.catalogue import template
        >>> t = Table("S", template("科技研发"), 1, {"企业名称": 1}, [["a", "x"], [], [], ["b", "y"]]).present()
        >>> t.rows, t.sheet_row(1), t.address(1, 1)
        ([['a', 'x'], ['b', 'y']], 5, 'B5')
        """
        if all(self.rows):
            return self
        keep = [i for i, row in enumerate(self.rows) if row]
        return replace(self, rows=[self.rows[i] for i in keep], numbers=[self.sheet_row(i) for i in keep])

    def address(self, i: int, col: int) -> str:
        return f"{col_letter(col)}{self.sheet_row(i)}"

    def value(self, i: int, name: str):
        col = self.columns.get(name)
        row = self.rows[i]
        return row[col] if col is not None and col < len(row) else None

    def column_values(self, name: str) -> list:
        col = self.columns[name]
        return [row[col] if col < len(row) else None for row in self.rows]


def _header_keys(grid: list[list], r: int, template: Template) -> dict[str, int]:
    """Normalised header text → column, for row r (and r+1 for two-row headers)."""
    keys: dict[str, int] = {}
    rows = grid[r : r + template.header_rows]
    for row in rows:
        for c, value in enumerate(row):
            key = normalize_header(value)
            if key and key not in keys:
                keys[key] = c
    return keys


def _score(grid: list[list], r: int, template: Template, seen: dict) -> tuple[int, dict[str, int]]:
    """``seen``: the header keys already made, by (row, header rows) — the same for every template."""
    if (keys := seen.get((r, template.header_rows))) is None:
        keys = seen[(r, template.header_rows)] = _header_keys(grid, r, template)
    found = {col.name: keys[col.key] for col in template.columns if col.key in keys}
    return len(found), found


def find_table(sheet: str, grid: list[list], only: Template | None = None) -> Table | None:
    """The template whose headers best match a row near the top of ``grid``, or None.

    A template matches when at least half of its columns (and at least 3, or all of a
    smaller template) are found in one header row.
    """
    best = None
    seen: dict = {}
    for template in (only,) if only else templates():
        need = max(min(3, len(template.columns)), (len(template.columns) + 1) // 2)
        for r in range(min(HEADER_SCAN_ROWS, len(grid))):
            score, found = _score(grid, r, template, seen)
            if score >= need and (best is None or score / len(template.columns) > best[0]):
                best = (score / len(template.columns), template, r, found)
    if best is None:
        return None
    _, template, r, found = best
    header_row = r + template.header_rows  # 1-based row of the last header row
    known = set(found.values())
    extra = {}
    for row in grid[r : r + template.header_rows]:
        for c, value in enumerate(row):
            if c not in known and not is_blank(value) and normalize_header(value) not in _group_keys(template):
                extra.setdefault(str(value).strip(), c)
    end = len(grid)
    while end > header_row and all(is_blank(v) for v in grid[end - 1]):
        end -= 1
    missing = [c.name for c in template.columns if c.name not in found]
    return Table(sheet, template, header_row, found, grid[header_row:end], missing, extra)


def _group_keys(template: Template) -> set[str]:
    return {normalize_header(c.group) for c in template.columns if c.group}
