"""The live check layer: the rule engine's column rules as worksheet formulas (openpyxl adapter).

Every template sheet gets, generated from the catalogue's column types (no per-sheet code):

* a 本行问题 column after the template's last column: one formula per row listing the row's
  problems in Chinese (``「裁决机关代码」：校验位错误，应为 X；``), empty for a good or blank row,
  with hidden helper cells to its right (cleaned codes and their verdicts, dates as text, as
  yyyymmdd and as serials, the problem segments that do not fit into 本行问题); every column is
  one shared formula (``SharedFormula``), stored once;
* conditional formats colouring a cell with an error (error colour) or only a warning (warning
  colour); they read the 本行问题 text of their row, so cell colour and text always agree.

``write_summary`` counts the errors and warnings left per sheet (报送信息 of a unit workbook,
说明 of a blank template) and says "可以报送" or "还有 N 处错误，请先修改".

``LIVE_RULES`` maps the rule codes of ``validate.rules`` the layer claims (the LibreOffice parity
test compares them with ``check``) to their Chinese names, ``python_only`` the registered codes left to
``check`` (they need tables or parsing a formula cannot do in Excel 2010, WPS and LibreOffice
alike); ``rule_lines`` turns both into the lines of the 说明 sheet and the README. Formulas use
only ``FUNCTIONS`` (all three programs have them; no arrays entered with Ctrl+Shift+Enter:
SUMPRODUCT over constant arrays).

A segment's text starts with "「列名」：" for an error and "「列名」（提醒）：" for a warning; the
conditional formats and the summary search for these marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.formula import ArrayFormula

from credit_macros.build import styles
from credit_macros.build.cells import put
from credit_macros.catalogue import Column, Template, cross_rules, enum_values
from credit_macros.catalogue.rules import registry
from credit_macros.validate.rules import LIVE_COLUMN

UNIT_ROWS = 200  # rows carrying the layer in the unit workbooks ``split`` sends
BLANK_ROWS = 40  # in the blank templates (their file size stays within 2x of the layer-free one)

LIVE_RULES = {  # rule code (catalogue/rules.toml) → what the formulas check (说明 sheet, README; said once)
    "required": "必填",
    "enum": "下拉取值",
    "date-invalid": "真实日期",
    "date-future": "日期不晚于今天",
    "date-order": "日期先后",
    "uscc-length": "统一社会信用代码位数和字符",
    "uscc-format": "统一社会信用代码位数和字符",
    "uscc-checksum": "统一社会信用代码校验位",
    "id-length": "身份证号位数",
    "id-format": "身份证号位数",
    "id-checksum": "身份证号校验位",
    "id-birthdate": "身份证号出生日期",
    "id-old": "15位旧身份证号",
    "id-pattern": "其他证件号码格式",
    "party-regno": "个体工商户15位注册号",
    "party-code": "行政相对人代码按类别",
    "precision-lost": "长代码存成数字",
    "fullwidth": "代码含全角字符或空格",
    "phone": "电话号码",
    "number": "数字不为负",
    **{rule.code: "跨列必填" for rule in cross_rules()},  # each cross rule has its code (templates.toml)
}
FUNCTIONS = ("AND", "IFERROR", "ISTEXT", "CHOOSE", "COLUMN", "ASC", "DATE", "DAY", "FIND", "IF", "INT", "ISERROR", "ISNUMBER", "LEFT", "LEN", "MATCH",
             "MID", "MOD", "MONTH", "NA", "NOT", "OR", "SUBSTITUTE", "SUMPRODUCT", "TODAY", "TRIM", "UPPER",
             "VALUE", "ISLOGICAL", "COUNTA", "ABS", "EXACT", "RIGHT", "CHAR", "SUM")

DIGITS = "0123456789"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ALNUM = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ORG, PERSON, INDIVIDUAL = "法人及非法人组织", "自然人", "个体工商户"


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _arr(values) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _blank(ref: str) -> str:
    return f"LEN(TRIM({ref}))=0"


def _clean(ref: str) -> str:
    """values.clean_code: half-width (ASC), no spaces/line breaks/tabs, upper case."""
    return f'UPPER(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(ASC({ref})," ",""),CHAR(10),""),CHAR(13),""),CHAR(9),""))'


def _all_in(text: str, alphabet: str, n: int) -> str:
    """Every character of ``text`` (at most ``n`` long) is in ``alphabet``: FIND errors on any
    other. ``text`` is padded with the alphabet's first character to ``n`` (FIND of "" past the
    end is 1 in Excel but an error in LibreOffice)."""
    return (f"AND(LEN({text})<={n},ISNUMBER(SUMPRODUCT(FIND(MID({text}&{_q(alphabet[0] * n)},{_arr(range(1, n + 1))},1),"
            f"{_q(alphabet)}))))")


def _digits(text: str, n: int) -> str:
    """``text`` is ``n`` digits: FIND errors on any other character, so one pass over the
    characters, and none unless the length is right."""
    return f"IF(LEN({text})={n},ISNUMBER(SUMPRODUCT(FIND(MID({text},{_arr(range(1, n + 1))},1),{_q(DIGITS)}))),FALSE)"


@dataclass(frozen=True)
class Check:
    """One test of a cell, in the engine's order: ``cond`` true → the problem ``message`` (a
    formula expression). It runs only under its ``guards`` (``Guard``): checks whose guards
    share a name and differ in value exclude each other (the cell is blank or not, the
    行政相对人类别 is one class or another), so ``_chain`` tests each guard once and branches. An ``also`` check is
    reported beside the first problem of the others (the engine adds its full-width warning to
    whatever the cleaned code has)."""

    rule: str
    cond: str
    message: str
    warning: bool = False
    guards: tuple = ()
    also: bool = False


class Guard(NamedTuple):
    """A condition a check runs under: ``name`` = ``value``, true where ``test`` is; an
    ``otherwise`` guard is the value left when the name's other values all fail (tested only
    when no other value of its name is among the checks)."""

    name: str
    value: str
    test: str
    otherwise: bool = False


def _guarded(guard: Guard, checks: list[Check]) -> list[Check]:
    return [replace(check, guards=(guard, *check.guards)) for check in checks]


# --- codes -------------------------------------------------------------------------------------

# GB 32100: the first 8 characters digits, the next 9 from the alphabet; as FIND's second
# argument, one alphabet per position, so one FIND over the 17 characters tests them all
USCC_PLACES = "{" + ",".join(_q(DIGITS if i < 8 else USCC_ALPHABET) for i in range(17)) + "}"


def uscc_sum(c: str) -> str:
    """The GB 32100 weighted sum of the first 17 characters of the cleaned code ``c``, an error
    value when one is not allowed at its place."""
    return f"SUMPRODUCT((FIND(MID({c},{_arr(range(1, 18))},1),{USCC_PLACES})-1)*{_arr(USCC_WEIGHTS)})"


def uscc_residue(c: str) -> str:
    """(weighted sum + the check character's value) mod 31 of an 18-character ``c``: 0 for a valid
    code, an error value when a character is not allowed — the code's one array pass."""
    return f"MOD({uscc_sum(c)}+FIND(RIGHT({c},1),{_q(USCC_ALPHABET)})-1,31)"


def uscc_verdict(c: str) -> str:
    """The verdict cell of a USCC: 0 valid, 1 wrong length, 2 a character not allowed, else the
    check character it should have (text)."""
    expected = f"MID({_q(USCC_ALPHABET)},MOD(31-MOD({uscc_sum(c)},31),31)+1,1)"
    return f"IF(LEN({c})<>18,1,IFERROR(IF({uscc_residue(c)}=0,0,{expected}),2))"


def uscc_problems(c: str, v: str) -> list[Check]:
    """The problems the verdict cell ``v`` of the cleaned code ``c`` (``uscc_verdict``) stands for."""
    return [
        Check("uscc-length", f"{v}=1", '"统一社会信用代码应为18位，现为"&LEN(' + c + ')&"位"'),
        Check("uscc-format", f"{v}=2", _q("统一社会信用代码含不允许的字符（前8位为数字，其余为数字或除 I、O、Z、S、V 外的大写字母）")),
        Check("uscc-checksum", f"ISTEXT({v})", '"校验位错误，应为 "&' + v),
    ]


def ric_expected(c: str) -> str:
    """The GB 11643 check character of the first 17 characters of ``c``, an error value when one
    is not a digit."""
    sum17 = f"SUMPRODUCT((FIND(MID({c},{_arr(range(1, 18))},1),{_q(DIGITS)})-1)*{_arr(RIC_WEIGHTS)})"
    return f'MID("10X98765432",MOD({sum17},11)+1,1)'


def ric_verdict(c: str) -> str:
    """The verdict cell of a 身份证号: 0 valid, 1 a 15-digit old number, 2 not 17 digits and a digit
    or X, 4 no real birth date, 5 born after today, else the check character it should have."""
    y, m, d = f"VALUE(MID({c},7,4))", f"VALUE(MID({c},11,2))", f"VALUE(MID({c},13,2))"
    cycle = f"DATE(MOD({y},400)+2000,{m},{d})"  # the same day in 2000–2399: the Gregorian calendar repeats every 400 years
    born = f"IF(OR({y}=0,MONTH({cycle})<>{m},DAY({cycle})<>{d}),4,IF(AND({y}>=1900,DATE({y},{m},{d})>TODAY()),5,0))"
    expected = ric_expected(c)
    return (f"IF(LEN({c})=15,IF({_digits(c, 15)},1,2),IF(LEN({c})<>18,2,"
            f'IF(ISERROR(FIND(RIGHT({c},1),{_q(DIGITS + "X")})),2,IFERROR(IF(RIGHT({c},1)<>{expected},{expected},{born}),2))))')


def ric_problems(c: str, v: str) -> list[Check]:
    """The problems the verdict cell ``v`` of the cleaned 身份证号 ``c`` (``ric_verdict``) stands for."""
    return [
        Check("id-old", f"{v}=1", _q("15位旧身份证号，请改填18位身份证号"), warning=True),
        Check("id-format", f"{v}=2", _q("身份证号应为18位（17位数字加1位数字或X）")),
        Check("id-checksum", f"ISTEXT({v})", '"身份证号校验位错误，应为 "&' + v),
        Check("id-birthdate", f"{v}=4", _q("身份证号第7–14位不是真实的出生日期")),
        Check("id-birthdate", f"{v}=5", _q("身份证号的出生日期晚于今天")),
    ]


def _if(cond: str, then: str) -> str:
    """``then`` only where ``cond`` holds (AND would evaluate, and fail on, both)."""
    return f"IF({cond},{then},FALSE)"


ID_PATTERN_CHECKS = {
    "护照号": lambda c: f"AND(LEN({c})>=5,LEN({c})<=17,{_all_in(c, ALNUM, 17)})",
    "港澳居民来往内地通行证": lambda c: f'AND(OR(LEN({c})=9,LEN({c})=11),OR(LEFT({c},1)="H",LEFT({c},1)="M"),{_all_in(f"MID({c},2,10)", DIGITS, 10)})',
    "台湾居民来往大陆通行证": lambda c: f"AND(OR(LEN({c})=8,LEN({c})=10),{_all_in(c, DIGITS, 10)})",
    "外国人永久居留身份证": lambda c: f'AND(LEN({c})=15,{_all_in(f"LEFT({c},3)", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3)},{_all_in(f"MID({c},4,12)", DIGITS, 12)})',
}


def _foreigner(c: str) -> str:
    return f'OR({ID_PATTERN_CHECKS["外国人永久居留身份证"](c)},IF(LEFT({c},1)="9",{_digits(c, 18)},FALSE))'


def _phone_ok(c: str) -> str:
    """A mobile number (11 digits, 1[3-9]…), a dashed landline (0 + area code - 7 or 8 digits)
    or an undashed one (0…, 10 to 12 digits); the first character and the dash pick the one
    form tested."""
    mobile = f'AND({_digits(c, 11)},ISNUMBER(FIND(MID({c},2,1),"3456789")))'
    dash = f'FIND("-",{c})'
    tail = f"MID({c},{dash}+1,20)"
    head = f"LEFT({c},{dash}-1)"
    dashed = f"AND(OR({dash}=4,{dash}=5),{_all_in(head, DIGITS, 4)},LEN({tail})>=7,LEN({tail})<=8,{_all_in(tail, DIGITS, 8)})"
    plain = f"IF(AND(LEN({c})>=10,LEN({c})<=12),{_all_in(c, DIGITS, 12)},FALSE)"
    return f'IF(LEFT({c},1)="1",{mobile},IF(LEFT({c},1)<>"0",FALSE,IF(ISNUMBER(FIND("-",{c})),{dashed},{plain})))'


# --- dates -------------------------------------------------------------------------------------

def _ymd(y: str, m: str, d: str) -> str:
    """The serial of y-m-d, or #N/A when it is no real day."""
    day = f"DATE({y},{m},{d})"
    return f"IF(AND({y}>=1900,{y}<=9999,{m}>=1,{m}<=12,{d}>=1,{d}<=31),IF(AND(MONTH({day})={m},DAY({day})={d}),{day},NA()),NA())"


def date_text(ref: str) -> str:
    """A typed date with its separators made "-" (年 月 . /) and 日/号 dropped, half-width
    (empty for a number: ``date_serial`` reads it only for text)."""
    t = f"TRIM(ASC({ref}))"
    for old, new in (("年", "-"), ("月", "-"), ("日", ""), ("号", ""), (".", "-"), ("/", "-")):
        t = f"SUBSTITUTE({t},{_q(old)},{_q(new)})"
    return f'IF(ISNUMBER({ref}),"",{t})'


def date_number(ref: str, t: str) -> str:
    """The typed date as a number: the cell's own number, or a date text (``t``: the cell holding
    ``date_text(ref)``) as yyyymmdd — "y-m-d" with 1- or 2-digit month and day, or 8 digits;
    an error value for anything else."""
    p2 = f'FIND("-",{t},6)'  # the second dash: 7 or 8 for a 1- or 2-digit month
    bare = f'SUBSTITUTE({t},"-","")'
    dashed = (f'IF(AND(MID({t},5,1)="-",OR({p2}=7,{p2}=8),OR(LEN({t})-{p2}=1,LEN({t})-{p2}=2),LEN({bare})=LEN({t})-2,'
              f"{_all_in(bare, DIGITS, 8)}),VALUE(LEFT({t},4))*10000+VALUE(MID({t},6,{p2}-6))*100+VALUE(MID({t},{p2}+1,2)),NA())")
    compact = f"IF({_digits(t, 8)},VALUE({t}),NA())"
    return f'IF(ISLOGICAL({ref}),NA(),IF(ISNUMBER({ref}),{ref},IF(ISNUMBER(FIND("-",{t})),{dashed},{compact})))'


def date_serial(ref: str, n: str) -> str:
    """values.parse_date as a formula: a serial number, or an error value when no date;
    ``n``: the cell holding ``date_number(ref, …)`` — yyyymmdd (typed or from a text) is that
    day, another number (typed, not text) is a date serial."""
    return (f"IF(AND({n}=INT({n}),{n}>=19000101,{n}<=99991231),"
            + _ymd(f"INT({n}/10000)", f"MOD(INT({n}/100),100)", f"MOD({n},100)")
            + f",IF(AND(ISNUMBER({ref}),{n}>=1,{n}<2958466),INT({n}),NA()))")


# --- one column's segment ----------------------------------------------------------------------

LITERAL = re.compile(r'"(?:[^"]|"")*"')


def _text(name: str, check: Check) -> str:
    """"「name」：message；" (a warning: "「name」（提醒）："), one literal when the message is one."""
    prefix = f"「{name}」（提醒）：" if check.warning else f"「{name}」："
    if LITERAL.fullmatch(check.message):
        return _q(prefix + check.message[1:-1].replace('""', '"') + "；")
    return f"{_q(prefix)}&{check.message}&\"；\""


def _guard_of(check: Check, name: str) -> Guard | None:
    return next((g for g in check.guards if g.name == name), None)


def _chain(name: str, checks: list[Check]) -> str:
    """The IF chain of column ``name``'s checks: the first true one gives its text, none "".
    A guard is tested once, each of its values then running only the checks it admits (and the
    unguarded ones, in order)."""
    if not checks:
        return '""'
    head = checks[0]
    if not head.guards:
        then, rest = _text(name, head), _chain(name, checks[1:])
        if head.also:
            return f'IF({head.cond},{then},"")' + ("" if rest == '""' else f"&{rest}")
        return then if head.cond == "TRUE" else f"IF({head.cond},{then},{rest})"
    guard = head.guards[0].name
    values: dict[str, Guard] = {}
    for check in checks:
        if found := _guard_of(check, guard):
            values.setdefault(found.value, found)

    def branch(value: str | None) -> str:
        return _chain(name, [replace(check, guards=tuple(g for g in check.guards if g.name != guard)) for check in checks
                             if (found := _guard_of(check, guard)) is None or found.value == value])

    tested = [g for g in values.values() if not g.otherwise]
    rest = next((g for g in values.values() if g.otherwise), None)
    if rest and not tested:
        return f"IF({rest.test},{branch(rest.value)},{branch(None)})"
    out = branch(rest.value if rest else None)
    for g in reversed(tested):
        out = f"IF({g.test},{branch(g.value)},{out})"
    return out


def _code_checks(ref: str, c: str, inner: list[Check]) -> list[Check]:
    # full-width characters, spaces or line breaks: ``c`` (cleaned, upper case) differs from the
    # typed text in more than the case of its letters
    return [Check("precision-lost", _if(f"ISNUMBER({ref})", f"ABS({ref})>=1E+15"),
                  _q("代码被存成了数字，末几位已丢失，请把单元格设为文本后重新录入完整代码")),
            Check("fullwidth", f"IF(ISNUMBER({ref}),FALSE,NOT(EXACT(UPPER({ref}),{c})))",
                  _q("含全角字符、空格或换行，请改为半角并删除空格"), warning=True, also=True),
            *inner]


def column_checks(template: Template, column: Column, refs: dict[str, str], aux: dict[str, str],
                  verdicts: dict[str, dict[str, str]], config, lists: dict[str, str]) -> list[Check]:
    """The checks of one cell, in the engine's order; ``refs``: column name → cell reference,
    ``aux``: column name → its helper cell (cleaned code, or date serial), ``verdicts``: column
    name → its verdict cells ("uscc", "ric": ``code_helpers``)."""
    ref = refs[column.name]
    blank, filled = Guard("blank", "yes", _blank(ref)), Guard("blank", "no", f"NOT({_blank(ref)})", otherwise=True)
    checks = []
    if column.required:
        checks.append(Check("required", "TRUE", _q("必填，不能为空，请补充"), guards=(blank,)))
    checks += _guarded(filled, _value_checks(template, column, ref, refs, aux, verdicts.get(column.name, {}), config, lists))
    for rule in template.cross_rules:
        if column.name in rule.require and not column.required and rule.when_column in refs:
            when = refs[rule.when_column]
            active = f"NOT({_blank(when)})" if rule.filled else "OR(" + ",".join(f"TRIM({when})={_q(v)}" for v in rule.equals) + ")"
            said = f"已填写「{rule.when_column}」" if rule.filled else f"「{rule.when_column}」为所选类别"
            checks.append(Check(rule.code, active, _q(f"{said}时必须填写，请补充"), guards=(blank,)))
    return checks


def _value_checks(template: Template, column: Column, ref: str, refs: dict[str, str], aux: dict[str, str],
                  verdicts: dict[str, str], config, lists) -> list[Check]:
    kind = column.type
    if kind in ("enum", "yesno"):
        values = ["是", "否"] if kind == "yesno" else enum_values(column.enum, config)
        if not values:
            return []
        return [Check("enum", _not_listed(ref, values, lists[column.enum or "是否"]),
                      _q(f"不是可选值，应为 {'、'.join(values)} 之一，请从下拉列表选择"))]
    if kind == "text":
        if not column.text:
            return []
        return [Check("precision-lost", _if(f"ISNUMBER({ref})", f"ABS({ref})>=1E+15"),
                      _q("编号被存成了数字，末几位已丢失，请把单元格设为文本后重新录入"))]
    if kind == "number":
        number = f'IF(ISNUMBER({ref}),{ref},VALUE(SUBSTITUTE({_clean(ref)},",","")))'
        return [Check("number", f"OR(ISLOGICAL({ref}),ISERROR({number}))", _q("不是数字，请只填数字（不带单位）")),
                Check("number", f"{number}<0", _q("不能为负数，请核对"))]
    if kind == "date":
        serial = aux[column.name]
        checks = [Check("date-invalid", f"ISERROR({serial})", _q("不是有效的日期（如 2023-06-01），请改为真实日期"))]
        if not column.future_ok:
            checks.append(Check("date-future", f"{serial}>TODAY()", _q("日期晚于今天（尚未到来），请核对")))
        for earlier, later in template.order:
            if later == column.name and earlier in refs:
                other = aux[earlier]
                checks.append(Check("date-order", _if(f"NOT(ISERROR({other}))", f"{serial}<{other}"),
                                    _q(f"不能早于「{earlier}」，请核对两个日期")))
        return checks
    c = aux.get(column.name)
    if kind == "uscc":
        return _code_checks(ref, c, uscc_problems(c, verdicts["uscc"]))
    if kind == "phone":
        return _code_checks(ref, c, [Check("phone", f"NOT({_phone_ok(c)})", _q("不是有效的电话号码（手机11位，座机带区号），请核对"))])
    if kind == "party_code":
        return _code_checks(ref, c, _party_checks(template, column, refs, c, verdicts))
    if kind == "id_number":
        return _code_checks(ref, c, _id_checks(template, column, refs, c, verdicts))
    return []


def _not_listed(ref: str, values: list[str], cells: str) -> str:
    """The trimmed text of ``ref`` is none of ``values`` (exactly, as the engine compares): found
    between bars in one text, which costs far less than a MATCH over the list sheet's ``cells``
    (used when a value holds a bar or the text would pass Excel's 255 characters a literal)."""
    listed = "|" + "|".join(values) + "|"
    if any("|" in v for v in values) or len(listed) > 255:
        return f"ISERROR(MATCH(TRIM({ref}),{cells},0))"
    return f'OR(ISNUMBER(FIND("|",{ref})),ISERROR(FIND("|"&TRIM({ref})&"|",{_q(listed)})))'


def _companion(template: Template, enum: str, column: Column) -> Column | None:
    candidates = [c for c in template.columns if c.enum == enum]
    candidates.sort(key=lambda c: not c.name.startswith(column.name[:2]))
    return candidates[0] if candidates else None


def _kind(template: Template, enum: str, column: Column, refs: dict[str, str]) -> str | None:
    """The trimmed companion class cell of ``column`` (行政相对人类别, 证件类型), or None."""
    companion = _companion(template, enum, column)
    return f"TRIM({refs[companion.name]})" if companion and companion.name in refs else None


def _party_guards(template: Template, column: Column, refs: dict[str, str]) -> tuple[Guard, ...]:
    """The 行政相对人类别 guards of ``column``: 法人及非法人组织, 自然人, 个体工商户, any other."""
    kind = _kind(template, "行政相对人类别", column, refs) or '""'
    named = [Guard(kind, k, f"{kind}={_q(k)}") for k in (ORG, PERSON, INDIVIDUAL)]
    return (*named, Guard(kind, "", "NOT(OR(" + ",".join(g.test for g in named) + "))", otherwise=True))


def _party_checks(template: Template, column: Column, refs: dict[str, str], c: str, verdicts: dict[str, str]) -> list[Check]:
    org, person, individual, other = _party_guards(template, column, refs)
    uscc = uscc_problems(c, verdicts["uscc"])
    return (_guarded(org, uscc) + _guarded(person, ric_problems(c, verdicts["ric"]))
            + [Check("party-regno", _digits(c, 15), _q("个体工商户填的是15位注册号，请改填18位统一社会信用代码"),
                     warning=True, guards=(individual,))]
            + _guarded(individual, uscc)
            + [Check("party-code", f"AND({verdicts['uscc']}<>0,{verdicts['ric']}<>0)",
                     _q("既不是有效的统一社会信用代码，也不是有效的身份证号，请核对；并填写“行政相对人类别”"), guards=(other,))])


def _id_checks(template: Template, column: Column, refs: dict[str, str], c: str, verdicts: dict[str, str]) -> list[Check]:
    kind = _kind(template, "证件类型", column, refs)
    if kind is None:
        return []
    checks = _guarded(Guard(kind, "身份证", f'{kind}="身份证"'), ric_problems(c, verdicts["ric"]))
    for name, ok in ID_PATTERN_CHECKS.items():
        good = _foreigner(c) if name == "外国人永久居留身份证" else ok(c)
        checks.append(Check("id-pattern", f"NOT({good})", _q(f"不符合{name}的格式，请核对证件类型和号码"),
                            guards=(Guard(kind, name, f"{kind}={_q(name)}"),)))
    return checks


def _code_guards(template: Template, column: Column, refs: dict[str, str]) -> dict[str, str | None]:
    """Which verdict cells a code column has — "uscc", "ric" — and the class condition under which
    each is computed (None: always)."""
    if column.type == "uscc":
        return {"uscc": None}
    if column.type == "party_code":
        org, person, individual, _ = (g.test for g in _party_guards(template, column, refs))
        return {"uscc": f"NOT({person})", "ric": f"NOT(OR({org},{individual}))"}
    if column.type == "id_number" and (kind := _kind(template, "证件类型", column, refs)):
        return {"ric": f'{kind}="身份证"'}
    return {}


VERDICTS = {"uscc": uscc_verdict, "ric": ric_verdict}


def code_helpers(template: Template, column: Column, refs: dict[str, str], c: str, cells) -> tuple[dict[str, str], list[str]]:
    """A code column's verdict cells ("uscc" / "ric" → cell, taken from ``cells``, an iterator of
    free cells), each computed only under the class that reads it, and their formulas."""
    guards = _code_guards(template, column, refs)
    verdicts = {key: next(cells) for key in guards}
    formulas = []
    for key, cond in guards.items():
        above = _above(verdicts[key])
        # the row above's verdict when it is of the same code (the agency codes repeat on every row)
        verdict = f'IFERROR(IF(AND({c}={_above(c)},{above}<>""),{above},NA()),{VERDICTS[key](c)})'
        formulas.append(f'IF({cond},{verdict},"")' if cond else verdict)
    return verdicts, formulas


def _above(cell: str) -> str:
    """The cell one row up ("S7" → "S6"; in a shared formula it stays the row above: a deleted
    row above makes it #REF!, and IFERROR then computes the verdict afresh)."""
    letters = cell.rstrip("0123456789")
    return f"{letters}{int(cell[len(letters):]) - 1}"


# --- the sheet ---------------------------------------------------------------------------------

CODE_TYPES = ("uscc", "party_code", "id_number", "phone")


def helpers(template: Template) -> list[Column]:
    """Columns with a hidden helper cell per row: codes (cleaned) and dates (serial)."""
    return [col for col in template.columns if col.type in CODE_TYPES or col.type == "date"]


PACK = 7500  # characters of problem segments per formula cell (Excel allows 8,192 per formula)


def _pack(segments: list[str]) -> list[list[str]]:
    """Consecutive segments grouped so each group's text stays within ``PACK`` (a longer
    segment stays alone): fewer formula cells per row, the columns' order kept."""
    groups: list[list[str]] = []
    for seg in segments:
        if groups and sum(map(len, groups[-1])) + len(seg) <= PACK:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    return groups


def row_formulas(template: Template, row: int, config, lists: dict[str, str]) -> list[str]:
    """The formulas of sheet row ``row``: 本行问题, then the hidden helper cells: the cleaned
    codes and date serials the checks read, the typed dates' normalised text and yyyymmdd number
    the serials are made from, the codes' verdicts, then the problem segments that do not fit into
    本行问题 itself (template columns start at A; each formula stays below Excel's 8,192 characters)."""
    width = len(template.columns)
    refs = {col.name: f"{get_column_letter(c)}{row}" for c, col in enumerate(template.columns, start=1)}
    aux_cols = helpers(template)
    dates = [col for col in aux_cols if col.type == "date"]
    at = iter(get_column_letter(c) + str(row) for c in range(width + 2, 16385))
    aux = {col.name: next(at) for col in aux_cols}
    texts = {col.name: next(at) for col in dates}
    numbers = {col.name: next(at) for col in dates}
    verdicts, code_formulas = {}, []
    for col in aux_cols:
        verdicts[col.name], formulas = code_helpers(template, col, refs, aux[col.name], at)
        code_formulas += formulas
    segments = [_chain(col.name, checks) for col in template.columns
                if (checks := column_checks(template, col, refs, aux, verdicts, config, lists))]
    first, *rest = _pack(segments) or [['""']]
    rest_refs = [next(at) for _ in rest]
    unless_blank = f'=IF(COUNTA(A{row}:{get_column_letter(width)}{row})=0,"",{{}})'  # a blank row costs one COUNTA
    values = [date_serial(refs[col.name], numbers[col.name]) if col.type == "date" else _clean(refs[col.name]) for col in aux_cols]
    # the helpers are read only where 本行问题 finds the row filled, and cost little on a blank one
    hidden = [*values, *(date_text(refs[col.name]) for col in dates),
              *(date_number(refs[col.name], texts[col.name]) for col in dates), *code_formulas]
    return ([unless_blank.format("&".join(first + rest_refs))] + ["=" + f for f in hidden]
            + [unless_blank.format("&".join(group)) for group in rest])


class SharedFormula(ArrayFormula):
    """One cell of a shared formula (ECMA-376 §18.3.1.40, ``<f t="shared" si=…>``): the group's
    first cell carries the text and the ``ref`` it covers, the others only the group index ``si``.
    Excel, WPS and LibreOffice give each cell the first cell's formula with its relative
    references moved to the cell's row, so a column of 200 formulas is stored once."""

    t = "shared"

    def __init__(self, si: int, ref: str | None = None, text: str | None = None):
        super().__init__(ref, text)
        self.si = si

    def __iter__(self):
        yield "t", self.t
        if self.ref:
            yield "ref", self.ref
        yield "si", str(self.si)


def add_live_layer(ws, template: Template, config, lists: dict[str, str], first_row: int, rows: int) -> str:
    """The 本行问题 column (header + ``rows`` formula rows), its hidden helper columns and the
    colouring rules of ``ws``; returns the 本行问题 cells as an absolute reference for
    ``write_summary``."""
    col = len(template.columns) + 1
    letter = get_column_letter(col)
    head = ws.cell(first_row - 1, col, LIVE_COLUMN)
    styles.style_header(head, config.color("header"))
    ws.column_dimensions[letter].width = 60
    formulas = row_formulas(template, first_row, config, lists)  # group i: column col + i
    for i in range(1, len(formulas)):
        ws.column_dimensions[get_column_letter(col + i)].hidden = True
    red = Font(color="C00000")
    end = first_row + rows - 1
    for i, formula in enumerate(formulas):
        column = col + i
        c = get_column_letter(column)
        ws.cell(first_row, column).value = SharedFormula(i, f"{c}{first_row}:{c}{end}", formula)
        for r in range(first_row + 1, end + 1):
            ws.cell(r, column).value = SharedFormula(i)
        if i == 0:
            styles.style_all((ws.cell(r, column) for r in range(first_row, end + 1)), font=red)
    # two rules over the whole block (one per colour, not two per column: LibreOffice tells every rule
    # each time a 本行问题 cell is computed); the column's name by its position
    names = f"CHOOSE(COLUMN(A{first_row})," + ",".join(_q(column.name) for column in template.columns) + ")"
    target = f"A{first_row}:{get_column_letter(len(template.columns))}{end}"
    for mark, colour in ((ERROR_MARK, "error"), ("」" + WARNING_MARK, "warning")):
        rule = FormulaRule(formula=[f'ISNUMBER(FIND("「"&{names}&{_q(mark)},${letter}{first_row}))'],
                           fill=styles.fill(config.color(colour)), stopIfTrue=True)
        ws.conditional_formatting.add(target, rule)
    return f"{quote_sheetname(ws.title)}!${letter}${first_row}:${letter}${end}"


ERROR_MARK, WARNING_MARK = "」：", "（提醒）："  # end of a problem text's prefix (see ``_text``)


def _count(cells: str, mark: str) -> str:
    """How many times ``mark`` occurs in ``cells``: one per cell with a problem."""
    return f'SUMPRODUCT((LEN({cells})-LEN(SUBSTITUTE({cells},{_q(mark)},"")))/{len(mark)})'


def write_summary(ws, top: int, problems: dict[str, str], rows: int) -> int:
    """The live summary from row ``top``: per template sheet (``problems``: sheet → its 本行问题
    cells) the errors and warnings left, then "可以报送" or "还有 N 处错误，请先修改", then which
    rules are formulas and which only ``check`` tests. Returns the next free row."""
    put(ws, top, 1, f"校验情况（公式实时统计各表前 {rows} 行的「本行问题」）").font = styles.HEADER_FONT
    for c, head in enumerate(("工作表", "错误（处）", "提醒（处）"), start=1):
        put(ws, top + 1, c, head).font = styles.HEADER_FONT
    for r, (sheet, cells) in enumerate(problems.items(), start=top + 2):
        put(ws, r, 1, sheet)
        ws.cell(r, 2, f"={_count(cells, ERROR_MARK)}")
        ws.cell(r, 3, f"={_count(cells, WARNING_MARK)}")
    last = top + 1 + len(problems)
    total = f"SUM(B{top + 2}:B{last})"
    ws.cell(last + 1, 1, f'=IF({total}=0,"可以报送","还有 "&{total}&" 处错误，请先修改")').font = styles.HEADER_FONT
    lines = rule_lines()
    for r, line in enumerate(lines, start=last + 2):
        put(ws, r, 1, line)
    return last + 2 + len(lines)


def rule_lines() -> list[str]:
    """What the formulas check and what only ``credit-macros check`` does (说明 sheet, README)."""
    return ["实时校验（公式）：" + "、".join(dict.fromkeys(LIVE_RULES.values())) + "。",
            "仅由信用办汇总时校验（credit-macros check）：" + "、".join(python_only()) + "。"]


def python_only() -> list[str]:
    """The Chinese names of the registered rules the formulas leave to ``check`` (they need tables,
    several rows or the sheet's layout: region codes, monthly series, duplicates, headers …).

    >>> python_only()[:3]
    ['内容超过单元格字数上限', '含不可见的控制字符', '身份证号行政区划代码不存在']
    """
    return [r.title for code, r in registry().items() if code not in LIVE_RULES]
