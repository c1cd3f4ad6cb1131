"""``credit-macros report MASTER [--as-of DATE] [--out PATH]``: the 半月通报 (see ``credit_macros.report``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_macros.commands.deadline import parse_date
from credit_macros.masking import mask
from credit_macros.report import make_report

NAME = "report"
HELP = "生成半月通报（Excel 和 Word）：各成员单位报送情况、得分排名、方案指标完成情况"
ORDER = 60


def add_arguments(parser) -> None:
    parser.add_argument("master", metavar="MASTER", type=Path, help="总台账工作簿（信用体系建设台账.xlsx）")
    parser.add_argument("--as-of", metavar="DATE", default=None,
                        help="通报日期（默认今天）；通报覆盖此日之前最近一个完整的半月（1–15日或16日–月末）")
    parser.add_argument("--out", metavar="PATH", type=Path, default=None,
                        help="输出的 .xlsx（同名 .docx 写在旁边；默认总台账旁“通报/半月通报_YYYYMMDD.xlsx”）")


def run(args, ctx) -> int:
    as_of = parse_date(args.as_of) if args.as_of else dt.date.today()
    result = make_report(args.master, as_of, ctx.config, args.out)
    print(f"已生成{result.title}：", file=ctx.out)
    print(f"  {result.xlsx}", file=ctx.out)
    print(f"  {result.docx}", file=ctx.out)
    print(mask(result.summary), file=ctx.out)
    for unit, kind, items, _, _ in result.urged:
        print(mask(f"  需督促：{unit}（{kind}）{items}"), file=ctx.out)
    for note in result.notes:
        print(f"说明：{note}", file=ctx.err)
    return 0
