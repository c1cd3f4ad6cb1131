"""``credit-macros status WORKBOOK [--as-of DATE]``: recompute deadlines and colours in the master.

Writes the as-of date into the 基准日期 cells of 重点任务 and 事项台账 (cleared without
``--as-of``: the workbook then follows TODAY()), installs or refreshes the status columns, the
事项台账 and the hidden 日历 (``credit_macros.build.tracking``), rewrites 报送情况 from
收文记录 and the hand-typed receipts (``submissions_sheet.refresh_submissions``), and stores
Python's results as the formulas' cached values. Nothing else in the workbook changes; running it twice gives
the same workbook. The previous file is kept as ``name.bak.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl

from credit_macros.build import calendar_sheet, ledger_sheet, task_status, tracking
from credit_macros.build.submissions_sheet import refresh_submissions
from credit_macros.commands.deadline import parse_date
from credit_macros.errors import UserError
from credit_macros.io.read import classify
from credit_macros.safeio import atomic_write, exclusive, latest_backup, refuse_if_locked
from credit_macros.submissions import counts
from credit_macros.workdays import Calendar

NAME = "status"
HELP = "更新总台账的期限和状态：重点任务的本期期限、事项台账的期限，逾期标红、临近标黄、已完成标绿"
ORDER = 30


def add_arguments(parser) -> None:
    parser.add_argument("workbook", metavar="WORKBOOK", type=Path, help="总台账文件（.xlsx，由 credit-macros build 生成）")
    parser.add_argument("--as-of", metavar="DATE",
                        help="按此日期计算（如 2026-10-08）并写入“基准日期”单元格；不写则按今天计算并清空“基准日期”")


def _load(path: Path):
    if not path.exists():
        raise UserError(f"文件 {path} 不存在，请检查路径。")
    kind, problem = classify(path)
    if problem or kind != "xlsx" or path.suffix.lower() != ".xlsx":
        raise UserError(f"{problem or f'文件 {path.name} 不是 .xlsx 工作簿。'}请指定 credit-macros build 生成的总台账（.xlsx）；"
                        f"总台账损坏时可用同目录的备份 {latest_backup(path).name} 恢复。")
    refuse_if_locked(path)
    try:
        wb = openpyxl.load_workbook(path)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        # SyntaxError: malformed sheet XML (lxml's XMLSyntaxError and ElementTree's ParseError)
        raise UserError(f"无法打开 {path.name}：文件内部结构已损坏，未作任何修改；可用同目录的备份 {latest_backup(path).name} 恢复。",
                        detail=str(exc))
    if task_status.SHEET not in wb.sheetnames:
        raise UserError(f"{path.name} 中没有“{task_status.SHEET}”工作表，不是总台账；"
                        "请指定 credit-macros build 生成的《信用体系建设台账》。")
    return wb


def _summary(values: dict, column_of) -> str:
    counts = Counter(v.replace(calendar_sheet.PROVISIONAL_MARK, "") for c, v in values.items() if column_of(c) and v)
    return "、".join(f"{word} {counts[word]}" for word in ("逾期", "临近", "未到期", "已完成") if counts[word])


def run(args, ctx) -> int:
    with exclusive(args.workbook, err=ctx.err):
        return _refresh(args, ctx)


def _refresh(args, ctx) -> int:
    as_of = parse_date(args.as_of) if args.as_of else None
    path: Path = args.workbook
    wb = _load(path)
    where = f"{path.name} 中"
    day = as_of or dt.date.today()
    tracking.check_year(day, ctx.config, "基准日期 ")
    calendar = Calendar.from_config(ctx.config)
    tracking.install(wb, ctx.config, calendar, day, where)
    for sheet in (task_status.SHEET, ledger_sheet.SHEET):
        wb[sheet][calendar_sheet.AS_OF_INPUT] = as_of
    submissions = refresh_submissions(wb, day, ctx.config)
    values = tracking.cached_values(wb, day, calendar, ctx.config, where)
    atomic_write(path, lambda tmp: tracking.write(wb, tmp, values))
    status_col = task_status.columns(wb[task_status.SHEET]).status
    tasks = _summary(values[task_status.SHEET], lambda c: c.rstrip("0123456789") == status_col)
    events = _summary(values[ledger_sheet.SHEET], lambda c: c.rstrip("0123456789") == ledger_sheet.STATUS)
    print(f"已更新 {path}（基准日期 {day.isoformat()}{'' if as_of else '，今天'}）", file=ctx.out)
    print(f"  重点任务：{tasks or '无'}", file=ctx.out)
    print(f"  事项台账：{events or '无事项'}", file=ctx.out)
    tally = counts(submissions)
    print(f"  报送情况：{'、'.join(f'{w} {n}' for w, n in tally.items() if n) or '无'}", file=ctx.out)
    if any(calendar_sheet.PROVISIONAL_MARK in str(v) for sheet in values.values() for v in sheet.values()):
        print("  标有“（暂定）”的期限所在年份放假安排尚未发布，发布后请在 config.toml 的 [calendar.years.YYYY] 中填写，"
              "再运行本命令。", file=ctx.out)
    return 0
