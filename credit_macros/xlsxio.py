"""File adapter: read workbooks into plain grids (python-calamine), recognise bad input.

Reading never executes anything: formulas come back as their cached values, macros in
.xlsm/.xls are never run. Writing with marks lives next to the code that makes the marks;
this module only reads and classifies files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from credit_macros.boundedread import read_package, refuse_irregular
from credit_macros.errors import UserError

READABLE = {".xlsx", ".xlsm", ".xls"}
WRITABLE = {".xlsx", ".xlsm"}
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def describe_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a workbook (Chinese), or None if it looks fine."""
    if not path.exists():
        return f"找不到文件 {path}，请检查路径。"
    if path.is_dir():
        return f"{path} 是文件夹，不是工作簿。"
    irregular = refuse_irregular(path)
    if irregular:
        return irregular
    if path.suffix.lower() not in READABLE:
        return f"文件 {path.name} 不是 Excel 工作簿（只支持 .xlsx、.xlsm、.xls），请用 Excel 另存为 .xlsx 后重试。"
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == CFB_MAGIC:
        import olefile

        try:
            with olefile.OleFileIO(str(path)) as ole:
                if ole.exists("EncryptionInfo"):
                    return f"文件 {path.name} 设置了打开密码，无法读取。请在 Excel 中“文件→信息→保护工作簿→用密码进行加密”清除密码后另存再提交。"
        except OSError:
            return f"文件 {path.name} 已损坏，无法读取，请重新导出或重新发送。"
        if path.suffix.lower() != ".xls":
            return f"文件 {path.name} 实际是旧版 .xls 格式，请用 Excel 另存为 .xlsx 后重试。"
        return None
    if not zipfile.is_zipfile(path):
        return f"文件 {path.name} 不是有效的 Excel 工作簿（可能已损坏或只是改了扩展名），请重新导出后重试。"
    return None


def read_grids(path: str | Path) -> dict[str, list[list]]:
    """Every sheet as a grid of values starting at A1 (empty = ""; rows without values are one
    shared empty list and rows may differ in length when a sheet is read in pieces — see
    ``boundedread``, which bounds what an .xlsx may cost)."""
    return read_book(path)[0]


def read_book(path: str | Path) -> tuple[dict[str, list[list]], dict[str, list]]:
    """``read_grids`` plus each sheet's merged ranges ``((row0, col0), (row1, col1))``, 0-based
    inclusive (empty where the format does not say)."""
    path = Path(path)
    problem = describe_problem(path)
    if problem:
        raise UserError(problem)
    try:
        if zipfile.is_zipfile(path):
            return read_package(path)
        book = CalamineWorkbook.from_path(str(path))
        grids, merged = {}, {}
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            grids[name] = sheet.to_python(skip_empty_area=False)
            merged[name] = list(sheet.merged_cell_ranges or ())
        return grids, merged
    except UserError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        lowered = str(exc).lower()
        if "password" in lowered or "encrypt" in lowered:
            raise UserError(f"文件 {path.name} 设置了密码保护，无法读取。请清除密码后另存再提交。")
        raise UserError(f"文件 {path.name} 无法读取（{exc}），可能已损坏，请重新导出后重试。")
