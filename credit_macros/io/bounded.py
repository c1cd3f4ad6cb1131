"""Read an .xlsx package with costs that follow the cells present, never the sheet's extent.

python-calamine builds each worksheet as one dense rectangle from its first to its last cell, in
Rust, before Python sees anything: one stray value in ``XFD1048576`` beside ``A1`` asks for
2^34 cells (the process aborts), one in ``A1048576`` makes a million padded Python rows. So a
package is first checked and each worksheet part scanned, as a stream, through Python's
``zipfile`` (which also enforces the sizes the archive declares and their CRC):

* every part's uncompressed size is bounded (``MAX_PART``), so is the compression ratio of the
  large ones (``MAX_RATIO``: a zip bomb inflates a few MB to gigabytes) and the total
  (``MAX_TOTAL``); a sheet holds at most ``MAX_CELLS`` cells;
* text longer than Excel's 32,767 characters per cell (which calamine cuts there without a word)
  is found by the scan (inline strings) or in the shared strings and put into the grid whole,
  so validation can say so;
* the scan finds the rows present (``<row>`` tags), the columns present (cell references) and
  the number of cells — the used range comes from these, never from ``<dimension>``.

A sheet whose rows and columns are compact and at most ``CHUNK_ROWS`` rows is read by calamine
from the file as before (the fast path; ``sheet_grid``: equal texts and dates share one object).
Any other sheet is handed to calamine in pieces: a small package (the workbook, styles and shared
strings, and the sheet part holding only the rows of one piece) per run of at most ``PIECE_ROWS``
nearby rows, so the memory a read needs follows the piece, not the sheet; when the columns are sparse
(a value in ``XFD``) the cell references of the piece are renumbered onto the columns present
and mapped back. Rows without any value are one shared empty list (``EMPTY_ROW``; never mutate
grid rows), and repeated strings of a piece are shared, so a million-row sheet costs its cells,
not its extent.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from credit_macros.errors import UserError
from credit_macros.io.cached import sheet_parts
from credit_macros.table import col_index, col_letter

MAX_PART = 4 << 30  # uncompressed bytes of one part (a 1,048,576-row sheet is about 2 GB)
MAX_TOTAL = 8 << 30  # uncompressed bytes of the whole package
MAX_RATIO = 200  # uncompressed : compressed, for parts above RATIO_FLOOR (real sheets: 5–30)
RATIO_FLOOR = 8 << 20
MAX_CELLS = 40_000_000  # cells of one sheet (1,048,576 rows × 38 columns)
MAX_GRID = 64_000_000  # cells of one sheet's rows once placed at their columns
CHUNK_ROWS = 200_000  # rows of a sheet calamine may read whole (the fast path)
CHUNK_CELLS = 8_000_000  # cells of calamine's rectangle for a sheet read whole
PIECE_ROWS = 20_000  # rows handed to calamine at a time otherwise: a piece's XML, its package and
PIECE_CELLS = 1_000_000  # calamine's rows exist at once, so memory follows the piece, not the sheet
GAP = 1_000  # empty rows that end a piece (calamine would pad them)
READ = 1 << 20
LONG_TEXT = 32767  # characters Excel keeps in one cell; calamine cuts longer text there
_WINDOW = (LONG_TEXT + 1) // 2
SHARED = "xl/sharedStrings.xml"
EMPTY_ROW: list = []
SUPPORT_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                 "xl/styles.xml", "xl/sharedStrings.xml")

_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*>")
_WIDE = re.compile(rb' r="([A-Z]{2,3})\d')  # a cell reference beyond column Z
_CELL_REF = re.compile(rb'<(?:[\w.-]+:)?c [^>]*?r="([A-Z]+)(\d+)"')
_SI = re.compile(rb"<(?:[\w.-]+:)?si[ >]")
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\sref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MB"


def refuse_irregular(path: Path) -> str | None:
    """Why ``path`` is no regular file (a FIFO, a device, a socket) — opening one could block — or None."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    return f"{path.name} 不是普通文件（可能是管道、设备或套接字），无法作为工作簿读取；请提交从 Excel 保存的 .xlsx 文件。"


def check_package(book: zipfile.ZipFile, name: str) -> None:
    """Refuse packages whose parts inflate beyond the bounds (zip bombs)."""
    total = 0
    for info in book.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise UserError(
                f"文件 {name} 中的部件 {info.filename} 解压后有 {_size(info.file_size)}（压缩比 {ratio:.0f}:1），"
                f"超出可读取的上限（每个部件 {_size(MAX_PART)}、压缩比 {MAX_RATIO}:1），可能是恶意构造的压缩文件，已拒绝读取。"
                "请让报送单位用 Excel 重新保存后再提交。")
    if total > MAX_TOTAL:
        raise UserError(f"文件 {name} 解压后共有 {_size(total)}，超出可读取的上限 {_size(MAX_TOTAL)}，已拒绝读取。"
                        "请把数据拆分到几个工作簿，或先用 archive 归档往年的数据。")


@dataclass
class Shape:
    """What a worksheet part holds, from one streamed pass: the number of ``<row>`` tags, the last
    row's number, the columns with more than one letter (the single-letter ones are at most 26)
    and the merged ranges (0-based, inclusive)."""

    rows: int = 0
    last_row: int = 0
    wide: set[bytes] = field(default_factory=set)
    merged: list = field(default_factory=list)
    root: bytes = b""  # the worksheet's start tag (namespaces), for the pieces
    long: dict = field(default_factory=dict)  # (row0, col0) → text over LONG_TEXT characters

    @property
    def width(self) -> int:
        return max((col_index(c.decode()) + 1 for c in self.wide), default=26)

    def compact(self) -> bool:
        """Whether calamine may read the sheet whole from the file: few rows, no long runs of
        empty rows or columns."""
        return (self.rows <= CHUNK_ROWS and self.last_row <= 2 * self.rows + GAP
                and self.width <= 2 * (len(self.wide) + 26) and self.last_row * self.width <= 2 * CHUNK_CELLS)


def sheet_data(source, where: str) -> tuple[bytes, re.Match]:
    """The bytes of a worksheet part read up to and a little past its ``<sheetData>`` start tag,
    and that tag's match (group 1: the namespace prefix, group 2: "/" when it is empty), read
    ``READ`` bytes at a time; a part without one is refused."""
    buffer = b""
    while (m := _SHEET_DATA.search(buffer)) is None:
        chunk = source.read(READ)
        if not chunk:
            raise UserError(f"{where}的 XML 中没有 <sheetData>，文件可能已损坏；请用备份恢复或用 Excel 打开另存后重试。")
        buffer += chunk
    return buffer, m


def _head(source, where: str) -> tuple[bytes, bytes, bytes, bool]:
    """(worksheet start tag, namespace prefix, the bytes read after ``<sheetData>``, whether it is empty)."""
    buffer, m = sheet_data(source, where)
    root = re.search(rb"<(?:[\w.-]+:)?worksheet\b[^>]*>", buffer[: m.start()])
    start = root.group(0) if root else b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return start, m.group(1), buffer[m.end():], bool(m.group(2))


def _truncated(where: str) -> UserError:
    return UserError(f"{where}的 XML 不完整（<sheetData> 未正常结束），文件可能已损坏；请用 Excel 打开另存后重试。")


def _too_many(where: str) -> UserError:
    return UserError(f"{where}有超过 {MAX_CELLS:,} 个单元格，超出可读取的上限；请把数据拆分到几个工作表或工作簿，"
                     "或先用 archive 归档往年的数据。")


def scan(book: zipfile.ZipFile, part: str, where: str) -> Shape:
    """Stream one worksheet part once and return its ``Shape`` (refusing sheets over ``MAX_CELLS``).
    Works on whole buffers (counts and searches in C), never row by row."""
    shape = Shape()
    with book.open(part) as source:
        shape.root, prefix, buffer, empty = _head(source, where)
        if empty:
            return shape
        row_tag = b"<" + prefix + b"row"
        close = b"</" + prefix + b"sheetData>"
        while True:
            end = buffer.find(close)
            limit = end if end >= 0 else buffer.rfind(b">") + 1
            rows = buffer.count(row_tag, 0, limit)  # <row …> and <row>: no other element inside starts so
            if rows:
                shape.rows += rows
                found = _ROW_NUMBER.search(_ROW_TAG.match(buffer, buffer.rfind(row_tag, 0, limit)).group(1))
                shape.last_row = int(found.group(1)) if found else shape.last_row + rows
            shape.wide.update(_WIDE.findall(buffer, 0, limit))
            for start, text in _long_texts(buffer, limit):
                cell = _CELL_REF.match(buffer, buffer.rfind(b"<" + prefix + b"c ", 0, start))
                if cell:
                    shape.long[(int(cell.group(2)) - 1, col_index(cell.group(1).decode()))] = text
            if end >= 0:
                tail = buffer[end:] + source.read()
                shape.merged = [((int(r0) - 1, col_index(c0.decode())), (int(r1 or r0) - 1, col_index((c1 or c0).decode())))
                                for c0, r0, c1, r1 in _MERGE.findall(tail)]
                break
            chunk = source.read(READ)
            if not chunk:
                raise _truncated(where)
            buffer = buffer[limit:] + chunk
    if shape.rows * shape.width > MAX_CELLS and _count(book, part, rb'\sr="[A-Z]') > MAX_CELLS:
        raise _too_many(where)
    return shape


def _long_texts(buffer: bytes, limit: int):
    """(offset, text) of each character run of ``buffer[:limit]`` longer than ``LONG_TEXT``
    characters: calamine silently cuts such cells to Excel's limit, validation must see them
    whole. Any run of at least 2 × ``_WINDOW`` - 1 bytes covers one aligned window without a
    tag, so one ``find`` per window suffices."""
    seen = -1
    for i in range(0, limit - _WINDOW + 1, _WINDOW):
        if i < seen or buffer.find(b"<", i, i + _WINDOW) >= 0:
            continue
        start, end = buffer.rfind(b">", 0, i) + 1, buffer.find(b"<", i, limit)
        end = limit if end < 0 else end
        seen = end
        if end - start > LONG_TEXT:
            text = html.unescape(buffer[start:end].decode("utf-8", "replace"))
            if len(text) > LONG_TEXT:
                yield start, text


def _long_shared(book: zipfile.ZipFile) -> dict[int, str]:
    """Index → text of the shared strings over ``LONG_TEXT`` characters."""
    found: dict[int, str] = {}
    if SHARED not in book.NameToInfo:
        return found
    with book.open(SHARED) as source:
        buffer, before = b"", 0
        while chunk := source.read(READ):
            buffer += chunk
            limit = buffer.rfind(b">") + 1
            done = 0
            for start, text in _long_texts(buffer, limit):
                before += _SI.subn(b"", buffer[done:start])[1]
                found[before - 1] = text
                done = start
            before += _SI.subn(b"", buffer[done:limit])[1]
            buffer = buffer[limit:]
    return found


def _patch_long(book: zipfile.ZipFile, part: str, grid: list, shape: Shape | None, shared: dict[int, str]) -> None:
    """Put the whole text of long cells into ``grid`` (calamine gave them cut)."""
    long = dict(shape.long) if shape else {}
    if shared:
        wanted = rb"|".join(str(i).encode() for i in shared)
        cells = re.compile(rb'<(?:[\w.-]+:)?c r="([A-Z]+)(\d+)"[^>]*?t="s"[^>]*><(?:[\w.-]+:)?v>(' + wanted + rb")<")
        with book.open(part) as source:
            buffer = b""
            while chunk := source.read(READ):
                buffer += chunk
                limit = buffer.rfind(b">") + 1
                for m in cells.finditer(buffer, 0, limit):
                    long[(int(m.group(2)) - 1, col_index(m.group(1).decode()))] = shared[int(m.group(3))]
                buffer = buffer[limit:]
    for (r, c), text in long.items():
        if r < len(grid) and c < len(grid[r]) and grid[r] is not EMPTY_ROW:
            grid[r][c] = text


def _count(book: zipfile.ZipFile, part: str, pattern: bytes) -> int:
    """How often ``pattern`` occurs in a part (a second pass, only for sheets that may be too big)."""
    found, compiled = 0, re.compile(pattern)
    with book.open(part) as source:
        buffer = b""
        while chunk := source.read(READ):
            buffer += chunk
            limit = buffer.rfind(b">") + 1
            found += sum(1 for _ in compiled.finditer(buffer, 0, limit))
            buffer = buffer[limit:]
    return found


class _Piece:
    """A small package for calamine: the support parts of the book and one sheet part."""

    def __init__(self, book: zipfile.ZipFile, part: str, root: bytes, columns: list[int] | None):
        self.support = {name: book.read(name) for name in SUPPORT_PARTS if name in book.NameToInfo}
        self.part, self.root = part, root
        self.columns = columns  # original 1-based column of each renumbered column, or None
        if columns is not None:
            new = {col_letter(c - 1).encode(): col_letter(i).encode() for i, c in enumerate(columns)}
            self.renumber = lambda data: re.sub(rb'(\sr=")([A-Z]{1,3})(\d)', lambda m: m.group(1) + new[m.group(2)] + m.group(3), data)

    def read(self, sheet_name: str, data: bytes, prefix: bytes):
        """(0-based first row, 0-based first column, rows) of ``data`` (the rows' XML)."""
        if self.columns is not None:
            data = self.renumber(data)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for name, content in self.support.items():
                z.writestr(name, content)
            z.writestr(self.part, self.root + b"<" + prefix + b"sheetData>" + data + b"</" + prefix + b"sheetData></"
                       + self.root[1:].split(b" ", 1)[0].split(b">", 1)[0] + b">")
        buf.seek(0)
        sheet = CalamineWorkbook.from_filelike(buf).get_sheet_by_name(sheet_name)
        rows = sheet.to_python(skip_empty_area=True) if sheet.height else []
        return sheet.start[0], sheet.start[1], rows


_SHARED = (str, dt.datetime, dt.date)  # value types whose equal values may share one object


def sheet_grid(sheet) -> list[list]:
    """``sheet.to_python(skip_empty_area=False)`` (rows and columns from A1), built row by row so
    that equal texts and dates share one object: a master's provenance, unit names, choices and
    dates repeat on every row, and one object per cell was most of the memory a large master took."""
    if not sheet.height:
        return sheet.to_python(skip_empty_area=False)
    pad, seen = [""] * sheet.start[1], {}
    return [pad + [seen.setdefault(v, v) if v.__class__ in _SHARED else v for v in row] for row in sheet.iter_rows()]


def _place(grid: list, start_row: int, start_col: int, rows: list, columns: list[int] | None, budget: list[int]) -> None:
    """Put calamine's rows of one piece into ``grid`` at their rows and columns (rows of a piece are
    as wide as the piece)."""
    seen: dict = {}
    for offset, row in enumerate(rows):
        if not any(v != "" for v in row):
            continue
        row = [seen.setdefault(v, v) if v.__class__ is str else v for v in row]
        if columns is not None:
            used = [(columns[start_col + j] - 1, v) for j, v in enumerate(row) if v != ""]
            placed = [""] * (used[-1][0] + 1)
            for c, v in used:
                placed[c] = v
            row = placed
        elif start_col:
            row = [""] * start_col + row
        budget[0] -= len(row)
        if budget[0] < 0:
            raise OverflowError
        grid[start_row + offset] = row


def _columns(book: zipfile.ZipFile, part: str, where: str) -> list[int]:
    """The 1-based columns of all cell references of a worksheet part, ascending (a second pass,
    only for sheets with sparse columns)."""
    refs = re.compile(rb'\sr="([A-Z]{1,3})\d')
    found: set[bytes] = set()
    with book.open(part) as source:
        buffer = b""
        while chunk := source.read(READ):
            buffer += chunk
            limit = buffer.rfind(b">") + 1
            found.update(refs.findall(buffer, 0, limit))
            buffer = buffer[limit:]
    return sorted(col_index(c.decode()) + 1 for c in found)


def read_sheet(book: zipfile.ZipFile, sheet_name: str, part: str, shape: Shape, where: str) -> list[list]:
    """The sheet's grid from A1 (see the module docstring), read in pieces of nearby rows."""
    if not shape.rows:
        return []
    columns = _columns(book, part, where) if shape.width > 2 * (len(shape.wide) + 26) else None
    piece = _Piece(book, part, shape.root, columns)
    per_piece = max(1, min(PIECE_ROWS, PIECE_CELLS // (len(columns) if columns else shape.width)))
    grid: list = [EMPTY_ROW] * max(shape.last_row, shape.rows)
    budget = [MAX_GRID]
    with book.open(part) as source:
        _, prefix, buffer, _ = _head(source, where)
        close = b"</" + prefix + b"sheetData>"
        pending, first, count, previous, number = [], None, 0, 0, 0
        while True:
            end = buffer.find(close)
            limit = end if end >= 0 else buffer.rfind(b">") + 1
            done = 0
            for m in _ROW_TAG.finditer(buffer, 0, limit):
                found = _ROW_NUMBER.search(m.group(1))
                number = int(found.group(1)) if found else number + 1
                if first is not None and (count >= per_piece or number - previous > GAP or number - first >= 2 * per_piece):
                    pending.append(buffer[done: m.start()])
                    _read_piece(piece, sheet_name, b"".join(pending), prefix, grid, columns, budget, where)
                    pending, first, done = [], None, m.start()
                if first is None:
                    first, count = number, 0
                count, previous = count + 1, number
            pending.append(buffer[done:limit])
            if end >= 0:
                break
            chunk = source.read(READ)
            if not chunk:
                raise _truncated(where)
            buffer = buffer[limit:] + chunk
        _read_piece(piece, sheet_name, b"".join(pending), prefix, grid, columns, budget, where)
    while grid and grid[-1] is EMPTY_ROW:
        grid.pop()
    return grid


def _read_piece(piece: _Piece, sheet_name: str, data: bytes, prefix: bytes, grid: list, columns, budget, where: str) -> None:
    if b"<" not in data:
        return
    start_row, start_col, rows = piece.read(sheet_name, data, prefix)
    try:
        _place(grid, start_row, start_col, rows, columns, budget)
    except (OverflowError, IndexError):
        raise UserError(f"{where}的数据分布过宽（远处的行或列中有数据），展开后超过 {MAX_GRID:,} 个单元格，无法读取；"
                        "请删除表格右侧或下方多余的单元格后另存再提交。") from None


def calamine_book(path: Path, suffixes) -> CalamineWorkbook:
    """calamine's workbook at ``path``, from the file's bytes when its extension is not one of
    ``suffixes`` (calamine picks its reader by extension: an .xlsx renamed .xls would be read as OLE)."""
    if path.suffix.lower() in suffixes:
        return CalamineWorkbook.from_path(str(path))
    with open(path, "rb") as handle:
        return CalamineWorkbook.from_filelike(handle)


def read_package(path: Path, name: str | None = None,
                 only: tuple[str, ...] | None = None) -> tuple[dict[str, list[list]], dict[str, list]]:
    """Every sheet of the .xlsx/.xlsm at ``path`` as a grid from A1, plus its merged ranges, read
    within the bounds of this module (calamine reads each sheet or each piece). ``name``: the
    file name to say in messages (default the path's); ``only``: read just the sheets of these
    names (those the workbook has)."""
    name = name or path.name
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as book:
        check_package(book, name)
        try:
            parts = sheet_parts(book)
        except (KeyError, UnicodeDecodeError):
            parts = {}
        for support in SUPPORT_PARTS[2:]:
            if support in book.NameToInfo:
                with book.open(support) as part:  # verifies the declared size and CRC
                    while part.read(READ):
                        pass
        workbook = calamine_book(path, {".xlsx", ".xlsm"})
        shared = _long_shared(book)
        grids, merged = {}, {}
        for sheet_name in workbook.sheet_names:
            if only is not None and sheet_name not in only:
                continue
            part = parts.get(sheet_name)
            where = f"文件 {name} 的工作表「{sheet_name}」"
            shape = scan(book, part, where) if part in book.NameToInfo else None
            if shape is None or shape.compact():
                sheet = workbook.get_sheet_by_name(sheet_name)
                grids[sheet_name] = sheet_grid(sheet)
                merged[sheet_name] = list(sheet.merged_cell_ranges or ())
            else:
                grids[sheet_name] = read_sheet(book, sheet_name, part, shape, where)
                merged[sheet_name] = shape.merged
            if (shape and shape.long) or shared:
                _patch_long(book, part, grids[sheet_name], shape, shared)
        return grids, merged
