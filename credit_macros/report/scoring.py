"""Half-month periods and the member units' scores for the 半月通报 (plain values, no files).

The plan (四、工作要求（三）): the 信用办 reports on the member units every half month and scores
them — “谁主管谁负责，谁丢分谁担责”.

Half-months are the 1st–15th and the 16th–last day of a month. The report made on day D covers
the last half-month that is complete before D: D on the 16th or later → the 1st–15th of D's
month; D on the 1st–15th → the 16th–end of the month before. A year has 24 issues: the issue
number is 2 × (month − 1) + 1 for a first half and + 2 for a second half.

Per unit, the obligations counted are the ``SubmissionRow``s whose due date lies in the
half-month (statuses as of the report date: 按时 / 逾期 / 未报). With the ``[report]`` settings
W_on = on_time_weight, W_q = quality_weight, p = late_penalty::

    按时率   = 按时 ÷ 应报
    报送分率 = (按时 + p × 逾期) ÷ 应报
    错误率   = 校验错误 ÷ 报送行数            (over what the unit sent in the half-month)
    质量分率 = 1 − min(1, 错误率)             (sent something without rows: 1 if no errors, else 0;
                                               sent nothing: 0)
    得分     = W_on × 报送分率 + W_q × 质量分率, rounded to 0.1

Defaults 60 / 40 / 0.5 give 100 for a unit that sends everything on time without errors. Units
are ranked by score, highest first; equal scores share a rank and keep the plan's unit order.
A unit with nothing due in the half-month is not scored (listed last, 本期无到期事项). A unit
scoring below ``low_score`` is listed among the units to be urged.

>>> p = half_month(dt.date(2026, 11, 16))
>>> p.start, p.end, p.issue, p.label
(datetime.date(2026, 11, 1), datetime.date(2026, 11, 15), 21, '2026年11月1日至11月15日')
>>> half_month(dt.date(2026, 1, 3)).start, half_month(dt.date(2026, 1, 3)).issue
(datetime.date(2025, 12, 16), 24)
"""

from __future__ import annotations

import calendar as monthcal
import datetime as dt
from dataclasses import dataclass, field

from credit_macros.catalogue import units as unitlib
from credit_macros.errors import UserError

ON_TIME, LATE, MISSING = "按时", "逾期", "未报"
COUNTED = (ON_TIME, LATE, MISSING)


@dataclass(frozen=True)
class HalfMonth:
    start: dt.date
    end: dt.date

    @property
    def issue(self) -> int:
        """Issue number within the year (第N期), 1–24."""
        return 2 * (self.start.month - 1) + (1 if self.start.day == 1 else 2)

    @property
    def label(self) -> str:
        return f"{self.start.year}年{self.start.month}月{self.start.day}日至{self.end.month}月{self.end.day}日"

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def half_month(as_of: dt.date) -> HalfMonth:
    """The last complete half-month before ``as_of``."""
    if as_of.day > 15:
        return HalfMonth(as_of.replace(day=1), as_of.replace(day=15))
    last = as_of.replace(day=1) - dt.timedelta(days=1)
    return HalfMonth(last.replace(day=16), last.replace(day=monthcal.monthrange(last.year, last.month)[1]))


@dataclass(frozen=True)
class DueItem:
    """One obligation of a unit that was late or is missing: template (or duty), 报送期, due date."""
    obligation: str
    period: str
    due: dt.date

    @property
    def when(self) -> str:
        return f"{self.period}，应于{self.due.month}月{self.due.day}日前报送"


def items_text(items: list[DueItem]) -> str:
    """The items in one phrase, one bracket per (报送期, due date) instead of one per item.

    >>> d = dt.date(2026, 2, 2)
    >>> items_text([DueItem("水费", "2026-01", d), DueItem("燃气费", "2026-01", d), DueItem("行政强制", "2025-12", dt.date(2026, 1, 5))])
    '水费、燃气费（2026-01，应于2月2日前报送）；行政强制（2025-12，应于1月5日前报送）'
    """
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(item.when, []).append(item.obligation)
    return "；".join(f"{'、'.join(names)}（{when}）" for when, names in groups.items())


@dataclass
class UnitScore:
    unit: str
    order: int
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    rows: int = 0
    errors: int = 0
    score: float | None = None
    rank: int | None = None
    late_items: list[DueItem] = field(default_factory=list)
    missing_items: list[DueItem] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.rows if self.rows else None

    @property
    def short(self) -> str:
        return unitlib.by_name(self.unit).short


def weights(config) -> tuple[float, float, float, float]:
    """(on_time_weight, quality_weight, late_penalty, low_score) from ``[report]``, checked."""
    section = config["report"]
    w_on, w_q, penalty, low = (section[k] for k in ("on_time_weight", "quality_weight", "late_penalty", "low_score"))
    if w_on < 0 or w_q < 0 or w_on + w_q == 0:
        raise UserError("config.toml [report] 的 on_time_weight、quality_weight 应为不小于0的数，且不能都为0，请修改。")
    if not 0 <= penalty <= 1:
        raise UserError(f"config.toml [report] late_penalty 应在 0 到 1 之间（逾期报送按几次按时计），现在是 {penalty}，请修改。")
    return w_on, w_q, penalty, low


def _score(unit: UnitScore, w_on: float, w_q: float, penalty: float) -> float:
    sent = unit.on_time + unit.late
    if unit.rows:
        quality = 1 - min(1.0, unit.errors / unit.rows)
    else:
        quality = 1.0 if sent and not unit.errors else 0.0
    return round(w_on * (unit.on_time + penalty * unit.late) / unit.due + w_q * quality, 1)


def score_units(rows, period: HalfMonth, config) -> list[UnitScore]:
    """Every member unit's counts and score for ``period``, ranked (unscored units last)."""
    w_on, w_q, penalty, _ = weights(config)
    scores = {u.name: UnitScore(u.name, u.order) for u in unitlib.all_units()}
    for row in rows:
        if row.status not in COUNTED or row.due not in period or row.unit not in scores:
            continue
        unit = scores[row.unit]
        unit.due += 1
        if row.status == MISSING:
            unit.missing += 1
            unit.missing_items.append(DueItem(row.obligation, row.period, row.due))
            continue
        unit.rows += row.rows
        unit.errors += row.errors
        if row.status == ON_TIME:
            unit.on_time += 1
        else:
            unit.late += 1
            unit.late_items.append(DueItem(row.obligation, row.period, row.due))
    for unit in scores.values():
        if unit.due:
            unit.score = _score(unit, w_on, w_q, penalty)
    ranked = sorted(scores.values(), key=lambda u: (u.score is None, -(u.score or 0), u.order))
    for i, unit in enumerate(ranked):
        if unit.score is not None:
            unit.rank = ranked[i - 1].rank if i and ranked[i - 1].score == unit.score else i + 1
    return ranked


def low_scorers(scores: list[UnitScore], config) -> list[UnitScore]:
    low = weights(config)[3]
    return [u for u in scores if u.score is not None and u.score < low]
