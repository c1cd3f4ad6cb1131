"""Output folders are created (parents too) by every command that writes into one, as ``demo``
does; only a folder that cannot be created is refused. Before: ``remind --out 草稿/`` — the
README's own example — failed in a fresh folder ("输出目录 草稿 不存在", exit 2), and so did
``split --out``, ``report --out`` and ``addin build --out``."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_macros.build.master import MASTER_NAME
from runcli import run


@pytest.fixture(scope="module")
def master(demo_month) -> Path:
    return demo_month / MASTER_NAME


@pytest.mark.parametrize("argv, made", [
    (["remind", "{m}", "--as-of", "2026-02-16", "--out", "{t}/草稿/二月"], "草稿/二月"),
    (["split", "{m}", "--period", "2026-02", "--out", "{t}/下发/二月"], "下发/二月"),
    (["report", "{m}", "--as-of", "2026-02-16", "--out", "{t}/通报/第1期/通报.xlsx"], "通报/第1期"),
    (["addin", "build", "--out", "{t}/加载项/新/credit_macros.xlam"], "加载项/新"),
    (["build", "--out", "{t}/台账/新/总台账.xlsx"], "台账/新"),
], ids=["remind", "split", "report", "addin", "build"])
def test_output_folder_and_parents_are_created(master, tmp_path, argv, made):
    argv = [a.format(m=master, t=tmp_path) for a in argv]
    code, _, err = run(*argv)
    assert code == 0, err
    assert (tmp_path / made).is_dir() and any((tmp_path / made).iterdir())


def test_a_folder_that_cannot_be_created_is_refused(master, tmp_path):
    (tmp_path / "文件").write_text("x")
    code, _, err = run("remind", master, "--as-of", "2026-02-16", "--out", tmp_path / "文件" / "草稿")
    assert code == 2 and "无法创建输出目录" in err and "同名文件" in err
