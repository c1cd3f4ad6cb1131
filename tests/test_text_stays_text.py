"""Text from config or data never becomes a formula in anything we write (18.6): the master,
unit books, the 通报 .xlsx, 校验结果 and 退回修改."""

from __future__ import annotations

import random
import re
import zipfile

from runcli import run

from credit_macros import catalogue
from credit_macros.build.master import MASTER_NAME
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, demo_config_text, unit_workbook

HOSTILE = '=HYPERLINK("http://evil.example/","点此领取")'
UNIT = "开发建设部"


def formulas(path) -> list[str]:
    """Every <f> in every worksheet of ``path``."""
    with zipfile.ZipFile(path) as z:
        return [f for name in z.namelist() if name.startswith("xl/worksheets/sheet")
                for f in re.findall(r"<f[^>]*>([^<]*)</f>", z.read(name).decode("utf-8"))]


def test_hostile_text_is_written_as_text_everywhere(tmp_path):
    config_text = demo_config_text([UNIT]).replace("[office]\n", f"[office]\ndistrict = '{HOSTILE}'\n", 1)
    config_text = config_text.replace('contact = "李信用"', f"contact = '{HOSTILE}'")
    (tmp_path / "config.toml").write_text(config_text, "utf-8")
    config = load_config(tmp_path / "config.toml")
    assert config["office"]["district"] == HOSTILE
    cfg = ("--config", tmp_path / "config.toml")
    master = tmp_path / MASTER_NAME
    assert run(*cfg, "build", "--out", master)[0] == 0
    (tmp_path / "books").mkdir()
    assert run(*cfg, "split", master, "--period", "2026-01", "--out", tmp_path / "books")[0] == 0
    key = catalogue.tasks.unit_templates(UNIT)[0]
    rows = RowMaker(catalogue.template(key), UNIT, "2026-01", random.Random(1)).rows(2)
    rows[0][0] = HOSTILE   # a unit's cell that looks like a formula, with a finding beside it
    rows[1][0] = None
    book = tmp_path / "in.xlsx"
    book.write_bytes(unit_workbook(UNIT, "2026-01", config, {key: rows}))
    assert run(*cfg, "collect", master, book, "--as-of", "2026-02-10")[0] == 0, "collect"
    assert run(*cfg, "check", book, "--in-place", "--as-of", "2026-02-10")[0] == 1
    code, _out, err = run(*cfg, "report", master, "--as-of", "2026-02-10", "--out", tmp_path / "通报.xlsx")
    assert code == 0, err
    written = [master, book, tmp_path / "通报.xlsx", *sorted((tmp_path / "books").glob("*.xlsx"))]
    assert len(written) > 4
    for path in written:
        with zipfile.ZipFile(path) as z:
            text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        assert "HYPERLINK" in text.replace("&quot;", '"') or path == book, path   # the text is there ...
        assert not [f for f in formulas(path) if "HYPERLINK" in f or "evil" in f], path   # ... never as a formula
