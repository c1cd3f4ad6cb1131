"""What the live check layer costs: LibreOffice recalculation time and file size, with vs without.

1. A unit workbook (``split``'s layout, the five templates of 发展和经济运行部) with ROWS filled
   rows of 附件4 行政监督（检查）(``credit_macros.demo.RowMaker``, fixed seed), built with the
   layer as ``split`` sends it (``UNIT_ROWS`` rows of every template sheet) and filled down over
   the ROWS rows of 行政检查, as the clerk who filled them has done, and without the layer; each
   opened and recalculated by LibreOffice headless (``SUMMARY_CSV``), best of 3: the time with the
   layer over the time without (target <= 2); LibreOffice is started once before, so neither run
   pays its first start. Also printed: the same with the layer on ROWS rows of all five sheets
   (4 x ROWS layered rows left empty, which no unit sends: the cost of empty layered rows).
2. Every blank template under ``workbooks/空白模板/`` with vs without the layer: file size ratio
   (target <= 2).
3. The master carries no layer: the cost per filled row measured in 1 (the same workbook with
   no row filled, with and without the layer, gives the cost of the empty layered rows) is
   scaled to the master's 100,000 rows to show why (an estimate, not a run: one such run would
   take the machine for many minutes).

Run: ``python benchmarks/bench_live.py [ROWS]`` (default 5000).
"""

from __future__ import annotations

import io
from copy import copy
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credit_macros import catalogue  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from credit_macros.build.cells import put_rows  # noqa: E402
from credit_macros.build.live_check import UNIT_ROWS, SharedFormula  # noqa: E402
from credit_macros.build.master import build_blank  # noqa: E402
from credit_macros.build.unit_book import build_unit_book  # noqa: E402
from credit_macros.catalogue.sheets import META_VISIBLE_SHEET  # noqa: E402
from credit_macros.config import load_config  # noqa: E402
from credit_macros.demo import RowMaker  # noqa: E402

UNIT, PERIOD = "发展和经济运行部", "2026-01"
TEMPLATE = catalogue.template("行政检查")
MASTER_ROWS = 100_000


def unit_book(path: Path, rows: int, live_rows: int, config, fill_down: int = 0) -> Path:
    wb = build_unit_book(UNIT, PERIOD, config, live_rows=live_rows)
    ws = wb[TEMPLATE.sheet]
    put_rows(ws, 2, RowMaker(TEMPLATE, UNIT, PERIOD, random.Random(7)).rows(rows))
    if fill_down:
        filled_down(ws, live_rows, fill_down)
    wb.save(path)
    return path


def filled_down(ws, live_rows: int, rows: int) -> None:
    """The layer of ``ws`` (first data row 2, ``live_rows`` rows) extended to ``rows`` rows, as
    Excel's fill-down of 本行问题 and the hidden columns to its right does: each shared formula
    covers the new rows, and so do the colouring rules."""
    last, end = 1 + live_rows, 1 + rows
    col = len(TEMPLATE.columns) + 1
    while isinstance(anchor := ws.cell(2, col).value, SharedFormula):
        letter = get_column_letter(col)
        anchor.ref = f"{letter}2:{letter}{end}"
        for r in range(last + 1, end + 1):
            ws.cell(r, col).value = SharedFormula(anchor.si)
            ws.cell(r, col)._style = copy(ws.cell(2, col)._style)
        col += 1
    rules = ws.conditional_formatting
    ws.conditional_formatting = type(rules)()
    for cf in rules:
        for rule in cf.rules:
            ws.conditional_formatting.add(str(cf.sqref).replace(f"{last}", f"{end}"), rule)


# every sheet as CSV (the last option, -1): LibreOffice computes only the cells it is asked for,
# and writing each sheet asks for every cell of the workbook — the 报送信息 summary alone counts
# only the first UNIT_ROWS rows, so it would leave the filled-down rows uncomputed (saving as
# .xlsx would time LibreOffice writing each of the shared formulas out in full, which no clerk waits for)
SUMMARY_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def best_of(runs: int, path: Path, outdir: Path) -> tuple[float, str]:
    """The shortest of ``runs`` LibreOffice recalculations of ``path`` (a shared machine's noise is
    all slower), and the 报送信息 sheet computed."""
    return min(recalculated_in(path, outdir) for _ in range(runs))


def recalculated_in(path: Path, outdir: Path) -> tuple[float, str]:
    """Seconds LibreOffice headless takes to open and recalculate ``path``, and the 报送信息
    sheet it computed (as CSV); every sheet is computed and written."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        start = time.perf_counter()
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", SUMMARY_CSV, "--outdir", str(outdir), str(path)], check=True, capture_output=True)
        seconds = time.perf_counter() - start
    return seconds, (outdir / f"{path.stem}-{META_VISIBLE_SHEET}.csv").read_text(encoding="utf-8")


def size(wb) -> int:
    out = io.BytesIO()
    wb.save(out)
    return len(out.getvalue())


def main(rows: int) -> None:
    config = load_config(None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = unit_book(folder / "bare.xlsx", rows, 0, config)
        sent = unit_book(folder / "sent.xlsx", rows, UNIT_ROWS, config, fill_down=rows)
        live = unit_book(folder / "live.xlsx", rows, rows, config)
        empty = unit_book(folder / "empty.xlsx", 0, 0, config)
        empty_live = unit_book(folder / "empty_live.xlsx", 0, rows, config)
        sizes = bare.stat().st_size, sent.stat().st_size
        recalculated_in(empty, folder / "warm")  # LibreOffice's first start fills caches
        t_bare, _ = best_of(3, bare, folder / "lo")
        t_sent, summary = best_of(3, sent, folder / "lo")
        t_live, _ = best_of(3, live, folder / "lo")
        t_empty, _ = best_of(3, empty, folder / "lo")
        t_empty_live, _ = best_of(3, empty_live, folder / "lo")
    print(f"unit workbook, {rows:,} filled rows of {TEMPLATE.sheet}, the layer filled down over them "
          f"({UNIT_ROWS} rows on the other 4 sheets, as split sends them):")
    print(f"  LibreOffice open + recalculate, best of 3: without layer {t_bare:.1f} s, with {t_sent:.1f} s "
          f"= {t_sent / t_bare:.2f}x (target <= 2)")
    print("  " + next(line for line in summary.splitlines() if line.startswith(TEMPLATE.sheet + ",")) + "  (报送信息: sheet, errors, warnings)")
    print(f"  file size: without {sizes[0] / 1024:.0f} KB, with {sizes[1] / 1024:.0f} KB = {sizes[1] / sizes[0]:.2f}x")
    print(f"  the layer on {rows:,} rows of all 5 sheets ({4 * rows:,} of them empty): {t_live:.1f} s = {t_live / t_bare:.2f}x")
    blank_row = (t_empty_live - t_empty) / (5 * rows)
    filled_row = (t_sent - t_bare - 4 * UNIT_ROWS * blank_row) / rows
    print(f"  the same workbook with no row filled: without layer {t_empty:.1f} s, with {t_empty_live:.1f} s: "
          f"{blank_row * 1000:.2f} ms per empty row with the layer, {filled_row * 1000:.2f} ms per filled one")
    print("blank templates, file size without -> with the layer (target <= 2):")
    for template in catalogue.templates():
        without, with_ = size(build_blank(template, config, live_rows=0)), size(build_blank(template, config))
        print(f"  {template.sheet}: {without / 1024:.1f} KB -> {with_ / 1024:.1f} KB = {with_ / without:.2f}x")
    print(f"master: {MASTER_ROWS:,} filled rows with the layer -> about {filled_row * MASTER_ROWS:.0f} s more per "
          "recalculation (estimate from the per-row cost above); the master has none (collect checks each file it merges)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
