"""Tasks of the 沣西新城 credit-system work plan: 重点任务清单 (附件10) and the 26 主要任务.

The plan (沣西党政办字〔2023〕17号) lists its work twice:

* 三、主要任务 — 26 numbered tasks in five sections (（一）…（五）), each with 责任单位,
  配合单位 and 完成时限;
* 附件10 重点任务清单 — a table of 4 一级指标, their numbered 二级指标 and the 具体措施 under
  each (one row per numbered measure), with 责任部门 and 完成时限. A row's id is
  "一级指标序号-二级指标序号-措施序号", e.g. "1-4-2" is the 燃气费 measure.

The texts are transcribed in ``tasks.toml`` (OCR noise removed from the task texts, unit
strings kept as written). Unit strings are resolved with ``units.resolve_report``; what does not
resolve is kept in ``unknown_units`` for the caller to report. ``rules`` are the
``timelimit.parse`` rules of the 完成时限 together with the rhythm stated in the task text
itself ("每月2日前报上月……", "每季度……", "N个工作日内"). ``templates`` names the attachment
templates (附件1–9, keys of ``credit_macros.catalogue.templates()``) a measure collects;
the link is declared in ``tasks.toml``.

More information:

* 《沣西新城社会信用体系建设工作方案》三、主要任务；四、工作要求；附件10 重点任务

>>> task = key_tasks()[0]
>>> task.id, task.level1
('1-1-1', '（一）城市信用监测与创建全国信用示范城市共性指标')
>>> task.level2
'1.“双公示”信息及异议处理'
>>> [(r.kind, r.day, r.workdays) for r in task.rules]
[('continuous', None, None), ('event', None, 7), ('monthly', 2, None)]
>>> by_id('1-4-2').templates, by_id('1-4-2').units
(('燃气费',), ('开发建设部',))
>>> main_tasks()[21].unknown_units
('招商引资工作领导小组各成员单位',)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from credit_macros.catalogue import units
from credit_macros.catalogue.timelimit import Rule, parse, unique

CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class KeyTask:
    """One 具体措施 row of the 重点任务清单 (附件10)."""

    id: str
    level1: str
    level2: str
    measure: str
    responsible_text: str
    units: tuple[str, ...]
    unknown_units: tuple[str, ...]
    time_limit_text: str
    rules: tuple[Rule, ...]
    templates: tuple[str, ...]


@dataclass(frozen=True)
class MainTask:
    """One of the 26 numbered tasks of 三、主要任务; ``title`` is the first sentence of ``text``."""

    no: int
    section: str
    title: str
    text: str
    lead_text: str
    lead_units: tuple[str, ...]
    support_text: str
    support_units: tuple[str, ...]
    unknown_units: tuple[str, ...]
    time_limit_text: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Requirement:
    """A reporting duty of 四、工作要求 (负责人信息, 月度工作完成情况, 按月佐证材料)."""

    no: int
    title: str
    text: str
    units: tuple[str, ...]
    rules: tuple[Rule, ...]


@lru_cache(maxsize=1)
def _data() -> dict:
    raw = resources.files("credit_macros.catalogue").joinpath("tasks.toml").read_text("utf-8")
    return tomllib.loads(raw)


def _numbered(no: int) -> str:
    """The plan's heading number: 2 → "（二）"."""
    return f"（{CHINESE_NUMERALS[no - 1]}）"


def _rules(*texts: str) -> tuple[Rule, ...]:
    plan_year = _data()["plan_year"]
    return tuple(unique(rule for text in texts for rule in parse(text, plan_year)))


def _key_task(row: dict) -> KeyTask:
    data = _data()
    level1_no, level2_no, _ = row["id"].split("-")
    found, unknown = units.resolve_report(row["responsible"])
    return KeyTask(
        id=row["id"],
        level1=_numbered(int(level1_no)) + data["level1"][level1_no],
        level2=f"{level2_no}." + data["level2"][f"{level1_no}-{level2_no}"],
        measure=row["measure"],
        responsible_text=row["responsible"],
        units=tuple(found),
        unknown_units=tuple(unknown),
        time_limit_text=row["time_limit"],
        rules=_rules(row["time_limit"], row["measure"]),
        templates=tuple(row["templates"]),
    )


def _main_task(row: dict) -> MainTask:
    lead, lead_unknown = units.resolve_report(row["lead"])
    support, support_unknown = units.resolve_report(row["support"])
    return MainTask(
        no=row["no"],
        section=_numbered(row["section"]) + _data()["section"][str(row["section"])],
        title=row["text"].split("。")[0],
        text=row["text"],
        lead_text=row["lead"],
        lead_units=tuple(lead),
        support_text=row["support"],
        support_units=tuple(support),
        unknown_units=tuple(lead_unknown + support_unknown),
        time_limit_text=row["time_limit"],
        rules=_rules(row["time_limit"], row["text"]),
    )


@lru_cache(maxsize=1)
def key_tasks() -> tuple[KeyTask, ...]:
    """All rows of the 重点任务清单, in the table's order."""
    return tuple(_key_task(row) for row in _data()["key_task"])


@lru_cache(maxsize=1)
def main_tasks() -> tuple[MainTask, ...]:
    """The 26 主要任务, in the plan's order."""
    return tuple(_main_task(row) for row in _data()["main_task"])


@lru_cache(maxsize=1)
def requirements() -> tuple[Requirement, ...]:
    """The reporting duties of 四、工作要求.

    >>> [(r.kind, r.date) for r in requirements()[0].rules]
    [('fixed', datetime.date(2023, 6, 5))]
    >>> [r.kind for r in requirements()[1].rules]
    ['monthly_end']
    """
    return tuple(
        Requirement(
            no=row["no"],
            title=row["text"].split("。")[0],
            text=row["text"],
            units=tuple(units.resolve(row["units"])),
            rules=_rules(row["text"]),
        )
        for row in _data()["requirement"]
    )


def unit_templates(unit: str) -> list[str]:
    """Template keys a member unit reports, from the 重点任务 that link templates to units.

    >>> unit_templates("开发建设部")[-3:]
    ['水费', '燃气费', '信用修复告知书']
    """
    from credit_macros.catalogue import templates

    keys = {key for task in key_tasks() if unit in task.units for key in task.templates}
    return [t.key for t in templates() if t.key in keys]


def by_id(task_id: str) -> KeyTask:
    """The 重点任务 row with ``task_id`` ("1-4-2"); ``KeyError`` if there is none."""
    for task in key_tasks():
        if task.id == task_id:
            return task
    raise KeyError(task_id)


def unit_names_in_seed() -> list[tuple[str, list[str], list[str]]]:
    """Every distinct 责任部门/责任单位/配合单位 string of both lists, resolved.

    Each item is (text, canonical units, unknown parts).

    >>> [(text, found) for text, found, unknown in unit_names_in_seed() if unknown]
    [('招商引资工作领导小组各成员单位', [])]
    """
    texts = [row["responsible"] for row in _data()["key_task"]]
    for row in _data()["main_task"]:
        texts += [row["lead"], row["support"]]
    distinct = dict.fromkeys(text for text in texts if text)
    return [(text, *units.resolve_report(text)) for text in distinct]
