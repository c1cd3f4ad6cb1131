"""A real Excel binary workbook (.xlsb) holding one of our templates, for tests.

No package writes .xlsb files that Excel and LibreOffice both read back, so the tests start
from a real one: ``tests/data/calamine_issues.xlsb`` (saved by Excel, with a VBA project; see
``tests/data/README.md``). ``template_xlsb`` keeps every part of it and rewrites only its sheet
「issue2」 (renamed) with the given rows, in Excel's own records (MS-XLSB 2.4): BrtWsDim, one
BrtRowHdr per row, BrtCellIsst (text, appended to the shared strings of
``xl/sharedStrings.bin``) and BrtCellReal (numbers). The other five sheets, the macros, the
styles and the defined names stay Excel's bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

REAL = Path(__file__).parent / "data" / "calamine_issues.xlsb"
SHEET_PART, SST_PART, BOOK_PART = "xl/worksheets/sheet2.bin", "xl/sharedStrings.bin", "xl/workbook.bin"
SHEET_NAME = "issue2"
BRT_ROW_HDR, BRT_CELL_REAL, BRT_CELL_ISST = 0x00, 0x05, 0x07
BRT_BEGIN_SHEET_DATA, BRT_END_SHEET_DATA, BRT_WS_DIM = 0x91, 0x92, 0x94
BRT_SST_ITEM, BRT_BEGIN_SST, BRT_BUNDLE_SH = 0x13, 0x9F, 0x9C


def records(data: bytes):
    """(record type, payload) of a BIFF12 stream."""
    at = 0
    while at < len(data):
        kind = data[at]
        at += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | (data[at] << 7)
            at += 1
        size = shift = 0
        for _ in range(4):
            byte = data[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        yield kind, data[at:at + size]
        at += size


def record(kind: int, payload: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, length = len(payload), b""
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            return head + length + payload


def wide(text: str) -> bytes:
    """An XLWideString: character count, UTF-16LE."""
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def template_xlsb(sheet: str, rows: list[list]) -> bytes:
    """``REAL`` with its sheet 「issue2」 renamed ``sheet`` and holding ``rows`` (str, int/float, None)."""
    with zipfile.ZipFile(REAL) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
        infos = src.infolist()
    strings = [p for k, p in records(parts[SST_PART]) if k == BRT_SST_ITEM]
    index = {}
    cells = []
    for r, row in enumerate(rows):
        width = max((c + 1 for c, v in enumerate(row) if v is not None), default=1)
        cells.append(record(BRT_ROW_HDR, struct.pack("<IIHBBBIII", r, 0, 0x12C, 0, 0, 0, 1, 0, width - 1)))
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                if value not in index:
                    index[value] = len(strings)
                    strings.append(b"\0" + wide(value))
                cells.append(record(BRT_CELL_ISST, struct.pack("<III", c, 0, index[value])))
            else:
                cells.append(record(BRT_CELL_REAL, struct.pack("<IId", c, 0, float(value))))
    width = max(len(r) for r in rows)
    sheet_out, inside = b"", False
    for kind, payload in records(parts[SHEET_PART]):
        if kind == BRT_WS_DIM:
            payload = struct.pack("<IIII", 0, len(rows) - 1, 0, width - 1)
        if kind == BRT_END_SHEET_DATA:
            inside = False
        elif inside:
            continue  # the old rows and cells
        sheet_out += record(kind, payload)
        if kind == BRT_BEGIN_SHEET_DATA:
            sheet_out += b"".join(cells)
            inside = True
    parts[SHEET_PART] = sheet_out
    parts[SST_PART] = (record(BRT_BEGIN_SST, struct.pack("<II", len(strings), len(strings)))
                       + b"".join(record(BRT_SST_ITEM, s) for s in strings) + record(0xA0))
    book = b""
    for kind, payload in records(parts[BOOK_PART]):
        if kind == BRT_BUNDLE_SH and payload.endswith(wide(SHEET_NAME)):
            payload = payload[: -len(wide(SHEET_NAME))] + wide(sheet)
        book += record(kind, payload)
    parts[BOOK_PART] = book
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            dst.writestr(info, parts[info.filename])
    return out.getvalue()
