"""What a file is comes from its content: encrypted .xls (FILEPASS), Excel 4.0, .ods, renamed
files, zips without a workbook and workbooks without sheets are each told as what they are."""

import json
import random
import re
import struct
import zipfile

import msoffcrypto
import olefile
import pytest
from lo import convert, needs_soffice
from runcli import run

from credit_macros import catalogue
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, unit_workbook
from credit_macros.io.intake import Incoming
from credit_macros.ribbon.vbaproject import write_compound_file

PERIOD = "2026-01"
UNIT = "开发建设部"


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


BOF8 = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))


def xor_obfuscated_xls() -> bytes:
    """A BIFF8 workbook whose globals carry FILEPASS with wEncryptionType 0 (XOR obfuscation):
    what Excel writes for "保护工作簿 → 用密码进行加密" when the file is saved as Excel 97-2003
    with the obfuscation option."""
    filepass = record(0x002F, struct.pack("<HHH", 0x0000, 0x8A3F, 0xC46B))  # type 0, key, verifier
    stream = BOF8 + filepass + record(0x000A)
    return write_compound_file({"Workbook": stream + b"\0" * (4096 - len(stream))})


def biff4_worksheet() -> bytes:
    """An Excel 4.0 worksheet (BIFF4): no OLE container, the BOF record 0x0409 first."""
    return record(0x0409, struct.pack("<HHH", 0, 0x0010, 1700)) + record(0x0004, b"\0" * 8) + record(0x000A)


def filled_book(config) -> bytes:
    rows = RowMaker(catalogue.template("水费"), UNIT, PERIOD, random.Random(3)).rows(3)
    rows[0][0] = ""  # a finding: 缴费主体名称 is required
    return unit_workbook(UNIT, PERIOD, config, {"水费": rows})


@pytest.fixture
def config():
    return load_config(None)


def check(path, *more):
    code, out, err = run("check", path, "--as-of", "2026-02-10", *more)
    return code, out, err.strip()


def test_xor_obfuscated_xls_is_said_to_be_password_protected(tmp_path):
    path = tmp_path / "报送.xls"
    path.write_bytes(xor_obfuscated_xls())
    with path.open("rb") as fh:
        assert msoffcrypto.OfficeFile(fh).is_encrypted()
    assert check(path) == (2, "", "错误：文件 报送.xls 有密码保护（旧版 .xls 的打开密码），无法读取。请去掉密码后再发：在 Excel 中"
                                  "“文件→信息→保护工作簿→用密码进行加密”，清空密码后另存为 .xlsx。")


def test_excel_4_file_is_said_to_be_very_old_with_how_to_resave(tmp_path):
    path = tmp_path / "旧表.xls"
    path.write_bytes(biff4_worksheet())
    assert check(path) == (2, "", "错误：文件 旧表.xls 是 Excel 4.0 的极旧格式（1990 年代初），本工具无法读取。请用 Excel 或 WPS 打开它，"
                                  "“另存为”Excel 工作簿（.xlsx）后再发（WPS 或较新的 Excel 打不开时，可先用 LibreOffice 打开再另存）。")


def test_mail_given_to_check_points_to_collect(tmp_path):
    path = tmp_path / "来信.eml"
    path.write_bytes(b"From: a@b\r\n\r\nhi")
    assert check(path) == (2, "", "错误：文件 来信.eml 是邮件，不是工作簿。邮件中的报送表请用 credit-macros collect 总台账.xlsx 来信.eml 汇总。")


def test_zip_without_workbook_and_workbook_without_sheets_are_not_usable_workbooks(tmp_path, config):
    empty_zip = tmp_path / "a.xlsx"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("readme.txt", "hello")
    assert check(empty_zip) == (2, "", "错误：文件 a.xlsx 是一个压缩包，里面没有工作簿，不是可用的 Excel 工作簿。请重新导出为 .xlsx 后再发。")
    no_sheets = tmp_path / "b.xlsx"
    src = tmp_path / "src.xlsx"
    src.write_bytes(filled_book(config))
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(no_sheets, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            out.writestr(info, re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data, flags=re.S)
                         if info.filename == "xl/workbook.xml" else data)
    expected = "文件 b.xlsx 中没有任何工作表，不是可用的 Excel 工作簿。请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿（.xlsx）后再发。"
    assert check(no_sheets) == (2, "", "错误：" + expected)
    item = Incoming("b.xlsx", no_sheets.read_bytes(), None, "m.eml")
    with pytest.raises(Exception) as caught:
        item.read()
    assert caught.value.message == expected  # the attachment's own name, never the temporary file's


def test_xlsx_renamed_xls_is_read_by_content_and_in_place_asks_for_the_right_extension(tmp_path, config):
    right = tmp_path / "报送.xlsx"
    right.write_bytes(filled_book(config))
    renamed = tmp_path / "报送.xls"
    renamed.write_bytes(right.read_bytes())
    code, out, _ = check(right, "--json")
    assert code == 1 and json.loads(out)["findings"]
    code2, out2, _ = check(renamed, "--json")
    assert (code2, json.loads(out2)["findings"]) == (code, json.loads(out)["findings"])
    before = renamed.read_bytes()
    assert check(renamed, "--in-place") == (2, "", "错误：文件 报送.xls 的内容是 .xlsx 工作簿，扩展名却是 .xls：请把扩展名改为 .xlsx 后再用 "
                                                    "--in-place（不带 --in-place 可以直接校验）。")
    assert renamed.read_bytes() == before


def test_other_files_are_named_for_what_they_are(tmp_path):
    cases = {"a.xlsx": (b"%PDF-1.4\n", "错误：文件 a.xlsx 是 PDF 文件，不是 Excel 工作簿，请发送 Excel 报送表（.xlsx）。"),
             "b.xls": (b"<html><table><tr><td>1</td></tr></table></html>",
                       "错误：文件 b.xls 是网页或 XML 文件（只是扩展名像 Excel），不能直接读取。请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿（.xlsx）后再发。"),
             "c.xlsx": (b"\x00\x01garbage", "错误：文件 c.xlsx 不是有效的 Excel 工作簿（内容不是 .xlsx、.xls、.xlsb、.ods 中的任何一种，"
                                            "可能已损坏或只是改了扩展名），请用 Excel 另存为 .xlsx 后重试。"),
             "d.xls": (write_compound_file({"WordDocument": b"\0" * 4096}),
                       "错误：文件 d.xls 是Word 文档，不是 Excel 工作簿，请发送 Excel 报送表（.xlsx）。")}
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert check(tmp_path / name) == (2, "", expected), name


@needs_soffice
def test_ods_is_read_like_the_xlsx_and_an_unknown_codepage_is_explained(tmp_path, config):
    """.ods (LibreOffice) is a read-only source: same findings as the .xlsx it came from. (No tool
    on this machine writes .xlsb — LibreOffice has no .xlsb export filter — so .xlsb, read by the
    same python-calamine path, is not tested with a real file.) An .xls whose CODEPAGE record
    names a code page calamine does not know is told in Chinese, calamine's text kept out."""
    src = tmp_path / "报送表.xlsx"
    src.write_bytes(filled_book(config))
    ods = convert(src, "ods", tmp_path / "ods")
    expected = json.loads(check(src, "--json")[1])
    code, out, _ = check(ods, "--json")
    assert code == 1
    assert [(f["cell"], f["message"]) for f in json.loads(out)["findings"]] == \
        [(f["cell"], f["message"]) for f in expected["findings"]]
    assert check(ods, "--in-place")[0] == 2

    xls = convert(src, "xls", tmp_path / "xls")
    with olefile.OleFileIO(str(xls), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        at = 0
        while int.from_bytes(stream[at:at + 2], "little") != 0x0042:  # CODEPAGE
            at += 4 + int.from_bytes(stream[at + 2:at + 4], "little")
        stream[at + 4:at + 6] = (0xD7D4).to_bytes(2, "little")
        ole.write_stream("Workbook", bytes(stream))
    code, out, err = check(xls)
    assert (code, out, err) == (2, "", "错误：文件 报送表.xls 使用了本工具不认识的字符编码（代码页），无法读取。"
                                       "请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿（.xlsx）后再发。")
