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
    for command in ("build", "check", "clear", "status", "deadline", "calendar", "split", "collect", "remind",
                    "report", "demo", "addin"):
        assert f"    {command} " in result.stdout, command


def test_usage_error_is_chinese_with_exit_2():
    result = _run("check")
    assert result.returncode == 2
    assert "错误：缺少参数" in result.stderr and "用法：" in result.stderr
