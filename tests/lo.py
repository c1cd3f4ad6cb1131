"""LibreOffice headless, the real spreadsheet engine available on Linux.

``convert(src, fmt, outdir)`` opens ``src`` in LibreOffice Calc and saves it as ``fmt``
(xlsx, xls, csv, pdf …), which recalculates every formula on load; ``convert_many`` does the
same for several files in one start of LibreOffice. Each call uses a private
user profile so parallel runs do not fight over the profile lock.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装；.ci/run 会安装 libreoffice-calc-nogui")


def convert(src: Path, fmt: str, outdir: Path, timeout: int = 180) -> Path:
    return convert_many([src], fmt, outdir, timeout)[0]


def convert_many(sources: list[Path], fmt: str, outdir: Path, timeout: int = 180) -> list[Path]:
    """``convert`` for several files in one LibreOffice start (their names must differ in stem:
    each is saved as ``outdir/stem.fmt``)."""
    targets = [outdir / (Path(src).stem + "." + fmt.split(":")[0]) for src in sources]
    assert len(set(targets)) == len(targets), f"two sources would both be saved as the same file: {targets}"
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)],
            capture_output=True, text=True, timeout=timeout * len(sources),
        )
    missing = [src for src, target in zip(sources, targets) if not target.exists()]
    if result.returncode != 0 or missing:
        raise AssertionError(f"LibreOffice failed on {missing or sources}: rc={result.returncode}\n{result.stdout}\n{result.stderr}")
    return targets
