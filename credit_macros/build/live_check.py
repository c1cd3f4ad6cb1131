"""The live check layer: the rule engine's column rules as worksheet formulas (openpyxl adapter).

Every template sheet gets, generated from the catalogue's column types (no per-sheet code):

* a 本行问题 column after the template's last column: one formula per row listing the row's
  problems in Chinese (``「裁决机关代码」：校验位错误，应为 X；``), empty for a good or blank row,
  with hidden helper cells to its right (cleaned codes, date serials, the problem segments that
  do not fit into 本行问题); every column is one shared formula (``SharedFormula``), stored once;
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
FUNCTIONS = ("AND", "ASC", "DATE", "DAY", "FIND", "IF", "INT", "ISERROR", "ISNUMBER", "LEFT", "LEN", "MATCH",
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
    """Every character of ``text`` (at most ``n`` long) is in ``alphabet``. Positions past the end
    are not counted (FIND of "" is 1 in Excel but an error in LibreOffice)."""
    positions = _arr(range(1, n + 1))
    return (f"AND(LEN({text})<={n},SUMPRODUCT(ISNUMBER(FIND(MID({text},{positions},1),{_q(alphabet)}))"
            f"*({positions}<=LEN({text})))=LEN({text}))")


def _digits(text: str, n: int) -> str:
    return f"AND(LEN({text})={n},{_all_in(text, DIGITS, n)})"


# --- codes -------------------------------------------------------------------------------------

def _uscc_sum(c: str) -> str:
    return f"SUMPRODUCT((FIND(MID({c},{_arr(range(1, 18))},1),{_q(USCC_ALPHABET)})-1)*{_arr(USCC_WEIGHTS)})"


def uscc_checks(c: str) -> list[tuple[str, str, str]]:
    """(rule, condition, message expression) on the cleaned code ``c``, first true wins."""
    expected = f"MID({_q(USCC_ALPHABET)},MOD(31-MOD({_uscc_sum(c)},31),31)+1,1)"
    return [
        ("uscc-length", f"LEN({c})<>18", '"统一社会信用代码应为18位，现为"&LEN(' + c + ')&"位"'),
        ("uscc-format", f"NOT(AND({_all_in(f'LEFT({c},8)', DIGITS, 8)},{_all_in(f'MID({c},9,10)', USCC_ALPHABET, 10)}))",
         _q("统一社会信用代码含不允许的字符（前8位为数字，其余为数字或除 I、O、Z、S、V 外的大写字母）")),
        ("uscc-checksum", f"RIGHT({c},1)<>{expected}", '"校验位错误，应为 "&' + expected),
    ]


def _ric_sum(c: str) -> str:
    return f"SUMPRODUCT(--MID({c},{_arr(range(1, 18))},1)*{_arr(RIC_WEIGHTS)})"


def ric_checks(c: str) -> list[tuple[str, str, str]]:
    expected = f'MID("10X98765432",MOD({_ric_sum(c)},11)+1,1)'
    y, m, d = f"VALUE(MID({c},7,4))", f"VALUE(MID({c},11,2))", f"VALUE(MID({c},13,2))"
    born = f"DATE(IF({y}<1900,{y}+2000,{y}),{m},{d})"  # +2000 years keeps the leap years
    return [
        ("id-old", f"{_digits(c, 15)}", _q("15位旧身份证号，请改填18位身份证号"), "warning"),
        ("id-format", f"NOT(AND(LEN({c})=18,{_all_in(f'LEFT({c},17)', DIGITS, 17)},ISNUMBER(FIND(RIGHT({c},1),{_q(DIGITS + 'X')}))))",
         _q("身份证号应为18位（17位数字加1位数字或X）")),
        ("id-checksum", f"RIGHT({c},1)<>{expected}", '"身份证号校验位错误，应为 "&' + expected),
        ("id-birthdate", f"IF(ISERROR({born}),TRUE,OR({y}=0,MONTH({born})<>{m},DAY({born})<>{d}))",
         _q("身份证号第7–14位不是真实的出生日期")),
        ("id-birthdate", f"AND({y}>=1900,{born}>TODAY())", _q("身份证号的出生日期晚于今天")),
    ]


def _if(cond: str, then: str) -> str:
    """``then`` only where ``cond`` holds (AND would evaluate, and fail on, both)."""
    return f"IF({cond},{then},FALSE)"


def _clean_of(checks) -> str:
    """No problem at all among ``checks`` (a warning counts, as in the engine's 'either' test),
    tested in order like the IF chain."""
    out = "TRUE"
    for check in reversed(checks):
        out = f"IF({check[1]},FALSE,{out})"
    return out


ID_PATTERN_CHECKS = {
    "护照号": lambda c: f"AND(LEN({c})>=5,LEN({c})<=17,{_all_in(c, ALNUM, 17)})",
    "港澳居民来往内地通行证": lambda c: f'AND(OR(LEN({c})=9,LEN({c})=11),OR(LEFT({c},1)="H",LEFT({c},1)="M"),{_all_in(f"MID({c},2,10)", DIGITS, 10)})',
    "台湾居民来往大陆通行证": lambda c: f"AND(OR(LEN({c})=8,LEN({c})=10),{_all_in(c, DIGITS, 10)})",
    "外国人永久居留身份证": lambda c: f'AND(LEN({c})=15,{_all_in(f"LEFT({c},3)", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3)},{_all_in(f"MID({c},4,12)", DIGITS, 12)})',
}


def _foreigner(c: str) -> str:
    return f'OR({ID_PATTERN_CHECKS["外国人永久居留身份证"](c)},AND(LEFT({c},1)="9",{_digits(c, 18)}))'


def _phone_ok(c: str) -> str:
    mobile = f'AND({_digits(c, 11)},LEFT({c},1)="1",ISNUMBER(FIND(MID({c},2,1),"3456789")))'
    dash = f'FIND("-",{c}&"-")'
    tail = f"MID({c},{dash}+1,20)"
    head = f"LEFT({c},{dash}-1)"
    dashed = (f'AND(LEFT({c},1)="0",OR({dash}=4,{dash}=5),{_all_in(head, DIGITS, 4)},LEN({tail})>=7,LEN({tail})<=8,'
              f"{_all_in(tail, DIGITS, 8)})")
    plain = f'AND(LEFT({c},1)="0",LEN({c})>=10,LEN({c})<=12,{_all_in(c, DIGITS, 12)})'
    return f"OR({mobile},{dashed},{plain})"


# --- dates -------------------------------------------------------------------------------------

def _ymd(y: str, m: str, d: str) -> str:
    """The serial of y-m-d, or #N/A when it is no real day."""
    day = f"DATE({y},{m},{d})"
    return f"IF(AND({y}>=1900,{y}<=9999,{m}>=1,{m}<=12,{d}>=1,{d}<=31),IF(AND(MONTH({day})={m},DAY({day})={d}),{day},NA()),NA())"


def date_text(ref: str) -> str:
    """A typed date with its separators made "-" (年 月 . /) and 日/号 dropped, half-width."""
    t = f"TRIM(ASC({ref}))"
    for old, new in (("年", "-"), ("月", "-"), ("日", ""), ("号", ""), (".", "-"), ("/", "-")):
        t = f"SUBSTITUTE({t},{_q(old)},{_q(new)})"
    return t


def date_serial(ref: str, t: str) -> str:
    """values.parse_date as a formula: a serial number, or an error value when no date;
    ``t``: the cell holding ``date_text(ref)``."""
    n = ref
    numeric = (f"IF(AND({n}=INT({n}),{n}>=19000101,{n}<=99991231),"
               + _ymd(f"INT({n}/10000)", f"MOD(INT({n}/100),100)", f"MOD({n},100)")
               + f",IF(AND({n}>=1,{n}<2958466),INT({n}),NA()))")
    p2 = f'FIND("-",{t},6)'
    y, mm, dd = f"LEFT({t},4)", f"MID({t},6,{p2}-6)", f"MID({t},{p2}+1,3)"
    dashed = (f'IF(AND(MID({t},5,1)="-",LEN({mm})>=1,LEN({mm})<=2,LEN({dd})>=1,LEN({dd})<=2,LEN({t})={p2}+LEN({dd}),'
              f"{_all_in(y + '&' + mm + '&' + dd, DIGITS, 8)}),"
              + _ymd(f"VALUE({y})", f"VALUE({mm})", f"VALUE({dd})") + ",NA())")
    compact = f"IF({_digits(t, 8)}," + _ymd(f"VALUE(LEFT({t},4))", f"VALUE(MID({t},5,2))", f"VALUE(MID({t},7,2))") + ",NA())"
    text = f'IF(ISNUMBER(FIND("-",{t})),{dashed},{compact})'
    return f"IF(ISLOGICAL({ref}),NA(),IF(ISNUMBER({ref}),{numeric},{text}))"


# --- one column's segment ----------------------------------------------------------------------

def _segment(name: str, checks: list) -> str:
    """IF chain: the first true check gives "「name」：message；" (warnings "「name」（提醒）：")."""
    out = '""'
    for check in reversed(checks):
        rule, cond, message = check[:3]
        prefix = f"「{name}」（提醒）：" if len(check) > 3 else f"「{name}」："
        out = f"IF({cond},{_q(prefix)}&{message}&\"；\",{out})"
    return out


def _code_checks(ref: str, c: str, inner: list) -> list:
    odd = f'NOT(EXACT({ref},SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(ASC({ref})," ",""),CHAR(10),""),CHAR(13),""),CHAR(9),"")))'
    return ([("precision-lost", _if(f"ISNUMBER({ref})", f"ABS({ref})>=1E+15"),
              _q("代码被存成了数字，末几位已丢失，请把单元格设为文本后重新录入完整代码"))]
            + [ch(c) if callable(ch) else ch for ch in inner]
            + [("fullwidth", f"AND(NOT(ISNUMBER({ref})),{odd})", _q("含全角字符、空格或换行，请改为半角并删除空格"), "warning")])


def column_checks(template: Template, column: Column, refs: dict[str, str], aux: dict[str, str], config, lists: dict[str, str]) -> list:
    """The checks of one cell, in the engine's order; ``refs``: column name → cell reference,
    ``aux``: column name → its helper cell (cleaned code, or date serial)."""
    ref = refs[column.name]
    checks = []
    if column.required:
        checks.append(("required", _blank(ref), _q("必填，不能为空，请补充")))
    filled = [(rule, _if(f"NOT({_blank(ref)})", cond), msg, *rest) for rule, cond, msg, *rest in _value_checks(template, column, ref, refs, aux, config, lists)]
    checks += filled
    for rule in template.cross_rules:
        if column.name in rule.require and not column.required and rule.when_column in refs:
            when = refs[rule.when_column]
            active = f"NOT({_blank(when)})" if rule.filled else "OR(" + ",".join(f"TRIM({when})={_q(v)}" for v in rule.equals) + ")"
            said = f"已填写「{rule.when_column}」" if rule.filled else f"「{rule.when_column}」为所选类别"
            checks.append((rule.code, _if(_blank(ref), active), _q(f"{said}时必须填写，请补充")))
    return checks


def _value_checks(template: Template, column: Column, ref: str, refs: dict[str, str], aux: dict[str, str], config, lists) -> list:
    kind = column.type
    if kind in ("enum", "yesno"):
        values = ["是", "否"] if kind == "yesno" else enum_values(column.enum, config)
        if not values:
            return []
        return [("enum", f"ISERROR(MATCH(TRIM({ref}),{lists[column.enum or '是否']},0))",
                 _q(f"不是可选值，应为 {'、'.join(values)} 之一，请从下拉列表选择"))]
    if kind == "text":
        if not column.text:
            return []
        return [("precision-lost", _if(f"ISNUMBER({ref})", f"ABS({ref})>=1E+15"),
                 _q("编号被存成了数字，末几位已丢失，请把单元格设为文本后重新录入"))]
    if kind == "number":
        number = f'IF(ISNUMBER({ref}),{ref},VALUE(SUBSTITUTE({_clean(ref)},",","")))'
        return [("number", f"OR(ISLOGICAL({ref}),ISERROR({number}))", _q("不是数字，请只填数字（不带单位）")),
                ("number", f"{number}<0", _q("不能为负数，请核对"))]
    if kind == "date":
        serial = aux[column.name]
        checks = [("date-invalid", f"ISERROR({serial})", _q("不是有效的日期（如 2023-06-01），请改为真实日期"))]
        if not column.future_ok:
            checks.append(("date-future", f"{serial}>TODAY()", _q("日期晚于今天（尚未到来），请核对")))
        for earlier, later in template.order:
            if later == column.name and earlier in refs:
                other = aux[earlier]
                checks.append(("date-order", _if(f"NOT(ISERROR({other}))", f"{serial}<{other}"), _q(f"不能早于「{earlier}」，请核对两个日期")))
        return checks
    if kind == "uscc":
        return _code_checks(ref, aux[column.name], uscc_checks(aux[column.name]))
    if kind == "phone":
        c = aux[column.name]
        return _code_checks(ref, c, [("phone", f"NOT({_phone_ok(c)})", _q("不是有效的电话号码（手机11位，座机带区号），请核对"))])
    if kind == "party_code":
        return _code_checks(ref, aux[column.name], _party_checks(template, column, refs, aux))
    if kind == "id_number":
        return _code_checks(ref, aux[column.name], _id_checks(template, column, refs, aux))
    return []


def _companion(template: Template, enum: str, column: Column) -> Column | None:
    candidates = [c for c in template.columns if c.enum == enum]
    candidates.sort(key=lambda c: not c.name.startswith(column.name[:2]))
    return candidates[0] if candidates else None


def _when(cond: str, checks: list) -> list:
    return [(ch[0], _if(cond, ch[1]), *ch[2:]) for ch in checks]


def _party_checks(template: Template, column: Column, refs: dict[str, str], aux: dict[str, str]) -> list:
    c = aux[column.name]
    companion = _companion(template, "行政相对人类别", column)
    kind = f"TRIM({refs[companion.name]})" if companion and companion.name in refs else '""'
    org, person, individual = (f"{kind}={_q(k)}" for k in (ORG, PERSON, INDIVIDUAL))
    other = f"NOT(OR({org},{person},{individual}))"
    regno = _digits(c, 15)
    return (_when(org, uscc_checks(c)) + _when(person, ric_checks(c))
            + [("party-regno", _if(individual, regno), _q("个体工商户填的是15位注册号，请改填18位统一社会信用代码"), "warning")]
            + _when(individual, uscc_checks(c))
            + [("party-code", _if(other, f"AND(NOT({_clean_of(uscc_checks(c))}),NOT({_clean_of(ric_checks(c))}))"),
                _q("既不是有效的统一社会信用代码，也不是有效的身份证号，请核对；并填写“行政相对人类别”"))])


def _id_checks(template: Template, column: Column, refs: dict[str, str], aux: dict[str, str]) -> list:
    c = aux[column.name]
    companion = _companion(template, "证件类型", column)
    if companion is None or companion.name not in refs:
        return []
    kind = f"TRIM({refs[companion.name]})"
    checks = _when(f'{kind}="身份证"', ric_checks(c))
    for name, ok in ID_PATTERN_CHECKS.items():
        good = _foreigner(c) if name == "外国人永久居留身份证" else ok(c)
        checks.append(("id-pattern", _if(f"{kind}={_q(name)}", f"NOT({good})"), _q(f"不符合{name}的格式，请核对证件类型和号码")))
    return checks


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
    codes and date serials the checks read, the typed dates' normalised text the serials read,
    then the problem segments that do not fit into 本行问题 itself (template columns start at A;
    each formula stays below Excel's 8,192 characters)."""
    width = len(template.columns)
    refs = {col.name: f"{get_column_letter(c)}{row}" for c, col in enumerate(template.columns, start=1)}
    aux_cols = helpers(template)
    dates = [col for col in aux_cols if col.type == "date"]
    aux = {col.name: f"{get_column_letter(width + 2 + i)}{row}" for i, col in enumerate(aux_cols)}
    texts = {col.name: f"{get_column_letter(width + 2 + len(aux_cols) + i)}{row}" for i, col in enumerate(dates)}
    segments = [_segment(col.name, checks) for col in template.columns
                if (checks := column_checks(template, col, refs, aux, config, lists))]
    first, *rest = _pack(segments) or [['""']]
    start = width + 2 + len(aux_cols) + len(dates)
    rest_refs = [f"{get_column_letter(start + i)}{row}" for i in range(len(rest))]
    unless_blank = f'=IF(COUNTA(A{row}:{get_column_letter(width)}{row})=0,"",'  # a blank row costs one COUNTA a cell
    values = [date_serial(refs[col.name], texts[col.name]) if col.type == "date" else _clean(refs[col.name]) for col in aux_cols]
    return [unless_blank + formula + ")" for formula in ["&".join(first + rest_refs), *values,
                                                          *(date_text(refs[col.name]) for col in dates),
                                                          *("&".join(group) for group in rest)]]


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
    for i in range(len(row_formulas(template, first_row, config, lists)) - 1):
        ws.column_dimensions[get_column_letter(col + 1 + i)].hidden = True
    red = Font(color="C00000")
    end = first_row + rows - 1
    for i, formula in enumerate(row_formulas(template, first_row, config, lists)):  # group i: column col + i
        c = get_column_letter(col + i)
        ws[f"{c}{first_row}"] = SharedFormula(i, f"{c}{first_row}:{c}{end}", formula)
        for r in range(first_row + 1, end + 1):
            ws[f"{c}{r}"] = SharedFormula(i)
        if i == 0:
            styles.style_all((ws[f"{c}{r}"] for r in range(first_row, end + 1)), font=red)
    for c, column in enumerate(template.columns, start=1):
        target = f"{get_column_letter(c)}{first_row}:{get_column_letter(c)}{end}"
        for mark, colour in ((f"「{column.name}」：", "error"), (f"「{column.name}」（提醒）：", "warning")):
            rule = FormulaRule(formula=[f"ISNUMBER(FIND({_q(mark)},${letter}{first_row}))"], fill=styles.fill(config.color(colour)), stopIfTrue=True)
            ws.conditional_formatting.add(target, rule)
    return f"{quote_sheetname(ws.title)}!${letter}${first_row}:${letter}${end}"


ERROR_MARK, WARNING_MARK = "」：", "（提醒）："  # end of a segment's prefix (see ``_segment``)


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
