import datetime as dt

import pytest

from credit_macros.catalogue import timelimit
from credit_macros.catalogue.timelimit import Rule, parse, unique


def kinds(text, **kwargs):
    return [(r.kind, r.date, r.day, r.month, r.workdays, r.event) for r in parse(text, **kwargs)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("持续推进", [("continuous", None, None, None, None, None)]),
        ("2023/12/31", [("fixed", dt.date(2023, 12, 31), None, None, None, None)]),
        ("2023/6/30", [("fixed", dt.date(2023, 6, 30), None, None, None, None)]),
        ("2023年7月前完成失信约束措施清理规范工作。", [("before_month", dt.date(2023, 6, 30), None, None, None, None)]),
        ("至2023年9月底", [("month_end", dt.date(2023, 9, 30), None, None, None, None)]),
        ("在2023年11月30日前", [("fixed", dt.date(2023, 11, 30), None, None, None, None)]),
        ("并于6月5日前将负责人信息报送", [("fixed", dt.date(2023, 6, 5), None, None, None, None)]),
        ("每月2日前报送上月信用承诺书台账", [("monthly", None, 2, None, None, None)]),
        ("于每月月底前将本单位的工作完成情况报发展和经济运行部", [("monthly_end", None, None, None, None, None)]),
        ("每季度最后一个月月底前报送相关案例", [("quarterly", None, None, None, None, None)]),
        ("每季度最后1个月月底前将案例报发展和经济运行部", [("quarterly", None, None, None, None, None)]),
        ("按年度", [("yearly", None, None, None, None, None)]),
        ("自作出行政决定7个工作日内公开公示", [("event", None, None, None, 7, "双公示")]),
        ("收到“双公示”异议反馈时，在2个工作日内核实", [("event", None, None, None, 2, "异议核实")]),
        ("做出信用承诺 20 个工作日内上传", [("event", None, None, None, 20, "信用承诺上传")]),
        ("对违背市场准入的市场主体，在 5 个工作日内完成整改", [("event", None, None, None, 5, "市场准入整改")]),
        ("如发生违约情况，在5个工作日内报送情况说明", [("event", None, None, None, 5, "合同违约说明")]),
        ("通报发生行业协会乱收费情况，在3个工作日内报送检查结果", [("event", None, None, None, 3, "行业协会检查")]),
    ],
)
def test_plan_phrases(text, expected):
    assert kinds(text) == expected


def test_ocr_spaces_line_breaks_and_full_width_digits():
    assert kinds("请各相关单位每月 2 日前报送上月\n信用承诺书台账") == [("monthly", None, 2, None, None, None)]
    assert kinds("2023 年 9 月前严重失信主体退出率高于 12%") == [
        ("before_month", dt.date(2023, 8, 31), None, None, None, None)
    ]
    assert kinds("每月２日前") == [("monthly", None, 2, None, None, None)]


def test_several_rules_in_order_of_appearance():
    text = "持续推进，“双公示”数据合规率达到100%；至2023年7月底，完整性、及时率高于90%；之后按月持续推进。"
    assert kinds(text) == [
        ("continuous", None, None, None, None, None),
        ("month_end", dt.date(2023, 7, 31), None, None, None, None),
        ("monthly", None, None, None, None, None),
    ]
    two_dates = "2023年7月前建立“信用评价-信用服务-信用监管”机制,2023年9月前完成信用评价,并开展应用"
    assert [r.date for r in parse(two_dates)] == [dt.date(2023, 6, 30), dt.date(2023, 8, 31)]


def test_repeats_are_dropped_and_the_first_wording_kept():
    rules = parse("每季度报送一个案例。每季度最后1个月月底前将案例报发展和经济运行部。")
    assert [(r.kind, r.text) for r in rules] == [("quarterly", "每季度")]
    assert kinds("持续推进；之后持续推进") == [("continuous", None, None, None, None, None)]


def test_monthly_without_day_gives_way_to_monthly_with_day():
    text = "每月报送水费、燃气费信息；每月2日前报送上月信息。"
    assert kinds(text) == [("monthly", None, 2, None, None, None)]
    assert unique([Rule("monthly", text="按月"), Rule("monthly", day=2, text="每月2日前")]) == [
        Rule("monthly", day=2, text="每月2日前")
    ]


def test_yearly_takes_the_date_before_it():
    rules = parse("2023年7月前制定新城2023年度重大行政决策目录，之后按年度进行。")
    assert [(r.kind, r.date, r.month, r.day) for r in rules] == [
        ("before_month", dt.date(2023, 6, 30), None, None),
        ("yearly", None, 6, 30),
    ]


def test_year_defaults_to_plan_year():
    assert parse("7月前", plan_year=2024)[0].date == dt.date(2024, 6, 30)
    assert parse("9月底", plan_year=2024)[0].date == dt.date(2024, 9, 30)
    assert parse("1月前", plan_year=2024)[0].date == dt.date(2023, 12, 31)
    assert parse("2024年2月底")[0].date == dt.date(2024, 2, 29)


def test_targets_and_statistics_are_not_rhythms():
    assert parse("平均每月“双公示”信息有效异议占比低于7%") == []
    assert parse("每月新增注册企业（含个体工商户）数量不低于辖区内企业数量的2%") == []
    assert parse("按月制定详细工作措施，推动任务落实落细") == []
    assert parse("**年**月**日，**部门印发《**领域信用分级分类监管办法》") == []


def test_unknown_text_and_impossible_dates_give_nothing():
    assert parse("按要求办理") == []
    assert parse("") == []
    assert parse("2023/2/30") == []
    assert parse("13月前") == []


def test_event_without_a_named_event():
    [rule] = parse("在7个工作日内办结")
    assert (rule.kind, rule.workdays, rule.event) == ("event", 7, None)


def test_event_word_nearest_before_the_number_wins():
    text = "作出行政处罚机关收到“双公示”异议反馈时，在2个工作日内核实。严格执行“双公示”信息，自作出行政决定7个工作日内公开公示。"
    assert [(r.event, r.workdays) for r in parse(text)] == [("异议核实", 2), ("双公示", 7)]


def test_rule_keeps_its_phrase():
    [rule] = parse("至2023年9月底，平均")
    assert rule.text == "2023年9月底"
    assert rule.kind in timelimit.KINDS
