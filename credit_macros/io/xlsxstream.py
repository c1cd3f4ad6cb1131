"""Rewrite the rows of a few worksheets of an .xlsx package as a stream; copy everything else.

Why not openpyxl: it loads and saves the whole package, every cell of every sheet as a Python
object; for a master of 105,000 rows that is over a minute and about a gigabyte, although a
collect changes only the rows at the end of a few sheets. Here the new package is written
member by member with ``zipfile`` (``ZIP_DEFLATED``), so time and memory grow with what
changes, not with the workbook:

* Every member that is not edited is copied unchanged, still compressed (``zipout``: the same
  bytes, order and dates, nothing inflated or deflated again): the other sheets with their formulas and cached values, sharedStrings.xml, the hidden
  sheets, the defined names, the VBA project of an .xlsm.
* An edited worksheet (``SheetRows``: rows ``start`` on are replaced by ``rows``) is streamed
  in chunks: everything outside ``<sheetData>`` (cols, sheetViews, mergeCells,
  dataValidations, conditionalFormatting, autoFilter …) is copied, ``<dimension ref>`` is
  updated, and inside ``<sheetData>`` the ``<row>`` elements above ``start`` are copied as they
  are — the header rows and the data rows that did not change keep their styles, formulas and
  shared strings — while the rows from ``start`` on are generated from the values. Rows are
  in ascending order (the file format requires it), so the old rows are only scanned up to
  the first one numbered ``start`` or more; the rest of the old ``<sheetData>`` is skipped.
  Memory: the part is read ``CHUNK`` bytes at a time and generated rows are written
  ``BATCH`` at a time, so only the caller's values are held in full.
* ``xl/styles.xml`` changes only when a date or time has to go into a column whose default
  format is not a date format and the workbook has no plain cell format for it: then one
  ``<numFmt>`` and one ``<xf>`` are appended (``Styles.xf_for``). It is written last, when the
  sheets have said what they need; its content is unchanged otherwise.
* What the office put on the cells besides values (``read_marks``: fills, scanned in the
  worksheet part for the few cell formats that carry one; comments, from the sheet's comments
  part) can follow rows that move: a generated row may keep cell formats (``SheetRows.styles``),
  and ``move_comments`` / ``move_notes`` move the comments and their legacy VML shapes (given to
  ``rewrite`` as patches).

Cells: ``str`` → inline string (``t="inlineStr"``; ``xml:space="preserve"`` when it starts or
ends with white space), so text starting with = + - @ stays text by construction and
sharedStrings.xml needs no change; characters XML 1.0 cannot carry (control
characters other than tab and newline, lone surrogates, U+FFFE/U+FFFF) are dropped, ``\\r`` is
kept as ``&#13;``; ``bool`` → ``t="b"``; ``int`` / ``float`` → a number; ``date`` /
``datetime`` / ``time`` / ``timedelta`` → the Excel serial number (1900 date system) with a
date or time format; ``None`` and ``""`` → no cell. Each cell takes its column's default style
(``<col style>``, e.g. the text "@" columns of the templates), so typing into it later keeps
the column's format; a date or time in a column whose style is not a date/time format gets
the plain format ``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm`` / ``hh:mm:ss`` / ``[h]:mm:ss``.

>>> import io, zipfile, openpyxl, datetime as dt
>>> wb = openpyxl.Workbook(); ws = wb.active; ws.title = "表"; ws.append(["名称", "日期"]); ws.append(["旧", 1])
>>> src, dst = io.BytesIO(), io.BytesIO(); wb.save(src)
>>> rewrite(src, dst, {"表": SheetRows(3, [["=1+1", dt.date(2026, 2, 2)], ["a<b&c\\x01", 2.5]])})
>>> ws = openpyxl.load_workbook(dst)["表"]
>>> [[c.value for c in row] for row in ws.iter_rows()], ws["B3"].number_format, ws.dimensions
([['名称', '日期'], ['旧', 1], ['=1+1', datetime.datetime(2026, 2, 2, 0, 0)], ['a<b&c', 2.5]], 'yyyy-mm-dd', 'A1:B4')
"""

from __future__ import annotations

import datetime as dt
import math
import os
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from types import NoneType
from typing import BinaryIO, Callable
from xml.sax.saxutils import escape

from credit_macros.build.styles import DATE_FORMAT, DATETIME_FORMAT
from credit_macros.errors import UserError
from credit_macros.io.bounded import sheet_data
from credit_macros.io.cached import sheet_parts
from credit_macros.io.zipout import ZipOut
from credit_macros.plans import Plan
from credit_macros.table import EXCEL_EPOCH, col_index, col_letter

STYLES_PART = "xl/styles.xml"
CHUNK = 1 << 20  # bytes read at a time from a worksheet part
BATCH = 2000  # generated rows written to the zip entry at a time
STREAM_LEVEL = 3  # deflate level of the streamed sheets (``rewrite``) and of the members ``repack`` writes: twice as fast as 6, about a fifth larger
TIME_FORMAT = "hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
_EPOCH = dt.datetime.combine(EXCEL_EPOCH, dt.time())
_DAY = dt.timedelta(days=1)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# built-in number formats that show dates or times (ECMA-376 18.8.30, and the CJK ones 27-36, 50-58)
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_SPACE = " \t\n\r"  # leading or trailing: the text needs xml:space="preserve"
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A column's texts joined by _SEPARATOR (printable, not a space) are all plain — nothing to escape or
# drop (``_SPECIAL``), no space at either end, none empty — when the whole is printable (no control
# character, line break, tab, surrogate or non-character; the only space left is " ") and holds none of these:
_SEPARATOR = "¤"
_PLAIN_MARKS = ("&", "<", ">", _SEPARATOR + _SEPARATOR, _SEPARATOR + " ", " " + _SEPARATOR)

_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_DIMENSION = re.compile(rb'(<(?:[\w.-]+:)?dimension\b[^>]*?\sref=")([^"]*)(")')
_STYLESHEET = re.compile(rb"<([\w.-]+:)?styleSheet\b[^>]*>")
_COL = re.compile(rb"<(?:[\w.-]+:)?col\b([^>]*?)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def text(value: str) -> str:
    """``value`` as XML character data: ``&<>`` escaped, ``\\r`` kept as a reference,
    characters XML cannot carry dropped.

    >>> text("A&B <c> d\\r\\ne\\x00\\x0bf\\tg")
    'A&amp;B &lt;c&gt; d&#13;\\nef\\tg'
    """
    if _SPECIAL.search(value) is None:
        return value
    return _INVALID.sub("", value).translate(_ESCAPES)


def serial(value) -> str:
    """The Excel serial number (1900 date system) of a date, datetime, time or timedelta.

    >>> serial(dt.date(2026, 2, 2)), serial(dt.datetime(2026, 2, 2, 12)), serial(dt.time(6)), serial(dt.timedelta(hours=36))
    ('46055', '46055.5', '0.25', '1.5')
    """
    if isinstance(value, dt.datetime):
        days = (value.replace(tzinfo=None) - _EPOCH) / _DAY
    elif isinstance(value, dt.date):
        return str((value - EXCEL_EPOCH).days)
    elif isinstance(value, dt.time):
        days = (dt.datetime.combine(EXCEL_EPOCH, value.replace(tzinfo=None)) - _EPOCH) / _DAY
    else:
        days = value / _DAY
    return str(int(days)) if days.is_integer() else repr(days)


def time_format(value) -> str:
    """The number format a temporal value is written with in a column without a date format."""
    if isinstance(value, dt.datetime):
        return DATE_FORMAT if value.time() == dt.time() else DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    return TIME_FORMAT if isinstance(value, dt.time) else DURATION_FORMAT


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time (a y/m/d/h/s outside quotes and brackets).

    >>> [is_date_format(c) for c in ("yyyy-mm-dd", "[h]:mm:ss", "@", "General", '0.0"m"', "#,##0")]
    [True, True, False, False, False, False]
    """
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return any(ch in "ymdhs" for ch in bare.lower())


class Styles:
    """The cell formats (``cellXfs``) of ``xl/styles.xml``: which show dates, and plain ones added on demand.

    >>> s = Styles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ...            b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
    >>> s.is_date(1), s.is_date(0), s.xf_for("yyyy-mm-dd hh:mm"), s.xf_for("yyyy-mm-dd hh:mm"), s.changed
    (True, False, 2, 2, True)
    >>> print(s.xml.decode())  # doctest: +NORMALIZE_WHITESPACE
    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164"
    formatCode="yyyy-mm-dd hh:mm"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"
    fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>
    """

    def __init__(self, xml: bytes):
        self.xml = xml
        self.changed = False
        root = ET.fromstring(xml)
        self.codes = {int(f.get("numFmtId")): f.get("formatCode", "") for f in root.iter(_MAIN + "numFmt")}
        fills = root.find(_MAIN + "fills")
        real = [i for i, fill in enumerate(fills if fills is not None else ())
                if any(f.tag == _MAIN + "gradientFill" or f.get("patternType", "none") not in ("none", "gray125") for f in fill)]
        xfs = root.find(_MAIN + "cellXfs")
        self.filled = {i for i, xf in enumerate(xfs if xfs is not None else ()) if int(xf.get("fillId", "0")) in real}
        self.formats = []  # numFmtId of each cellXfs entry
        self.plain = {}  # numFmtId → index of a cellXfs entry with only that format
        for i, xf in enumerate(xfs if xfs is not None else ()):
            number = int(xf.get("numFmtId", "0"))
            self.formats.append(number)
            if len(xf) == 0 and all(xf.get(a, "0") == "0" for a in ("fontId", "fillId", "borderId")):
                self.plain.setdefault(number, i)
        self.wrapped = {i for i, xf in enumerate(xfs if xfs is not None else ())
                        if (a := xf.find(_MAIN + "alignment")) is not None and a.get("wrapText") in ("1", "true")}
        self._added: dict[str, int] = {}
        self._dates: dict[int, bool] = {}

    def is_date(self, xf: int) -> bool:
        known = self._dates.get(xf)
        if known is None:
            number = self.formats[xf] if 0 <= xf < len(self.formats) else 0
            known = number in _BUILTIN_DATES or (number in self.codes and is_date_format(self.codes[number]))
            if 0 <= xf < len(self.formats):  # an entry keeps its format; one past the end may be added later
                self._dates[xf] = known
        return known

    def xf_for(self, code: str) -> int:
        """Index of a plain cell format with number format ``code`` (added when the workbook has none)."""
        if code in self._added:
            return self._added[code]
        number = next((n for n, c in self.codes.items() if c == code), None)
        if number is None:
            number = max([163, *self.codes]) + 1
            self.codes[number] = code
            self.xml = _append(self.xml, b"numFmts", b"numFmt", b'<numFmt numFmtId="%d" formatCode="%s"/>' % (number, escape(code, {'"': "&quot;"}).encode()))
        if number not in self.plain:
            self.plain[number] = len(self.formats)
            self.formats.append(number)
            self.xml = _append(self.xml, b"cellXfs", b"xf", b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0" '
                                                     b'applyNumberFormat="1"/>' % number)
            self.changed = True
        self._added[code] = self.plain[number]
        return self.plain[number]


def _append(xml: bytes, element: bytes, child_tag: bytes, child: bytes) -> bytes:
    """``xml`` with the element ``child`` appended to the collection ``element`` (``numFmts`` is
    created as the stylesheet's first child when missing) and its ``count`` updated."""
    root = _STYLESHEET.search(xml)
    prefix = root.group(1) or b""
    child = child.replace(b"<", b"<" + prefix)
    tag = prefix + element
    found = re.search(rb"<" + re.escape(tag) + rb"\b([^>]*?)(/?)>", xml)
    if found is None:
        return xml[: root.end()] + b'<%s count="1">%s</%s>' % (tag, child, tag) + xml[root.end():]
    attrs = re.sub(rb'\s+count="[^"]*"', b"", found.group(1))
    if found.group(2):
        inner, rest = b"", found.end()
    else:
        end = xml.index(b"</" + tag + b">", found.end())
        inner, rest = xml[found.end(): end], end + len(tag) + 3
    items = len(re.findall(rb"<" + re.escape(prefix + child_tag) + rb"\b", inner)) + 1
    return xml[: found.start()] + b'<%s%s count="%d">' % (tag, attrs, items) + inner + child + b"</%s>" % tag + xml[rest:]


@dataclass
class SheetRows:
    """New rows for one worksheet: ``rows[0]`` becomes sheet row ``start`` (1-based), and so on;
    the sheet's rows from ``start`` on are replaced, the rows above are kept as they are.
    ``styles[i]``: 1-based column → cell format of row ``i`` kept from the old sheet (a fill
    the office gave it), written even where the value is empty."""

    start: int
    rows: list[list]
    styles: list[dict[int, int]] | None = None


def column_styles(head: bytes) -> dict[int, int]:
    """1-based column → default cell format index, from the ``<cols>`` of a worksheet's XML head.

    >>> column_styles(b'<cols><col min="1" max="2" style="12" width="9"/><col min="3" max="3" width="5"/></cols>')
    {1: 12, 2: 12}
    """
    styles = {}
    for m in _COL.finditer(head):
        attrs = dict(_ATTR.findall(m.group(1)))
        if b"style" in attrs and int(attrs[b"style"]):
            for c in range(int(attrs[b"min"]), min(int(attrs[b"max"]), 16384) + 1):
                styles[c] = int(attrs[b"style"])
    return styles


def wrapped_widths(head: bytes, styles: Styles) -> dict[int, float]:
    """1-based column → width (in digit widths) of the columns whose format wraps text, from the
    ``<cols>`` of a worksheet's XML head.

    >>> s = Styles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2">'
    ...            b'<xf numFmtId="0"/><xf numFmtId="0"><alignment wrapText="1"/></xf></cellXfs></styleSheet>')
    >>> wrapped_widths(b'<cols><col min="1" max="2" style="1" width="18"/><col min="3" max="3" width="5"/></cols>', s)
    {1: 18.0, 2: 18.0}
    """
    widths = {}
    for m in _COL.finditer(head):
        attrs = dict(_ATTR.findall(m.group(1)))
        if int(attrs.get(b"style", b"0")) in styles.wrapped and b"width" in attrs:
            for c in range(int(attrs[b"min"]), min(int(attrs[b"max"]), 16384) + 1):
                widths[c] = float(attrs[b"width"])
    return widths


def row_heights(rows: list[list], first: int, widths: dict[int, float]) -> dict[int, int]:
    """Row number → height in points of the rows whose text wraps onto more than one line in the
    columns of ``widths`` (15 points a line of 11-point text, as Excel shows it): LibreOffice and
    WPS keep a row written without a height one line tall, so wrapped text would print over the
    next row. A CJK character counts two digit widths (three bytes in UTF-8, one character).

    >>> row_heights([["短", "沣西新城某某科技有限公司的一项很长的检查内容"], ["a", "x\\ny\\nz"]], 5, {2: 18})
    {5: 48, 6: 48}
    """
    heights = {}
    for i, row in enumerate(rows):
        lines = 1
        for c, width in widths.items():
            value = row[c - 1] if c <= len(row) else None
            if value.__class__ is not str or (len(value) * 2 < width - 1 and "\n" not in value):
                continue
            per_line = max(1.0, width - 1)
            lines = max(lines, sum(max(1, math.ceil((len(part.encode()) + len(part)) / 2 / per_line))
                                   for part in value.split("\n")))
        if lines > 1:
            heights[first + i] = lines * 15 + 3
    return heights


class RowWriter:
    """Generates ``<row>`` elements for values (see the module docstring for the cell types).

    >>> w = RowWriter(Styles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ...                      b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="49"/></cellXfs></styleSheet>'), {2: 1})
    >>> print(w.row(5, ["=SUM(A1)", " x ", None, "", True, 7, 0.5, dt.date(2026, 1, 2)]))  # doctest: +NORMALIZE_WHITESPACE
    <row r="5"><c r="A5" t="inlineStr"><is><t>=SUM(A1)</t></is></c><c r="B5" s="1"
    t="inlineStr"><is><t xml:space="preserve"> x </t></is></c><c r="E5" t="b"><v>1</v></c><c r="F5"><v>7</v></c><c
    r="G5"><v>0.5</v></c><c r="H5" s="2"><v>46024</v></c></row>
    >>> w.row(6, [None, ""])
    ''
    """

    def __init__(self, styles: Styles, col_styles: dict[int, int], prefix: str = ""):
        self.styles = styles
        self.col_styles = col_styles
        self.prefix = prefix
        self.columns: list[tuple[str, ...]] = [()]  # per 1-based column: the fixed pieces of its cells
        p = prefix
        self.open_row, self.close_row = f'<{p}row r="', f"</{p}row>"
        self.string_end = f"</{p}t></{p}is></{p}c>"
        self.number_end = f"</{p}v></{p}c>"
        self._middles: dict[tuple, str] = {}  # (column, cell format, number format) → the middle of a temporal cell

    def _pieces(self, column: int) -> tuple[str, ...]:
        """(cell start, string middle, string middle keeping spaces, number middle, boolean middle) of ``column``'s cells."""
        while len(self.columns) <= column:
            self.columns.append(self._made(len(self.columns), self.col_styles.get(len(self.columns), 0)))
        return self.columns[column]

    def _made(self, c: int, xf: int) -> tuple[str, ...]:
        p = self.prefix
        style = f' s="{xf}"' if xf else ""
        return (f'<{p}c r="{col_letter(c - 1)}', f'"{style} t="inlineStr"><{p}is><{p}t>',
                f'"{style} t="inlineStr"><{p}is><{p}t xml:space="preserve">', f'"{style}><{p}v>', f'"{style} t="b"><{p}v>')

    def _time_middle(self, column: int, value, xf: int | None = None) -> str:
        """The number middle with the cell's style (``xf``, else the column's) if it shows dates, else a plain one for ``value``."""
        key = (column, xf, time_format(value))
        middle = self._middles.get(key)
        if middle is None:
            style = self.col_styles.get(column, 0) if xf is None else xf
            if not self.styles.is_date(style):
                style = self.styles.xf_for(key[2])
            middle = self._middles[key] = f'" s="{style}"><{self.prefix}v>'
        return middle

    def row(self, r: int, values, styles: dict[int, int] | None = None) -> str:
        """The ``<row>`` of ``values``; ``styles``: 1-based column → cell format kept from before
        (such a cell is written even when empty; a date in it keeps the format only if that shows dates)."""
        if styles:
            return self._row_kept(r, values, styles)
        if len(self.columns) <= len(values):
            self._pieces(len(values))
        columns = self.columns
        number = str(r)
        string_end, number_end = self.string_end, self.number_end
        special = _SPECIAL.search
        out = []
        add = out.append
        c = 0
        for value in values:  # the common cells inline, any other as ``_cell`` writes it
            c += 1
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                pieces = columns[c]
                middle = pieces[2] if value[0] in _SPACE or value[-1] in _SPACE else pieces[1]
                if special(value) is None:
                    add(f"{pieces[0]}{number}{middle}{value}{string_end}")
                else:
                    add(f"{pieces[0]}{number}{middle}{_INVALID.sub('', value).translate(_ESCAPES)}{string_end}")
            elif value is None:
                continue
            elif kind is int or kind is float and math.isfinite(value):
                add(f"{columns[c][0]}{number}{columns[c][3]}{value if kind is int else repr(value)}{number_end}")
            elif kind is dt.date:
                add(f"{columns[c][0]}{number}{self._time_middle(c, value)}{(value - EXCEL_EPOCH).days}{number_end}")
            else:
                add(self._cell(c, number, value, None))
        return f'{self.open_row}{number}">{"".join(out)}{self.close_row}' if out else ""

    def rows(self, first: int, rows: list) -> str:
        """The ``<row>`` elements of ``rows`` numbered from ``first``, as ``row`` writes each, made a
        column at a time. A column without blanks whose cells all have one shape — plain text
        (nothing to escape or drop, no space at either end: one search of its texts joined),
        dates, numbers — gives only its values; every other column gives its cells, made in one
        pass where they share a shape (with blanks between them) or one by one (``_cell``). Each
        row is then one f-string of the values and cells (``_row_maker``).

        >>> w = RowWriter(Styles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        ...                      b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'), {2: 1})
        >>> rows = [["a", dt.date(2026, 1, 2), 3], ["b&c", dt.date(2026, 1, 3)], ["c", dt.date(2026, 1, 4), None]]
        >>> w.rows(5, rows) == "".join(w.row(r, values) for r, values in enumerate(rows, start=5))
        True
        """
        if not rows:
            return ""
        numbers = [str(r) for r in range(first, first + len(rows))]
        width = max(map(len, rows))
        if len(self.columns) <= width:
            self._pieces(width)
        layout, columns, pieces = [], [], [self.open_row, '">', self.close_row]
        for c, column in enumerate(zip_longest(*rows), start=1) if width else ():
            kinds = set(map(type, column))
            blanks = NoneType in kinds
            kinds.discard(NoneType)
            if not kinds:
                continue
            start, string, _, plain, _ = self.columns[c]
            end = self.number_end
            shape = None  # (middle, end, conversion) of the one shape of the column's cells
            if kinds == {str} and _plain_texts([v for v in column if v is not None] if blanks else column):
                shape = (string, self.string_end, "")
            elif kinds == {dt.date}:
                shape = (self._time_middle(c, next(v for v in column if v is not None)), end, "")
                column = [None if v is None else (v - EXCEL_EPOCH).days for v in column]
            elif kinds == {int} or kinds == {float} and all(math.isfinite(v) for v in column if v is not None):
                shape = (plain, end, "!r")
            elif kinds == {dt.datetime}:  # often one object in many rows (a file's 收到时间): each made once
                made = {id(v): v for v in column if v is not None}
                made = {key: f"{self._time_middle(c, v)}{serial(v)}{end}" for key, v in made.items()}
                column = ["" if v is None else f"{start}{n}{made[id(v)]}" for n, v in zip(numbers, column)]
            else:
                cell = self._cell
                column = ["" if v is None else cell(c, n, v, None) for n, v in zip(numbers, column)]
            if shape is not None and not blanks:
                layout.append(shape[2] or "s")
                pieces += [start, shape[0], shape[1]]
            elif shape is not None:
                layout.append("")
                middle, end = shape[0], shape[1]
                column = ["" if v is None else f"{start}{n}{middle}{v!r}{end}" if shape[2] else f"{start}{n}{middle}{v}{end}"
                          for n, v in zip(numbers, column)]
            else:
                layout.append("")
            columns.append(column)
        if "s" in layout or "!r" in layout:  # a column without blanks: no row is empty
            return "".join(_row_maker(tuple(layout))(numbers, columns, pieces))
        return "".join(f"{pieces[0]}{n}{pieces[1]}{made}{pieces[2]}" if (made := "".join(row)) else ""
                       for n, row in zip(numbers, zip(*columns) if columns else [()] * len(rows)))

    def _row_kept(self, r: int, values, styles: dict[int, int]) -> str:
        """``row`` for a row with cell formats kept from before (``styles``)."""
        number = str(r)
        out = []
        for c, value in enumerate(values, start=1):
            xf = styles.get(c)
            if value is None:
                if xf is not None:
                    out.append(self._made(c, xf)[0] + number + f'" s="{xf}"/>')
                continue
            cell = self._cell(c, number, value, xf)
            if cell:
                out.append(cell)
        for c in sorted(styles):
            if c > len(values):
                out.append(self._made(c, styles[c])[0] + number + f'" s="{styles[c]}"/>')
        return self.open_row + number + '">' + "".join(out) + self.close_row if out else ""

    def _cell(self, c: int, number: str, value, xf: int | None) -> str:
        """The ``<c>`` of one value that is not None in column ``c`` of row ``number`` ("" for empty text);
        ``xf``: the cell format kept from before, else the column's."""
        if xf is not None:
            start, string, spaced, plain, boolean = self._made(c, xf)
        else:
            start, string, spaced, plain, boolean = self.columns[c] if c < len(self.columns) else self._pieces(c)
        kind = type(value)
        if kind is str or isinstance(value, str):
            if not value:
                return ""
            middle = spaced if value[0] in _SPACE or value[-1] in _SPACE else string
            return start + number + middle + text(str(value)) + self.string_end
        if kind is bool:
            return start + number + boolean + ("1" if value else "0") + self.number_end
        if kind is int or kind is float:
            if not math.isfinite(value):
                raise ValueError(f"{col_letter(c - 1)}{number}: {value!r} cannot be stored in a worksheet")
            return start + number + plain + (str(value) if kind is int else repr(value)) + self.number_end
        if isinstance(value, (dt.date, dt.time, dt.timedelta)):
            return start + number + self._time_middle(c, value, xf) + serial(value) + self.number_end
        raise TypeError(f"{col_letter(c - 1)}{number}: unsupported cell value {value!r}")


def _plain_texts(texts) -> bool:
    """Whether every text needs nothing but its characters: none to escape or drop (``_SPECIAL``),
    no space at either end, none empty — the texts joined by ``_SEPARATOR`` searched once."""
    joined = f"{_SEPARATOR}{_SEPARATOR.join(texts)}{_SEPARATOR}"
    return joined.isprintable() and not any(mark in joined for mark in _PLAIN_MARKS)


@lru_cache(maxsize=64)
def _row_maker(layout: tuple[str, ...]) -> Callable:
    """A function of (row numbers, columns, pieces) giving each row as one f-string; ``layout``
    per column: "s" its values go between its pieces as they are, "!r" as ``repr``, "" its cells
    are made already. ``pieces``: the row's open tag, its ``">``, its close tag, then (start,
    middle, end) of each column given by its values. The source holds only names, never text."""
    names = [f"v{i}" for i in range(len(layout))]
    given = [i for i, kind in enumerate(layout) if kind]
    row = "".join(f"{{a{i}}}{{n}}{{b{i}}}{{v{i}{kind if kind != 's' else ''}}}{{e{i}}}" if kind else f"{{v{i}}}"
                  for i, kind in enumerate(layout))
    unpack = "".join(f", a{i}, b{i}, e{i}" for i in given)
    source = (f"def make(numbers, columns, pieces):\n"
              f"    o, q, z{unpack} = pieces\n"
              f"    return [f\"{{o}}{{n}}{{q}}{row}{{z}}\" for n, {', '.join(names)} in zip(numbers, *columns)]\n")
    scope: dict = {}
    exec(compile(source, "<xlsxstream row maker>", "exec"), scope)  # noqa: S102 - names only, see above
    return scope["make"]


def _dimension(head: bytes, last_row: int, width: int) -> bytes:
    """``head`` with ``<dimension ref>`` covering rows up to ``last_row`` and ``width`` columns."""
    m = _DIMENSION.search(head)
    if m is None:
        return head
    ref = m.group(2).decode()
    corners = [_CELL_REF.fullmatch(part) for part in ref.split(":")]
    if not all(corners):
        return head
    start = corners[0].group(0)
    last_col = max(col_index(corners[-1].group(1)) + 1, width, 1)
    new = f"{start}:{col_letter(last_col - 1)}{max(last_row, 1)}" if last_row > 1 or last_col > 1 else start
    return head[: m.start(2)] + new.encode() + head[m.end(2):]


def _widest(rows: list[list]) -> int:
    return max((len(r) for r in rows if r), default=0)


def rewrite_sheet(source: BinaryIO, out: BinaryIO, edit: SheetRows, styles: Styles, where: str) -> None:
    """Stream one worksheet part from ``source`` to ``out`` with the rows of ``edit`` (see the module docstring)."""
    buffer, m = sheet_data(source, where)
    prefix, empty = m.group(1), m.group(2)
    head = buffer[: m.start()]
    writer = RowWriter(styles, column_styles(head), prefix.decode())
    last = edit.start - 1 + len(edit.rows)
    out.write(_dimension(head, last if edit.rows else edit.start - 1, _widest(edit.rows)))
    out.write(b"<" + prefix + b"sheetData>")
    buffer = buffer[m.end():]
    close = b"</" + prefix + b"sheetData>"
    if not empty:
        buffer = _copy_rows_above(source, out, buffer, edit.start, close, where)
    styles = edit.styles or ()
    widths = wrapped_widths(head, writer.styles)
    open_tag = re.compile(r'<%srow r="(\d+)">' % re.escape(writer.prefix))
    for at in range(0, len(edit.rows), BATCH):
        rows = edit.rows[at: at + BATCH]
        kept = styles[at: at + BATCH]
        if any(kept):
            made = "".join(writer.row(r, values, kept[i] if i < len(kept) else None)
                           for i, (r, values) in enumerate(enumerate(rows, start=edit.start + at)))
        else:
            made = writer.rows(edit.start + at, rows)
        if tall := row_heights(rows, edit.start + at, widths):
            made = open_tag.sub(lambda m: f'{m.group(0)[:-1]} ht="{tall[int(m.group(1))]}">' if int(m.group(1)) in tall
                                else m.group(0), made)
        out.write(made.encode("utf-8"))
    out.write(close)
    out.write(buffer)
    shutil.copyfileobj(source, out, CHUNK)


def _truncated(where: str) -> UserError:
    return UserError(f"{where}的 XML 不完整（<sheetData> 未正常结束），文件可能已损坏；请用备份恢复或用 Excel 打开另存后重试。")


def _copy_rows_above(source: BinaryIO, out: BinaryIO, buffer: bytes, start: int, close: bytes, where: str) -> bytes:
    """Copy the ``<row>`` elements numbered below ``start`` (in spans, not row by row), skip the
    rest of ``<sheetData>``; returns what follows its closing tag in the bytes read so far."""
    number = 0
    while True:
        end = buffer.find(close)
        limit = end if end >= 0 else buffer.rfind(b">") + 1  # a tag cut by the chunk waits for the next one
        for m in _ROW_TAG.finditer(buffer, 0, limit):
            found = _ROW_NUMBER.search(m.group(1))
            number = int(found.group(1)) if found else number + 1
            if number >= start:
                out.write(buffer[: m.start()])
                return _skip_to(source, buffer[m.start():], close, where)
        if end >= 0:
            out.write(buffer[:end])
            return buffer[end + len(close):]
        out.write(buffer[:limit])
        chunk = source.read(CHUNK)
        if not chunk:
            raise _truncated(where)
        buffer = buffer[limit:] + chunk


def _skip_to(source: BinaryIO, buffer: bytes, close: bytes, where: str) -> bytes:
    """Read past ``close``; returns what follows it in the bytes read."""
    while (end := buffer.find(close)) < 0:
        chunk = source.read(CHUNK)
        if not chunk:
            raise _truncated(where)
        buffer = buffer[-len(close):] + chunk
    return buffer[end + len(close):]


@dataclass
class SheetMarks:
    """What the office put on a worksheet's cells besides values: ``fills`` (sheet row, 1-based
    column) → cell format with a fill; ``comments`` (row, column) → the comment's text; the
    package parts holding the comments and their legacy VML shapes (None if none)."""

    fills: dict[tuple[int, int], int]
    comments: dict[tuple[int, int], str]
    comments_part: str | None = None
    vml_part: str | None = None


_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)/?>")
_CELL_AT = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_REL_TYPES = {"comments": "comments_part", "vmlDrawing": "vml_part"}
_COMMENT = re.compile(rb'<((?:[\w.-]+:)?)comment\b([^>]*?)\sref="([A-Z]+)(\d+)"(.*?)</\1comment>', re.S)
_SHAPE = re.compile(rb"<((?:[\w.-]+:)?)shape\b.*?</\1shape>", re.S)  # VML, any prefix (v:, ns0: …)
_NOTE_ROW = re.compile(rb"(<((?:[\w.-]+:)?)Row>)(\d+)(</\2Row>)")
_ANCHOR = re.compile(rb"(<((?:[\w.-]+:)?)Anchor>)([^<]*)(</\2Anchor>)")


def _filled_cells(part: BinaryIO, filled: set[int]) -> dict[tuple[int, int], int]:
    """(row, column) → format of each cell of a worksheet part whose format has a fill — other
    than the formats its columns have by default (the template's) — read ``CHUNK`` bytes at a time."""
    buffer = b""
    while (m := _SHEET_DATA.search(buffer)) is None:
        chunk = part.read(CHUNK)
        if not chunk:
            return {}
        buffer += chunk
    own = set(column_styles(buffer[: m.start()]).values())
    wanted = [(xf, b' s="%d"' % xf) for xf in sorted(filled - own)]  # fills are rare: look for them only (bytes.find)
    found = {}
    while wanted:
        limit = buffer.rfind(b">") + 1  # a tag cut by the chunk waits for the next one
        for xf, needle in wanted:
            at = buffer.find(needle, 0, limit)
            while at >= 0:
                cell = _CELL_TAG.match(buffer, buffer.rfind(b"<", 0, at))
                ref = _CELL_AT.search(cell.group(1)) if cell else None  # a row's own style is not a cell's
                if ref:
                    found[(int(ref.group(2)), col_index(ref.group(1).decode()) + 1)] = xf
                at = buffer.find(needle, at + len(needle), limit)
        chunk = part.read(CHUNK)
        if not chunk:
            break
        buffer = buffer[limit:] + chunk
    return found


def read_marks(source, sheets) -> dict[str, SheetMarks]:
    """The fills and comments of the worksheets named in ``sheets`` (streamed: the cells' formats
    are scanned, never loaded as a whole)."""
    out = {}
    with zipfile.ZipFile(source) as src:
        parts = sheet_parts(src)
        styles = Styles(src.read(STYLES_PART)) if STYLES_PART in src.NameToInfo else None
        for name in sheets:
            part = parts.get(name)
            if part is None or part not in src.NameToInfo:
                continue
            with src.open(part) as fh:
                fills = _filled_cells(fh, styles.filled) if styles and styles.filled else {}
            marks = SheetMarks(fills, {})
            folder, base = posixpath.split(part)
            rels = posixpath.join(folder, "_rels", base + ".rels")
            if rels in src.NameToInfo:
                for rel in ET.fromstring(src.read(rels)):
                    kind = rel.get("Type", "").rsplit("/", 1)[-1]
                    if kind in _REL_TYPES and rel.get("TargetMode") != "External":
                        target = rel.get("Target", "")
                        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                        if target in src.NameToInfo:
                            setattr(marks, _REL_TYPES[kind], target)
            if marks.comments_part:
                for comment in ET.fromstring(src.read(marks.comments_part)).iter(_MAIN + "comment"):
                    at = _CELL_REF.fullmatch(comment.get("ref", ""))
                    if at:
                        marks.comments[(int(at.group(2)), col_index(at.group(1)) + 1)] = \
                            "".join(t.text or "" for t in comment.iter(_MAIN + "t")).strip()
            out[name] = marks
    return out


def move_comments(xml: bytes, moved: Callable[[int], int | None]) -> bytes:
    """A comments part with each comment's row ``r`` changed to ``moved(r)`` (dropped when None).

    >>> move_comments(b'<commentList><comment ref="B5" authorId="0"><text><t>x</t></text></comment>'
    ...               b'<comment ref="C7" authorId="0"><text/></comment></commentList>', {5: 3}.get)
    b'<commentList><comment ref="B3" authorId="0"><text><t>x</t></text></comment></commentList>'
    """
    def one(m):
        row = moved(int(m.group(4)))
        if row is None:
            return b""
        return b"<%scomment%s ref=\"%s%d\"%s</%scomment>" % (m.group(1), m.group(2), m.group(3), row, m.group(5), m.group(1))
    return _COMMENT.sub(one, xml)


def move_notes(vml: bytes, moved: Callable[[int], int | None]) -> bytes:
    """The legacy VML drawing of comments with each note's row (0-based ``<x:Row>``, and its box's
    anchor) moved like ``move_comments`` (dropped when None).

    >>> move_notes(b'<xml><v:shape id="a"><x:ClientData ObjectType="Note"><x:Anchor>2, 15, 4, 2, 4, 15, 8, 2</x:Anchor>'
    ...            b'<x:Row>4</x:Row><x:Column>1</x:Column></x:ClientData></v:shape></xml>', {5: 3}.get).decode()
    '<xml><v:shape id="a"><x:ClientData ObjectType="Note"><x:Anchor>2, 15, 2, 2, 4, 15, 6, 2</x:Anchor><x:Row>2</x:Row><x:Column>1</x:Column></x:ClientData></v:shape></xml>'
    """
    def one(m):
        shape = m.group(0)
        at = _NOTE_ROW.search(shape)
        if at is None:
            return shape
        row = moved(int(at.group(3)) + 1)
        if row is None:
            return b""
        shift = row - 1 - int(at.group(3))
        shape = _NOTE_ROW.sub(lambda n: n.group(1) + str(row - 1).encode() + n.group(4), shape)

        def anchor(n):
            parts = [p.strip() for p in n.group(3).decode().split(",")]
            if len(parts) == 8 and all(p.lstrip("-").isdigit() for p in parts):
                parts[2], parts[6] = str(max(0, int(parts[2]) + shift)), str(max(0, int(parts[6]) + shift))
            return n.group(1) + ", ".join(parts).encode() + n.group(4)
        return _ANCHOR.sub(anchor, shape)
    return _SHAPE.sub(one, vml)


_CELL_OF = r'<(?:[\w.-]+:)?c\b[^>]*?\sr="%s"[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?c>)'
_ROW_OF = r'<((?:[\w.-]+:)?)row\b[^>]*?\sr="%d"[^>]*?(/?)>'
_STYLE_ATTR = re.compile(rb'\ss="(\d+)"')
_CELL_IN_ROW = re.compile(rb'<(?:[\w.-]+:)?c\b[^>]*?\sr="([A-Z]+)\d+"')


def set_cells(xml: bytes, cells: dict[str, object], styles: Styles) -> bytes:
    """``xml`` of one worksheet with the value cells ``cells`` (coordinate → value, written as
    ``RowWriter`` writes values; ``None`` empties the cell) set, each keeping its format. A cell
    the sheet lacks is inserted into its row, which must exist.

    >>> s = Styles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ...            b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
    >>> xml = b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1" s="1"/><c r="D1"/></row></sheetData>'
    >>> print(set_cells(xml, {"B1": dt.date(2026, 2, 10), "C1": "新", "A1": None}, s).decode())  # doctest: +NORMALIZE_WHITESPACE
    <sheetData><row r="1"><c r="A1"/><c r="B1" s="1"><v>46063</v></c><c r="C1" t="inlineStr"><is><t>新</t></is></c><c
    r="D1"/></row></sheetData>
    """
    for coord, value in cells.items():
        letters, r = _CELL_REF.fullmatch(coord).groups()
        column, r = col_index(letters) + 1, int(r)
        found = re.search((_CELL_OF % coord).encode(), xml, re.S)
        style = _STYLE_ATTR.search(found.group(0)[: found.group(0).index(b">")]) if found else None
        xf = int(style.group(1)) if style else 0
        row = re.search((_ROW_OF % r).encode(), xml)
        if row is None:
            raise ValueError(f"row {r} is not in the sheet: {coord} cannot be set")
        writer = RowWriter(styles, {}, row.group(1).decode())
        made = writer.row(r, [None] * (column - 1) + [value], {column: xf} if xf else None)
        new = (made[len(f'{writer.open_row}{r}">'): -len(writer.close_row)] if made
               else f'<{writer.prefix}c r="{coord}"/>').encode("utf-8")
        if found:
            xml = xml[: found.start()] + new + xml[found.end():]
            continue
        if row.group(2):  # <row r="1"/>: no cells yet
            xml = xml[: row.start()] + row.group(0)[:-2] + b">" + new + b"</" + row.group(1) + b"row>" + xml[row.end():]
            continue
        end = xml.index(b"</" + row.group(1) + b"row>", row.end())
        at = next((m.start() for m in _CELL_IN_ROW.finditer(xml, row.end(), end)
                   if col_index(m.group(1).decode()) + 1 > column), end)
        xml = xml[:at] + new + xml[at:]
    return xml


def _new_part(data: bytes, patch: Callable[[bytes], bytes] | None, cells: dict | None, styles: Styles) -> bytes:
    return set_cells(patch(data) if patch else data, cells, styles) if cells else patch(data)


def _targets(src: zipfile.ZipFile, edits, patches, cells) -> tuple[dict, dict, dict]:
    parts = sheet_parts(src)
    unknown = [name for name in [*edits, *patches, *cells] if name not in parts and name not in src.NameToInfo]
    if unknown:
        raise UserError(f"工作簿中没有工作表 {'、'.join(unknown)}。")
    if STYLES_PART not in src.NameToInfo:
        raise UserError(f"工作簿中缺少 {STYLES_PART}（单元格格式），文件可能已损坏；请用 Excel 打开另存后重试。")
    by_part = {parts[name]: (name, edit) for name, edit in edits.items()}
    patch_of = {parts.get(name, name): fn for name, fn in patches.items()}
    cells_of = {parts.get(name, name): values for name, values in cells.items()}
    if set(cells_of) & set(by_part):
        raise ValueError("a sheet streamed by a block cannot also take single cell writes")
    return by_part, patch_of, cells_of


def changes(source, plan: Plan, patches: dict[str, Callable[[bytes], bytes]] | None = None) -> bool:
    """Whether ``apply(source, …, plan, patches)`` would write anything different from ``source``
    (the patched parts are computed and compared; a block always changes its sheet)."""
    if plan.blocks:
        return True
    with zipfile.ZipFile(source) as src:
        _, patch_of, cells_of = _targets(src, {}, patches or {}, plan.cells)
        styles = Styles(src.read(STYLES_PART))
        return any(_new_part(src.read(part), patch_of.get(part), cells_of.get(part), styles) != src.read(part)
                   for part in {*patch_of, *cells_of}) or styles.changed


def apply(source, target, plan: Plan, patches: dict[str, Callable[[bytes], bytes]] | None = None,
          styles: dict[str, list[dict[int, int]]] | None = None) -> None:
    """The file engine of a write plan (``plans.Plan``): ``rewrite`` with its blocks (as ``SheetRows``,
    with the cell formats ``styles`` keeps per sheet and row) and its single cells."""
    edits = {name: SheetRows(b.start, b.rows, (styles or {}).get(name)) for name, b in plan.blocks.items()}
    rewrite(source, target, edits, patches, plan.cells)


def rewrite(source, target, edits: dict[str, SheetRows], patches: dict[str, Callable[[bytes], bytes]] | None = None,
            cells: dict[str, dict[str, object]] | None = None) -> None:
    """Write the package ``source`` (path or binary file) to ``target`` with the sheets named in
    ``edits`` (sheet name → ``SheetRows``) rewritten, the parts named in ``patches`` (sheet
    name, or a part path such as ``xl/workbook.xml`` → a function of its bytes) replaced and the
    value cells in ``cells`` (sheet name → {coordinate: value}, ``set_cells``) set; every other
    member is copied as it is compressed (``zipout``); see the module docstring."""
    raw = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source
    try:
        with zipfile.ZipFile(raw) as src, ZipOut(target) as dst:
            by_part, patch_of, cells_of = _targets(src, edits, patches or {}, cells or {})
            styles = Styles(src.read(STYLES_PART))
            for info in src.infolist():
                if info.filename == STYLES_PART:
                    continue
                if info.filename in by_part:
                    name, edit = by_part[info.filename]
                    with src.open(info) as old, dst.open(info, STREAM_LEVEL) as new:
                        rewrite_sheet(old, new, edit, styles, f"工作表「{name}」")
                elif info.filename in patch_of or info.filename in cells_of:
                    with dst.open(info) as new:
                        new.write(_new_part(src.read(info), patch_of.get(info.filename), cells_of.get(info.filename), styles))
                else:
                    dst.copy(src, info, raw)
            styles_info = src.getinfo(STYLES_PART)
            if styles.changed:
                with dst.open(styles_info) as new:
                    new.write(styles.xml)
            else:
                dst.copy(src, styles_info, raw)
    finally:
        if raw is not source:
            raw.close()


_ROW_OPEN = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*?)(/?)>")


def edit_rows(source: BinaryIO, out: BinaryIO, rows: list[int], edit: Callable[[int, bytes | None], bytes],
              tail: Callable[[bytes], bytes] | None = None, where: str = "工作表") -> None:
    """Stream one worksheet part from ``source`` to ``out``, passing the ``<row>`` elements numbered
    in ``rows`` (ascending) through ``edit(number, element)`` — ``element`` is ``None`` for a row
    the sheet does not have, the result goes where the row belongs (``b""`` drops it) — and what
    follows ``</sheetData>`` through ``tail``; every other byte is copied. Memory: ``CHUNK``
    bytes of the part at a time (plus the part after ``</sheetData>``).

    >>> import io
    >>> xml = b'<worksheet><sheetData><row r="1"><c r="A1"/></row><row r="3"/></sheetData><x/></worksheet>'
    >>> out = io.BytesIO()
    >>> edit_rows(io.BytesIO(xml), out, [2, 3], lambda n, e: b"<row r='%d'>new</row>" % n, lambda t: t.replace(b"<x/>", b""))
    >>> out.getvalue().decode()
    '<worksheet><sheetData><row r="1"><c r="A1"/></row><row r=\\'2\\'>new</row><row r=\\'3\\'>new</row></sheetData></worksheet>'
    """
    buffer, m = sheet_data(source, where)
    prefix, empty = m.group(1), m.group(2)
    close = b"</" + prefix + b"sheetData>"
    if empty and not rows:
        out.write(buffer[: m.end()])
        rest = buffer[m.end():] + source.read()
        out.write(tail(rest) if tail else rest)
        return
    row_close, row_start = b"</" + prefix + b"row>", b"<" + prefix + b"row"
    out.write(buffer[: m.start()] + b"<" + prefix + b"sheetData>" if empty else buffer[: m.end()])
    buffer = (close if empty else b"") + buffer[m.end():]
    pending = iter(rows)
    want = next(pending, None)
    number = 0
    while True:
        end = buffer.find(close)
        limit = end if end >= 0 else buffer.rfind(row_start)  # rows before ``limit`` are complete
        if limit > 0 or end == 0:
            position = 0
            for row in _ROW_OPEN.finditer(buffer, 0, limit) if want is not None else ():
                found = _ROW_NUMBER.search(row.group(1))
                number = int(found.group(1)) if found else number + 1
                while want is not None and want < number:
                    out.write(buffer[position: row.start()] + edit(want, None))
                    position = row.start()
                    want = next(pending, None)
                if want == number:
                    stop = row.end() if row.group(2) else buffer.index(row_close, row.end()) + len(row_close)
                    out.write(buffer[position: row.start()] + edit(number, buffer[row.start(): stop]))
                    position = stop
                    want = next(pending, None)
                if want is None:
                    break
            out.write(buffer[position:limit])
            if end >= 0:
                while want is not None:
                    out.write(edit(want, None))
                    want = next(pending, None)
                break
            buffer = buffer[limit:]
        chunk = source.read(CHUNK)
        if not chunk:
            raise _truncated(where)
        buffer += chunk
    rest = buffer[end:] + source.read()
    out.write(tail(rest) if tail else rest)


def repack(source, target, streams: dict[str, Callable[[BinaryIO, BinaryIO], None]],
           parts: dict[str, bytes | None | Callable[[], bytes | None]]) -> None:
    """Write the package ``source`` (path) to ``target`` member by member: each member named in
    ``streams`` is rewritten in its place by its function (old member → new member, as files;
    deflated, like the members below, at ``STREAM_LEVEL``);
    then the members named in ``parts`` are written — bytes, or a function called once the
    streams are done (so they can say what the streams found) — replacing a member of that
    name, adding one, or with ``None`` leaving it out; every other member is copied still
    compressed (``zipout``)."""
    with open(source, "rb") as raw, zipfile.ZipFile(raw) as src, ZipOut(target) as dst:
        for info in src.infolist():
            if info.filename in streams:
                with src.open(info) as old, dst.open(info, STREAM_LEVEL) as new:
                    streams[info.filename](old, new)
            elif info.filename not in parts:
                dst.copy(src, info, raw)
        for name, data in parts.items():
            data = data() if callable(data) else data
            if data is None:
                continue
            info = src.NameToInfo.get(name) or zipfile.ZipInfo(name, date_time=_now())
            with dst.open(info, STREAM_LEVEL) as new:
                new.write(data)


def _now() -> tuple:
    return dt.datetime.now().timetuple()[:6]
