"""完成时限 (time limits) of the work plan, read from their Chinese wording.

The work plan and its 重点任务清单 state when things are due in free Chinese text, often
several rules in one cell: "持续推进，……；至2023年7月底，……；之后按月持续推进". ``parse``
finds every rule in such a text. The text is OCR output, so spaces inside phrases
("每月 2 日前", "20 个工作日内") and full-width digits are tolerated.

Kinds of rule:

* ``continuous`` — 持续推进: no due date.
* ``fixed`` — a date: "2023/12/31", "2023年11月30日", "6月5日前" (year = plan year).
* ``before_month`` — "2023年7月前": due the day before that month starts (2023-06-30).
* ``month_end`` — "至2023年9月底": due the last day of that month.
* ``monthly`` — "每月2日前报送上月……", "每月报送……", "按月持续推进": every month, last
  month's data, by ``day`` (``None`` when the text names no day: the configured monthly day).
* ``monthly_end`` — "每月月底前": this month's work, by the month's last day.
* ``quarterly`` — "每季度最后一个月月底前", "每季度报送", "按季度": by the last day of the
  quarter's last month.
* ``yearly`` — "按年度", "每年"; "2023年7月前……，之后按年度进行" repeats the date before it
  every year (``month``/``day`` = 6/30), otherwise both are ``None``.
* ``event`` — "N个工作日内": ``workdays`` after an event; ``event`` is read from the words
  nearest before the number in the same sentence (双公示, 异议核实, 信用承诺上传,
  市场准入整改, 合同违约说明, 行业协会检查), ``None`` if the sentence names none of them.

Text with no rule gives an empty list; the caller reports it.

More information:

* 《沣西新城社会信用体系建设工作方案》（沣西党政办字〔2023〕17号）三、主要任务；附件10 重点任务

>>> [r.kind for r in parse('持续推进')]
['continuous']
>>> parse('2023年7月前完成失信约束措施清理规范工作。')[0].date
datetime.date(2023, 6, 30)
>>> parse('至2023年9月底')[0].date
datetime.date(2023, 9, 30)
>>> parse('6月5日前', plan_year=2024)[0].date
datetime.date(2024, 6, 5)
>>> parse('请各相关单位每月 2 日前报送上月信用承诺书台账')[0].day
2
>>> [(r.kind, r.event, r.workdays) for r in parse('收到“双公示”异议反馈时，在2个工作日内核实')]
[('event', '异议核实', 2)]
>>> r = parse('2023年7月前制定新城2023年度重大行政决策目录，之后按年度进行')[1]
>>> (r.kind, r.month, r.day)
('yearly', 6, 30)
>>> parse('按要求办理')
[]
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Iterable

KINDS = (
    "continuous", "fixed", "before_month", "month_end", "monthly",
    "monthly_end", "quarterly", "yearly", "event",
)

# Words that name the event a "N个工作日内" limit counts from; the nearest one before the
# number (in the same sentence) wins.
EVENT_WORDS = {
    "行政决定": "双公示",
    "双公示": "双公示",
    "异议": "异议核实",
    "核实": "异议核实",
    "信用承诺": "信用承诺上传",
    "市场准入": "市场准入整改",
    "中长期合同": "合同违约说明",
    "违约": "合同违约说明",
    "行业协会": "行业协会检查",
}

_YEAR = r"(?:(?P<year>\d{4})年)?"
_PATTERNS = (
    ("fixed", re.compile(r"(?P<year>\d{4})[/.\-](?P<month>\d{1,2})[/.\-](?P<day>\d{1,2})")),
    ("fixed", re.compile(_YEAR + r"(?<!\d)(?P<month>\d{1,2})月(?P<day>\d{1,2})日")),
    ("before_month", re.compile(_YEAR + r"(?<!\d)(?P<month>\d{1,2})月(?:份)?前")),
    ("month_end", re.compile(_YEAR + r"(?<!\d)(?P<month>\d{1,2})月(?:份)?底")),
    ("monthly_end", re.compile(r"每月月底前")),
    ("monthly", re.compile(r"每月(?P<day>\d{1,2})[日号]前")),
    ("monthly", re.compile(r"(?:每月|按月)(?!月底|\d)[^，,。；;]*?(?:报|持续)")),
    ("quarterly", re.compile(r"每季度最后(?:一|1)个月月底前|[每按]季度")),
    ("yearly", re.compile(r"按年度|每年")),
    ("event", re.compile(r"(?P<workdays>\d{1,3})个工作日内")),
    ("continuous", re.compile(r"持续推进")),
)
_SENTENCE_END = re.compile(r"[。；;]")


@dataclass(frozen=True)
class Rule:
    """One due-date rule found in a time-limit text; see the module docstring for kinds."""

    kind: str
    date: dt.date | None = None
    day: int | None = None
    month: int | None = None
    workdays: int | None = None
    event: str | None = None
    text: str = ""

    def key(self) -> tuple:
        """What the rule means, without the wording it came from.

        >>> Rule('quarterly', text='按季度').key() == Rule('quarterly', text='每季度').key()
        True
        """
        return (self.kind, self.date, self.day, self.month, self.workdays, self.event)


def compact(text: str) -> str:
    """Text with OCR spaces and line breaks removed and full-width digits made ASCII.

    >>> compact('每月 2 日前报送\\n上月')
    '每月2日前报送上月'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def _event_name(text: str, start: int) -> str | None:
    sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    before = text[sentence_start:start]
    found = [(before.rfind(word), name) for word, name in EVENT_WORDS.items() if word in before]
    return max(found)[1] if found else None


def _rule(kind: str, match: re.Match, text: str, plan_year: int) -> Rule | None:
    groups = match.groupdict()
    phrase = match.group(0)
    year = int(groups["year"]) if groups.get("year") else plan_year
    try:
        if kind == "fixed":
            return Rule(kind, date=dt.date(year, int(groups["month"]), int(groups["day"])), text=phrase)
        if kind == "before_month":
            first = dt.date(year, int(groups["month"]), 1)
            return Rule(kind, date=first - dt.timedelta(days=1), text=phrase)
        if kind == "month_end":
            month = int(groups["month"])
            last = calendar.monthrange(year, month)[1]
            return Rule(kind, date=dt.date(year, month, last), text=phrase)
    except ValueError:  # 2023/2/30, 13月前: not a date, so not a rule
        return None
    if kind == "monthly" and groups.get("day"):
        day = int(groups["day"])
        return Rule(kind, day=day, text=phrase) if 1 <= day <= 31 else None
    if kind == "event":
        workdays = int(groups["workdays"])
        return Rule(kind, workdays=workdays, event=_event_name(text, match.start()), text=phrase)
    return Rule(kind, text=phrase)


def _repeat_yearly(found: list[tuple[int, Rule]]) -> list[tuple[int, Rule]]:
    """Give "之后按年度" the month/day of the nearest dated rule before it."""
    result = []
    last_date = None
    for position, rule in found:
        if rule.kind == "yearly" and last_date is not None:
            rule = replace(rule, month=last_date.month, day=last_date.day)
        if rule.date is not None:
            last_date = rule.date
        result.append((position, rule))
    return result


def unique(rules: Iterable[Rule]) -> list[Rule]:
    """Rules in order without repeats; a rule without day/month is dropped when the same kind
    with a known day/month is present ("每月报送" next to "每月2日前").

    >>> [(r.kind, r.day) for r in unique(parse('每月报送水费信息') + parse('每月2日前报送'))]
    [('monthly', 2)]
    """
    rules = list(rules)
    specific = {r.kind for r in rules if r.kind in ("monthly", "yearly") and (r.day or r.month)}
    seen: set[tuple] = set()
    result = []
    for rule in rules:
        vague = rule.kind in specific and not (rule.day or rule.month)
        if vague or rule.key() in seen:
            continue
        seen.add(rule.key())
        result.append(rule)
    return result


def parse(text: str, plan_year: int = 2023) -> list[Rule]:
    """Every rule in a Chinese time-limit text, in order of appearance, without repeats.

    Dates without a year ("6月5日前", "7月前") fall in ``plan_year``.

    >>> [(r.kind, r.date) for r in parse('持续推进，至2023年7月底，完整性、及时率高于90%；之后按月持续推进。')]
    [('continuous', None), ('month_end', datetime.date(2023, 7, 31)), ('monthly', None)]
    >>> [r.kind for r in parse('每季度最后1个月月底前将案例报发展和经济运行部')]
    ['quarterly']
    >>> [(r.kind, r.date) for r in parse('2023/6/30')]
    [('fixed', datetime.date(2023, 6, 30))]
    """
    text = compact(text)
    found: list[tuple[int, Rule]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            rule = _rule(kind, match, text, plan_year)
            if rule is not None:
                found.append((match.start(), rule))
    found.sort(key=lambda item: item[0])
    return unique(rule for _, rule in _repeat_yearly(found))
