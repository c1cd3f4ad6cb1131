"""report, remind and split refuse a workbook that is not a master, naming what it lacks (17.10, 11.6)."""

from __future__ import annotations

import random

import pytest
from runcli import run

from credit_macros import catalogue
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, demo_config_text, unit_workbook

UNIT = "开发建设部"


@pytest.fixture
def unit_book(tmp_path):
    (tmp_path / "config.toml").write_text(demo_config_text([UNIT]), "utf-8")
    config = load_config(tmp_path / "config.toml")
    key = catalogue.tasks.unit_templates(UNIT)[0]
    rows = RowMaker(catalogue.template(key), UNIT, "2026-01", random.Random(1)).rows(2)
    path = tmp_path / "开发建设部_2026-01.xlsx"
    path.write_bytes(unit_workbook(UNIT, "2026-01", config, {key: rows}))
    return path


@pytest.mark.parametrize("argv", [
    ("report", "{book}", "--as-of", "2026-02-10", "--out", "{folder}/通报.xlsx"),
    ("remind", "{book}", "--as-of", "2026-02-10", "--out", "{folder}/草稿"),
    ("split", "{book}", "--period", "2026-02", "--out", "{folder}/报送表"),
])
def test_unit_workbook_is_not_taken_as_the_master(unit_book, argv):
    folder = unit_book.parent
    (folder / "草稿").mkdir()
    (folder / "报送表").mkdir()
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    code, out, err = run("--config", folder / "config.toml", *(a.format(book=unit_book, folder=folder) for a in argv))
    assert code == 2, (out, err)
    missing = [t.sheet for t in catalogue.templates() if t.sheet not in catalogue.tasks.unit_templates(UNIT)]
    assert err.startswith(f"错误：{unit_book.name} 不是总台账：缺少模板工作表 {'、'.join(missing)}（这像是成员单位的报送表")
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before
