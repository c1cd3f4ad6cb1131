"""What the live check layer costs: LibreOffice recalculation time and file size, with vs without.

1. A unit workbook (``split``'s layout, the five templates of 发展和经济运行部) with ROWS filled
   rows of 附件4 行政监督（检查）(``credit_macros.demo.RowMaker``, fixed seed), built with the
   layer on ROWS rows of every template sheet and without it, each opened and recalculated by
   LibreOffice headless (``SUMMARY_CSV``): the time with the layer over the time without
   (target <= 2); LibreOffice is started once before, so neither run pays its first start.
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
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credit_macros import catalogue  # noqa: E402
from credit_macros.build.cells import put_rows  # noqa: E402
from credit_macros.build.master import build_blank  # noqa: E402
from credit_macros.build.unit_book import build_unit_book  # noqa: E402
from credit_macros.catalogue.sheets import META_VISIBLE_SHEET  # noqa: E402
from credit_macros.config import load_config  # noqa: E402
from credit_macros.demo import RowMaker  # noqa: E402

UNIT, PERIOD = "发展和经济运行部", "2026-01"
TEMPLATE = catalogue.template("行政检查")
MASTER_ROWS = 100_000


def unit_book(path: Path, rows: int, live_rows: int, config) -> Path:
    wb = build_unit_book(UNIT, PERIOD, config, live_rows=live_rows)
    put_rows(wb[TEMPLATE.sheet], 2, RowMaker(TEMPLATE, UNIT, PERIOD, random.Random(7)).rows(rows))
    wb.save(path)
    return path


# CSV of sheet 1 (报送信息) only: its summary needs every 本行问题 cell, so LibreOffice loads and
# recalculates the whole workbook but writes a few lines (saving as .xlsx would time LibreOffice
# writing each of the shared formulas out in full, which no clerk waits for)
SUMMARY_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,1"


def recalculated_in(path: Path, outdir: Path) -> tuple[float, str]:
    """Seconds LibreOffice headless takes to open and recalculate ``path``, and the 报送信息
    sheet it computed (as CSV)."""
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
        live = unit_book(folder / "live.xlsx", rows, rows, config)
        empty = unit_book(folder / "empty.xlsx", 0, 0, config)
        empty_live = unit_book(folder / "empty_live.xlsx", 0, rows, config)
        sizes = bare.stat().st_size, live.stat().st_size
        recalculated_in(empty, folder / "warm")  # LibreOffice's first start fills caches
        t_bare, _ = recalculated_in(bare, folder / "lo")
        t_live, summary = recalculated_in(live, folder / "lo")
        t_empty, _ = recalculated_in(empty, folder / "lo")
        t_empty_live, _ = recalculated_in(empty_live, folder / "lo")
    print(f"unit workbook, {rows:,} filled rows of {TEMPLATE.sheet}, the layer on {rows:,} rows of each of its 5 sheets:")
    print(f"  LibreOffice open + recalculate: without layer {t_bare:.1f} s, with {t_live:.1f} s "
          f"= {t_live / t_bare:.2f}x (target <= 2)")
    print("  " + next(line for line in summary.splitlines() if line.startswith(TEMPLATE.sheet + ",")) + "  (报送信息: sheet, errors, warnings)")
    print(f"  file size: without {sizes[0] / 1024:.0f} KB, with {sizes[1] / 1024:.0f} KB = {sizes[1] / sizes[0]:.2f}x")
    blank_row = (t_empty_live - t_empty) / (5 * rows)
    filled_row = (t_live - t_bare - 4 * rows * blank_row) / rows
    print(f"  the same workbook with no row filled: without layer {t_empty:.1f} s, with {t_empty_live:.1f} s: "
          f"{blank_row * 1000:.2f} ms per empty row with the layer, {filled_row * 1000:.2f} ms per filled one")
    print("blank templates, file size without -> with the layer (target <= 2):")
    for template in catalogue.templates():
        without, with_ = size(build_blank(template, config, live_rows=0)), size(build_blank(template, config))
        print(f"  {template.sheet}: {without / 1024:.1f} KB -> {with_ / 1024:.1f} KB = {with_ / without:.2f}x")
    print(f"master: {MASTER_ROWS:,} filled rows with the layer -> about {filled_row * MASTER_ROWS / 60:.0f} min more per "
          "recalculation (estimate from the per-row cost above), so the master has none")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
