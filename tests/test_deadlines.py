"""Due dates of the plan's rules and the status words.

Calendar facts (2026 notice, chinese-calendar 1.11.0): 春节 2月15日-23日 off, Saturday
2月28日 a working day; 国庆节 10月1日-7日 off, Saturday 10月10日 a working day.
2023: 中秋国庆 9月29日-10月6日 off, Saturday 9月30日 within it.
2027 is not covered: provisional (元旦 1月1日 by the holidays package, no 调休).
"""

import datetime as dt

import pytest

from credit_macros import deadlines
from credit_macros.catalogue.timelimit import Rule, parse
from credit_macros.config import load_config
from credit_macros.deadlines import Period, current_period, event_due, monthly_due, status
from credit_macros.errors import UserError
from credit_macros.workdays import Calendar

D = dt.date
MONTHLY = Rule("monthly", day=2, text="每月2日前")


@pytest.fixture(scope="module")
def config():
    return load_config(None)


@pytest.fixture
def config_with(tmp_path):
    def load(text):
        path = tmp_path / "config.toml"
        path.write_text(text, "utf-8")
        return load_config(path)
    return load


@pytest.mark.parametrize("as_of, label, start, due, provisional", [
    (D(2026, 10, 1), "2026年9月", D(2026, 9, 1), D(2026, 10, 8), False),    # 10月2日 off: rolls to 10月8日
    (D(2026, 10, 8), "2026年9月", D(2026, 9, 1), D(2026, 10, 8), False),    # due today is still current
    (D(2026, 10, 9), "2026年10月", D(2026, 10, 1), D(2026, 11, 2), False),
    (D(2026, 11, 29), "2026年11月", D(2026, 11, 1), D(2026, 12, 2), False),
    (D(2026, 12, 3), "2026年12月", D(2026, 12, 1), D(2027, 1, 4), True),    # 1月2日 Saturday, 2027 unknown
])
def test_monthly_current_period(cal, config, as_of, label, start, due, provisional):
    assert current_period(MONTHLY, as_of, cal, config) == Period("每月", label, start, due, provisional)


def test_monthly_rule_without_day_uses_configured_day(cal, config):
    assert current_period(Rule("monthly"), D(2026, 10, 1), cal, config).due == D(2026, 10, 8)


def test_monthly_without_rolling(cal, config_with):
    config = config_with("[deadlines]\nroll_to_workday = false\n")
    assert current_period(MONTHLY, D(2026, 10, 1), cal, config).due == D(2026, 10, 2)
    assert current_period(MONTHLY, D(2026, 10, 3), cal, config) == Period(
        "每月", "2026年10月", D(2026, 10, 1), D(2026, 11, 2), False)


def test_monthly_day_from_config_clamped_to_month_end(cal, config_with):
    config = config_with("[deadlines]\nmonthly_due_day = 31\n")
    # 2月31日 -> 2月28日, a working Saturday in 2026: no roll
    assert monthly_due(2026, 2, cal, config) == (D(2026, 2, 28), False)
    assert current_period(MONTHLY, D(2026, 3, 1), cal, config).due == D(2026, 3, 31)


def test_monthly_day_out_of_range_is_a_user_error(config_with):
    """Refused when the config is loaded, before any date is computed."""
    for day in (0, 32):
        with pytest.raises(UserError, match=f"deadlines.monthly_due_day.*应在 1 到 31 之间，现在是 {day}"):
            config_with(f"[deadlines]\nmonthly_due_day = {day}\n")


def test_monthly_provisional_mark_removed_by_config_year(config_with):
    config = config_with('[calendar.years.2027]\nholidays = ["2027-01-01", "2027-01-02", "2027-01-03"]\n'
                         'workdays = []\n')
    period = current_period(MONTHLY, D(2026, 12, 3), Calendar.from_config(config), config)
    assert (period.due, period.provisional) == (D(2027, 1, 4), False)


def test_month_end_and_quarter_do_not_roll(cal, config):
    assert current_period(Rule("monthly_end"), D(2026, 11, 29), cal, config) == Period(
        "每月", "2026年11月", D(2026, 11, 1), D(2026, 11, 30), False)
    # 2023-09-30 is a Saturday inside the 中秋国庆 holiday: the quarter still ends that day
    assert current_period(Rule("quarterly"), D(2023, 9, 1), cal, config) == Period(
        "每季", "2023年第3季度", D(2023, 7, 1), D(2023, 9, 30), False)
    assert current_period(Rule("quarterly"), D(2026, 11, 29), cal, config) == Period(
        "每季", "2026年第4季度", D(2026, 10, 1), D(2026, 12, 31), False)


def test_plan_rules_parsed_from_text(cal, config):
    first, yearly = parse("2023年7月前制定新城2023年度重大行政决策项目目录，之后按年度进行")
    assert current_period(first, D(2026, 11, 29), cal, config) == Period(
        "一次性", "截至2023年6月30日", D(2023, 1, 1), D(2023, 6, 30), False)
    assert current_period(yearly, D(2026, 6, 30), cal, config) == Period(
        "每年", "2026年度", D(2026, 1, 1), D(2026, 6, 30), False)
    assert current_period(yearly, D(2026, 7, 1), cal, config).due == D(2027, 6, 30)
    [fixed] = parse("2023/12/31")
    assert current_period(fixed, D(2023, 5, 1), cal, config).due == D(2023, 12, 31)   # a Sunday: no roll
    [continuous] = parse("持续推进")
    assert current_period(continuous, D(2026, 11, 29), cal, config) == Period(
        "持续", "持续推进", D(2023, 1, 1), None, False)


def test_yearly_without_date_is_due_at_year_end(cal, config):
    assert current_period(Rule("yearly"), D(2026, 11, 29), cal, config).due == D(2026, 12, 31)


def test_event_rules_have_no_period(cal, config):
    [event] = parse("收到“双公示”异议反馈时，在2个工作日内核实")
    assert current_period(event, D(2026, 11, 29), cal, config) is None


@pytest.mark.parametrize("event, start, due", [
    ("双公示", D(2026, 9, 28), D(2026, 10, 13)),
    ("异议核实", D(2026, 9, 30), D(2026, 10, 9)),
    ("行业协会检查", D(2026, 10, 9), D(2026, 10, 13)),   # Saturday 10月10日 counts
    ("市场准入整改", D(2026, 2, 13), D(2026, 2, 27)),    # 2-14 (Sat) on, 2-15..23 off, 2-24..27
])
def test_event_due(cal, config, event, start, due):
    assert event_due(event, start, cal, config) == (due, False)


def test_event_due_provisional_and_configured(cal, config, config_with):
    assert event_due("信用承诺上传", D(2026, 12, 18), cal, config) == (D(2027, 1, 18), True)
    custom = config_with('[deadlines.event_workdays]\n"双公示" = 5\n"投诉处理" = 10\n')
    assert event_due("双公示", D(2026, 9, 28), cal, custom) == (D(2026, 10, 10), False)   # a working Saturday
    assert event_due("投诉处理", D(2026, 9, 28), cal, custom) == (D(2026, 10, 16), False)


def test_unknown_event_is_a_user_error(cal, config):
    with pytest.raises(UserError, match="未知的事项类型“投诉处理”.*双公示"):
        event_due("投诉处理", D(2026, 9, 28), cal, config)


@pytest.mark.parametrize("due, done, as_of, word", [
    (D(2026, 10, 8), D(2026, 10, 20), D(2026, 10, 21), "已完成"),   # done late is still done
    (None, None, D(2026, 10, 21), "未到期"),
    (D(2026, 10, 8), None, D(2026, 10, 9), "逾期"),
    (D(2026, 10, 8), None, D(2026, 10, 8), "临近"),                  # due today
    (D(2026, 10, 9), None, D(2026, 9, 30), "临近"),                  # 9 days, 2 working days
    (D(2026, 10, 10), None, D(2026, 9, 30), "临近"),                 # 10-8, 9, 10 (Sat): 3
    (D(2026, 10, 12), None, D(2026, 9, 30), "未到期"),               # 4 working days
])
def test_status(cal, config, due, done, as_of, word):
    assert status(due, done, as_of, cal, config) == word
    assert word in deadlines.STATUSES


def test_status_window_from_config(cal, config_with):
    config = config_with("[deadlines]\ndue_soon_workdays = 0\n")
    assert status(D(2026, 10, 8), None, D(2026, 10, 8), cal, config) == "临近"
    assert status(D(2026, 10, 8), None, D(2026, 9, 30), cal, config) == "未到期"
