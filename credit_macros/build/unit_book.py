"""The workbook ``split`` hands a member unit each month (openpyxl adapter).

One sheet per template the unit reports (``catalogue.tasks.unit_templates``), laid out by
``write_template_sheet`` exactly as in the master, headers locked and the data columns unlocked
(sheet protection without a password: 审阅 → 撤销工作表保护 removes it; data entry, sorting,
filtering, inserting and deleting rows stay allowed). A visible 报送信息 sheet names the unit,
the period, the due date and how to submit; the very hidden ``_报送信息`` sheet carries the same
keys (单位, 报送期, 模板版本) for ``collect`` — a very hidden sheet survives Excel and WPS
round trips, where custom document properties are sometimes dropped.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter

from credit_macros import catalogue
from credit_macros.build import live_check, page, styles
from credit_macros.build.cells import put
from credit_macros.build.master import guide_lines
from credit_macros.build.template_sheet import ListSheet, write_template_sheet
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import META_SHEET, META_VISIBLE_SHEET
from credit_macros.collect import template_version
from credit_macros.deadlines import monthly_due
from credit_macros.safeio import outputs
from credit_macros.submissions import parse_month
from credit_macros.workdays import Calendar, describe

UNLOCKED = Protection(locked=False)


def unit_book_name(unit: str, period: str) -> str:
    """File name carrying the unit's short name and the period (collect reads both back)."""
    return f"{unitlib.by_name(unit).short}_{period}_信用信息报送.xlsx"


def protect(ws, template: catalogue.Template) -> None:
    """Lock the header rows, leave the template's data columns open for entry."""
    for c in range(1, len(template.columns) + 1):
        ws.column_dimensions[get_column_letter(c)].protection = UNLOCKED
    rules = ws.protection
    rules.sheet = True
    for allowed in ("formatCells", "formatColumns", "formatRows", "insertRows", "deleteRows", "sort", "autoFilter"):
        setattr(rules, allowed, False)  # False = the user may do it while the sheet is protected


def metadata_rows(unit: str, period: str, config) -> list[tuple[str, str]]:
    year, month = parse_month(period)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    due, _ = monthly_due(*nxt, Calendar.from_config(config), config)
    return [("单位", unit), ("报送期", period), ("模板版本", template_version()), ("报送期限", describe(due))]


def build_unit_book(unit: str, period: str, config, live_rows: int = live_check.UNIT_ROWS) -> Workbook | None:
    """The unit's workbook for ``period`` ("YYYY-MM"), or None when the unit reports no template;
    the live check layer on each template sheet's first ``live_rows`` rows (0: none)."""
    keys = tasklib.unit_templates(unit)
    if not keys:
        return None
    wb = Workbook()
    info = wb.active
    info.title = META_VISIBLE_SHEET
    rows = metadata_rows(unit, period, config)
    put(info, 1, 1, f"{config['office']['district']}社会信用信息报送表").font = styles.TITLE_FONT
    for r, (key, value) in enumerate(rows, start=3):
        info.cell(r, 1, key).font = styles.HEADER_FONT
        put(info, r, 2, value).number_format = styles.TEXT_FORMAT
    info.cell(len(rows) + 3, 1, "报送内容").font = styles.HEADER_FONT
    put(info, len(rows) + 3, 2, "、".join(catalogue.template(k).label for k in keys))
    info.column_dimensions["A"].width = 16  # 信用修复告知书 on one line
    info.column_dimensions["B"].width = 82  # with the summary's C: within A4 portrait
    info.protection.sheet = True
    lists = ListSheet(wb)
    problems = {}
    for key in keys:
        template = catalogue.template(key)
        ws = wb.create_sheet(template.sheet)
        first = write_template_sheet(ws, template, config, lists, unit=unit)
        if live_rows:
            problems[template.sheet] = live_check.add_live_layer(ws, template, config, lists.ranges, first, live_rows)
        protect(ws, template)
    below = live_check.write_summary(info, len(rows) + 5, problems, live_rows) if live_rows else len(rows) + 4
    for r, line in enumerate(guide_lines(config)[1:], start=below + 1):
        put(info, r, 1, line).alignment = styles.WRAP_TOP
    meta = wb.create_sheet(META_SHEET)
    for r, (key, value) in enumerate(rows, start=1):
        put(meta, r, 1, key)
        put(meta, r, 2, value).number_format = styles.TEXT_FORMAT
    meta.sheet_state = "veryHidden"
    wb.move_sheet(lists.sheet, offset=len(wb.sheetnames))
    wb.active = 1
    page.setup_book(wb, config)
    return wb


def write_unit_books(period: str, out: Path, config) -> tuple[list[tuple[str, Path]], list[str]]:
    """Write the units' workbooks into ``out`` (all or none); returns ((unit, path) written, units
    without templates)."""
    written, skipped = [], []
    with outputs() as books:
        for unit in unitlib.all_units():
            book = build_unit_book(unit.name, period, config)
            if book is None:
                skipped.append(unit.name)
                continue
            path = out / unit_book_name(unit.name, period)
            books.write(path, book.save, backup=False)
            written.append((unit.name, path))
    return written, skipped
