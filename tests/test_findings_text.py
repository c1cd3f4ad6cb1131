"""Text from a user's file stays text in 校验结果 and 退回修改 (issue 18.6): sheet names, header
texts, file names and values shown in findings that start with "=", "+", "-" or "@" are written
as text cells, never formulas — by the file engine (``check --in-place``, ``collect``) and by the
ribbon (xlwings' remote engine), whose own HYPERLINK formula quotes the sheet name."""

from __future__ import annotations

import random
import zipfile

import openpyxl
import xlsxwriter
from remote import actions, book
from runcli import DEFAULT_CONFIG, run
from test_text_stays_text import formulas

from credit_macros import catalogue, excel
from credit_macros.build.master import MASTER_NAME
from credit_macros.catalogue.rules import registry
from credit_macros.collect import FINDINGS_HEADERS
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, unit_workbook
from credit_macros.validate.findings import RESULT_HEADER

CFG = ("--config", DEFAULT_CONFIG)
TECH = catalogue.template("科技研发")
SHEETS = ("=SUM(1,2)", "+1+1", "-1'\"x", "@A1")  # one per formula starter; ' and " inside a sheet name
HEADERS = ('=HYPERLINK("http://evil.example/","点此")', "+2", "-3", "@B1")  # extra columns: their header is shown
VALUE = "=1+2"  # a bad 统一社会信用代码, quoted in its message


def _hostile_book(path) -> None:
    out = xlsxwriter.Workbook(str(path))
    for name, extra in zip(SHEETS, HEADERS):
        sheet = out.add_worksheet(name)
        for c, header in enumerate([c.name for c in TECH.columns] + [extra]):
            sheet.write_string(0, c, header)
        for c, value in enumerate(["西安某科技有限公司", VALUE, "是", "省级计划", "李四"]):
            sheet.write_string(1, c, value)
    out.close()


def test_check_in_place_writes_sheet_names_headers_and_values_as_text(tmp_path):
    path = tmp_path / "单位.xlsx"
    _hostile_book(path)
    code, _out, err = run(*CFG, "check", path, "--in-place", "--as-of", "2026-02-10")
    assert code == 1, err
    assert formulas(path) == []
    ws = openpyxl.load_workbook(path)[excel.RESULT_SHEET]
    rows = [[c for c in row] for row in ws.iter_rows()]
    head = next(i for i, row in enumerate(rows) if [c.value for c in row[:len(RESULT_HEADER)]] == list(RESULT_HEADER))
    found = [(r[1].value, r[4].value, r[8].value) for r in rows[head + 1:]]
    assert found == [(s, t, rule) for s, h in zip(SHEETS, HEADERS)
                     for t, rule in ((h, "extra-column"), ("统一社会信用代码", "uscc-length"))]
    assert [r[0].value for r in rows[3:3 + len(SHEETS)]] == list(SHEETS)  # the summary of the sheets checked
    hostile = set(SHEETS) | set(HEADERS)
    cells = [c for row in rows for c in row if c.value in hostile]
    assert len(cells) == 3 * len(SHEETS) + len(HEADERS)
    assert {c.data_type for c in cells} == {"s"}
    widths = {c: ws.column_dimensions[c].width for c in "GI"}  # 规则 and 规则代码 fit every registered title and code
    assert widths == {"G": 2 * max(len(r.title) for r in registry().values()) + 2,
                      "I": max(len(code) for code in registry()) + 2} == {"G": 30, "I": 25}
    quoted = [r[7].value for r in rows[head + 1:] if r[8].value == "uscc-length"]
    assert quoted == [f"第2行「统一社会信用代码」：统一社会信用代码应为18位，现为4位（{VALUE}），请核对后重新录入"] * len(SHEETS)


def test_ribbon_writes_them_as_text_and_quotes_sheet_names_in_its_links(tmp_path):
    path = tmp_path / "单位.xlsx"
    _hostile_book(path)
    wb = book(path)
    report = excel.check_all(wb)
    [result] = [a for a in actions(wb) if a["func"] == "setValues" and list(RESULT_HEADER) in a["values"]]
    values = result["values"]
    first = values.index(list(RESULT_HEADER)) + 1
    rows = values[first:first + len(report.findings)]
    assert [(r[1], r[4]) for r in rows] == [("'" + s, t) for s, h in zip(SHEETS, HEADERS)
                                            for t in ("'" + h, "统一社会信用代码")]
    quoted = {s: s.replace("'", "''").replace('"', '""') for s in SHEETS}
    assert [r[2] for r in rows] == [f"=HYPERLINK(\"#'{quoted[f.sheet]}'!{f.cell}\",\"{f.cell}\")" for f in report.findings]
    assert quoted["-1'\"x"] == "-1''\"\"x"


def _master_and_hostile_return(folder):
    """A fresh master and, in ``folder``, a unit's return named "=1+1 …" whose 水费 sheet is
    called "+水费" and holds a bad code."""
    master = folder / MASTER_NAME
    assert run(*CFG, "build", "--out", master)[0] == 0
    unit, key = "开发建设部", "水费"
    rows = RowMaker(catalogue.template(key), unit, "2026-01", random.Random(3)).rows(2)
    rows[0][1] = VALUE
    source = folder / "data.xlsx"
    source.write_bytes(unit_workbook(unit, "2026-01", load_config(DEFAULT_CONFIG), {key: rows}))
    wb = openpyxl.load_workbook(source)
    wb[catalogue.template(key).sheet].title = "+水费"
    incoming = folder / "收件箱" / "=1+1 开发建设部_2026-01.xlsx"
    incoming.parent.mkdir()
    wb.save(incoming)
    source.unlink()
    return master, incoming


def test_collect_writes_file_and_sheet_names_as_text_in_the_findings_sheet(tmp_path):
    master, incoming = _master_and_hostile_return(tmp_path)
    code, _out, err = run(*CFG, "collect", master, incoming, "--as-of", "2026-02-10")
    assert code == 0, err
    ws = openpyxl.load_workbook(master)["退回修改"]
    [header, *found] = [list(row) for row in ws.iter_rows()]
    at = {c.value: i for i, c in enumerate(header)}
    assert [(r[at["来源文件"]].value, r[at["工作表"]].value, r[at["规则代码"]].value) for r in found] == [
        (incoming.name, "+水费", "uscc-length")]
    assert {r[at[name]].data_type for r in found for name in ("来源文件", "工作表", "问题")} == {"s"}
    with zipfile.ZipFile(master) as z:
        assert "=1+1 开发建设部" in "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert not [f for f in formulas(master) if "1+1" in f or "+水费" in f]


def test_ribbon_collect_writes_them_as_text_in_the_findings_sheet(tmp_path):
    master, incoming = _master_and_hostile_return(tmp_path)
    wb = book(master, saved=True)
    outcome = excel.collect_in(wb)
    assert [a.file for a in outcome.accepted] == [incoming.name]
    position = [s.name for s in wb.sheets].index("退回修改")
    [write] = [a for a in actions(wb) if a["func"] == "setValues" and a["sheet_position"] == position]
    header = list(FINDINGS_HEADERS)
    assert [(r[header.index("来源文件")], r[header.index("工作表")], r[header.index("规则代码")]) for r in write["values"]] == [
        ("'" + incoming.name, "'+水费", "uscc-length")]
