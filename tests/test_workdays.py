"""Working-day calendar: known answers from the State Council notices, config overrides, arrays.

Calendar facts used below (国办发明电〔2025〕7号, 2026年部分节假日安排, as carried by
chinese-calendar 1.11.0): 中秋节 9月25日-27日 off; 国庆节 10月1日-7日 off; Sunday 9月20日
and Saturday 10月10日 are working days (调休).
"""

import datetime as dt
import time

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from credit_macros.config import load_config
from credit_macros.errors import UserError
from credit_macros.workdays import Calendar

D = dt.date


def test_national_day_2026(cal):
    assert [cal.is_workday(D(2026, 10, d)) for d in range(1, 13)] == [False] * 7 + [True, True, True, False, True]
    assert cal.is_workday(D(2026, 9, 20))  # a working Sunday
    assert cal.add_workdays(D(2026, 9, 28), 7) == D(2026, 10, 13)
    assert cal.workdays_between(D(2026, 9, 28), D(2026, 10, 13)) == 7
    assert cal.source(2026) == "package" and not cal.is_provisional(D(2026, 10, 13))


def test_working_saturday_counts(cal):
    assert cal.add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert cal.add_workdays(D(2026, 10, 9), 2) == D(2026, 10, 12)


def test_start_day_not_counted_and_zero_rolls(cal):
    assert cal.add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)   # a holiday start: 10月8日 is the 1st
    assert cal.add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 8)   # n = 0 rolls forward
    assert cal.add_workdays(D(2026, 10, 9), 0) == D(2026, 10, 9)   # a working day stays
    assert cal.next_workday(D(2026, 9, 30)) == D(2026, 10, 8)
    with pytest.raises(ValueError):
        cal.add_workdays(D(2026, 10, 9), -1)


def test_agrees_with_chinese_calendar_2023_to_2026(cal):
    """Every day: same flag as chinese_calendar.is_workday; same 7-day due date as find_workday,
    which counts one day more when it starts on a day off (it moves to a working day first)."""
    day = D(2023, 1, 1)
    while day <= D(2026, 12, 20):
        working = chinese_calendar.is_workday(day)
        assert cal.is_workday(day) == working, day
        assert cal.add_workdays(day, 7) == chinese_calendar.find_workday(7 if working else 6, day), day
        day += dt.timedelta(days=1)


def test_2027_is_provisional(cal):
    due = cal.add_workdays(D(2026, 12, 18), 20)
    # 2026-12-21..31: 9 working days; 2027-01-01 (元旦, holidays package) off; 4-8, 11-15: 10; 18th is the 20th
    assert due == D(2027, 1, 18)
    assert cal.source(2027) == "provisional"
    assert cal.touches_provisional(D(2026, 12, 18), due)
    assert not cal.touches_provisional(D(2026, 12, 1), D(2026, 12, 31))
    assert cal.provisional_years(D(2026, 12, 18), due) == [2027]
    assert not cal.is_workday(D(2027, 1, 1)) and not cal.is_workday(D(2027, 1, 2))


def test_config_year_removes_provisional_mark(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[calendar.years.2027]\nholidays = ["2027-01-01", "2027-01-04"]\nworkdays = ["2027-01-09"]\n', "utf-8"
    )
    cal = Calendar.from_config(load_config(path))
    assert cal.source(2027) == "config"
    due, provisional = cal.add_workdays_many([D(2026, 12, 18)], 20)
    # 2026-12-21..31: 9; 2027: 1-1 and 1-4 off, 1-5..8 (13), Saturday 1-9 (14), 1-11..15 (19), 1-18 (20)
    assert due[0] == np.datetime64("2027-01-18") and not provisional[0]
    assert cal.is_workday(D(2027, 1, 9)) and not cal.is_workday(D(2027, 1, 4))
    assert cal.add_workdays(D(2027, 1, 1), 1) == D(2027, 1, 5)


def test_config_year_changes_answer():
    cal = Calendar(years={2027: ([D(2027, 1, 1), D(2027, 1, 4)], [])})
    assert cal.add_workdays(D(2026, 12, 18), 20) == D(2027, 1, 19)
    assert not cal.touches_provisional(D(2026, 12, 18), D(2027, 1, 19))


def test_config_year_overrides_package():
    cal = Calendar(years={2026: ([D(2026, 10, 1)], [])})
    assert cal.source(2026) == "config"
    assert cal.is_workday(D(2026, 10, 2)) and not cal.is_workday(D(2026, 10, 10))


def test_extra_days_shift_results():
    config = {"calendar": {"extra_holidays": ["2026-09-29"], "extra_workdays": [D(2026, 10, 11)]},
              "office": {"plan_year": 2023}}
    cal = Calendar.from_config(config)
    assert not cal.is_workday(D(2026, 9, 29)) and cal.is_workday(D(2026, 10, 11))
    # 9-30, 10-8, 9, 10, 11 (extra working Sunday), 12, 13
    assert cal.add_workdays(D(2026, 9, 28), 7) == D(2026, 10, 13)
    assert Calendar(extra_holidays=[D(2026, 9, 29)]).add_workdays(D(2026, 9, 28), 7) == D(2026, 10, 14)
    assert Calendar(extra_workdays=[D(2026, 10, 11)]).add_workdays(D(2026, 9, 28), 7) == D(2026, 10, 12)


def test_extra_holiday_in_provisional_year():
    cal = Calendar(extra_holidays=[D(2027, 1, 18)])
    assert cal.add_workdays(D(2026, 12, 18), 20) == D(2027, 1, 19)


def test_same_day_off_and_on_is_a_user_error():
    with pytest.raises(UserError, match="2026-10-10 同时列为放假日和工作日"):
        Calendar(extra_holidays=[D(2026, 10, 10)], extra_workdays=[D(2026, 10, 10)])
    with pytest.raises(UserError, match=r"\[calendar.years.2027\]"):
        Calendar(years={2027: ([D(2027, 1, 4)], [D(2027, 1, 4)])})


def test_span_extends_both_ways():
    cal = Calendar(plan_year=2023)
    assert cal.add_workdays(D(2004, 9, 30), 1) == D(2004, 10, 8)    # 国庆 2004: 10月1日-7日
    assert cal.source(2004) == "package"
    assert cal.is_provisional(D(2035, 3, 1)) and cal.source(2035) == "provisional"
    assert cal.add_workdays(D(2026, 9, 28), 7) == D(2026, 10, 13)   # unchanged after extending
    assert cal.workdays_between(D(2026, 1, 1), D(2026, 12, 31)) == 248  # 1月1日 is a holiday
    assert cal.workdays_between(D(2026, 10, 13), D(2026, 9, 28)) == -7


def test_many_matches_single_and_accepts_pandas(cal):
    starts = pd.Series(pd.date_range("2026-09-01", "2026-12-31"))
    counts = np.arange(len(starts)) % 25
    due, provisional = cal.add_workdays_many(starts, counts)
    expected = [cal.add_workdays(d.date(), int(n)) for d, n in zip(starts, counts)]
    assert due.astype(dt.date).tolist() == expected
    assert provisional.tolist() == [e.year == 2027 for e in expected]


def test_many_missing_dates_and_strings(cal):
    due, provisional = cal.add_workdays_many(["2026-10-09", None, "2026-12-31"], 1)
    assert due.astype(str).tolist() == ["2026-10-10", "NaT", "2027-01-04"]
    assert provisional.tolist() == [False, False, True]


def test_many_is_fast(cal):
    rng = np.random.default_rng(7)
    starts = np.datetime64("2023-01-01") + rng.integers(0, 4 * 365, 100_000)
    began = time.perf_counter()
    due, _ = cal.add_workdays_many(starts, 7)
    assert time.perf_counter() - began < 0.2
    assert (due > starts).all()


def test_coverage():
    cal = Calendar(years={2028: ([D(2028, 1, 3)], [D(2028, 1, 8)])})
    rows = {row["year"]: row for row in cal.coverage([2025, 2026, 2027, 2028])}
    assert rows[2026] == {"year": 2026, "source": "package", "holidays": 19, "workdays_on_weekend": 6,
                          "workdays": 248, "provisional": False}
    assert (rows[2025]["holidays"], rows[2025]["workdays_on_weekend"], rows[2025]["workdays"]) == (18, 5, 248)
    # 2027 by the holidays package, weekdays only: 1-1, 2-5, 2-8, 2-9, 2-10, 4-5, 5-3, 5-4, 6-9,
    # 9-15, 10-1, 10-4, 10-5; no 调休.
    assert (rows[2027]["source"], rows[2027]["holidays"], rows[2027]["workdays_on_weekend"]) == ("provisional", 13, 0)
    assert rows[2027]["provisional"] and rows[2027]["workdays"] == 261 - 13
    # 2028 (config): 260 weekdays, Monday 1-3 off, Saturday 1-8 on
    assert rows[2028] == {"year": 2028, "source": "config", "holidays": 1, "workdays_on_weekend": 1,
                          "workdays": 260, "provisional": False}


def test_index_table_gives_excel_due_dates(cal):
    rows = cal.index_table(2026, 2027)
    assert len(rows) == 365 * 2 and rows[0][:3] == (D(2026, 1, 1), 0, False)
    first_with_index = {}
    for day, index, _, _ in rows:
        first_with_index.setdefault(index, day)
    index_of = {row[0]: row[1] for row in rows}
    for day in (D(2026, 9, 28), D(2026, 10, 3), D(2026, 12, 18)):
        assert first_with_index[index_of[day] + 7] == cal.add_workdays(day, 7)
    assert [r[3] for r in rows[:365]] == [False] * 365 and all(r[3] for r in rows[365:])
    assert rows[364][1] == 248 and rows[-1][1] == 248 + 261 - 13
