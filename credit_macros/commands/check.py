"""``credit-macros check FILE``: validate the template sheets of a workbook where they are."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

from credit_macros.catalogue.sheets import RESULT_SHEET
from credit_macros.errors import UserError
from credit_macros.io.filemarks import apply_marks, ensure_writable
from credit_macros.io.read import read_book
from credit_macros.safeio import exclusive
from credit_macros.validate import validate_grids
from credit_macros.validate.values import parse_date

NAME = "check"
HELP = "校验报送工作簿：必填、代码校验位、日期、选项、重复行等；--in-place 在原文件中标出问题单元格"
ORDER = 20


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="要校验的工作簿（.xlsx、.xlsm、.xls）")
    parser.add_argument("--sheet", metavar="S", help="只校验这一个工作表（默认：所有能识别为模板的工作表）")
    parser.add_argument("--in-place", action="store_true",
                        help=f"在原文件中标出问题：错误标红、警告标黄、批注写明原因，并生成“{RESULT_SHEET}”工作表（原文件备份为 .bak）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    parser.add_argument("--as-of", metavar="DATE", help="按哪一天判断“未来日期”，如 2023-06-30（默认今天）")


def as_of_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    day = parse_date(text)
    if day is None:
        raise UserError(f"--as-of 的值「{text}」不是日期，请写成 2023-06-30 这样的形式。")
    return day


def run(args, ctx) -> int:
    with exclusive(args.file, err=ctx.err) if args.in_place else contextlib.nullcontext():
        return _check(args, ctx)


def _check(args, ctx) -> int:
    path: Path = args.file
    as_of = as_of_date(args.as_of)
    if args.in_place:
        ensure_writable(path)
    grids, merged = read_book(path)
    report = validate_grids(grids, as_of, ctx.config, only_sheet=args.sheet, merged=merged, source=path.name)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False), file=ctx.out)
    else:
        print(report.render(), file=ctx.out)
    if args.in_place:
        backup = apply_marks(path, report, ctx.config, merged)
        if backup is None and not report.findings:
            print(f"未发现问题，文件中也没有以前的标记，文件未改动：{path}", file=ctx.err if args.json else ctx.out)
        else:
            where = f"已在原文件中标出问题单元格，并写入“{RESULT_SHEET}”工作表" if report.findings else "未发现问题，已清除以前的标记"
            print(f"{where}：{path}（修改前的版本已备份为 {backup.name}）" if backup else f"{where}：{path}",
                  file=ctx.err if args.json else ctx.out)
    return 1 if report.findings else 0
