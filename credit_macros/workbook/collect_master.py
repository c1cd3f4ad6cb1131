"""Apply a ``collect`` plan to the master workbook (openpyxl adapter) and write it once.

The master is loaded once, the core plans on its values (``collect.collect``), this module
writes the changed rows, appends 收文记录 / 历史版本, rewrites 退回修改 and 报送情况, and saves
with ``safeio.atomic_write`` (backup ``name.bak.xlsx``). When nothing changed (every file was
already collected and the statuses are the same) the master is not written at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from credit_macros import catalogue
from credit_macros.collect import FINDINGS_SHEET, HISTORY_SHEET, Outcome, collect
from credit_macros.errors import UserError
from credit_macros.safeio import atomic_write, refuse_if_locked
from credit_macros.submissions import RECEIPTS_SHEET, STATUS_SHEET, status_grid, submission_rows
from credit_macros.workbook.cells import put_rows
from credit_macros.workbook.submissions_sheet import add_office_sheets, grids_of, write_status
from credit_macros.workdays import Calendar
from credit_macros.xlsxio import describe_problem


def load_master(path: Path):
    """The master as an openpyxl workbook (``UserError`` when it is open, missing or unreadable)."""
    refuse_if_locked(path)
    problem = describe_problem(path)
    if problem:
        raise UserError(f"总台账：{problem}")
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"总台账 {path.name} 应为 .xlsx 文件（用 credit-macros build 生成）。")
    try:
        return openpyxl.load_workbook(path)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UserError(f"总台账 {path.name} 无法打开（{exc}），请用备份 {path.stem}.bak.xlsx 恢复后重试。")


def _append(ws, rows: list[list]) -> None:
    if rows:
        put_rows(ws, ws.max_row + 1, rows)


def _apply_sheet(ws, state) -> None:
    first = state.table.first_row
    removed = state.removed
    if not removed:
        new = [row for row, alive in zip(state.rows[state.existing:], state.alive[state.existing:]) if alive]
        put_rows(ws, first + state.existing, new)
        return
    start = removed[0]
    tail = [state.rows[i] for i in range(start, len(state.rows)) if state.alive[i]]
    put_rows(ws, first + start, tail, skip_none=False)
    end = first + start + len(tail)
    if end <= first + state.existing - 1:
        for row in ws.iter_rows(min_row=end, max_row=first + state.existing - 1, max_col=state.width):
            for cell in row:
                cell.value = None


def apply(wb, outcome: Outcome) -> None:
    """Write the plan's changes into the open master."""
    for state in outcome.sheets.values():
        if state.changed:
            _apply_sheet(wb[state.table.sheet], state)
    _append(wb[RECEIPTS_SHEET], outcome.receipts)
    _append(wb[HISTORY_SHEET], outcome.history)
    if outcome.findings_changed:
        ws = wb[FINDINGS_SHEET]
        if ws.max_row > 1:
            ws.delete_rows(2, ws.max_row - 1)
        put_rows(ws, 2, outcome.findings)


def _comparable(grid: list[list]) -> list[tuple]:
    def value(v):
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return dt.datetime.combine(v, dt.time())
        return v

    out = []
    for row in grid:
        row = [value(v) for v in row]
        while row and row[-1] is None:
            row.pop()
        out.append(tuple(row))
    while out and not out[-1]:
        out.pop()
    return out


def collect_into(master: Path, items, as_of: dt.date, config) -> tuple[Outcome, list, bool]:
    """Collect ``items`` into the master file; returns (plan, 报送情况 rows, whether the file was written)."""
    wb = load_master(master)
    before = set(wb.sheetnames)
    add_office_sheets(wb, config)
    names = [t.sheet for t in catalogue.templates()] + [RECEIPTS_SHEET, FINDINGS_SHEET, STATUS_SHEET]
    missing = [t.sheet for t in catalogue.templates() if t.sheet not in wb.sheetnames]
    if missing:
        raise UserError(f"总台账 {master.name} 缺少模板工作表 {'、'.join(missing)}，请用 credit-macros build 生成的总台账汇总。")
    grids = grids_of(wb, names)
    outcome = collect(grids, items, as_of, config)
    apply(wb, outcome)
    rows = submission_rows(grids_of(wb, (RECEIPTS_SHEET, STATUS_SHEET)), as_of, Calendar.from_config(config), config)
    status = status_grid(rows)
    changed = outcome.changed or set(wb.sheetnames) != before or _comparable(status) != _comparable(grids[STATUS_SHEET])
    if changed:
        write_status(wb[STATUS_SHEET], status)
        atomic_write(master, wb.save)
    return outcome, rows, changed
