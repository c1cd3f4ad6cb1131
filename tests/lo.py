"""LibreOffice headless, the real spreadsheet engine available on Linux.

``convert(src, fmt, outdir)`` opens ``src`` in LibreOffice Calc and saves it as ``fmt``
(xlsx, xls, csv, pdf …), which recalculates every formula on load. Each call uses a private
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
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", fmt, "--outdir", str(outdir), str(src)],
            capture_output=True, text=True, timeout=timeout,
        )
    target = outdir / (Path(src).stem + "." + fmt.split(":")[0])
    if result.returncode != 0 or not target.exists():
        raise AssertionError(f"LibreOffice failed on {src}: rc={result.returncode}\n{result.stdout}\n{result.stderr}")
    return target
