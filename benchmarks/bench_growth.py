"""How check, collect, status and report grow with the master: 10k, 100k, 300k, 1M rows.

For each size N (``--sizes``, default ``10000`` so the run takes minutes; the issue's set is
``10000,100000,300000,1000000``) the data of ``bench_status.measure`` is made — one unit's N rows
of 行政强制 with ~2 % bad cells, so 退回修改 holds about N findings — and each command is
timed in a fresh forked process with its peak resident memory, next to a python-calamine read of
the same master. The table prints seconds, peak RSS, the ratio to the calamine read and the
time per 1,000 rows (flat = linear growth). Bound: peak RSS of any command at 300,000 rows
≤ 1.5 GB (flagged when passed).

Then two 行政强制 sheets whose extent is not their content, read by ``io.bounded`` through
``check --json``: 1,000 rows and a single stray value in A1048576 (time and memory must follow
the cells, not the extent) and, with ``--full-sheet``, 1,048,576 real rows (the 1,000 repeated
by the streaming writer; minutes).

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

from bench_check import generate  # noqa: E402
from bench_collect import measured  # noqa: E402
from bench_status import MIB, _cli, measure  # noqa: E402

from credit_macros import catalogue  # noqa: E402
from credit_macros.io.read import read_grids  # noqa: E402
from credit_macros.io.xlsxstream import SheetRows, rewrite  # noqa: E402
from credit_macros.plans import MAX_ROWS  # noqa: E402
from credit_macros.table import find_table  # noqa: E402

COMMANDS = ("check", "collect", "status", "report")
BOUND_ROWS, BOUND = 300_000, 1.5e9


def _extended(path: Path, tail) -> Path:
    """A 行政强制 file (``bench_check.generate``, 1,000 rows) whose sheet is then extended by the
    streaming writer with ``tail(first data row, rows)`` → (sheet row, rows written from it)."""
    seed = path.with_suffix(".seed.xlsx")
    generate(seed, 1000)
    template = catalogue.template("行政强制")
    table = find_table(template.sheet, read_grids(seed)[template.sheet], only=template)
    start, rows = tail(table.first_row, table.rows)
    rewrite(seed, path, {template.sheet: SheetRows(start, rows)})
    seed.unlink()
    return path


def extremes(folder: Path, full_sheet: bool) -> list[tuple[str, float, int]]:
    stray = folder / "stray.xlsx"
    if not stray.exists():  # the 1,000 rows, then nothing until one value in A1048576
        _extended(stray, lambda first, rows: (first + len(rows), [[]] * (MAX_ROWS - first - len(rows)) + [["末"]]))
    cases = [("1,000 rows and one stray value in A1048576", stray)]
    if full_sheet:
        full = folder / "full.xlsx"
        if not full.exists():  # the 1,000 rows repeated down to row 1,048,576
            _extended(full, lambda first, rows: (first, [rows[i % len(rows)] for i in range(MAX_ROWS - first + 1)]))
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
    parser.add_argument("--only-extremes", action="store_true", help="skip the sizes, check the two sheets only")
    opts = parser.parse_args()
    folder = opts.dir or Path(tempfile.mkdtemp(prefix="bench-growth-"))
    table = []
    for size in () if opts.only_extremes else (int(s) for s in opts.sizes.split(",")):
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
