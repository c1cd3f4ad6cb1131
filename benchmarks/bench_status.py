"""A master holding one unit's 100,000 行政强制 rows with ~2 % bad cells: collect it, then ``status`` and ``report``.

Data: ``bench_check.generate`` writes 100,000 rows of 附件2 行政强制 (24 columns, ~2 % bad
cells, fixed seed) as one unit's file for 2026-01; it is collected into a freshly built master,
so 退回修改 holds one finding per bad cell (about 100,000). Measured, each in a fresh forked
process (time and peak resident memory ``ru_maxrss``), against a python-calamine read of every
sheet of the resulting master in the same run:

* collect   ``collect_into`` of that one file into the fresh master      target ≤ 3 × the read
* status    ``credit-macros status MASTER --as-of 2026-02-10``           target ≤ 2 × the read, ≤ 600 MB
* report    ``credit-macros report MASTER --as-of 2026-02-16``           target ≤ 2 × the read, ≤ 600 MB

A second ``status`` with the same date must leave the master byte-identical (checked, not timed).
``measure`` is shared with ``bench_growth.py`` (which also times ``check``).

Run: ``python benchmarks/bench_status.py [--rows N] [--dir DIR] [--only collect,status,report]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import generate  # noqa: E402
from bench_collect import measured  # noqa: E402

from credit_macros.cli import main as cli  # noqa: E402
from credit_macros.config import load_config  # noqa: E402
from credit_macros.io.intake import gather  # noqa: E402
from credit_macros.io.collect_master import collect_into  # noqa: E402
from credit_macros.build.master import write_build  # noqa: E402
from credit_macros.io.read import read_grids  # noqa: E402

UNIT_FILE = "综合执法支队_2026-01.xlsx"  # identified by its file name: 综合行政执法支队, period 2026-01
COLLECT_AS_OF, STATUS_AS_OF, REPORT_AS_OF = dt.date(2026, 2, 10), "2026-02-10", "2026-02-16"
DEFAULT_CONFIG = str(ROOT / "credit_macros" / "default_config.toml")  # the embedded settings, named explicitly
MIB = 1024 * 1024


def _cli(*argv: str, ok=(0,)) -> int:
    out, err = io.StringIO(), io.StringIO()
    code = cli(["--config", DEFAULT_CONFIG, *argv], out=out, err=err)
    if code not in ok:
        raise SystemExit(f"{argv[0]} failed ({code}): {err.getvalue()}")
    return code


def _collect(master: Path, source: Path) -> tuple[int, int]:
    outcome, _, _ = collect_into(master, gather([source]), COLLECT_AS_OF, load_config(DEFAULT_CONFIG))
    return sum(n for a in outcome.accepted for n in a.sheets.values()), sum(a.errors + a.warnings for a in outcome.accepted)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure(folder: Path, rows: int, only: set[str]) -> dict:
    """Generate (or reuse) the data in ``folder``, collect it into a fresh master and time the
    commands in ``only`` (collect, check, status, report); returns the numbers."""
    (folder / "inbox").mkdir(parents=True, exist_ok=True)
    data = folder / "inbox" / UNIT_FILE
    if not data.exists():
        generate(data, rows)
    master = folder / "master.xlsx"
    write_build(master, load_config(DEFAULT_CONFIG))
    (merged, findings), t_collect, m_collect = measured(lambda: _collect(master, data))
    assert merged == rows, merged
    collected = folder / "collected.xlsx"
    shutil.copy(master, collected)
    _, t_read, m_read = measured(lambda: len(read_grids(collected)))
    results = {}
    if "collect" in only:
        results["collect"] = (t_collect, m_collect)
    if "check" in only:
        results["check"] = measured(lambda: _cli("check", str(collected), "--json", ok=(0, 1)))[1:]
    if "status" in only:
        results["status"] = measured(lambda: _cli("status", str(master), "--as-of", STATUS_AS_OF))[1:]
        before = _digest(master)
        _cli("status", str(master), "--as-of", STATUS_AS_OF)
        assert _digest(master) == before, "a second status run with the same date changed the file"
    if "report" in only:
        results["report"] = measured(lambda: _cli("report", str(collected), "--as-of", REPORT_AS_OF,
                                                  "--out", str(folder / "通报.xlsx")))[1:]
    return {"rows": rows, "findings": findings, "bytes": collected.stat().st_size, "read": (t_read, m_read),
            "results": results}


TARGETS = {"collect": 3, "status": 2, "report": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the data is generated (reused when present)")
    parser.add_argument("--only", default="collect,status,report", help="which commands to measure (comma-separated)")
    opts = parser.parse_args()
    numbers = measure(opts.dir or Path(tempfile.mkdtemp(prefix="bench-status-")), opts.rows, set(opts.only.split(",")))
    t_read, m_read = numbers["read"]
    print(f"master: {opts.rows} rows of 行政强制, {numbers['findings']} findings in 退回修改, {numbers['bytes'] / 1e6:.1f} MB")
    print(f"baseline: calamine read of every sheet of the master {t_read:.2f} s, peak RSS {m_read / MIB:.0f} MiB")
    print("\nratios to the calamine read (targets in brackets):")
    for name, (seconds, peak) in numbers["results"].items():
        target = TARGETS.get(name)
        print(f"  {name:<8} {seconds:7.2f} s  {seconds / t_read:5.2f}x" + (f"  [≤ {target}x]" if target else "")
              + f"  peak RSS {peak / MIB:5.0f} MiB" + ("  [≤ 600 MB]" if target == 2 else ""))


if __name__ == "__main__":
    main()
