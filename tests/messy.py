"""A messy returned workbook, built in code, and the exact findings it must produce.

``build_messy(path)`` writes (with openpyxl) what units really send back: a renamed sheet,
reordered, renamed, extra and missing columns, headers with line breaks, spaces and full-width
brackets, a two-row header under a "单位：" line, the user's own fills, notes, data validation,
column widths and number formats, a formula, a text starting with "=", merged cells, interior
and trailing empty rows — and one bad value for every rule. Each row declares the findings it
must cause as (template column, rule); the builder turns them into cells, so
``Messy.expected`` is the exact set of ``(sheet, cell, rule)`` that validation as of
``AS_OF`` must report. Reusable by other tests (collect, split, ...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from credit_macros.catalogue import normalize_header, template
from credit_macros.table import col_letter

AS_OF = dt.date(2023, 7, 15)
USER_FILL = PatternFill("solid", fgColor="DDEBF7")
USER_FILL_ON_BAD = PatternFill("solid", fgColor="00B0F0")


def with_uscc_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


def with_ric_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def wrong_check(code: str) -> str:
    """The same code with a wrong last character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


ORG_CODE = with_uscc_check("91610000MA6TXB1K2")  # a company
GOV_CODE = with_uscc_check("11610000MB1234567")  # a government body
PERSON_ID = with_ric_check("61010219900101123")
NUMERIC_USCC = with_uscc_check("91610100123456707")  # all digits (check 1): Excel turns it into a number


@dataclass
class Messy:
    path: Path
    expected: set[tuple[str, str, str]] = field(default_factory=set)
    as_of: dt.date = AS_OF


class Formula(str):
    """A cell formula; every other string starting with "=" is written as text."""


def _put(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col, value=value)
    if cell.data_type == "f" and not isinstance(value, Formula):
        cell.data_type = "s"  # text that only looks like a formula
    return cell


def _rows(ws, messy: Messy, position: dict[str, int], rows: list[dict], first_row: int) -> None:
    """One row per dict (template column → value; "expect" lists (template column, rule) the row
    must cause; "merge" names a column to merge with the next row's cell)."""
    for i, values in enumerate(rows):
        r = first_row + i
        for name, value in values.items():
            if name in position and value is not None:
                _put(ws, r, position[name], value)
        for name, rule in values.get("expect", ()):
            messy.expected.add((ws.title, f"{col_letter(position[name] - 1)}{r}", rule))
        if "merge" in values:
            letter = col_letter(position[values["merge"]] - 1)
            ws.merge_cells(f"{letter}{r}:{letter}{r + 1}")


def _sheet(wb, messy: Messy, title: str, key: str, headers: list[str], rows: list[dict],
           renamed: dict[str, str] | None = None, missing: tuple[str, ...] = ()):
    """A sheet with ``headers`` in row 1 and ``rows`` below (see ``_rows``). ``renamed``: header
    written → template column it stands for; ``missing``: template columns left out.
    Returns the sheet and {template column or header → 1-based column}."""
    ws = wb.create_sheet(title)
    renamed = renamed or {}
    keys = {c.key: c.name for c in template(key).columns}
    position = {}
    for c, text in enumerate(headers, start=1):
        _put(ws, 1, c, text)
        position[renamed.get(text) or keys.get(normalize_header(text), text)] = c
    _rows(ws, messy, position, rows, 2)
    if missing:  # one finding per missing column, all on the header row's first cell
        messy.expected.add((title, "A1", "missing-column"))
    for text in list(renamed) + [h for h in headers if normalize_header(h) not in keys and h not in renamed]:
        messy.expected.add((title, f"{col_letter(headers.index(text))}1", "extra-column"))
    return ws, position


def _enforcement(wb, messy: Messy) -> None:
    """附件2 行政强制 on a sheet renamed 强制台账: reordered, one column renamed, one missing,
    one extra; every code, date, enum, cross and order rule; a merged cell; empty rows."""
    t = template("行政强制")
    names = [c.name for c in t.columns if c.name not in ("行政强制依据", "行政相对人类别")]
    names.insert(0, "行政相对人类别")  # reordered
    headers = [{"行政相对人名称": "行政相对人\n名称", "行政强制决定文书号": " 行政强制决定文书号 ",
                "行政机关名称": "执法机关名称"}.get(n, n) for n in names] + ["经办人"]
    base = {
        "行政相对人名称": "西安某某科技有限公司", "行政相对人代码": ORG_CODE, "行政相对人类别": "法人及非法人组织",
        "法定代表人姓名": "张三", "法定代表人证件类型": "身份证", "法定代表人证件号码": PERSON_ID,
        "行政强制决定文书名称": "查封（扣押）决定书", "行政强制理由": "涉嫌违法生产", "行政强制种类": "行政强制措施",
        "行政强制措施类型": "查封场所、设施或者财物", "行政强制内容": "查封生产设备3台",
        "行政强制决定日期": dt.date(2023, 6, 1), "实施强制措施起始时间": dt.date(2023, 6, 2),
        "实施强制措施结束时间": dt.date(2023, 7, 1), "行政机关名称": "综合行政执法支队",
        "行政机关代码": GOV_CODE, "数据来源单位名称": "综合行政执法支队", "数据来源单位代码": GOV_CODE, "经办人": "李四",
    }
    person = {"行政相对人类别": "自然人", "法定代表人姓名": None, "法定代表人证件类型": None, "法定代表人证件号码": None}
    variants = [
        {},  # 2: clean; the user coloured the name and noted 备注
        {"行政机关代码": wrong_check(GOV_CODE), "expect": [("行政机关代码", "uscc-checksum")]},
        {**person, "行政相对人代码": 6.10102199001011e17, "expect": [("行政相对人代码", "precision-lost")]},
        {"行政相对人类别": "个体工商户", "行政相对人代码": "610104600123456", "expect": [("行政相对人代码", "party-regno")]},
        {**person, "行政相对人代码": wrong_check(PERSON_ID), "expect": [("行政相对人代码", "id-checksum")]},
        {"行政相对人代码": None, "法定代表人姓名": None, "法定代表人证件类型": None, "法定代表人证件号码": None,
         "expect": [("行政相对人代码", "org-needs-code"), ("法定代表人姓名", "org-needs-code")]},
        {"法定代表人证件号码": with_ric_check("61010219900230123"), "expect": [("法定代表人证件号码", "id-birthdate")]},
        {"法定代表人证件类型": "护照号", "法定代表人证件号码": "护照123", "expect": [("法定代表人证件号码", "id-pattern")]},
        {"法定代表人证件类型": None, "expect": [("法定代表人证件类型", "legal-rep-id-type")]},
        {"行政相对人代码": ORG_CODE.replace("M", "Ｍ") + "\n", "expect": [("行政相对人代码", "fullwidth")]},
        {"行政强制决定日期": "2023.6.1", "实施强制措施起始时间": "2023年6月2日", "实施强制措施结束时间": 45108},
        {"行政强制决定日期": "2023-13-01", "expect": [("行政强制决定日期", "date-invalid")]},
        {"行政强制决定日期": dt.date(2023, 8, 1),
         "expect": [("行政强制决定日期", "date-future"), ("实施强制措施起始时间", "date-order")]},
        {"实施强制措施结束时间": "2023/6/1", "expect": [("实施强制措施结束时间", "date-order")]},
        {"行政强制种类": "行政强制", "expect": [("行政强制种类", "enum")]},
        {"行政强制措施类型": None, "expect": [("行政强制措施类型", "measure-needs-type")]},
        {"行政强制决定文书号": "沣西执强〔2023〕1号", "expect": [("行政强制决定文书号", "duplicate")]},
        {"merge": "行政强制理由", "expect": [("行政强制理由", "merged-cell")]},
        {"行政强制理由": None, "expect": [("行政强制理由", "required")]},  # the lower half of the merge
        {"行政强制结果": "=不是公式，是文字", "备注": Formula("=1+1")},
        {key: None for key in [*base, "行政强制决定文书号"]},  # an empty row inside the data
        {"行政强制种类": "行政强制执行", "行政强制措施类型": None, "实施强制措施起始时间": None,
         "实施强制措施结束时间": None, "行政强制执行类型": "代履行", "行政强制执行时间": dt.date(2023, 6, 20)},
    ]
    rows = [{**base, "行政强制决定文书号": f"沣西执强〔2023〕{n}号", **v} for n, v in enumerate(variants, start=1)]
    ws, position = _sheet(wb, messy, "强制台账", "行政强制", headers, rows,
                          renamed={"执法机关名称": "行政机关名称"}, missing=("行政强制依据", "行政机关名称"))
    last = 1 + len(rows)
    for r in range(last + 1, last + 4):  # trailing empty rows: a space, a coloured empty cell
        _put(ws, r, position["备注"], " ")
        ws.cell(row=r, column=1).fill = USER_FILL
    letter = lambda name: col_letter(position[name] - 1)
    ws[f"{letter('行政相对人名称')}2"].fill = USER_FILL
    ws[f"{letter('备注')}2"].comment = Comment("用户自己的批注：已电话核实", "王五")
    ws[f"{letter('行政机关代码')}3"].fill = USER_FILL_ON_BAD
    ws[f"{letter('行政机关代码')}3"].comment = Comment("请复核", "王五")
    choices = DataValidation(type="list", formula1='"法人及非法人组织,自然人,个体工商户"', allow_blank=True)
    choices.add(f"{letter('行政相对人类别')}2:{letter('行政相对人类别')}500")
    ws.add_data_validation(choices)
    for name in ("行政相对人代码", "法定代表人证件号码", "行政机关代码"):
        ws.column_dimensions[letter(name)].width = 24
        for r in range(2, last + 1):
            ws[f"{letter(name)}{r}"].number_format = "@"
    for r in range(2, last + 1):
        ws[f"{letter('行政强制决定日期')}{r}"].number_format = "yyyy-mm-dd"


def _water(wb, messy: Messy) -> None:
    """附件6 水费: full-width brackets and a line break in headers; series, numbers, yes/no."""
    headers = ["行政相对人名称", "行政相对人代码_1（统一社会信用代码）", "水用户信息（户名 户号）",
               "缴纳水费\n明细", "近3个月月均水用量", "近6个月月均水用量", "当前是否欠费"]
    base = {"行政相对人名称": "西安某某水务用户", "行政相对人代码_1(统一社会信用代码)": ORG_CODE,
            "缴纳水费明细": "2022-01: 0; 2022-02: 15288.8", "近3个月月均水用量": 12.5, "近6个月月均水用量": 13,
            "当前是否欠费": "否"}
    variants = [
        {},
        {"缴纳水费明细": "2022-02: 10; 2022-01: 5", "expect": [("缴纳水费明细", "series")]},
        {"缴纳水费明细": "2022年1月：10；2022年1月：-5", "近3个月月均水用量": "abc",
         "expect": [("缴纳水费明细", "series"), ("近3个月月均水用量", "number")]},
        {"近6个月月均水用量": -3, "当前是否欠费": "Y",
         "expect": [("近6个月月均水用量", "number"), ("当前是否欠费", "enum")]},
        {"行政相对人代码_1(统一社会信用代码)": float(NUMERIC_USCC),
         "expect": [("行政相对人代码_1(统一社会信用代码)", "precision-lost")]},
        {"水用户信息(户名 户号)": "户1 00000290001", "expect": [("水用户信息(户名 户号)", "duplicate")]},
        {"行政相对人名称": None, "expect": [("行政相对人名称", "required")]},
    ]
    rows = [{**base, "水用户信息(户名 户号)": f"户{n} 0000029000{n}", **v} for n, v in enumerate(variants, start=1)]
    ws, position = _sheet(wb, messy, "水费", "水费", headers, rows)
    ws[f"{col_letter(position['缴纳水费明细'] - 1)}7"].comment = Comment("六月起按新价", "王五")


def _repair(wb, messy: Messy) -> None:
    """附件9 信用修复告知书: "单位：" line, two-row header with a merged group title; phones."""
    t = template("信用修复告知书")
    ws = wb.create_sheet("信用修复")
    ws["A1"] = "单位：综合行政执法支队"
    grouped = [c for c in t.columns if c.group]
    col = 1
    for c in t.columns:
        if c.group:
            _put(ws, 3, col, c.name)
        else:
            _put(ws, 2, col, c.name)
            ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        col += 1
    first = [c.name for c in t.columns].index(grouped[0].name) + 1
    _put(ws, 2, first, grouped[0].group)
    ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + len(grouped) - 1)
    position = {c.name: i for i, c in enumerate(t.columns, start=1)}
    base = {"企业名称": "西安某某餐饮有限公司", "统一社会信用代码": ORG_CODE, "信用修复告知文书文号": "沣西信修告〔2023〕1号",
            "行政处罚信息可修复日期": dt.date(2023, 5, 1), "送达日期": dt.date(2023, 5, 10), "送达方式": "直接送达",
            "送达人": "赵六", "签收人": "钱七", "联系电话": "029-88886666-123"}
    variants = [
        {"行政处罚信息可修复日期": dt.date(2023, 9, 1), "送达日期": dt.date(2023, 9, 1),
         "expect": [("送达日期", "date-future")]},
        {"联系电话": "12345", "送达方式": "快递", "expect": [("联系电话", "phone"), ("送达方式", "enum")]},
        {"联系电话": 13912345678.0, "行政处罚信息可修复日期": dt.date(2023, 6, 10), "送达日期": dt.date(2023, 6, 1),
         "expect": [("送达日期", "date-order")]},
        {"联系电话": "139 1234 5678", "expect": [("联系电话", "fullwidth")]},
        {"统一社会信用代码": ORG_CODE[:17], "expect": [("统一社会信用代码", "uscc-length")]},
        {},
    ]
    rows = [{**base, "序号": n, "行政处罚决定书文号": f"沣西执罚〔2023〕{n}号", **v} for n, v in enumerate(variants, start=1)]
    _rows(ws, messy, position, rows, 4)


def _reward(wb, messy: Messy) -> None:
    """附件5 行政奖励: a validity end in the future is fine; free-text 奖励级别."""
    t = template("行政奖励")
    base = {"行政相对人名称": "西安某某科技有限公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码": ORG_CODE,
            "法定代表人姓名": "张三", "认定文书号": "沣西奖〔2023〕1号", "奖励名称": "守信企业", "奖励事项": "纳税信用A级",
            "奖励级别": "新城级", "奖励授予日期": dt.date(2023, 3, 1), "有效截止期": dt.date(2030, 12, 31),
            "授予机构名称": "发展和经济运行部", "授予机构代码": GOV_CODE, "数据来源单位名称": "发展和经济运行部",
            "数据来源单位代码": GOV_CODE}
    rows = [base, {**base, "认定文书号": "沣西奖〔2023〕2号", "有效截止期": dt.date(2023, 2, 1),
                   "expect": [("有效截止期", "date-order")]}]
    _sheet(wb, messy, "行政奖励", "行政奖励", [c.name for c in t.columns], rows)


def build_messy(path: str | Path) -> Messy:
    """Write the messy workbook to ``path`` and return it with its expected findings."""
    messy = Messy(Path(path))
    wb = Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes["A1"] = "请按模板填写，代码列设为文本格式。"
    notes["A2"] = "=这一行是文字，不是公式"
    notes["A2"].data_type = "s"
    notes["A3"] = CellRichText(["代码列请设为", TextBlock(InlineFont(b=True, color="FF0000"), "文本格式")])
    _enforcement(wb, messy)
    _water(wb, messy)
    _repair(wb, messy)
    _reward(wb, messy)
    wb.save(messy.path)
    return messy


def snapshot(path: str | Path, sheets: list[str] | None = None) -> dict:
    """Everything of the user's that marking must not change, per sheet: every cell's value and
    type, fill, note, number format; data validations, column widths, merged ranges, state."""
    wb = load_workbook(path, rich_text=True)
    result = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        if sheets is not None and ws.title not in sheets:
            continue
        result[ws.title] = {
            "cells": {c.coordinate: (repr(c.value) if isinstance(c.value, CellRichText) else c.value, c.data_type, c.fill.fgColor.rgb if c.fill.fill_type else None,
                                     (c.comment.text, c.comment.author) if c.comment else None, c.number_format)
                      for row in ws.iter_rows() for c in row},
            "validations": [(str(v.sqref), v.type, v.formula1) for v in ws.data_validations.dataValidation],
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "state": ws.sheet_state,
        }
    return result
