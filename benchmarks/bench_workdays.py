"""Due dates for 100,000 rows: ``Calendar.add_workdays_many`` against a per-row chinese-calendar loop.

Baseline: ``chinese_calendar.find_workday`` for each row, as a macro would call it. It counts
from the next working day when a row starts on a day off, so the baseline asks it for one
working day fewer there (see ``credit_macros.workdays``); both then give the same dates.

Run: ``python benchmarks/bench_workdays.py [ROWS]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import chinese_calendar
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credit_macros.workdays import Calendar  # noqa: E402

WORKDAYS = 7
FIRST, LAST = np.datetime64("2023-01-01", "D"), np.datetime64("2026-12-20", "D")  # + 7 working days stays in 2026


def baseline(starts: list) -> list:
    return [chinese_calendar.find_workday(WORKDAYS - (not chinese_calendar.is_workday(d)), d) for d in starts]


def main(rows: int = 100_000) -> float:
    rng = np.random.default_rng(2026)
    starts = FIRST + rng.integers(0, (LAST - FIRST).astype(int) + 1, rows)
    as_dates = starts.astype(object).tolist()
    calendar = Calendar(plan_year=2023)

    began = time.perf_counter()
    expected = baseline(as_dates)
    loop = time.perf_counter() - began

    began = time.perf_counter()
    due, provisional = calendar.add_workdays_many(starts, WORKDAYS)
    vectorised = time.perf_counter() - began

    assert due.astype(object).tolist() == expected
    assert not provisional.any()
    print(f"{rows} 行，起算日 {FIRST}～{LAST}，各加 {WORKDAYS} 个工作日")
    print(f"  逐行 chinese_calendar.find_workday：{loop:.3f} 秒")
    print(f"  Calendar.add_workdays_many：      {vectorised:.4f} 秒")
    print(f"  结果一致；加速 {loop / vectorised:.0f} 倍")
    return loop / vectorised


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
