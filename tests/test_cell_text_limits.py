"""Cells Excel cannot hold as they are: control characters (they must not crash ``--in-place``,
and the messages show them) and text over Excel's 32,767 characters per cell."""

from __future__ import annotations

import json

import xlsxwriter
from messy import GOV_CODE, ORG_CODE
from openpyxl import load_workbook
from runcli import run
from test_bounded_read import package

from credit_macros.io.filemarks import RESULT_SHEET
from credit_macros.io.read import read_book

HEADER = ["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"]


def test_control_characters_are_found_and_in_place_marking_works(tmp_path):
    path = tmp_path / "控制字符.xlsx"
    book = xlsxwriter.Workbook(str(path))  # Excel's escape _x0001_, as an office program writes it
    sheet = book.add_worksheet("科技研发")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["西安某\x01科技有限公司", ORG_CODE + "\x02", "是", "省级\x1f计划"])
    book.close()
    values = read_book(path)[0]["科技研发"][1]
    code, out, err = run("check", path, "--in-place", "--json", "--as-of", "2023-07-15")
    assert code == 1, err
    assert "cannot be used" not in out + err and "Traceback" not in err
    findings = [(f["cell"], f["rule"], f["severity"]) for f in json.loads(out)["findings"]]
    assert findings == [("A2", "control-char", "warning"), ("B2", "uscc-length", "error"),
                        ("B2", "control-char", "warning"), ("D2", "control-char", "warning")]
    messages = {f["cell"] + f["rule"]: f["message"] for f in json.loads(out)["findings"]}
    assert messages["A2control-char"] == "第2行「企业名称」：含不可见的控制字符（U+0001），通常是从其他系统复制时带入的，请删除后重新录入"
    assert f"{ORG_CODE}[U+0002]" in messages["B2uscc-length"]
    assert read_book(path)[0]["科技研发"][1] == values  # the user's text is kept as it was
    wb = load_workbook(path)
    assert "[U+0002]" in wb["科技研发"]["B2"].comment.text
    assert any("[U+0002]" in str(c.value) for row in wb[RESULT_SHEET].iter_rows() for c in row)


def inline(r: int, values) -> str:
    return f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                                      for c, v in enumerate(values)) + "</row>"


def test_text_over_excels_cell_limit_is_an_error(tmp_path):
    """openpyxl and XlsxWriter cut such text, and so does calamine when reading: the file is
    written by hand, as another system's export may be."""
    rows = [inline(1, HEADER), inline(2, ["西安某某科技有限公司", ORG_CODE, "是", "研" * 32767]),
            inline(3, ["西安某某科技有限公司", GOV_CODE, "否", "研" * 32768])]
    path = package(tmp_path / "超长.xlsx", "".join(rows).encode())
    assert len(read_book(path)[0]["S"][2][3]) == 32768
    code, out, _ = run("check", path, "--json", "--as-of", "2023-07-15")
    assert code == 1
    assert [(f["cell"], f["rule"], f["message"]) for f in json.loads(out)["findings"]] == [
        ("D3", "cell-too-long", "第3行「获得科研支持信息」：内容有 32,768 个字符，超过 Excel 单元格上限 32,767 个字符，"
                                "Excel 打开时会截断，请精简内容或分到几个单元格")]


def test_a_long_shared_string_is_read_whole(tmp_path):
    rows = (inline(1, HEADER) + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>'
            f'{ORG_CODE}</t></is></c><c r="C2" t="s"><v>2</v></c><c r="D2" t="s"><v>1</v></c></row>')
    path = package(tmp_path / "共享.xlsx", rows.encode(), shared=["西安某某科技有限公司", "&amp;" * 40000, "是"])
    assert read_book(path)[0]["S"][1] == ["西安某某科技有限公司", ORG_CODE, "是", "&" * 40000]
    code, out, _ = run("check", path, "--json", "--as-of", "2023-07-15")
    assert [(f["cell"], f["rule"]) for f in json.loads(out)["findings"]] == [("D2", "cell-too-long")]
