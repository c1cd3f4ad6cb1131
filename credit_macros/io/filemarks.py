"""File adapter for ``check --in-place`` and ``clear``: paint marks into the workbook, take them
out again (openpyxl).

Only fills and notes of the marked cells change, plus two sheets of ours: 「校验结果」 (one row
per finding, with a link to the cell, and counts per sheet) and the hidden 「_校验标记」, which
remembers every marked cell's original fill and note. Before marking again, and on ``clear``,
each cell that still carries our mark gets its original fill and note back, so check → fix →
check leaves no stale marks and the user's own colours and notes survive. Values, formulas
(and text that starts with "="), other sheets, data validations, widths and number formats are
not touched.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.xml.functions import fromstring, tostring

from credit_macros.build.cells import put
from credit_macros.errors import UserError
from credit_macros.io.read import WRITABLE, classify
from credit_macros.safeio import atomic_write, refuse_if_locked
from credit_macros.validate.findings import ERROR, WARNING, Report, result_rows
from credit_macros.validate.marks import AUTHOR, marks_from
from credit_macros.validate.rules import OWN_SHEETS

RESULT_SHEET, BOOK_SHEET = OWN_SHEETS
BOOK_HEADER = ("工作表", "单元格", "标记颜色", "原填充", "原批注", "原批注作者", "原批注宽", "原批注高")
ORIGINAL_NOTE = "\n——原批注——\n"
LINK_FONT = Font(color="0563C1", underline="single")
BOLD = Font(bold=True)


def ensure_writable(path: Path) -> None:
    """Refuse, before anything is read or written, files we cannot mark: unreadable ones, .xls
    and workbooks Excel or WPS holds open."""
    kind, problem = classify(path)
    if problem:
        raise UserError(problem)
    if kind != "xlsx":
        what = {"xls": "旧版 .xls", "xlsb": "Excel 二进制（.xlsb）", "ods": "OpenDocument（.ods）"}[kind]
        raise UserError(f"文件 {path.name} 是{what}格式，只能读取，写入标记需要 .xlsx：请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再运行"
                        "（校验时不带 --in-place 可以只查看结果）。")
    if path.suffix.lower() not in WRITABLE:
        raise UserError(f"文件 {path.name} 的内容是 .xlsx 工作簿，扩展名却是 {path.suffix or '（无）'}：请把扩展名改为 .xlsx 后再用 --in-place"
                        "（不带 --in-place 可以直接校验）。")
    refuse_if_locked(path)


def _has_rich_text(path: Path) -> bool:
    """Whether some cell text has formatted runs: in the shared strings (Excel, WPS) or inline
    (openpyxl and other generators). Loading as rich text keeps the runs but costs a third of
    the load time, so only then."""
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name == "xl/sharedStrings.xml" and re.search(rb"<(\w+:)?r>", book.read(name)):
                return True
            if name.startswith("xl/worksheets/") and re.search(rb"<(\w+:)?is>\s*<(\w+:)?r>", book.read(name)):
                return True
    return False


def _open(path: Path):
    ensure_writable(path)
    try:
        return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=_has_rich_text(path))
    except Exception as exc:  # openpyxl raises many types for damaged parts
        raise UserError(f"文件 {path.name} 内部结构有损坏，无法写入标记，原文件未改动。请用 Excel 打开后另存为 .xlsx 再试。",
                        detail=f"{type(exc).__name__}: {exc}")


def _restore(wb) -> bool:
    """Give every cell still carrying our mark its original fill and note; drop our sheets.
    Returns whether there was anything of ours."""
    if BOOK_SHEET in wb.sheetnames:
        for entry in wb[BOOK_SHEET].iter_rows(min_row=2, values_only=True):
            entry = _mark_entry(wb, entry)
            if entry is None:
                continue
            cell, colour, fill, note, author, width, height = entry
            if cell.comment is not None and cell.comment.author == AUTHOR:
                cell.comment = Comment(note, author or "", width=width, height=height) if note else None
            current = cell.fill  # a style proxy: compare its attributes, not its type
            if getattr(current, "fill_type", None) == "solid" and str(current.fgColor.rgb or "")[-6:].upper() == colour:
                cell.fill = fill
    found = False
    for name in OWN_SHEETS:
        if name in wb.sheetnames:
            found = True
            active = wb.active
            wb.remove(wb[name])
            if active is None or active.title == name or wb.active is None:
                _activate_first(wb)
    return found


def _mark_entry(wb, row):
    """A row of 「_校验标记」 as (cell, colour, fill, note, author, width, height), or None when it
    is not one we wrote: the sheet may come from anyone (a forged or edited copy), so every value
    is checked and a row that does not fit is skipped."""
    row = tuple(row) + (None,) * (len(BOOK_HEADER) - len(row))
    sheet, ref, colour, fill, note, author, width, height = row[: len(BOOK_HEADER)]
    if not isinstance(sheet, str) or sheet not in wb.sheetnames or not isinstance(ref, str):
        return None
    try:
        cell = wb[sheet][ref]
        restored = Fill.from_tree(fromstring(fill)) if fill else PatternFill()
        size = (int(width or 144), int(height or 79))
    except Exception:  # noqa: BLE001 - anything unreadable in an untrusted row: skip the row
        return None
    if isinstance(cell, tuple) or not 0 < size[0] < 10000 or not 0 < size[1] < 10000:
        return None
    return (cell, str(colour or ""), restored, note if isinstance(note, str) else None,
            author if isinstance(author, str) else "", *size)


def _activate_first(wb) -> None:
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    visible = next(i for i, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible")
    wb.active = visible
    wb.worksheets[visible].sheet_view.tabSelected = True


def _anchors(wb):
    """(sheet, cell) → the top-left cell of the merged range holding it (or the cell)."""
    hidden = {}
    for ws in wb.worksheets:
        for merged in ws.merged_cells.ranges:
            top_left = merged.start_cell.coordinate
            for row, col in merged.cells:
                hidden[(ws.title, f"{get_column_letter(col)}{row}")] = top_left
    return lambda sheet, cell: hidden.get((sheet, cell), cell)


def _mark(wb, report: Report, config) -> None:
    colours = {ERROR: config["colors"]["error"].upper()[-6:], WARNING: config["colors"]["warning"].upper()[-6:]}
    fills = {s: PatternFill("solid", fgColor=c) for s, c in colours.items()}
    book = wb.create_sheet(BOOK_SHEET)
    book.sheet_state = "hidden"
    book.append(BOOK_HEADER)
    for r, mark in enumerate(marks_from(report.findings, _anchors(wb)), start=2):
        cell = wb[mark.sheet][mark.cell]
        old = cell.comment
        original = tostring(cell.fill.to_tree()).decode() if cell.has_style and cell.fill != PatternFill() else ""
        record = (mark.sheet, mark.cell, colours[mark.severity], original,
                  old.text if old else "", old.author if old else "", old.width if old else "", old.height if old else "")
        for c, value in enumerate(record, start=1):
            if value != "":
                put(book, r, c, value)
        cell.fill = fills[mark.severity]
        note = mark.note + (ORIGINAL_NOTE + old.text if old else "")
        cell.comment = Comment(note, AUTHOR, width=320, height=max(80, 20 * note.count("\n") + 40))


def _results(wb, report: Report) -> None:
    ws = wb.create_sheet(RESULT_SHEET)
    rows, first = result_rows(report)
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            put(ws, r, col, value)
    ws.cell(1, 1).font = BOLD
    for r in (3, first):
        for cell in ws[r]:
            cell.font = BOLD
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    for r, f in enumerate(report.findings, start=first + 1):
        link = ws.cell(row=r, column=3)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet.replace(chr(39), chr(39) * 2)}'!{f.cell}")
        link.font = LINK_FONT
    for letter, width in zip("ABCDEFGH", (8, 18, 10, 8, 24, 8, 16, 90)):
        ws.column_dimensions[letter].width = width


def apply_marks(path: str | Path, report: Report, config) -> Path | None:
    """Replace earlier marks by the marks of ``report`` and save (atomic, with backup).
    Returns the backup path."""
    path = Path(path)
    wb = _open(path)
    _restore(wb)
    _mark(wb, report, config)
    _results(wb, report)
    return atomic_write(path, wb.save)


def clear_marks(path: str | Path) -> Path | None:
    """Remove all our marks and sheets, restoring the user's fills and notes. Returns the backup
    path, or None when the file had no marks (then it is not rewritten)."""
    path = Path(path)
    wb = _open(path)
    if not _restore(wb):
        return None
    return atomic_write(path, wb.save)
