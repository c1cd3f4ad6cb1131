"""``credit-macros deadline DATE N``: the Nth working day after a date (see ``credit_macros.workdays``)."""

from __future__ import annotations

import datetime as dt
import json
import re

from credit_macros.errors import UserError
from credit_macros.validate.values import parse_date as cell_date
from credit_macros.workdays import Calendar, describe, provisional_notice

NAME = "deadline"
HELP = "计算某日之后第 N 个工作日（当日不计；按国家放假安排及 config.toml 的本地调整）"
ORDER = 80
MAX_WORKDAYS = 2500  # about ten years


def add_arguments(parser) -> None:
    parser.add_argument("date", metavar="DATE", help="起算日期，如 2026-09-28（也可写 2026/9/28、2026年9月28日）")
    parser.add_argument("workdays", metavar="N", help=f"工作日天数，0 到 {MAX_WORKDAYS}；0 = 当日或其后第一个工作日")
    parser.add_argument("--json", action="store_true", help="输出 JSON：start、workdays、due、provisional")


def parse_date(text: str) -> dt.date:
    """A date typed on the command line: 2026-09-28, 2026/9/28, 2026.9.28 or 2026年9月28日 — the
    forms validation accepts in cells (``validate.values.parse_date``)."""
    day = cell_date(text)
    if day is None:
        raise UserError(f"日期“{text}”无法识别，请写成 YYYY-MM-DD，如 2026-09-28。")
    return day


def parse_workdays(text: str) -> int:
    if not re.fullmatch(r"\s*\d{1,4}\s*", text) or int(text) > MAX_WORKDAYS:
        raise UserError(f"工作日天数“{text}”应为 0 到 {MAX_WORKDAYS} 之间的整数。")
    return int(text)


def run(args, ctx) -> int:
    start = parse_date(args.date)
    n = parse_workdays(args.workdays)
    calendar = Calendar.from_config(ctx.config)
    due = calendar.add_workdays(start, n)
    provisional = calendar.touches_provisional(start, due)
    if args.json:
        result = {"start": start.isoformat(), "workdays": n, "due": due.isoformat(), "provisional": provisional}
        print(json.dumps(result, ensure_ascii=False), file=ctx.out)
        return 0
    if n:
        line = f"{describe(start)}之后第 {n} 个工作日（当日不计）是 {describe(due)}。"
    else:
        line = f"{describe(start)}当日或其后的第一个工作日是 {describe(due)}。"
    if provisional:
        line += provisional_notice(calendar.provisional_years(start, due))
    print(line, file=ctx.out)
    return 0
