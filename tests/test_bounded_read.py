"""Reading follows the cells present: stray cells far away, a million rows, zip bombs, FIFOs,
a lying ``<dimension>`` — every command reads through ``io.read.read_book``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from messy import ORG_CODE
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from runcli import run

from credit_macros.catalogue import template
from credit_macros.io import bounded
from credit_macros.io.read import read_book

ROOT = Path(__file__).resolve().parents[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def package(path: Path, rows_xml, dimension: str | None = None, shared: list[str] | None = None) -> Path:
    """A minimal .xlsx whose only sheet 「S」 holds ``rows_xml`` (bytes, or an iterable of bytes
    written as a stream) inside ``<sheetData>``; ``shared``: the shared strings, if any."""
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    if shared is not None:
        ct = ct.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        book_rels = book_rels.replace("</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                                      'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    head = f'<worksheet xmlns="{MAIN}">' + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", book),
                           ("xl/_rels/workbook.xml.rels", book_rels)):
            z.writestr(name, text)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">'
                       + "".join(f"<si><t>{t}</t></si>" for t in shared) + "</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(head.encode())
            for piece in [rows_xml] if isinstance(rows_xml, bytes) else rows_xml:
                out.write(piece)
            out.write(b"</sheetData></worksheet>")
    return path


def cells(*refs_values) -> bytes:
    """``<row>``s for (reference, number) pairs, grouped by row in the given order."""
    rows: dict[int, list] = {}
    for ref, value in refs_values:
        rows.setdefault(int("".join(ch for ch in ref if ch.isdigit())), []).append(f'<c r="{ref}"><v>{value}</v></c>')
    return "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in rows.items()).encode()


def test_a_stray_value_at_xfd1048576_costs_its_cells_not_the_grid(tmp_path):
    path = package(tmp_path / "far.xlsx", cells(("A1", 1), ("B2", 2), ("XFD1048576", 3)))
    # calamine alone would ask for 2^34 cells and abort the process: run it in a child
    child = subprocess.run([sys.executable, "-c", "import sys; from credit_macros.io.read import read_book; "
                            "g = read_book(sys.argv[1])[0]['S']; print(len(g), g[0], g[1], len(g[-1]), g[-1][-1], sum(map(len, g)))",
                            str(path)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split() == ["1048576", "[1.0]", "['',", "2.0]", "16384", "3.0", str(1 + 2 + 16384)]


def test_a_stray_value_at_a1048576_reads_in_bounded_memory(tmp_path):
    path = package(tmp_path / "deep.xlsx", cells(("A1", 1), ("A1048576", 2)))
    tracemalloc.start()
    grid = read_book(path)[0]["S"]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(grid) == 1048576 and grid[0] == [1.0] and grid[-1] == [2.0]
    assert sum(map(len, grid)) == 2
    assert peak < 40 << 20  # a list of a million references to one empty row, not a million rows


def test_check_of_a_template_with_a_stray_value_far_below(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "科技研发"
    ws.append(["企业名称", "统一社会信用代码", "是否属于国家级高新技术企业", "获得科研支持信息"])
    ws.append(["西安某某科技有限公司", ORG_CODE, "是", "省级重点研发计划"])
    ws["D1048576"] = "多余"
    wb.save(tmp_path / "stray.xlsx")
    tracemalloc.start()
    code, out, _ = run("check", tmp_path / "stray.xlsx", "--json", "--as-of", "2023-07-15")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 1
    found = {(f["cell"], f["rule"]) for f in json.loads(out)["findings"]}
    assert found == {("A1048576", "required"), ("B1048576", "required"), ("C1048576", "required")}
    assert [(s["sheet"], s["rows"]) for s in json.loads(out)["sheets"]] == [("科技研发", 2)]
    assert peak < 100 << 20


def test_the_used_range_comes_from_the_cells_not_the_dimension_tag(tmp_path):
    lying_big = package(tmp_path / "big.xlsx", cells(("A1", 1), ("B2", 2)), dimension="A1:XFD1048576")
    assert read_book(lying_big)[0]["S"] == [[1.0, ""], ["", 2.0]]
    lying_small = package(tmp_path / "small.xlsx", cells(("A1", 1), ("C5", 3)), dimension="A1")
    grid = read_book(lying_small)[0]["S"]
    assert len(grid) == 5 and grid[4][2] == 3.0


def test_pieces_give_the_same_grid_as_one_read(tmp_path, monkeypatch):
    """A sheet read in pieces (as a million-row sheet is) holds exactly calamine's values, dates
    and shared strings included; merged ranges come from the sheet XML."""
    t = template("科技研发")
    wb = Workbook()
    ws = wb.active
    ws.append([c.name for c in t.columns])
    import datetime as dt
    for i in range(2500):
        ws.append([f"公司{i % 7}", ORG_CODE if i % 3 else None, "是", dt.date(2023, 1, 1) + dt.timedelta(days=i % 400), i * 1.5])
    ws.merge_cells("A3:B4")
    wb.save(tmp_path / "many.xlsx")
    whole = CalamineWorkbook.from_path(str(tmp_path / "many.xlsx")).get_sheet_by_name("Sheet").to_python(skip_empty_area=False)
    monkeypatch.setattr(bounded, "CHUNK_ROWS", 300)
    monkeypatch.setattr(bounded, "PIECE_ROWS", 300)
    grids, merged = read_book(tmp_path / "many.xlsx")
    assert grids["Sheet"] == whole
    assert merged["Sheet"] == [((2, 0), (3, 1))]


def test_a_sheet_read_whole_is_calamines_grid_with_shared_values(tmp_path):
    """The fast path builds calamine's grid from A1 row by row; equal texts and dates are one object
    (a large master repeats them on every row), numbers stay as they are."""
    import datetime as dt
    wb = Workbook()
    ws = wb.active
    for r in range(3, 40):
        ws.cell(r, 2, f"单位{r % 3}")
        ws.cell(r, 4, dt.date(2026, 1, 1 + r % 2))
        ws.cell(r, 5, r % 2 * 1.0)
    wb.save(tmp_path / "b3.xlsx")
    sheet = CalamineWorkbook.from_path(str(tmp_path / "b3.xlsx")).get_sheet_by_name("Sheet")
    grid = bounded.sheet_grid(sheet)
    assert grid == sheet.to_python(skip_empty_area=False)
    assert len(grid) == 39 and len(grid[0]) == 5 and grid[2][:2] == ["", "单位0"]
    assert grid[2][1] is grid[5][1] and grid[2][3] is grid[4][3]
    assert [type(row[4]) for row in grid[2:4]] == [float, float]


@pytest.mark.slow
def test_check_json_of_1048576_real_rows_in_bounded_memory(tmp_path):
    """The sheet's full height of 科技研发 rows: ``check --json`` answers in a child limited to 2 GB."""
    rows = (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>公司{r % 5000}</t></is></c><c r="B{r}" t="inlineStr"><is><t>{ORG_CODE}</t></is></c>'
            f'<c r="C{r}" t="inlineStr"><is><t>{"是" if r % 1000 else "也许"}</t></is></c></row>' for r in range(2, 1048577))
    head = ('<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c><c r="B1" t="inlineStr"><is><t>统一社会信用代码</t></is></c>'
            '<c r="C1" t="inlineStr"><is><t>是否属于国家级高新技术企业</t></is></c></row>')

    def stream():
        yield head.encode()
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode()

    path = package(tmp_path / "million.xlsx", stream())
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from credit_macros.cli import main; sys.exit(main(['check', sys.argv[1], '--json', '--as-of', '2023-07-15']))")
    child = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=900, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.returncode == 1, child.stderr[-2000:]
    report = json.loads(child.stdout)
    assert report["sheets"][0]["rows"] == 1048575
    enum = [f for f in report["findings"] if f["rule"] == "enum"]
    assert len(enum) == 1048 and enum[0]["cell"] == "C1000"


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    zeros = (b" " * (1 << 20) for _ in range(64))  # 64 MB of white space inside <sheetData>, ratio ~1000:1
    bomb = package(tmp_path / "bomb.xlsx", zeros)
    before = bomb.read_bytes()
    tracemalloc.start()
    code, out, err = run("check", bomb, "--in-place")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 2 and out == ""
    assert "xl/worksheets/sheet1.xml" in err and "压缩比" in err and "已拒绝读取" in err and "Traceback" not in err
    assert peak < 16 << 20 and bomb.read_bytes() == before


def test_a_fifo_named_like_a_workbook_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "x.xlsx"
    os.mkfifo(fifo)
    for argv in (["check", str(fifo)], ["check", str(fifo), "--in-place"], ["clear", str(fifo)]):
        child = subprocess.run([sys.executable, "-m", "credit_macros", *argv], capture_output=True, text=True, timeout=60,
                               cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert child.returncode == 2, (argv, child.stderr)
        assert "x.xlsx 不是普通文件" in child.stderr and "Traceback" not in child.stderr
