"""``credit-macros remind MASTER (--out DIR | --send)``: 催报 and 退回修改 mails (see ``credit_macros.remind``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_macros.commands.deadline import parse_date
from credit_macros.safeio import ensure_folder
from credit_macros.io.collect_master import read_master
from credit_macros.remind import draft_name, plan_reminders, send, write_drafts
from credit_macros.submissions import submission_rows
from credit_macros.workdays import Calendar

NAME = "remind"
HELP = "生成催报/退回修改邮件：临近期限或逾期未报的单位、报送文件有校验问题的单位（--out 存为草稿，--send 直接发送）"
ORDER = 40


def add_arguments(parser) -> None:
    parser.add_argument("master", metavar="MASTER", type=Path, help="总台账（已用 collect 汇总）")
    parser.add_argument("--as-of", metavar="DATE", help="按哪一天判断期限（默认今天），如 2026-02-10")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="DIR", type=Path, help="把邮件存为 .eml 草稿到此目录（可用 Outlook/Foxmail 打开后发送）")
    target.add_argument("--send", action="store_true", help="按 config.toml [mail] 的发件服务器直接发送")


def run(args, ctx) -> int:
    as_of = parse_date(args.as_of) if args.as_of else dt.date.today()
    if args.out is not None:
        ensure_folder(args.out)
    calendar = Calendar.from_config(ctx.config)
    grids = read_master(args.master)
    reminders = plan_reminders(submission_rows(grids, as_of, calendar, ctx.config), grids, as_of, ctx.config, calendar)
    if not reminders:
        print(f"截至 {as_of.isoformat()}，没有需要提醒的单位。", file=ctx.out)
        return 0
    if args.send:
        done, warnings = send(reminders, ctx.config, as_of)
        print(f"已发送提醒邮件 {len(done)} 封：", file=ctx.out)
        for r in done:
            print(f"  {r.unit} <{r.to}>：{r.subject}", file=ctx.out)
    else:
        drafted, warnings = write_drafts(reminders, args.out, as_of, ctx.config)
        print(f"已生成提醒邮件草稿 {len(drafted)} 封：{args.out}", file=ctx.out)
        for r in drafted:
            print(f"  {draft_name(r)}：{len(r.due)} 项待报送，{r.findings} 处待修改", file=ctx.out)
    for warning in warnings:
        print(f"注意：{warning}", file=ctx.out)
    return 0
