"""What ``check --in-place`` and ``clear`` must give back exactly (issues 17.7 and 18.4): values
openpyxl changes on a round trip (1e308, serial 60 = Excel's phantom 1900-02-29, a date-formatted
2958466), formula results (cached values), a picture (openpyxl drops it without Pillow), sparklines
(x14 extension). Each item is compared in the package's own XML before and after.

``check --in-place`` writes only the parts it owns (issue 16.1: fills in styles.xml and the marked
rows, notes, our two sheets) and copies every other part byte for byte; ``clear`` gives back every
part exactly as it was."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib

import pytest
import xlsxwriter
from lo import convert, needs_soffice
from messy import ORG_CODE
from openpyxl import load_workbook
from runcli import run

from credit_macros.catalogue.sheets import OWN_SHEETS
from credit_macros.io.filemarks import BOOK_SHEET, RESULT_SHEET
from credit_macros.io.read import read_book

SHEET = "xl/worksheets/sheet1.xml"


def png() -> bytes:
    """A 1×1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "报送.xlsx"
    (tmp_path / "logo.png").write_bytes(png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("科技研发")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"])
    ws.write_row(1, 0, ["西安某某科技有限公司", ORG_CODE[:-1] + "0", "是", "省级计划"])  # one bad cell: B2
    ws.write_number("F2", 1e308)
    ws.write_number("G2", 60, date)
    ws.write_number("H2", 2958466, date)
    ws.write_formula("I2", "=F3+1", None, 42)
    ws.write_row("F3", [41, 1, 2, 3])
    ws.add_sparkline("J3", {"range": "科技研发!F3:I3"})
    ws.insert_image("L2", str(tmp_path / "logo.png"))
    wb.close()
    return path


def cells(path, refs) -> dict[str, bytes]:
    xml = zipfile.ZipFile(path).read(SHEET)
    return {ref: re.search(rb'<c r="' + ref.encode() + rb'"[^>]*>.*?</c>', xml).group(0) for ref in refs}


def kept(path) -> dict:
    with zipfile.ZipFile(path) as z:
        xml = z.read(SHEET)
        return {"cells": cells(path, ["F2", "G2", "H2", "I2"]),
                "media": sorted(z.read(n) for n in z.namelist() if n.startswith("xl/media/")),
                "sparklines": re.findall(rb"<x14:sparklineGroups.*?</x14:sparklineGroups>", xml, re.S)}


def test_values_formula_results_pictures_and_sparklines_come_back_exactly(book):
    before = kept(book)
    assert before["media"] and before["sparklines"] and b"<v>42</v>" in before["cells"]["I2"]
    code, _, err = run("check", book, "--in-place", "--as-of", "2023-07-15")
    assert code == 1, err
    assert kept(book) == before
    code, _, err = run("clear", book)
    assert code == 0, err
    assert kept(book) == before


THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
PERSON = "http://schemas.microsoft.com/office/2017/10/relationships/person"


def add_threaded_comment(path, sheet_part: str, ref: str) -> None:
    """Give ``ref`` an Excel 365 threaded comment (its part, the persons part, both relationships
    and content types): XlsxWriter and openpyxl cannot write them."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    rels = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    person_id, guid = "{6B7F1E10-2E61-4C1B-9C2B-5D0C1A2B3C4D}", "{0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}"
    parts["xl/threadedComments/threadedComment1.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments '
        'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><threadedComment '
        f'ref="{ref}" dT="2026-11-30T09:00:00.00" personId="{person_id}" id="{guid}"><text>请核对这家企业的名称</text>'
        "</threadedComment></ThreadedComments>").encode()
    parts["xl/persons/person.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList '
        'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><person displayName="王五" '
        f'id="{person_id}" userId="王五" providerId="None"/></personList>').encode()
    parts[rels] = parts[rels].replace(b"</Relationships>", f'<Relationship Id="rId90" Type="{THREADED}" '
                                      'Target="../threadedComments/threadedComment1.xml"/></Relationships>'.encode())
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rId90" Type="{PERSON}" Target="persons/person.xml"/></Relationships>'.encode())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        '<Override PartName="/xl/threadedComments/threadedComment1.xml" '
        'ContentType="application/vnd.ms-excel.threadedcomments+xml"/><Override PartName="/xl/persons/person.xml" '
        'ContentType="application/vnd.ms-excel.person+xml"/></Types>').encode())
    x14 = ('<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/'
           '2009/9/main"><x14:dataValidations xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1">'
           '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1"><x14:formula1>'
           "<xm:f>选项!$A$1:$A$2</xm:f></x14:formula1><xm:sqref>C2:C20</xm:sqref></x14:dataValidation>"
           "</x14:dataValidations></ext></extLst>")
    parts[sheet_part] = parts[sheet_part].replace(b"</extLst>", x14.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


@pytest.fixture
def rich(tmp_path):
    """A unit's workbook with everything a clerk's Excel may put in one: styles, a note on a bad
    cell, list validations (plain and x14), a defined name, a threaded comment, a picture, a chart,
    sparklines, conditional formats, and a second sheet formatted as a table (ListObject) whose
    bad cell has no note (so its sheet gets a comments part, a drawing and a <legacyDrawing>)."""
    path = tmp_path / "报送.xlsx"
    (tmp_path / "logo.png").write_bytes(png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("科技研发")
    bold, date, red = wb.add_format({"bold": True, "bg_color": "#DDEBF7"}), wb.add_format({"num_format": "yyyy-mm-dd"}), \
        wb.add_format({"font_color": "#9C0006"})
    ws.write_row(0, 0, ["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"], bold)
    ws.write_row(1, 0, ["西安某某科技有限公司", ORG_CODE[:-1] + "0", "是", "省级计划"])  # B2 is bad
    ws.write_row(2, 0, ["西安另一家科技有限公司", ORG_CODE, "否", "市级计划"])
    ws.write_comment("B2", "代码是从营业执照上抄的", {"author": "王五"})
    ws.write_number("F2", 1e308)
    ws.write_number("G2", 60, date)
    ws.write_formula("I2", "=F3+1", None, 42)
    ws.write_row("F3", [41, 1, 2, 3])
    ws.add_sparkline("J3", {"range": "科技研发!F3:I3"})
    ws.data_validation("C2:C20", {"validate": "list", "source": ["是", "否"]})
    ws.conditional_format("F3:I3", {"type": "cell", "criteria": ">", "value": 1, "format": red})
    ws.insert_image("L2", str(tmp_path / "logo.png"))
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=科技研发!$F$3:$I$3"})
    ws.insert_chart("L6", chart)
    wb.define_name("填报单位", "=科技研发!$A$2")
    table = wb.add_worksheet("科技研发二")
    table.add_table("A1:D3", {"columns": [{"header": h} for h in ["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业",
                                                                     "获得科研支持信息"]],
                              "data": [["西安第三家科技有限公司", ORG_CODE, "是", "省级计划"],
                                       ["西安第四家科技有限公司", ORG_CODE, "也许", "省级计划"]]})  # C3 is bad
    table.conditional_format("A2:A3", {"type": "duplicate", "format": red})
    wb.add_worksheet("选项").write_column("A1", ["是", "否"])
    wb.close()
    add_threaded_comment(path, SHEET, "A3")
    return path


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def user_values(path) -> dict:
    grids = read_book(path)[0]
    return {name: grid for name, grid in grids.items() if name not in OWN_SHEETS}


def test_every_part_we_do_not_own_comes_back_byte_for_byte(rich):
    before, values = parts(rich), user_values(rich)
    assert {"xl/threadedComments/threadedComment1.xml", "xl/persons/person.xml", "xl/tables/table1.xml",
            "xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments1.xml"} <= set(before)
    assert b"x14:dataValidation " in before[SHEET] and b"x14:sparklineGroups" in before[SHEET]
    code, out, err = run("check", rich, "--in-place", "--json", "--as-of", "2023-07-15")
    assert code == 1, err
    assert {(f["sheet"], f["cell"]) for f in json.loads(out)["findings"]} == {("科技研发", "B2"), ("科技研发二", "B3"), ("科技研发二", "C3")}
    after = parts(rich)
    ours = {"xl/styles.xml", SHEET, "xl/worksheets/sheet2.xml", "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml",
            "xl/worksheets/_rels/sheet2.xml.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert {n: before[n] for n in before if n not in ours} == {n: after[n] for n in before if n not in ours}
    assert set(after) - set(before) == {"xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml", "xl/comments2.xml",
                                        "xl/drawings/vmlDrawing2.vml"}
    assert user_values(rich) == values
    wb = load_workbook(rich)
    assert wb["科技研发"]["B2"].comment.text.endswith("——原批注——\n代码是从营业执照上抄的")
    assert wb["科技研发"]["B2"].fill.fgColor.rgb[-6:] == wb["科技研发二"]["C3"].fill.fgColor.rgb[-6:] == "FFC7CE"
    assert wb["科技研发"]["G2"].number_format == "yyyy-mm-dd"
    assert wb.sheetnames == ["科技研发", "科技研发二", "选项", BOOK_SHEET, RESULT_SHEET]
    code, _, err = run("clear", rich)
    assert code == 0, err
    assert parts(rich) == before


def test_checking_a_clean_file_without_marks_leaves_it_byte_identical(book):
    wb = load_workbook(book)
    wb["科技研发"]["B2"] = ORG_CODE
    wb.save(book)
    data = book.read_bytes()
    code, out, err = run("check", book, "--in-place", "--as-of", "2023-07-15")
    assert code == 0, err
    assert "文件未改动" in out
    assert book.read_bytes() == data
    assert not list(book.parent.glob("*.bak*"))


def test_clear_never_deletes_a_sheet_of_the_users_named_like_ours(tmp_path):
    path = tmp_path / "报送.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("科技研发")
    ws.write_row(0, 0, ["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"])
    ws.write_row(1, 0, ["西安某某科技有限公司", ORG_CODE[:-1] + "0", "是", "省级计划"])
    wb.add_worksheet(RESULT_SHEET).write("A1", "我自己的汇总")
    wb.close()
    data = path.read_bytes()
    code, out, _ = run("clear", path)
    assert (code, path.read_bytes()) == (0, data)
    assert "没有校验标记" in out
    code, _, err = run("check", path, "--in-place", "--as-of", "2023-07-15")
    assert code == 2 and path.read_bytes() == data
    assert f"已有名为「{RESULT_SHEET}」的工作表，但不是 check --in-place 生成的" in err


@needs_soffice
def test_an_office_program_reads_the_marks_and_after_it_saved_check_and_clear_still_restore(rich, tmp_path):
    """LibreOffice opens the marked workbook as the clerk would: our fill, note, links and page
    setup are there. After it saved the file (renumbering every part), checking again and
    clearing still give the user's own note and fill back and take our sheets out."""
    assert run("check", rich, "--in-place", "--as-of", "2023-07-15")[0] == 1
    saved = convert(rich, "xlsx", tmp_path / "lo")
    wb = load_workbook(saved)
    b2 = wb["科技研发"]["B2"]
    assert b2.comment.text.startswith("【信用台账助手·错误】") and b2.comment.text.endswith("代码是从营业执照上抄的")
    assert b2.fill.fgColor.rgb[-6:] == "FFC7CE"
    results = wb[RESULT_SHEET]
    links = {c.coordinate: c.hyperlink.location for row in results.iter_rows() for c in row if c.hyperlink}
    assert sorted(links.values()) == ["'科技研发'!B2", "'科技研发二'!B3", "'科技研发二'!C3"]
    assert results.page_setup.orientation == "landscape" and results.page_setup.paperSize in (9, "9")
    assert results.page_setup.fitToWidth in (1, "1") and results.sheet_properties.pageSetUpPr.fitToPage
    assert results.print_title_rows is not None and "&P" in results.oddFooter.right.text
    assert wb[BOOK_SHEET].sheet_state == "hidden"

    assert run("check", saved, "--in-place", "--as-of", "2023-07-15")[0] == 1
    code, _, err = run("clear", saved)
    assert code == 0, err
    wb = load_workbook(saved)
    assert wb.sheetnames == ["科技研发", "科技研发二", "选项"]
    b2 = wb["科技研发"]["B2"]
    assert (b2.comment.text, b2.comment.author) == ("代码是从营业执照上抄的", "王五")
    assert b2.fill.fill_type is None and wb["科技研发二"]["C3"].fill.fill_type is None
    assert wb["科技研发"]["A1"].fill.fgColor.rgb[-6:] == "DDEBF7"  # the header's own fill never changed
