import datetime as dt
import re
import tomllib
from collections import Counter

from credit_macros import config as config_module
from credit_macros.catalogue import templates, units
from credit_macros.catalogue.tasks import by_id, key_tasks, main_tasks, requirements, unit_names_in_seed
from credit_macros.catalogue.timelimit import parse

# 重点任务清单 rows (具体措施) per 一级指标, counted as explained in tasks.toml:
# (一) 3+1+1+3+1+1+1+2+1+2+1+1+1+2+1 = 22, (二) 3, (三) 4, (四) 1+1+1+2+1 = 6.
ROWS_PER_LEVEL1 = {"1": 22, "2": 3, "3": 4, "4": 6}
# 二级指标 per 一级指标 as numbered in the table: 27 in all; the header says 28, the seed has
# no 28th (see tasks.toml).
LEVEL2_PER_LEVEL1 = {"1": 15, "2": 3, "3": 4, "4": 5}
# 主要任务 per section （一）…（五）.
MAIN_PER_SECTION = {"（一）": 2, "（二）": 5, "（三）": 7, "（四）": 4, "（五）": 8}

# The 11 units named in 主要任务4 (五类行政管理信息).
FIVE_KINDS_UNITS = (
    "发展和经济运行部",
    "财政金融部",
    "开发建设部",
    "安全监管部",
    "综合行政执法支队",
    "西咸新区自然资源和规划局（沣西）工作部",
    "西咸新区生态环境局（沣西）工作部",
    "秦创原创新驱动发展（沣西）工作部",
    "西咸新区市场监督管理局沣西新城分局",
    "国家税务总局西咸新区沣西新城税务局",
    "西咸新区消防救援支队沣西新城大队",
)
OCR_NOISE = ("沅西", "沔西", "津西", "洋西", "洋新城", "服务服务", "推广推广")


def id_parts(task):
    return task.id.split("-")


def rule_keys(task):
    return {(r.kind, r.date, r.day, r.month, r.workdays, r.event) for r in task.rules}


def test_rows_per_level1():
    counts = Counter(id_parts(t)[0] for t in key_tasks())
    assert counts == ROWS_PER_LEVEL1
    assert len(key_tasks()) == 35


def test_level2_and_measure_numbering_is_contiguous():
    level2 = {}
    for task in key_tasks():
        one, two, three = map(int, id_parts(task))
        level2.setdefault(one, {}).setdefault(two, []).append(three)
    assert {str(k): len(v) for k, v in level2.items()} == LEVEL2_PER_LEVEL1
    assert sum(LEVEL2_PER_LEVEL1.values()) == 27
    for one, seconds in level2.items():
        assert sorted(seconds) == list(range(1, len(seconds) + 1)), one
        for two, measures in seconds.items():
            assert measures == list(range(1, len(measures) + 1)), (one, two)
    assert len({t.id for t in key_tasks()}) == len(key_tasks())


def test_level_names():
    assert [t.level1 for t in key_tasks() if t.id.endswith("-1-1")] == [
        "（一）城市信用监测与创建全国信用示范城市共性指标",
        "（二）创建全国信用示范城市其他指标",
        "（三）城市信用监测其他指标",
        "（四）省、市2022年政务诚信评价其他指标",
    ]
    assert by_id("1-1-3").level2 == "1.“双公示”信息及异议处理"
    assert by_id("1-14-2").level2 == "14.重点行业监管工作"
    assert by_id("4-5-1").level2 == "5.加强政府采购政务诚信建设"
    assert all(t.level2.startswith(id_parts(t)[1] + ".") for t in key_tasks())


def test_main_tasks_numbered_with_sections():
    numbers = [t.no for t in main_tasks()]
    assert numbers == list(range(1, 27))
    assert Counter(t.section[:3] for t in main_tasks()) == MAIN_PER_SECTION
    assert main_tasks()[2].section == "（二）夯实信用基础设施建设，畅通信用信息归集共享"
    assert main_tasks()[2].title == "提升行政许可、行政处罚等信用信息公示（“双公示”）工作质量"
    assert main_tasks()[21].title == "加强招商引资政务诚信建设"
    assert all(t.text.startswith(t.title + "。") for t in main_tasks())


def test_every_unit_string_resolves_except_the_known_unknown():
    unresolved = [(text, found, unknown) for text, found, unknown in unit_names_in_seed() if unknown]
    assert unresolved == [("招商引资工作领导小组各成员单位", [], ["招商引资工作领导小组各成员单位"])]
    assert all(found for text, found, unknown in unit_names_in_seed() if not unknown)
    assert all(t.units and not t.unknown_units for t in key_tasks())
    assert [(t.no, t.unknown_units) for t in main_tasks() if t.unknown_units] == [
        (22, ("招商引资工作领导小组各成员单位",))
    ]
    assert all(t.lead_units for t in main_tasks())
    assert all(bool(t.support_units) == (t.support_text not in ("", "招商引资工作领导小组各成员单位")) for t in main_tasks())


def test_units_of_the_five_kinds_measure():
    assert main_tasks()[3].lead_units == FIVE_KINDS_UNITS
    # the table adds the 政务服务中心 to the body's list
    assert set(by_id("1-2-1").units) == set(FIVE_KINDS_UNITS) | {"西咸新区政务服务（沣西）中心"}
    assert len(by_id("1-2-1").units) == 12


def test_unit_groups_and_aliases():
    everyone = tuple(units.names())
    assert by_id("1-9-1").units == everyone  # 各部门
    assert by_id("1-6-1").units == everyone  # all 21 listed one by one
    assert main_tasks()[0].support_units == everyone  # 各成员单位
    assert {"开发建设部", "安全监管部"} <= set(by_id("1-7-1").units)  # 开发建设和安全监管部门
    assert by_id("1-5-1").units[0] == "发展和经济运行部"  # 发展和改革委员会
    assert by_id("1-4-3").units == ("秦创原创新驱动发展（沣西）工作部",)


def test_ocr_noise_cleaned_in_texts_but_kept_in_unit_strings():
    texts = [t.measure for t in key_tasks()] + [t.level1 + t.level2 + t.time_limit_text for t in key_tasks()]
    texts += [t.text + t.time_limit_text + t.section for t in main_tasks()]
    for text in texts:
        assert not any(noise in text for noise in OCR_NOISE), text
        assert not re.search(r"(?<!发)展和经济运行部", text), text
        assert "2026" not in text
    assert by_id("1-2-1").measure.count("全量报送") == 1  # the doubled sentence
    assert "洋西" in by_id("1-2-1").responsible_text
    assert "津西" in by_id("4-1-1").responsible_text


def test_merged_cells_inherit_from_the_row_above():
    for row, above in (("1-4-2", "1-4-1"), ("1-10-2", "1-10-1"), ("1-14-2", "1-14-1"), ("4-4-2", "4-4-1")):
        assert by_id(row).responsible_text == by_id(above).responsible_text
        assert by_id(row).time_limit_text == by_id(above).time_limit_text


def test_reconstructed_last_page_matches_the_plan_body():
    assert by_id("4-3-1").units == main_tasks()[18].lead_units == ("党政办公室",)
    assert by_id("4-4-1").units == main_tasks()[19].lead_units == ("组织和人力资源部",)
    assert by_id("4-5-1").units == main_tasks()[20].lead_units == ("财政金融部",)
    assert by_id("4-5-1").measure == main_tasks()[20].text.split("。", 1)[1]
    assert by_id("4-5-1").time_limit_text + "。" == main_tasks()[20].time_limit_text


def test_every_time_limit_parses():
    limits = {t.time_limit_text for t in key_tasks()} | {t.time_limit_text for t in main_tasks()}
    for text in limits:
        assert parse(text), text
    assert all(t.rules for t in key_tasks() + main_tasks())


def test_rules_combine_time_limit_and_measure_text():
    assert [r.kind for r in by_id("1-1-1").rules] == ["continuous", "event", "monthly"]
    assert [(r.kind, r.date) for r in by_id("1-1-3").rules] == [
        ("continuous", None),
        ("month_end", dt.date(2023, 9, 30)),
    ]
    assert [(r.kind, r.date, r.day) for r in by_id("1-4-2").rules] == [
        ("fixed", dt.date(2023, 12, 31), None),
        ("monthly", None, 2),
    ]
    # 主要任务6: "每月报送水费" in the time limit, "每月2日前" in the text: one monthly rule, day 2
    assert [(r.kind, r.day) for r in main_tasks()[5].rules] == [("monthly", 2)]


def test_monthly_rhythm_of_domain():
    by_second = ("1-1-1", "1-2-1", "1-3-1", "1-4-1", "1-4-2", "1-4-3", "1-5-1", "4-1-1")
    for task_id in by_second:
        assert ("monthly", None, 2, None, None, None) in rule_keys(by_id(task_id)), task_id
    # 退出失信名单情况, 舆情, 金融风险: "每月报送", day from the configured monthly due day
    for task_id in ("1-10-1", "1-11-1", "2-1-1"):
        assert ("monthly", None, None, None, None, None) in rule_keys(by_id(task_id)), task_id
    monthly = {t.id for t in key_tasks() if any(r.kind == "monthly" for r in t.rules)}
    assert monthly == set(by_second) | {"1-10-1", "1-11-1", "2-1-1"}


def test_quarterly_rhythm_of_domain():
    quarterly = {t.id for t in key_tasks() if any(r.kind == "quarterly" for r in t.rules)}
    # 信用报告应用, 分级分类监管, 诚信宣传, 融资监测问卷, 政务服务大厅, 联合奖惩, 专项治理
    assert quarterly == {"1-6-1", "1-7-1", "1-9-1", "2-2-1", "2-3-1", "3-1-1", "3-2-1"}


def test_event_rules_match_the_configured_working_days():
    default = tomllib.loads(config_module.default_text())["deadlines"]["event_workdays"]
    found = {(r.event, r.workdays) for t in key_tasks() + main_tasks() for r in t.rules if r.kind == "event"}
    assert found == set(default.items())
    events = {t.id: r.event for t in key_tasks() for r in t.rules if r.kind == "event"}
    assert events == {
        "1-1-1": "双公示",
        "1-1-2": "异议核实",
        "1-5-1": "信用承诺上传",
        "1-13-1": "合同违约说明",
        "1-14-1": "行业协会检查",
        "3-3-1": "市场准入整改",
    }


def test_dated_and_yearly_rules():
    dates = {r.date for t in key_tasks() for r in t.rules if r.date}
    assert dates == {
        dt.date(2023, 6, 30),
        dt.date(2023, 8, 31),
        dt.date(2023, 9, 30),
        dt.date(2023, 11, 30),
        dt.date(2023, 12, 31),
    }
    yearly = [(t.id, r.month, r.day) for t in key_tasks() for r in t.rules if r.kind == "yearly"]
    assert yearly == [("4-3-1", 6, 30)]


def test_requirements_of_the_work_requirements_section():
    first, second, third = requirements()
    assert first.units == second.units == third.units == tuple(units.names())
    assert [(r.kind, r.date) for r in first.rules] == [("fixed", dt.date(2023, 6, 5))]
    assert [r.kind for r in second.rules] == ["monthly_end"]
    assert [(r.kind, r.day) for r in third.rules] == [("monthly", None)]
    assert [r.title for r in requirements()] == ["加强组织领导", "强化工作落实", "加强考核通报"]


def test_templates_link_to_the_template_catalogue():
    known = {t.key for t in templates()}
    linked = Counter(key for t in key_tasks() for key in t.templates)
    assert set(linked) == known
    assert set(linked.values()) == {1}
    assert by_id("1-2-1").templates == ("行政裁决", "行政强制", "行政确认", "行政检查", "行政奖励")
    assert [(t.id, t.templates) for t in key_tasks() if t.id.startswith("1-4-")] == [
        ("1-4-1", ("水费",)),
        ("1-4-2", ("燃气费",)),
        ("1-4-3", ("科技研发",)),
    ]
    assert by_id("4-1-1").templates == ("信用修复告知书",)


def test_cached_and_frozen():
    assert key_tasks() is key_tasks()
    assert main_tasks() is main_tasks()
    assert hash(by_id("1-1-1")) == hash(key_tasks()[0])
