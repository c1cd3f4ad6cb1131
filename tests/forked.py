"""The CLI in a process of its own, forked from a server process that imported the package
once (multiprocessing's forkserver): a run that can be killed like any other, without paying
Python's start and the package's imports (about a second) for each of the many runs the kill
tests make."""

from __future__ import annotations

import multiprocessing
import os
import pkgutil
import sys
from multiprocessing import forkserver

from credit_macros import commands
from credit_macros.cli import main

_SERVER = multiprocessing.get_context("forkserver")
# What the server imports (by name: it is started without the tests' sys.path): the CLI, the
# command modules main imports on every run, the holiday rules the calendar loads on first use.
_SERVER.set_forkserver_preload(["credit_macros.cli", *(f"{commands.__name__}.{m.name}" for m in pkgutil.iter_modules(commands.__path__)),
                                "holidays.countries.china"])


def _run(cwd: str, argv: list[str]) -> None:
    os.chdir(cwd)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sys.exit(main(argv, out=sink, err=sink))


def ready() -> None:
    """Start the server now (it imports the package: a second or so), so that a run timed
    after this is the command's time alone."""
    forkserver.ensure_running()


def start(cwd, *argv) -> multiprocessing.Process:
    """``credit-macros *argv`` running in ``cwd`` in a new process (``kill()`` sends SIGKILL;
    ``exitcode`` after ``join()`` is the command's exit code)."""
    proc = _SERVER.Process(target=_run, args=(str(cwd), [str(a) for a in argv]), daemon=True)
    proc.start()
    return proc
