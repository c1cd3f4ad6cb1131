"""``credit-macros check`` and ``clear`` from the command line: output, exit codes, bad input
left untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lo import convert, needs_soffice
from messy import ORG_CODE
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook, load_workbook
from runcli import run

from credit_macros.io.filemarks import RESULT_SHEET

ROOT = Path(__file__).resolve().parents[1]


def clean_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "科技研发"
    ws.append(["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"])
    ws.append(["西安某某科技有限公司", ORG_CODE, "是", "省级重点研发计划"])
    wb.save(path)
    return path


def test_json_lists_the_exact_findings_and_exits_1(messy):
    code, out, err = run("check", messy.path, "--json", "--as-of", "2023-07-15")
    assert code == 1
    data = json.loads(out)
    assert data["file"] == messy.path.name
    assert {(f["sheet"], f["cell"], f["rule"]) for f in data["findings"]} == messy.expected
    assert data["counts"]["error"] + data["counts"]["warning"] == len(data["findings"])


def test_text_report_names_file_sheet_cell_and_what_to_do(messy):
    code, out, _ = run("check", messy.path, "--as-of", "2023.7.15")
    assert code == 1
    assert out.startswith(f"文件 {messy.path.name}：")
    assert "[错误] 「强制台账」T3 第3行「行政机关代码」：统一社会信用代码 " in out
    assert "「填表说明」不是报送模板" in out


def test_sheet_option_and_clean_file_exit_0(tmp_path, messy):
    code, out, _ = run("check", messy.path, "--sheet", "信用修复", "--json", "--as-of", "2023-07-15")
    assert code == 1 and {f["sheet"] for f in json.loads(out)["findings"]} == {"信用修复"}
    clean = clean_workbook(tmp_path / "clean.xlsx")
    code, out, _ = run("check", clean)
    assert code == 0
    assert out == f"文件 {clean.name}：\n  工作表「科技研发」识别为 附件8 科技研发信息模板，1 行数据：错误 0 处，警告 0 处\n未发现问题。\n"


def test_in_place_then_clear(messy):
    code, out, _ = run("check", messy.path, "--in-place", "--as-of", "2023-07-15")
    assert code == 1 and "已在原文件中标出问题单元格" in out
    assert messy.path.with_name("回报.bak.xlsx").exists()
    assert RESULT_SHEET in load_workbook(messy.path).sheetnames
    code, out, _ = run("clear", messy.path)
    assert code == 0 and "已清除校验标记" in out
    assert RESULT_SHEET not in load_workbook(messy.path).sheetnames


def assert_refused(path: Path, *argv, says: str):
    data = path.read_bytes() if path.exists() else None
    code, out, err = run(*argv)
    assert code == 2, (code, out, err)
    assert err.startswith("错误：") and says in err, err
    assert "Traceback" not in err
    assert (path.read_bytes() if path.exists() else None) == data


def test_not_a_workbook(tmp_path):
    fake = tmp_path / "台账.xlsx"
    fake.write_text("这不是工作簿", encoding="utf-8")
    for argv in (["check"], ["check", "--in-place"], ["clear"]):
        assert_refused(fake, *argv, fake, says="不是有效的 Excel 工作簿")
    text = tmp_path / "台账.csv"
    text.write_text("a,b", encoding="utf-8")
    assert_refused(text, "check", text, says="另存为 .xlsx")
    assert_refused(tmp_path / "没有.xlsx", "check", tmp_path / "没有.xlsx", says="找不到文件")


def test_password_protected(messy, tmp_path):
    locked = tmp_path / "加密.xlsx"
    with messy.path.open("rb") as plain, locked.open("wb") as out:
        OOXMLFile(plain).encrypt("secret", out)
    for argv in (["check"], ["check", "--in-place"], ["clear"]):
        assert_refused(locked, *argv, locked, says="有密码保护，无法读取。请去掉密码后再发")


def test_open_in_excel_refuses_writing_but_still_checks(messy):
    lock = messy.path.with_name("~$" + messy.path.name)
    lock.write_bytes(b"owner")
    for argv in (["check", "--in-place"], ["clear"]):
        assert_refused(messy.path, *argv, messy.path, says="正在被 Excel 或 WPS 打开")
    assert run("check", messy.path, "--as-of", "2023-07-15")[0] == 1


def test_no_template_sheet_and_bad_options(tmp_path, messy):
    other = tmp_path / "名单.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(other)
    assert_refused(other, "check", other, says="附件2 行政强制信息模板")
    assert_refused(messy.path, "check", messy.path, "--sheet", "Sheet9", says="没有名为「Sheet9」的工作表")
    assert_refused(messy.path, "check", messy.path, "--as-of", "下周", says="--as-of 的值「下周」不是日期")


@needs_soffice
def test_xls_is_read_but_not_marked(messy, tmp_path):
    xls = convert(messy.path, "xls", tmp_path / "xls")
    code, out, _ = run("check", xls, "--json", "--as-of", "2023-07-15")
    assert code == 1
    found = {(f["sheet"], f["cell"], f["rule"]) for f in json.loads(out)["findings"]}
    # LibreOffice keeps values, so the same cells are found (except the formula's cached value)
    assert found == messy.expected
    assert_refused(xls, "check", xls, "--in-place", says="需要 .xlsx")


def test_subprocess_json(messy):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "credit_macros", "check", str(messy.path), "--json", "--as-of", "2023-07-15"],
                            capture_output=True, text=True, encoding="utf-8", env=env, cwd=messy.path.parent)
    assert result.returncode == 1, result.stderr
    assert {(f["sheet"], f["cell"], f["rule"]) for f in json.loads(result.stdout)["findings"]} == messy.expected
