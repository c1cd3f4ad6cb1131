"""The status of a 重点任务 (key task of 附件10), decided on plain values: its current period,
due date, status word and the counts of a sheet — the file builder (``build.task_status``) and
the ribbon (``excel``) only turn these into formulas and cells.

A task may have several rules ("2023/12/31" and "每月2日前报送"). Its current period
(``task_period``) is, among the current periods (``deadlines.current_period``) of its dated
rules, the one with the earliest due date on or after the as-of date — one-off dates before
recurring ones on a tie; when every due date is past (one-off tasks), the latest one, which
stays 逾期 until 完成 is ticked. Recurring periods always end on or after the as-of date, so a
task with a recurring rule moves on to the next period by itself. Tasks without a dated rule
show 周期 持续 (持续推进: no due date, 状态 未到期) or 事项 (working-day limits per event: the
cell links to 事项台账, where each event has its own 期限).

The formulas of the 重点任务 sheet mirror ``task_period`` exactly (``tests/test_workbook_formulas_lo.py``).
"""

from __future__ import annotations

import datetime as dt

from credit_macros import deadlines
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue.sheets import KEY_TASK_HEADER_ROW

RECURRING = ("monthly", "monthly_end", "quarterly", "yearly")
ONE_OFF = ("fixed", "before_month", "month_end")


def one_off_dates(task) -> list[dt.date]:
    return sorted({rule.date for rule in task.rules if rule.kind in ONE_OFF})


def recurring_rules(task) -> list:
    return [rule for rule in task.rules if rule.kind in RECURRING]


def task_period(task, as_of: dt.date, calendar, config) -> deadlines.Period:
    """The current period of a 重点任务 (see the module docstring)."""
    plan_start = dt.date(config["office"]["plan_year"], 1, 1)
    candidates = [deadlines.Period("一次性", f"截至{d.year}年{d.month}月{d.day}日", plan_start, d)
                  for d in one_off_dates(task)]
    candidates += [deadlines.current_period(rule, as_of, calendar, config) for rule in recurring_rules(task)]
    if not candidates:
        if any(rule.kind == "event" for rule in task.rules):
            return deadlines.Period(deadlines.CYCLES["event"], "见事项台账", plan_start, None)
        return deadlines.Period(deadlines.CYCLES["continuous"], "持续推进", plan_start, None)
    upcoming = [p for p in candidates if p.due >= as_of]
    return min(upcoming, key=lambda p: p.due) if upcoming else max(candidates, key=lambda p: p.due)


def task_status(period: deadlines.Period, ticked: bool, as_of: dt.date, calendar, config) -> str:
    return deadlines.row_status(period.due, period.provisional, ticked, as_of, calendar, config)


def status_counts(grid: list[list], as_of: dt.date, calendar, config) -> dict[str, int]:
    """How many 重点任务 rows of a sheet's values (header in row ``KEY_TASK_HEADER_ROW``) carry each status
    word as of ``as_of`` — the words the sheet's formulas show, without the 暂定 mark."""
    header = grid[KEY_TASK_HEADER_ROW - 1]
    done_col = header.index("完成")
    by_id = {task.id: task for task in tasklib.key_tasks()}
    tally: dict[str, int] = {}
    for row in grid[KEY_TASK_HEADER_ROW:]:
        task = by_id.get(row[0])
        if task is None:
            continue
        ticked = row[done_col] not in (None, "")
        word = task_status(task_period(task, as_of, calendar, config), ticked, as_of, calendar, config)
        word = word.replace(deadlines.PROVISIONAL_MARK, "")
        tally[word] = tally.get(word, 0) + 1
    return tally
