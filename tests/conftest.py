import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import os

import pytest

# xlwings' remote engine needs a licence key; a government office is a permitted
# noncommercial user (see README).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


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
