"""``credit-macros calendar [YEAR]``: which years the working-day calendar knows, and from where."""

from __future__ import annotations

import datetime as dt
import json

from credit_macros.errors import UserError
from credit_macros.workdays import Calendar, coverage_lines

NAME = "calendar"
HELP = "查看工作日历：各年份放假安排的来源（程序包 / 配置 / 暂定）、放假天数和调休上班天数"
ORDER = 81


def add_arguments(parser) -> None:
    parser.add_argument("year", metavar="YEAR", nargs="?",
                        help="只看这一年（默认：工作方案年度的前一年至明年）")
    parser.add_argument("--json", action="store_true",
                        help="输出 JSON 列表：year、source、holidays、workdays_on_weekend、workdays、provisional")


def years_to_show(text: str | None, config) -> range:
    if text is None:
        return range(config["office"]["plan_year"] - 1, dt.date.today().year + 2)
    if not (text.strip().isdigit() and 1950 <= int(text) <= 2099):
        raise UserError(f"年份“{text}”应为 1950 到 2099 之间的四位数字，如 2027。")
    return range(int(text), int(text) + 1)


def run(args, ctx) -> int:
    calendar = Calendar.from_config(ctx.config)
    if args.json:
        print(json.dumps(calendar.coverage(years_to_show(args.year, ctx.config)), ensure_ascii=False), file=ctx.out)
        return 0
    for line in coverage_lines(calendar, years_to_show(args.year, ctx.config), ctx.config):
        print(line, file=ctx.out)
    return 0
