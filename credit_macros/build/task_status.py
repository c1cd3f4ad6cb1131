"""The status columns of the 重点任务 sheet: 周期, 本期期限, 完成, 状态.

Layout: row 1 is the 基准日期 row (``calendar_sheet``), row 2 the header (编号 … 完成时限, then
the four status columns), one row per 具体措施 from row 3. Formulas are written per row from
the task whose 编号 is in column A, so sorting or filtering the rows keeps them right.

The current period of a task is decided in the core (``credit_macros.tasks.task_period``, where
the rule is told); the formulas here compute the same in the workbook.

完成: a drop-down with "✓". It means "the period shown in 本期期限 is done" (状态 已完成,
green). For recurring tasks staff clear the tick when the next period starts (the 本期期限
moves on); any non-empty value counts as ticked, in the formulas and in Python alike.

The formulas mirror ``task_period`` exactly (see ``tests/test_workbook_formulas_lo.py``):
monthly = the configured day of the as-of month rolled via 日历 (顺延, if configured), or next
month's when that is before the as-of date; monthly_end = ``EOMONTH(as_of,0)``; quarterly =
``EOMONTH(as_of,MOD(-MONTH(as_of),3))``; yearly = this year's date, or next year's when past;
one-off dates are constants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink

from credit_macros import deadlines
from credit_macros.build import calendar_sheet as cs
from credit_macros.build import styles
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue.sheets import KEY_TASK_HEADER_ROW, KEY_TASK_SHEET, LEDGER_SHEET
from credit_macros.errors import UserError
from credit_macros.tasks import one_off_dates, recurring_rules, task_period, task_status

HEADER_ROW, FIRST_ROW = KEY_TASK_HEADER_ROW, KEY_TASK_HEADER_ROW + 1
ID_HEADER = "编号"
COLUMNS = [("周期", 8), ("本期期限", 12), ("完成", 6), ("状态", 14)]
TICK = "✓"
EVENT_LINK = f"'{LEDGER_SHEET}'!A1"
ERROR_TEXT = "超出日历范围，请运行 credit-macros status 更新日历"
PROMPTS = {
    "周期": f"本期期限所属的周期：每月 / 每季 / 每年 / 一次性；持续 = 持续推进，无期限；事项 = 按事项计算期限，见“{LEDGER_SHEET}”。",
    "本期期限": "当前要完成的一期的期限（按第1行的计算日期；每月报送日遇节假日顺延）。",
    "完成": f"本期完成后从下拉列表选择“{TICK}”，状态变为“已完成”；下一期开始（本期期限变化）后请清空。",
    "状态": "已完成 / 逾期（红）/ 临近（黄，距期限不足设定的工作日数）/ 未到期；“（暂定）”表示期限所在年份的放假安排尚未发布。",
}


@dataclass(frozen=True)
class Columns:
    cycle: str
    due: str
    done: str
    status: str


# ----------------------------------------------------------------------------- formulas
def _day_in_month(year: str, month: str, day: int) -> str:
    """DATE(year, month, day), the day clamped to the month's length when it may not exist."""
    if day <= 28:
        return f"DATE({year},{month},{day})"
    return f"DATE({year},{month},MIN({day},DAY(EOMONTH(DATE({year},{month},1),0))))"


def _recurring_formula(rule, due_cell: str, config) -> tuple[str, str]:
    """(due date expression, provisional expression given the chosen due in ``due_cell``)."""
    a = cs.AS_OF
    if rule.kind == "monthly":
        day = config["deadlines"]["monthly_due_day"]
        nominal = [_day_in_month(f"YEAR({a})", f"MONTH({a}){k}", day) for k in ("", "+1")]
        if not config["deadlines"]["roll_to_workday"]:
            return f"IF({a}<={nominal[0]},{nominal[0]},{nominal[1]})", "FALSE"
        this, following = cs.roll(nominal[0]), cs.roll(nominal[1])
        chosen_nominal = f"IF({a}<={this},{nominal[0]},{nominal[1]})"
        return f"IF({a}<={this},{this},{following})", cs.touches_provisional(chosen_nominal, due_cell)
    if rule.kind == "monthly_end":
        return f"EOMONTH({a},0)", "FALSE"
    if rule.kind == "quarterly":
        return f"EOMONTH({a},MOD(-MONTH({a}),3))", "FALSE"
    month, day = (rule.month, rule.day) if rule.month and rule.day else (12, 31)
    this, following = (_day_in_month(f"YEAR({a}){k}", str(month), day) for k in ("", "+1"))
    return f"IF({a}<={this},{this},{following})", "FALSE"


def _pick(due_cell: str, dates: list[dt.date], recurring: list[str], one_off_value: str, values: list[str]) -> str:
    """The value belonging to the chosen period: ``one_off_value`` when the due date is one of
    ``dates``, else ``values[i]`` of the first recurring due date equal to it."""
    expr = values[-1]
    for due, value in zip(reversed(recurring[:-1]), reversed(values[:-1])):
        expr = f"IF({due_cell}={due},{value},{expr})"
    if dates:
        tests = ",".join(f"{due_cell}={cs.date_constant(d)}" for d in dates)
        expr = f"IF(OR({tests}),{one_off_value},{expr})"
    return expr


def row_cells(task, row: int, cols: Columns, config) -> dict[str, object]:
    """Values and formulas of the 周期 / 本期期限 / 状态 cells of ``task`` on ``row``."""
    due_cell, a = f"{cols.due}{row}", cs.AS_OF
    dates = one_off_dates(task)
    rules = recurring_rules(task)
    formulas = [_recurring_formula(rule, due_cell, config) for rule in rules]
    recurring = [due for due, _ in formulas]
    cycles = [f'"{deadlines.CYCLES[rule.kind]}"' for rule in rules]
    constants = [cs.date_constant(d) for d in dates]
    if not rules and not dates:
        kind = "event" if any(rule.kind == "event" for rule in task.rules) else "continuous"
        cycle, due, provisional = deadlines.CYCLES[kind], None, "FALSE"
    elif not rules:
        cycle, provisional = deadlines.CYCLES["fixed"], "FALSE"
        due = dates[0]
        if len(dates) > 1:
            due = "=" + "".join(f"IF({a}<={c},{c}," for c in constants[:-1]) + constants[-1] + ")" * (len(dates) - 1)
    else:
        latest = recurring[0] if len(recurring) == 1 else f"MIN({','.join(recurring)})"
        due = "=" + "".join(f"IF(AND({a}<={c},{c}<={latest}),{c}," for c in constants) + latest + ")" * len(dates)
        cycle = _pick(due_cell, dates, recurring, '"一次性"', cycles)
        cycle = cycle.strip('"') if cycle.startswith('"') else "=" + cycle
        flags = [p for _, p in formulas]
        provisional = "FALSE" if set(flags) == {"FALSE"} else _pick(due_cell, dates, recurring, "FALSE", flags)
    status = "=" + cs.status_formula(due_cell, f"{cols.done}{row}", provisional, config, ERROR_TEXT)
    return {cols.cycle: cycle, cols.due: due, cols.status: status}


# ----------------------------------------------------------------------------- the sheet
def columns(ws) -> Columns:
    """Where the status columns are (appended after the last header when missing)."""
    headers = {ws.cell(HEADER_ROW, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(HEADER_ROW, c).value}
    if all(name in headers for name, _ in COLUMNS):
        return Columns(*(get_column_letter(headers[name]) for name, _ in COLUMNS))
    start = max(headers.values()) + 1
    return Columns(*(get_column_letter(start + i) for i in range(len(COLUMNS))))


def _layout(ws, where: str) -> None:
    """Bring an older 重点任务 sheet (header in row 1) to the current layout; refuse other sheets."""
    if ws["A1"].value == ID_HEADER:
        ws.insert_rows(1)
    elif ws.cell(HEADER_ROW, 1).value != ID_HEADER:
        raise UserError(f"{where}的“{KEY_TASK_SHEET}”工作表第 {HEADER_ROW} 行 A 列应为表头“{ID_HEADER}”，"
                        "该表结构已被改动。请用 credit-macros build 重新生成的总台账，或恢复表头后重试。")


def task_rows(ws) -> dict[int, tasklib.KeyTask]:
    """{row: task} for the rows whose 编号 is a task of the catalogue (others are left alone)."""
    by_id = {task.id: task for task in tasklib.key_tasks()}
    return {r: by_id[ws.cell(r, 1).value] for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value in by_id}


def install(ws, config, where: str = "") -> None:
    """Add or refresh the status columns, formulas, drop-down and colours."""
    _layout(ws, where)
    cs.write_as_of_row(ws)
    ws["D1"] = cs.as_of_formula()
    cols = columns(ws)
    header_rgb = config.color("header")
    for (name, width), letter in zip(COLUMNS, (cols.cycle, cols.due, cols.done, cols.status)):
        styles.style_header(ws[f"{letter}{HEADER_ROW}"], header_rgb)
        ws[f"{letter}{HEADER_ROW}"] = name
        ws.column_dimensions[letter].width = width
    rows = task_rows(ws)
    for row, task in rows.items():
        for letter, value in row_cells(task, row, cols, config).items():
            cell = ws[f"{letter}{row}"]
            cell.value = value
            cell.border, cell.alignment = styles.BORDER, styles.WRAP_TOP
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=EVENT_LINK) if value == deadlines.CYCLES["event"] else None
        ws[f"{cols.due}{row}"].number_format = styles.DATE_FORMAT
        ws[f"{cols.done}{row}"].border = styles.BORDER
        ws[f"{cols.done}{row}"].alignment = styles.CENTER
    last_row = max(rows, default=HEADER_ROW)
    last_col = max(ws.max_column, 1)
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(last_col)}{last_row}"
    tick = DataValidation(type="list", formula1=f'"{TICK}"', allow_blank=True, showErrorMessage=True,
                          errorTitle="输入有误", error=f"完成请从下拉列表选择“{TICK}”；未完成请留空。",
                          showInputMessage=True, promptTitle="完成", prompt=PROMPTS["完成"])
    tick.add(f"{cols.done}{FIRST_ROW}:{cols.done}{last_row}")
    validations = [cs.as_of_validation(), tick] + [
        cs.header_prompt(f"{letter}{HEADER_ROW}", name, PROMPTS[name])
        for (name, _), letter in zip(COLUMNS, (cols.cycle, cols.due, cols.done, cols.status))
    ]
    cs.replace_validations(ws, validations)
    cs.replace_status_colours(ws, f"A{FIRST_ROW}:{cols.status}{last_row}", f"${cols.status}{FIRST_ROW}", config)


def cached_values(ws, as_of: dt.date, calendar, config) -> dict[str, object]:
    """Python's results for every formula cell of the sheet."""
    cols = columns(ws)
    values: dict[str, object] = {"D1": as_of}
    for row, task in task_rows(ws).items():
        period = task_period(task, as_of, calendar, config)
        ticked = ws[f"{cols.done}{row}"].value not in (None, "")
        computed = {cols.cycle: period.cycle, cols.due: period.due if period.due else "",
                    cols.status: task_status(period, ticked, as_of, calendar, config)}
        for letter, value in computed.items():
            if isinstance(ws[f"{letter}{row}"].value, str) and ws[f"{letter}{row}"].value.startswith("="):
                values[f"{letter}{row}"] = value
    return values
