"""File adapter: read workbooks into plain grids (python-calamine), recognise bad input.

Reading never executes anything: formulas come back as their cached values, macros in
.xlsm/.xls are never run. What a file is comes from its content (magic bytes, the parts of a
zip, the streams of an OLE file), never its extension: an .xlsx renamed .xls is read as .xlsx,
a password-protected .xls (FILEPASS: XOR obfuscation or RC4), an Excel 4.0 file, a zip holding
no workbook or a workbook without sheets are each told as what they are. .xlsb and .ods are
read (python-calamine) as read-only sources. Writing with marks lives next to the code that makes the marks;
this module only reads and classifies files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from credit_macros.errors import UserError
from credit_macros.io.bounded import calamine_book, read_package, refuse_irregular, sheet_grid

READABLE = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}  # .xlsb and .ods: read-only sources
WRITABLE = {".xlsx", ".xlsm"}
MAIL_SUFFIXES = {".eml", ".msg"}
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
OLD_BIFF = {b"\x09\x00": "Excel 2.x", b"\x09\x02": "Excel 3.0", b"\x09\x04": "Excel 4.0"}  # BOF record of BIFF2–4
FILEPASS, EOF_RECORD = 0x002F, 0x000A
SUFFIXES = {"xlsx": {".xlsx", ".xlsm"}, "xlsb": {".xlsb"}, "ods": {".ods"}, "xls": {".xls"}}
RESAVE = "请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿（.xlsx）后再发"


def _encrypted_biff(stream: bytes) -> bool:
    """Whether a BIFF8 workbook stream's globals carry FILEPASS (XOR obfuscation or RC4)."""
    at = 0
    while at + 4 <= len(stream):
        kind, size = int.from_bytes(stream[at:at + 2], "little"), int.from_bytes(stream[at + 2:at + 4], "little")
        if kind == FILEPASS:
            return True
        if kind == EOF_RECORD:
            return False
        at += 4 + size
    return False


def _cfb(path: Path, name: str) -> tuple[str | None, str | None]:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo"):
                return None, f"文件 {name} 有密码保护，无法读取。请去掉密码后再发：在 Excel 中“文件→信息→保护工作簿→用密码进行加密”，清空密码后保存。"
            for stream in ("Workbook", "Book"):
                if ole.exists(stream):
                    if _encrypted_biff(ole.openstream(stream).read(1 << 20)):
                        return None, (f"文件 {name} 有密码保护（旧版 .xls 的打开密码），无法读取。请去掉密码后再发：在 Excel 中"
                                      "“文件→信息→保护工作簿→用密码进行加密”，清空密码后另存为 .xlsx。")
                    return "xls", None
            streams = {"/".join(entry) for entry in ole.listdir()}
    except OSError:
        return None, f"文件 {name} 已损坏，无法读取，请重新导出或重新发送。"
    if any(s.startswith("__substg1.0_") for s in streams):
        return None, f"文件 {name} 是 Outlook 邮件，不是工作簿。邮件中的报送表请用 credit-macros collect 总台账.xlsx {name} 汇总。"
    kind = "Word 文档" if "WordDocument" in streams else "PowerPoint 演示文稿" if "PowerPoint Document" in streams else "其他 Office 文件"
    return None, f"文件 {name} 是{kind}，不是 Excel 工作簿，请发送 Excel 报送表（.xlsx）。"


def _zip(path: Path, name: str) -> tuple[str | None, str | None]:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            mimetype = package.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, f"文件 {name} 已损坏（压缩包不完整），无法读取，请重新导出或重新发送。"
    if "xl/workbook.xml" in names:
        return "xlsx", None
    if "xl/workbook.bin" in names:
        return "xlsb", None
    if b"opendocument.spreadsheet" in mimetype:
        return "ods", None
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        return None, f"文件 {name} 是 Word 文档，不是 Excel 工作簿，请发送 Excel 报送表（.xlsx）。"
    return None, f"文件 {name} 是一个压缩包，里面没有工作簿，不是可用的 Excel 工作簿。请重新导出为 .xlsx 后再发。"


def classify(path: Path, name: str | None = None) -> tuple[str | None, str | None]:
    """(format, None) for a workbook we can read — "xlsx" (also .xlsm), "xlsb", "ods" or "xls",
    told by the content, never the extension — else (None, why not, in Chinese). ``name``: the
    file name to say (default the path's)."""
    if not path.exists():
        return None, f"找不到文件 {path}，请检查路径。"
    if path.is_dir():
        return None, f"{path} 是文件夹，不是工作簿。"
    irregular = refuse_irregular(path)
    if irregular:
        return None, irregular
    name = name or path.name
    if Path(name).suffix.lower() in MAIL_SUFFIXES:
        return None, f"文件 {name} 是邮件，不是工作簿。邮件中的报送表请用 credit-macros collect 总台账.xlsx {name} 汇总。"
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(CFB_MAGIC):
        return _cfb(path, name)
    if head.startswith(ZIP_MAGIC):
        return _zip(path, name)
    if head[:2] in OLD_BIFF:
        return None, (f"文件 {name} 是 {OLD_BIFF[head[:2]]} 的极旧格式（1990 年代初），本工具无法读取。{RESAVE}"
                      "（WPS 或较新的 Excel 打不开时，可先用 LibreOffice 打开再另存）。")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"%pdf"):
        return None, f"文件 {name} 是 PDF 文件，不是 Excel 工作簿，请发送 Excel 报送表（.xlsx）。"
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return None, f"文件 {name} 是网页或 XML 文件（只是扩展名像 Excel），不能直接读取。{RESAVE}。"
    return None, (f"文件 {name} 不是有效的 Excel 工作簿（内容不是 .xlsx、.xls、.xlsb、.ods 中的任何一种，可能已损坏或只是改了扩展名），"
                  "请用 Excel 另存为 .xlsx 后重试。")


def _calamine_reason(name: str, exc: Exception) -> str:
    """What to tell the user when calamine cannot read a file that looked like a workbook."""
    lowered = str(exc).lower()
    if "password" in lowered or "encrypt" in lowered:
        return f"文件 {name} 有密码保护，无法读取。请去掉密码后再发。"
    if "codepage" in lowered:
        return f"文件 {name} 使用了本工具不认识的字符编码（代码页），无法读取。{RESAVE}。"
    return f"文件 {name} 内部结构已损坏，无法读取。{RESAVE}；打不开时请对方重新导出。"


def read_grids(path: str | Path) -> dict[str, list[list]]:
    """Every sheet as a grid of values starting at A1 (empty = ""; rows without values are one
    shared empty list and rows may differ in length when a sheet is read in pieces — see
    ``io.bounded``, which bounds what an .xlsx may cost)."""
    return read_book(path)[0]


def read_book(path: str | Path, name: str | None = None) -> tuple[dict[str, list[list]], dict[str, list]]:
    """``read_grids`` plus each sheet's merged ranges ``((row0, col0), (row1, col1))``, 0-based
    inclusive (empty where the format does not say)."""
    path = Path(path)
    name = name or path.name
    kind, problem = classify(path, name)
    if problem:
        raise UserError(problem)
    try:
        if kind == "xlsx":
            grids, merged = read_package(path, name)
        else:
            book = calamine_book(path, SUFFIXES[kind])
            grids, merged = {}, {}
            for sheet_name in book.sheet_names:
                sheet = book.get_sheet_by_name(sheet_name)
                grids[sheet_name] = sheet_grid(sheet)
                merged[sheet_name] = list(sheet.merged_cell_ranges or ())
    except UserError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise UserError(_calamine_reason(name, exc), detail=f"{type(exc).__name__}: {exc}")
    if not grids:
        raise UserError(f"文件 {name} 中没有任何工作表，不是可用的 Excel 工作簿。{RESAVE}。")
    return grids, merged
