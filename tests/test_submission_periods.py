"""报送情况 lists every obligation × unit × period from ``[tracking] start`` to the current
period, and the same rows for the same data and date whatever ran before (core-level)."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_macros.config import load_config
from credit_macros.submissions import (MISSING, QUARTERLY, STATUS_SHEET, counts, status_grid,
                                       submission_rows)
from credit_macros.workdays import Calendar


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text('[tracking]\nstart = "2026-01"\n', "utf-8")
    return load_config(path)


def _periods(rows, cycle="每月"):
    return sorted({r.period for r in rows if r.cycle == cycle})


def test_fresh_master_lists_every_month_and_quarter_since_the_start(config):
    rows = submission_rows({}, dt.date(2026, 12, 1), Calendar.from_config(config), config)
    # November's data is due on 2 December: the current period is 2026-11
    assert _periods(rows) == [f"2026-{m:02d}" for m in range(1, 12)]
    assert _periods(rows, QUARTERLY) == [f"2026年第{q}季度" for q in (1, 2, 3, 4)]
    april = [r for r in rows if r.period == "2026-04"]
    assert april and {r.status for r in april} == {MISSING}


def test_rows_do_not_depend_on_an_earlier_refresh(config):
    """Before: a copy that first ran status on 2026-03-05 kept 2026-02/03 and 2025-Q4/2026-Q1
    while 2026-04 … 2026-09 never appeared (未报 140 → 420 depending on history)."""
    calendar = Calendar.from_config(config)
    earlier = status_grid(submission_rows({}, dt.date(2026, 3, 5), calendar, config))
    fresh = submission_rows({}, dt.date(2026, 12, 1), calendar, config)
    after = submission_rows({STATUS_SHEET: earlier}, dt.date(2026, 12, 1), calendar, config)
    assert after == fresh
    assert counts(after) == counts(fresh)


def test_hand_typed_quarterly_receipt_survives_refreshes(config):
    calendar = Calendar.from_config(config)
    grid = status_grid(submission_rows({}, dt.date(2026, 12, 1), calendar, config))
    head = grid[0]
    row = next(r for r in grid[1:] if r[head.index("周期")] == QUARTERLY and r[head.index("报送期")] == "2026年第2季度")
    row[head.index("收到时间")] = dt.datetime(2026, 6, 20, 9, 30)
    for as_of in (dt.date(2026, 12, 1), dt.date(2026, 12, 20)):
        again = submission_rows({STATUS_SHEET: grid}, as_of, calendar, config)
        typed = [r for r in again if (r.unit, r.obligation, r.period) == tuple(row[:2]) + (row[3],)]
        assert [(r.received, r.status) for r in typed] == [(dt.datetime(2026, 6, 20, 9, 30), "按时")]
        grid = status_grid(again)


def test_months_before_the_start_are_not_listed(config):
    rows = submission_rows({}, dt.date(2026, 2, 16), Calendar.from_config(config), config)
    assert _periods(rows) == ["2026-01", "2026-02"]
    assert _periods(rows, QUARTERLY) == ["2026年第1季度"]
