"""The 半月通报 as a Word circular (python-docx adapter), laid out after GB/T 9704 (党政机关公文格式).

A4, margins 37 / 35 / 28 / 26 mm; red 红头 title in 黑体 with a red rule under the issuing office
and date; headings 黑体 三号, body 仿宋 三号 (16 pt), tables 仿宋 10.5 pt. The fonts are declared
for East-Asian text (``w:eastAsia``) so Word, WPS and LibreOffice pick them. Every string goes
through ``masking.mask``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from credit_macros.masking import mask
from credit_macros.report import indicators as indlib

if TYPE_CHECKING:
    from credit_macros.report import ReportResult

BODY_FONT, HEAD_FONT = "仿宋", "黑体"
RED = RGBColor(0xC0, 0x00, 0x00)
SCORE_COLUMNS = ("排名", "成员单位", "应报", "按时", "逾期", "未报", "按时率", "错误率", "得分")
INDICATOR_COLUMNS = ("指标", "数据月份", "实际值", "目标", "状态")
URGE_COLUMNS = ("成员单位", "类别", "事项", "联系人", "电话")


def _font(run, name: str, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if color is not None:
        run.font.color.rgb = color


def _para(doc, text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False, color=None,
          align=None, indent: bool = False):
    paragraph = doc.add_paragraph()
    _font(paragraph.add_run(mask(text)), font, size, bold, color)
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


# ECMA-376 Part 1, 17.3.1.26 (CT_PPrBase): the children of w:pPr that follow w:pBdr, in order
PPR_AFTER_PBDR = tuple(f"w:{name}" for name in (
    "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN "
    "bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
    "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange").split())


def _red_rule(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # CT_PPrBase is a sequence: w:pBdr goes before w:spacing / w:jc (Word for the web refuses
    # to edit a file with the order wrong)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *PPR_AFTER_PBDR)


def _shade(cell, rgb: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", rgb)):
        shading.set(qn(key), value)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(doc, headers: tuple[str, ...], rows: list[list]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEAD_FONT, 10.5)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            _font(cell.paragraphs[0].add_run(mask("" if value is None else str(value))), BODY_FONT, 10.5)
    return table


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _percent(value) -> str:
    return indlib.format_value(value, "percent")


def build_document(result: ReportResult, config):
    doc = Document()
    # python-docx's template has <w:zoom/> without the w:percent the schema requires
    doc.settings.element.find(qn("w:zoom")).set(qn("w:percent"), "100")
    _page(doc)
    _para(doc, result.title, HEAD_FONT, 22, True, RED, WD_ALIGN_PARAGRAPH.CENTER)
    day = result.as_of
    _red_rule(_para(doc, f"{result.office}    {day.year}年{day.month}月{day.day}日", align=WD_ALIGN_PARAGRAPH.CENTER))
    _para(doc, "")
    _para(doc, f"通报期间：{result.period.label}", indent=True)
    _para(doc, result.summary, indent=True)
    _para(doc, "一、各成员单位报送及得分情况", HEAD_FONT)
    _table(doc, SCORE_COLUMNS, [
        [u.rank or "—", u.unit, u.due, u.on_time, u.late, u.missing, _percent(u.on_time_rate), _percent(u.error_rate),
         "—" if u.score is None else f"{u.score:.1f}"]
        for u in result.units
    ])
    _para(doc, "二、指标完成情况", HEAD_FONT)
    table = _table(doc, INDICATOR_COLUMNS, [
        [i.indicator.name, i.month or "—", indlib.format_value(i.actual, i.indicator.format),
         indlib.target_text(i.indicator, i.target), i.status]
        for i in result.indicators
    ])
    for row, item in zip(table.rows[1:], result.indicators):
        if item.missed:
            for cell in (row.cells[2], row.cells[4]):
                _shade(cell, config.color("error"))
    _para(doc, "三、需督促的单位", HEAD_FONT)
    if result.urged:
        _table(doc, URGE_COLUMNS, result.urged)
    else:
        _para(doc, "本期无需督促的单位。", indent=True)
    _para(doc, "四、有关要求", HEAD_FONT)
    _para(doc, "请各成员单位按照“谁主管谁负责，谁丢分谁担责”的原则，对照工作方案重点任务，每月按时报送信用信息及相关"
               "佐证材料；逾期、未报及得分偏低的单位请于收到通报后及时补报、整改，并将整改情况报送"
               f"{result.office}。", indent=True)
    for note in result.notes:
        _para(doc, f"说明：{note}", size=12, indent=True)
    _para(doc, "")
    _para(doc, result.office, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, f"{day.year}年{day.month}月{day.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT)
    return doc


def write_docx(result: ReportResult, config, path) -> None:
    build_document(result, config).save(str(path))
