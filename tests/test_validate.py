"""The rule engine on real workbooks (tests/messy.py) and on grids as the ribbon reads them."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random

import pytest
from messy import AS_OF, GOV_CODE, ORG_CODE, PERSON_ID

from credit_macros.catalogue import template, templates
from credit_macros.config import load_config
from credit_macros.errors import UserError
from credit_macros.io.read import read_book
from credit_macros.table import find_table, is_blank
from credit_macros.catalogue.rules import rule as registered
from credit_macros.validate import ERROR, WARNING, Report, idcard, rules, validate_grids, validate_table

CONFIG = load_config()


@pytest.fixture(scope="module")
def report(messy_book):
    grids, merged = read_book(messy_book.path)
    return validate_grids(grids, messy_book.as_of, CONFIG, merged=merged, source=messy_book.path.name)


def test_messy_workbook_exact_findings(messy_book, report):
    assert {(f.sheet, f.cell, f.rule) for f in report.findings} == messy_book.expected


def test_every_message_names_row_and_column(report):
    for f in report.findings:
        assert f.message.startswith(f"第{f.row}行"), f
        assert f"「{f.column}」" in f.message, f
        assert f.severity in (ERROR, WARNING)
        assert f.cell.endswith(str(f.row))


def test_sheets_recognised_by_headers_not_names(report):
    assert report.sheets == {
        "强制台账": "附件2 行政强制信息模板",
        "水费": "附件6 水费缴费信息模板",
        "信用修复": "附件9 信用修复告知书送达台账模板",
        "行政奖励": "附件5 行政奖励信息模板",
    }
    assert report.skipped == ["填表说明"]
    # the empty row inside the data and the trailing empty rows are no data
    assert report.rows == {"强制台账": 21, "水费": 7, "信用修复": 6, "行政奖励": 2}


def test_missing_required_column_is_one_finding_per_column(report):
    missing = [f for f in report.findings if f.rule == "missing-column"]
    assert [(f.column, f.severity) for f in missing] == [("行政强制依据", ERROR), ("行政机关名称", ERROR)]
    assert "执法机关名称" in missing[1].message  # the renamed column is named as the likely cause


def test_counts_and_json(report):
    counts = report.counts
    assert counts["sheets"]["信用修复"] == {ERROR: 5, WARNING: 1}
    assert counts[ERROR] + counts[WARNING] == len(report.findings)
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert set(data["findings"][0]) == {"sheet", "cell", "row", "column", "rule", "title", "severity", "message"}
    assert {(f["rule"], f["title"]) for f in data["findings"]} >= {("uscc-checksum", "统一社会信用代码校验位错误"),
                                                                  ("precision-lost", "代码被存成数字（精度丢失）")}
    assert data["counts"] == counts


def test_grids_with_none_for_empty_cells_give_the_same_findings(messy_book, report):
    """xlwings reads empty cells as None, calamine as ""."""
    grids, merged = read_book(messy_book.path)
    as_none = {s: [[None if v == "" else v for v in row] for row in g] for s, g in grids.items()}
    again = validate_grids(as_none, messy_book.as_of, CONFIG, merged=merged)
    assert again.findings == report.findings


def _table(key: str, rows: list[dict]):
    t = template(key)
    names = [c.name for c in t.columns]
    grid = [names] + [[""] * len(names)] * (t.header_rows - 1) + [[row.get(n, "") for n in names] for row in rows]
    return find_table("S", grid)


def _rules(key: str, rows: list[dict], config=CONFIG, as_of=AS_OF) -> set[tuple[int, str, str]]:
    """(data row 1.., column, rule) of each finding."""
    table = _table(key, rows)
    return {(f.row - table.header_row, f.column, f.rule) for f in validate_table(table, as_of, config)}


TECH = {"企业名称": "某公司", "统一社会信用代码": ORG_CODE, "是否属于国家级高新技术企业": "是"}


@pytest.mark.parametrize("code, rule", [
    (ORG_CODE, None),
    (f" {ORG_CODE}", "fullwidth"),
    (ORG_CODE.lower(), None),
    (ORG_CODE[:-1] + "I", "uscc-format"),
    (6.10102199001011e17, "precision-lost"),
    (916101001234567.0, "uscc-length"),  # 15 digits fit in a number but are no USCC
])
def test_uscc_column(code, rule):
    assert _rules("科技研发", [{**TECH, "统一社会信用代码": code}]) == ({(1, "统一社会信用代码", rule)} if rule else set())


@pytest.mark.parametrize("kind, number, rule", [
    ("身份证", PERSON_ID, None),
    ("身份证", PERSON_ID[:-1] + "X", "id-checksum"),
    ("身份证", "610102900101123", "id-old"),
    ("护照号", "E12345678", None),
    ("港澳居民来往内地通行证", "H12345678", None),
    ("港澳居民来往内地通行证", "12345678", "id-pattern"),
    ("台湾居民来往大陆通行证", "12345678", None),
    ("外国人永久居留身份证", "USA123456789012", None),
    ("外国人永久居留身份证", "US12345", "id-pattern"),
])
def test_id_number_checked_by_its_type(kind, number, rule):
    row = {"行政相对人名称": "某公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码": ORG_CODE,
           "法定代表人姓名": "张三", "法定代表人证件类型": kind, "法定代表人证件号码": number,
           "行政确认文号": "1号", "确认事项名称": "x", "确认种类": "x", "确认内容": "x", "确认日期": "2023-6-1",
           "确认机关名称": "x", "确认机关代码": GOV_CODE, "数据来源单位名称": "x", "数据来源单位代码": GOV_CODE}
    assert _rules("行政确认", [row]) == ({(1, "法定代表人证件号码", rule)} if rule else set())


def test_birth_date_after_as_of_is_no_real_birth_date():
    from messy import with_ric_check

    born_later = with_ric_check("61010220240101123")
    assert idcard.problems(born_later, dt.date(2023, 12, 31))[0][0] == "id-birthdate"
    assert idcard.problems(born_later, dt.date(2024, 1, 2)) == ()


def test_party_code_of_unknown_category_accepts_uscc_or_id():
    t = template("行政强制")
    check = rules._Context(AS_OF, CONFIG).keyed(t.column("行政相对人代码"), "")
    assert check(ORG_CODE) == () and check(PERSON_ID) == ()
    assert check("12345")[0][0] == "party-code"


def test_free_text_enumeration_is_checked_only_when_config_lists_values():
    row = {"行政相对人名称": "某公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码": ORG_CODE, "法定代表人姓名": "张三",
           "认定文书号": "1号", "奖励名称": "x", "奖励事项": "x", "奖励级别": "新城级", "奖励授予日期": "2023-6-1",
           "授予机构名称": "x", "授予机构代码": GOV_CODE, "数据来源单位名称": "x", "数据来源单位代码": GOV_CODE}
    assert _rules("行政奖励", [row]) == set()
    config = copy.deepcopy(CONFIG)
    config["enumerations"]["奖励级别"] = ["国家级", "省级", "市级", "区级"]
    assert _rules("行政奖励", [row], config) == {(1, "奖励级别", "enum")}
    assert _rules("行政奖励", [{**row, "奖励级别": "省级"}], config) == set()


@pytest.mark.parametrize("text, ok", [
    ("029-88886666", True), ("02988886666", True), ("0915-1234567", True), ("029-88886666-801", True),
    ("13912345678", True), ("12912345678", False), ("88886666", False), ("029-886", False),
])
def test_phone_numbers(text, ok):
    row = {"企业名称": "x", "统一社会信用代码": ORG_CODE, "行政处罚决定书文号": "1号", "信用修复告知文书文号": "1号",
           "行政处罚信息可修复日期": "2023-6-1", "送达日期": "2023-6-2", "送达方式": "直接送达", "送达人": "a",
           "签收人": "b", "联系电话": text}
    assert _rules("信用修复告知书", [row]) == (set() if ok else {(1, "联系电话", "phone")})


@pytest.mark.parametrize("value, rule", [
    ("2023年6月1日", None), ("2023.6.1", None), ("2023/6/1", None), (45078, None), (dt.datetime(2023, 6, 1, 8), None),
    ("2023.6.31", "date-invalid"), ("上月", "date-invalid"), ("2023-07-16", "date-future"), ("2023-07-15", None),
])
def test_dates(value, rule):
    row = {"企业名称": "x", "统一社会信用代码": ORG_CODE, "行政处罚决定书文号": "1号", "信用修复告知文书文号": "1号",
           "行政处罚信息可修复日期": "2023-5-1", "送达日期": value, "送达方式": "直接送达", "送达人": "a", "签收人": "b"}
    assert _rules("信用修复告知书", [row]) == ({(1, "送达日期", rule)} if rule else set())


def test_duplicates_on_natural_key_compare_dates_and_text_as_meant():
    row = {"行政相对人名称": "某公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码": ORG_CODE, "法定代表人姓名": "张三",
           "检查形式": "x", "检查方式": "x", "监督检查内容": "x", "检查结果": "x", "关联文书号": "检〔2023〕1号",
           "监督检查日期": "2023-6-1", "监督检查机关名称": "x", "监督检查机关代码": GOV_CODE,
           "数据来源单位名称": "x", "数据来源单位代码": GOV_CODE}
    same = {**row, "行政相对人名称": " 某公司", "监督检查日期": dt.date(2023, 6, 1)}
    other_day = {**row, "监督检查日期": "2023-6-2"}
    assert _rules("行政检查", [row, same, other_day]) == {(2, "行政相对人名称", "duplicate")}


def test_no_template_sheet_lists_what_was_expected():
    with pytest.raises(UserError) as info:
        validate_grids({"Sheet1": [["姓名", "年龄"], ["张三", 3]]}, AS_OF, CONFIG, source="x.xlsx")
    message = info.value.message
    assert "x.xlsx" in message and "「Sheet1」" in message
    assert "附件1 行政裁决信息模板" in message and "附件9 信用修复告知书送达台账模板" in message


def test_only_sheet(messy_book):
    grids, merged = read_book(messy_book.path)
    one = validate_grids(grids, messy_book.as_of, CONFIG, only_sheet="水费", merged=merged)
    assert list(one.sheets) == ["水费"] and {f.sheet for f in one.findings} == {"水费"}
    with pytest.raises(UserError, match="没有名为「不存在」的工作表"):
        validate_grids(grids, messy_book.as_of, CONFIG, only_sheet="不存在")
    with pytest.raises(UserError, match="不是报送模板"):
        validate_grids(grids, messy_book.as_of, CONFIG, only_sheet="填表说明")


def test_true_and_1_are_told_apart():
    """TRUE == 1 in Python; a TRUE typed into a number column is still no number."""
    row = {"行政相对人名称": "x", "行政相对人代码_1(统一社会信用代码)": ORG_CODE, "缴纳水费明细": "2022-01: 0",
           "近6个月月均水用量": 1, "当前是否欠费": "否"}
    rows = [{**row, "水用户信息(户名 户号)": f"户{n}", "近3个月月均水用量": v} for n, v in enumerate([1, True, 0, False, 1.0])]
    assert _rules("水费", rows) == {(2, "近3个月月均水用量", "number"), (4, "近3个月月均水用量", "number")}


def test_master_provenance_columns_are_not_extra(tmp_path):
    """The master's 来源 columns after a template's own are expected, not an extra-column warning."""
    from credit_macros.catalogue import provenance, template
    from credit_macros.config import load_config
    from credit_macros.validate import validate_grids

    t = template("科技研发")
    grid = [[c.name for c in t.columns] + list(provenance()) + ["自加列"]]
    report = validate_grids({"科技研发": grid}, AS_OF, load_config())
    assert [(f.column, f.rule) for f in report.findings] == [("自加列", "extra-column")]


def _reference(table, as_of, config) -> set[tuple]:
    """What ``validate_table`` must find in the data rows, cell by cell and row by row: every
    check on every cell, nothing cached or grouped."""
    ctx, t = rules._Context(as_of, config), table.template
    found = set()
    for i in range(len(table.rows)):
        row = {c.name: table.value(i, c.name) for c in t.columns if c.name in table.columns}
        if all(is_blank(v) for v in row.values()):
            continue
        problems = []
        for column in t.columns:
            if column.name not in row:
                continue
            if column.type in rules.KEYED_CHECKS:
                companion = rules._companion(t, rules.KEYED_CHECKS[column.type][0], column)
                kind = row.get(companion.name) if companion else None
                check = ctx.keyed(column, kind.strip() if isinstance(kind, str) else "")
            else:
                check = rules.TYPE_CHECKS[column.type](column, ctx)
            problems += [(column.name, p) for p in check(row[column.name])]
        for rule in t.cross_rules:
            when = row.get(rule.when_column)
            if rule.when_column in row and (not is_blank(when) if rule.filled else isinstance(when, str) and when.strip() in rule.equals):
                said = f"已填写「{rule.when_column}」" if rule.filled else f"「{rule.when_column}」为“{when.strip()}”"
                problems += [(n, (rule.code, f"{said}时必须填写「{n}」，请补充")) for n in rule.require
                             if n in row and not t.column(n).required and is_blank(row[n])]
        for earlier, later in t.order:
            a, b = (rules._date_or_none(row[n]) if n in row else None for n in (earlier, later))
            if a and b and b < a:
                problems.append((later, ("date-order", f"{b} 早于「{earlier}」{a}，「{later}」不能早于「{earlier}」，请核对两个日期")))
        found |= {(table.sheet_row(i), name, rule, f"第{table.sheet_row(i)}行「{name}」：{detail}") for name, (rule, detail) in problems}
    return found


def _duplicate_rows(table) -> set[int]:
    is_date = {n: table.template.column(n).type in ("date", "datetime") for n in table.template.natural_key}
    seen, again = set(), set()
    for i in range(len(table.rows)):
        key = tuple(rules.key_text(table.value(i, n), is_date[n]) for n in table.template.natural_key)
        if "" not in key and key in seen:
            again.add(table.sheet_row(i))
        seen.add(key)
    return again


def _random_cell(rng, column, as_of):
    """A value of the kind clerks type into ``column``: mostly right, often blank or wrong, in every
    Python type a reader hands over (bools among numbers, floats for codes, dates as text)."""
    enum = rules._Context(as_of, CONFIG).enum(column) or ["是"]
    day = as_of - dt.timedelta(days=rng.randrange(-30, 900))
    typical = {
        "uscc": [ORG_CODE, GOV_CODE, ORG_CODE[:-1] + "1", f" {ORG_CODE}", "9161"],
        "party_code": [ORG_CODE, PERSON_ID, PERSON_ID[:-1] + "1", "610102900101123", ORG_CODE.lower()],
        "id_number": [PERSON_ID, PERSON_ID[:-1] + "1", "E12345678", "H12345678"],
        "phone": ["13912345678", "029-88886666", "12345", 13912345678],
        "date": [day, day.isoformat(), f"{day.year}.{day.month}.{day.day}", float((day - dt.date(1899, 12, 30)).days), f"{day.year}-13-01"],
        "number": [0, 1, 1.0, 2.5, -3, "12", "十"],
        "series": ["2022-01: 0; 2022-02: 15288.8", "2022-02: 1; 2022-01: 2"],
    }
    typical["datetime"] = typical["date"]
    pool = typical.get(column.type, [*enum, "其他", f"文书{rng.randrange(3)}号", "文书 1号"])
    pool = pool + [None, "", "  ", True, False, 1, 0, 6.10102199001011e17]
    return rng.choice(pool) if rng.random() < 0.5 else pool[0]


@pytest.mark.parametrize("key", [t.key for t in templates()])
def test_engine_finds_what_a_cell_by_cell_reference_finds(key):
    """Coding each column once and checking distinct values must find exactly what checking every
    cell would, on random rows mixing every kind of value (True beside 1, blanks of every kind)."""
    rng = random.Random(key)
    t = template(key)
    grid = [[c.name for c in t.columns]] + [[""] * len(t.columns)] * (t.header_rows - 1)
    grid += [[_random_cell(rng, c, AS_OF) for c in t.columns] for _ in range(300)]
    table = find_table("S", grid)
    found = validate_table(table, AS_OF, CONFIG)
    assert {(f.row, f.column, f.rule, f.message) for f in found if f.rule != "duplicate"} == _reference(table, AS_OF, CONFIG)
    assert {f.row for f in found if f.rule == "duplicate"} == _duplicate_rows(table)
    assert len(found) > 100


def test_our_helper_sheets_are_neither_checked_nor_listed(tmp_path):
    """Hidden helper sheets (drop-down lists, split metadata, mark layers) start with "_"."""
    from credit_macros.catalogue import template
    from credit_macros.config import load_config
    from credit_macros.validate import validate_grids

    t = template("科技研发")
    grids = {"科技研发": [[c.name for c in t.columns]], "_选项": [["是否"], ["是"]], "_报送信息": [["单位", "x"]],
             "填表说明": [["请按模板填写"]]}
    report = validate_grids(grids, AS_OF, load_config())
    assert report.skipped == ["填表说明"] and list(report.sheets) == ["科技研发"]


@pytest.mark.parametrize("code, says", [
    ("９１" + ORG_CODE[2:], "含全角字符「９」（第1位）、全角字符「１」（第2位），请改为半角字符"),
    (ORG_CODE[:4] + " " + ORG_CODE[4:], "含空格（第5位），请删除空格"),
    (ORG_CODE[:4] + "\n" + ORG_CODE[4:], "含换行（第5位），请删除换行"),
    (ORG_CODE + "\u3000", "含全角空格（第19位），请删除空格"),
    ("９" + ORG_CODE[1:9] + " " + ORG_CODE[9:] + "\n", "含全角字符「９」（第1位）、空格（第10位）、换行（第20位），请改为半角字符，删除空格和换行"),
])
def test_code_problem_names_exactly_what_is_wrong_and_where(code, says):
    """Full-width digits are not told to remove spaces and line breaks that are not there."""
    table = _table("科技研发", [{**TECH, "统一社会信用代码": code}])
    [finding] = [f for f in validate_table(table, AS_OF, CONFIG) if f.rule == "fullwidth"]
    assert finding.message.endswith(f"「{code.strip()}」{says}")
    assert finding.message.startswith(f"第{table.header_row + 1}行「统一社会信用代码」")


def test_id_whose_county_was_abolished_before_the_birth_year_is_a_warning():
    """110201 (昌平县) exists until 1982: a person born in 1993 cannot carry it (python-stdnum
    rejects the number); one born in 1980 can, and a county code newer than the birth year stays
    accepted (real 1980s IDs carry codes of later divisions)."""
    [(code, detail)] = idcard.problems("110201199312010077", AS_OF)
    assert (code, registered(code).severity) == ("id-region-abolished", WARNING)
    assert "1982 年后已撤销" in detail and "出生年份 1993" in detail
    assert idcard.problems("110201198012010070", AS_OF) == ()
    assert idcard.problems("610102196001011238", AS_OF) == ()  # 新城区 got 610102 in 1983


def test_results_sheet_rows_show_the_rule_name_its_fix_and_the_code_apart():
    """校验结果 as ``result_rows`` gives it (both engines write these rows): exact cells."""
    from credit_macros.validate.findings import result_rows

    table = _table("科技研发", [{**TECH, "统一社会信用代码": 6.10102199001011e17},
                                {**TECH, "统一社会信用代码": ORG_CODE[:-1] + "I", "是否属于国家级高新技术企业": "也许"}])
    report = Report(validate_table(table, AS_OF, CONFIG), sheets={"S": "附件8 科技研发信息模板"}, rows={"S": 2})
    rows, first = result_rows(report)
    assert rows[1:] == [
        [],
        ["工作表", "识别为模板", "数据行数", "错误", "警告"],
        ["S", "附件8 科技研发信息模板", 2, 3, 0],
        [],
        ["规则", "级别", "处数", "改正方法", "规则代码"],
        ["代码被存成数字（精度丢失）", "错误", 1, "先把单元格格式设为“文本”，再输入完整代码（数字格式只保留15位，末几位已变成0）", "precision-lost"],
        ["统一社会信用代码含非法字符", "错误", 1, "前8位为数字，其余为数字或除 I、O、Z、S、V 外的大写字母；对照营业执照重新录入", "uscc-format"],
        ["不是可选值", "错误", 1, "从下拉列表中选择", "enum"],
        [],
        ["序号", "工作表", "单元格", "行", "列", "级别", "规则", "说明", "规则代码"],
        [1, "S", "B2", 2, "统一社会信用代码", "错误", "代码被存成数字（精度丢失）",
         "第2行「统一社会信用代码」：代码被 Excel 存成了数字 6.10102199001011E+17，末几位已变成 0，精度已丢失，"
         "请以文本格式重新录入（先把单元格格式设为“文本”，再输入完整代码）", "precision-lost"],
        [2, "S", "B3", 3, "统一社会信用代码", "错误", "统一社会信用代码含非法字符",
         f"第3行「统一社会信用代码」：统一社会信用代码 {ORG_CODE[:-1]}I 含不允许的字符（前8位为数字，其余为数字或除 I、O、Z、S、V "
         "外的大写字母），请核对后重新录入", "uscc-format"],
        [3, "S", "C3", 3, "是否属于国家级高新技术企业", "错误", "不是可选值",
         "第3行「是否属于国家级高新技术企业」：「也许」不是可选值，应为 是、否 之一，请从下拉列表选择", "enum"],
    ]
    assert first == 11 and rows[0] == ["信用台账助手 校验结果：错误 3 处，警告 0 处。点击“单元格”可跳到该处；改正后再校验一次，本表和标记会自动更新；“清除标记”按钮或 credit-macros clear 可清除全部标记。"]
    assert result_rows(Report([], sheets={"S": "附件8 科技研发信息模板"}, rows={"S": 2}))[0][4:] == [
        [], ["序号", "工作表", "单元格", "行", "列", "级别", "规则", "说明", "规则代码"]]  # nothing found: no fix table
