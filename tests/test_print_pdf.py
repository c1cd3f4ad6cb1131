"""The files as printed: LibreOffice renders the blank templates, a unit's workbook of ``split``,
the demo's master, the 半月通报 workbook and the .docx circular to PDF, and the pages are measured
with poppler (``pdftotext``): pages per sheet (the footer names the sheet), the text on a page,
and code cells against their columns (Carlito's metrics, Calibri's twin).

Page 1 of each PDF is kept as a PNG (``pdftoppm -r 50``) in the folder ``$CREDIT_MACROS_ARTEFACTS``
(default: a new temporary folder, printed at the end of the run) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from fontmetrics import column_pixels, font_file, text_pixels
from lo import convert_many, needs_soffice
from runcli import DEFAULT_CONFIG, run

from credit_macros import catalogue
from credit_macros.build.master import GUIDE_SHEET, MASTER_NAME, blank_name, guide_lines
from credit_macros.build.page import title_rows
from credit_macros.catalogue import CODE_TYPES
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import META_VISIBLE_SHEET
from credit_macros.config import load_config
from credit_macros.io.read import read_grids

pytestmark = [
    needs_soffice,
    pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                       reason="poppler-utils（pdftotext、pdftoppm）未安装；.ci/run 会安装"),
    pytest.mark.slow,
]
FOOTER = re.compile(r"^\s*(\S+)\s+第\s*(\d+)\s*页\s*/\s*共\s*(\d+)\s*页\s*$")
UNIT = "西咸新区消防救援支队沣西新城大队"  # reports six templates
PERIOD = "2026-01"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


class Printed:
    """A file rendered to PDF: its pages' text (``pdftotext -layout``) and each page's sheet."""

    def __init__(self, source: Path, pdf: Path, artefacts: Path, label: str):
        self.source, self.pdf = source, pdf
        text = subprocess.run(["pdftotext", "-layout", str(self.pdf), "-"], capture_output=True, text=True, check=True).stdout
        self.pages = text.split("\f")[:-1]
        # content order: the lines of a wrapped cell stay together (in -layout they interleave with
        # the next columns' lines)
        raw = subprocess.run(["pdftotext", "-raw", str(self.pdf), "-"], capture_output=True, text=True, check=True).stdout
        self.raw = raw.split("\f")[:-1]
        self.cells = [_squeeze(page) for page in self.raw]
        self.png = artefacts / f"{label}-1.png"
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(self.pdf),
                        str(artefacts / f"{label}-1")], check=True)

    def sheets(self) -> list[str | None]:
        """The sheet each page's footer names (read in content order: in -layout a chart's labels
        may share the footer's line)."""
        found = [[m.group(1) for m in map(FOOTER.match, page.splitlines()) if m] for page in self.raw]
        return [names[0] if len(names) == 1 else None for names in found]

    def sheet_texts(self, sheet: str) -> list[str]:
        """``cells`` of the pages of ``sheet``."""
        return [text for name, text in zip(self.sheets(), self.cells) if name == sheet]


def print_all(sources: dict[str, Path], outdir: Path, artefacts: Path) -> dict[str, Printed]:
    """Each source rendered to PDF, all in one LibreOffice start: copied first under its label
    (the 通报 .xlsx and .docx share a name), then converted."""
    labels = {name: name.replace(" ", "_") for name in sources}
    copies = {name: outdir / "in" / f"{labels[name]}{path.suffix}" for name, path in sources.items()}
    (outdir / "in").mkdir(parents=True, exist_ok=True)
    for name, copy in copies.items():
        shutil.copy(sources[name], copy)
    pdfs = convert_many(list(copies.values()), "pdf", outdir / "pdf")
    return {name: Printed(sources[name], pdf, artefacts, labels[name]) for name, pdf in zip(sources, pdfs)}


@pytest.fixture(scope="module")
def artefacts() -> Path:
    folder = Path(os.environ.get("CREDIT_MACROS_ARTEFACTS") or tempfile.mkdtemp(prefix="credit-macros-print-"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\n打印预览（每个文件第 1 页的 PNG）：{folder}")


@pytest.fixture(scope="module")
def files(default_split, demo_month) -> dict[str, Path]:
    built, units, _ = default_split  # split --period 2026-01 (PERIOD)
    demo = demo_month
    found = {f"blank {t.key}": built.parent / "空白模板" / blank_name(t) for t in catalogue.templates()}
    found["unit book"] = units / f"{unitlib.by_name(UNIT).short}_{PERIOD}_信用信息报送.xlsx"
    found["master"] = demo / MASTER_NAME
    found["report xlsx"], = (demo / "通报").glob("*.xlsx")
    found["report docx"], = (demo / "通报").glob("*.docx")
    return found


@pytest.fixture(scope="module")
def printed(files, tmp_path_factory, artefacts) -> dict[str, Printed]:
    return print_all(files, tmp_path_factory.mktemp("pdf"), artefacts)


def test_page_one_of_each_file_is_kept_as_png(printed):
    for name, item in printed.items():
        assert item.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


@pytest.mark.parametrize("template", catalogue.templates(), ids=lambda t: t.key)
def test_blank_template_prints_one_page_per_sheet(printed, template):
    """Empty, a blank template is one page per sheet: the table one page wide (all its headers on
    it) and the 说明 whole on the next."""
    item = printed[f"blank {template.key}"]
    assert item.sheets() == [template.sheet, GUIDE_SHEET]
    assert [c.name for c in template.columns if _squeeze(c.name) not in item.cells[0]] == []
    guide = item.cells[1]
    assert [line for line in guide_lines(load_config(None), template) if _squeeze(line) not in guide] == []


def test_unit_book_prints_one_page_per_sheet_and_the_whole_instructions(printed):
    item = printed["unit book"]
    keys = tasklib.unit_templates(UNIT)
    assert item.sheets() == [META_VISIBLE_SHEET] + [catalogue.template(k).sheet for k in keys]
    info = item.cells[0]
    config = load_config(None)
    wanted = [f"{config['office']['district']}社会信用信息报送表", UNIT, PERIOD,
              "、".join(catalogue.template(k).label for k in keys)] + guide_lines(config)[1:]
    assert [line for line in wanted if _squeeze(line) not in info] == []
    for page, key in zip(item.cells[1:], keys):
        assert [c.name for c in catalogue.template(key).columns if _squeeze(c.name) not in page] == []


def test_master_sheets_print_one_page_wide(printed):
    """Every sheet of the demo's master: its first page holds its first and last printed header
    (fit to one page wide; LibreOffice would put the right-hand columns on later pages), its
    header rows repeat on every page, and the 说明 prints on one page."""
    item = printed["master"]
    wb = openpyxl.load_workbook(item.source)
    pages = Counter(item.sheets())
    assert pages[GUIDE_SHEET] == 1 and None not in pages
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        header = title_rows(ws)
        assert pages[ws.title] >= 1, ws.title
        if not header:
            continue
        names = [ws.cell(header, c).value for c in range(1, ws.max_column + 1)
                 if ws.cell(header, c).value and not ws.column_dimensions[ws.cell(header, c).column_letter].hidden]
        for n, text in enumerate(item.sheet_texts(ws.title)):
            assert _squeeze(names[0]) in text and _squeeze(names[-1]) in text, (ws.title, n + 1, names[0], names[-1])
    print({sheet: count for sheet, count in pages.items()})


def test_master_prints_every_collected_row(printed):
    """The demo's master prints the rows collect streamed into its template sheets: the first
    column's text of the first and last row of each is on that sheet's pages (a print area fixed
    at build time to the header row printed none of them)."""
    item = printed["master"]
    grids = read_grids(item.source)
    missing = {}
    for template in catalogue.templates():
        rows = [r for r in grids[template.sheet][template.header_rows:] if r and r[0] not in ("", None)]
        if not rows:
            continue
        text = "".join(item.sheet_texts(template.sheet))
        shown = [f"{v:g}" if isinstance(v, float) else str(v) for v in (rows[0][0], rows[-1][0])]  # 序号 1.0 prints as 1
        missing.update({(template.sheet, i): v for i, v in enumerate(shown) if _squeeze(v) not in text})
    assert missing == {}


def test_collected_rows_are_as_tall_as_their_wrapped_text(printed):
    """collect streams rows into the master without Excel to lay them out: a row whose text wraps
    in a narrow column (a long 检查内容, a company name) is written as tall as its lines (15 pt a
    line), else LibreOffice and WPS print the lines over the next row; every data cell starts at
    the top of its row, level with the wrapped ones."""
    from credit_macros.build.styles import text_width

    wb = openpyxl.load_workbook(printed["master"].source)
    short, tall = [], 0
    for template in catalogue.templates():
        ws = wb[template.sheet]
        for r in range(template.header_rows + 1, ws.max_row + 1):
            lines = 1
            for c in range(1, len(template.columns) + 1):
                cell, dims = ws.cell(r, c), ws.column_dimensions[openpyxl.utils.get_column_letter(c)]
                if isinstance(cell.value, str) and dims.alignment.wrap_text:
                    lines = max(lines, -(-text_width(cell.value) // int(dims.width - 1)))
            tall += lines > 1
            if lines > 1 and (ws.row_dimensions[r].height or 15) < lines * 15:
                short.append((template.sheet, r, lines, ws.row_dimensions[r].height))
        assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].alignment.vertical == "top"
                   for c in range(1, len(template.columns) + 1)), template.sheet
    assert tall > 20 and short == []


def test_code_cells_fit_their_columns(printed):
    """No 统一社会信用代码 / 身份证号 / 电话 of the demo is wider than its column in Carlito 11 (the
    font LibreOffice uses for Calibri): each shows whole on one line. The same widths hold a
    letter-heavy 18-character code, and the unit book and blank template columns are as wide."""
    carlito = font_file()
    if carlito is None:
        pytest.skip("Carlito 字体未安装；.ci/run 会安装 fonts-crosextra-carlito")
    master = openpyxl.load_workbook(printed["master"].source)
    unit = openpyxl.load_workbook(printed["unit book"].source)
    checked = 0
    for template in catalogue.templates():
        ws = master[template.sheet]
        first = (2 if template.unit_line else 1) + template.header_rows
        blank = openpyxl.load_workbook(printed[f"blank {template.key}"].source)[template.sheet]
        for c, column in enumerate(template.columns, start=1):
            if column.type not in CODE_TYPES:
                continue
            letter = openpyxl.utils.get_column_letter(c)
            room = column_pixels(ws.column_dimensions[letter].width)
            assert blank.column_dimensions[letter].width == ws.column_dimensions[letter].width
            if template.sheet in unit.sheetnames:
                assert unit[template.sheet].column_dimensions[letter].width == ws.column_dimensions[letter].width
            if column.type != "phone":
                assert text_pixels("91610131MA6TGMWN3X", carlito) <= room, (template.sheet, column.name)
            for r in range(first, ws.max_row + 1):
                value = ws.cell(r, c).value
                if isinstance(value, str) and value:
                    checked += 1
                    assert text_pixels(value, carlito) <= room, (template.sheet, f"{letter}{r}", value, room)
    assert checked > 100


def test_report_workbook_prints_one_page_wide(printed):
    item = printed["report xlsx"]
    sheets = item.sheets()
    assert sheets[0] == "通报" and set(sheets) == {"通报", "单位得分", "指标", "指标趋势"}
    assert "沣西新城社会信用体系建设工作通报" in item.cells[0]
    for text in item.sheet_texts("单位得分"):
        assert "排名" in text and "备注" in text


def test_circular_pages_numbers_and_table_rows(printed):
    """The .docx as printed: "— N —" at the foot of page N, the 期号 line on page 1, and each row of
    the score table on one line: rank … 得分, no number broken over two lines."""
    pages = printed["report docx"].pages
    assert re.search(r"\d{4}年第\d+期", _squeeze(pages[0]))
    for n, page in enumerate(pages, start=1):
        assert _squeeze([line for line in page.splitlines() if line.strip()][-1]) == f"—{n}—"
    rows = [line.split() for page in pages for line in page.splitlines() if re.match(r"\s*\d+\s+\S", line)]
    score_rows = [r for r in rows if len(r) >= 8 and re.fullmatch(r"\d+\.\d", r[-1])]
    assert len(score_rows) >= 10
    for row in score_rows:
        assert re.fullmatch(r"\d+\.\d%", row[-3]) and re.fullmatch(r"\d+\.\d%|—", row[-2]), row
    tokens = "".join(pages).split()
    assert not [t for t in tokens if re.fullmatch(r"%|\.\d+%?|\d%", t)]


def _page_sizes(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) in points of every page, from ``pdfinfo``."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [(round(float(w)), round(float(h))) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def test_wide_paper_a3_for_the_wide_templates(tmp_path, artefacts):
    """``[print] wide_paper = "A3"``: the templates that would print below 60 % on A4 landscape
    (附件1–5) print on A3 landscape, still one page wide; the narrow ones stay A4."""
    config = tmp_path / "config.toml"
    config.write_text(Path(DEFAULT_CONFIG).read_text("utf-8").replace('wide_paper = "A4"', 'wide_paper = "A3"'), "utf-8")
    assert run("--config", config, "build", "--out", tmp_path / "build" / MASTER_NAME)[0] == 0
    a3, a4 = (842, 1191), (595, 842)  # points, short side first
    papers = {"行政强制": a3, "行政裁决": a3, "水费": a4}
    printed = print_all({f"a3 {key}": tmp_path / "build" / "空白模板" / blank_name(catalogue.template(key)) for key in papers},
                        tmp_path / "pdf", artefacts)
    for key, paper in papers.items():
        template, item = catalogue.template(key), printed[f"a3 {key}"]
        assert item.sheets() == [template.sheet, GUIDE_SHEET]
        assert [tuple(sorted(size)) for size in _page_sizes(item.pdf)] == [paper, a4], key
