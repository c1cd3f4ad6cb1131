"""LibreOffice headless, the real spreadsheet engine available on Linux.

``convert(src, fmt, outdir)`` opens ``src`` in LibreOffice Calc and saves it as ``fmt``
(xlsx, xls, csv, pdf …), which recalculates every formula on load; ``convert_many`` does the
same for several files in one start of LibreOffice; ``recalculated_sheets`` gives the values
LibreOffice computed, sheet by sheet, as text (CSV: LibreOffice does not have to write each
long formula back out, as an .xlsx would). Each call uses a private user profile so parallel
runs do not fight over the profile lock.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装；.ci/run 会安装 libreoffice-calc-nogui")


def convert(src: Path, fmt: str, outdir: Path, timeout: int = 180) -> Path:
    return convert_many([src], fmt, outdir, timeout)[0]


def convert_many(sources: list[Path], fmt: str, outdir: Path, timeout: int = 180) -> list[Path]:
    """``convert`` for several files in one LibreOffice start (their names must differ in stem:
    each is saved as ``outdir/stem.fmt``)."""
    targets = [outdir / (Path(src).stem + "." + fmt.split(":")[0]) for src in sources]
    assert len(set(targets)) == len(targets), f"two sources would both be saved as the same file: {targets}"
    _run(sources, fmt, outdir, timeout, targets)
    return targets


# every sheet (the last option, -1) as its own UTF-8 CSV, "stem-sheet.csv"; the cells' values, not as formatted
EVERY_SHEET_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def recalculated_sheets(books: dict[Path, list[str]], outdir: Path, timeout: int = 180) -> dict[Path, dict[str, list[list[str]]]]:
    """For each workbook of ``books`` (path → the sheets wanted), opened (so recalculated) by
    LibreOffice, all in one start: those sheets' cells as text, ``rows[r - 1][c - 1]`` for sheet
    row r, column c (``text_at``)."""
    names = {src: {sheet: outdir / f"{Path(src).stem}-{sheet}.csv" for sheet in sheets} for src, sheets in books.items()}
    _run(list(books), EVERY_SHEET_CSV, outdir, timeout, [path for book in names.values() for path in book.values()])
    return {src: {sheet: list(csv.reader(path.open(encoding="utf-8", newline=""))) for sheet, path in book.items()}
            for src, book in names.items()}


def first_sheet_fills(src: Path, outdir: Path) -> list[list[str | None]]:
    """The background colour LibreOffice shows in each cell of the first sheet of ``src``
    (conditional formats applied), as "RRGGBB" or None: ``fills[r - 1][c - 1]`` for sheet row r,
    column c. Read from LibreOffice's HTML export, which writes each cell's effective fill."""
    html = convert(src, "html", outdir).read_text(encoding="utf-8", errors="replace")
    table = html[html.index("<table"):html.index("</table>")]
    def fill(td: str) -> str | None:
        found = re.search(r'bgcolor="#([0-9A-Fa-f]{6})"', td)
        return found.group(1).upper() if found else None

    return [[fill(td) for td in re.findall(r"<td[^>]*>", row)] for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def text_at(rows: list[list[str]], r: int, c: int) -> str:
    """The text of sheet row ``r``, column ``c`` (1-based) of a ``recalculated_sheets`` sheet."""
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""


def _run(sources: list[Path], fmt: str, outdir: Path, timeout: int, targets: list[Path]) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)],
            capture_output=True, text=True, timeout=timeout * len(sources),
        )
    missing = [target for target in targets if not target.exists()]
    if result.returncode != 0 or missing:
        raise AssertionError(f"LibreOffice failed on {missing or sources}: rc={result.returncode}\n{result.stdout}\n{result.stderr}")
