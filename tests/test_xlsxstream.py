import datetime as dt
import io
import random
import re
import zipfile

import openpyxl
import pytest
from lo import convert, needs_soffice

from credit_macros.errors import UserError
from credit_macros.io import xlsxstream
from credit_macros.io.cached import sheet_parts
from credit_macros.io.read import read_grids
from credit_macros.io.xlsxstream import SheetRows, rewrite

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def book(path, rows, title="表", text_columns=(), date_columns=()):
    """A small workbook like the master's sheets: a styled header, column default styles, a formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    ws["A1"].font = openpyxl.styles.Font(bold=True)
    for letter in text_columns:
        ws.column_dimensions[letter].number_format = "@"
    for letter in date_columns:
        ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = "A1:C1"
    ws.merge_cells("E1:F1")
    other = wb.create_sheet("其他")
    other["A1"] = "=1+2"
    wb.save(path)
    return path


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def part(path, sheet="表") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(sheet_parts(z)[sheet]).decode()


def outside_sheet_data(xml: str) -> str:
    return re.sub(r'<dimension ref="[^"]*"/>', "", re.sub(r"<sheetData>.*</sheetData>", "", xml, flags=re.S))


def with_sheet_xml(src, dst, change, sheet="表"):
    """A copy of ``src`` whose worksheet XML is ``change(xml)``."""
    data = members(src)
    name = sheet_parts(zipfile.ZipFile(src))[sheet]
    data[name] = change(data[name])
    with zipfile.ZipFile(dst, "w") as z:
        for member, body in data.items():
            z.writestr(member, body)
    return dst


def values(path, sheet="表"):
    """The sheet's values, each row without its trailing blanks (the merged E1:F1 widens every row)."""
    out = []
    for row in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


def test_every_value_type_round_trips_through_openpyxl_and_calamine(tmp_path):
    src = book(tmp_path / "a.xlsx", [["文本", "数", "日期"]], text_columns="A")
    texts = ["=1+1", "+8613912345678", "-已注销", "@某公司", "a<b>&c\"'", " 前后空格 ", "两行\n第二行", "回车\r\n换行"]
    rows = [[t, None, None] for t in texts]
    rows += [["控制\x00字\x0b符\x1f\ufffe去掉", 3, 2.5], ["", True, dt.date(2026, 2, 2)], [None, False, dt.datetime(2026, 2, 2, 9, 30)],
             ["t", dt.time(6, 15), dt.timedelta(hours=36)]]
    out = tmp_path / "b.xlsx"
    rewrite(src, out, {"表": SheetRows(2, rows)})
    grid = read_grids(out)["表"]
    assert [r[0] for r in grid[1:9]] == texts
    assert grid[9] == ["控制字符去掉", 3, 2.5]
    assert grid[10] == ["", True, dt.date(2026, 2, 2)]
    assert grid[11] == ["", False, dt.datetime(2026, 2, 2, 9, 30)]
    assert grid[12] == ["t", dt.time(6, 15), dt.timedelta(hours=36)]
    ws = openpyxl.load_workbook(out)["表"]
    assert [ws.cell(r, 1).value for r in range(2, 10)] == texts
    assert ws["A2"].data_type == "s" and ws["A2"].number_format == "@"  # the text column's style
    assert (ws["B10"].value, ws["C10"].value, ws["B11"].value) == (3, 2.5, True)
    assert ws["C11"].number_format == "yyyy-mm-dd" and ws["C12"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B13"].number_format == "hh:mm:ss" and ws["C13"].number_format == "[h]:mm:ss"
    xml = part(out)
    assert "<f>" not in xml and "\x00" not in xml and "&#13;" in xml


def test_rows_above_start_header_and_everything_outside_sheet_data_are_kept(tmp_path):
    src = book(tmp_path / "a.xlsx", [["名称", "金额", "日期"], ["甲", 1, dt.date(2026, 1, 5)], ["乙", 2, None], ["丙", 3, None]])
    wb = openpyxl.load_workbook(src)
    wb["表"]["D2"] = "=B2*2"
    wb["表"]["B3"].fill = openpyxl.styles.PatternFill("solid", start_color="FFFF00")
    wb.save(src)
    before = part(src)
    out = tmp_path / "b.xlsx"
    rewrite(src, out, {"表": SheetRows(4, [["丁", 4], ["戊", 5]])})
    after = part(out)
    kept = re.search(r'<row r="1".*<row r="4"', before, re.S).group(0)
    assert kept in after  # header and rows 2-3 byte for byte: formula, fill, styles
    assert outside_sheet_data(after) == outside_sheet_data(before)
    assert '<dimension ref="A1:F5"/>' in after  # F: the merged E1:F1
    assert values(out) == [["名称", "金额", "日期"], ["甲", 1, dt.datetime(2026, 1, 5), "=B2*2"], ["乙", 2], ["丁", 4], ["戊", 5]]
    assert openpyxl.load_workbook(out)["表"]["B3"].fill.start_color.rgb == "00FFFF00"
    old, new = members(src), members(out)
    assert new.keys() == old.keys()
    assert {n for n in old if old[n] != new[n]} == {sheet_parts(zipfile.ZipFile(src))["表"]}


def test_replacing_from_a_row_removes_the_old_rows_below_it(tmp_path):
    src = book(tmp_path / "a.xlsx", [["名称"], ["甲"], ["乙"], ["丙"], ["丁"]])
    out = tmp_path / "b.xlsx"
    rewrite(src, out, {"表": SheetRows(3, [["新"]])})
    assert values(out) == [["名称"], ["甲"], ["新"]]
    assert '<dimension ref="A1:F3"/>' in part(out)
    rewrite(src, tmp_path / "c.xlsx", {"表": SheetRows(2, [])})
    assert values(tmp_path / "c.xlsx") == [["名称"]]
    assert '<dimension ref="A1:F1"/>' in part(tmp_path / "c.xlsx")


def test_large_sheet_streams_across_chunks(tmp_path):
    src = book(tmp_path / "a.xlsx", [["编号", "名称"]])
    big = tmp_path / "big.xlsx"
    rows = [[i, f"第{i}行 & <内容>"] for i in range(1, 30001)]
    rewrite(src, big, {"表": SheetRows(2, rows)})
    assert len(part(big).encode()) > 3 * xlsxstream.CHUNK
    out = tmp_path / "out.xlsx"
    rewrite(big, out, {"表": SheetRows(20002, [["末", "尾"]])})
    grid = read_grids(out)["表"]
    assert len(grid) == 20002 and grid[-1] == ["末", "尾"]
    assert grid[1:20001] == [[float(i), f"第{i}行 & <内容>"] for i in range(1, 20001)]


def test_styles_gain_a_date_format_only_when_needed(tmp_path):
    src = book(tmp_path / "a.xlsx", [["名称", "日期"]], date_columns="B")
    out = tmp_path / "b.xlsx"
    rewrite(src, out, {"表": SheetRows(2, [["甲", dt.date(2026, 3, 1)]])})
    assert members(out)["xl/styles.xml"] == members(src)["xl/styles.xml"]  # the column's own date format
    assert openpyxl.load_workbook(out)["表"]["B2"].number_format == "yyyy-mm-dd"
    rewrite(src, tmp_path / "c.xlsx", {"表": SheetRows(2, [[dt.datetime(2026, 3, 1, 8, 5), "x"]])})
    styles = members(tmp_path / "c.xlsx")["xl/styles.xml"].decode()
    assert styles != members(src)["xl/styles.xml"].decode() and 'formatCode="yyyy-mm-dd hh:mm"' in styles
    assert openpyxl.load_workbook(tmp_path / "c.xlsx")["表"]["A2"].number_format == "yyyy-mm-dd hh:mm"


def test_prefixed_worksheet_xml_keeps_its_prefix(tmp_path):
    """Some libraries write the SpreadsheetML namespace with a prefix (x:row, x:c …)."""
    src = book(tmp_path / "a.xlsx", [["名称", "数"], ["甲", 1]])

    def prefix(xml: bytes) -> bytes:
        xml = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([ />])", r"<\1x:\2\3", xml.decode())
        return xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"').encode()

    prefixed = with_sheet_xml(src, tmp_path / "p.xlsx", prefix)
    out = tmp_path / "b.xlsx"
    rewrite(prefixed, out, {"表": SheetRows(3, [["乙", 2]])})
    assert values(out) == [["名称", "数"], ["甲", 1], ["乙", 2]]
    assert '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t' in part(out)


def test_rows_without_numbers_are_counted(tmp_path):
    """The row number attribute is optional; rows without it follow the previous one."""
    src = book(tmp_path / "a.xlsx", [["名称"], ["甲"], ["乙"]])
    bare = with_sheet_xml(src, tmp_path / "bare.xlsx", lambda xml: re.sub(rb'(<row) r="\d+"', rb"\1", xml))
    out = tmp_path / "b.xlsx"
    rewrite(bare, out, {"表": SheetRows(3, [["丙"]])})
    assert read_grids(out)["表"] == [["名称"], ["甲"], ["丙"]]


def test_truncated_sheet_data_and_unknown_sheets_are_user_errors(tmp_path):
    src = book(tmp_path / "a.xlsx", [["名称"], ["甲"]])
    broken = with_sheet_xml(src, tmp_path / "broken.xlsx", lambda xml: xml.split(b"</sheetData>")[0])
    with pytest.raises(UserError, match="工作表「表」的 XML 不完整"):
        rewrite(broken, io.BytesIO(), {"表": SheetRows(3, [["乙"]])})
    with pytest.raises(UserError, match="没有工作表 无此表"):
        rewrite(src, io.BytesIO(), {"无此表": SheetRows(2, [])})


@needs_soffice
def test_shared_strings_from_libreoffice_are_kept_and_the_result_opens_in_libreoffice(tmp_path):
    src = book(tmp_path / "a.xlsx", [["名称", "日期"], ["甲", dt.date(2026, 1, 5)]])
    saved = convert(src, "xlsx", tmp_path / "lo")  # LibreOffice writes shared strings
    assert "xl/sharedStrings.xml" in members(saved)
    out = tmp_path / "b.xlsx"
    rewrite(saved, out, {"表": SheetRows(3, [["=乙", dt.datetime(2026, 1, 6, 10, 30)]])})
    assert members(out)["xl/sharedStrings.xml"] == members(saved)["xl/sharedStrings.xml"]
    again = convert(out, "xlsx", tmp_path / "lo2")
    assert values(again) == [["名称", "日期"], ["甲", dt.datetime(2026, 1, 5)], ["=乙", dt.datetime(2026, 1, 6, 10, 30)]]
    assert openpyxl.load_workbook(again)["表"]["A3"].data_type == "s"


def test_row_writes_every_kind_of_value_as_the_general_cell_writer_does():
    """``RowWriter.row`` inlines the usual cells (text, numbers, dates); each row must come out as
    the general writer (``_row_kept``, cell by cell) makes it, special characters, spaces and all."""
    styles = xlsxstream.Styles(f'<styleSheet xmlns="{MAIN}"><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="49"/>'
                               '<xf numFmtId="14"/></cellXfs></styleSheet>'.encode())
    moment = dt.datetime(2026, 2, 2, 9, 30)

    class Text(str):
        pass

    values = ["plain", "名称", " lead", "trail ", "\ttab", "a&b", "<x>", "cr\r\nlf", "ctl\x01x", "\ud800", "", None,
              True, False, 0, 7, -3, 10 ** 20, 0.5, 1e300, dt.date(2026, 1, 2), moment, moment, dt.datetime(2026, 2, 2),
              dt.time(6, 30), dt.timedelta(hours=36), Text("sub"), " ", "\n"]
    rng = random.Random(5)
    fast = xlsxstream.RowWriter(styles, {2: 1, 3: 2, 5: 2})  # one writer for all rows, as a sheet is written
    for r in range(1, 400):
        row = rng.choices(values, k=rng.randrange(1, 12))
        general = xlsxstream.RowWriter(styles, {2: 1, 3: 2, 5: 2})
        assert fast.row(r, row) == general._row_kept(r, row, {}), row
    for bad in (float("nan"), float("inf"), object()):
        with pytest.raises((ValueError, TypeError)):
            xlsxstream.RowWriter(styles, {}).row(1, ["x", bad])


def test_rows_made_a_column_at_a_time_are_the_rows_row_makes():
    """``RowWriter.rows`` (a column at a time, as ``rewrite`` writes a block) against ``row``, row
    by row: columns of one kind (the fast shapes) and of mixed kinds, blanks, ragged rows."""
    styles = xlsxstream.Styles(f'<styleSheet xmlns="{MAIN}"><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="49"/>'
                               '<xf numFmtId="14"/></cellXfs></styleSheet>'.encode())
    rng = random.Random(7)
    moment = dt.datetime(2026, 2, 2, 9, 30)
    kinds = [
        lambda: rng.choice(["名称", "plain", "x1"]),
        lambda: rng.choice(["名称", "a&b", " lead", "trail ", "", "<", "¤", "x¤ y", "\u3000全角", "tab\t", "\x01", "a>b"]),
        lambda: rng.choice([dt.date(2026, 1, 2), dt.date(1999, 12, 31)]),
        lambda: rng.choice([moment, dt.datetime(2026, 2, 2), dt.datetime(2026, 2, 3, 1, 2, 3)]),
        lambda: moment,
        lambda: rng.choice([0, 7, -3, 10 ** 20]),
        lambda: rng.choice([0.5, -1.25, 1e300, 3.0]),
        lambda: rng.choice([True, False, 1, "1", None]),
        lambda: None,
        lambda: rng.choice([None, "text", dt.date(2026, 3, 4), 2.5, dt.time(6), dt.timedelta(hours=36)]),
    ]
    for first, blanks, ragged in ((2, 0.3, True), (1000, 0.05, False), (99_999, 0, False), (7, 0, False), (8, 0, True)):
        columns = [rng.choice(kinds) for _ in range(12)]
        rows = [[None if rng.random() < blanks else make() for make in columns[: rng.randrange(0, 13) if ragged else 12]]
                for _ in range(300)]
        writer = xlsxstream.RowWriter(styles, {2: 1, 3: 2, 5: 2})
        expected = "".join(xlsxstream.RowWriter(styles, {2: 1, 3: 2, 5: 2}).row(r, values)
                           for r, values in enumerate(rows, start=first))
        assert writer.rows(first, rows) == expected
    assert xlsxstream._row_maker.cache_info().currsize  # rows of columns without blanks took the one-f-string way
    assert xlsxstream.RowWriter(styles, {}).rows(1, []) == "" == xlsxstream.RowWriter(styles, {}).rows(1, [[], [None]])
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            xlsxstream.RowWriter(styles, {}).rows(1, [[1.5], [bad]])
