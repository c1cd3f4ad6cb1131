"""The command line speaks Chinese, help and usage errors included."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*argv):
    return subprocess.run([sys.executable, "-m", "credit_macros", *argv], capture_output=True, text=True, cwd=REPO)


def test_help_is_chinese_and_lists_every_command():
    result = _run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("用法：") and "选项" in result.stdout and "显示本帮助并退出" in result.stdout
    assert "show this help" not in result.stdout and "positional arguments" not in result.stdout
    for command in ("build", "check", "clear", "status", "deadline", "calendar", "split", "collect", "archive",
                    "remind", "report", "demo", "addin"):
        assert f"    {command} " in result.stdout, command


def test_usage_error_is_chinese_with_exit_2():
    result = _run("check")
    assert result.returncode == 2
    assert "错误：缺少参数" in result.stderr and "用法：" in result.stderr


def _error_line(result) -> str:
    assert result.returncode == 2 and not result.stdout
    return result.stderr.splitlines()[-1]


def test_usage_errors_are_chinese_with_a_hint():
    """argparse's English (one of the arguments … is required, choose from, unrecognized arguments,
    invalid choice) never reaches the user: each error is said in Chinese with what to write."""
    cases = {
        ("remind", "m.xlsx"): "错误：必须给出 --out 或 --send 之一（用 credit-macros remind -h 查看用法）",
        ("remind", "m.xlsx", "--out", "d", "--send"): "错误：--send 不能与 --out 同时使用（用 credit-macros remind -h 查看用法）",
        ("colect", "m.xlsx"): "错误：命令不能是「colect」，是不是想写 collect？可选：demo、build、check、clear、split、collect、"
                              "status、archive、remind、report、deadline、calendar、addin（用 credit-macros -h 查看用法）",
        ("status", "X", "--as-f", "2026-01-01"): "错误：无法识别的参数：不认识的选项 --as-f，是不是想写 --as-of？"
                                                 "（用 credit-macros status -h 查看用法）",
        ("status", "X", "--in-place"): "错误：无法识别的参数：不认识的选项 --in-place（它是 check 命令的选项）"
                                       "（用 credit-macros status -h 查看用法）",
        ("calendar", "2026", "2027"): "错误：无法识别的参数：多出的参数「2027」（路径中有空格时请用引号括起来）"
                                      "（用 credit-macros calendar -h 查看用法）",
        ("check", "x.xlsx", "--json=1"): "错误：--json 不带值（多写了「1」）（用 credit-macros check -h 查看用法）",
        ("--config",): "错误：--config 后面缺少值（用 credit-macros -h 查看用法）",
    }
    for argv, expected in cases.items():
        result = _run(*argv)
        assert _error_line(result) == expected, argv
        assert result.stderr.startswith("用法： credit-macros"), argv
