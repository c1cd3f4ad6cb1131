"""Shared cell styles for the workbooks we generate."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(name="宋体", bold=True, size=11)
TITLE_FONT = Font(name="宋体", bold=True, size=14)
BODY_FONT = Font(name="宋体", size=11)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
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


def header_width(text: str, minimum: int = 10, maximum: int = 40) -> float:
    """A usable column width for a header (CJK characters count double)."""
    width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text)) + 2
    return max(minimum, min(maximum, width))
