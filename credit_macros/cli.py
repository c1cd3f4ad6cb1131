"""Command line: ``credit-macros [--config PATH] COMMAND ...``.

Each sub-command is a module in ``credit_macros.commands`` (see docs/architecture.md);
this file only discovers them, loads the config and turns ``UserError`` into a Chinese
message and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from typing import TextIO

from credit_macros import __version__, commands
from credit_macros.config import Config, load_config, print_notice_once
from credit_macros.errors import UserError


@dataclass
class Context:
    config: Config
    out: TextIO
    err: TextIO


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese headings, help and usage errors (exit 2)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "用法：", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "用法：", 1)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        message = (
            message.replace("the following arguments are required", "缺少参数")
            .replace("unrecognized arguments", "无法识别的参数")
            .replace("invalid choice", "无效的选项")
            .replace("argument", "参数")
            .replace("expected one argument", "需要一个值")
            .replace("invalid int value", "不是整数")
        )
        print(f"错误：{message}（用 -h 查看用法）", file=sys.stderr)
        sys.exit(2)


def command_modules() -> list:
    mods = [importlib.import_module(f"credit_macros.commands.{m.name}")
            for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    return sorted(mods, key=lambda m: (m.ORDER, m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="credit-macros", description="信用台账助手：沣西新城社会信用体系建设台账工具。")
    parser.add_argument("--config", metavar="PATH", help="配置文件（默认：当前目录的 config.toml，没有则用内置默认配置）")
    parser.add_argument("--version", action="version", version=f"credit-macros {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for module in command_modules():
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(out)
        return 2
    try:
        config = load_config(args.config)
        print_notice_once(config, err)
        return args._run(args, Context(config, out, err))
    except UserError as exc:
        print(f"错误：{exc.message}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=err)
        return 130
