"""``credit-macros build``: write the master tracker and the blank templates."""

from __future__ import annotations

from pathlib import Path

from credit_macros import catalogue
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue import units as unitlib
from credit_macros.errors import UserError
from credit_macros.workbook.master import MASTER_NAME, write_build

NAME = "build"
HELP = "生成总台账工作簿（各模板工作表、重点任务、主要任务、成员单位、说明）和空白报送模板"
ORDER = 10
DEFAULT_OUT = Path("workbooks") / MASTER_NAME


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="PATH", type=Path, default=None,
                        help=f"总台账输出路径（默认 {DEFAULT_OUT}；空白模板写在同一目录的“空白模板”子目录）")


def run(args, ctx) -> int:
    out: Path = args.out or DEFAULT_OUT
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件 {out} 的扩展名应为 .xlsx。")
    if args.out is None:
        out.parent.mkdir(parents=True, exist_ok=True)
    elif not out.parent.exists():
        raise UserError(f"输出目录 {out.parent} 不存在，请先创建该目录或换一个输出位置。")
    written = write_build(out, ctx.config, blanks_dir=out.parent)
    key_tasks = tasklib.key_tasks()
    print(f"已生成总台账：{written[0]}", file=ctx.out)
    print(f"  模板工作表 {len(catalogue.templates())} 个：{'、'.join(t.sheet for t in catalogue.templates())}", file=ctx.out)
    print(f"  重点任务 {len(key_tasks)} 条，主要任务 {len(tasklib.main_tasks())} 项，成员单位 {len(unitlib.all_units())} 个", file=ctx.out)
    print(f"已生成空白报送模板 {len(written) - 1} 个：{written[1].parent if len(written) > 1 else ''}", file=ctx.out)
    print(f"配置：{ctx.config.source_label}", file=ctx.out)
    return 0
