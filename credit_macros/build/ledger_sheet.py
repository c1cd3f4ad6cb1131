"""The 事项台账 sheet: event-driven tasks with working-day limits (双公示 7, 异议核实 2, …).

Staff pick the 事项类型 (the ``[deadlines.event_workdays]`` of config.toml, listed in 日历) and
the 责任单位, describe the event, enter its 开始日期 and, later, its 完成日期. 期限 and 状态
are live formulas (``calendar_sheet``): 期限 = ``event_due`` (N working days after the start,
the start not counted); 状态 = ``deadlines.status`` with the 完成日期 as the done date (any
non-empty 完成日期 counts as done), ``（暂定）`` when the count touches a provisional year.
Row 1 is the 基准日期 row, row 2 the header, data from row 3; formulas are filled down
``MIN_ROWS`` rows, and ``credit-macros status`` extends them to the last row staff used.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from credit_macros import deadlines
from credit_macros.build import calendar_sheet as cs
from credit_macros.build import page, styles
from credit_macros.catalogue.sheets import LEDGER_SHEET
from credit_macros.errors import UserError

HEADER_ROW, FIRST_ROW = 2, 3
MIN_ROWS = 500
COLUMNS = [
    ("事项类型", 14, "从下拉列表选择事项类型；期限 = 开始日期之后第 N 个工作日（开始日期当日不计），N 见 config.toml 的 [deadlines.event_workdays]。"),
    ("责任单位", 36, "从下拉列表选择负责办理的成员单位。"),
    ("事项说明", 40, "简要说明事项，如行政决定文书号、异议编号、企业名称。"),
    ("开始日期", 12, "事项发生或收到之日，如 2026-09-28（当日不计入期限）。"),
    ("完成日期", 12, "办结之日；填写后状态为“已完成”。"),
    ("期限", 12, "自动计算，请勿填写：开始日期之后第 N 个工作日，节假日和调休按国家安排。"),
    ("状态", 16, "自动计算：已完成 / 逾期（红）/ 临近（黄）/ 未到期；“（暂定）”表示所涉年份放假安排尚未发布。"),
    ("备注", 30, "选填。"),
]
TYPE, UNIT, NOTE, START, DONE, DUE, STATUS, REMARK = (get_column_letter(i) for i in range(1, len(COLUMNS) + 1))
ERROR_TEXT = "无法计算：请检查事项类型和开始日期"


def _formulas(row: int, config) -> dict[str, str]:
    kind, start, due = f"{TYPE}{row}", f"INT({START}{row})", f"{DUE}{row}"
    blank = f'OR({kind}="",{START}{row}="")'
    status = cs.status_formula(due, f"{DONE}{row}", cs.touches_provisional(start, due), config, ERROR_TEXT)
    return {
        DUE: f'=IF({blank},"",{cs.add_workdays(start, cs.event_workdays(kind))})',
        STATUS: f'=IF({blank},"",{status})',
    }


def _input_columns() -> list[int]:
    return [c for c, (name, *_) in enumerate(COLUMNS, start=1) if get_column_letter(c) not in (DUE, STATUS)]


def last_used_row(ws) -> int:
    """The last row with anything staff typed (every column but 期限 and 状态)."""
    inputs = _input_columns()
    for row in range(ws.max_row, FIRST_ROW - 1, -1):
        if any(ws.cell(row, c).value not in (None, "") for c in inputs):
            return row
    return FIRST_ROW - 1


def _data_validation(letter: str, name: str, prompt: str, config, rows: str) -> DataValidation:
    sources = {TYPE: cs.event_list_source(config), UNIT: cs.unit_list_source()}
    if letter in sources:
        dv = DataValidation(type="list", formula1=sources[letter], error=f"请从下拉列表中选择“{name}”。")
    elif letter in (START, DONE):
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", error=f"“{name}”请填写日期，如 2026-09-28。")
    else:
        dv = DataValidation()
    dv.allow_blank, dv.showInputMessage, dv.promptTitle, dv.prompt = True, True, name, prompt
    dv.showErrorMessage, dv.errorTitle = dv.type is not None, "输入有误"
    dv.add(rows)
    return dv


def install(wb, config, index: int):
    """Create the sheet at position ``index`` or refresh an existing one; returns it."""
    ws = wb[LEDGER_SHEET] if LEDGER_SHEET in wb.sheetnames else wb.create_sheet(LEDGER_SHEET, index)
    if ws.cell(HEADER_ROW, 1).value not in (None, COLUMNS[0][0]):
        raise UserError(f"“{LEDGER_SHEET}”工作表第 {HEADER_ROW} 行 A 列应为表头“{COLUMNS[0][0]}”，该表结构已被改动，"
                        "请恢复表头后重试。")
    cs.write_as_of_row(ws)
    ws["D1"] = cs.as_of_formula()
    last = max(last_used_row(ws), FIRST_ROW + MIN_ROWS - 1)
    validations = [cs.as_of_validation()]
    header_rgb = config.color("header")
    for c, (name, width, prompt) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(c)
        styles.style_header(ws.cell(HEADER_ROW, c, name), header_rgb)
        ws.column_dimensions[letter].width = width
        validations.append(cs.header_prompt(f"{letter}{HEADER_ROW}", name, prompt))
        validations.append(_data_validation(letter, name, prompt, config, f"{letter}{FIRST_ROW}:{letter}{last}"))
    for row in range(FIRST_ROW, last + 1):
        for letter, formula in _formulas(row, config).items():
            ws[f"{letter}{row}"] = formula
        for letter in (START, DONE, DUE):
            ws[f"{letter}{row}"].number_format = styles.DATE_FORMAT
    styles.style_all((cell for row in ws.iter_rows(FIRST_ROW, last, 1, len(COLUMNS)) for cell in row), border=styles.BORDER)
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{REMARK}{last}"
    cs.replace_validations(ws, validations)
    cs.replace_status_colours(ws, f"A{FIRST_ROW}:{REMARK}{last}", f"${STATUS}{FIRST_ROW}", config)
    page.setup_page(ws, config)  # the print area follows the events typed so far
    return ws


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def events(ws, config, where: str) -> list[tuple[int, str, dt.date, bool]]:
    """(row, event type, start date, done) of every row with a type and a start date.

    A type not in config or a start that is not a date raises ``UserError`` naming the cell.
    """
    limits = config["deadlines"]["event_workdays"]
    found = []
    for row in range(FIRST_ROW, last_used_row(ws) + 1):
        kind, start = ws[f"{TYPE}{row}"].value, ws[f"{START}{row}"].value
        if kind in (None, "") or start in (None, ""):
            continue
        if kind not in limits:
            raise UserError(f"{where}“{LEDGER_SHEET}”第 {row} 行 {TYPE} 列（事项类型）“{kind}”不是可用的事项类型，"
                            f"请从下拉列表选择（{'、'.join(limits)}），或在 config.toml 的 [deadlines.event_workdays] 中添加。")
        if _date(start) is None:
            raise UserError(f"{where}“{LEDGER_SHEET}”第 {row} 行 {START} 列（开始日期）“{start}”不是日期，"
                            "请改为日期，如 2026-09-28。")
        found.append((row, kind, _date(start), ws[f"{DONE}{row}"].value not in (None, "")))
    return found


def cached_values(ws, as_of: dt.date, calendar, config, where: str = "") -> dict[str, object]:
    """Python's results for every formula cell of the sheet."""
    values: dict[str, object] = {"D1": as_of}
    for row in range(FIRST_ROW, ws.max_row + 1):
        if isinstance(ws[f"{DUE}{row}"].value, str) and ws[f"{DUE}{row}"].value.startswith("="):
            values[f"{DUE}{row}"] = values[f"{STATUS}{row}"] = ""
    for row, kind, start, done in events(ws, config, where):
        due, provisional = deadlines.event_due(kind, start, calendar, config)
        values[f"{DUE}{row}"] = due
        values[f"{STATUS}{row}"] = deadlines.row_status(due, provisional, done, as_of, calendar, config)
    return values
