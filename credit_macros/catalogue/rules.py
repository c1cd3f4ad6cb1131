"""The rule registry: every code a finding can carry, with its severity, Chinese name and fix.

Declared once in ``rules.toml``; the validator (``credit_macros.validate``) takes a finding's
severity from here, 校验结果 and 退回修改 show its ``title`` beside the stable ``code``, and
``check`` lists each code's ``fix`` once.

>>> r = rule("precision-lost")
>>> r.severity, r.title
('error', '代码被存成数字（精度丢失）')
>>> rule("id-region").severity
'warning'
>>> rule("no-such-rule")
Traceback (most recent call last):
    ...
KeyError: 'no-such-rule'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from credit_macros.catalogue import cross_rules

@dataclass(frozen=True, slots=True)
class Rule:
    code: str  # short, stable, English: what --json and the 规则代码 column carry
    severity: str  # "error" or "warning"
    title: str  # the Chinese name a clerk reads
    fix: str  # how to fix any finding of this code, in Chinese


@lru_cache(maxsize=1)
def registry() -> dict[str, Rule]:
    """Code → ``Rule``: the entries of ``rules.toml``, then the cross-column rules of
    ``templates.toml``, which carry their own severity, name and fix (one entry there adds one)."""
    raw = tomllib.loads(resources.files("credit_macros.catalogue").joinpath("rules.toml").read_text("utf-8"))
    rules = {r["code"]: Rule(r["code"], r["severity"], r["title"], r["fix"]) for r in raw["rule"]}
    return rules | {r.code: Rule(r.code, r.severity, r.title, r.fix) for r in cross_rules()}


def rule(code: str) -> Rule:
    return registry()[code]


@lru_cache(maxsize=1)
def column_widths() -> dict[str, int]:
    """Widths (Excel's character units, a CJK character counting two) of the 规则 and 规则代码
    columns of 校验结果 and 退回修改 that fit every registered title and code.

    >>> column_widths()
    {'规则': 30, '规则代码': 25}
    """
    rules = registry().values()
    return {"规则": 2 * max(len(r.title) for r in rules) + 2, "规则代码": max(len(r.code) for r in rules) + 2}
