"""The office's own sheets in the master (openpyxl adapter): 报送情况, 收文记录, 退回修改, 历史版本.

``add_office_sheets`` lays them out empty when the master is built; ``collect`` appends to them
(``io.collect_master``) and ``refresh_submissions`` rewrites 报送情况 from the core's
``submissions.submission_rows``. The status words are coloured by conditional formatting on
the text, so a clerk who types a status or a 收到时间 by hand sees the colour in Excel/WPS too:
按时 ``colors.done``, 逾期 ``colors.warning``, 未报 ``colors.overdue``.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from credit_macros.build import styles
from credit_macros.build.cells import put_rows, sheet_grid
from credit_macros.catalogue.rules import column_widths
from credit_macros.catalogue.sheets import (
    FINDINGS_HEADERS,
    FINDINGS_SHEET,
    HISTORY_HEADERS,
    HISTORY_SHEET,
    RECEIPT_HEADERS,
    RECEIPTS_SHEET,
    STATUS_HEADERS,
    STATUS_SHEET,
)
from credit_macros.submissions import LATE, MISSING, ON_TIME, status_grid, submission_rows
from credit_macros.workdays import Calendar

STATUS_COLORS = {ON_TIME: "done", LATE: "warning", MISSING: "overdue"}
DATE_COLUMNS = {"期限": styles.DATE_FORMAT, "收到时间": styles.DATETIME_FORMAT, "移入时间": styles.DATETIME_FORMAT}
HISTORY_NOTE = "H 列起依次为该模板的各列（与模板工作表的列顺序相同），需要恢复时可整行复制回模板工作表。"


def _headers(ws, headers, config, widths: dict[str, int] | None = None) -> None:
    for c, name in enumerate(headers, start=1):
        styles.style_header(ws.cell(1, c, name), config.color("header"))
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = (widths or {}).get(name, styles.header_width(name, minimum=12))
        if name in DATE_COLUMNS:
            ws.column_dimensions[letter].number_format = DATE_COLUMNS[name]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def _status_formats(ws, config) -> None:
    column = get_column_letter(STATUS_HEADERS.index("状态") + 1)
    for word, color in STATUS_COLORS.items():
        ws.conditional_formatting.add(f"{column}2:{column}1048576",
                                      CellIsRule(operator="equal", formula=[f'"{word}"'], fill=styles.fill(config.color(color))))
    received = get_column_letter(STATUS_HEADERS.index("收到时间") + 1)
    help_dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="收到时间",
                             prompt="月度模板由“汇总”自动填写；季度事项（案例、名单、情况说明）收到后请在此填写收到日期，"
                                    "如 2026-03-28，刷新后状态随之更新。")
    help_dv.add(f"{received}2:{received}1048576")
    ws.add_data_validation(help_dv)


def add_office_sheets(wb, config) -> None:
    """Empty 报送情况, 收文记录, 退回修改 and 历史版本 sheets with headers, formats and colours.

    Sheets the workbook already has are left alone, so an older master gains the missing ones.
    """
    if STATUS_SHEET not in wb.sheetnames:
        status = wb.create_sheet(STATUS_SHEET)
        _headers(status, STATUS_HEADERS, config, {"成员单位": 36, "报送事项": 28, "收到时间": 18, "来源文件": 36})
        _status_formats(status, config)
    if RECEIPTS_SHEET not in wb.sheetnames:
        _headers(wb.create_sheet(RECEIPTS_SHEET), RECEIPT_HEADERS, config,
                 {"收到时间": 18, "单位": 30, "来源文件": 36, "来源": 40, "内容哈希": 20, "说明": 60})
    if FINDINGS_SHEET not in wb.sheetnames:
        _headers(wb.create_sheet(FINDINGS_SHEET), FINDINGS_HEADERS, config,
                 {"单位": 30, "来源文件": 36, "内容哈希": 20, "问题": 80, **column_widths()})
    if HISTORY_SHEET not in wb.sheetnames:
        history = wb.create_sheet(HISTORY_SHEET)
        _headers(history, HISTORY_HEADERS, config,
                 {"来源单位": 30, "来源文件": 36, "收到时间": 18, "移入时间": 18, "替换为": 36})
        history.cell(1, len(HISTORY_HEADERS) + 1, HISTORY_NOTE).font = Font(italic=True, color="808080")


def grids_of(wb, names) -> dict[str, list[list]]:
    return {name: sheet_grid(wb[name]) for name in names if name in wb.sheetnames}


def write_status(ws, grid: list[list]) -> None:
    """Replace the 报送情况 rows (row 2 on) with ``grid[1:]``."""
    if ws.max_row > 1:
        ws.delete_rows(2, ws.max_row - 1)
    put_rows(ws, 2, grid[1:])
    formats = {c: DATE_COLUMNS[name] for c, name in enumerate(STATUS_HEADERS, start=1) if name in DATE_COLUMNS}
    for r in range(2, len(grid) + 1):
        for c, number_format in formats.items():
            ws.cell(r, c).number_format = number_format


def refresh_submissions(workbook, as_of: dt.date, config) -> list:
    """Recompute the 报送情况 sheet of an open master (openpyxl ``Workbook``) as of ``as_of``.

    Reads 收文记录 and the hand-typed 收到时间 of 报送情况, rewrites 报送情况 (the sheet is added
    if an older master lacks it) and returns the ``SubmissionRow`` list. The caller saves.
    """
    add_office_sheets(workbook, config)
    rows = submission_rows(grids_of(workbook, (RECEIPTS_SHEET, STATUS_SHEET)), as_of, Calendar.from_config(config), config)
    write_status(workbook[STATUS_SHEET], status_grid(rows))
    return rows
