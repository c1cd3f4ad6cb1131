"""Store Python's results as the cached values of formula cells in a saved .xlsx file.

openpyxl writes formulas without results (``<c r="H3"><f>…</f><v></v></c>``). Excel and
LibreOffice recalculate such cells when they open the file, but previews, calamine-based
readers (``credit_macros.io.read``) and ``openpyxl(data_only=True)`` show nothing. ``patch``
puts the values Python computed into the ``<v>`` elements, so every reader sees the same
result, and marks the workbook for a full recalculation on load (``fullCalcOnLoad``), so Excel
recomputes the live formulas (TODAY() moves on) instead of trusting the cached values.

Values: ``str`` → ``t="str"`` (text result; ``""`` is an empty text), ``bool`` → ``t="b"``,
``int``/``float`` → a number, ``datetime.date`` → its Excel serial number (1900 date system).
Only formula cells may be patched; a coordinate that is not a formula cell of the sheet
raises ``ValueError`` (a programming error, not a user error).

>>> import openpyxl, tempfile, pathlib, datetime
>>> wb = openpyxl.Workbook(); wb.active["A1"] = "=TODAY()"; wb.active["B1"] = '="x"'
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"; wb.save(path)
>>> patch(path, {"Sheet": {"A1": datetime.date(2026, 10, 8), "B1": "逾期"}})
>>> v = openpyxl.load_workbook(path, data_only=True).active
>>> v["A1"].value, v["B1"].value
(46303, '逾期')
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from credit_macros.table import EXCEL_EPOCH

_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?(?:/>|>.*?</f>)", re.S)
_TYPE = re.compile(rb'\st="[^"]*"')
_SHEET = re.compile(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"|<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_CALC = re.compile(rb"<calcPr\b[^>]*?/>")


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part inside the archive."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for m in _REL.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        targets[rid] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return {_unescape(name): targets[rid] for name, rid in _SHEET.findall(workbook)}


def _encode(value) -> tuple[bytes, bytes]:
    """(type attribute, <v> text) for a Python value."""
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, dt.datetime):
        raise TypeError("datetime cached values are not supported; pass a date")
    if isinstance(value, dt.date):
        return b"", str((value - EXCEL_EPOCH).days).encode()
    if isinstance(value, (int, float)):
        return b"", repr(value).encode()
    if isinstance(value, str):
        return b' t="str"', escape(value).encode("utf-8")
    raise TypeError(f"unsupported cached value {value!r}")


def patch_sheet_xml(xml: bytes, values: dict[str, object]) -> bytes:
    """``xml`` of one worksheet with the cached values of the formula cells in ``values`` set."""
    pending = dict(values)

    def replace(match: re.Match) -> bytes:
        coord = match.group(1).decode()
        if coord not in pending:
            return match.group(0)
        body = match.group(3) or b""
        formula = _FORMULA.search(body)
        if formula is None:
            raise ValueError(f"{coord} is not a formula cell")
        kind, text = _encode(pending.pop(coord))
        attrs = _TYPE.sub(b"", match.group(2))
        return b'<c r="' + match.group(1) + b'"' + attrs + kind + b">" + formula.group(0) + b"<v>" + text + b"</v></c>"

    out = _CELL.sub(replace, xml)
    if pending:
        raise ValueError(f"not formula cells of the sheet: {sorted(pending)[:5]}")
    return out


def full_calc_on_load(xml: bytes) -> bytes:
    """``xml`` of xl/workbook.xml asking for a full recalculation when the workbook is opened."""
    calc = _CALC.search(xml)
    if calc is None:
        return xml.replace(b"</workbook>", b'<calcPr fullCalcOnLoad="1"/></workbook>')
    if b"fullCalcOnLoad" in calc.group(0):
        return xml
    return xml[: calc.start()] + calc.group(0)[:-2] + b' fullCalcOnLoad="1"/>' + xml[calc.end():]


def patch(path: str | Path, values: dict[str, dict[str, object]]) -> None:
    """Rewrite the .xlsx at ``path`` with ``values`` = {sheet name: {coordinate: value}} cached."""
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        unknown = set(values) - set(parts)
        if unknown:
            raise ValueError(f"no such sheets: {sorted(unknown)}")
        by_part = {parts[name]: cells for name, cells in values.items() if cells}
        fd, tmp_name = tempfile.mkstemp(prefix=".~cached-", suffix=".xlsx", dir=path.parent)
        try:
            with open(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as out:
                for info in archive.infolist():
                    data = archive.read(info.filename)
                    if info.filename in by_part:
                        data = patch_sheet_xml(data, by_part[info.filename])
                    elif info.filename == "xl/workbook.xml":
                        data = full_calc_on_load(data)
                    out.writestr(info, data)
        except BaseException:
            Path(tmp_name).unlink()
            raise
    os.replace(tmp_name, path)
