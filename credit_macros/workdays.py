"""Working days (工作日) in mainland China, for the working-day deadlines of the credit work plan.

A day is a working day when it is Monday to Friday and not a holiday, or when the State
Council has made a weekend day a working day (调休上班). The rules come from:

* 《国务院关于职工工作时间的规定》 (国务院令第174号, 1995): five-day week, Saturday and Sunday off.
* 《全国年节及纪念日放假办法》 (2024 revision, 国务院令第795号): the statutory holidays
  (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节).
* The yearly notice of the State Council General Office, 《国务院办公厅关于 YYYY 年部分节假日
  安排的通知》, usually published in October to December of the year before, which joins
  weekend days to the holiday blocks and makes other weekend days working days (调休).

Where a year's days come from (``Calendar.source(year)``):

``"config"``
    the year is listed in ``[calendar.years.YYYY]`` of config.toml: the listed ``holidays`` are
    off, the listed ``workdays`` are on, every other day follows the five-day week. Config wins
    over the package, so a wrong package year can be corrected.
``"package"``
    the year is covered by chinese-calendar (https://github.com/LKI/chinese-calendar; version
    1.11.0 covers 2004-2026), which transcribes the yearly notices.
``"provisional"``
    neither: weekends off plus the statutory holidays computed by the ``holidays`` package
    (https://github.com/vacanza/holidays, ``holidays.China``), without any 调休. Every day of
    such a year is marked provisional, and so is every result whose counting touches one.

``[calendar] extra_holidays`` / ``extra_workdays`` (local adjustments, e.g. a district closure)
apply on top of any source.

Counting follows the usual rule for time limits (《民法典》第二百零一条, 《行政处罚法》第八十五条:
the day on which a period starts is not counted): "within N working days of D" ends on the Nth
working day after D, D not counted, whether or not D is itself a working day. N = 0 gives D
when D is a working day, otherwise the next working day (the roll-forward of a due date that
falls on a day off, 顺延). Note that ``chinese_calendar.find_workday(n, d)`` differs when ``d``
is a day off: it first moves to the next working day and counts from there, one more day.

The calendar is precomputed once for a span of years (plan year − 1 to this year + 2 by default,
extended when a date outside is asked) as numpy arrays: one entry per day with its working-day
flag, the cumulative working-day count and a provisional flag, so ``add_workdays_many`` answers
100,000 rows with a few array operations.

For Excel (``index_table``): the 日历 sheet lists every date with its working-day index, the
number of working days from the first listed date up to and including that date. The due date
of "N working days after D" (N ≥ 1) is the first date whose index equals index(D) + N, i.e.
``INDEX(日历!A:A, MATCH(VLOOKUP(D, 日历!A:B, 2, FALSE) + N, 日历!B:B, 0))``; an exact MATCH
returns the first row with that index, which is the working day itself.

>>> import datetime
>>> cal = Calendar()
>>> cal.add_workdays(datetime.date(2026, 9, 28), 7)      # 国庆 10月1日-7日, 10月10日(周六)上班
datetime.date(2026, 10, 13)
>>> cal.is_workday(datetime.date(2026, 10, 10))
True
>>> cal.workdays_between(datetime.date(2026, 9, 28), datetime.date(2026, 10, 13))
7
>>> cal.next_workday(datetime.date(2026, 9, 30))
datetime.date(2026, 10, 8)
>>> cal.source(2026), cal.source(2027)
('package', 'provisional')
>>> due = cal.add_workdays(datetime.date(2026, 12, 18), 20)
>>> due, cal.touches_provisional(datetime.date(2026, 12, 18), due)
(datetime.date(2027, 1, 18), True)
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

from credit_macros.config import Config, parse_date_list
from credit_macros.errors import UserError

SOURCE_LABELS = {
    "package": "国家放假安排（chinese-calendar 程序包）",
    "config": "config.toml 中填写的放假安排",
    "provisional": "暂定（仅周末和法定节假日，未含调休）",
}
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

_DAY = "datetime64[D]"
# 1970-01-01, day 0 of numpy's calendar, was a Thursday (Monday = 0).
_EPOCH_WEEKDAY = 3


@cache
def _package_years() -> dict[int, tuple[frozenset, frozenset]]:
    """chinese-calendar's data by year: (days off, working days) as declared by the notices."""
    from chinese_calendar import constants

    first, last = min(constants.holidays).year, max(constants.holidays).year
    years: dict[int, tuple[set, set]] = {year: (set(), set()) for year in range(first, last + 1)}
    for day in constants.holidays:
        years[day.year][0].add(day)
    for day in constants.workdays:
        years[day.year][1].add(day)
    return {year: (frozenset(off), frozenset(on)) for year, (off, on) in years.items()}


@cache
def _statutory_holidays(year: int) -> frozenset:
    """Statutory holidays of ``year`` computed by the ``holidays`` package (no 调休)."""
    import holidays

    return frozenset(holidays.China(years=year))


def _jan1(year: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-01-01", "D")


def _year_days(year: int) -> np.ndarray:
    """Every day of ``year`` as datetime64[D]."""
    return np.arange(_jan1(year), _jan1(year + 1))


def _weekdays(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 for an array of datetime64[D]."""
    return (days.astype(np.int64) + _EPOCH_WEEKDAY) % 7


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _as_days(dates) -> np.ndarray:
    """``dates`` (dates, ISO strings, datetime64 values, pandas objects) as a 1-d datetime64[D] array."""
    return np.atleast_1d(np.asarray(dates, dtype=_DAY))


def describe(day: dt.date) -> str:
    """A date as shown to users.

    >>> describe(dt.date(2026, 10, 10))
    '2026-10-10（星期六）'
    """
    return f"{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()]}）"


def provisional_notice(years: list[int]) -> str:
    """The note attached to results that depend on years without a known holiday notice.

    >>> provisional_notice([2027])
    '（暂定：2027 年放假安排尚未发布，按周末和法定节假日推算，未含调休；国务院办公厅通知发布后，请在 config.toml 的 [calendar.years.2027] 中填写放假日和调休上班日。）'
    >>> provisional_notice([1999])
    '（暂定：1999 年早于日历程序包的范围（chinese-calendar 收录 2004 年起的放假安排），按周末和法定节假日推算，未含调休；如需准确的期限，请在 config.toml 的 [calendar.years.1999] 中填写当年的放假日和调休上班日。）'
    """
    first = min(_package_years(), default=None)
    early = [y for y in years if first is not None and y < first]
    later = [y for y in years if y not in early]
    notes = []
    if later:
        notes.append(f"{_listed(later)} 年放假安排尚未发布，按周末和法定节假日推算，未含调休；"
                     f"国务院办公厅通知发布后，请在 config.toml 的 {_tables(later)} 中填写放假日和调休上班日")
    if early:
        notes.append(f"{_listed(early)} 年早于日历程序包的范围（chinese-calendar 收录 {first} 年起的放假安排），按周末和法定节假日推算，"
                     f"未含调休；如需准确的期限，请在 config.toml 的 {_tables(early)} 中填写当年的放假日和调休上班日")
    return "（暂定：" + "；".join(notes) + "。）"


def _listed(years) -> str:
    return "、".join(str(y) for y in years)


def _tables(years) -> str:
    return "、".join(f"[calendar.years.{y}]" for y in years)


def _check_disjoint(off: frozenset, on: frozenset, where: str) -> None:
    both = sorted(off & on)
    if both:
        raise UserError(
            f"配置文件 {where} 中 {'、'.join(map(str, both))} 同时列为放假日和工作日，请删去其中一处。"
        )


class Calendar:
    """China's working days with local adjustments; see the module docstring for the rules.

    ``extra_holidays`` / ``extra_workdays``: dates off / on in addition to any source.
    ``years``: ``{year: (holidays, workdays)}`` fully specifying those years (source "config").
    ``plan_year``: the precomputed span starts the year before it (default: last year).
    """

    def __init__(self, extra_holidays=(), extra_workdays=(), years: dict | None = None,
                 plan_year: int | None = None):
        self._extra_off = frozenset(extra_holidays)
        self._extra_on = frozenset(extra_workdays)
        _check_disjoint(self._extra_off, self._extra_on, "[calendar] 的 extra_holidays / extra_workdays")
        self._config_years = {int(y): (frozenset(off), frozenset(on)) for y, (off, on) in (years or {}).items()}
        for year, (off, on) in self._config_years.items():
            _check_disjoint(off, on, f"[calendar.years.{year}]")
        self._flags: dict[int, np.ndarray] = {}
        today = dt.date.today().year
        self._first = self._last = None
        self._ensure((plan_year or today) - 1, today + 2)

    @classmethod
    def from_config(cls, config) -> Calendar:
        """The calendar described by ``config["calendar"]`` (and ``config["office"]["plan_year"]``).

        Made once per loaded ``Config`` and kept on it, so every step of a run shares one calendar
        and the years it has computed (a copy of the config with another calendar section gets its
        own); a plain dict gets a new calendar each call.

        >>> from credit_macros.config import load_config
        >>> config = load_config()
        >>> Calendar.from_config(config) is Calendar.from_config(config)
        True
        """
        section = config["calendar"]
        plan_year = config.get("office", {}).get("plan_year")
        key = (id(section), plan_year)
        cached = getattr(config, "calendar_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        years = {
            year: (parse_date_list(entry.get("holidays", [])), parse_date_list(entry.get("workdays", [])))
            for year, entry in section.get("years", {}).items()
        }
        calendar = cls(
            parse_date_list(section.get("extra_holidays", [])),
            parse_date_list(section.get("extra_workdays", [])),
            years,
            plan_year,
        )
        if isinstance(config, Config):
            config.calendar_cache = (key, calendar)
        return calendar

    # ----------------------------------------------------------------- sources and years
    def source(self, year: int) -> str:
        """``"config"``, ``"package"`` or ``"provisional"`` (see the module docstring)."""
        if year in self._config_years:
            return "config"
        if year in _package_years():
            return "package"
        return "provisional"

    def _declared(self, year: int) -> tuple[frozenset, frozenset]:
        """Days off and working days declared for ``year`` by its source (before local extras)."""
        if year in self._config_years:
            return self._config_years[year]
        if year in _package_years():
            return _package_years()[year]
        return _statutory_holidays(year), frozenset()

    def _year_flags(self, year: int) -> np.ndarray:
        """Working-day flags for every day of ``year``."""
        if year not in self._flags:
            days = _year_days(year)
            work = _weekdays(days) < 5
            off, on = self._declared(year)
            for dates, value in ((off, False), (on, True), (self._extra_off, False), (self._extra_on, True)):
                inside = [d for d in dates if d.year == year]
                work[(np.array(inside, dtype=_DAY) - days[0]).astype(np.int64)] = value
            self._flags[year] = work
        return self._flags[year]

    def _ensure(self, first: int, last: int) -> None:
        """Make the precomputed span cover the years ``first`` to ``last``."""
        if self._first is not None and self._first <= first and last <= self._last:
            return
        if self._first is not None:
            first, last = min(first, self._first), max(last, self._last)
        years = range(first, last + 1)
        self._first, self._last = first, last
        self._origin = _jan1(first)
        self._work = np.concatenate([self._year_flags(y) for y in years])
        self._prov = np.concatenate([np.full(len(self._year_flags(y)), self.source(y) == "provisional") for y in years])
        self._cum = np.cumsum(self._work, dtype=np.int64)
        self._pcum = np.cumsum(self._prov, dtype=np.int64)

    def _positions(self, days: np.ndarray) -> np.ndarray:
        """Indexes of ``days`` (datetime64[D], no NaT) in the span, extending it as needed."""
        if days.size:
            years = _year_of(days)
            self._ensure(int(years.min()), int(years.max()))
        return (days - self._origin).astype(np.int64)

    def _position(self, day: dt.date) -> int:
        return int(self._positions(_as_days(day))[0])

    # ----------------------------------------------------------------- single dates
    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day.

        >>> Calendar().is_workday(dt.date(2026, 10, 1)), Calendar().is_workday(dt.date(2026, 10, 9))
        (False, True)
        """
        position = self._position(day)  # may extend the span, replacing the arrays
        return bool(self._work[position])

    def is_provisional(self, day: dt.date) -> bool:
        """Whether ``day`` lies in a year whose holiday notice is not yet known (source "provisional")."""
        position = self._position(day)
        return bool(self._prov[position])

    def touches_provisional(self, first: dt.date, last: dt.date) -> bool:
        """Whether any day from ``first`` to ``last`` (inclusive, either order) is provisional."""
        a, b = sorted((self._position(first), self._position(last)))
        return bool(self._pcum[b] - self._pcum[a] + self._prov[a] > 0)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` not counted); ``n`` = 0 rolls to a working day.

        >>> cal = Calendar()
        >>> cal.add_workdays(dt.date(2026, 10, 3), 0), cal.add_workdays(dt.date(2026, 10, 3), 1)
        (datetime.date(2026, 10, 8), datetime.date(2026, 10, 8))
        """
        due, _ = self.add_workdays_many([np.datetime64(day, "D")], n)
        return due[0].item()

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day after ``day`` (``day`` itself excluded)."""
        return self.add_workdays(day, 1)

    def workdays_between(self, first: dt.date, last: dt.date) -> int:
        """Working days after ``first`` up to and including ``last`` (negative when ``last`` < ``first``).

        ``workdays_between(d, add_workdays(d, n)) == n`` for every n ≥ 1.
        """
        a = self._position(first)
        b = self._position(last)
        return int(self._cum[b] - self._cum[a])

    # ----------------------------------------------------------------- many dates
    def add_workdays_many(self, dates, n) -> tuple[np.ndarray, np.ndarray]:
        """``add_workdays`` for an array of dates: ``(due dates as datetime64[D], provisional flags)``.

        ``n`` is one count for all rows or one per row. Missing dates (NaT) give NaT and False.
        A result is provisional when any day from the start date to the due date is provisional.

        >>> due, provisional = Calendar().add_workdays_many(["2026-09-28", "2026-12-18", None], [7, 20, 7])
        >>> due.tolist(), provisional.tolist()
        ([datetime.date(2026, 10, 13), datetime.date(2027, 1, 18), None], [False, True, False])
        """
        days = _as_days(dates)
        counts = np.broadcast_to(np.asarray(n, dtype=np.int64), days.shape)
        if (counts < 0).any():
            raise ValueError("工作日天数不能为负数")
        valid = ~np.isnat(days)
        start = self._positions(days[valid])
        count = counts[valid]
        target = self._cum[start] + count + ((count == 0) & ~self._work[start])
        while target.size and target.max() > self._cum[-1]:
            shortfall = int(target.max() - self._cum[-1])
            self._ensure(self._first, self._last + 1 + shortfall // 250)
        end = np.searchsorted(self._cum, target, side="left")
        due = np.full(days.shape, np.datetime64("NaT"), dtype=_DAY)
        due[valid] = self._origin + end
        provisional = np.zeros(days.shape, dtype=bool)
        provisional[valid] = (self._pcum[end] - self._pcum[start] + self._prov[start]) > 0
        return due, provisional

    # ----------------------------------------------------------------- tables
    def coverage(self, years) -> list[dict]:
        """Per year: source, weekdays off (``holidays``), weekend days on (``workdays_on_weekend``),
        total ``workdays`` and whether the year is provisional.

        >>> [(c["source"], c["holidays"], c["workdays_on_weekend"], c["workdays"]) for c in Calendar().coverage([2026])]
        [('package', 19, 6, 248)]
        """
        rows = []
        for year in years:
            work = self._year_flags(year)
            weekend = _weekdays(_year_days(year)) >= 5
            rows.append({
                "year": year,
                "source": self.source(year),
                "holidays": int((~work & ~weekend).sum()),
                "workdays_on_weekend": int((work & weekend).sum()),
                "workdays": int(work.sum()),
                "provisional": self.source(year) == "provisional",
            })
        return rows

    def provisional_years(self, first: dt.date, last: dt.date) -> list[int]:
        """The provisional years among those from ``first`` to ``last`` (for messages)."""
        a, b = sorted((first.year, last.year))
        return [y for y in range(a, b + 1) if self.source(y) == "provisional"]

    def index_table(self, first_year: int, last_year: int) -> list[tuple[dt.date, int, bool, bool]]:
        """Rows ``(date, workday_index, is_workday, provisional)`` for the hidden 日历 sheet.

        ``workday_index`` counts working days from 1 January ``first_year`` up to and including
        the date (see the module docstring for the Excel formulas).

        >>> rows = Calendar().index_table(2026, 2026)
        >>> rows[0], rows[-1][:2]
        ((datetime.date(2026, 1, 1), 0, False, False), (datetime.date(2026, 12, 31), 248))
        """
        self._ensure(first_year, last_year)
        a, b = self._positions(np.array([_jan1(first_year), _jan1(last_year + 1) - 1]))
        b += 1
        index = self._cum[a:b] - (self._cum[a - 1] if a else 0)
        days = (self._origin + np.arange(a, b)).astype(dt.date)
        return [(d, int(i), bool(w), bool(p)) for d, i, w, p in zip(days, index, self._work[a:b], self._prov[a:b])]


def coverage_lines(calendar: Calendar, years, config) -> list[str]:
    """Chinese lines describing where each year's days come from (CLI ``calendar`` and the
    ribbon's 日历状态 button show the same text)."""
    rows = calendar.coverage(years)
    lines = [f"工作日历（配置：{config.source_label}）"]
    for row in rows:
        lines.append(f"{row['year']} 年：{SOURCE_LABELS[row['source']]}；周一至周五放假 {row['holidays']} 天，"
                     f"周末调休上班 {row['workdays_on_weekend']} 天，全年工作日 {row['workdays']} 天。")
    section = config["calendar"]
    extra = (len(section["extra_holidays"]), len(section["extra_workdays"]))
    if any(extra):
        lines.append(f"本地调整（config.toml [calendar]）：额外放假 {extra[0]} 天，额外上班 {extra[1]} 天，已计入上表。")
    pending = [row["year"] for row in rows if row["provisional"]]
    if pending:
        lines.append(f"涉及这些年份的期限均标为暂定。{provisional_notice(pending)}")
    return lines
