"""The hidden 日历 sheet and the formula vocabulary that computes deadlines over it.

Deadlines in the master workbook are live formulas, so they keep working in Excel, WPS and
LibreOffice without Python. They look dates up in the hidden sheet ``日历``, written from
``Calendar.index_table`` (see ``credit_macros.workdays`` for the working-day index):

=====  ===================  ==========================================================
col    header               content
=====  ===================  ==========================================================
A      日期                 every date from 1 January of the first year to 31 December of the last
B      工作日序号           working days from the first date up to and including this date
C      工作日               1 = working day, 0 = day off
D      暂定                 1 = the year's holiday notice is not known (provisional)
E      暂定累计             running count of column D (for "does a span touch a provisional day")
F      顺延至               this date if it is a working day, else the next working day (顺延)
H:I    事项类型 / 工作日数  ``[deadlines.event_workdays]`` of config.toml (the 事项台账 drop-down)
K      成员单位             the 21 member units (the 事项台账 drop-down)
=====  ===================  ==========================================================

Years: ``default_years`` = the plan year − 1 to this year + 2 — as-of dates up to the end of
next year, whose due dates may fall in the year after. ``credit-macros status`` widens the span
when a date outside it is used and rewrites the sheet from the current config, so a holiday
notice added to config.toml reaches the workbook. The committed master has to be rebuilt once a
year (tests/test_build.py notices).

Formulas (Excel syntax, whole-column references so the sheet may grow):

* working-day index of x: ``VLOOKUP(x,'日历'!$A:$B,2,FALSE)``
* N working days after x (x not counted; N = 0 rolls to a working day), as
  ``Calendar.add_workdays``: ``INDEX('日历'!$A:$A,MATCH(idx(x)+N+(N=0)*(1-工作日(x)),'日历'!$B:$B,0))``
* a span from a to b touches a provisional day (``Calendar.touches_provisional``, a ≤ b):
  ``暂定累计(b)-暂定累计(a)+暂定(a)>0``
* status (``deadlines.status``): 已完成 when done; 未到期 without a due date; 逾期 after the due
  date; 临近 when ``idx(due)-idx(as_of) <= [deadlines] due_soon_workdays``; else 未到期.
  A due date that depends on a provisional year adds ``（暂定）`` to the word ("逾期（暂定）";
  never to 已完成), as ``deadlines.status_text`` does in Python. Colours are conditional formats on the
  first two characters of the status cell.

The as-of date (基准日期): each sheet with deadlines has a row above its table — A1 "基准日期",
B1 the date typed by staff or written by ``credit-macros status --as-of`` (empty = today),
C1 "计算日期", D1 ``=IF(B1="",TODAY(),INT(B1))``, the date every formula of the sheet uses.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet.datavalidation import DataValidation

from credit_macros import deadlines
from credit_macros.build import styles
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import CALENDAR_HEADERS, CALENDAR_SHEET, EVENT_HEADERS, UNIT_LIST_HEADER

REF = f"'{CALENDAR_SHEET}'!"
EVENT_COL, EVENT_DAYS_COL, UNIT_COL = 8, 9, 11

AS_OF_INPUT = "B1"
AS_OF = "$D$1"
AS_OF_PROMPT = ("留空 = 按今天计算期限和状态；填入日期则按该日计算（credit-macros status --as-of 日期 会写入此格，"
                "不带 --as-of 运行则清空）。")


# ----------------------------------------------------------------------------- the sheet
def default_years(config, today: dt.date | None = None) -> tuple[int, int]:
    """(first, last) year of the 日历 sheet a build on ``today`` (default: the real today) writes."""
    return config["office"]["plan_year"] - 1, (today or dt.date.today()).year + 2


def sheet_years(wb) -> tuple[int, int] | None:
    """(first, last) year listed in the workbook's 日历 sheet, or ``None`` when it has none."""
    if CALENDAR_SHEET not in wb.sheetnames:
        return None
    ws = wb[CALENDAR_SHEET]
    first, last = ws.cell(2, 1).value, ws.cell(ws.max_row, 1).value
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return None
    return first.year, last.year


def sheet_values(calendar, config, first_year: int, last_year: int) -> list[list]:
    """The 日历 sheet's values from A1 (see the module docstring for the columns).

    The file adapter (``write_sheet``) and the ribbon (``excel.refresh_status``) write the same.
    """
    rows = calendar.index_table(first_year, last_year)
    rolled, _ = calendar.add_workdays_many([day for day, *_ in rows], 0)
    width = UNIT_COL
    grid = [[None] * width for _ in range(len(rows) + 1)]
    grid[0][: len(CALENDAR_HEADERS)] = CALENDAR_HEADERS
    provisional_count = 0
    for r, ((day, index, workday, provisional), roll) in enumerate(zip(rows, rolled.tolist()), start=1):
        provisional_count += provisional
        grid[r][: len(CALENDAR_HEADERS)] = (day, index, int(workday), int(provisional), provisional_count, roll)
    grid[0][EVENT_COL - 1], grid[0][EVENT_DAYS_COL - 1] = EVENT_HEADERS
    for r, (event, workdays) in enumerate(config["deadlines"]["event_workdays"].items(), start=1):
        grid[r][EVENT_COL - 1], grid[r][EVENT_DAYS_COL - 1] = event, workdays
    grid[0][UNIT_COL - 1] = UNIT_LIST_HEADER
    for r, name in enumerate(unitlib.names(), start=1):
        grid[r][UNIT_COL - 1] = name
    return grid


def write_sheet(wb, calendar, config, first_year: int, last_year: int):
    """(Re)write the hidden 日历 sheet for ``first_year``..``last_year``; returns it."""
    if CALENDAR_SHEET in wb.sheetnames:
        ws = wb[CALENDAR_SHEET]
        ws.delete_rows(1, ws.max_row)
    else:
        ws = wb.create_sheet(CALENDAR_SHEET)
    ws.sheet_state = "hidden"
    for r, row in enumerate(sheet_values(calendar, config, first_year, last_year), start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
        if r > 1 and row[0] is not None:
            ws.cell(r, 1).number_format = ws.cell(r, 6).number_format = styles.DATE_FORMAT
    for c in (1, 2, 3, 4, 5, 6, EVENT_COL, EVENT_DAYS_COL, UNIT_COL):
        if ws.cell(1, c).value:
            ws.cell(1, c).font = styles.HEADER_FONT
    for letter, width in (("A", 12), ("F", 12), ("H", 14), ("K", 40)):
        ws.column_dimensions[letter].width = width
    return ws


def event_list_source(config) -> str:
    """Data-validation source of the event types (column H of 日历), written as Excel writes a
    list source: a reference without a leading "="."""
    return f"{REF}$H$2:$H${len(config['deadlines']['event_workdays']) + 1}"


def unit_list_source() -> str:
    return f"{REF}$K$2:$K${len(unitlib.names()) + 1}"


# ----------------------------------------------------------------------------- formula pieces
def _lookup(x: str, column: int) -> str:
    last = "ABCDEF"[column - 1]
    return f"VLOOKUP({x},{REF}$A:${last},{column},FALSE)"


def idx(x: str) -> str:
    """Working-day index of the date ``x``."""
    return _lookup(x, 2)


def roll(x: str) -> str:
    """``x`` if it is a working day, else the next working day (``Calendar.add_workdays(x, 0)``)."""
    return _lookup(x, 6)


def add_workdays(x: str, n: str) -> str:
    """The ``n``-th working day after ``x`` (``Calendar.add_workdays``)."""
    return f"INDEX({REF}$A:$A,MATCH({idx(x)}+{n}+({n}=0)*(1-{_lookup(x, 3)}),{REF}$B:$B,0))"


def touches_provisional(a: str, b: str) -> str:
    """Whether a day from ``a`` to ``b`` (a ≤ b) is provisional (``Calendar.touches_provisional``)."""
    return f"{_lookup(b, 5)}-{_lookup(a, 5)}+{_lookup(a, 4)}>0"


def event_workdays(event: str) -> str:
    return f"VLOOKUP({event},{REF}$H:$I,2,FALSE)"


def date_constant(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def status_formula(due: str, done: str, provisional: str, config, error_text: str) -> str:
    """The status word of a row (see the module docstring); ``done`` is the cell staff fill when done."""
    n = config["deadlines"]["due_soon_workdays"]
    word = (f'IF({AS_OF}>{due},"{deadlines.OVERDUE}",IF({idx(due)}-{idx(AS_OF)}<={n},'
            f'"{deadlines.DUE_SOON}","{deadlines.NOT_DUE}"))')
    mark = f'IF({provisional},"{deadlines.PROVISIONAL_MARK}","")' if provisional != "FALSE" else None
    open_word = f"{word}&{mark}" if mark else word
    return (f'IFERROR(IF({done}<>"","{deadlines.DONE}",IF({due}="","{deadlines.NOT_DUE}",{open_word})),'
            f'"{error_text}")')


# ----------------------------------------------------------------------------- shared sheet parts
def write_as_of_row(ws) -> None:
    """The 基准日期 row above a table with deadlines (see the module docstring)."""
    ws["A1"] = "基准日期"
    ws["A1"].font = styles.HEADER_FONT
    ws[AS_OF_INPUT].number_format = styles.DATE_FORMAT
    ws[AS_OF_INPUT].border = styles.BORDER
    ws["C1"] = "计算日期"
    ws["C1"].font = styles.HEADER_FONT
    ws["D1"].number_format = styles.DATE_FORMAT


def as_of_formula() -> str:
    return f'=IF({AS_OF_INPUT}="",TODAY(),INT({AS_OF_INPUT}))'


def as_of_validation() -> DataValidation:
    dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                        showInputMessage=True, showErrorMessage=True, promptTitle="基准日期", prompt=AS_OF_PROMPT,
                        errorTitle="输入有误", error="基准日期请填写日期，如 2026-10-08；留空则按今天计算。")
    dv.add(AS_OF_INPUT)
    return dv


def header_prompt(cell: str, title: str, prompt: str) -> DataValidation:
    """Input help shown when staff select a header cell (as on the template sheets)."""
    dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title, prompt=prompt)
    dv.add(cell)
    return dv


def replace_validations(ws, validations: list[DataValidation]) -> None:
    """Add ``validations`` to ``ws``, dropping earlier ones with the same prompt title (ours, from a
    previous build or status run), so rerunning never piles them up."""
    titles = {dv.promptTitle for dv in validations}
    kept = [dv for dv in ws.data_validations.dataValidation if dv.promptTitle not in titles]
    ws.data_validations.dataValidation = kept + validations


def replace_status_colours(ws, cells: str, status_cell: str, config) -> None:
    """Colour the rows of ``cells`` by the status word in ``status_cell`` (relative to the first
    row), replacing the rules an earlier run put there; other conditional formats stay."""
    words = ((deadlines.OVERDUE, "overdue"), (deadlines.DUE_SOON, "due_soon"), (deadlines.DONE, "done"))
    formulas = {f'LEFT({status_cell},{len(word)})="{word}"' for word, _ in words}
    cf = ws.conditional_formatting
    for key in [key for key, rules in cf._cf_rules.items() if all(r.formula and r.formula[0] in formulas for r in rules)]:
        del cf._cf_rules[key]
    for word, colour in words:
        rule = FormulaRule(formula=[f'LEFT({status_cell},{len(word)})="{word}"'], fill=styles.fill(config.color(colour)))
        cf.add(cells, rule)
