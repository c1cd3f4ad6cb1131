"""The deadline formulas of the master, recalculated by LibreOffice, give exactly what Python computes.

One LibreOffice run recalculates a built master with copies of 事项台账 (random event types,
start dates from 2023 to 2027, some done) and of 重点任务 (random and tricky as-of dates, some
ticks), each copy with its own 基准日期. openpyxl saves formulas without results, so every
value read back (each sheet's CSV, as LibreOffice shows the values) was computed by LibreOffice.
The expected values come from ``deadlines`` (``event_due``, ``status``, ``current_period`` via
``task_period``).
"""

import datetime as dt
import random

import openpyxl
import pytest
from lo import needs_soffice, recalculated_sheets, text_at
from openpyxl.utils.cell import coordinate_to_tuple

from credit_macros import deadlines, tasks
from credit_macros.build import calendar_sheet as cs
from credit_macros.build import ledger_sheet, task_status
from credit_macros.build.master import write_build
from credit_macros.catalogue.sheets import KEY_TASK_SHEET, LEDGER_SHEET
from credit_macros.config import load_config
from credit_macros.workdays import Calendar

CONFIG = load_config()
CAL = Calendar.from_config(CONFIG)
RNG = random.Random(20261129)
EVENT_TYPES = list(CONFIG["deadlines"]["event_workdays"])
# month starts around holidays, quarter ends, the plan's one-off dates, the provisional year 2027
TRICKY = [dt.date(*d) for d in [
    (2023, 1, 1), (2023, 6, 30), (2023, 7, 1), (2023, 9, 30), (2023, 10, 2), (2023, 11, 30), (2023, 12, 31),
    (2024, 2, 2), (2024, 2, 29), (2025, 5, 2), (2025, 10, 8), (2025, 10, 9), (2026, 1, 2), (2026, 9, 28),
    (2026, 10, 1), (2026, 10, 8), (2026, 10, 9), (2026, 12, 29), (2026, 12, 31), (2027, 1, 4), (2027, 1, 5),
    (2027, 2, 3), (2027, 3, 31), (2027, 10, 6), (2027, 12, 30), (2027, 12, 31),
]]
LEDGER_AS_OF = [dt.date(2023, 3, 15), dt.date(2024, 10, 3), dt.date(2025, 1, 27), dt.date(2026, 9, 30),
                dt.date(2026, 12, 30), dt.date(2027, 5, 6), dt.date(2027, 12, 28)]
EVENTS_PER_SHEET = 60


def _random_day(first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=RNG.randrange((last - first).days + 1))


def _text(value) -> str:
    """``value`` as LibreOffice's CSV writes it (the due dates' cells are formatted yyyy-mm-dd)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _at(rows: list[list[str]], coord: str) -> str:
    return text_at(rows, *coordinate_to_tuple(coord))


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formulas")
    master = folder / "master.xlsx"
    write_build(master, CONFIG)
    wb = openpyxl.load_workbook(master)
    expected = {}
    for n, as_of in enumerate(LEDGER_AS_OF):
        ws = wb.copy_worksheet(wb[LEDGER_SHEET])
        ws.title = f"事项{n}"
        ws[cs.AS_OF_INPUT] = as_of
        cells = {}
        for i in range(EVENTS_PER_SHEET):
            row = ledger_sheet.FIRST_ROW + i
            kind = RNG.choice(EVENT_TYPES)
            # most starts near the as-of date (so 逾期, 临近 and 未到期 all occur), the rest anywhere in 2023–2027
            near = i % 3 != 0
            start = _random_day(as_of - dt.timedelta(days=40), as_of + dt.timedelta(days=3)) if near else \
                _random_day(dt.date(2023, 1, 1), dt.date(2027, 12, 31))
            due, provisional = deadlines.event_due(kind, start, CAL, CONFIG)
            done = RNG.choice([None, None, due - dt.timedelta(days=RNG.randrange(0, 5)), due + dt.timedelta(days=RNG.randrange(1, 9))])
            ws[f"{ledger_sheet.TYPE}{row}"], ws[f"{ledger_sheet.START}{row}"], ws[f"{ledger_sheet.DONE}{row}"] = kind, start, done
            word = deadlines.status(due, done, as_of, CAL, CONFIG)
            cells[f"{ledger_sheet.DUE}{row}"] = due
            cells[f"{ledger_sheet.STATUS}{row}"] = deadlines.status_text(word, provisional)
        blank = ledger_sheet.FIRST_ROW + EVENTS_PER_SHEET
        ws[f"{ledger_sheet.DONE}{blank}"] = as_of  # a done date without an event: nothing to show
        cells[f"{ledger_sheet.DUE}{blank}"] = cells[f"{ledger_sheet.STATUS}{blank}"] = ""
        expected[ws.title] = cells
    as_of_dates = TRICKY + [_random_day(dt.date(2023, 1, 1), dt.date(2027, 12, 31)) for _ in range(24)]
    cols = task_status.columns(wb[KEY_TASK_SHEET])
    for n, as_of in enumerate(as_of_dates):
        ws = wb.copy_worksheet(wb[KEY_TASK_SHEET])
        ws.title = f"任务{n}"
        ws[cs.AS_OF_INPUT] = as_of
        cells = {}
        for row, task in task_status.task_rows(ws).items():
            ticked = RNG.random() < 0.15
            ws[f"{cols.done}{row}"] = task_status.TICK if ticked else None
            period = tasks.task_period(task, as_of, CAL, CONFIG)
            cells[f"{cols.cycle}{row}"] = period.cycle
            cells[f"{cols.due}{row}"] = period.due or ""
            cells[f"{cols.status}{row}"] = tasks.task_status(period, ticked, as_of, CAL, CONFIG)
        expected[ws.title] = cells
    source = folder / "source.xlsx"
    wb.save(source)  # openpyxl keeps no cached results: LibreOffice must compute every formula
    # the computed values as text, each sheet as CSV (LibreOffice need not write the master back as .xlsx)
    return expected, recalculated_sheets({source: list(expected)}, folder / "lo")[source]


@needs_soffice
def test_libreoffice_computes_what_python_computes(recalculated):
    expected, result = recalculated
    problems = []
    for sheet, cells in expected.items():
        for coord, value in cells.items():
            got = _at(result[sheet], coord)
            if got != _text(value):
                problems.append((sheet, _at(result[sheet], "D1"), coord, value, got))
    checked = sum(len(cells) for cells in expected.values())
    assert not problems, f"{len(problems)} of {checked} cells differ, e.g. {problems[:8]}"


@needs_soffice
def test_the_sample_covers_every_status_and_provisional_results(recalculated):
    expected, _ = recalculated
    words = {v for cells in expected.values() for v in cells.values() if isinstance(v, str)}
    for word in ("已完成", "逾期", "临近", "未到期", "逾期（暂定）", "未到期（暂定）", "每月", "每季", "每年", "一次性", "事项", "持续"):
        assert word in words, word
    dates = [v for cells in expected.values() for v in cells.values() if isinstance(v, dt.date)]
    assert min(dates).year == 2023 and max(dates).year == 2028
