import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# xlwings' remote engine needs a licence key; a government office is a permitted
# noncommercial user (see README).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from messy import build_messy  # noqa: E402

from credit_macros.build.master import MASTER_NAME, build_master  # noqa: E402
from credit_macros.workdays import Calendar  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a test over half a minute (a full-height sheet); deselect with -m 'not slow'")


# ---------------------------------------------------------------- built once per session (hspeed)
# Read-only: a test that writes copies the file into its tmp_path first.

@pytest.fixture(scope="session")
def default_split(tmp_path_factory):
    """The master ``build`` makes with the embedded default configuration (its blank 附件
    templates beside it) and the unit books ``split --period 2026-01`` makes of it:
    (master, folder of unit books, what split printed)."""
    from runcli import DEFAULT_CONFIG, run

    from credit_macros.build.master import MASTER_NAME

    root = tmp_path_factory.mktemp("default_split")
    master = root / "build" / MASTER_NAME
    code, _out, err = run("--config", DEFAULT_CONFIG, "build", "--out", master)
    assert code == 0, err
    units = root / "units"
    units.mkdir()
    code, out, err = run("--config", DEFAULT_CONFIG, "split", master, "--period", "2026-01", "--out", units)
    assert code == 0, err
    return master, units, out


@pytest.fixture(scope="session")
def demo_month(tmp_path_factory):
    """The folder ``demo`` plays its month into with the embedded default configuration (master,
    inbox, outbox, 通报). Read it, do not change it: copy a file before writing to it."""
    from runcli import DEFAULT_CONFIG, run

    folder = tmp_path_factory.mktemp("demo_month") / "demo"
    code, _out, err = run("--config", DEFAULT_CONFIG, "demo", "--out", folder)
    assert code == 0, err
    return folder


# ----------------------------------------------------------------------------- shared fixtures
# Made once per session (building a master takes seconds); tests that change a file get their own copy.
@pytest.fixture(scope="session")
def cal():
    """The working-day calendar of the package's own data (no config)."""
    return Calendar()


@pytest.fixture(scope="session")
def messy_book(tmp_path_factory):
    """The messy returned workbook of ``tests/messy.py``, built once: read it, do not change it."""
    return build_messy(tmp_path_factory.mktemp("messy") / "回报.xlsx")


@pytest.fixture
def messy(messy_book, tmp_path):
    """The messy returned workbook of ``tests/messy.py`` as this test's own 回报.xlsx."""
    path = tmp_path / messy_book.path.name
    shutil.copy(messy_book.path, path)
    return dataclasses.replace(messy_book, path=path)


@pytest.fixture(scope="session")
def built_master(tmp_path_factory):
    """``built_master(config)`` → the path of ``build_master(config)`` saved, built once per config
    content in the session; copy it (``shutil.copy``) before changing it."""
    made: dict[str, Path] = {}

    def build(config) -> Path:
        key = json.dumps(config, sort_keys=True, default=str)
        if key not in made:
            made[key] = tmp_path_factory.mktemp("master") / MASTER_NAME
            build_master(config).save(made[key])
        return made[key]

    return build
