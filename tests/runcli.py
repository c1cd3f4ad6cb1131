"""Run the CLI in-process and capture what it prints."""

from __future__ import annotations

import io
from pathlib import Path

import credit_macros
from credit_macros.cli import main


def run(*argv) -> tuple[int, str, str]:
    """``credit-macros *argv`` → (exit code, stdout, stderr); arguments may be paths."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ``--config`` naming the embedded default itself: the same settings wherever a test runs.
DEFAULT_CONFIG = str(Path(credit_macros.__file__).parent / "default_config.toml")
