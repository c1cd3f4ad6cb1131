"""``credit-macros demo``: a whole monthly cycle on synthetic data (see ``credit_macros.demo``)."""

from __future__ import annotations

from pathlib import Path

from credit_macros.build.styles import header_width
from credit_macros.catalogue.sheets import INDICATOR_SHEET, OFFICE_SHEETS
from credit_macros.collect import period_argument
from credit_macros.commands.deadline import parse_date
from credit_macros.demo import default_as_of, write_demo
from credit_macros.errors import UserError
from credit_macros.submissions import LATE, MISSING, NOT_DUE, ON_TIME

NAME = "demo"
HELP = "演示一个月的报送流程：生成总台账和各单位的模拟报送邮件，汇总、刷新报送情况、生成催报邮件和半月通报"
ORDER = 5
DEFAULT_PERIOD = "2026-01"


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("demo-output"), help="输出目录（默认 ./demo-output）")
    parser.add_argument("--period", metavar="YYYY-MM", default=DEFAULT_PERIOD, help=f"模拟的报送期（默认 {DEFAULT_PERIOD}）")
    parser.add_argument("--as-of", metavar="DATE", help="按哪一天判断期限并出半月通报（默认报送期次月16日）")
    parser.add_argument("--seed", type=int, default=20260210, help="随机种子（同一种子结果相同）")


def run(args, ctx) -> int:
    args.period = period_argument(args.period)
    as_of = parse_date(args.as_of) if args.as_of else default_as_of(args.period)
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"{args.out} 是文件，不是目录，请换一个输出目录。")
    result = write_demo(args.out, args.period, as_of, args.seed)
    outcome, rows = result.outcome, result.rows
    units = sorted({r.unit for r in rows if r.cycle == "每月"})
    table = [("项目", "数量"),
             ("报送单位（负责月度模板）", len(units)),
             ("收到邮件", len(result.inbox)),
             ("接收文件", len(outcome.accepted)),
             ("其中替换旧版", sum(1 for a in outcome.accepted if a.replaced)),
             ("其中有校验问题（退回修改）", sum(1 for a in outcome.accepted if a.errors)),
             ("未接收", len(outcome.rejected))]
    monthly = [r for r in rows if r.cycle == "每月" and r.period == args.period]
    table += [(f"{args.period} 月度事项 {word}", sum(1 for r in monthly if r.status == word)) for word in (ON_TIME, LATE, MISSING, NOT_DUE)]
    table.append(("提醒邮件草稿", len(result.reminders)))
    width = max(header_width(k, 0, 99) for k, _ in table) + 2
    print(f"演示：{args.period} 报送期，截至 {as_of.isoformat()}（输出目录 {args.out}）", file=ctx.out)
    for key, value in table:
        print(f"  {key}{' ' * (width - header_width(key, 0, 99))}{value}", file=ctx.out)
    for r in outcome.rejected:
        print(f"  未接收：{r.file}：{r.reason}", file=ctx.out)
    for warning in result.warnings:
        print(f"  注意：{warning}", file=ctx.out)
    report = result.report
    scored = sorted(report.scored, key=lambda u: u.rank)
    print(f"半月通报：{report.title}，{report.period.label}，{len(scored)} 个单位评分", file=ctx.out)
    name_width = max((header_width(u.unit, 0, 99) for u in scored), default=0) + 2
    for u in scored:
        print(f"  第{u.rank:>2}名 {u.unit}{' ' * (name_width - header_width(u.unit, 0, 99))}{u.score:5.1f} 分"
              f"（应报 {u.due}，按时 {u.on_time}，逾期 {u.late}，未报 {u.missing}）", file=ctx.out)
    met = sum(1 for i in report.indicators if i.status == "达标")
    print(f"  指标：{len(report.indicators)} 项，达标 {met} 项（数据见总台账“{INDICATOR_SHEET}”工作表）", file=ctx.out)
    print(f"  通报文件：{report.xlsx}；{report.docx}", file=ctx.out)
    print(f"总台账：{result.master}（基准日期 {as_of.isoformat()}；见{''.join(f'“{s}”' for s in (*OFFICE_SHEETS, INDICATOR_SHEET))}工作表）", file=ctx.out)
    print(f"收件箱：{args.out / 'inbox'}；提醒邮件草稿：{args.out / 'outbox'}", file=ctx.out)
    return 0
