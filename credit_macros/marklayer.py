"""The ribbon's marks in the live workbook (xlwings objects, no import of xlwings itself):
the mark layer, the 校验结果 sheet and bulk reads, shared by the buttons of ``excel``.

Marks are a layer, not a repaint: a hidden sheet ``_标记_<sheet>`` (``_到期_<sheet>`` for the
deadline colours) mirrors the flagged cells with a word (``错误`` / ``警告``, ``逾期`` …; a
trailing ``*`` says the note on the cell is ours), and one conditional-format rule per word on
the checked sheet colours a cell when its mirror cell starts with it. The user's own fills and
notes are never overwritten; clearing empties the mirror and deletes only our notes; the
workbook still shows the marks in Excel, WPS or LibreOffice without Python. Every function
reads or writes a sheet's block in one call.
"""

from __future__ import annotations

from credit_macros import deadlines
from credit_macros.catalogue.sheets import LAYER_PREFIX, RESULT_SHEET
from credit_macros.errors import UserError
from credit_macros.validate import ERROR, WARNING, Report
from credit_macros.validate.findings import SEVERITY_LABELS, is_our_results, result_rows
from credit_macros.validate.marks import marks_from, split_cell
from credit_macros.table import col_letter


def read_grid(sheet) -> list[list]:
    """The sheet's values from A1 to the end of its used range, in one call."""
    used = sheet.used_range
    last = used.last_cell
    if last.row == 1 and last.column == 1 and used.value in (None, ""):
        return [[None]]
    return sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value


def sheet_named(book, name: str):
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


def text_safe(value):
    """Text that Excel would take for a formula (= + - @) is written with a leading apostrophe,
    so it stays text: attachments are data, never code."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def layer_name(sheet: str, prefix: str = LAYER_PREFIX) -> str:
    return (prefix + sheet)[:31]


def layer_sheet(book, sheet, colours: dict[str, str], prefix: str = LAYER_PREFIX):
    """The hidden mirror sheet of ``sheet``, created with its conditional formats on first use.

    A cell of ``sheet`` takes the colour of the word its mirror cell starts with.
    """
    layer = sheet_named(book, layer_name(sheet.name, prefix))
    if layer is None:
        layer = book.sheets.add(layer_name(sheet.name, prefix), after=book.sheets[len(book.sheets) - 1])
        layer.visible = False
        whole = sheet.range((1, 1), (1048576, 16384))
        for word, colour in colours.items():
            whole.conditional_formats.add_custom(
                f"=LEFT('{layer.name}'!A1,{len(word)})=\"{word}\"", fill_color=f"#{colour}")
    return layer


def write_layer(book, sheet, cells: dict[str, str], colours: dict[str, str], prefix: str = LAYER_PREFIX) -> None:
    """Write ``cells`` (address → word) into the mirror of ``sheet`` in one call."""
    if not cells:
        return
    positions = {cell: split_cell(cell) for cell in cells}
    height = max(r for r, _ in positions.values())
    width = max(c for _, c in positions.values()) + 1
    mirror = [[None] * width for _ in range(height)]
    for cell, (row, col) in positions.items():
        mirror[row - 1][col] = cells[cell]
    layer_sheet(book, sheet, colours, prefix).range((1, 1), (height, width)).value = mirror


def clear_layer(book, name: str, prefix: str = LAYER_PREFIX) -> tuple[int, set[str]]:
    """Empty the mirror of sheet ``name`` and delete the notes we added.

    Returns the number of marks removed and the cells whose (our) notes were deleted.
    """
    layer = sheet_named(book, layer_name(name, prefix))
    if layer is None:
        return 0, set()
    grid = read_grid(layer)
    sheet = book.sheets[name]
    removed, deleted = 0, set()
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row):
            if value:
                removed += 1
                if str(value).endswith("*"):
                    cell = f"{col_letter(c)}{r}"
                    sheet.range(cell).note.delete()
                    deleted.add(cell)
    layer.range((1, 1), (len(grid), len(grid[0]))).clear_contents()
    return removed, deleted


def severity_colours(config) -> dict[str, str]:
    return {SEVERITY_LABELS[ERROR]: config.color("error"), SEVERITY_LABELS[WARNING]: config.color("warning")}


def due_colours(config) -> dict[str, str]:
    return {deadlines.OVERDUE: config.color("overdue"), deadlines.DUE_SOON: config.color("due_soon"),
            deadlines.DONE: config.color("done")}


def paint(book, report: Report, config, freed: dict[str, set[str]]) -> None:
    by_sheet: dict[str, list] = {}
    for mark in marks_from(report.findings):
        by_sheet.setdefault(mark.sheet, []).append(mark)
    for name, marks in by_sheet.items():
        sheet = book.sheets[name]
        cells = {}
        for mark in marks:
            # a cell with a note of the user's keeps it; the message is in 校验结果
            ours = mark.cell in freed.get(name, set()) or sheet.range(mark.cell).note is None
            if ours:
                sheet.range(mark.cell).add_note(mark.note)
            cells[mark.cell] = SEVERITY_LABELS[mark.severity] + ("*" if ours else "")
        write_layer(book, sheet, cells, severity_colours(config))


def our_results(book):
    """The 校验结果 sheet we wrote, or None; a user's own sheet of that name stops the check."""
    sheet = sheet_named(book, RESULT_SHEET)
    if sheet is not None and not is_our_results(sheet.range("A1").value):
        raise UserError(f"工作簿 {book.name} 中已有名为「{RESULT_SHEET}」的工作表，但不是信用台账助手生成的"
                        f"（A1 不是校验结果的标题）。为免覆盖您的内容，没有校验：请把该表改名后再点“校验”。")
    return sheet


def write_results(book, report: Report) -> None:
    """The 校验结果 sheet (``result_rows``, as the file adapter writes it), in one call; the cell
    addresses become HYPERLINK formulas."""
    sheet = our_results(book)
    if sheet is None:
        sheet = book.sheets.add(RESULT_SHEET, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.clear_contents()
    rows, first = result_rows(report)
    width = max(len(r) for r in rows)
    grid = [[text_safe(v) for v in r] + [None] * (width - len(r)) for r in rows]
    for row, f in zip(grid[first:], report.findings):
        sheet_ref = f.sheet.replace("'", "''").replace('"', '""')  # data inside our formula stays a name
        row[2] = f"=HYPERLINK(\"#'{sheet_ref}'!{f.cell}\",\"{f.cell}\")"
    sheet.range("A1").value = grid


def delete_results(book) -> bool:
    """Delete our 校验结果 sheet; True when a sheet of that name is the user's and was kept."""
    sheet = sheet_named(book, RESULT_SHEET)
    if sheet is not None and is_our_results(sheet.range("A1").value):
        sheet.delete()
        return False
    return sheet is not None
