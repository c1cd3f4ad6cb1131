"""How check, collect, status and report grow with the master: 10k, 100k, 300k, 1M rows.

For each size N (``--sizes``, default ``10000`` so the run takes minutes; the issue's set is
``10000,100000,300000,1000000``) the data of ``bench_status.measure`` is made — one unit's N rows
of 行政强制 with ~2 % bad cells, so 退回修改 holds about N findings — and each command is
timed in a fresh forked process with its peak resident memory, next to a python-calamine read of
the same master. The table prints seconds, peak RSS, the ratio to the calamine read and the
time per 1,000 rows (flat = linear growth). Bound: peak RSS of any command at 300,000 rows
≤ 1.5 GB (flagged when passed).

Then two sheets whose extent is not their content, read by ``io.bounded`` through
``check --json``: a single stray value in A1048576 (time and memory must follow the two cells,
not the extent) and, with ``--full-sheet``, a sheet of 1,048,576 real rows (written by the
streaming writer; minutes and about a gigabyte).

Run: ``python benchmarks/bench_growth.py [--sizes 10000,100000] [--dir DIR] [--full-sheet]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import openpyxl  # noqa: E402
from bench_collect import measured  # noqa: E402
from bench_status import MIB, _cli, measure  # noqa: E402

from credit_macros.io.xlsxstream import SheetRows, rewrite  # noqa: E402
from credit_macros.plans import MAX_ROWS  # noqa: E402

COMMANDS = ("check", "collect", "status", "report")
BOUND_ROWS, BOUND = 300_000, 1.5e9


def _sheet(path: Path, rows: list[list]) -> Path:
    """A one-sheet workbook: a header row, then ``rows`` from row 2 (an empty list: no row there)."""
    wb = openpyxl.Workbook()
    wb.active.title = "数据"
    wb.active.append(["名称", "数量"])
    seed = path.with_suffix(".seed.xlsx")
    wb.save(seed)
    rewrite(seed, path, {"数据": SheetRows(2, rows)})
    seed.unlink()
    return path


def extremes(folder: Path, full_sheet: bool) -> list[tuple[str, float, int]]:
    stray = folder / "stray.xlsx"
    if not stray.exists():
        _sheet(stray, [["甲", 1]] + [[]] * (MAX_ROWS - 3) + [["末"]])
    cases = [("one stray value in A1048576", stray)]
    if full_sheet:
        full = folder / "full.xlsx"
        if not full.exists():
            _sheet(full, [[f"第{i}行", i] for i in range(2, MAX_ROWS + 1)])
        cases.append(("1,048,576 rows", full))
    out = []
    for name, path in cases:
        _, seconds, peak = measured(lambda: _cli("check", str(path), "--json", ok=(0, 1)))
        out.append((name, seconds, peak))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="master sizes in rows, comma-separated")
    parser.add_argument("--dir", type=Path, default=None, help="where the data is generated (reused when present)")
    parser.add_argument("--full-sheet", action="store_true", help="also check a sheet of 1,048,576 rows")
    opts = parser.parse_args()
    folder = opts.dir or Path(tempfile.mkdtemp(prefix="bench-growth-"))
    table = []
    for size in (int(s) for s in opts.sizes.split(",")):
        numbers = measure(folder / str(size), size, set(COMMANDS))
        table.append(numbers)
        t_read, m_read = numbers["read"]
        print(f"{size:>9,} rows ({numbers['findings']:,} findings, {numbers['bytes'] / 1e6:.1f} MB): "
              f"calamine read {t_read:.2f} s, {m_read / MIB:.0f} MiB", flush=True)
    print("\n| command | rows | seconds | × calamine read | s per 1,000 rows | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("read", *COMMANDS):
        for numbers in table:
            seconds, peak = numbers["read"] if name == "read" else numbers["results"][name]
            flag = "  **over 1.5 GB**" if numbers["rows"] >= BOUND_ROWS and peak > BOUND else ""
            print(f"| {name} | {numbers['rows']:,} | {seconds:.2f} | {seconds / numbers['read'][0]:.2f} | "
                  f"{1000 * seconds / numbers['rows']:.3f} | {peak / MIB:.0f}{flag} |")
    print("\n| sheet read by check --json | seconds | peak RSS MiB |")
    print("|---|---:|---:|")
    for name, seconds, peak in extremes(folder, opts.full_sheet):
        print(f"| {name} | {seconds:.2f} | {peak / MIB:.0f} |")


if __name__ == "__main__":
    main()
