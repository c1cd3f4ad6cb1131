"""What ``check --in-place`` and ``clear`` must give back exactly (issues 17.7 and 18.4): values
openpyxl changes on a round trip (1e308, serial 60 = Excel's phantom 1900-02-29, a date-formatted
2958466), formula results (cached values), a picture (openpyxl drops it without Pillow), sparklines
(x14 extension). Each item is compared in the package's own XML before and after.

These fail today: ``check --in-place`` still loads and saves the workbook with openpyxl. The
streaming in-place writer of issue 16.1 (changed parts only, every other part copied byte for
byte) makes them pass; then drop the ``xfail``."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib

import pytest
import xlsxwriter
from messy import ORG_CODE
from runcli import run

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


@pytest.mark.xfail(strict=True, reason="check --in-place still saves through openpyxl (issue 16.1 not done)")
def test_values_formula_results_pictures_and_sparklines_come_back_exactly(book):
    before = kept(book)
    assert before["media"] and before["sparklines"] and b"<v>42</v>" in before["cells"]["I2"]
    code, _, err = run("check", book, "--in-place", "--as-of", "2023-07-15")
    assert code == 1, err
    assert kept(book) == before
    code, _, err = run("clear", book)
    assert code == 0, err
    assert kept(book) == before
