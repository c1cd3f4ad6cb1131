"""``credit-macros split MASTER --period YYYY-MM``: one workbook per member unit for the month (see ``workbook.unit_book``)."""

from __future__ import annotations

from pathlib import Path

from credit_macros.build.unit_book import write_unit_books
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue.sheets import STATUS_SHEET
from credit_macros.collect import period_argument
from credit_macros.safeio import ensure_folder
from credit_macros.io.collect_master import read_master

NAME = "split"
HELP = "按成员单位拆分报送表：每个单位一个工作簿，只含其负责的模板，已填单位和报送期，表头已保护"
ORDER = 25


def add_arguments(parser) -> None:
    parser.add_argument("master", metavar="MASTER", type=Path, help="总台账（用于核对；拆分内容来自模板目录）")
    parser.add_argument("--period", metavar="YYYY-MM", required=True, help="报送期（数据所属月份），如 2026-01、2026-1 或 2026年1月")
    parser.add_argument("--out", metavar="DIR", type=Path, default=None, help="输出目录（默认：总台账所在目录下的“报送表_YYYY-MM”）")


def run(args, ctx) -> int:
    period = period_argument(args.period)
    read_master(args.master)
    out = args.out or args.master.parent / f"报送表_{period}"
    ensure_folder(out)
    written, skipped = write_unit_books(period, out, ctx.config)
    print(f"已为 {len(written)} 个成员单位生成 {period} 报送表：{out}", file=ctx.out)
    for unit, path in written:
        print(f"  {unit}：{path.name}（{'、'.join(tasklib.unit_templates(unit))}）", file=ctx.out)
    if skipped:
        print(f"以下 {len(skipped)} 个单位不负责任何报送模板，未生成文件（季度案例等事项在“{STATUS_SHEET}”中登记）："
              f"{'、'.join(skipped)}", file=ctx.out)
    return 0
