"""Page setup for every sheet we write (openpyxl adapter): how it prints on A4.

``setup_book(wb)`` is called once per builder (master, blank templates, unit books, the 通报
workbook) after the sheets are laid out; each visible sheet is set up by ``setup_page`` from its
own layout, so no sheet is tuned by hand:

* every sheet prints fit to one page wide and as many pages tall as its rows need, landscape when
  its printed columns are so much wider than an A4 portrait page that portrait would shrink the
  text below 87 %;
* a table — a sheet with frozen header rows — repeats the frozen rows on every page (print titles);
* any other sheet (说明, 报送信息, 通报) is an instruction or summary page: a line alone in
  column A is merged across the sheet's columns, text wider than its cell wraps, and wrapped cells
  get row heights that show all their lines (neither Excel nor LibreOffice grows a row for a
  merged cell), so the short ones print whole on one page;
* a table whose last rows hold only formulas (事项台账, filled down ahead of the events) prints
  up to its last typed row; ``ledger_sheet.install`` runs again on every ``credit-macros status``,
  which moves the print area down to the events typed since;
* on sheets with the live check layer the print area is the template's own columns and the
  rows the layer covers: the 本行问题 formulas return "" on an empty row, which
  would otherwise print as blank pages; with nothing filled in the sheet prints on one page,
  and the rows a unit fills print with it;
* all: A4, margins 1.5 cm left/right and 2 cm top/bottom, centred horizontally, the footer
  "sheet name … 第 N 页 / 共 M 页"; a sheet that would shrink below ``READABLE`` on A4 landscape
  (附件1–5, 16–24 columns) prints on the office's ``[print] wide_paper`` (config.toml: "A4", the
  default, or "A3", still one page wide).
"""

from __future__ import annotations

import math

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple

from credit_macros.build import styles
from credit_macros.validate.rules import LIVE_COLUMN

A4_PORTRAIT = 99  # column-width units (7 px) an A4 portrait page holds within the margins
A4_LANDSCAPE = A4_PORTRAIT * (29.7 - 3) / (21 - 3)  # 147: the same page turned
LANDSCAPE_FROM = 114  # wider than this, portrait would shrink the text below 87 %: landscape
READABLE = 0.6  # a sheet that would print smaller than this on A4 landscape takes the wide paper
PAPER_SIZES = {"A4": 9, "A3": 8}  # the paperSize codes of ECMA-376 (CT_PageSetup)
FOOTER_PAGES = "第 &P 页 / 共 &N 页"
SIDE_MARGIN, END_MARGIN = 0.6, 0.8  # inches: 1.5 cm, 2 cm
LINE_HEIGHT = 15  # points per line of 11-point text


def title_rows(ws) -> int:
    """Rows above the frozen pane: the header rows of a table sheet, 0 for other sheets."""
    if not ws.freeze_panes:
        return 0
    return coordinate_to_tuple(ws.freeze_panes)[0] - 1


def live_column(ws, header_row: int) -> int | None:
    """The column of the live check layer's 本行问题 header, if the sheet has one."""
    for c in range(1, ws.max_column + 1):
        if ws.cell(header_row, c).value == LIVE_COLUMN:
            return c
    return None


def held_cells(ws):
    """The cells the sheet holds, in no particular order: ``ws.iter_rows()`` would make a cell
    for every empty place of the used range (most of a sheet with hidden helper columns)."""
    return ws._cells.values()


def last_typed_row(ws) -> int:
    """The last row holding a value that is not a formula."""
    return max((cell.row for cell in held_cells(ws) if cell.value not in (None, "") and cell.data_type != "f"), default=0)


def formulas_below(ws, row: int) -> bool:
    """Whether a row below ``row`` holds a formula (事项台账's rows filled down ahead of the events)."""
    return any(cell.row > row and cell.data_type == "f" for cell in held_cells(ws))


def printed_width(ws, last_column: int) -> float:
    """Width of the visible columns A..``last_column`` in column-width units."""
    total = 0.0
    for c in range(1, last_column + 1):
        dims = ws.column_dimensions.get(get_column_letter(c))
        if dims is None or not dims.hidden:
            total += dims.width if dims is not None and dims.width else styles.DEFAULT_WIDTH
    return total


def _merged_width(ws) -> dict[str, float]:
    """{top-left coordinate: width in units} of every merged range."""
    return {rng.start_cell.coordinate: sum(ws.column_dimensions[get_column_letter(c)].width or styles.DEFAULT_WIDTH
                                           for c in range(rng.min_col, rng.max_col + 1))
            for rng in ws.merged_cells.ranges}


def _cell_width(ws, cell) -> float:
    return ws.column_dimensions[cell.column_letter].width or styles.DEFAULT_WIDTH


def spread_lines(ws) -> None:
    """On an instruction or summary sheet: a line of text alone in column A that is wider than A is
    merged across the sheet's columns, and every text wider than its cell wraps."""
    inside = {(r, c) for rng in ws.merged_cells.ranges for r, c in rng.cells}
    last = ws.max_column
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or cell.data_type == "f":
                continue
            font = (cell.font.sz or 11) if cell.font else 11
            if styles.text_width(cell.value) * font / 11 <= _cell_width(ws, cell) - 1:
                continue
            alone = cell.column == 1 and all(other.value is None for other in row[1:])
            if alone and last > 1 and (cell.row, 1) not in inside:
                ws.merge_cells(start_row=cell.row, start_column=1, end_row=cell.row, end_column=last)
            cell.alignment = styles.WRAP_TOP


def fit_row_heights(ws) -> None:
    """Give each row with wrapped text the height its longest cell needs (a row already taller
    stays so)."""
    merged = _merged_width(ws)
    rows: dict[int, tuple[int, float]] = {}  # row → (lines, font size) its wrapped texts need
    for cell in held_cells(ws):
        if not isinstance(cell.value, str) or cell.data_type == "f" or not (cell.alignment and cell.alignment.wrap_text):
            continue
        width = merged.get(cell.coordinate) or _cell_width(ws, cell)
        font = (cell.font.sz or 11) if cell.font else 11
        per_line = max(1.0, (width - 1) * 11 / font)
        needed = sum(max(1, math.ceil(styles.text_width(part) / per_line)) for part in cell.value.split("\n"))
        lines, size = rows.get(cell.row, (1, 11))
        rows[cell.row] = max(lines, needed), max(size, font)
    for r, (lines, size) in rows.items():
        if lines > 1 or size > 11:
            dims = ws.row_dimensions[r]
            dims.height = max(dims.height or 0, lines * LINE_HEIGHT * size / 11 + 3)


def setup_page(ws, config) -> None:
    """Page setup of one sheet from its layout and the office's paper (see the module docstring)."""
    header = title_rows(ws)
    last_column = ws.max_column
    live = live_column(ws, header) if header else None
    if live:
        last_column = live - 1
        ws.print_area = f"A1:{get_column_letter(last_column)}{ws.max_row}"
    elif header and (formulas_below(ws, typed := last_typed_row(ws)) or ws.print_area):  # set before: kept current
        ws.print_area = f"A1:{get_column_letter(last_column)}{max(header, typed)}"
    setup = ws.page_setup
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header:
        ws.print_title_rows = f"1:{header}"
    else:
        spread_lines(ws)
    width = printed_width(ws, last_column)
    setup.orientation = "landscape" if width > LANDSCAPE_FROM else "portrait"
    setup.paperSize = PAPER_SIZES[config["print"]["wide_paper"] if width * READABLE > A4_LANDSCAPE else "A4"]
    setup.fitToWidth, setup.fitToHeight = 1, 0
    fit_row_heights(ws)
    margins = ws.page_margins
    margins.left = margins.right = SIDE_MARGIN
    margins.top = margins.bottom = END_MARGIN
    margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.oddFooter.left.text, ws.oddFooter.right.text = "&A", FOOTER_PAGES
    ws.oddFooter.left.size = ws.oddFooter.right.size = 9


def setup_book(wb, config) -> None:
    """``setup_page`` on every visible sheet of ``wb``."""
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            setup_page(ws, config)
