"""The catalogue: what the 信用办 collects, declared once as data.

``templates.toml`` holds the nine attachment templates (附件1–9) with their columns, types,
enumerations and cross-column rules; ``units.toml`` the member units; ``tasks.toml`` the
重点任务 and 主要任务. Everything else — building workbooks, validating, splitting,
collecting, reporting — reads them through this module.

>>> [t.key for t in templates()][:3]
['行政裁决', '行政强制', '行政确认']
>>> template("行政强制").column("行政强制决定文书号").text
True
>>> normalize_header(" 行政相对人代码_1 （统一社会信用代码）\\n")
'行政相对人代码_1(统一社会信用代码)'
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

CODE_TYPES = {"uscc", "party_code", "id_number", "phone"}
TYPE_LABELS = {
    "text": "文本",
    "uscc": "统一社会信用代码",
    "party_code": "行政相对人代码",
    "id_number": "证件号码",
    "date": "日期",
    "datetime": "日期时间",
    "yesno": "是/否",
    "enum": "选项",
    "number": "数字",
    "series": "按月金额",
    "phone": "电话",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    enum: str | None = None
    text: bool = False  # stored as text ("@"): codes, 文书号, 户号
    group: str | None = None
    help: str = ""
    future_ok: bool = False  # a date in the future is allowed (validity ends, repair dates)

    @cached_property  # header matching asks it of every column for every row it scans
    def key(self) -> str:
        return normalize_header(self.name)


@dataclass(frozen=True)
class CrossRule:
    code: str  # registered like every finding code, from here (catalogue.rules.registry)
    when_column: str
    equals: tuple[str, ...] = ()
    filled: bool = False
    require: tuple[str, ...] = ()
    severity: str = "error"
    title: str = ""  # the Chinese name 校验结果 and 退回修改 show
    fix: str = ""

    def applies_to(self, template: "Template") -> bool:
        names = {c.name for c in template.columns}
        return self.when_column in names and all(r in names for r in self.require)


@dataclass(frozen=True)
class Template:
    key: str  # also the sheet name staff know
    number: int
    title: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...] = ()
    order: tuple[tuple[str, str], ...] = ()
    header_rows: int = 1
    unit_line: bool = False
    cross_rules: tuple[CrossRule, ...] = field(default=(), compare=False)

    @property
    def sheet(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return f"附件{self.number} {self.title}"

    def column(self, name: str) -> Column:
        wanted = normalize_header(name)
        for col in self.columns:
            if col.key == wanted:
                return col
        raise KeyError(name)

    def index(self, name: str) -> int:
        return [c.name for c in self.columns].index(self.column(name).name)


def normalize_header(text) -> str:
    """Header text as compared: NFKC (full-width → half-width), no spaces or line breaks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


@lru_cache(maxsize=1)
def _data() -> dict:
    raw = resources.files("credit_macros.catalogue").joinpath("templates.toml").read_text("utf-8")
    return tomllib.loads(raw)


@lru_cache(maxsize=1)
def cross_rules() -> tuple[CrossRule, ...]:
    return tuple(
        CrossRule(
            code=r["code"],
            when_column=r["when"]["column"],
            equals=tuple(r["when"].get("equals", ())),
            filled=r["when"].get("filled", False),
            require=tuple(r["require"]),
            severity=r["severity"],
            title=r["title"],
            fix=r["fix"],
        )
        for r in _data()["cross_rule"]
    )


@lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    result = []
    for raw in _data()["template"]:
        columns = tuple(
            Column(
                name=c["name"],
                type=c["type"],
                required=c.get("required", False),
                enum=c.get("enum"),
                text=c.get("text", c["type"] in CODE_TYPES),
                group=c.get("group"),
                help=c.get("help", ""),
                future_ok=c.get("future_ok", False),
            )
            for c in raw["columns"]
        )
        template = Template(
            key=raw["key"],
            number=raw["number"],
            title=raw["title"],
            columns=columns,
            natural_key=tuple(raw.get("natural_key", ())),
            order=tuple(tuple(pair) for pair in raw.get("order", ())),
            header_rows=raw.get("header_rows", 1),
            unit_line=raw.get("unit_line", False),
        )
        rules = tuple(r for r in cross_rules() if r.applies_to(template))
        result.append(Template(**{**template.__dict__, "cross_rules": rules}))
    return tuple(result)


def provenance() -> tuple[str, ...]:
    """The columns the master adds after each template's own: 来源单位, 报送期, 来源文件, 收到时间."""
    return tuple(_data()["provenance"])


def template(key: str) -> Template:
    for t in templates():
        if t.key == key:
            return t
    raise KeyError(key)


def enum_values(name: str, config=None) -> list[str] | None:
    """Allowed values of enumeration ``name``; None where it is free text.

    National lists come from templates.toml; lists not fixed nationally are empty there and
    may be given in config.toml's [enumerations].
    """
    values = list(_data()["enumerations"][name])
    if not values and config is not None:
        values = list(config["enumerations"].get(name, []))
    return values or None
