"""``credit-macros status WORKBOOK [--as-of DATE]``: recompute deadlines and colours in the master.

Writes the as-of date into the 基准日期 cells of 重点任务 and 事项台账 (cleared without
``--as-of``: the workbook then follows TODAY()), installs or refreshes the status columns, the
事项台账 and the hidden 日历 (``credit_macros.build.tracking``), rewrites 报送情况 from
收文记录 and the hand-typed receipts, and stores Python's results as the formulas' cached
values. Nothing else in the workbook changes; running it twice gives the same workbook, byte
for byte (a status that changes nothing does not write at all). The previous file is kept as
``name.bak.xlsx``.

Cost follows the sheets status owns, not the master: only the deadline sheets (``TRACKED``) are
loaded with openpyxl, from a copy of the package whose other sheets are left empty (报送情况 and
收文记录 keep their header row there; their rows are read with calamine, as ``collect`` reads
them, and only the plan writes to them); the writes
are the core's plan (``plans.status_plan``: 报送情况 and the 基准日期 cells, the same plan the
ribbon's 刷新期限与状态 applies) plus the formulas' cached values, written by the streaming file
engine (``xlsxstream.apply``), which copies every other part — the template sheets, 退回修改,
历史版本 — byte for byte. Only when the deadline sheets themselves need installing or
updating (a master built before they existed, a changed config, the 日历 growing into a new
year) is the whole master loaded and saved with openpyxl, as ``build`` writes it.
A sheet at 80 % of Excel's row limit is warned about (``plans.near_limit``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import to_excel
from python_calamine import CalamineError

from credit_macros import deadlines
from credit_macros.build import ledger_sheet, task_status, tracking
from credit_macros.build.cells import sheet_grid
from credit_macros.build.submissions_sheet import add_office_sheets
from credit_macros.catalogue.sheets import CALENDAR_SHEET, KEY_TASK_SHEET, LEDGER_SHEET, RECEIPTS_SHEET, STATUS_SHEET
from credit_macros.commands.deadline import parse_date
from credit_macros.errors import UserError
from credit_macros.io import bounded
from credit_macros.io.cached import full_calc_on_load, patch_sheet_xml, sheet_parts
from credit_macros.io.read import classify
from credit_macros.io.xlsxstream import SheetRows, apply, changes, rewrite
from credit_macros.plans import near_limit, status_plan
from credit_macros.safeio import atomic_write, exclusive, refuse_if_locked, restore_hint
from credit_macros.submissions import counts
from credit_macros.workdays import Calendar

TRACKED = (KEY_TASK_SHEET, LEDGER_SHEET, CALENDAR_SHEET)  # loaded whole with openpyxl
READ = (RECEIPTS_SHEET, STATUS_SHEET)  # read with calamine; their header row loaded with openpyxl
_SAVED_ANEW = "docProps/core.xml"  # openpyxl stamps the time of each save

NAME = "status"
HELP = "更新总台账的期限和状态：重点任务的本期期限、事项台账的期限，逾期标红、临近标黄、已完成标绿"
ORDER = 30


def add_arguments(parser) -> None:
    parser.add_argument("workbook", metavar="WORKBOOK", type=Path, help="总台账文件（.xlsx，由 credit-macros build 生成）")
    parser.add_argument("--as-of", metavar="DATE",
                        help="按此日期计算（如 2026-10-08）并写入“基准日期”单元格；不写则按今天计算并清空“基准日期”")


def _broken(path: Path, exc: Exception) -> UserError:
    return UserError(f"无法打开 {path.name}：文件内部结构已损坏，未作任何修改；{restore_hint(path)}",
                     detail=str(exc))


def _open(path: Path) -> tuple[dict[str, int], object, dict[str, list[list]]]:
    """(sheet name → last row, for every sheet; an openpyxl workbook holding the ``TRACKED`` sheets,
    the ``READ`` ones with their header row only and the others empty; the grids of the ``READ``
    sheets the workbook has), refusing what is not a readable master."""
    if not path.exists():
        raise UserError(f"文件 {path} 不存在，请检查路径。")
    kind, problem = classify(path)
    if problem or kind != "xlsx" or path.suffix.lower() != ".xlsx":
        raise UserError(f"{problem or f'文件 {path.name} 不是 .xlsx 工作簿。'}请指定 credit-macros build 生成的总台账（.xlsx）；"
                        f"总台账损坏时{restore_hint(path)}")
    refuse_if_locked(path)
    try:
        with zipfile.ZipFile(path) as book:
            parts = sheet_parts(book)
            try:
                heights = {name: bounded.scan(book, part, f"{path.name} 的工作表“{name}”").last_row
                           for name, part in parts.items()}
            except UserError as exc:  # a sheet's XML cut short or beyond the bounds: say where the backup is
                raise UserError(f"{exc.message}未作任何修改；{restore_hint(path)}",
                                exc.exit_code, exc.detail) from None
        if KEY_TASK_SHEET not in parts:
            raise UserError(f"{path.name} 中没有“{KEY_TASK_SHEET}”工作表，不是总台账；"
                            "请指定 credit-macros build 生成的《信用体系建设台账》。")
        grids = bounded.read_package(path, only=READ)[0]
        tracked = io.BytesIO()
        rewrite(path, tracked, {name: SheetRows(2 if name in READ else 1, []) for name in parts if name not in TRACKED})
        return heights, openpyxl.load_workbook(tracked), grids
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, CalamineError) as exc:
        # SyntaxError: malformed sheet XML (lxml's XMLSyntaxError and ElementTree's ParseError);
        # CalamineError: what calamine says of a damaged 报送情况 or 收文记录
        raise _broken(path, exc)


_UNSTABLE = re.compile(rb'\spriority="\d+"|\soutlineLevelCol="0"')


def _saved(wb) -> tuple[dict[str, bytes], dict]:
    """The parts of ``wb`` as openpyxl saves it, for comparison, with the 日历 sheet's cells
    given apart as (type, value as saved, style) by position — saving its thousands of rows
    was most of a status run. Left out of the parts: the save time, the conditional formats'
    priorities, which openpyxl numbers on from the rules it removed (the rules are re-added in
    the same order, so their order is what counts), and the ``outlineLevelCol="0"`` its first
    save of a loaded sheet adds."""
    calendar = wb[CALENDAR_SHEET] if CALENDAR_SHEET in wb.sheetnames else None
    cells = calendar._cells if calendar is not None else {}
    grid = {at: (cell.data_type, to_excel(cell.value) if cell.data_type == "d" else cell.value,
                 tuple(cell._style) if cell.has_style else ()) for at, cell in cells.items()}
    buffer = io.BytesIO()
    if calendar is not None:
        calendar._cells = {}
    try:
        wb.save(buffer)
    finally:
        if calendar is not None:
            calendar._cells = cells
    with zipfile.ZipFile(buffer) as book:
        return {name: _UNSTABLE.sub(b"", book.read(name)) for name in book.namelist() if name != _SAVED_ANEW}, grid


def _install(wb, config, calendar, day: dt.date, where: str) -> bool:
    """Install or refresh the deadline sheets and the office's sheets in ``wb``; whether that changed anything."""
    before = _saved(wb)
    tracking.install(wb, config, calendar, day, where)
    add_office_sheets(wb, config)
    return _saved(wb) != before


def _installed(path: Path, config, calendar, day: dt.date, where: str) -> io.BytesIO:
    """The whole master loaded with openpyxl, its deadline and office sheets installed, saved (as ``build`` writes it)."""
    try:
        wb = openpyxl.load_workbook(path)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise _broken(path, exc)
    tracking.install(wb, config, calendar, day, where)
    add_office_sheets(wb, config)
    saved = io.BytesIO()
    wb.save(saved)
    return saved


def _summary(values: dict, column_of) -> str:
    counts = Counter(v.replace(deadlines.PROVISIONAL_MARK, "") for c, v in values.items() if column_of(c) and v)
    return "、".join(f"{word} {counts[word]}" for word in ("逾期", "临近", "未到期", "已完成") if counts[word])


def run(args, ctx) -> int:
    with exclusive(args.workbook, err=ctx.err):
        return _refresh(args, ctx)


def _refresh(args, ctx) -> int:
    as_of = parse_date(args.as_of) if args.as_of else None
    path: Path = args.workbook
    heights, wb, read = _open(path)
    where = f"{path.name} 中"
    day = as_of or dt.date.today()
    tracking.check_year(day, ctx.config, "基准日期 ")
    calendar = Calendar.from_config(ctx.config)
    install = _install(wb, ctx.config, calendar, day, where)
    grids = {name: read[name] if name in read else sheet_grid(wb[name]) for name in READ}  # else: just added
    plan, submissions = status_plan(grids, as_of, day, calendar, ctx.config, tracking.AS_OF_CELLS)
    values = tracking.cached_values(wb, day, calendar, ctx.config, where)
    patches = {name: (lambda xml, cells=cells: patch_sheet_xml(xml, cells)) for name, cells in values.items()}
    patches["xl/workbook.xml"] = full_calc_on_load
    source = _installed(path, ctx.config, calendar, day, where) if install else path
    try:
        written = install or changes(path, plan, patches)
        if written:
            atomic_write(path, lambda tmp: apply(source, tmp, plan, patches))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _broken(path, exc)
    status_col = task_status.columns(wb[KEY_TASK_SHEET]).status
    tasks = _summary(values[KEY_TASK_SHEET], lambda c: c.rstrip("0123456789") == status_col)
    events = _summary(values[LEDGER_SHEET], lambda c: c.rstrip("0123456789") == ledger_sheet.STATUS)
    print(f"{'已更新' if written else '无需改动（文件未改动）：'} {path}（基准日期 {day.isoformat()}{'' if as_of else '，今天'}）",
          file=ctx.out)
    print(f"  重点任务：{tasks or '无'}", file=ctx.out)
    print(f"  事项台账：{events or '无事项'}", file=ctx.out)
    tally = counts(submissions)
    print(f"  报送情况：{'、'.join(f'{w} {n}' for w, n in tally.items() if n) or '无'}", file=ctx.out)
    if any(deadlines.PROVISIONAL_MARK in str(v) for sheet in values.values() for v in sheet.values()):
        print("  标有“（暂定）”的期限所在年份放假安排尚未发布，发布后请在 config.toml 的 [calendar.years.YYYY] 中填写，"
              "再运行本命令。", file=ctx.out)
    for line in near_limit(heights, path.name):
        print(f"  注意：{line}", file=ctx.out)
    return 0
