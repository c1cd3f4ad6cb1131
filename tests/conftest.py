import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import os

# xlwings' remote engine needs a licence key; a government office is a permitted
# noncommercial user (see README).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a test over half a minute (a full-height sheet); deselect with -m 'not slow'")
