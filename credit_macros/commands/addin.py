"""``credit-macros addin build [--out PATH]``: build the Excel add-in from its text sources."""

from __future__ import annotations

from credit_macros.ribbon import xlam

NAME = "addin"
HELP = "生成 Excel 加载项 credit_macros.xlam（“信用台账”功能区选项卡）"
ORDER = 90


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="addin_action", metavar="操作", required=True)
    build = actions.add_parser("build", help="根据 buttons.toml 生成加载项文件", description="根据 credit_macros/ribbon/buttons.toml 生成加载项文件；只放入 credit_macros.excel 中已有函数的按钮。")
    build.add_argument("--out", metavar="PATH", default=str(xlam.DEFAULT_OUT),
                       help=f"输出文件（默认：当前目录下的 {xlam.DEFAULT_OUT.as_posix()}）")


def run(args, ctx) -> int:
    result = xlam.build(args.out)
    for button in result.skipped:
        print(f"注意：{result.ribbon.module} 中还没有函数 {button.function}，按钮“{button.label}”未放入功能区。", file=ctx.err)
    print(f"已生成加载项 {result.path}：功能区“{result.ribbon.tab_label}”共 {len(result.ribbon.buttons)} 个按钮。", file=ctx.out)
    return 0
