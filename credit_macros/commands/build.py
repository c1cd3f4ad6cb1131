"""``credit-macros build``: write the master tracker and the blank templates."""

from __future__ import annotations

from pathlib import Path

from credit_macros import catalogue
from credit_macros.build.master import MASTER_NAME, write_build
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import RECEIPTS_SHEET
from credit_macros.errors import UserError
from credit_macros.io.read import read_grids
from credit_macros.safeio import ensure_folder, exclusive
from credit_macros.table import find_table, is_blank
from credit_macros.validate.rules import data_rows

NAME = "build"
HELP = "生成总台账工作簿（各模板工作表、重点任务、主要任务、成员单位、说明）和空白报送模板"
ORDER = 10
DEFAULT_OUT = Path("workbooks") / MASTER_NAME


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="PATH", type=Path, default=None,
                        help=f"总台账输出路径（默认 {DEFAULT_OUT}；空白模板写在同一目录的“空白模板”子目录）")
    parser.add_argument("--force", action="store_true",
                        help="输出路径上已有含数据的总台账时仍然重新生成（原文件会备份）")


def _records(path: Path) -> list[str]:
    """What a workbook at ``path`` holds that a rebuild would drop: "sheet N 行" per filled sheet."""
    if not path.is_file():
        return []
    try:
        grids = read_grids(path)
    except UserError:
        return []
    held = []
    for sheet, grid in grids.items():
        table = find_table(sheet, grid)
        if table is not None and data_rows(table):
            held.append(f"{sheet} {data_rows(table)} 行")
    receipts = [r for r in grids.get(RECEIPTS_SHEET, [])[1:] if any(not is_blank(v) for v in r)]
    if receipts:
        held.append(f"{RECEIPTS_SHEET} {len(receipts)} 行")
    return held


def run(args, ctx) -> int:
    out: Path = args.out or DEFAULT_OUT
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件 {out} 的扩展名应为 .xlsx。")
    ensure_folder(out.parent)
    with exclusive(out, err=ctx.err):
        held = _records(out)
        if held and not args.force:
            raise UserError(f"{out} 已有数据（{'、'.join(held)}），重新生成会清空这些内容，未作任何修改。"
                            "如确需重新生成，请加 --force（原文件会先备份），或用 --out 换一个输出位置。")
        written = write_build(out, ctx.config, blanks_dir=out.parent)
    key_tasks = tasklib.key_tasks()
    print(f"已生成总台账：{written[0]}", file=ctx.out)
    print(f"  模板工作表 {len(catalogue.templates())} 个：{'、'.join(t.sheet for t in catalogue.templates())}", file=ctx.out)
    print(f"  重点任务 {len(key_tasks)} 条，主要任务 {len(tasklib.main_tasks())} 项，成员单位 {len(unitlib.all_units())} 个", file=ctx.out)
    print(f"已生成空白报送模板 {len(written) - 1} 个：{written[1].parent if len(written) > 1 else ''}", file=ctx.out)
    print(f"配置：{ctx.config.source_label}", file=ctx.out)
    return 0
