"""Shared cell styles and column widths for the workbooks we generate.

Column widths are in Excel's unit, the width of one digit of the default font (Calibri 11, 7 px;
LibreOffice uses the metric-compatible Carlito); a CJK character counts two. A template column's
width comes from its catalogue type (``column_width``): codes hold 18 characters on one line,
文书号 and names a typical one, long text wraps.
"""

from __future__ import annotations

import math

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray

THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(name="宋体", bold=True, size=11)
TITLE_FONT = Font(name="宋体", bold=True, size=14)
BODY_FONT = Font(name="宋体", size=11)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")  # a row's one-line cells beside wrapped ones start level with them
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def fill(rgb: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


def style_header(cell, rgb: str) -> None:
    cell.font = HEADER_FONT
    cell.fill = fill(rgb)
    cell.alignment = CENTER
    cell.border = BORDER


_STYLE_IDS = {"font": "fontId", "fill": "fillId", "border": "borderId", "alignment": "alignmentId",
              "protection": "protectionId", "number_format": "numFmtId"}  # cell attribute → its index in StyleArray


def style_all(cells, **given) -> None:
    """``cell.font = …`` (``border``, ``fill`` …: the keywords) on every cell, each style looked
    up in the workbook's lists once: openpyxl hashes and compares the whole style object again
    for every cell it is set on."""
    ids = None
    for cell in cells:
        if ids is None:
            for name, value in given.items():
                setattr(cell, name, value)
            ids = {_STYLE_IDS[name]: getattr(cell._style, _STYLE_IDS[name]) for name in given}
            continue
        if cell._style is None:  # a cell never styled (as openpyxl's own setters do)
            cell._style = StyleArray()
        for key, index in ids.items():
            setattr(cell._style, key, index)


def text_width(text: str) -> int:
    """Display width of ``text`` in digit widths: a CJK character counts two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def header_width(text: str, minimum: int = 10, maximum: int = 40) -> float:
    """A usable column width for a header on one line."""
    return max(minimum, min(maximum, text_width(text) + 2))


DEFAULT_WIDTH = 8.43  # a column without a width of its own
CODE_WIDTH = 24  # 18 characters of a 统一社会信用代码 or 身份证号 on one line: 18 digits are 134 px, half of them capitals (M, W up to 13 px) 160 px
PHONE_WIDTH = 16  # 029-12345678, 13912345678
DOCUMENT_NO_WIDTH = 30  # 文书号 / 户号 such as 沣西执法罚决字〔2026〕第0012号
NAME_WIDTH = 24  # a company's name such as 陕西某某建设工程有限公司 on one line (longer ones wrap)
PERSON_WIDTH = 10  # a person's name
LONG_TEXT_WIDTH = 18  # 内容, 理由, 依据, 备注 …: wrapped
ENUM_MAX_WIDTH = 16  # longer choices wrap (法人及非法人组织 on one line)
HEADER_LINES = 3  # a header wraps on up to three lines (the header row is as tall)
TYPE_WIDTHS = {"uscc": CODE_WIDTH, "party_code": CODE_WIDTH, "id_number": CODE_WIDTH, "phone": PHONE_WIDTH,
               "date": 12, "datetime": 17, "number": 12, "yesno": 6, "series": LONG_TEXT_WIDTH}
WRAPPED_TYPES = ("text", "enum", "series")


def content_width(column, choices: list[str] | None = None) -> float:
    """The width a template column's values need, from its catalogue type (``catalogue.Column``)
    and, for a drop-down, its ``choices``."""
    if column.type in TYPE_WIDTHS:
        return TYPE_WIDTHS[column.type]
    if column.type == "enum":
        return min(ENUM_MAX_WIDTH, max(map(text_width, choices)) + 3) if choices else PERSON_WIDTH + 4
    if column.text:
        return DOCUMENT_NO_WIDTH
    if column.name.endswith("名称"):
        return NAME_WIDTH
    if column.name.endswith(("姓名", "人")):
        return PERSON_WIDTH
    return LONG_TEXT_WIDTH


def column_width(column, choices: list[str] | None = None) -> float:
    """``content_width``, or wider where the header would need more than ``HEADER_LINES`` lines."""
    return max(content_width(column, choices), math.ceil(text_width(column.name) / HEADER_LINES) + 3, 10)
