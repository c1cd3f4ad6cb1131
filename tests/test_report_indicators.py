import datetime as dt

import pytest

from credit_macros.catalogue.sheets import INDICATOR_SHEET
from credit_macros.errors import UserError
from credit_macros.report import indicators
from credit_macros.report.indicators import (
    Indicator,
    MonthRow,
    compute,
    evaluate_one,
    parse_month,
    read_indicator_data,
    target_text,
)

HEAD = ["月份", "双公示报送数", "双公示合规数", "诚信宣传次数", "备注"]


def test_declarations_load_and_use_known_names():
    names = [i.name for i in indicators.indicators()]
    assert len(names) == 14 and len(set(names)) == 14
    assert [c.name for c in indicators.data_columns()][0] == "月份"


@pytest.mark.parametrize("formula, values, expected", [
    ("a / b", {"a": 1, "b": 4}, 0.25),
    ("a / (b + c)", {"a": 12, "b": 120, "c": 12}, 12 / 132),
    ("-a + 2 * b", {"a": 1, "b": 3}, 5.0),
    ("a / b", {"a": 1, "b": 0}, None),
    ("a / b", {"a": 1, "b": None}, None),
    ("a", {}, None),
])
def test_compute(formula, values, expected):
    assert compute(formula, values) == expected


@pytest.mark.parametrize("formula", ["__import__('os')", "a ** 2", "a if b else c", "'x'", "a +"])
def test_unsafe_or_bad_formulas_are_refused(formula):
    with pytest.raises(UserError):
        compute(formula, {"a": 1})


@pytest.mark.parametrize("value, month", [
    (dt.datetime(2026, 10, 1), (2026, 10)), (dt.date(2026, 9, 30), (2026, 9)), ("2026-10", (2026, 10)),
    ("2026年9月", (2026, 9)), ("2026/9/1", (2026, 9)), ("2026.12", (2026, 12)), ("2026-13", None), ("十月", None),
])
def test_parse_month(value, month):
    assert parse_month(value) == month


def test_read_sheet_sorts_months_and_reads_counts():
    grid = [HEAD, ["2026-10", 92, "90", 0, "x"], ["", "", "", "", ""], [dt.datetime(2026, 9, 1), 50, 50.0, None, ""]]
    rows = read_indicator_data(grid)
    assert [(r.month, r.sheet_row) for r in rows] == [((2026, 9), 4), ((2026, 10), 2)]
    assert {k: v for k, v in rows[1].values.items() if v is not None} == {"双公示报送数": 92, "双公示合规数": 90, "诚信宣传次数": 0}
    assert rows[0].values["应退出数"] is None


@pytest.mark.parametrize("grid, words", [
    ([["双公示报送数"], [1]], "缺少“月份”列"),
    ([HEAD, ["十月", 1, 1, 1, ""]], "A2（月份）应填写月份"),
    ([HEAD, ["2026-10", 1, 1, 1, ""], ["2026年10月", 2, 2, 2, ""]], "A3（月份）的月份 2026-10 与第 2 行重复"),
    ([HEAD, ["2026-10", -1, 1, 1, ""]], "B2（双公示报送数）应为不小于0的数字"),
    ([HEAD, ["2026-10", 1, "很多", 1, ""]], "C2（双公示合规数）应为不小于0的数字，现在是“很多”"),
])
def test_bad_sheet(grid, words):
    with pytest.raises(UserError) as caught:
        read_indicator_data(grid, "总台账 a.xlsx ")
    assert words in caught.value.message and "指标数据" in caught.value.message


QUARTERLY = Indicator("宣传", "诚信宣传次数", ">=", 1, "count", "quarter", "")


def months(*pairs):
    return [MonthRow(m, {"诚信宣传次数": v}, i + 2) for i, (m, v) in enumerate(pairs)]


def test_quarterly_open_until_the_quarter_ends():
    rows = months(((2026, 8), 0), ((2026, 9), 1), ((2026, 10), 0), ((2026, 11), 0))
    r = evaluate_one(QUARTERLY, rows, (2026, 11), {})
    assert (r.actual, r.status, r.month, r.note) == (0.0, "进行中", "2026年第4季度", "2026年第4季度尚未结束")
    assert r.trend == [("2026年第3季度", 1.0), ("2026年第4季度", 0.0)]
    ended = evaluate_one(QUARTERLY, months(((2026, 7), 0), ((2026, 9), 0)), (2026, 9), {})
    assert (ended.actual, ended.status, ended.missed) == (0.0, "未达标", True)


def test_no_data_names_what_to_fill():
    ind = Indicator("占比", "秦信融新增注册 / 辖区企业数", ">=", 0.02, "percent", "month", "")
    r = evaluate_one(ind, [MonthRow((2026, 10), {"秦信融新增注册": None}, 2)], (2026, 10), {"辖区企业数": None})
    assert r.status == "无数据" and r.actual is None
    assert r.note == "config.toml [office] enterprise_count 未填写辖区企业数；“指标数据”2026-10未填写秦信融新增注册"
    target = Indicator("承诺", "信用承诺累计数", ">", "辖区企业数", "count", "month", "")
    assert target_text(target, 12000.0) == "> 辖区企业数（12,000）"
    assert evaluate_one(target, [], None, {}).status == "无数据"


def test_master_has_the_indicator_sheet():
    from credit_macros.build.master import build_master
    from credit_macros.config import load_config

    ws = build_master(load_config(None))[INDICATOR_SHEET]
    columns = indicators.data_columns()
    assert [c.value for c in ws[1]] == [c.name for c in columns]
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["A"].number_format == "yyyy-mm"
    assert {ws.column_dimensions[chr(66 + i)].number_format for i in range(len(columns) - 1)} == {"#,##0"}
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert validations["A1:A1048576"].type == "date" and validations["A1:A1048576"].prompt == columns[0].help
    assert validations["B1:B1048576"].type == "whole" and validations["B1:B1048576"].formula1 == "0"
    assert [validations[f"{chr(65 + i)}1:{chr(65 + i)}1048576"].prompt for i in range(len(columns))] == [c.help for c in columns]
