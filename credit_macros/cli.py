"""Command line: ``credit-macros [--config PATH] COMMAND ...``.

Each sub-command is a module in ``credit_macros.commands`` (see docs/architecture.md);
this file only discovers them, loads the config and turns ``UserError`` into a Chinese
message and an exit code.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import pkgutil
import re
import sys
from dataclasses import dataclass
from typing import TextIO

from credit_macros import __version__, commands
from credit_macros.config import Config, print_notice_once, resolve_config
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

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but words it does not understand are reported by the sub-command they
        follow, with a hint about each (an option of another command, a typo, a global option)."""
        args, extra = self.parse_known_args(args, namespace)
        if extra:
            sub = _subparsers(self).get(getattr(args, "command", None))
            (sub or self).fail("无法识别的参数：" + "；".join(_unknown_hints(self, sub, extra)))
        return args

    def error(self, message: str):
        self.fail(usage_message(message))

    def fail(self, chinese: str):
        self.print_usage(sys.stderr)
        print(f"错误：{chinese}（用 {self.prog} -h 查看用法）", file=sys.stderr)
        sys.exit(2)


def _names(text: str) -> str:
    return "、".join(text.replace(",", " ").split())


def _choices(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def _options(parser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings]


def _unknown_hints(top: argparse.ArgumentParser, sub, extra: list[str]) -> list[str]:
    """Why each word of ``extra`` (left over after sub-command parser ``sub``, or none) is not
    understood and what to write instead; a word right after an unknown option is its value."""
    hints = []
    for i, token in enumerate(extra):
        if token.startswith("-"):
            value = extra[i + 1] if i + 1 < len(extra) and not extra[i + 1].startswith("-") else ""
            hints.append(_option_hint(top, sub, token.split("=", 1)[0], value))
        elif not (i and extra[i - 1].startswith("-")):
            hints.append(f"多出的参数「{token}」（路径中有空格时请用引号括起来）")
    return hints


def _option_hint(top: argparse.ArgumentParser, sub, option: str, value: str) -> str:
    if sub is not None and option in _options(top):
        example = " ".join(filter(None, (top.prog, option, value, sub.prog.split()[-1], "…")))
        return f"{option} 是总选项，要写在命令名之前，如 {example}"
    close = difflib.get_close_matches(option, _options(sub or top), n=1)
    if close:
        return f"不认识的选项 {option}，是不是想写 {close[0]}？"
    elsewhere = [name for name, other in _subparsers(top).items() if option in _options(other)]
    if elsewhere:
        return f"不认识的选项 {option}（它是 {'、'.join(elsewhere)} 命令的选项）"
    return f"不认识的选项 {option}"


def _subparsers(parser: argparse.ArgumentParser) -> dict:
    return {name: sub for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name, sub in a.choices.items()}


def usage_message(message: str) -> str:
    """argparse's English error ``message`` said in Chinese, with a hint; nothing English is kept."""
    argument = ""
    m = re.fullmatch(r"argument (\S+?): (.*)", message, re.S)
    if m:
        argument, message = m[1], m[2]
    subject = "命令" if argument in ("命令", "") else f"{_names(argument)} "
    if m := re.fullmatch(r"invalid choice: '(.*)' \(choose from (.*)\)", message, re.S):
        choices = _choices(m[2])
        close = difflib.get_close_matches(m[1], choices, n=1)
        hint = f"，是不是想写 {close[0]}？" if close else ""
        return f"{subject.strip()}不能是「{m[1]}」{hint or '，'}可选：{'、'.join(choices)}"
    if m := re.fullmatch(r"the following arguments are required: (.*)", message, re.S):
        return f"缺少参数：{_names(m[1])}"
    if m := re.fullmatch(r"one of the arguments (.*) is required", message, re.S):
        return f"必须给出 {' 或 '.join(m[1].split())} 之一"
    if m := re.fullmatch(r"not allowed with argument (.*)", message, re.S):
        return f"{subject}不能与 {_names(m[1])} 同时使用"
    if m := re.fullmatch(r"invalid (\w+) value: '(.*)'", message, re.S):
        kind = {"int": "整数", "float": "数字"}.get(m[1], "有效的值")
        return f"{subject}的值「{m[2]}」不对，应为{kind}"
    if m := re.fullmatch(r"ambiguous option: (\S+) could match (.*)", message, re.S):
        return f"选项 {m[1]} 不完整，可能是 {_names(m[2])}，请写全"
    if re.fullmatch(r"expected (one|at least one|at most one|\d+) arguments?", message):
        return f"{subject}后面缺少值"
    if m := re.fullmatch(r"ignored explicit argument '(.*)'", message, re.S):
        return f"{subject}不带值（多写了「{m[1]}」）"
    return f"{subject.strip()}写法不对"


CONFIG_HELP = ("配置文件；不写时依次使用：所处理工作簿旁的 config.toml、当前目录的 config.toml、内置默认配置"
               "（可写在命令名之前或之后）")
# The argument naming the workbook a command works on: its folder's config.toml is used (config.resolve_config).
WORKBOOK_ARGS = ("master", "workbook", "file")


def command_modules() -> list:
    mods = [importlib.import_module(f"credit_macros.commands.{m.name}")
            for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    return sorted(mods, key=lambda m: (m.ORDER, m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="credit-macros", description="信用台账助手：沣西新城社会信用体系建设台账工具。")
    parser.add_argument("--config", metavar="PATH", help=CONFIG_HELP)
    parser.add_argument("--version", action="version", version=f"credit-macros {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for module in command_modules():
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=CONFIG_HELP)
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
        workbook = next((getattr(args, name) for name in WORKBOOK_ARGS if getattr(args, name, None)), None)
        config = resolve_config(args.config, workbook)
        print_notice_once(config, err)
        return args._run(args, Context(config, out, err))
    except UserError as exc:
        print(f"错误：{exc.message}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=err)
        return 130
