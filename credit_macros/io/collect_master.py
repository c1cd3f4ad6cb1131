"""Apply a ``collect`` plan to the master workbook file and write it once.

The master's values are read with python-calamine (``io.read.read_grids``), the core plans on
them (``collect.collect``; the writes: ``plans.collect_plan``, the same plan the ribbon applies
to the open workbook), and the new master is written by the file engine ``xlsxstream.apply``,
refused first if a sheet would pass Excel's row limit (``plans.refuse_overflow``): only the
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
import gc
from pathlib import Path

from credit_macros import catalogue
from credit_macros.catalogue.sheets import OFFICE_SHEETS
from credit_macros.collect import Outcome, collect
from credit_macros.errors import UserError
from credit_macros.io.read import read_grids
from credit_macros.io.xlsxstream import SheetMarks, apply, move_comments, move_notes, read_marks
from credit_macros.plans import collect_plan, refuse_overflow, written_rows
from credit_macros.safeio import atomic_write, exclusive, refuse_if_locked, restore_hint
from credit_macros.table import col_letter
from credit_macros.workdays import Calendar


def read_master(path: Path) -> dict[str, list[list]]:
    """The master's sheets as grids (``UserError`` when it is open, missing, unreadable or incomplete)."""
    refuse_if_locked(path)
    if path.exists() and path.suffix.lower() != ".xlsx":
        raise UserError(f"总台账 {path.name} 应为 .xlsx 文件（用 credit-macros build 生成）。")
    try:
        grids = read_grids(path)
    except UserError as exc:
        raise UserError(f"总台账：{exc.message}" + (f"如总台账已损坏，{restore_hint(path)}" if path.exists() else ""))
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


def office_marks(marks: dict[str, SheetMarks]) -> dict[str, dict[int, list[str]]]:
    """The fills and comments of each template sheet as the core describes them: sheet row → ["C5 单元格底色", "D5 批注“…”"]."""
    out: dict[str, dict[int, list[str]]] = {}
    for sheet, found in marks.items():
        rows = out.setdefault(sheet, {})
        for (r, c) in sorted(found.fills):
            rows.setdefault(r, []).append(f"{col_letter(c - 1)}{r} 单元格底色")
        for (r, c), text in sorted(found.comments.items()):
            rows.setdefault(r, []).append(f"{col_letter(c - 1)}{r} 批注“{text}”")
    return out


def carried(outcome: Outcome, marks: dict[str, SheetMarks]) -> tuple[dict[str, list[dict[int, int]]], dict]:
    """What the file engine adds to the plan's template blocks (``plans.collect_plan``) so the
    office's marks (``marks``: the master's fills and comments) follow the rows: per sheet the cell
    formats of each written row, and the patches that move the comments of the rewritten rows with
    them — a replaced row's go to the new row that carries them (``collect.SheetState.source``) or
    are dropped (历史版本 describes them)."""
    styles, patches = {}, {}
    for state in outcome.sheets.values():
        found = marks.get(state.table.sheet)
        if not state.changed or not found:
            continue
        start, kept = written_rows(state)
        first = state.table.first_row
        if found.fills:
            by_row: dict[int, dict[int, int]] = {}
            for (r, c), xf in found.fills.items():
                by_row.setdefault(r, {})[c] = xf
            styles[state.table.sheet] = [by_row.get(first + state.source(i), {}) if state.source(i) is not None else {}
                                         for i in kept]
        if found.comments:
            new_row = {first + state.source(i): first + start + k for k, i in enumerate(kept) if state.source(i) is not None}
            data = range(first + start, first + state.existing)

            def moved(r, new_row=new_row, data=data):
                return new_row.get(r) if r in data else r
            patches[found.comments_part] = lambda xml, moved=moved: move_comments(xml, moved)
            if found.vml_part:
                patches[found.vml_part] = lambda xml, moved=moved: move_notes(xml, moved)
    return styles, patches


def collect_into(master: Path, items, as_of: dt.date, config, accept_sender_mismatch: bool = False) -> tuple[Outcome, list, bool]:
    """Collect ``items`` into the master file; returns (plan, 报送情况 rows, whether the file was written).
    Holds the master's writer lock from reading to writing."""
    paused = gc.isenabled()
    gc.disable()  # the grids and the master's rows are millions of objects, freed by their reference counts:
    try:          # the cyclic GC would only rescan them again and again (0.6 s of 9 s in benchmarks/bench_collect.py)
        with exclusive(master):
            return _collect_into(master, items, as_of, config, accept_sender_mismatch)
    finally:
        if paused:
            gc.enable()


def _collect_into(master: Path, items, as_of: dt.date, config, accept_sender_mismatch: bool) -> tuple[Outcome, list, bool]:
    grids = read_master(master)
    marks = read_marks(master, [t.sheet for t in catalogue.templates()])
    outcome = collect(grids, items, as_of, config, accept_sender_mismatch, office_marks(marks))
    plan, rows = collect_plan(outcome, grids, as_of, Calendar.from_config(config), config)
    changed = outcome.changed  # nothing accepted: the master stays byte for byte as it was (no backup either)
    if changed:
        refuse_overflow(plan, master.name)
        styles, patches = carried(outcome, marks)
        atomic_write(master, lambda tmp: apply(master, tmp, plan, patches, styles))
    return outcome, rows, changed
