"""``credit-macros archive``: a closed year's rows move to the archive beside the master, nothing lost;
and Excel's row limit: ``collect`` refuses a merge past it, ``status`` warns at 80 %."""

import random
import zipfile
from collections import Counter

import pytest
from runcli import run

from credit_macros import catalogue
from credit_macros.build.master import MASTER_NAME, build_master
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, demo_config_text, unit_workbook
from credit_macros.io.cached import sheet_parts
from credit_macros.io.read import read_grids
from credit_macros.io.xlsxstream import SheetRows, rewrite
from credit_macros.plans import MAX_ROWS, row_digest

UNIT = "开发建设部"
KEYS = ("水费", "燃气费")


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A master holding 开发建设部's 水费 and 燃气费 of 2025-11, 2025-12 (then sent again: 历史版本) and 2026-01."""
    folder = tmp_path_factory.mktemp("archive")
    (folder / "config.toml").write_text(demo_config_text([UNIT]), "utf-8")
    config = load_config(folder / "config.toml")
    build_master(config).save(folder / MASTER_NAME)
    for i, (period, n, as_of) in enumerate([("2025-11", 3, "2025-12-10"), ("2025-12", 4, "2026-01-10"),
                                            ("2025-12", 5, "2026-01-20"), ("2026-01", 2, "2026-02-10")]):
        rows = {k: RowMaker(catalogue.template(k), UNIT, period, random.Random(i * 10 + j)).rows(n) for j, k in enumerate(KEYS)}
        source = folder / f"v{i}" / f"{UNIT}_{period}.xlsx"
        source.parent.mkdir()
        source.write_bytes(unit_workbook(UNIT, period, config, rows))
        code, out, err = run("--config", str(folder / "config.toml"), "collect", str(folder / MASTER_NAME), str(source),
                             "--as-of", as_of)
        assert code == 0, err
    return folder


@pytest.fixture
def office(collected, tmp_path):
    for name in ("config.toml", MASTER_NAME):
        (tmp_path / name).write_bytes((collected / name).read_bytes())
    return tmp_path


def archive(folder, year="2025"):
    return run("--config", str(folder / "config.toml"), "archive", str(folder / MASTER_NAME), "--year", year)


def data_rows(grid, first):
    return [r for r in grid[first - 1:] if any(v not in ("", None) for v in r)]


def period_column(grid, header_row):
    return grid[header_row - 1].index("报送期")


def test_round_trip_moves_the_year_and_loses_nothing(office):
    before = read_grids(office / MASTER_NAME)
    code, out, err = archive(office)
    assert code == 0, err
    target = office / "信用体系建设台账_2025年归档.xlsx"
    assert f"已把 2025 年的 {3 + 5 + 3 + 5 + 4 + 4} 行移入 {target}" in out
    after, kept = read_grids(office / MASTER_NAME), read_grids(target)
    for key in KEYS:
        sheet = catalogue.template(key).sheet
        header = next(i for i, r in enumerate(before[sheet], start=1) if "报送期" in r)
        p = period_column(before[sheet], header)
        old = data_rows(before[sheet], header + 1)
        assert Counter(r[p] for r in old) == {"2025-11": 3, "2025-12": 5, "2026-01": 2}
        assert after[sheet][:header] == before[sheet][:header] == kept[sheet][:header]  # headers
        stay, went = data_rows(after[sheet], header + 1), data_rows(kept[sheet], header + 1)
        assert [r for r in old if r[p] == "2026-01"] == stay
        assert [r for r in old if r[p].startswith("2025")] == went  # every column, provenance included, in order
        assert {r[-4] for r in went} == {UNIT}  # 来源单位
    history = data_rows(before["历史版本"], 2)
    assert [r[2] for r in history] == ["2025-12"] * 8
    assert data_rows(kept["历史版本"], 2) == history and data_rows(after["历史版本"], 2) == []
    for sheet in ("报送情况", "收文记录"):
        assert after[sheet] == before[sheet]  # whole in the master
        assert kept[sheet] == before[sheet][:1]  # headers only in the archive
    assert (office / f"{MASTER_NAME[:-5]}.bak.xlsx").exists()


def test_second_run_moves_nothing_and_leaves_the_master_byte_identical(office):
    assert archive(office)[0] == 0
    master = (office / MASTER_NAME).read_bytes()
    target = office / "信用体系建设台账_2025年归档.xlsx"
    kept = target.read_bytes()
    code, out, err = archive(office)
    assert code == 0, err
    assert "没有报送期在 2025 年的模板行或历史版本行，无需归档，总台账未改动" in out
    assert (office / MASTER_NAME).read_bytes() == master and target.read_bytes() == kept


def test_a_year_without_rows_changes_nothing(office):
    master = (office / MASTER_NAME).read_bytes()
    assert archive(office, "2024")[0] == 0
    assert (office / MASTER_NAME).read_bytes() == master
    assert not (office / "信用体系建设台账_2024年归档.xlsx").exists()


def test_locked_master_or_archive_is_refused(office):
    master = (office / MASTER_NAME).read_bytes()
    lock = office / f"~${MASTER_NAME}"
    lock.write_bytes(b"")
    code, out, err = archive(office)
    assert code == 2 and "错误" in err and MASTER_NAME in err and "关闭" in err
    lock.unlink()
    (office / "~$信用体系建设台账_2025年归档.xlsx").write_bytes(b"")
    code, out, err = archive(office)
    assert code == 2 and "信用体系建设台账_2025年归档.xlsx" in err
    assert (office / MASTER_NAME).read_bytes() == master
    assert not (office / "信用体系建设台账_2025年归档.xlsx").exists()


@pytest.mark.slow
def test_collect_refuses_a_merge_past_the_row_limit(office):
    """A 水费 sheet filled to 3 rows below Excel's last row (written by the streaming writer) takes no 4-row file."""
    folder = office
    config = load_config(folder / "config.toml")
    master = folder / MASTER_NAME
    sheet = catalogue.template("水费").sheet
    grid = read_grids(master)[sheet]
    header = next(i for i, r in enumerate(grid, start=1) if "报送期" in r)
    head = grid[header - 1]
    row = [None] * len(head)
    row[0], row[head.index("来源单位")], row[head.index("报送期")], row[head.index("来源文件")] = "x", "财政金融部", "2024-01", "填充.xlsx"
    filler = [row] * (MAX_ROWS - 3 - header)
    full = folder / "full.xlsx"
    rewrite(master, full, {sheet: SheetRows(header + 1, filler)})
    full.replace(master)
    before = master.read_bytes()
    full_copy = folder / "full-copy.xlsx"
    full_copy.write_bytes(before)
    source = folder / "v" / f"{UNIT}_2026-02.xlsx"
    source.parent.mkdir()
    source.write_bytes(unit_workbook(UNIT, "2026-02", config,
                                     {"水费": RowMaker(catalogue.template("水费"), UNIT, "2026-02", random.Random(5)).rows(4)}))
    code, out, err = run("--config", str(folder / "config.toml"), "collect", str(master), str(source), "--as-of", "2026-03-10")
    assert code == 2
    assert f"工作表“{sheet}”合并后将有 {MAX_ROWS + 1:,} 行，超过 Excel 每个工作表 {MAX_ROWS:,} 行的上限，未作任何修改" in err
    assert f"credit-macros archive {MASTER_NAME} --year" in err
    assert master.read_bytes() == before
    code, out, err = run("--config", str(folder / "config.toml"), "status", str(master), "--as-of", "2026-03-10")
    assert code == 0, err
    assert f"注意：{MASTER_NAME} 的工作表“{sheet}”已有 {MAX_ROWS - 3:,} 行，达到 Excel 上限 {MAX_ROWS:,} 行的 100%" in out
    with zipfile.ZipFile(master) as z:  # status copied the full sheet as it was, still compressed
        part = sheet_parts(z)[sheet]
        after = z.getinfo(part)
    with zipfile.ZipFile(full_copy) as z:
        assert (z.getinfo(part).CRC, z.getinfo(part).compress_size) == (after.CRC, after.compress_size)


def test_row_digest_matches_after_the_round_trip(office):
    before = read_grids(office / MASTER_NAME)
    assert archive(office)[0] == 0
    kept = read_grids(office / "信用体系建设台账_2025年归档.xlsx")
    sheet = catalogue.template("燃气费").sheet
    header = next(i for i, r in enumerate(before[sheet], start=1) if "报送期" in r)
    moved = [r for r in data_rows(before[sheet], header + 1) if r[period_column(before[sheet], header)].startswith("2025")]
    assert [row_digest(r) for r in moved] == [row_digest(r) for r in data_rows(kept[sheet], header + 1)]
