"""Apply a ``collect`` plan to the master workbook file and write it once.

The master's values are read with python-calamine (``io.read.read_grids``), the core plans on
them (``collect.collect``), and the new master is written by ``xlsxstream.rewrite``: only the
rows that change are generated — the changed template sheets from their first removed row (or
their end when rows are only added), the new rows of 收文记录 and 历史版本, 退回修改 when its
findings changed and 报送情况 — and every other part of the file (the other sheets with their
formulas and cached values, styles, lists, the hidden 日历) is copied unchanged. openpyxl is
not used: loading and saving a master of 100,000 rows with it takes over a minute and about a
gigabyte, while the streaming write grows with the rows written
(``benchmarks/bench_collect.py``).

The write goes through ``safeio.atomic_write`` (backup ``name.bak.xlsx``). When no file is
accepted (all refused, or all already collected) the master is not written at all, whatever
the as-of date: 报送情况 is then refreshed only by ``status``. A master without the office's sheets (built before they existed) is refused:
``credit-macros status`` adds them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_macros import catalogue
from credit_macros.collect import FINDINGS_SHEET, HISTORY_SHEET, Outcome, collect
from credit_macros.errors import UserError
from credit_macros.io.read import read_grids
from credit_macros.io.xlsxstream import SheetMarks, SheetRows, column_letter, move_comments, move_notes, read_marks, rewrite
from credit_macros.safeio import atomic_write, exclusive, latest_backup, refuse_if_locked
from credit_macros.submissions import RECEIPTS_SHEET, STATUS_SHEET, status_grid, submission_rows
from credit_macros.table import is_blank
from credit_macros.workdays import Calendar

OFFICE_SHEETS = (STATUS_SHEET, RECEIPTS_SHEET, FINDINGS_SHEET, HISTORY_SHEET)


def read_master(path: Path) -> dict[str, list[list]]:
    """The master's sheets as grids (``UserError`` when it is open, missing, unreadable or incomplete)."""
    refuse_if_locked(path)
    if path.exists() and path.suffix.lower() != ".xlsx":
        raise UserError(f"总台账 {path.name} 应为 .xlsx 文件（用 credit-macros build 生成）。")
    try:
        grids = read_grids(path)
    except UserError as exc:
        raise UserError(f"总台账：{exc.message}" + (f"如总台账已损坏，可用备份 {latest_backup(path).name} 恢复。" if path.exists() else ""))
    require_master(path, grids)
    return grids


def require_master(path: Path, sheets) -> None:
    """Refuse a workbook that is not a master (a unit's book, any other file), naming the sheets
    it lacks; ``sheets``: its sheet names. The one check collect, report, remind and split share."""
    missing = [t.sheet for t in catalogue.templates() if t.sheet not in sheets]
    if missing:
        raise UserError(f"{path.name} 不是总台账：缺少模板工作表 {'、'.join(missing)}"
                        + ("（这像是成员单位的报送表，只含本单位的模板）" if len(missing) < len(catalogue.templates()) else "")
                        + "。请指定 credit-macros build 生成的总台账《信用体系建设台账》。")
    lacking = [name for name in OFFICE_SHEETS if name not in sheets]
    if lacking:
        raise UserError(f"总台账 {path.name} 缺少工作表 {'、'.join(lacking)}（较早版本生成的总台账）。"
                        f"请先运行 credit-macros status \"{path}\" 补齐这些工作表，再重试。")


def _used(grid: list[list]) -> int:
    """Rows of ``grid`` up to its last non-blank one."""
    n = len(grid)
    while n and all(is_blank(v) for v in grid[n - 1]):
        n -= 1
    return n


def office_marks(marks: dict[str, SheetMarks]) -> dict[str, dict[int, list[str]]]:
    """The fills and comments of each template sheet as the core describes them: sheet row → ["C5 单元格底色", "D5 批注“…”"]."""
    out: dict[str, dict[int, list[str]]] = {}
    for sheet, found in marks.items():
        rows = out.setdefault(sheet, {})
        for (r, c) in sorted(found.fills):
            rows.setdefault(r, []).append(f"{column_letter(c)}{r} 单元格底色")
        for (r, c), text in sorted(found.comments.items()):
            rows.setdefault(r, []).append(f"{column_letter(c)}{r} 批注“{text}”")
    return out


def edits(outcome: Outcome, grids: dict[str, list[list]], status: list[list] | None,
          marks: dict[str, SheetMarks] | None = None) -> tuple[dict[str, SheetRows], dict]:
    """The rows to write per sheet for the plan (``status``: the new 报送情况 grid, None if unchanged)
    and the patches that move the comments of the rewritten rows with them (``marks``: the
    master's fills and comments; a replaced row's go to the new row that carries them, see
    ``collect.SheetState.origin``, or are dropped — 历史版本 describes them)."""
    out, patches = {}, {}
    for state in outcome.sheets.values():
        if state.changed:
            removed = state.removed
            start = removed[0] if removed else state.existing
            kept = [i for i in range(start, len(state.rows)) if state.alive[i]]
            first = state.table.first_row
            found = (marks or {}).get(state.table.sheet)
            styles = None
            if found and found.fills:
                by_row: dict[int, dict[int, int]] = {}
                for (r, c), xf in found.fills.items():
                    by_row.setdefault(r, {})[c] = xf
                styles = [by_row.get(first + state.origin[i], {}) if state.origin[i] is not None else {} for i in kept]
            out[state.table.sheet] = SheetRows(first + start, [state.rows[i] for i in kept], styles)
            if found and found.comments:
                new_row = {first + state.origin[i]: first + start + k for k, i in enumerate(kept) if state.origin[i] is not None}
                data = range(first + start, first + state.existing)

                def moved(r, new_row=new_row, data=data):
                    return new_row.get(r) if r in data else r
                patches[found.comments_part] = lambda xml, moved=moved: move_comments(xml, moved)
                if found.vml_part:
                    patches[found.vml_part] = lambda xml, moved=moved: move_notes(xml, moved)
    for name, rows in ((RECEIPTS_SHEET, outcome.receipts), (HISTORY_SHEET, outcome.history)):
        if rows:
            out[name] = SheetRows(_used(grids[name]) + 1, rows)
    if outcome.findings_changed:
        out[FINDINGS_SHEET] = SheetRows(2, outcome.findings)
    if status is not None:
        out[STATUS_SHEET] = SheetRows(2, status[1:])
    return out, patches


def _comparable(grid: list[list]) -> list[tuple]:
    def value(v):
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return dt.datetime.combine(v, dt.time())
        return None if v == "" else v

    out = []
    for row in grid:
        row = [value(v) for v in row]
        while row and row[-1] is None:
            row.pop()
        out.append(tuple(row))
    while out and not out[-1]:
        out.pop()
    return out


def collect_into(master: Path, items, as_of: dt.date, config, accept_sender_mismatch: bool = False) -> tuple[Outcome, list, bool]:
    """Collect ``items`` into the master file; returns (plan, 报送情况 rows, whether the file was written).
    Holds the master's writer lock from reading to writing."""
    with exclusive(master):
        return _collect_into(master, items, as_of, config, accept_sender_mismatch)


def _collect_into(master: Path, items, as_of: dt.date, config, accept_sender_mismatch: bool) -> tuple[Outcome, list, bool]:
    grids = read_master(master)
    marks = read_marks(master, [t.sheet for t in catalogue.templates()])
    outcome = collect(grids, items, as_of, config, accept_sender_mismatch, office_marks(marks))
    receipts = grids[RECEIPTS_SHEET][: _used(grids[RECEIPTS_SHEET])] + outcome.receipts
    rows = submission_rows({RECEIPTS_SHEET: receipts, STATUS_SHEET: grids[STATUS_SHEET]}, as_of,
                           Calendar.from_config(config), config)
    status = status_grid(rows)
    changed = outcome.changed  # nothing accepted: the master stays byte for byte as it was (no backup either)
    if changed:
        status_changed = _comparable(status) != _comparable(grids[STATUS_SHEET])
        plan, patches = edits(outcome, grids, status if status_changed else None, marks)
        atomic_write(master, lambda tmp: rewrite(master, tmp, plan, patches))
    return outcome, rows, changed
