"""File adapter for ``check --in-place`` and ``clear``: paint marks into the workbook, take them
out again — as changed parts of the package, every other part copied byte for byte.

What changes (nothing else; ``xlsxstream.repack`` copies the rest still compressed):

* ``xl/styles.xml``: one solid ``<fill>`` per mark colour and, per (cell format, colour) in use,
  a copy of the cell's ``<xf>`` with that fill (number format, font, borders kept), plus two
  fonts and formats for 校验结果's header and links — all appended at the end of their lists;
* the marked rows of the checked sheets (streamed, ``xlsxstream.edit_rows``): the marked cells'
  ``s=`` attribute (a cell the sheet does not have is added, empty);
* notes: the sheet's comments part and legacy VML drawing (created, with their relationships,
  ``<legacyDrawing>`` and content types, when the sheet has none); a cell with a note of the
  user's gets ours in its place, with the user's text under it;
* two sheets of ours at the end: the hidden 「_校验标记」 and 「校验结果」 (one row per finding with
  a link to the cell, counts per sheet; printed landscape on A4, one page wide, header row
  repeated, sheet name and 第 &P 页 / 共 &N 页 in the footer).

「_校验标记」 says it is ours in A1 (``MARKER``) and records every change: each marked cell's
original ``s=`` and note (the ``<comment>`` and VML shape, verbatim), the sheets, parts,
relationships and styles we added. Before marking again, and on ``clear``, the record is played
back: cells still carrying our format get their own back, our notes give way to the user's, our
sheets and parts go. On a file no office program touched since, that gives every part back byte
for byte; after Excel saved it, the same steps work on what Excel wrote. A sheet is ours only
when the record names it: a user's own sheet named 校验结果 is never deleted.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from credit_macros.catalogue.rules import column_widths
from credit_macros.catalogue.sheets import BOOK_SHEET, OWN_SHEETS, RESULT_SHEET
from credit_macros.errors import UserError
from credit_macros.io.bounded import scan
from credit_macros.io.cached import sheet_parts
from credit_macros.io.read import WRITABLE, classify
from credit_macros.io.xlsxstream import STYLES_PART, RowWriter, Styles, column_styles, edit_rows, repack, text
from credit_macros.safeio import atomic_write, refuse_if_locked, refuse_if_read_only, target_of
from credit_macros.table import col_index, col_letter
from credit_macros.validate.findings import ERROR, WARNING, Report, result_rows
from credit_macros.validate.marks import AUTHOR, NOTE_TAG, marks_from

MARKER = "信用台账助手·校验标记：本表记录 check --in-place 改动过的单元格和部件，clear 与再次校验据此恢复原样，请勿修改"
BOOK_HEADER = ("类别", "工作表或部件", "单元格", "标记颜色", "原样", "现样", "原批注", "原批注图形", "原填充", "原批注作者")
CELL, SHEET, PART, REL, DRAWING, AUTHOR_ADDED, VML_TYPE, STYLE, NAMES, CHECK = (
    "单元格", "工作表", "新建部件", "关系", "批注图形", "批注作者", "VML类型", "样式", "名称表", "校验值")
# the record of the earlier, openpyxl-based writer: each cell's original fill (XML) and note text
EARLIER_HEADER = ("工作表", "单元格", "标记颜色", "原填充", "原批注", "原批注作者", "原批注宽", "原批注高")
ABSENT, NO_ROW = "无", "无行"  # 原样 of a cell the sheet did not have (in a row it had / did not have)
ORIGINAL_NOTE = "\n——原批注——\n"
LINK_COLOUR = "0563C1"
WIDTHS = {"序号": 8, "工作表": 18, "单元格": 10, "行": 8, "列": 24, "级别": 8, "说明": 90, **column_widths()}
FOOTER = "&amp;L&amp;A&amp;R第 &amp;P 页 / 共 &amp;N 页"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_WORKSHEET, REL_COMMENTS, REL_VML = (RELS_NS + "/worksheet", RELS_NS + "/comments", RELS_NS + "/vmlDrawing")

_REL = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*?/>")
_ATTRS = re.compile(rb'([\w:.-]+)="([^"]*)"')
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row\b[^>]*?/?>")
_CELL_TAG = re.compile(rb"<((?:[\w.-]+:)?)c\b([^>]*?)(/?)>")
_CELL_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_NO_REF = re.compile(rb'<(?:[\w.-]+:)?c(?![^>]*\sr=")[\s/>]')  # a cell start tag without r=
_S = re.compile(rb'\ss="([^"]*)"')
_COMMENT = re.compile(rb'<((?:[\w.-]+:)?)comment\b[^>]*?\sref="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</\1comment>)', re.S)
_AUTHOR_ID = re.compile(rb'\sauthorId="(\d+)"')
_AUTHORS = re.compile(rb"<((?:[\w.-]+:)?)authors\b[^>]*?(?:/>|>(.*?)</\1authors>)", re.S)
_AUTHOR = re.compile(rb"<(?:[\w.-]+:)?author\b[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?author>)", re.S)
_TEXT = re.compile(rb"<(?:[\w.-]+:)?t\b[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?t>)", re.S)
_PHONETIC = re.compile(rb"<(?:[\w.-]+:)?rPh\b.*?</(?:[\w.-]+:)?rPh>", re.S)
_SHAPE = re.compile(rb"<((?:[\w.-]+:)?)shape\b.*?</\1shape>", re.S)
_SHAPE_ID = re.compile(rb'\sid="_x0000_s(\d+)"')
_IDMAP = re.compile(rb'<(?:[\w.-]+:)?idmap\b[^>]*?\sdata="([\d,\s]*)"')
_ROW_COL = re.compile(rb"<(?:[\w.-]+:)?Row>(\d+)</(?:[\w.-]+:)?Row>.*?<(?:[\w.-]+:)?Column>(\d+)</(?:[\w.-]+:)?Column>", re.S)
_LEGACY = re.compile(rb"<(?:[\w.-]+:)?legacyDrawing\b[^>]*?/>")
_AFTER_LEGACY = re.compile(rb"<(?:[\w.-]+:)?(?:legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems"
                           rb"|tableParts|extLst)\b|</(?:[\w.-]+:)?worksheet>")
_WORKSHEET = re.compile(rb"<((?:[\w.-]+:)?)worksheet\b([^>]*)>")
_SHEET_ENTRY = re.compile(rb"<(?:[\w.-]+:)?sheet\b[^>]*?/>")
_SHEETS_CLOSE = re.compile(rb"</((?:[\w.-]+:)?)sheets>")
_DEFINED = re.compile(rb"<((?:[\w.-]+:)?)definedName\b([^>]*)>(.*?)</\1definedName>", re.S)
_DEFINED_NAMES = re.compile(rb"<((?:[\w.-]+:)?)definedNames\b[^>]*>(.*?)</\1definedNames>", re.S)
_LOCAL = re.compile(rb'\slocalSheetId="(\d+)"')
_OVERRIDE = re.compile(rb"<(?:[\w.-]+:)?Override\b[^>]*?/>")
_DEFAULT_VML = re.compile(rb'<(?:[\w.-]+:)?Default\b[^>]*?Extension="vml"[^>]*?/>', re.I)
_STYLESHEET = re.compile(rb"<([\w.-]+:)?styleSheet\b")
_XF = re.compile(rb"<((?:[\w.-]+:)?)xf\b[^>]*?(?:/>|>.*?</\1xf>)", re.S)
_FILL = re.compile(rb"<((?:[\w.-]+:)?)fill\b[^>]*?(?:/>|>.*?</\1fill>)", re.S)
_FONT = re.compile(rb"<((?:[\w.-]+:)?)font\b[^>]*?(?:/>|>.*?</\1font>)", re.S)
_VML_DEFAULT = b'<Default Extension="vml" ContentType="' + VML_CONTENT.encode() + b'"/>'


def ensure_writable(path: Path) -> None:
    """Refuse, before anything is read or written, files we cannot mark: unreadable ones, .xls,
    read-only files and workbooks Excel or WPS holds open."""
    kind, problem = classify(path)
    if problem:
        raise UserError(problem)
    if kind != "xlsx":
        what = {"xls": "旧版 .xls", "xlsb": "Excel 二进制（.xlsb）", "ods": "OpenDocument（.ods）"}[kind]
        raise UserError(f"文件 {path.name} 是{what}格式，只能读取，写入标记需要 .xlsx：请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再运行"
                        "（校验时不带 --in-place 可以只查看结果）。")
    if path.suffix.lower() not in WRITABLE:
        raise UserError(f"文件 {path.name} 的内容是 .xlsx 工作簿，扩展名却是 {path.suffix or '（无）'}：请把扩展名改为 .xlsx 后再用 --in-place"
                        "（不带 --in-place 可以直接校验）。")
    refuse_if_read_only(target_of(path))
    refuse_if_locked(path)


# ---------------------------------------------------------------- small XML helpers

def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return dict(_ATTRS.findall(tag))


def _unescape(data: bytes) -> str:
    value = data.decode("utf-8")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&#13;", "\r"), ("&#10;", "\n")):
        value = value.replace(entity, char)
    return value.replace("&amp;", "&")


def _attr(value: str) -> bytes:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;"}).encode()


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _target(part: str, target: bytes) -> str:
    target = target.decode()
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _relative(part: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(part))


def _set_attr(tag: bytes, name: bytes, value: bytes) -> bytes:
    """``tag`` (a start tag) with attribute ``name`` set to ``value`` (added after the element name)."""
    found = re.search(rb"\s" + re.escape(name) + rb'="[^"]*"', tag)
    if found:
        return tag[: found.start()] + b" %s=\"%s\"" % (name, value) + tag[found.end():]
    at = re.match(rb"<[\w.:-]+", tag).end()
    return tag[:at] + b" %s=\"%s\"" % (name, value) + tag[at:]


class _Package:
    """The package being marked: small parts read on demand, their new content kept until written."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.archive, self.name = archive, name
        self.parts: dict[str, bytes | None] = {}
        self.taken = {n.lower() for n in archive.namelist()}

    def read(self, part: str) -> bytes | None:
        if part in self.parts:
            return self.parts[part]
        if part not in self.archive.NameToInfo:
            return None
        try:
            return self.archive.read(part)
        except Exception as exc:  # noqa: BLE001 - a damaged member: refuse in Chinese
            raise UserError(f"文件 {self.name} 的部件 {part} 已损坏，无法写入标记，原文件未改动。请用 Excel 打开后另存为 .xlsx 再试。",
                            detail=f"{type(exc).__name__}: {exc}")

    def put(self, part: str, data: bytes | None) -> None:
        self.parts[part] = data
        if data is None:
            self.taken.discard(part.lower())  # a part we remove: its name is free for one we add
        else:
            self.taken.add(part.lower())

    def new_name(self, pattern: str) -> str:
        n = 1
        while pattern.format(n).lower() in self.taken:
            n += 1
        self.taken.add(pattern.format(n).lower())
        return pattern.format(n)

    def exists(self, part: str) -> bool:
        return self.read(part) is not None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part) of ``part``."""
        data = self.read(_rels_of(part)) or b""
        found = {}
        for m in _REL.finditer(data):
            a = _attrs(m.group(0))
            if a.get(b"TargetMode") != b"External" and b"Id" in a and b"Target" in a:
                found[a[b"Id"].decode()] = (a.get(b"Type", b"").decode(), _target(part, a[b"Target"]))
        return found

    def add_rel(self, part: str, kind: str, target: str) -> tuple[str, bool]:
        """Add a relationship from ``part`` to ``target``; returns its id and whether the rels part is new."""
        rels_part = _rels_of(part)
        data = self.read(rels_part)
        created = data is None
        if created:
            data = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                    b'http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
        used = {_attrs(m.group(0)).get(b"Id", b"").decode() for m in _REL.finditer(data)}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        rid = f"rId{n}"
        close = data.rindex(b"</")
        prefix = re.match(rb"</([\w.-]+:)?", data[close:]).group(1) or b""
        entry = b'<%sRelationship Id="%s" Type="%s" Target="%s"/>' % (prefix, rid.encode(), kind.encode(),
                                                                     _relative(part, target).encode())
        self.put(rels_part, data[:close] + entry + data[close:])
        return rid, created

    def drop_rel(self, part: str, rid: str) -> None:
        rels_part = _rels_of(part)
        data = self.read(rels_part)
        if data is None:
            return
        data = _REL.sub(lambda m: b"" if _attrs(m.group(0)).get(b"Id", b"").decode() == rid else m.group(0), data)
        self.put(rels_part, data)

    def add_override(self, part: str, kind: str) -> None:
        data = self.read(TYPES)
        close = data.rindex(b"</")
        self.put(TYPES, data[:close] + b'<Override PartName="/%s" ContentType="%s"/>' % (part.encode(), kind.encode())
                 + data[close:])

    def drop_override(self, part: str) -> None:
        data = self.read(TYPES)
        name = ("/" + part).lower().encode()
        self.put(TYPES, _OVERRIDE.sub(lambda m: b"" if _attrs(m.group(0)).get(b"PartName", b"").lower() == name
                                      else m.group(0), data))


# ---------------------------------------------------------------- the record (「_校验标记」)

@dataclass
class _Record:
    # (sheet, ref) → (colour, original s=, our s=, the user's <comment>, its VML shape, the original <fill>, the note's author)
    cells: dict[tuple[str, str], tuple] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    rels: list[tuple[str, str]] = field(default_factory=list)  # (part, relationship id)
    drawings: list[tuple[str, str]] = field(default_factory=list)  # (sheet part, relationship id)
    authors: list[str] = field(default_factory=list)  # comments parts we appended our author to
    vml_type: bool = False
    styles: list[tuple[str, str, str]] = field(default_factory=list)  # (open tag before, open tag after, appended)
    names: str | None = None  # the workbook's <definedNames> before we added print titles ("" when it had none)
    forged: bool = False  # a 「_校验标记」 without our marker: nothing in it is trusted, marking replaces it
    checks: list[tuple[str, str]] = field(default_factory=list)  # (part we wrote, its CRC-32 in hex)

    def rows(self) -> list[list]:
        rows = [[MARKER], list(BOOK_HEADER)]
        rows += [[SHEET, name] for name in self.sheets]
        rows += [[PART, part] for part in self.parts]
        rows += [[REL, part, rid] for part, rid in self.rels]
        rows += [[DRAWING, part, rid] for part, rid in self.drawings]
        rows += [[AUTHOR_ADDED, part] for part in self.authors]
        rows += [[VML_TYPE, "vml"]] if self.vml_type else []
        rows += [[NAMES, "", "", "", self.names or ABSENT]] if self.names is not None else []
        rows += [[CHECK, part, crc] for part, crc in self.checks]
        rows += [[STYLE, "", "", "", before, after, added] for before, after, added in self.styles]
        rows += [[CELL, sheet, ref, *entry] for (sheet, ref), entry in self.cells.items()]
        return rows


def _sheet_values(package: _Package, part: str) -> dict[int, dict[int, str]]:
    """Row → column → text of a worksheet part (inline strings as we write them; shared strings
    and plain values as an office program may save them)."""
    data = package.read(part)
    shared = None
    rows: dict[int, dict[int, str]] = {}
    for cell in ET.fromstring(data).iter(f"{{{MAIN}}}c"):
        m = re.fullmatch(r"([A-Z]+)(\d+)", cell.get("r", ""))
        if m is None:
            continue
        kind = cell.get("t")
        if kind == "inlineStr":
            value = "".join(t.text or "" for t in cell.iter(f"{{{MAIN}}}t"))
        else:
            v = cell.find(f"{{{MAIN}}}v")
            value = v.text or "" if v is not None else ""
            if kind == "s":
                if shared is None:
                    root = ET.fromstring(package.read("xl/sharedStrings.xml") or b"<sst/>")
                    shared = ["".join(t.text or "" for t in si.iter(f"{{{MAIN}}}t") if True) for si in root]
                value = shared[int(value)] if value.isdigit() and int(value) < len(shared) else ""
        rows.setdefault(int(m.group(2)), {})[col_index(m.group(1)) + 1] = value
    return rows


def _read_record(package: _Package, parts: dict[str, str]) -> _Record | None:
    """Our record, or None when the workbook has none. Every value is checked (the sheet may come
    from anyone); a sheet of that name without our marker gives an empty, ``forged`` record."""
    if BOOK_SHEET not in parts:
        return None
    try:
        values = _sheet_values(package, parts[BOOK_SHEET])
    except (ET.ParseError, UnicodeDecodeError, KeyError, TypeError):
        values = {}
    if values.get(1, {}).get(1) != MARKER:
        if tuple(values.get(1, {}).get(c, "") for c in range(1, len(EARLIER_HEADER) + 1)) == EARLIER_HEADER:
            return _earlier_record(values, parts)
        return _Record(forged=True)
    record = _Record()
    for r in sorted(values)[2:] if len(values) > 2 else ():
        row = [values[r].get(c, "") for c in range(1, len(BOOK_HEADER) + 1)]
        kind, name, ref, colour, orig, mark, note, shape, fill, author = row
        if kind == CELL and name in parts and re.fullmatch(r"[A-Z]{1,3}\d{1,7}", ref) and mark.isdigit() \
                and (orig.isdigit() or orig in ("", ABSENT, NO_ROW)) and re.fullmatch(r"[0-9A-F]{6}", colour):
            record.cells[(name, ref)] = (colour, orig, mark, note, shape, fill, author)
        elif kind == SHEET and name in parts and name in OWN_SHEETS:
            record.sheets.append(name)
        elif kind == PART and name:
            record.parts.append(name)
        elif kind == REL and name and ref:
            record.rels.append((name, ref))
        elif kind == DRAWING and name and ref:
            record.drawings.append((name, ref))
        elif kind == AUTHOR_ADDED and name:
            record.authors.append(name)
        elif kind == VML_TYPE:
            record.vml_type = True
        elif kind == NAMES and re.fullmatch(r"<(?:[\w.-]+:)?definedNames\s*/>|" + ABSENT, orig):
            record.names = "" if orig == ABSENT else orig
        elif kind == STYLE and orig and mark:
            record.styles.append((orig, mark, note))
        elif kind == CHECK and name and re.fullmatch(r"[0-9a-f]{8}", ref):
            record.checks.append((name, ref))
    return record


def _earlier_record(values: dict[int, dict[int, str]], parts: dict[str, str]) -> _Record:
    """The record the earlier, openpyxl-based writer left (``EARLIER_HEADER``), as ours: its
    校验结果 goes, each marked cell gets its fill and note back (by colour and author: that
    writer renumbered everything when it saved)."""
    record = _Record(sheets=[RESULT_SHEET] if RESULT_SHEET in parts else [])
    for r in sorted(values)[1:]:
        sheet, ref, colour, fill, note, author = (values[r].get(c, "") for c in range(1, 7))
        if sheet in parts and re.fullmatch(r"[A-Z]{1,3}\d{1,7}", ref) and re.fullmatch(r"[0-9A-F]{6}", colour):
            element = _comment_xml(ref, 0, note).decode() if note else ""
            record.cells[(sheet, ref)] = (colour, "", "-", element, "", fill, author)
    return record


def _not_ours(name: str, sheet: str) -> UserError:
    return UserError(f"文件 {name} 中已有名为「{sheet}」的工作表，但不是 check --in-place 生成的（可能是您自己建的，或由“信用台账”选项卡生成），"
                     f"为免误删，没有写入标记，原文件未改动。请把该工作表改名（选项卡生成的请先点“清除标记”）后再运行。")


# ---------------------------------------------------------------- styles

class _MarkStyles:
    """``xl/styles.xml`` with what marks need appended: a fill per colour, a copy of a cell
    format per (format, colour), the bold and link formats of 校验结果."""

    def __init__(self, xml: bytes, where: str):
        self.xml = xml
        root = _STYLESHEET.search(xml)
        self.prefix = (root.group(1) if root else b"") or b""
        self.sections = {}
        for name in (b"fonts", b"fills", b"cellXfs"):
            m = re.search(rb"<" + re.escape(self.prefix + name) + rb"\b[^>]*>(.*?)</" + re.escape(self.prefix + name) + rb">",
                          xml, re.S)
            if m is None:
                raise UserError(f"{where}的单元格格式（xl/styles.xml）缺少 <{name.decode()}>，无法写入标记，原文件未改动。"
                                "请用 Excel 打开后另存为 .xlsx 再试。")
            self.sections[name] = m
        self.xfs = [m.group(0) for m in _XF.finditer(self.sections[b"cellXfs"].group(1))]
        self.fills = [m.group(0) for m in _FILL.finditer(self.sections[b"fills"].group(1))]
        self.counts = {b"fonts": len(_FONT.findall(self.sections[b"fonts"].group(1))), b"fills": len(self.fills),
                       b"cellXfs": len(self.xfs)}
        self.added: dict[bytes, list[bytes]] = {name: [] for name in self.sections}
        self.cache: dict[tuple, int] = {}
        self.kept = False  # formats added to give cells their own fill back after an office program saved the file

    def _add(self, section: bytes, element: bytes) -> int:
        self.added[section].append(element.replace(b"<", b"<" + self.prefix).replace(b"<" + self.prefix + b"/", b"</" + self.prefix))
        return self.counts[section] + len(self.added[section]) - 1

    def _bare(self, element: bytes) -> bytes:
        return re.sub(rb"<(/?)" + re.escape(self.prefix), rb"<\1", element) if self.prefix else element

    @lru_cache(maxsize=None)  # noqa: B019 - one styles object per run
    def fill_of(self, xf: int) -> str:
        """The ``<fill>`` element of cell format ``xf`` (without namespace prefix)."""
        element = self.xfs[xf] if 0 <= xf < len(self.xfs) else b""
        fill = _attrs(re.match(rb"<[^>]*>", element).group(0)).get(b"fillId", b"0") if element else b"0"
        n = int(fill) if fill.isdigit() else 0
        return self._bare(self.fills[n]).decode() if n < len(self.fills) else ""

    def is_mark(self, xf: int, colour: str) -> bool:
        """Whether cell format ``xf`` fills solid in ``colour`` (as our marks do)."""
        fill = self.fill_of(xf)
        return 'patternType="solid"' in fill and re.search(r'<fgColor\b[^>]*rgb="[0-9A-Fa-f]{0,2}%s"' % colour, fill, re.I) is not None

    def _fill(self, element: bytes) -> int:
        for i, fill in enumerate(self.fills):
            if self._bare(fill) == element:
                return i
        key = ("fill", element)
        if key not in self.cache:
            self.cache[key] = self._add(b"fills", element)
        return self.cache[key]

    def with_fill(self, base: int, fill: bytes) -> int:
        """The format of a cell of format ``base`` with the ``<fill>`` element ``fill``."""
        base = base if 0 <= base < len(self.xfs) else 0
        key = (base, fill)
        if key not in self.cache:
            xf = self.xfs[base] if self.xfs else b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            end = re.match(rb"<[^>]*?(/?)>", xf)
            tag = _set_attr(_set_attr(end.group(0), b"fillId", str(self._fill(fill)).encode()), b"applyFill", b"1")
            self.cache[key] = self._add(b"cellXfs", self._bare(tag + xf[end.end():]))
        return self.cache[key]

    def mark(self, base: int, colour: str) -> int:
        """The format of a cell of format ``base`` marked in ``colour``."""
        return self.with_fill(base, b'<fill><patternFill patternType="solid"><fgColor rgb="FF%s"/><bgColor indexed="64"/>'
                                    b'</patternFill></fill>' % colour.encode())

    def unmark(self, xf: int, fill: str) -> int:
        """Cell format ``xf`` (one of our marks, renumbered by an office program) with the cell's own fill again."""
        self.kept = True
        return self.with_fill(xf, fill.encode() if fill.startswith("<fill") else self._bare(self.fills[0] if self.fills else b"<fill/>"))

    def font(self, kind: str) -> int:
        """A format with the workbook's first font made bold (``"bold"``) or a blue underlined link."""
        key = ("font", kind)
        if key not in self.cache:
            first = _FONT.search(self.sections[b"fonts"].group(1))
            inner = re.sub(rb"^<[^>]*?>|</[^>]*>$", b"", first.group(0)) if first and not first.group(0).endswith(b"/>") else b""
            if self.prefix:
                inner = re.sub(rb"<(/?)" + re.escape(self.prefix), rb"<\1", inner)
            if kind == "bold":
                inner = b"<b/>" + re.sub(rb"<b\b[^>]*/>", b"", inner)
            else:
                inner = b'<u/><color rgb="FF%s"/>' % LINK_COLOUR.encode() + re.sub(rb"<(?:u|color)\b[^>]*/>", b"", inner)
            font = self._add(b"fonts", b"<font>" + inner + b"</font>")
            self.cache[key] = self._add(b"cellXfs", b'<xf numFmtId="0" fontId="%d" fillId="0" borderId="0" xfId="0" '
                                                    b'applyFont="1"/>' % font)
        return self.cache[key]

    def result(self, record: _Record) -> bytes | None:
        """The new styles part (None when nothing was added); what was appended goes into ``record``."""
        if not any(self.added.values()):
            return None
        if self.kept:
            record = _Record()  # cells use some of what was added: it stays, whatever clear does
        xml, shift = self.xml, 0
        for name in (b"fonts", b"fills", b"cellXfs"):  # the order they appear in a stylesheet
            if not self.added[name]:
                continue
            m = self.sections[name]
            open_tag = re.match(rb"<[^>]*>", xml[m.start() + shift:]).group(0)
            count = str(self.counts[name] + len(self.added[name])).encode()
            new_tag = _set_attr(open_tag, b"count", count) if b"count=" in open_tag else open_tag
            added = b"".join(self.added[name])
            start, end = m.start() + shift, m.end(1) + shift
            xml = xml[:start] + new_tag + xml[start + len(open_tag): end] + added + xml[end:]
            shift += len(new_tag) - len(open_tag) + len(added)
            record.styles.append((open_tag.decode(), new_tag.decode(), added.decode()))
        return xml


def _unstyle(xml: bytes, record: _Record) -> bytes:
    """``xml`` with the styles of ``record`` taken out again — all of them, and only when each is
    still there exactly as we wrote it (an office program that saved the file renumbers them)."""
    original = xml
    for before, after, added in reversed(record.styles):
        b, a, added_b = before.encode(), after.encode(), added.encode()
        start = xml.find(a)
        name = re.match(rb"<([\w.:-]+)", a).group(1) if start >= 0 else b""
        close = xml.find(b"</" + name + b">", start) if start >= 0 else -1
        if close < 0 or xml[close - len(added_b): close] != added_b:
            return original
        xml = xml[:start] + b + xml[start + len(a): close - len(added_b)] + xml[close:]
    return xml


# ---------------------------------------------------------------- notes

@dataclass
class _Notes:
    """The notes of one sheet: its comments part and VML drawing, changed in memory."""

    comments_part: str | None = None
    vml_part: str | None = None
    comments: bytes | None = None
    vml: bytes | None = None
    author: int | None = None  # index of our author in the comments part
    next_shape: int = 0


def _comment_text(element: bytes) -> str:
    body = _PHONETIC.sub(b"", element)
    return "".join(_unescape(m.group(1) or b"") for m in _TEXT.finditer(body))


def _authors(comments: bytes) -> list[str]:
    m = _AUTHORS.search(comments)
    return [_unescape(a.group(1) or b"") for a in _AUTHOR.finditer(m.group(2) or b"")] if m else []


def _add_authors(comments: bytes, names: list[str]) -> bytes:
    """``comments`` with ``names`` appended to its ``<authors>``."""
    m = _AUTHORS.search(comments)
    if not names or m is None:
        return comments
    prefix = m.group(1)
    entries = b"".join(b"<%sauthor>%s</%sauthor>" % (prefix, text(n).encode(), prefix) for n in names)
    whole = m.group(0)
    new = (b"<%sauthors>%s</%sauthors>" % (prefix, entries, prefix) if whole.endswith(b"/>")
           else whole[: whole.rindex(b"</")] + entries + whole[whole.rindex(b"</"):])
    return comments[: m.start()] + new + comments[m.end():]


def _author_of(comment: bytes, names: list[str]) -> str:
    found = _AUTHOR_ID.search(comment)
    n = int(found.group(1)) if found else -1
    return names[n] if 0 <= n < len(names) else ""


def _comment_xml(ref: str, author: int, note: str) -> bytes:
    return (b'<comment ref="%s" authorId="%d"><text><t xml:space="preserve">%s</t></text></comment>'
            % (ref.encode(), author, text(note).encode()))


def _shape_xml(shape_id: int, row: int, col: int, note: str) -> bytes:
    """A hidden note box for 1-based ``row`` and 0-based ``col``, sized for the note's lines."""
    height = max(80, 20 * note.count("\n") + 40)
    return (f'<v:shape {VML_NAMESPACES} id="_x0000_s{shape_id}" type="#_x0000_t202" alt="{AUTHOR}" style="position:absolute;'
            f'margin-left:80pt;margin-top:2pt;width:320pt;height:{height}pt;z-index:1;visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col + 1}, 15, {max(row - 2, 0)}, 10, {col + 6}, 15, {row + 4}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row - 1}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>").encode()


VML_NAMESPACES = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                  'xmlns:x="urn:schemas-microsoft-com:office:excel"')  # on each shape: a drawing may bind other prefixes


def _vml(block: int) -> bytes:
    return (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            b'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
            b'data="%d"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
            b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" '
            b'o:connecttype="rect"/></v:shapetype></xml>' % block)


def _shapes_at(vml: bytes) -> dict[tuple[int, int], re.Match]:
    found = {}
    for m in _SHAPE.finditer(vml):
        rc = _ROW_COL.search(m.group(0))
        if rc and re.search(rb'ObjectType="Note"', m.group(0)):
            found[(int(rc.group(1)) + 1, int(rc.group(2)))] = m
    return found


def _comments_at(comments: bytes) -> dict[str, re.Match]:
    return {m.group(2).decode(): m for m in _COMMENT.finditer(comments)}


def _closing(data: bytes, name: bytes) -> bytes:
    m = re.search(rb"</((?:[\w.-]+:)?)" + name + rb">", data)
    return m.group(0) if m else b"</" + name + b">"


def _ours(notes: _Notes, comment: re.Match | None) -> bool:
    """Whether a note is one of ours: by its author, or by the tag it starts with (an office
    program may drop the author when it saves)."""
    if comment is None:
        return False
    author = _AUTHOR_ID.search(comment.group(0))
    if author is not None and notes.author is not None and int(author.group(1)) == notes.author:
        return True
    return _comment_text(comment.group(0)).startswith(NOTE_TAG.split("{")[0])


# ---------------------------------------------------------------- one marking or clearing

@dataclass
class _SheetPlan:
    name: str
    part: str
    restore: dict[int, dict[int, tuple]] = field(default_factory=dict)  # row → col → recorded entry
    marks: dict[int, dict[int, object]] = field(default_factory=dict)  # row → col → Mark
    drop_drawing: str | None = None  # relationship id of a <legacyDrawing> to remove
    add_drawing: str | None = None  # relationship id of a <legacyDrawing> to add
    notes: _Notes | None = None
    original_notes: dict = field(default_factory=dict)  # (row, col) → (the user's <comment>, VML shape) under our mark


class _Marking:
    def __init__(self, path: Path, archive: zipfile.ZipFile):
        self.path = path
        self.package = _Package(archive, path.name)
        try:
            self.parts = sheet_parts(archive)
        except (KeyError, UnicodeDecodeError) as exc:
            raise UserError(f"文件 {path.name} 内部结构有损坏（缺少工作簿目录），无法写入标记，原文件未改动。请用 Excel 打开后另存为 .xlsx 再试。",
                            detail=f"{type(exc).__name__}: {exc}")
        self.old = _read_record(self.package, self.parts)
        self.record = _Record()
        self.plans: dict[str, _SheetPlan] = {}
        self.styles_xml = self.package.read(STYLES_PART)
        if self.styles_xml is None:
            raise UserError(f"文件 {path.name} 中缺少 {STYLES_PART}（单元格格式），无法写入标记，原文件未改动。请用 Excel 打开另存后重试。")

    def plan(self, sheet: str) -> _SheetPlan:
        if sheet not in self.plans:
            self.plans[sheet] = _SheetPlan(sheet, self.parts[sheet])
        return self.plans[sheet]

    # -------------------------------------------------- taking the old marks out
    def restore(self) -> None:
        old = self.old
        package = self.package
        for name in dict.fromkeys([*old.sheets, BOOK_SHEET]):
            self._drop_sheet(name)
        for (sheet, ref), entry in old.cells.items():
            row, col = _split(ref)
            self.plan(sheet).restore.setdefault(row, {})[col] = entry
        for sheet in {s for s, _ in old.cells}:
            self._unnote(sheet)
        if not self._intact():  # an office program saved the file: its parts are its own now, only our notes go
            return self._forget()
        for part, rid in old.drawings:
            sheet = next((s for s, p in self.parts.items() if p == part), None)
            if sheet is not None:
                self.plan(sheet).drop_drawing = rid
        for part, rid in old.rels:
            package.drop_rel(part, rid)
        for part in old.authors:
            comments = package.read(part)
            if comments is not None:
                package.put(part, re.sub(rb"<((?:[\w.-]+:)?)author>" + re.escape(text(AUTHOR).encode()) + rb"</\1author>(</(?:[\w.-]+:)?authors>)",
                                         rb"\2", comments, count=1))
        user_sheets = {p for s, p in self.parts.items() if s not in old.sheets and s != BOOK_SHEET}
        for part in old.parts:  # comments, drawings and relationship parts we created (never a sheet or styles)
            if part != STYLES_PART and part not in user_sheets and package.exists(part):
                package.put(part, None)
                package.drop_override(part)
        if old.vml_type and not any(n.lower().endswith(".vml") and package.exists(n) for n in package.archive.namelist()):
            package.put(TYPES, package.read(TYPES).replace(_VML_DEFAULT, b"", 1))
        self._forget()

    def _intact(self) -> bool:
        """Whether every part we wrote is still as we left it (no office program saved the file since)."""
        infos = self.package.archive.NameToInfo
        return bool(self.old.checks) and all(part in infos and f"{infos[part].CRC:08x}" == crc for part, crc in self.old.checks)

    def _forget(self) -> None:
        self.styles_xml = _unstyle(self.styles_xml, self.old)
        for name in dict.fromkeys([*self.old.sheets, BOOK_SHEET]):
            del self.parts[name]
        for plan in self.plans.values():
            plan.notes = None  # read again: the parts changed

    def sealed(self) -> list[list]:
        """Our record's rows, with the CRC-32 of each part we wrote (to know later whether they are still as we left them)."""
        self.record.checks = [(part, f"{zlib.crc32(data):08x}") for part, data in self.package.parts.items() if data is not None]
        return self.record.rows()

    def _drop_sheet(self, name: str) -> None:
        """Remove our sheet ``name`` from the workbook: its entry, print titles, relationship, part."""
        package = self.package
        workbook = package.read(WORKBOOK)
        entries = list(_SHEET_ENTRY.finditer(workbook))
        index = next((i for i, m in enumerate(entries) if _unescape(_attrs(m.group(0)).get(b"name", b"")) == name), None)
        if index is None:
            return
        entry = entries[index]
        rid = next((v.decode() for k, v in _attrs(entry.group(0)).items() if k.endswith(b":id")), None)
        workbook = workbook[: entry.start()] + workbook[entry.end():]

        def defined(m: re.Match) -> bytes:
            local = _LOCAL.search(m.group(2))
            if local is None or int(local.group(1)) < index:
                return m.group(0)
            if int(local.group(1)) == index:
                return b""
            return m.group(0).replace(local.group(0), b' localSheetId="%d"' % (int(local.group(1)) - 1), 1)

        workbook = _DEFINED.sub(defined, workbook)
        original = (self.old.names if self.old else None) or ""
        workbook = re.sub(rb"<((?:[\w.-]+:)?)definedNames\b[^>]*>\s*</\1definedNames>", original.encode(), workbook)
        package.put(WORKBOOK, workbook)
        if rid:
            package.drop_rel(WORKBOOK, rid)
        part = self.parts[name]
        package.put(part, None)
        package.drop_override(part)
        if package.exists(_rels_of(part)):
            package.put(_rels_of(part), None)

    def _notes(self, sheet: str) -> _Notes:
        plan = self.plan(sheet)
        if plan.notes is not None:
            return plan.notes
        notes = _Notes()
        rels = self.package.rels(plan.part)
        for rid, (kind, target) in rels.items():
            if kind == REL_COMMENTS and self.package.exists(target):
                notes.comments_part, notes.comments = target, self.package.read(target)
        vmls = {rid: target for rid, (kind, target) in rels.items() if kind == REL_VML and self.package.exists(target)}
        if len(vmls) > 1:  # header/footer pictures are VML too: the note drawing is the one <legacyDrawing> names
            tail = _tail(self.package.archive, plan.part)
            legacy = _LEGACY.search(tail)
            rid = next((v.decode() for k, v in _attrs(legacy.group(0)).items() if k.endswith(b":id")), None) if legacy else None
            vmls = {rid: vmls[rid]} if rid in vmls else {}
        if vmls:
            notes.vml_part = next(iter(vmls.values()))
            notes.vml = self.package.read(notes.vml_part)
        if notes.comments is not None:
            names = _authors(notes.comments)
            notes.author = names.index(AUTHOR) if AUTHOR in names else None
        if notes.vml is not None:
            notes.next_shape = max((int(i) for i in _SHAPE_ID.findall(notes.vml)), default=0) + 1
        plan.notes = notes
        return notes

    def _unnote(self, sheet: str) -> None:
        """Our notes of ``sheet`` give way to what the cells had before."""
        notes = self._notes(sheet)
        if notes.comments is None:
            return
        comments = _comments_at(notes.comments)
        shapes = _shapes_at(notes.vml) if notes.vml is not None else {}
        edits_c, edits_v = [], []
        names = _authors(notes.comments)
        known = len(names)
        for (s, ref), (_colour, _orig, _mark, note, shape, _fill, author) in self.old.cells.items():
            if s != sheet or not _ours(notes, comments.get(ref)):
                continue
            element = note.encode()
            if note and _author_of(element, names) != author:  # authors renumbered by an office program
                if author not in names:
                    names.append(author)
                element = _AUTHOR_ID.sub(b' authorId="%d"' % names.index(author), element, count=1)
            edits_c.append((comments[ref], element))
            row, col = _split(ref)
            if (row, col - 1) in shapes:
                edits_v.append((shapes[(row, col - 1)], shape.encode()))
        notes.comments = _add_authors(_splice(notes.comments, edits_c), names[known:])
        if notes.vml is not None:
            notes.vml = _splice(notes.vml, edits_v)
        self._keep_notes(notes)

    def _keep_notes(self, notes: _Notes) -> None:
        if notes.comments_part and self.package.exists(notes.comments_part):
            self.package.put(notes.comments_part, notes.comments)
        if notes.vml_part and self.package.exists(notes.vml_part):
            self.package.put(notes.vml_part, notes.vml)

    # -------------------------------------------------- putting new marks in
    def mark(self, report: Report, config, merged) -> None:
        colours = {ERROR: config["colors"]["error"].upper()[-6:], WARNING: config["colors"]["warning"].upper()[-6:]}
        marks = marks_from(report.findings, _anchors(self.package.archive, self.parts, report, merged))
        self.colours = colours
        by_sheet: dict[str, list] = {}
        for m in marks:
            if m.sheet in self.parts:
                by_sheet.setdefault(m.sheet, []).append(m)
        for sheet, sheet_marks in by_sheet.items():
            plan = self.plan(sheet)
            for m in sheet_marks:
                row, col = _split(m.cell)
                plan.marks.setdefault(row, {})[col] = m
            self._note(sheet, sheet_marks)

    def _note(self, sheet: str, marks: list) -> None:
        package, plan = self.package, self.plan(sheet)
        notes = self._notes(sheet)
        if notes.comments is None or not package.exists(notes.comments_part or ""):
            notes.comments_part = package.new_name("xl/comments{}.xml")
            notes.comments = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="' + MAIN.encode()
                              + b'"><authors></authors><commentList></commentList></comments>')
            rid, created = package.add_rel(plan.part, REL_COMMENTS, notes.comments_part)
            self._new_part(notes.comments_part, COMMENTS_TYPE)
            self._new_rel(plan.part, rid, created)
        if notes.vml is None or not package.exists(notes.vml_part or ""):
            notes.vml_part = package.new_name("xl/drawings/vmlDrawing{}.vml")
            notes.vml = _vml(self._free_block())
            notes.next_shape = 0
            rid, created = package.add_rel(plan.part, REL_VML, notes.vml_part)
            self.package.put(notes.vml_part, notes.vml)
            self.record.parts.append(notes.vml_part)
            self._new_rel(plan.part, rid, created)
            plan.add_drawing = rid
            self.record.drawings.append((plan.part, rid))
            types = package.read(TYPES)
            if not _DEFAULT_VML.search(types):
                close = types.rindex(b"</")
                package.put(TYPES, types[:close] + _VML_DEFAULT + types[close:])
                self.record.vml_type = True
        if notes.author is None:
            if _AUTHORS.search(notes.comments) is None:
                raise UserError(f"文件 {self.path.name} 中工作表「{sheet}」的批注部件缺少作者列表，无法写入标记，原文件未改动。"
                                "请用 Excel 打开后另存为 .xlsx 再试。")
            notes.author = len(_authors(notes.comments))
            notes.comments = _add_authors(notes.comments, [AUTHOR])
            if notes.comments_part not in self.record.parts:
                self.record.authors.append(notes.comments_part)
        if notes.next_shape == 0:
            notes.next_shape = max((int(i) for i in _SHAPE_ID.findall(notes.vml)), default=0) + 1
            block = _IDMAP.search(notes.vml)
            first = int(re.split(rb"[,\s]+", block.group(1).strip())[0]) if block and block.group(1).strip() else 1
            notes.next_shape = max(notes.next_shape, first * 1024 + 1)
        comments = _comments_at(notes.comments)
        shapes = _shapes_at(notes.vml)
        names = _authors(notes.comments)
        comment_edits, shape_edits, new_comments, new_shapes = [], [], [], []
        plan_notes = {}
        for m in marks:
            row, col = _split(m.cell)
            old = comments.get(m.cell)
            old_shape = shapes.get((row, col - 1)) if old is not None else None
            note = m.note + (ORIGINAL_NOTE + _comment_text(old.group(0)) if old is not None else "")
            comment = _comment_xml(m.cell, notes.author, note)
            shape = _shape_xml(notes.next_shape, row, col - 1, note)
            notes.next_shape += 1
            if old is not None:
                comment_edits.append((old, comment))
            else:
                new_comments.append(comment)
            if old_shape is not None:
                shape_edits.append((old_shape, shape))
            else:
                new_shapes.append(shape)
            plan_notes[(row, col)] = (old.group(0).decode() if old is not None else "",
                                      old_shape.group(0).decode() if old_shape is not None else "",
                                      _author_of(old.group(0), names) if old is not None else "")
        notes.comments = _splice(notes.comments, comment_edits)
        close = _closing(notes.comments, b"commentList")
        at = notes.comments.rindex(close)
        notes.comments = notes.comments[:at] + b"".join(new_comments) + notes.comments[at:]
        notes.vml = _splice(notes.vml, shape_edits)
        at = notes.vml.rindex(b"</xml>")
        notes.vml = notes.vml[:at] + b"".join(new_shapes) + notes.vml[at:]
        package.put(notes.comments_part, notes.comments)
        package.put(notes.vml_part, notes.vml)
        plan.original_notes = plan_notes

    def _free_block(self) -> int:
        """A VML shape id block (``o:idmap``) no drawing of the package uses."""
        used = {0}
        for name in self.package.archive.namelist() + [p for p, d in self.package.parts.items() if d is not None]:
            if name.lower().endswith(".vml"):
                data = self.package.read(name) or b""
                for m in _IDMAP.finditer(data):
                    used.update(int(n) for n in re.split(rb"[,\s]+", m.group(1).strip()) if n)
        return max(used) + 1

    def _new_part(self, part: str, kind: str) -> None:
        self.package.add_override(part, kind)
        self.record.parts.append(part)

    def _new_rel(self, part: str, rid: str, created: bool) -> None:
        if created:
            self.record.parts.append(_rels_of(part))
        else:
            self.record.rels.append((part, rid))

    # -------------------------------------------------- writing
    def streams(self, styles: _MarkStyles) -> dict:
        streams = {}
        for plan in self.plans.values():
            if plan.part not in self.package.archive.NameToInfo or self.package.parts.get(plan.part, b"") is None:
                continue
            rows = sorted(set(plan.restore) | set(plan.marks))
            if rows or plan.add_drawing or plan.drop_drawing:
                editor = _RowEditor(self, plan, styles, column_styles(_head(self.package.archive, plan.part)))
                streams[plan.part] = editor.stream(rows, f"文件 {self.path.name} 的工作表「{plan.name}」")
        return streams

    def add_sheets(self, report: Report, styles: _MarkStyles) -> dict:
        """Our two sheets, appended to the workbook; returns part → content (functions: written last)."""
        package = self.package
        workbook = package.read(WORKBOOK)
        entries = list(_SHEET_ENTRY.finditer(workbook))
        ids = [int(_attrs(m.group(0)).get(b"sheetId", b"0") or 0) for m in entries]
        close = _SHEETS_CLOSE.search(workbook)
        prefix = close.group(1)
        new_parts, entries_xml = {}, b""
        for offset, (name, hidden) in enumerate(((BOOK_SHEET, True), (RESULT_SHEET, False))):
            part = package.new_name("xl/worksheets/sheet{}.xml")
            rid, _ = package.add_rel(WORKBOOK, REL_WORKSHEET, part)
            package.add_override(part, WORKSHEET_TYPE)
            entries_xml += b'<%ssheet xmlns:r="%s" name=%s sheetId="%d"%s r:id="%s"/>' % (
                prefix, RELS_NS.encode(), _attr(name), max(ids, default=0) + 1 + offset,
                b' state="hidden"' if hidden else b"", rid.encode())
            self.record.sheets.append(name)
            new_parts[name] = part
        workbook = workbook[: close.start()] + entries_xml + workbook[close.start():]
        rows, first = result_rows(report)
        title = (b'<%sdefinedName name="_xlnm.Print_Titles" localSheetId="%d">%s!$%d:$%d</%sdefinedName>'
                 % (prefix, len(entries) + 1, escape(_quoted(RESULT_SHEET)).encode(), first, first, prefix))
        names = _DEFINED_NAMES.search(workbook)
        empty = re.search(rb"<((?:[\w.-]+:)?)definedNames\s*/>", workbook)
        if names:
            end = names.end() - len(b"</" + names.group(1) + b"definedNames>")
            workbook = workbook[:end] + title + workbook[end:]
        elif empty:
            self.record.names = empty.group(0).decode()
            workbook = workbook[: empty.start()] + b"<%sdefinedNames>%s</%sdefinedNames>" % (prefix, title, prefix) + workbook[empty.end():]
        else:
            self.record.names = ""
            at = _SHEETS_CLOSE.search(workbook).end()
            workbook = workbook[:at] + b"<%sdefinedNames>%s</%sdefinedNames>" % (prefix, title, prefix) + workbook[at:]
        package.put(WORKBOOK, workbook)
        plain = Styles(self.styles_xml)
        new_parts_content = {new_parts[RESULT_SHEET]: _result_sheet(rows, first, report, styles, plain),
                             new_parts[BOOK_SHEET]: lambda: _book_sheet(self.sealed(), plain)}
        return new_parts_content

    def write(self, target: Path, streams: dict, extra: dict, styles: _MarkStyles | None) -> None:
        parts = dict(self.package.parts)
        if styles is not None:  # before our record, which lists what was appended to the styles
            parts[STYLES_PART] = lambda: styles.result(self.record) or self.styles_xml
        elif self.styles_xml != self.package.archive.read(STYLES_PART):
            parts[STYLES_PART] = self.styles_xml
        parts.update(extra)
        repack(self.path, target, streams, parts)


def _splice(data: bytes, edits: list[tuple[re.Match, bytes]]) -> bytes:
    """``data`` with each match replaced by its bytes (non-overlapping matches of ``data``, any order)."""
    out, position = [], 0
    for m, new in sorted(edits, key=lambda e: e[0].start()):
        out += [data[position: m.start()], new]
        position = m.end()
    return b"".join(out) + data[position:]


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _split(ref: str) -> tuple[int, int]:
    """"B12" → (12, 2): 1-based row and column."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    return int(m.group(2)), col_index(m.group(1)) + 1


def _head(archive: zipfile.ZipFile, part: str) -> bytes:
    """What comes before ``<sheetData>`` in a worksheet part (its ``<cols>``)."""
    buffer = b""
    with archive.open(part) as source:
        while b"<sheetData" not in buffer and b":sheetData" not in buffer:
            chunk = source.read(1 << 16)
            if not chunk:
                break
            buffer += chunk
    return buffer


def _tail(archive: zipfile.ZipFile, part: str) -> bytes:
    """What follows ``</sheetData>`` in a worksheet part (streamed; only the end is kept)."""
    keep = b""
    with archive.open(part) as source:
        while chunk := source.read(1 << 20):
            keep = (keep + chunk)[-(1 << 21):]
    at = keep.rfind(b"sheetData>")
    return keep[at:] if at >= 0 else keep


def _anchors(archive, parts, report: Report, merged):
    """(sheet, cell) → the top-left cell of the merged range holding it (or the cell)."""
    hidden = {}
    for sheet in {f.sheet for f in report.findings}:
        if merged is not None:
            ranges = merged.get(sheet, ())
        elif sheet in parts:
            ranges = scan(archive, parts[sheet], f"工作表「{sheet}」").merged
        else:
            ranges = ()
        for (r0, c0), (r1, c1) in ranges:
            top_left = f"{col_letter(c0)}{r0 + 1}"
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    hidden[(sheet, f"{col_letter(c)}{r + 1}")] = top_left
    return lambda sheet, cell: hidden.get((sheet, cell), cell)


class _RowEditor:
    """Restores and marks the cells of one sheet's rows (``edit_rows`` calls ``row``)."""

    def __init__(self, marking: _Marking, plan: _SheetPlan, styles: _MarkStyles, col_styles: dict[int, int]):
        self.marking, self.plan, self.styles, self.col_styles = marking, plan, styles, col_styles
        self.notes = plan.original_notes

    def stream(self, rows: list[int], where: str):
        return lambda old, new: edit_rows(old, new, rows, self.row, self.tail, where)

    def row(self, number: int, element: bytes | None) -> bytes:
        created = element is None
        if created:
            element = b'<row r="%d"></row>' % number
        tag = _ROW_TAG.match(element).group(0)
        prefix = tag[1: tag.index(b"row")]
        if tag.endswith(b"/>"):
            element = tag[:-2].rstrip() + b"></" + prefix + b"row>"
            tag = element[: element.index(b">") + 1]
        cells = _Cells(element, len(tag), number, prefix)
        row_style = None
        out, position = [], 0
        for col in sorted(set(self.plan.restore.get(number, ())) | set(self.plan.marks.get(number, ()))):
            found = cells.find(col)
            if found is None:  # a cell the row does not have: added where its column belongs
                if row_style is None:
                    attrs = _attrs(tag)
                    custom = attrs.get(b"customFormat") in (b"1", b"true") and attrs.get(b"s", b"").isdigit()
                    row_style = int(attrs[b"s"]) if custom else -1
                new_token = self._cell(number, col, None, created, row_style if row_style >= 0 else None)
                if new_token not in (ABSENT, NO_ROW):
                    at = cells.insert_at(col)
                    out += [element[position:at], b'<%sc r="%s%d" s="%s"/>' % (prefix, col_letter(col - 1).encode(), number,
                                                                           new_token.encode())]
                    position = at
                continue
            start, tag_end, end = found
            start_tag = element[start:tag_end]
            s = _S.search(start_tag)
            new_token = self._cell(number, col, s.group(1).decode() if s else "", created, None)
            out.append(element[position:start])
            position = end
            if new_token in (ABSENT, NO_ROW):
                if end == tag_end and re.fullmatch(rb'<(?:[\w.-]+:)?c\s+r="[A-Z]+\d+"(?:\s+s="\d*")?\s*/>', start_tag):
                    continue  # the empty cell we added: gone again
                new_token = ""
            if new_token == "":
                start_tag = _S.sub(b"", start_tag, count=1)
            elif s:
                start_tag = start_tag[: s.start()] + b' s="%s"' % new_token.encode() + start_tag[s.end():]
            else:
                start_tag = _after_ref(start_tag, b' s="%s"' % new_token.encode())
            out += [start_tag, element[tag_end:end]]
        out.append(element[position:])
        result = b"".join(out)
        if result == b'<%srow r="%d"></%srow>' % (prefix, number, prefix) and (created or self._row_was_ours(number)):
            return b""
        return result

    def _row_was_ours(self, number: int) -> bool:
        return any(entry[1] == NO_ROW for entry in self.plan.restore.get(number, {}).values())

    def _cell(self, row: int, col: int, token: str | None, row_created: bool, row_style: int | None) -> str:
        """The ``s=`` of a cell after restoring and marking: digits, "" (no attribute) or ABSENT/NO_ROW (no cell)."""
        entry = self.plan.restore.get(row, {}).get(col)
        if entry is not None and token is not None:
            if token == entry[2]:
                token = entry[1]
                if token in (ABSENT, NO_ROW):
                    token = None
            elif token.isdigit() and self.styles.is_mark(int(token), entry[0]):  # renumbered by an office program
                token = str(self.styles.unmark(int(token), entry[5]))
        mark = self.plan.marks.get(row, {}).get(col)
        if mark is None:
            return (NO_ROW if row_created else ABSENT) if token is None else token
        colour = self.marking.colours[mark.severity]
        if token is None:
            original = NO_ROW if row_created or (entry is not None and entry[1] == NO_ROW) else ABSENT
            base = row_style if row_style is not None else self.col_styles.get(col, 0)
        else:
            original, base = token, int(token) if token.isdigit() else 0
        new = str(self.styles.mark(base, colour))
        note, shape, author = self.notes.get((row, col), ("", "", ""))
        self.marking.record.cells[(self.plan.name, f"{col_letter(col - 1)}{row}")] = (
            colour, original, new, note, shape, self.styles.fill_of(base), author)
        return new

    def tail(self, data: bytes) -> bytes:
        plan = self.plan
        if plan.drop_drawing:
            data = _LEGACY.sub(lambda m: b"" if any(v.decode() == plan.drop_drawing for k, v in _attrs(m.group(0)).items()
                                                  if k.endswith(b":id")) else m.group(0), data, count=1)
        if plan.add_drawing:
            root = _WORKSHEET.search(_head(self.marking.package.archive, plan.part))
            prefix = root.group(1) if root else b""
            declared = re.search(rb'xmlns:(\w+)="' + re.escape(RELS_NS.encode()) + b'"', root.group(2) if root else b"")
            if declared:
                element = b'<%slegacyDrawing %s:id="%s"/>' % (prefix, declared.group(1), plan.add_drawing.encode())
            else:
                element = b'<%slegacyDrawing xmlns:r="%s" r:id="%s"/>' % (prefix, RELS_NS.encode(), plan.add_drawing.encode())
            at = _AFTER_LEGACY.search(data).start()
            data = data[:at] + element + data[at:]
        return data


class _Cells:
    """The cells of one ``<row>`` element, found by their reference (``r="B5"``, as every office
    program writes them) without parsing the row; rows whose cells have no reference are parsed."""

    def __init__(self, element: bytes, start: int, number: int, prefix: bytes):
        self.element, self.start, self.number, self.prefix = element, start, number, prefix
        self.close = b"</" + prefix + b"c>"
        self.parsed: dict[int, tuple[int, int, int]] | None = None

    def _span(self, start: int) -> tuple[int, int, int]:
        tag_end = self.element.index(b">", start) + 1
        if self.element[tag_end - 2: tag_end - 1] == b"/":
            return start, tag_end, tag_end
        return start, tag_end, self.element.index(self.close, tag_end) + len(self.close)

    def _parse(self) -> dict[int, tuple[int, int, int]]:
        if self.parsed is None:
            self.parsed, col = {}, 0
            for m in _CELL_TAG.finditer(self.element, self.start):
                ref = _CELL_REF.search(m.group(2))
                col = col_index(ref.group(1).decode()) + 1 if ref else col + 1
                self.parsed[col] = self._span(m.start())
        return self.parsed

    def find(self, col: int) -> tuple[int, int, int] | None:
        """(start, end of the start tag, end) of the cell in column ``col``, or None."""
        if self.parsed is None:
            key = b' r="%s%d"' % (col_letter(col - 1).encode(), self.number)
            at = self.element.find(key, self.start)
            while at >= 0:
                lt = self.element.rfind(b"<", self.start, at)
                if lt >= 0 and _CELL_OPEN.match(self.element, lt) and self.element.find(b">", lt, at) < 0:
                    return self._span(lt)
                at = self.element.find(key, at + 1)
            if _CELL_OPEN.search(self.element, self.start) is None or _NO_REF.search(self.element, self.start) is None:
                return None
        return self._parse().get(col)

    def insert_at(self, col: int) -> int:
        """Where a new cell of column ``col`` goes: before the first cell of a later column."""
        later = [start for c, (start, _, _) in self._parse().items() if c > col]
        return min(later) if later else self.element.rindex(b"</")


def _after_ref(tag: bytes, attr: bytes) -> bytes:
    ref = _CELL_REF.search(tag)
    at = ref.end() if ref else re.match(rb"<[\w.:-]+", tag).end()
    return tag[:at] + attr + tag[at:]


def _result_sheet(rows: list[list], first: int, report: Report, styles: _MarkStyles, plain: Styles) -> bytes:
    """The 校验结果 worksheet part."""
    header = rows[first - 1]
    width = max(len(r) for r in rows)
    link = header.index("单元格") + 1 if "单元格" in header else 3
    bold = styles.font("bold")
    writers = {"plain": RowWriter(plain, {}), "bold": RowWriter(plain, {c: bold for c in range(1, width + 1)}),
               "link": RowWriter(plain, {link: styles.font("link")})}
    out, links = [], []
    for r, values in enumerate(rows, start=1):
        kind = "bold" if r in (1, 3, first) else "link" if r > first else "plain"
        out.append(writers[kind].row(r, values))
        if r > first:
            f = report.findings[r - first - 1]
            links.append(b'<hyperlink ref="%s%d" location=%s display=%s/>' % (
                col_letter(link - 1).encode(), r, _attr(f"{_quoted(f.sheet)}!{f.cell}"), _attr(f.cell)))
    cols = "".join(f'<col min="{c}" max="{c}" width="{WIDTHS.get(str(h), 14)}" customWidth="1"/>'
                   for c, h in enumerate(header, start=1))
    return ((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELS_NS}">'
             f'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:{col_letter(width - 1)}{len(rows)}"/>'
             f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{first}" topLeftCell="A{first + 1}" activePane="bottomLeft" '
             f'state="frozen"/><selection pane="bottomLeft" activeCell="A{first + 1}" sqref="A{first + 1}"/></sheetView></sheetViews>'
             f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>').encode()
            + "".join(out).encode() + b"</sheetData>"
            + (b"<hyperlinks>" + b"".join(links) + b"</hyperlinks>" if links else b"")
            + b'<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
            + b'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            + f"<headerFooter><oddFooter>{FOOTER}</oddFooter></headerFooter></worksheet>".encode())


def _book_sheet(rows: list[list], plain: Styles) -> bytes:
    """The hidden 「_校验标记」 worksheet part."""
    writer = RowWriter(plain, {})
    width = len(BOOK_HEADER)
    return ((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
             f'<dimension ref="A1:{col_letter(width - 1)}{len(rows)}"/><sheetData>').encode()
            + "".join(writer.row(r, values) for r, values in enumerate(rows, start=1)).encode()
            + b"</sheetData></worksheet>")


def _open(path: Path) -> zipfile.ZipFile:
    ensure_writable(path)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"文件 {path.name} 内部结构有损坏，无法写入标记，原文件未改动。请用 Excel 打开后另存为 .xlsx 再试。",
                        detail=f"{type(exc).__name__}: {exc}")


def apply_marks(path: str | Path, report: Report, config, merged: dict[str, list] | None = None) -> Path | None:
    """Replace earlier marks by the marks of ``report`` and save (atomic, with backup); returns
    the backup path. A clean report on a file without marks changes nothing (returns None).
    ``merged``: sheet → merged ranges as ``io.read.read_book`` gives them (read from the file when None)."""
    path = Path(path)
    with _open(path) as archive:
        marking = _Marking(path, archive)
        if marking.old is None and not report.findings:
            return None
        if RESULT_SHEET in marking.parts and RESULT_SHEET not in (marking.old.sheets if marking.old else ()):
            raise _not_ours(path.name, RESULT_SHEET)
        if marking.old is not None:
            marking.restore()
        marking.mark(report, config, merged)
        styles = _MarkStyles(marking.styles_xml, f"文件 {path.name} ")
        extra = marking.add_sheets(report, styles)
        streams = marking.streams(styles)
        return atomic_write(path, lambda tmp: marking.write(tmp, streams, extra, styles))


def clear_marks(path: str | Path) -> Path | None:
    """Remove all our marks and sheets, restoring the user's formats and notes. Returns the backup
    path, or None when the file had no marks (then it is not rewritten)."""
    path = Path(path)
    with _open(path) as archive:
        marking = _Marking(path, archive)
        if marking.old is None or marking.old.forged:
            return None
        marking.restore()
        styles = _MarkStyles(marking.styles_xml, f"文件 {path.name} ")
        streams = marking.streams(styles)
        return atomic_write(path, lambda tmp: marking.write(tmp, streams, {}, styles))
