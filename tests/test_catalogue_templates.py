"""The nine attachment templates must carry the seed's exact headers, in order."""

from credit_macros import catalogue
from credit_macros.catalogue import units as unitlib

PARTY = ["行政相对人名称", "行政相对人类别", "行政相对人代码", "法定代表人姓名", "法定代表人证件类型", "法定代表人证件号码"]
SOURCE = ["数据来源单位名称", "数据来源单位代码", "备注"]
EXPECTED = {
    "行政裁决": PARTY + ["裁决种类", "是否终局裁决", "裁决内容", "裁决事由", "法律依据", "裁决日期", "裁决机关名称", "裁决机关代码"] + SOURCE,
    "行政强制": ["行政相对人名称", "行政相对人代码", "行政相对人类别", "法定代表人姓名", "法定代表人证件类型", "法定代表人证件号码",
             "行政强制决定文书名称", "行政强制决定文书号", "行政强制理由", "行政强制依据", "行政强制种类", "行政强制措施类型",
             "行政强制执行类型", "行政强制内容", "行政强制结果", "行政强制决定日期", "实施强制措施起始时间", "实施强制措施结束时间",
             "行政强制执行时间", "行政机关名称", "行政机关代码"] + SOURCE,
    "行政确认": PARTY + ["行政确认文号", "确认事项名称", "确认种类", "确认内容", "确认日期", "确认机关名称", "确认机关代码"] + SOURCE,
    "行政检查": PARTY + ["检查形式", "检查方式", "监督检查内容", "检查结果", "关联文书号", "监督检查日期", "监督检查机关名称", "监督检查机关代码"] + SOURCE,
    "行政奖励": PARTY + ["认定文书号", "奖励名称", "奖励事项", "奖励级别", "奖励授予日期", "有效截止期", "授予机构名称", "授予机构代码"] + SOURCE,
    "水费": ["行政相对人名称", "行政相对人代码_1(统一社会信用代码)", "水用户信息(户名 户号)", "缴纳水费明细", "近3个月月均水用量", "近6个月月均水用量", "当前是否欠费"],
    "燃气费": ["行政相对人名称", "行政相对人代码-1(统一社会信用代码)", "燃气用户信息(户名/户号)", "缴纳燃气费明细", "近3个月月均燃气用量", "近6个月月均燃气用量", "当前是否欠费"],
    "科技研发": ["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"],
    "信用修复告知书": ["序号", "企业名称", "统一社会信用代码", "行政处罚决定书文号", "信用修复告知文书文号", "行政处罚信息可修复日期",
                "送达日期", "送达方式", "送达人", "签收人", "联系电话", "备注"],
}


def test_templates_in_seed_order_with_exact_headers():
    templates = catalogue.templates()
    assert [t.number for t in templates] == list(range(1, 10))
    assert [t.key for t in templates] == list(EXPECTED)
    for t in templates:
        assert [c.name for c in t.columns] == EXPECTED[t.key], t.key


def test_repair_ledger_has_two_header_rows_and_group():
    t = catalogue.template("信用修复告知书")
    assert t.header_rows == 2 and t.unit_line
    assert [c.name for c in t.columns if c.group == "信用修复告知书记录情况"] == ["送达日期", "送达方式", "送达人", "签收人", "联系电话"]


def test_every_column_type_is_known_and_enums_exist():
    for t in catalogue.templates():
        for c in t.columns:
            assert c.type in catalogue.TYPE_LABELS, (t.key, c.name)
            if c.type == "enum":
                catalogue.enum_values(c.enum)  # raises KeyError when undeclared
            if c.type in ("uscc", "party_code", "id_number"):
                assert c.text, (t.key, c.name)
        for key in t.natural_key:
            t.column(key)
        for early, late in t.order:
            assert t.column(early).type == t.column(late).type == "date"


def test_enumerations_from_domain_and_config():
    assert catalogue.enum_values("行政强制种类") == ["行政强制措施", "行政强制执行"]
    assert len(catalogue.enum_values("行政强制执行类型")) == 6
    assert catalogue.enum_values("奖励级别") is None
    config = {"enumerations": {"奖励级别": ["国家级", "省级", "市级", "区级"]}}
    assert catalogue.enum_values("奖励级别", config) == ["国家级", "省级", "市级", "区级"]


def test_cross_rules_attach_only_where_columns_exist():
    assert {r.code for r in catalogue.template("行政强制").cross_rules} >= {"org-needs-code", "measure-needs-type"}
    assert catalogue.template("水费").cross_rules == ()


def test_units_canonical_and_ocr_variants():
    assert len(unitlib.all_units()) == 21
    assert unitlib.resolve("西咸新区市场监督管理局洋新城分局") == ["西咸新区市场监督管理局沣西新城分局"]
    assert unitlib.resolve("西咸新区自然资源和规划局(津西)工作部") == ["西咸新区自然资源和规划局（沣西）工作部"]
    assert unitlib.resolve("展和经济运行部") == ["发展和经济运行部"]
    assert unitlib.resolve("发展和改革委员会") == ["发展和经济运行部"]
    assert unitlib.resolve("各成员单位") == unitlib.names()
    assert unitlib.resolve_report("招商引资工作领导小组各成员单位") == ([], ["招商引资工作领导小组各成员单位"])
