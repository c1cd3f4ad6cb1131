"""``credit-macros collect MASTER SOURCE...``: merge the units' workbooks into the master (see ``credit_macros.collect``).

Exit codes (text and ``--json`` alike; ``EXIT_CODES``): 0 every workbook found was merged (or
had been collected before); 1 some were merged, some refused; 3 none was merged (all refused,
or no workbook among the sources; the master is then left byte for byte as it was); 2 unusable
input (master missing or not a master, bad option).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from credit_macros.commands.deadline import parse_date
from credit_macros.io.collect_master import collect_into
from credit_macros.io.intake import gather
from credit_macros.submissions import counts

NAME = "collect"
HELP = "汇总各单位报送的工作簿（文件、文件夹、.eml 或 Outlook .msg 邮件）到总台账，并刷新报送情况"
ORDER = 30
ALL_MERGED, SOME_REFUSED, NONE_MERGED = 0, 1, 3
EXIT_CODES = (f"退出码：{ALL_MERGED} 全部接收（或此前已汇总）；{SOME_REFUSED} 部分接收、部分未接收；"
              f"{NONE_MERGED} 一个也未接收（总台账不变）；2 输入有误")


def add_arguments(parser) -> None:
    parser.epilog = EXIT_CODES
    parser.add_argument("master", metavar="MASTER", type=Path, help="总台账（credit-macros build 生成的 .xlsx）")
    parser.add_argument("sources", metavar="SOURCE", nargs="+",
                        help="报送文件：文件夹、.xlsx/.xlsm/.xls 工作簿、.eml 邮件或 Outlook .msg 邮件，可写多个")
    parser.add_argument("--as-of", metavar="DATE", help="按哪一天判断期限和逾期（默认今天），如 2026-02-10")
    parser.add_argument("--accept-sender-mismatch", action="store_true",
                        help="发件人邮箱（config.toml 中登记的单位邮箱）与工作簿所属单位不符时，信用办核实后仍予汇总（默认不汇总，列为未接收）")
    parser.add_argument("--json", action="store_true",
                        help="输出 JSON：accepted、replaced、rejected（detail 为程序库的原始说明）、duplicates、other_attachments、status")


def summary_lines(outcome, rows, written: bool, master: Path, as_of: dt.date) -> list[str]:
    lines = [f"汇总到总台账：{master}", *("  " + line for line in outcome.summary_lines(rows, as_of))]
    lines.append("  总台账已更新（原文件备份为 .bak.xlsx）。" if written else "  没有接收任何新文件，总台账未改动。")
    return lines


def run(args, ctx) -> int:
    as_of = parse_date(args.as_of) if args.as_of else dt.date.today()
    items = gather(args.sources, exclude=args.master)
    outcome, rows, written = collect_into(args.master, items, as_of, ctx.config, args.accept_sender_mismatch)
    if args.json:
        result = {"master": str(args.master), "as_of": as_of.isoformat(), "written": written,
                  "exit_code": exit_code(outcome), **outcome.to_dict(),
                  "status": counts(rows)}
        print(json.dumps(result, ensure_ascii=False, indent=1), file=ctx.out)
    else:
        print("\n".join(summary_lines(outcome, rows, written, args.master, as_of)), file=ctx.out)
    return exit_code(outcome)


def exit_code(outcome) -> int:
    """``ALL_MERGED`` / ``SOME_REFUSED`` / ``NONE_MERGED`` (see the module docstring)."""
    if outcome.accepted:
        return SOME_REFUSED if outcome.rejected else ALL_MERGED
    return ALL_MERGED if outcome.duplicates and not outcome.rejected else NONE_MERGED
