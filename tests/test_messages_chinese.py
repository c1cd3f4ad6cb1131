"""Every sub-command's error paths speak Chinese: no English sentence from argparse, Python or a
library (lxml, zipfile, calamine, tomllib, the OS) reaches stderr or a refusal's reason."""

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from runcli import run

from credit_macros.build.master import MASTER_NAME
from credit_macros.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
ENGLISH = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z']{2,}){2,}")  # three English words in a row


def english(text: str) -> list[str]:
    """English runs in ``text``, usage lines (option names, metavars) and paths left out."""
    lines = [line for line in text.splitlines() if not line.startswith(("用法：", " "))]
    return [m for line in lines for m in ENGLISH.findall(line)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("msgs")
    (folder / "坏.xlsx").write_bytes(b"junk")
    with zipfile.ZipFile(folder / "空包.xlsx", "w") as z:
        z.writestr("a.txt", "x")
    (folder / "坏.toml").write_text("x = [", "utf-8")
    (folder / "目录").mkdir()
    (folder / "收件箱").mkdir()
    (folder / "收件箱" / "坏.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (folder / "收件箱" / "坏.eml").write_bytes(b"From: a@b\r\nDate: Fri, 31 Dec 9999 23:59:59 -1200\r\n\r\nx")
    shutil.copy(next((REPO / "workbooks" / "空白模板").glob("附件1*.xlsx")), folder / "单位表.xlsx")
    shutil.copy(REPO / "workbooks" / MASTER_NAME, folder / MASTER_NAME)
    return folder


def error_paths(f: Path) -> list[list]:
    bad, empty, unit, master, none = f / "坏.xlsx", f / "空包.xlsx", f / "单位表.xlsx", f / MASTER_NAME, f / "没有.xlsx"
    return [
        ["colect"], ["--config"], ["--config", f / "坏.toml", "calendar"],
        ["build", "--out", bad / "m.xlsx"], ["build", "extra"],
        ["check"], ["check", none], ["check", bad], ["check", empty], ["check", f / "目录"], ["check", unit, "--as-of", "明天"],
        ["check", unit, "--sheet", "不存在"], ["check", unit, "--in-placee"], ["check", f / "收件箱" / "坏.eml"],
        ["clear"], ["clear", bad], ["clear", none],
        ["status"], ["status", bad], ["status", empty], ["status", none], ["status", unit], ["status", master, "--as-of", "2026-13-01"],
        ["status", master, "--in-place"],
        ["deadline"], ["deadline", "2026-02-30", "1"], ["deadline", "2026-01-01", "x"], ["deadline", "2026-01-01", "-1"],
        ["calendar", "27"], ["calendar", "2026", "2027"],
        ["split", master], ["split", master, "--period", "13"], ["split", bad, "--period", "2026-01"],
        ["split", master, "--period", "2026-01", "--out", bad / "下发"],
        ["collect", master], ["collect", none, f / "收件箱"], ["collect", bad, f / "收件箱"], ["collect", unit, f / "收件箱"],
        ["collect", master, f / "无此目录"], ["collect", master, f / "收件箱", "--as-of", "明天"],
        ["archive", master], ["archive", none, "--year", "2025"], ["archive", bad, "--year", "2025"],
        ["archive", unit, "--year", "2025"], ["archive", master, "--year", "x"],
        ["remind", master], ["remind", master, "--out", f, "--send"], ["remind", bad, "--out", f / "目录"],
        ["remind", master, "--out", bad / "草稿"],
        ["report", bad], ["report", master, "--as-of", "明天"], ["report", master, "--out", bad / "通报" / "r.xlsx"],
        ["demo", "--period", "13"], ["demo", "--out", bad], ["demo", "--seed", "x"],
        ["addin"], ["addin", "make"], ["addin", "build", "--out", bad / "加载项" / "a.xlam"],
    ]


def test_every_sub_command_is_covered(files):
    commands = {a[0] for a in error_paths(files) if a and not str(a[0]).startswith("-")}
    [sub] = [a for a in build_parser()._actions if a.dest == "command"]
    assert set(sub.choices) <= commands


def test_no_english_reaches_stderr_on_any_error_path(files, capsys):
    for argv in error_paths(files):
        try:
            code, out, err = run(*argv)
        except SystemExit as stop:  # argparse's own exit, printed to sys.stderr
            code, err = stop.code, ""
        captured = capsys.readouterr()
        err += captured.err
        assert code == 2, (argv, code, err)
        assert err.strip() and "Traceback" not in err, (argv, err)
        assert english(err) == [], (argv, err)


def test_refusal_reasons_in_collect_are_chinese(files):
    code, out, err = run("collect", files / MASTER_NAME, files / "收件箱", "--json")
    assert code == 3, err  # nothing accepted
    result = json.loads(out)
    assert sorted(r["file"] for r in result["rejected"]) == ["坏.eml", "坏.xlsx"]
    for r in result["rejected"]:
        assert english(r["reason"]) == [], r


def test_operating_system_errors_are_said_in_chinese(files):
    """The SMTP server refusing the connection: the OS's "Connection refused" stays out."""
    from credit_macros.demo import demo_config_text

    config = files / "smtp.toml"
    config.write_text(demo_config_text(["开发建设部"]).replace("[mail]\n", '[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = 1\n'),
                      "utf-8")
    code, _, err = run("--config", config, "remind", files / MASTER_NAME, "--send", "--as-of", "2026-02-10")
    assert (code, err) == (2, "错误：无法通过 127.0.0.1:1 发送邮件（连接被拒绝），请检查 config.toml [mail] 的服务器、端口和 smtp_ssl 设置，"
                              "或改用 --out DIR 生成邮件草稿。\n")
