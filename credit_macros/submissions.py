"""报送情况: who has reported what, for which period, by when — computed from the master's own sheets.

Obligations (报送事项):

* monthly — every member unit reports each template it is responsible for
  (``catalogue.tasks.unit_templates``), last month's data, due on the monthly due day
  (``deadlines.monthly_due``: the configured day, rolled to a working day);
* quarterly — every unit named in a 重点任务 with a quarterly rule (信用报告应用案例, 分级分类
  监管案例, 诚信宣传, 融资监测名单, …) reports once per quarter, due on the quarter's last day
  (``deadlines.current_period``). These arrive as documents, not templates: the 信用办 types the
  收到时间 into the 报送情况 sheet by hand and it is kept on every refresh.

A monthly obligation is received when the 收文记录 sheet (written by ``collect``) has an
accepted row for the unit, template and period; the earliest accepted receipt decides
timeliness (a corrected resubmission does not make an on-time report late), the latest one
gives the error/warning/row counts and the file.

Periods listed: every month from ``[tracking] start`` (config.toml) to the current one (the
month whose due date is ``as_of`` or later), and every quarter from the one holding that month
to ``as_of``'s quarter, plus any period a unit sent data for or the 信用办 typed a 收到时间 for.
So a unit that never reported shows up as 未报 for every period, and the rows depend only on
the data and the date — never on which day ``status`` ran before.

Status words: 按时 (received on or before the due date), 逾期 (received after it), 未报 (not
received and the due date has passed), 未到期 (not received, not yet due).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue.sheets import RECEIPT_HEADERS, RECEIPTS_SHEET, STATUS_HEADERS, STATUS_SHEET
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.timelimit import Rule
from credit_macros.deadlines import current_period, monthly_due
from credit_macros.table import is_blank
from credit_macros.validate.values import parse_date

ON_TIME, LATE, MISSING, NOT_DUE = "按时", "逾期", "未报", "未到期"
STATUS_WORDS = (ON_TIME, LATE, MISSING, NOT_DUE)
MONTHLY, QUARTERLY = "每月", "每季"

ACCEPTED, ACCEPTED_REPLACING = "接收", "接收（替换旧版）"


@dataclass(frozen=True)
class SubmissionRow:
    unit: str
    obligation: str  # template key (monthly) or "1-6-1 信用报告应用" (quarterly key task)
    period: str  # "2026-01" (monthly) or "2026年第1季度"
    due: dt.date
    received: dt.datetime | None
    status: str  # 按时 / 逾期 / 未报 / 未到期
    errors: int
    warnings: int
    rows: int
    source: str
    cycle: str = MONTHLY


def sheet_records(grid: list[list] | None, headers: tuple[str, ...]) -> list[dict]:
    """Rows below the header row of one of our own sheets, as dicts keyed by ``headers``.

    Columns are found by their header text (a user may have moved them); rows blank in every
    known column are skipped.
    """
    if not grid:
        return []
    head = [str(v).strip() if v is not None else "" for v in grid[0]]
    where = {name: head.index(name) for name in headers if name in head}
    out = []
    for row in grid[1:]:
        record = {name: (row[c] if c < len(row) else None) for name, c in where.items()}
        if all(is_blank(v) for v in record.values()):
            continue
        out.append({name: record.get(name) for name in headers})
    return out


def as_datetime(value) -> dt.datetime | None:
    """A received time as stored or typed: datetime, date, Excel serial or text."""
    if isinstance(value, dt.datetime):
        return value
    if is_blank(value):
        return None
    day = parse_date(value)
    if day is None:
        return None
    text = str(value)
    time = re.search(r"(\d{1,2})[:时](\d{1,2})", text[10:]) if isinstance(value, str) else None
    return dt.datetime.combine(day, dt.time(int(time[1]), int(time[2])) if time else dt.time())


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_month(label) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(label or "").strip())
    return (int(m[1]), int(m[2])) if m and 1 <= int(m[2]) <= 12 else None


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}年第{quarter}季度"


def _parse_quarter(label) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d{4})年第([1-4])季度", str(label or "").strip())
    return (int(m[1]), int(m[2])) if m else None


def quarterly_obligations() -> list[tuple[str, tuple[str, ...]]]:
    """(obligation name, units) of the 重点任务 with a quarterly rule."""
    out = []
    for task in tasklib.key_tasks():
        if any(rule.kind == "quarterly" for rule in task.rules):
            title = re.sub(r"^\d+\.", "", task.level2)
            out.append((f"{task.id} {title}", task.units))
    return out


def _status(due: dt.date, received: dt.datetime | None, as_of: dt.date) -> str:
    if received is not None:
        return ON_TIME if received.date() <= due else LATE
    return MISSING if as_of > due else NOT_DUE


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def tracking_start(config) -> tuple[int, int]:
    """The first month 报送情况 counts (``[tracking] start``, validated as "YYYY-MM")."""
    return parse_month(config["tracking"]["start"])


def _months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _next_month(*month)
    return months


def _monthly_periods(receipts: list[dict], as_of: dt.date, calendar, config) -> list[tuple[int, int]]:
    """Every month from the tracking start to the current period (the one whose due date is
    ``as_of`` or later), plus any month a unit actually sent data for: the same list for the same
    data and date, whatever ran before."""
    current = current_period(Rule("monthly"), as_of, calendar, config).start
    periods = set(_months_between(tracking_start(config), (current.year, current.month)))
    periods |= {p for r in receipts if (p := parse_month(r["报送期"]))}
    return sorted(periods)


def _quarters(hand: dict, as_of: dt.date, config) -> list[tuple[int, int]]:
    """Every quarter from the one holding the tracking start to ``as_of``'s, plus any quarter
    for which the 信用办 typed a 收到时间."""
    year, month = tracking_start(config)
    first, last = (year, (month - 1) // 3 + 1), (as_of.year, (as_of.month - 1) // 3 + 1)
    found, quarter = set(), first
    while quarter <= last:
        found.add(quarter)
        quarter = (quarter[0] + 1, 1) if quarter[1] == 4 else (quarter[0], quarter[1] + 1)
    found |= {q for (_, _, label), received in hand.items() if received is not None and (q := _parse_quarter(label))}
    return sorted(found)


def submission_rows(master_grids: dict[str, list[list]], as_of: dt.date, calendar, config) -> list[SubmissionRow]:
    """Every obligation × unit × period with its due date, receipt and status (see the module docstring).

    ``master_grids``: sheet name → grid (only 收文记录 and 报送情况 are read; missing sheets are
    empty). Rows are ordered by unit (the plan's order), monthly before quarterly, then period.
    """
    receipts = [r for r in sheet_records(master_grids.get(RECEIPTS_SHEET), RECEIPT_HEADERS)
                if str(r["结果"] or "").startswith(ACCEPTED)]
    typed = sheet_records(master_grids.get(STATUS_SHEET), STATUS_HEADERS)
    got: dict[tuple, list[dict]] = {}
    for r in receipts:
        got.setdefault((r["单位"], r["模板"], r["报送期"]), []).append(r)
    hand = {(r["成员单位"], r["报送事项"], str(r["报送期"])): as_datetime(r["收到时间"]) for r in typed
            if r["周期"] == QUARTERLY}
    months = _monthly_periods(receipts, as_of, calendar, config)
    quarters = _quarters(hand, as_of, config)
    quarterly = quarterly_obligations()
    due_of_month = {p: monthly_due(*_next_month(*p), calendar, config)[0] for p in months}
    rows: list[SubmissionRow] = []
    for unit in unitlib.all_units():
        for template in tasklib.unit_templates(unit.name):
            for year, month in months:
                label = month_label(year, month)
                entries = sorted(got.get((unit.name, template, label), []), key=lambda r: as_datetime(r["收到时间"]) or dt.datetime.max)
                received = as_datetime(entries[0]["收到时间"]) if entries else None
                last = entries[-1] if entries else {}
                due = due_of_month[(year, month)]
                rows.append(SubmissionRow(unit.name, template, label, due, received, _status(due, received, as_of),
                                          _int(last.get("错误")), _int(last.get("警告")), _int(last.get("行数")),
                                          str(last.get("来源文件") or ""), MONTHLY))
        for obligation, responsible in quarterly:
            if unit.name not in responsible:
                continue
            for year, quarter in quarters:
                label = quarter_label(year, quarter)
                due = current_period(Rule("quarterly"), dt.date(year, quarter * 3, 1), calendar, config).due
                received = hand.get((unit.name, obligation, label))
                rows.append(SubmissionRow(unit.name, obligation, label, due, received, _status(due, received, as_of),
                                          0, 0, 0, "", QUARTERLY))
    return rows


def status_grid(rows: list[SubmissionRow]) -> list[list]:
    """The 报送情况 sheet's values (header row first)."""
    return [list(STATUS_HEADERS)] + [
        [r.unit, r.obligation, r.cycle, r.period, r.due, r.received, r.status,
         r.errors if r.received else None, r.warnings if r.received else None,
         r.rows if r.received else None, r.source or None]
        for r in rows
    ]


def counts(rows: list[SubmissionRow]) -> dict[str, int]:
    """How many rows carry each status word."""
    return {word: sum(1 for r in rows if r.status == word) for word in STATUS_WORDS}
