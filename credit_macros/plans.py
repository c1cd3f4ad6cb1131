"""One write plan per operation: what ``collect`` and ``status`` write into the master, as plain values.

The core decides the writes once; the two engines only apply them: the file engine
(``io.xlsxstream.apply``: the saved .xlsx, every other part copied byte for byte) and the ribbon
engine (``excel.apply_plan``: the open workbook, one ``range.value = rows`` per block). So the
CLI and the ribbon put the same values into the same cells, and a newcomer who changes where a
row goes changes it here.

A ``Plan`` holds

* ``blocks``: sheet name → ``Block`` — ``rows[0]`` becomes sheet row ``start`` (1-based) and so
  on; the rows below, up to ``end`` (the last row the sheet used before), are emptied;
* ``cells``: sheet name → {"B1": value} — single values (``None`` empties the cell), e.g. the
  基准日期 that ``status --as-of`` writes.

Excel's sheets end at row ``MAX_ROWS``: a plan that would write past it is refused before
anything is written (``refuse_overflow``), and ``status`` warns at ``WARN_SHARE`` of it
(``near_limit``) so the office archives a closed year in time (``credit-macros archive``, whose
rows to move and removal plan are ``archive_split``).

>>> plan = Plan({"收文记录": Block(5, [["a"], ["b"]])}, {"重点任务": {"B1": None}})
>>> plan.blocks["收文记录"].last, bool(plan), bool(Plan())
(6, True, False)
>>> refuse_overflow(Plan({"表": Block(MAX_ROWS, [["x"], ["y"]])}), "台账.xlsx")
Traceback (most recent call last):
...
credit_macros.errors.UserError: 台账.xlsx 的工作表“表”合并后将有 1,048,577 行，超过 Excel 每个工作表 1,048,576 行的上限，未作任何修改。请先用 credit-macros archive 台账.xlsx --year 年份 把已结束年度的行移入归档工作簿，再重试。
>>> near_limit({"表": 900_000, "小表": 10}, "台账.xlsx")
['台账.xlsx 的工作表“表”已有 900,000 行，达到 Excel 上限 1,048,576 行的 86%；请用 credit-macros archive 台账.xlsx --year 年份 把已结束年度的行移入归档工作簿。']
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from credit_macros import catalogue
from credit_macros.catalogue.sheets import FINDINGS_SHEET, HISTORY_HEADERS, HISTORY_SHEET, RECEIPTS_SHEET, STATUS_SHEET
from credit_macros.collect import Outcome, SheetState
from credit_macros.errors import UserError
from credit_macros.submissions import parse_month, status_grid, submission_rows
from credit_macros.table import is_blank

MAX_ROWS = 1_048_576  # rows of an Excel / WPS worksheet
WARN_SHARE = 0.8


@dataclass
class Block:
    """Rows for one sheet from ``start`` on (see the module docstring); ``end``: the sheet's last used
    row before, so an engine that writes into a live sheet knows which rows to empty (0: none)."""

    start: int
    rows: list[list]
    end: int = 0

    @property
    def last(self) -> int:
        """The sheet's last row once the block is written."""
        return self.start - 1 + len(self.rows)


@dataclass
class Plan:
    blocks: dict[str, Block] = field(default_factory=dict)
    cells: dict[str, dict[str, object]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.blocks or self.cells)


def used(grid: list[list]) -> int:
    """Rows of ``grid`` up to its last non-blank one.

    >>> used([["h"], ["a"], [None, ""], []])
    2
    """
    n = len(grid)
    while n and all(is_blank(v) for v in grid[n - 1]):
        n -= 1
    return n


def comparable(grid: list[list]) -> list[tuple]:
    """``grid`` as the values a reader gives back: a date as midnight, ``""`` as empty, no empty tail.

    >>> comparable([["a", dt.date(2026, 1, 2), ""], [None]]) == comparable([["a", dt.datetime(2026, 1, 2)]])
    True
    """
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


def status_block(old: list[list], new: list[list]) -> Block | None:
    """报送情况 rewritten from row 2 with ``new[1:]`` (``new``: the grid with its header row), or
    None when it shows the same values as ``old`` (the sheet as read)."""
    if comparable(new) == comparable(old):
        return None
    return Block(2, new[1:], used(old))


def written_rows(state: SheetState) -> tuple[int, list[int]]:
    """(index of the first row written, indices of the rows written from it) of a changed template
    sheet: from its first removed row (or its end when rows are only added), the rows that survive."""
    removed = state.removed
    start = removed[0] if removed else state.existing
    return start, [i for i in range(start, len(state.rows)) if state.alive[i]]


def collect_plan(outcome: Outcome, grids: dict[str, list[list]], as_of: dt.date, calendar, config) -> tuple[Plan, list]:
    """The writes of a ``collect.collect`` outcome on the master read as ``grids``, and the
    报送情况 rows (``SubmissionRow``) as of ``as_of`` once it is merged: the template sheets from
    their first removed row (or their end when rows are only added), new 收文记录 and 历史版本
    rows after the last used one, 退回修改 when its findings changed, 报送情况 when it changed."""
    plan = Plan()
    for state in outcome.sheets.values():
        if state.changed:
            start, kept = written_rows(state)
            first = state.table.first_row
            plan.blocks[state.table.sheet] = Block(first + start, [state.rows[i] for i in kept], first + state.existing - 1)
    for name, rows in ((RECEIPTS_SHEET, outcome.receipts), (HISTORY_SHEET, outcome.history)):
        if rows:
            plan.blocks[name] = Block(used(grids[name]) + 1, rows)
    if outcome.findings_changed:
        plan.blocks[FINDINGS_SHEET] = Block(2, outcome.findings, used(grids[FINDINGS_SHEET]))
    receipts = grids[RECEIPTS_SHEET][: used(grids[RECEIPTS_SHEET])] + outcome.receipts
    submissions = submission_rows({RECEIPTS_SHEET: receipts, STATUS_SHEET: grids[STATUS_SHEET]}, as_of, calendar, config)
    block = status_block(grids[STATUS_SHEET], status_grid(submissions))
    if block is not None:
        plan.blocks[STATUS_SHEET] = block
    return plan, submissions


def status_plan(grids: dict[str, list[list]] | None, as_of: dt.date | None, day: dt.date, calendar, config,
                as_of_cells) -> tuple[Plan, list]:
    """The writes of ``status`` as of ``day``, and the 报送情况 rows: 报送情况 recomputed from
    ``grids`` (收文记录 and 报送情况 as read; None: the workbook has no such sheets) when it
    changed, and ``as_of`` (None: empty, the workbook then follows TODAY()) into each (sheet,
    cell) of ``as_of_cells``."""
    plan, submissions = Plan(), []
    if grids is not None:
        submissions = submission_rows(grids, day, calendar, config)
        block = status_block(grids[STATUS_SHEET], status_grid(submissions))
        if block is not None:
            plan.blocks[STATUS_SHEET] = block
    for sheet, cell in as_of_cells:
        plan.cells.setdefault(sheet, {})[cell] = as_of
    return plan, submissions


def _archive_hint(book: str) -> str:
    return f"用 credit-macros archive {book} --year 年份 把已结束年度的行移入归档工作簿"


def refuse_overflow(plan: Plan, book: str) -> None:
    """``UserError`` naming the first sheet the plan would push past ``MAX_ROWS``."""
    for name, block in plan.blocks.items():
        if block.last > MAX_ROWS:
            raise UserError(f"{book} 的工作表“{name}”合并后将有 {block.last:,} 行，超过 Excel 每个工作表 "
                            f"{MAX_ROWS:,} 行的上限，未作任何修改。请先{_archive_hint(book)}，再重试。")


def near_limit(heights: dict[str, int], book: str) -> list[str]:
    """A warning for each sheet (name → last row) at ``WARN_SHARE`` of ``MAX_ROWS`` or more."""
    return [f"{book} 的工作表“{name}”已有 {rows:,} 行，达到 Excel 上限 {MAX_ROWS:,} 行的 {rows / MAX_ROWS:.0%}；"
            f"请{_archive_hint(book)}。"
            for name, rows in heights.items() if rows >= WARN_SHARE * MAX_ROWS]


def row_digest(row) -> str:
    """A content hash of one row's values as a reader gives them back (``comparable``; a whole
    number the same as an int), so a row read from the archive hashes as it did in the master.

    >>> row_digest(["a", 3.0, dt.date(2026, 1, 2), ""]) == row_digest(["a", 3, dt.datetime(2026, 1, 2)])
    True
    """
    values = comparable([row])
    values = tuple(int(v) if isinstance(v, float) and v.is_integer() else v for v in (values[0] if values else ()))
    return hashlib.sha256(repr(values).encode("utf-8")).hexdigest()


@dataclass
class Archive:
    """What ``archive --year`` moves: per sheet, the master's first data row and the rows that go
    (``moved``), and the plan that removes them from the master (``master``)."""

    moved: dict[str, tuple[int, list[list]]]
    master: Plan

    @property
    def count(self) -> int:
        return sum(len(rows) for _, rows in self.moved.values())


def _split(first: int, rows: list[list], period_column: int, year: int, moved: dict, plan: Plan, sheet: str) -> None:
    going = [i for i, row in enumerate(rows)
             if period_column < len(row) and (parse_month(row[period_column]) or (None,))[0] == year]
    if not going:
        return
    gone = set(going)
    moved[sheet] = (first, [rows[i] for i in going])
    kept = [row for i, row in enumerate(rows[going[0]:], start=going[0]) if i not in gone]
    plan.blocks[sheet] = Block(first + going[0], kept, first + len(rows) - 1)


def archive_split(grids: dict[str, list[list]], year: int) -> Archive:
    """The template rows and 历史版本 rows of ``year`` (by their 报送期) in the master read as ``grids``."""
    moved, plan = {}, Plan()
    for template in catalogue.templates():
        state = SheetState.from_grid(template, grids[template.sheet])
        _split(state.table.first_row, state.rows, state.prov["报送期"], year, moved, plan, template.sheet)
    history = grids[HISTORY_SHEET][1: used(grids[HISTORY_SHEET])]
    _split(2, [list(r) for r in history], HISTORY_HEADERS.index("报送期"), year, moved, plan, HISTORY_SHEET)
    return Archive(moved, plan)
