"""``credit-macros clear FILE``: remove the marks ``check --in-place`` wrote."""

from __future__ import annotations

from pathlib import Path

from credit_macros.catalogue.sheets import RESULT_SHEET
from credit_macros.io.filemarks import clear_marks
from credit_macros.safeio import exclusive

NAME = "clear"
HELP = f"清除 check --in-place 写入的标记：恢复原有填充色和批注，删除“{RESULT_SHEET}”工作表"
ORDER = 21


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="做过校验标注的工作簿（.xlsx、.xlsm）")


def run(args, ctx) -> int:
    path: Path = args.file
    with exclusive(path, err=ctx.err):
        backup = clear_marks(path)
    if backup is None:
        print(f"文件 {path} 中没有校验标记，无需清除，文件未改动。", file=ctx.out)
    else:
        print(f"已清除校验标记，恢复原有填充色和批注：{path}（清除前的版本已备份为 {backup.name}）", file=ctx.out)
    return 0
