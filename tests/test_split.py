
import openpyxl
import pytest
from lo import convert, needs_soffice
from runcli import run

from credit_macros.catalogue.tasks import unit_templates
from credit_macros.collect import metadata, period_argument, template_version
from credit_macros.io.read import read_grids

UNIT = "开发建设部"
BOOK = "开发建设部_2026-01_信用信息报送.xlsx"


@pytest.fixture(scope="module")
def split(default_split):
    _master, units, out = default_split
    return units, out


@pytest.fixture(scope="module")
def unit_book(split):
    """The unit book loaded once with openpyxl, for the tests that only read it."""
    return openpyxl.load_workbook(split[0] / BOOK)


def test_one_book_per_unit_with_templates(split, unit_book):
    out, summary = split
    books = sorted(p.name for p in out.glob("*.xlsx"))
    assert len(books) == 12 and BOOK in books
    assert "以下 9 个单位不负责任何报送模板，未生成文件" in summary and "招商一部" in summary
    wb = unit_book
    assert wb.sheetnames == ["报送信息", *unit_templates(UNIT), "_报送信息", "_选项"]
    assert wb["_报送信息"].sheet_state == "veryHidden"


def test_metadata_reads_back(split):
    out, _ = split
    meta = metadata(read_grids(out / BOOK))
    assert (meta["单位"], meta["报送期"], meta["模板版本"]) == (UNIT, "2026-01", template_version())
    assert meta["报送期限"] == "2026-02-02（星期一）"


def test_headers_locked_data_columns_open(unit_book):
    wb = unit_book
    ws = wb["水费"]
    assert ws.protection.sheet and not ws.protection.password
    assert ws["A1"].value == "行政相对人名称" and ws["A1"].protection.locked
    assert ws.column_dimensions["A"].protection.locked is False
    assert ws.protection.insertRows is False and ws.protection.sort is False  # allowed while protected
    repair = wb["信用修复告知书"]
    assert repair["B1"].value == UNIT and repair["B1"].protection.locked


@needs_soffice
def test_protection_and_metadata_survive_a_libreoffice_round_trip(split, tmp_path):
    out, _ = split
    again = convert(out / BOOK, "xlsx", tmp_path)
    wb = openpyxl.load_workbook(again)
    assert wb["水费"].protection.sheet
    assert metadata(read_grids(again))["单位"] == UNIT


def test_bad_period_is_refused_and_typed_months_are_accepted(split, default_split, tmp_path):
    out, _ = split
    code, _, err = run("split", str(out / BOOK), "--period", "2026-13", "--out", str(tmp_path))
    assert (code, err) == (2, "错误：--period 的值“2026-13”不是月份，请写成 2026-01（也可写 2026-1、2026年1月、2026.1）。\n")
    assert not list(tmp_path.iterdir())
    expected = sorted(p.name for p in out.glob("*_2026-01_信用信息报送.xlsx"))
    assert len(expected) == 12
    # split reads --period only through period_argument: every typed form is checked there,
    # one of them end to end
    assert [period_argument(t) for t in ("2026年1月", "2026-1", "2026.1")] == ["2026-01"] * 3
    folder = tmp_path / "typed"
    folder.mkdir()
    code, _, err = run("split", str(default_split[0]), "--period", "2026年1月", "--out", str(folder))
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == expected
