"""The README's commands run as written in an empty folder: the monthly-cycle block, line by line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from runcli import run

README = Path(__file__).resolve().parents[1] / "README.md"


def monthly_cycle() -> list[list[str]]:
    block = re.search(r"<!-- monthly-cycle -->\s*```bash\n(.*?)```", README.read_text("utf-8"), re.S)
    assert block, "README has no monthly-cycle block"
    return [shlex.split(line) for line in block[1].splitlines() if line.strip()]


def test_monthly_cycle_runs_as_written_in_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = monthly_cycle()
    assert [words[0] for words in lines] == ["credit-macros", "cd"] + ["credit-macros"] * 5
    for words in lines:
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            continue
        code, out, err = run(*words[1:])
        # collect's documented outcomes: here every mail was collected by the demo already and the
        # one broken attachment is refused again, so nothing is accepted (3) and nothing changes
        expected = 3 if words[1] == "collect" else 0
        assert code == expected, f"{' '.join(words)} → {code}\n{out}\n{err}"
    here = Path.cwd()
    assert any((here / "下发").glob("*.xlsx")) and any((here / "草稿").glob("*.eml"))
    assert any((here / "通报").glob("半月通报_20260216.docx"))
