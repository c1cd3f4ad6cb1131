"""Due dates (期限) of the work plan's reporting rules, and the status words derived from them.

The rules are the ones ``credit_macros.catalogue.timelimit.parse`` reads from the plan's
完成时限 texts (``Rule.kind``). The plan states them as follows (《沣西新城社会信用体系建设工作
方案》 三、主要任务, 四、保障措施 and 附件10 重点任务清单):

* monthly (每月) — "每月2日前报送上月……": last month's data, due on the 2nd, the 2nd included.
  The day is the office's setting ``[deadlines] monthly_due_day`` (default 2, the plan's day),
  so changing it moves every monthly deadline; the rule's own ``day`` is the plan's wording.
  When that day is not a working day it rolls to the next working day if
  ``[deadlines] roll_to_workday`` (default true, 顺延).
* monthly_end (每月) — "于每月月底前将本单位的工作完成情况报……": this month's work, by the
  month's last day.
* quarterly (每季) — "每季度最后一个月月底前": by the last day of the quarter's last month.
* yearly (每年) — "2023年7月前……，之后按年度进行": the plan-year date (``Rule.month``/``day``)
  again every year; "按年度" without a date: by 31 December.
* fixed, before_month, month_end (一次性) — the resolved date ``Rule.date``.
* continuous (持续) — "持续推进": no due date.
* event (事项) — "N个工作日内": N working days after the event (``event_due``), N from
  ``[deadlines.event_workdays]``.

Only the monthly report day rolls: month ends, quarter ends and plan dates are stated as
calendar dates ("月底前", "2023/12/31"), and rolling them would carry them into the next
month or year.

The current period (``current_period``) is the obligation a clerk works on next: the earliest
period of the rule whose due date is today or later. On 1 October 2026 that is September's
data, due 2 October, a National Day holiday, so due 8 October; from 9 October it is October's
data, due 2 November. Past periods are judged by ``status`` from the rows of the workbook.

>>> import datetime
>>> from credit_macros.catalogue.timelimit import Rule
>>> from credit_macros.config import load_config
>>> from credit_macros.workdays import Calendar
>>> config, cal = load_config(), Calendar()
>>> current_period(Rule("monthly", day=2), datetime.date(2026, 10, 1), cal, config)
Period(cycle='每月', label='2026年9月', start=datetime.date(2026, 9, 1), due=datetime.date(2026, 10, 8), provisional=False)
>>> current_period(Rule("quarterly"), datetime.date(2026, 11, 29), cal, config).due
datetime.date(2026, 12, 31)
>>> event_due("双公示", datetime.date(2026, 9, 28), cal, config)
(datetime.date(2026, 10, 13), False)
>>> status(datetime.date(2026, 10, 13), None, datetime.date(2026, 10, 9), cal, config)
'临近'
"""

from __future__ import annotations

import calendar as monthcal
import datetime as dt
from dataclasses import dataclass

from credit_macros.catalogue import normalize_header
from credit_macros.errors import UserError
from credit_macros.table import is_blank
from credit_macros.validate.values import parse_date

DONE, OVERDUE, DUE_SOON, NOT_DUE = "已完成", "逾期", "临近", "未到期"
STATUSES = (DONE, OVERDUE, DUE_SOON, NOT_DUE)
PROVISIONAL_MARK = "（暂定）"  # after a status word whose due date depends on a provisional year

CYCLES = {
    "continuous": "持续",
    "fixed": "一次性",
    "before_month": "一次性",
    "month_end": "一次性",
    "monthly": "每月",
    "monthly_end": "每月",
    "quarterly": "每季",
    "yearly": "每年",
    "event": "事项",
}


@dataclass(frozen=True)
class Period:
    """One reporting period of a rule.

    ``cycle``: 持续 / 一次性 / 每月 / 每季 / 每年 / 事项; ``label``: the period reported on
    ("2026年9月" = September's data, "2026年第4季度", "2027年度"); ``start``: the first day of
    that period (the plan year's 1 January for one-off and continuous tasks); ``due``: the due
    date, inclusive, ``None`` for continuous tasks; ``provisional``: the due date depends on a
    year whose holiday notice is not yet known (see ``credit_macros.workdays``).
    """

    cycle: str
    label: str
    start: dt.date
    due: dt.date | None
    provisional: bool = False


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, monthcal.monthrange(year, month)[1])


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def monthly_due(year: int, month: int, calendar, config) -> tuple[dt.date, bool]:
    """Due date of the monthly report made in ``month`` (on last month's data) and whether it is provisional.

    >>> from credit_macros.config import load_config
    >>> from credit_macros.workdays import Calendar
    >>> monthly_due(2026, 10, Calendar(), load_config())
    (datetime.date(2026, 10, 8), False)
    """
    nominal = dt.date(year, month, min(config["deadlines"]["monthly_due_day"], monthcal.monthrange(year, month)[1]))
    if not config["deadlines"]["roll_to_workday"]:
        return nominal, False
    due = calendar.add_workdays(nominal, 0)
    return due, calendar.touches_provisional(nominal, due)


def _monthly(as_of: dt.date, calendar, config) -> Period:
    for months in (-1, 0):
        year, month = _shift_month(as_of.year, as_of.month, months)
        due, provisional = monthly_due(*_shift_month(year, month, 1), calendar, config)
        if as_of <= due:
            break
    return Period("每月", f"{year}年{month}月", dt.date(year, month, 1), due, provisional)


def _yearly(rule, as_of: dt.date) -> Period:
    month, day = (rule.month, rule.day) if rule.month and rule.day else (12, 31)
    for year in (as_of.year, as_of.year + 1):
        due = dt.date(year, month, min(day, monthcal.monthrange(year, month)[1]))
        if as_of <= due:
            break
    return Period("每年", f"{year}年度", dt.date(year, 1, 1), due)


def current_period(rule, as_of: dt.date, calendar, config) -> Period | None:
    """The period of ``rule`` a clerk works on as of ``as_of`` (see the module docstring).

    ``None`` for event rules, whose due dates run from each event (``event_due``).

    >>> from credit_macros.catalogue.timelimit import Rule
    >>> from credit_macros.config import load_config
    >>> from credit_macros.workdays import Calendar
    >>> current_period(Rule("yearly", month=6, day=30), dt.date(2026, 11, 29), Calendar(), load_config())
    Period(cycle='每年', label='2027年度', start=datetime.date(2027, 1, 1), due=datetime.date(2027, 6, 30), provisional=False)
    """
    plan_start = dt.date(config["office"]["plan_year"], 1, 1)
    if rule.kind == "event":
        return None
    if rule.kind == "continuous":
        return Period("持续", "持续推进", plan_start, None)
    if rule.kind in ("fixed", "before_month", "month_end"):
        due = rule.date
        return Period("一次性", f"截至{due.year}年{due.month}月{due.day}日", plan_start, due)
    if rule.kind == "monthly":
        return _monthly(as_of, calendar, config)
    if rule.kind == "monthly_end":
        return Period("每月", f"{as_of.year}年{as_of.month}月", as_of.replace(day=1), _month_end(as_of.year, as_of.month))
    if rule.kind == "quarterly":
        quarter = (as_of.month - 1) // 3 + 1
        start = dt.date(as_of.year, quarter * 3 - 2, 1)
        return Period("每季", f"{as_of.year}年第{quarter}季度", start, _month_end(as_of.year, quarter * 3))
    if rule.kind == "yearly":
        return _yearly(rule, as_of)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def event_due(event_type: str, start: dt.date, calendar, config) -> tuple[dt.date, bool]:
    """Due date of an event-driven task that began on ``start``, and whether it is provisional.

    The limit is ``[deadlines.event_workdays]`` working days after ``start`` (not counted).

    >>> from credit_macros.config import load_config
    >>> from credit_macros.workdays import Calendar
    >>> event_due("信用承诺上传", dt.date(2026, 12, 18), Calendar(), load_config())
    (datetime.date(2027, 1, 18), True)
    """
    limits = config["deadlines"]["event_workdays"]
    if event_type not in limits:
        raise UserError(
            f"未知的事项类型“{event_type}”，可用的有：{'、'.join(limits)}。"
            "如需新增，请在 config.toml 的 [deadlines.event_workdays] 中添加。"
        )
    due = calendar.add_workdays(start, limits[event_type])
    return due, calendar.touches_provisional(start, due)


def status(due: dt.date | None, done_date: dt.date | None, as_of: dt.date, calendar, config) -> str:
    """已完成 / 逾期 / 临近 / 未到期 — the one place these words are decided.

    已完成 when there is a ``done_date``; 逾期 when ``as_of`` is after ``due``; 临近 when ``due``
    is at most ``[deadlines] due_soon_workdays`` working days after ``as_of`` (``due`` today
    included); 未到期 otherwise, and for tasks without a due date.

    >>> from credit_macros.config import load_config
    >>> from credit_macros.workdays import Calendar
    >>> cal, config = Calendar(), load_config()
    >>> [status(dt.date(2026, 10, 8), None, dt.date(2026, 9, d), cal, config) for d in (24, 28, 30)]
    ['未到期', '临近', '临近']
    """
    if done_date is not None:
        return DONE
    if due is None:
        return NOT_DUE
    if as_of > due:
        return OVERDUE
    if calendar.workdays_between(as_of, due) <= config["deadlines"]["due_soon_workdays"]:
        return DUE_SOON
    return NOT_DUE


def status_text(word: str, provisional: bool) -> str:
    """A status word as shown in the workbook: ``（暂定）`` added when the due date is provisional.

    >>> status_text("逾期", True), status_text("已完成", True), status_text("临近", False)
    ('逾期（暂定）', '已完成', '临近')
    """
    return word + PROVISIONAL_MARK if provisional and word != DONE else word


def row_status(due: dt.date | None, provisional: bool, done: bool, as_of: dt.date, calendar, config) -> str:
    """Python's value of a status cell: ``status`` (a filled done cell = 已完成) and the mark."""
    word = DONE if done else status(due, None, as_of, calendar, config)
    return status_text(word, provisional)


# Headers that mark a ledger's deadline column and its done column (in order of preference).
DUE_HEADERS = ("本期期限", "期限", "办理期限", "整改期限", "截止日期", "到期日期", "到期日")
DONE_HEADERS = ("完成", "完成日期", "办结日期", "整改完成日期", "完成时间")
HEADER_ROWS = 12  # where a ledger's header row may be


def ledger_status(grid: list[list], as_of: dt.date, calendar, config, where: str) -> dict[tuple[int, int], str]:
    """The status word of every row of a ledger that has a deadline column, keyed by the
    deadline cell's (0-based row, column).

    The deadline column is the first header (in the top ``HEADER_ROWS`` rows) named like one of
    ``DUE_HEADERS``; a done column in the same header row (``DONE_HEADERS``) holding a date or any
    mark makes the row 已完成. Rows whose deadline is no date are left out.

    >>> from credit_macros.workdays import Calendar
    >>> grid = [["事项", "办理期限", "完成日期"], ["a", dt.date(2026, 10, 9), None],
    ...         ["b", "2026/10/13", None], ["c", dt.date(2026, 9, 1), "2026-08-30"], ["d", "待定", None]]
    >>> config = {"deadlines": {"due_soon_workdays": 3}}
    >>> ledger_status(grid, dt.date(2026, 10, 12), Calendar(), config, "x")
    {(1, 1): '逾期', (2, 1): '临近', (3, 1): '已完成'}
    """
    top = [[normalize_header(v) for v in row] for row in grid[:HEADER_ROWS]]
    found = next(((r, row.index(name)) for name in DUE_HEADERS for r, row in enumerate(top) if name in row), None)
    if found is None:
        raise UserError(f"{where}前 {HEADER_ROWS} 行没有期限列（表头为 {'、'.join(DUE_HEADERS)} 之一），"
                        "请切换到有期限列的台账后再试。")
    header, due_col = found
    done_col = next((c for c, name in enumerate(top[header]) if name in DONE_HEADERS), None)
    words = {}
    for r in range(header + 1, len(grid)):
        due = parse_date(grid[r][due_col]) if due_col < len(grid[r]) else None
        if due is None:
            continue
        done = grid[r][done_col] if done_col is not None and done_col < len(grid[r]) else None
        done_date = None if is_blank(done) else (parse_date(done) or as_of)
        words[(r, due_col)] = status(due, done_date, as_of, calendar, config)
    return words
