"""The rule registry (``catalogue/rules.toml``) and the engine hold each other, both ways:

* every code the engine can emit is registered — an AST scan of ``credit_macros/validate/`` for
  code literals, plus the cross-column rules' own codes from ``templates.toml``;
* every registered code is emitted: for each code, a clean generated sheet (``demo.RowMaker``)
  gets one bad value (or header) and ``check``'s engine must report exactly that code among its
  findings, with the registry's severity.

A new registry entry without a case below fails here, and so does a new code literal in
``validate/`` that is not registered.
"""

from __future__ import annotations

import ast
import datetime as dt
import random
import re
from pathlib import Path

import pytest
from messy import with_ric_check, wrong_check
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

import credit_macros.validate
from credit_macros import catalogue
from credit_macros.catalogue.rules import registry
from credit_macros.config import load_config
from credit_macros.demo import RowMaker
from credit_macros.validate import idcard, phone, uscc, validate_grids

CONFIG = load_config()
UNIT, PERIOD, AS_OF = "开发建设部", "2026-01", dt.date(2026, 2, 10)
VALIDATE = Path(credit_macros.validate.__file__).parent
CODE_SHAPE = re.compile(r"[a-z]+(?:-[a-z]+)*")


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_message(node) -> bool:
    """A Chinese message: an f-string or a string with non-ASCII text."""
    return isinstance(node, ast.JoinedStr) or any(ord(ch) > 127 for ch in _literal(node) or "")


def code_literals() -> dict[str, set[str]]:
    """Code literal → the validate/ modules it stands in: the first item of a ``(code, message)``
    tuple, the first argument of ``_problem``, the rule argument of ``_finding``, the values of a
    standard's ``CODES``."""
    found: dict[str, set[str]] = {}
    for path in sorted(VALIDATE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            codes: list = []
            if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and _is_message(node.elts[1]):
                codes = [node.elts[0]]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
                codes = {"_problem": node.args[:1], "_finding": node.args[4:5]}.get(node.func.id, [])
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CODES" for t in node.targets):
                codes = node.value.values
            for code in map(_literal, codes):
                if code and CODE_SHAPE.fullmatch(code):
                    found.setdefault(code, set()).add(path.name)
    return found


def test_the_scan_sees_the_codes_of_every_kind_of_site():
    seen = code_literals()
    assert {"precision-lost": {"rules.py"}, "uscc-checksum": {"uscc.py"}, "id-old": {"idcard.py"},
            "phone": {"phone.py"}, "missing-optional-column": {"rules.py"}, "merged-cell": {"rules.py"},
            "cell-too-long": {"rules.py"}}.items() <= seen.items()
    assert len(seen) >= 25


def test_every_code_the_engine_can_emit_is_registered():
    emitted = set(code_literals()) | {r.code for r in catalogue.cross_rules()}
    assert sorted(emitted - set(registry())) == []
    assert sorted(set(registry()) - emitted) == [], "registered but never emitted by validate/ nor templates.toml"


def test_registry_entries_are_complete_and_once_each():
    raw = [r.code for r in registry().values()]
    assert len(raw) == len(set(raw)) == len(registry())
    for r in registry().values():
        assert r.severity in ("error", "warning"), r
        assert re.search(r"[\u4e00-\u9fff]", r.title) and re.search(r"[\u4e00-\u9fff]", r.fix), r
        assert CODE_SHAPE.fullmatch(r.code), r


def test_each_code_standard_maps_stdnum_exceptions_one_to_one():
    """uscc.py, idcard.py, phone.py: python-stdnum's exceptions, each onto its own code, and the
    standard named in the module docstring."""
    for module, standard in ((uscc, "GB 32100-2015"), (idcard, "GB 11643-1999"), (phone, "电信网编号计划")):
        assert all(issubclass(e, ValidationError) and e.__module__ == "stdnum.exceptions" for e in module.CODES), module
        assert len(set(module.CODES.values())) == len(module.CODES), module
        assert "Standard: " in module.__doc__ and standard in module.__doc__, module
    assert set(uscc.CODES) == {InvalidLength, InvalidFormat, InvalidChecksum}
    assert set(idcard.CODES) == {InvalidLength, InvalidFormat, InvalidChecksum, InvalidComponent}


def test_cross_rules_keep_their_own_codes():
    assert {r.code for r in catalogue.template("行政强制").cross_rules} == {
        "org-needs-code", "legal-rep-id-type", "legal-rep-id-number", "measure-needs-type", "execution-needs-type"}


# --- one bad value per code --------------------------------------------------------------------

class Book:
    """One template sheet of three clean generated rows; a case spoils it."""

    def __init__(self, key: str):
        self.template = catalogue.template(key)
        self.headers = [c.name for c in self.template.columns]
        self.rows = RowMaker(self.template, UNIT, PERIOD, random.Random(7)).rows(3)
        self.merged: list = []

    def set(self, **values) -> "Book":
        """Row 1's cells; a callable gets the cell's clean value."""
        row = self.rows[0]
        for name, value in values.items():
            c = self.headers.index(name)
            row[c] = value(row[c]) if callable(value) else value
        return self

    def drop(self, name: str) -> "Book":
        c = self.headers.index(name)
        del self.headers[c]
        for row in self.rows:
            del row[c]
        return self

    def findings(self) -> list:
        grid = [list(self.headers)] + [[""] * len(self.headers)] * (self.template.header_rows - 1) + self.rows
        report = validate_grids({self.template.sheet: grid}, AS_OF, CONFIG, merged={self.template.sheet: self.merged})
        return report.findings


def _add_column(b: Book) -> None:
    b.headers.append("经办人")
    for row in b.rows:
        row.append("李四")


def _repeat_row(b: Book) -> None:
    b.rows[1] = list(b.rows[0])


def _merge_first_rows(b: Book) -> None:
    first = b.template.header_rows
    b.merged.append(((first, 0), (first + 1, 0)))


FORCE = "行政强制"
ID = {"法定代表人证件类型": "身份证"}
CASES = {
    "required": ("科技研发", lambda b: b.set(企业名称=None)),
    "cell-too-long": ("科技研发", lambda b: b.set(获得科研支持信息="长" * 32768)),
    "control-char": ("科技研发", lambda b: b.set(获得科研支持信息="省级\x01计划")),
    "precision-lost": ("科技研发", lambda b: b.set(统一社会信用代码=6.10102199001011e17)),
    "fullwidth": ("科技研发", lambda b: b.set(统一社会信用代码=lambda v: v + "\n")),
    "uscc-length": ("科技研发", lambda b: b.set(统一社会信用代码=lambda v: v[:17])),
    "uscc-format": ("科技研发", lambda b: b.set(统一社会信用代码=lambda v: v[:9] + "I" + v[10:])),
    "uscc-checksum": ("科技研发", lambda b: b.set(统一社会信用代码=wrong_check)),
    "id-old": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码="610102900101123")),
    "id-length": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码=lambda v: v[:17])),
    "id-format": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码=lambda v: v[:3] + "A" + v[4:])),
    "id-checksum": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码=wrong_check)),
    "id-birthdate": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码=with_ric_check("61010219900230123"))),
    "id-region": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码=with_ric_check("99999919900101123"))),
    "id-region-abolished": (FORCE, lambda b: b.set(**ID, 法定代表人证件号码="110201199312010077")),
    "id-pattern": (FORCE, lambda b: b.set(法定代表人证件类型="港澳居民来往内地通行证", 法定代表人证件号码="12345678")),
    "party-regno": (FORCE, lambda b: b.set(行政相对人类别="个体工商户", 行政相对人代码="610104600123456")),
    "party-code": (FORCE, lambda b: b.set(行政相对人类别=None, 行政相对人代码="12345")),
    "phone": ("信用修复告知书", lambda b: b.set(联系电话="12345")),
    "date-invalid": ("行政确认", lambda b: b.set(确认日期="2026-13-01")),
    "date-future": ("行政确认", lambda b: b.set(确认日期=dt.date(2026, 3, 1))),
    "date-order": ("信用修复告知书", lambda b: b.set(行政处罚信息可修复日期=dt.date(2026, 1, 20), 送达日期=dt.date(2026, 1, 10))),
    "enum": ("科技研发", lambda b: b.set(是否属于国家级高新技术企业="也许")),
    "number": ("水费", lambda b: b.set(近3个月月均水用量=-1)),
    "series": ("水费", lambda b: b.set(缴纳水费明细="2022-02: 1; 2022-01: 2")),
    "duplicate": ("科技研发", _repeat_row),
    "missing-column": ("科技研发", lambda b: b.drop("是否属于国家级高新技术企业")),
    "missing-optional-column": ("科技研发", lambda b: b.drop("获得科研支持信息")),
    "extra-column": ("科技研发", _add_column),
    "merged-cell": ("科技研发", _merge_first_rows),
}


def _cross_case(rule) -> tuple:
    """A cross-column rule's case, from its declaration alone: in the first template it applies
    to, its condition made true (the first listed value; a "filled" column is filled in the clean
    rows) and its first required column emptied."""
    key = next(t.key for t in catalogue.templates() if rule in t.cross_rules)
    spoil = {rule.require[0]: None} | ({rule.when_column: rule.equals[0]} if rule.equals else {})
    return key, lambda b: b.set(**spoil)


CASES |= {rule.code: _cross_case(rule) for rule in catalogue.cross_rules()}


@pytest.mark.parametrize("key", sorted({key for key, _ in CASES.values()}))
def test_the_generated_sheets_are_clean(key):
    assert Book(key).findings() == []


@pytest.mark.parametrize("code", list(registry()))
def test_every_registered_code_is_emitted(code):
    assert code in CASES, f"rules.toml registers {code} but this test has no case making it"
    key, spoil = CASES[code]
    book = Book(key)
    spoil(book)
    found = [f for f in book.findings() if f.rule == code]
    assert found, f"{code}: {[(f.cell, f.rule) for f in book.findings()]}"
    assert {f.severity for f in found} == {registry()[code].severity}
