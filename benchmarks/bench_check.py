"""Benchmark ``credit-macros check`` on 100,000 rows of 附件2 行政强制 (24 columns, ~2 % bad cells).

Measured side by side in one run, on the same generated file:

* calamine        python-calamine reading every sheet, nothing else (the floor for any check)
* bounded read    ``io.read.read_book``: the package checks and the streamed scan of each sheet
                  (``io.bounded``) plus the calamine read
* check           ``check FILE --json`` (read + validate + JSON), target ≤ 2 × calamine
* frictionless    frictionless-py validating equivalent rules (types, required, enum
                  constraints, USCC / ID patterns, unique 文书号) on the same xlsx; target ≥ 10 × check
* openpyxl        load + save of the file (the floor for anything that writes an xlsx)
* check --in-place  read + validate + mark + save through the streaming package writer
                  (``io.filemarks``: only the marked rows, styles, notes and our two sheets are
                  written, every other part copied still compressed), target ≤ 4 × calamine
                  (issue 16.1; ~29 × while it loaded and saved with openpyxl, which is still
                  printed for comparison)

Usage: ``python benchmarks/bench_check.py [--rows N] [--dir DIR] [--repeat N] [--skip-frictionless]``
(frictionless comes with ``pip install ".[bench]"``). The data
is generated with a fixed seed into DIR (default: a temporary folder) and reused when present.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import stdnum.cn.ric as ric  # noqa: E402
import stdnum.cn.uscc as uscc  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from credit_macros.catalogue import enum_values, template  # noqa: E402
from credit_macros.cli import Context  # noqa: E402
from credit_macros.commands import check  # noqa: E402
from credit_macros.config import load_config  # noqa: E402
from credit_macros.io.read import read_book  # noqa: E402

SEED = 20230601
BAD_RATE = 0.02
AS_OF = "2024-12-31"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_PATTERN = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]"
ID_PATTERN = r"[0-9]{17}[0-9X]"


def _companies(rng: random.Random, n: int) -> list[str]:
    codes = []
    for _ in range(n):
        first = "91" + "610100" + "".join(rng.choice(ALPHABET) for _ in range(9))
        codes.append(first + uscc.calc_check_digit(first))
    return codes


def _people(rng: random.Random, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15000))
        first = f"610102{born:%Y%m%d}{rng.randrange(1000):03d}"
        ids.append(first + ric.calc_check_digit(first + "0"))
    return ids


def generate(path: Path, rows: int) -> int:
    """Write ``rows`` rows of 行政强制 with ~BAD_RATE bad cells; returns the number of bad cells."""
    rng = random.Random(SEED)
    t = template("行政强制")
    orgs, people = _companies(rng, 2000), _people(rng, 2000)
    gov = _companies(rng, 20)
    measures, executions = enum_values("行政强制措施类型"), enum_values("行政强制执行类型")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("行政强制")
    ws.append([c.name for c in t.columns])
    bad = 0
    start = dt.date(2022, 1, 1)
    for i in range(rows):
        person = rng.random() < 0.3
        decided = start + dt.timedelta(days=rng.randrange(700))
        measure = rng.random() < 0.6
        row = {
            "行政相对人名称": f"西安某某{i % 3000}号公司" if not person else f"张{i % 500}",
            "行政相对人代码": rng.choice(people if person else orgs),
            "行政相对人类别": "自然人" if person else "法人及非法人组织",
            "法定代表人姓名": "" if person else f"李{i % 800}",
            "法定代表人证件类型": "" if person else "身份证",
            "法定代表人证件号码": "" if person else rng.choice(people),
            "行政强制决定文书名称": "查封（扣押）决定书" if measure else "行政强制执行决定书",
            "行政强制决定文书号": f"沣西执强〔{decided.year}〕{i + 1}号",
            "行政强制理由": "涉嫌违法生产经营",
            "行政强制依据": "《中华人民共和国行政强制法》第九条",
            "行政强制种类": "行政强制措施" if measure else "行政强制执行",
            "行政强制措施类型": rng.choice(measures) if measure else "",
            "行政强制执行类型": "" if measure else rng.choice(executions),
            "行政强制内容": "查封生产设备",
            "行政强制结果": "已执行",
            "行政强制决定日期": decided,
            "实施强制措施起始时间": decided + dt.timedelta(days=1) if measure else None,
            "实施强制措施结束时间": decided + dt.timedelta(days=30) if measure else None,
            "行政强制执行时间": None if measure else decided + dt.timedelta(days=10),
            "行政机关名称": "综合行政执法支队",
            "行政机关代码": gov[i % 20],
            "数据来源单位名称": "综合行政执法支队",
            "数据来源单位代码": gov[i % 20],
            "备注": "",
        }
        values = [row[c.name] for c in t.columns]
        spoilable = [k for k, c in enumerate(t.columns) if _spoil(c, values[k]) != values[k]]
        rate = BAD_RATE * len(t.columns) / len(spoilable)  # ~BAD_RATE of all cells
        for k in spoilable:
            if rng.random() < rate:
                values[k], bad = _spoil(t.columns[k], values[k]), bad + 1
        ws.append(values)
    wb.save(path)
    return bad


def _spoil(column, value):
    """A typical clerk's mistake for the column's type (the value itself where none applies)."""
    if column.type in ("uscc", "party_code", "id_number") and value:
        return value[:-1] + ("1" if value[-1] != "1" else "2")
    if column.type == "date" and value:
        return f"{value.year}-13-{value.day}"
    if column.type == "enum" and value:
        return "其他"
    if column.required:
        return ""
    return value


def frictionless_schema() -> dict:
    t = template("行政强制")
    fields = []
    for c in t.columns:
        field = {"name": c.name, "type": "date" if c.type == "date" else "string", "constraints": {}}
        if c.required:
            field["constraints"]["required"] = True
        if c.enum and enum_values(c.enum):
            field["constraints"]["enum"] = enum_values(c.enum)
        if c.type == "uscc":
            field["constraints"]["pattern"] = USCC_PATTERN
        if c.type in ("party_code", "id_number"):
            field["constraints"]["pattern"] = f"{USCC_PATTERN}|{ID_PATTERN}"
        if c.name == "行政强制决定文书号":
            field["constraints"]["unique"] = True
        fields.append(field)
    return {"fields": fields}


def timed(label: str, fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<34} {seconds:8.2f} s", flush=True)
    return seconds, result


def run_check(path: Path, in_place: bool) -> int:
    args = argparse.Namespace(file=path, sheet=None, in_place=in_place, json=True, as_of=AS_OF)
    return check.run(args, Context(load_config(), io.StringIO(), io.StringIO()))


def calamine_read(path: Path) -> dict:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of calamine read and check (best counts)")
    opts = parser.parse_args()
    folder = opts.dir or Path(tempfile.mkdtemp(prefix="bench-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"行政强制_{opts.rows}.xlsx"
    if not data.exists():
        seconds, bad = timed(f"generate {opts.rows} rows", lambda: generate(data, opts.rows))
        print(f"  {bad} bad cells of {opts.rows * 24} ({bad / (opts.rows * 24):.1%})")
    print(f"data: {data} ({data.stat().st_size / 1e6:.1f} MB)")

    # the fast pair alternates and keeps the best of --repeat runs: shared machines are noisy
    reads, bounded, checks = [], [], []
    for _ in range(opts.repeat):
        reads.append(timed("calamine read", lambda: calamine_read(data))[0])
        bounded.append(timed("bounded read (read_book)", lambda: read_book(data))[0])
        checks.append(timed("check --json (report only)", lambda: run_check(data, False))[0])
    t_read, t_bounded, t_check = min(reads), min(bounded), min(checks)
    work = folder / "in_place.xlsx"
    shutil.copy(data, work)
    t_in_place, _ = timed("check --in-place", lambda: run_check(work, True))
    t_openpyxl, _ = timed("openpyxl load + save", lambda: load_workbook(data).save(folder / "resaved.xlsx"))
    t_fl = None
    if not opts.skip_frictionless:
        try:
            from frictionless import Resource, Schema, validate
        except ImportError:
            raise SystemExit('frictionless is not installed: pip install ".[bench]" (or run with --skip-frictionless)')

        resource = Resource(path=data.name, basepath=str(folder), schema=Schema.from_descriptor(frictionless_schema()))
        t_fl, fl = timed("frictionless validate", lambda: validate(resource, limit_errors=10**7))
        print(f"  frictionless found {len(fl.flatten(['type']))} errors")

    print("\nratios (targets in brackets):")
    print(f"  bounded read / calamine read   {t_bounded / t_read:6.2f}")
    print(f"  check / calamine read          {t_check / t_read:6.2f}   [≤ 2]")
    if t_fl:
        print(f"  frictionless / check           {t_fl / t_check:6.2f}   [≥ 10]")
    print(f"  check --in-place / calamine    {t_in_place / t_read:6.2f}   [≤ 4]")
    print(f"  check --in-place / openpyxl    {t_in_place / t_openpyxl:6.2f}   [≤ 1.5]")


if __name__ == "__main__":
    main()
