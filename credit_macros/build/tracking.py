"""Deadline tracking in the master workbook: the hidden 日历, the 重点任务 status columns and
the 事项台账, installed by ``build`` and refreshed in place by ``credit-macros status``.

``install`` adds what is missing and rewrites what is ours (formulas, drop-downs, colours,
the 日历 from the current config) without touching anything else, so running it twice gives
the same workbook, and a master built before these columns existed is brought up to date.
``save`` writes the workbook and then stores Python's results as the formula cells' cached
values (``cached.patch``), so readers that do not recalculate see what Excel, WPS or
LibreOffice compute.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_macros.build import calendar_sheet as cs
from credit_macros.build import ledger_sheet, task_status
from credit_macros.catalogue.sheets import KEY_TASK_SHEET, LEDGER_SHEET
from credit_macros.errors import UserError
from credit_macros.io import cached

YEARS_AHEAD = 5  # how far beyond this year an as-of or start date may lie
AS_OF_CELLS = ((KEY_TASK_SHEET, cs.AS_OF_INPUT), (LEDGER_SHEET, cs.AS_OF_INPUT))  # the 基准日期 inputs


def check_year(day: dt.date, config, what: str) -> None:
    """Refuse dates far outside the plan (a typo such as 2062 would blow up the 日历 sheet)."""
    first, last = config["office"]["plan_year"] - 1, dt.date.today().year + YEARS_AHEAD
    if not first <= day.year <= last:
        raise UserError(f"{what}{day.isoformat()} 不在 {first} 年至 {last} 年之间（工作方案年度的前一年至今后 "
                        f"{YEARS_AHEAD} 年），请检查日期是否写错。")


def _years(wb, events: list, as_of: dt.date, config, today: dt.date | None) -> tuple[int, int]:
    first, last = cs.default_years(config, today)
    existing = cs.sheet_years(wb)
    firsts = [first, as_of.year] + [start.year for _, _, start, _ in events] + ([existing[0]] if existing else [])
    lasts = [last, as_of.year + 1] + [start.year + 1 for _, _, start, _ in events] + ([existing[1]] if existing else [])
    return min(firsts), max(lasts)


def install(wb, config, calendar, as_of: dt.date, where: str = "", today: dt.date | None = None) -> None:
    """Install or refresh the deadline sheets and columns of the master ``wb`` (see the module docstring).

    ``today`` fixes the date the 日历 span is reckoned from (default: the real today), so a build
    can be reproduced on a later day (the staleness test of the committed master does).
    """
    task_status.install(wb[KEY_TASK_SHEET], config, where)
    ledger = ledger_sheet.install(wb, config, wb.sheetnames.index(KEY_TASK_SHEET) + 1)
    events = ledger_sheet.events(ledger, config, where)
    for row, _, start, _ in events:
        check_year(start, config, f"{where}“{LEDGER_SHEET}”第 {row} 行 {ledger_sheet.START} 列（开始日期）")
    cs.write_sheet(wb, calendar, config, *_years(wb, events, as_of, config, today))


def cached_values(wb, as_of: dt.date, calendar, config, where: str = "") -> dict[str, dict]:
    """Python's results for the formula cells of 重点任务 and 事项台账 as of ``as_of``."""
    return {
        KEY_TASK_SHEET: task_status.cached_values(wb[KEY_TASK_SHEET], as_of, calendar, config),
        LEDGER_SHEET: ledger_sheet.cached_values(wb[LEDGER_SHEET], as_of, calendar, config, where),
    }


def write(wb, path: Path, values: dict[str, dict]) -> None:
    """Save ``wb`` to ``path`` (e.g. the temporary file of ``atomic_write``) with ``values`` cached."""
    wb.save(path)
    cached.patch(path, values)


def save(wb, path: Path, config, calendar, as_of: dt.date) -> None:
    """``write`` with Python's results as of ``as_of``."""
    write(wb, path, cached_values(wb, as_of, calendar, config))
