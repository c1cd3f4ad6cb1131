"""The 半月通报 as a Word circular (python-docx adapter), laid out after GB/T 9704 (党政机关公文格式).

A4, margins 37 / 35 / 28 / 26 mm, 29 pt line pitch (22 lines of 28 characters). 版头: the red
发文机关标志 and the 期号 line (``2026年第21期``), the issuing office left and the date right above
a red rule. Body in 仿宋 三号 (16 pt) with 黑体 headings (一、) and 楷体 sub-headings, tables in
仿宋 五号 with column widths fitted to their content (numbers never split, unit names on at most
two lines), the units to be urged one paragraph each with their 联系人 / 电话 when config knows
them, the units with nothing due in one sentence, 落款, and the 版记 (主送 / 抄送 / 印发) at the end.
Page numbers "— N —" centred in the footer (a PAGE field).

Fonts: runs name the Chinese font for East-Asian text (``w:eastAsia``) and Times New Roman for
digits and Latin; ``word/fontTable.xml`` declares each Chinese font with its Windows English name
(``w:altName``: FangSong, SimHei, KaiTi, SimSun), GB2312 charset and PANOSE class, so Word on
Windows uses 仿宋 / 黑体 / 楷体 / 宋体 and WPS or LibreOffice elsewhere substitute their
equivalents. Every string goes through ``masking.mask``.
"""

from __future__ import annotations

from itertools import groupby
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from credit_macros.masking import mask
from credit_macros.report import indicators as indlib
from credit_macros.report.result import ReportResult

BODY_FONT, HEAD_FONT, SUB_FONT, TITLE_FONT, LATIN_FONT = "仿宋", "黑体", "楷体", "宋体", "Times New Roman"
# name → (Windows English name, PANOSE-1, family, pitch); charset 86 = GB2312
CHINESE_FONTS = {
    "仿宋": ("FangSong", "02010609060101010101", "modern", "fixed"),
    "黑体": ("SimHei", "02010609060101010101", "modern", "fixed"),
    "楷体": ("KaiTi", "02010609060101010101", "modern", "fixed"),
    "宋体": ("SimSun", "02010600030101010101", "auto", "variable"),
}
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT, TABLE_PT, TITLE_PT, MASTHEAD_PT, FOOTER_PT = 16, 10.5, 22, 26, 14
LINE_PITCH = Pt(29)  # GB/T 9704: 22 lines on the 225 mm text block
TEXT_WIDTH_MM = 210 - 28 - 26
CELL_PADDING_MM = 2 * 1.9 + 1.2  # Word's default left + right cell margins (0.19 cm each) and a little air
SCORE_COLUMNS = ("排名", "成员单位", "应报", "按时", "逾期", "未报", "按时率", "错误率", "得分")
INDICATOR_COLUMNS = ("指标", "数据月份", "实际值", "目标", "状态")
# ECMA-376 Part 1, 17.3.1.26 (CT_PPrBase): the children of w:pPr that follow w:pBdr, in order
PPR_AFTER_PBDR = tuple(f"w:{name}" for name in (
    "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN "
    "bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
    "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange").split())


def text_units(text: str) -> float:
    """Width of ``text`` in em, on the safe side for Times New Roman and the Latin glyphs of the
    fonts LibreOffice or WPS substitute: CJK, full-width characters and "%" 1, others 0.62."""
    return sum(1.0 if ord(ch) >= 0x2E80 or ch in "—%" else 0.62 for ch in str(text))


def fit_widths(headers, rows, wrap: set[int], total_mm: float = TEXT_WIDTH_MM, size: float = TABLE_PT) -> list[float]:
    """Column widths (mm) for a table: every column at least as wide as its widest cell on one line
    (a number or a date never splits), except the ``wrap`` columns, which share what is left in
    proportion to their content and are never narrower than half their widest cell (≤ 2 lines,
    even when that makes the table wider than ``total_mm``, as below).

    >>> [round(w) for w in fit_widths(("排名", "成员单位", "得分"), [["1", "西咸新区沣西新城装备制造产业园发展中心", "100.0"]], {1}, 60)]
    [12, 40, 16]
    """
    em = size * 25.4 / 72
    natural = [max(text_units(v) for v in [h, *(r[c] for r in rows)]) * em + CELL_PADDING_MM
               for c, h in enumerate(headers)]
    fixed = sum(w for c, w in enumerate(natural) if c not in wrap)
    wanted = sum(natural[c] for c in wrap)
    room = total_mm - fixed
    return [max(natural[c] / 2 + CELL_PADDING_MM / 2, room * natural[c] / wanted) if c in wrap else natural[c]
            for c in range(len(headers))]


def _fonts(rpr, name: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    latin = name if name == TITLE_FONT else LATIN_FONT
    for key, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", name), ("w:cs", latin)):
        fonts.set(qn(key), value)


def _run(paragraph, text: str, font: str = BODY_FONT, size: float = BODY_PT, bold: bool = False, color=None):
    run = paragraph.add_run(mask(text))
    run.font.size = Pt(size)
    run.font.bold = bold or None
    _fonts(run._element.get_or_add_rPr(), font)
    if color is not None:
        run.font.color.rgb = color
    return run


def _para(doc, text: str = "", font: str = BODY_FONT, size: float = BODY_PT, bold: bool = False, color=None,
          align=None, indent: bool = False):
    paragraph = doc.add_paragraph()
    if text:
        _run(paragraph, text, font, size, bold, color)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, max(LINE_PITCH, Pt(size * 1.25))
    return paragraph


def _rule(paragraph, edge: str = "bottom", size: int = 18, color: str = "C00000") -> None:
    """A horizontal rule along ``edge`` of the paragraph (w:sz in eighths of a point)."""
    borders = paragraph._p.get_or_add_pPr().find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # CT_PPrBase is a sequence: w:pBdr goes before w:spacing / w:jc (Word for the web refuses
        # to edit a file with the order wrong)
        paragraph._p.get_or_add_pPr().insert_element_before(borders, *PPR_AFTER_PBDR)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
        line.set(qn(key), value)
    if edge == "top":
        borders.insert(0, line)
    else:
        borders.append(line)


def _shade(cell, rgb: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", rgb)):
        shading.set(qn(key), value)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(doc, headers: tuple[str, ...], rows: list[list], wrap: set[int]):
    """A table with fixed column widths from ``fit_widths``; header row repeated on every page."""
    rows = [[mask("" if v is None else str(v)) for v in values] for values in rows]
    widths = [Mm(w) for w in fit_widths(headers, rows, wrap)]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table_width = table._tbl.tblPr.find(qn("w:tblW"))
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(sum(w.twips for w in widths)))
    for column, width in zip(table.columns, widths):
        column.width = width
    head = table.rows[0]
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for values, row in [(headers, head)] + [(v, table.add_row()) for v in rows]:
        for c, (cell, text) in enumerate(zip(row.cells, values)):
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if c in wrap and row is not head else WD_ALIGN_PARAGRAPH.CENTER
            _run(paragraph, text, HEAD_FONT if row is head else BODY_FONT, TABLE_PT)
    return table


def _page_number_footer(section) -> None:
    """"— N —" centred at the bottom of every page (a PAGE field)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", TITLE_FONT, FOOTER_PT)
    for kind in ("begin", None, "separate", "1", "end"):
        run = _run(paragraph, "", TITLE_FONT, FOOTER_PT)
        if kind in ("begin", "separate", "end"):
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        elif kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._r.append(instr)
        else:
            run.text = kind
    _run(paragraph, " —", TITLE_FONT, FOOTER_PT)


def _declare_fonts(doc) -> None:
    """Chinese fonts in fontTable.xml with their Windows names, charset and PANOSE; zh-CN defaults."""
    part = next(rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable"))
    root = parse_xml(part.blob)
    for name, (alt, panose, family, pitch) in CHINESE_FONTS.items():
        root.append(parse_xml(
            f'<w:font xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:name="{name}">'
            f'<w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'))
    part._blob = serialize_part_xml(root)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for key, value in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", BODY_FONT), ("w:cs", LATIN_FONT)):
        fonts.set(qn(key), value)
    lang = defaults.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT)


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(21)
    _declare_fonts(doc)
    _page_number_footer(section)


def _percent(value) -> str:
    return indlib.format_value(value, "percent")


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _masthead(doc, result: ReportResult) -> None:
    """发文机关标志, 期号, office and date, red rule; then the title."""
    _para(doc, f"{result.district}社会信用体系建设工作通报", TITLE_FONT, MASTHEAD_PT, True, RED, WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"{result.period.start.year}年第{result.period.issue}期", align=WD_ALIGN_PARAGRAPH.CENTER)
    line = _para(doc)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    _run(line, f"{result.office}\t{_date(result.as_of)}")
    _rule(line)
    _para(doc)
    title = _para(doc, f"关于{result.period.label}", TITLE_FONT, TITLE_PT, True, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.runs[0].add_break()
    _run(title, "成员单位信用信息报送情况的通报", TITLE_FONT, TITLE_PT, True)
    _para(doc)


def _urge_paragraphs(doc, result: ReportResult, config) -> None:
    """One paragraph per unit to be urged: its overdue / missing items, low score, 联系人 and 电话."""
    if not result.urged:
        _para(doc, "本期无需督促的单位。", indent=True)
        return
    for number, (unit, entries) in enumerate(groupby(result.urged, key=lambda row: row[0]), start=1):
        entries = list(entries)
        paragraph = _para(doc, indent=True)
        _run(paragraph, f"{number}. {unit}：", bold=True)
        _run(paragraph, "；".join(f"{kind}{items}" if kind != "得分偏低" else items for _, kind, items, _, _ in entries) + "。")
        contact, phone = entries[0][3], entries[0][4]
        known = [f"联系人：{contact}" if contact else "", f"电话：{phone}" if phone else ""]
        if any(known):
            _run(paragraph, "，".join(k for k in known if k) + "。", SUB_FONT)


def _closing_block(doc, result: ReportResult, config) -> None:
    """落款 and the 版记 (主送, 抄送, 印发) at the end."""
    _para(doc)
    for text in (result.office, _date(result.as_of)):
        paragraph = _para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
    _para(doc)
    section = config["report"]
    lines = [(f"主送：{section['main_to']}。", True)]
    if section.get("copy_to"):
        lines.append((f"抄送：{section['copy_to']}。", True))
    lines.append((f"{result.office}\t{_date(result.as_of)}印发", False))
    for i, (text, indent) in enumerate(lines):
        paragraph = _para(doc, size=14)
        paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM - 7), WD_TAB_ALIGNMENT.RIGHT)
        paragraph.paragraph_format.left_indent = Mm(3.5)  # 左右各空一字
        paragraph.paragraph_format.keep_with_next = i < len(lines) - 1
        _run(paragraph, text, size=14)
        _rule(paragraph, "top", 8 if i == 0 else 4, "000000")
        if i == len(lines) - 1:
            _rule(paragraph, "bottom", 8, "000000")


def build_document(result: ReportResult, config):
    doc = Document()
    # python-docx's template has <w:zoom/> without the w:percent the schema requires
    doc.settings.element.find(qn("w:zoom")).set(qn("w:percent"), "100")
    _page(doc)
    _masthead(doc, result)
    _para(doc, f"现将{result.period.label}各成员单位社会信用信息报送情况和方案指标完成情况通报如下。", indent=True)
    _para(doc, "一、总体情况", HEAD_FONT, indent=True)
    _para(doc, result.summary, indent=True)
    _para(doc, "二、各成员单位报送及得分情况", HEAD_FONT, indent=True)
    scored, idle = result.scored, [u for u in result.units if u.score is None]
    if scored:
        _table(doc, SCORE_COLUMNS, [
            [u.rank, u.unit, u.due, u.on_time, u.late, u.missing, _percent(u.on_time_rate), _percent(u.error_rate),
             f"{u.score:.1f}"] for u in scored
        ], wrap={1})
    if idle:
        _para(doc, f"以下{len(idle)}个单位本期无到期报送事项，未参与评分：{'、'.join(u.unit for u in idle)}。", indent=True)
    _para(doc, "三、指标完成情况", HEAD_FONT, indent=True)
    table = _table(doc, INDICATOR_COLUMNS, [
        [i.indicator.name, i.month or "—", indlib.format_value(i.actual, i.indicator.format),
         indlib.target_text(i.indicator, i.target), i.status]
        for i in result.indicators
    ], wrap={0, 3})
    for row, item in zip(table.rows[1:], result.indicators):
        if item.missed:
            for cell in (row.cells[2], row.cells[4]):
                _shade(cell, config.color("error"))
    _para(doc, "四、需督促的单位", HEAD_FONT, indent=True)
    _urge_paragraphs(doc, result, config)
    _para(doc, "五、有关要求", HEAD_FONT, indent=True)
    _para(doc, "请各成员单位按照“谁主管谁负责，谁丢分谁担责”的原则，对照工作方案重点任务，每月按时报送信用信息及相关"
               "佐证材料；逾期、未报及得分偏低的单位请于收到通报后及时补报、整改，并将整改情况报送"
               f"{result.office}。", indent=True)
    for note in result.notes:
        _para(doc, f"说明：{note}", SUB_FONT, indent=True)
    _closing_block(doc, result, config)
    return doc


def write_docx(result: ReportResult, config, path) -> None:
    build_document(result, config).save(str(path))
