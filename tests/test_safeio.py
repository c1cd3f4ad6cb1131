"""Never lose a record (issue 17, 18, 11.8): the writer's lock, atomic writes and backups,
read-only and linked files, full disks, all-or-nothing outputs, stale temporaries."""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import forked
import pytest
from runcli import run

from credit_macros import catalogue, safeio
from credit_macros.build.master import MASTER_NAME, build_master
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, demo_config_text, unit_workbook
from credit_macros.errors import UserError
from credit_macros.io.read import read_grids

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-01"
AS_OF = "2026-02-10"
UNITS = ["开发建设部", "财政金融部"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("safeio")
    (folder / "config.toml").write_text(demo_config_text(UNITS), "utf-8")
    config = load_config(folder / "config.toml")
    build_master(config).save(folder / MASTER_NAME)
    books = {}
    for i, unit in enumerate(UNITS):
        key = catalogue.tasks.unit_templates(unit)[0]
        rows = RowMaker(catalogue.template(key), unit, PERIOD, random.Random(i)).rows(3)
        books[unit] = (key, unit_workbook(unit, PERIOD, config, {key: rows}))
    return folder, books


@pytest.fixture
def office(built, tmp_path):
    folder, books = built
    shutil.copy(folder / "config.toml", tmp_path / "config.toml")
    shutil.copy(folder / MASTER_NAME, tmp_path / MASTER_NAME)
    (tmp_path / "in").mkdir()
    paths = {}
    for unit, (key, data) in books.items():
        paths[unit] = tmp_path / "in" / f"{unit}.xlsx"
        paths[unit].write_bytes(data)
    return tmp_path, paths


def cli(folder, *argv):
    return run("--config", folder / "config.toml", *argv)


def subprocess_cli(folder, *argv, env=None, **kw):
    """The CLI in its own process (what a second colleague or a killed run is)."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "credit_macros", "--config", str(folder / "config.toml"), *map(str, argv)],
                            env=environ, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def readable(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    read_grids(path)


HOLD = """
import sys, time
from credit_macros.safeio import exclusive
with exclusive(sys.argv[1], command="collect 同事的汇总"):
    print("held", flush=True)
    time.sleep(120)
"""


def hold_lock(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


# ---------------------------------------------------------------- 17.1 lock

def test_second_writer_waits_then_is_refused_naming_the_holder(office, monkeypatch):
    folder, paths = office
    master = folder / MASTER_NAME
    before = master.read_bytes()
    holder = hold_lock(master)
    try:
        monkeypatch.setenv("CREDIT_MACROS_LOCK_WAIT", "1")
        for argv in (("status", master), ("collect", master, paths["开发建设部"], "--as-of", AS_OF),
                     ("check", master, "--in-place"), ("clear", master)):
            start = time.monotonic()
            code, out, err = cli(folder, *argv)
            assert time.monotonic() - start >= 1
            assert code == 2, (argv, err)
            assert f"进程 {holder.pid}" in err and "命令：collect 同事的汇总" in err and "已等待 1 秒" in err, err
            assert "Traceback" not in err
        assert master.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    # the OS releases the lock of a killed holder: the next run goes ahead at once
    code, out, err = cli(folder, "status", master, "--as-of", AS_OF)
    assert code == 0, err
    assert not safeio.lock_paths(master)[1].exists()  # the holder's note is gone with the lock


def test_two_collects_at_once_lose_nothing(built, office):
    """Two colleagues collect different units' mails into the same master at the same moment."""
    _folder, books = built
    folder, paths = office
    master = folder / MASTER_NAME
    for attempt in range(3):
        procs = [subprocess_cli(folder, "collect", master, paths[u], "--as-of", AS_OF) for u in UNITS]
        results = [(p.wait(), p.stdout.read(), p.stderr.read()) for p in procs]
        assert [r[0] for r in results] == [0, 0], results
        grids = read_grids(master)
        for unit, (key, _data) in books.items():
            rows = [r for r in grids[key][1:] if unit in r]
            assert len(rows) == 3, (attempt, unit, key)
        receipts = grids["收文记录"]
        assert {r[1] for r in receipts[1:] if r[4] == "接收"} >= set(UNITS)


# ---------------------------------------------------------------- 17.2 / 18.7 full disk

@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (we run as root here); skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs is not allowed here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(folder: Path, leave: int) -> None:
    """Fill the disk holding ``folder`` until ``leave`` bytes are free."""
    free = shutil.disk_usage(folder).free
    (folder / "填充.bin").write_bytes(b"\0" * max(0, free - leave))


@pytest.mark.parametrize("leave_factor", [0.2, 1.3])
def test_full_disk_status_says_so_in_chinese_and_leaves_nothing(office, small_disk, leave_factor):
    """0.2: the new master does not fit; 1.3: it fits but its backup does not."""
    folder, _paths = office
    shutil.copy(folder / "config.toml", small_disk / "config.toml")
    master = small_disk / MASTER_NAME
    shutil.copy(folder / MASTER_NAME, master)
    before = master.read_bytes()
    fill(small_disk, int(len(before) * leave_factor))
    files = listing(small_disk) | {".信用体系建设台账.xlsx.lock"}
    proc = subprocess_cli(small_disk, "status", master, "--as-of", AS_OF)
    code, out, err = proc.wait(), proc.stdout.read(), proc.stderr.read()
    assert code == 2, err
    assert err.startswith("错误：") and "磁盘空间不足" in err and "原文件未改动" in err, err
    assert "Traceback" not in err and "Exception ignored" not in err and "OSError" not in err, err
    assert master.read_bytes() == before
    assert listing(small_disk) == files, listing(small_disk) - files


def test_full_disk_report_writes_neither_file(office, small_disk):
    folder, paths = office
    cli(folder, "collect", folder / MASTER_NAME, *paths.values(), "--as-of", AS_OF)
    shutil.copy(folder / "config.toml", small_disk / "config.toml")
    master = small_disk / MASTER_NAME
    shutil.copy(folder / MASTER_NAME, master)
    out = small_disk / "通报.xlsx"
    # room for the .xlsx, not for the .docx as well
    probe = folder / "probe.xlsx"
    code, _o, err = cli(folder, "report", folder / MASTER_NAME, "--as-of", AS_OF, "--out", probe)
    assert code == 0, err
    fill(small_disk, probe.stat().st_size + probe.with_suffix(".docx").stat().st_size // 3)
    files = listing(small_disk)
    proc = subprocess_cli(small_disk, "report", master, "--as-of", AS_OF, "--out", out)
    code, stdout, err = proc.wait(), proc.stdout.read(), proc.stderr.read()
    assert code == 2, err
    assert "磁盘空间不足" in err and "没有写入任何新文件" in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert listing(small_disk) == files


# ---------------------------------------------------------------- 17.3 read-only and linked files

def test_read_only_master_is_refused(office):
    folder, paths = office
    master = folder / MASTER_NAME
    before = master.read_bytes()
    master.chmod(0o444)
    try:
        for argv in (("status", master), ("collect", master, paths["开发建设部"], "--as-of", AS_OF),
                     ("check", master, "--in-place")):
            code, out, err = cli(folder, *argv)
            assert code == 2 and f"文件 {master} 是只读文件，未作任何修改" in err, (argv, err)
        assert master.read_bytes() == before and (master.stat().st_mode & 0o777) == 0o444
        assert not safeio.backups(master)
    finally:
        master.chmod(0o644)


def test_symlinked_master_is_written_through(office, tmp_path):
    folder, paths = office
    real = folder / MASTER_NAME
    link_dir = tmp_path / "桌面"
    link_dir.mkdir()
    link = link_dir / "台账快捷方式.xlsx"
    link.symlink_to(real)
    code, out, err = cli(folder, "collect", link, paths["开发建设部"], "--as-of", AS_OF)
    assert code == 0, err
    assert link.is_symlink() and link.resolve() == real.resolve()
    key = catalogue.tasks.unit_templates("开发建设部")[0]
    assert len([r for r in read_grids(real)[key][1:] if "开发建设部" in r]) == 3
    assert (folder / "信用体系建设台账.bak.xlsx").exists() and listing(link_dir) == {link.name}


# ---------------------------------------------------------------- 11.8 backups never clobbered

def test_check_clear_check_keeps_the_users_original(built, tmp_path):
    folder, books = built
    key, data = books["开发建设部"]
    book = tmp_path / "报送.xlsx"
    book.write_bytes(data)
    import openpyxl
    wb = openpyxl.load_workbook(book)
    wb[key]["A2"] = None  # a required cell left empty: a finding to mark
    wb.save(book)
    original = book.read_bytes()
    assert run("check", book, "--in-place")[0] == 1
    marked = book.read_bytes()
    assert run("clear", book)[0] == 0
    cleared = book.read_bytes()
    code, out, _err = run("check", book, "--in-place")
    assert code == 1 and "报送.bak3.xlsx" in out
    assert (tmp_path / "报送.bak.xlsx").read_bytes() == original
    assert (tmp_path / "报送.bak2.xlsx").read_bytes() == marked
    assert (tmp_path / "报送.bak3.xlsx").read_bytes() == cleared
    assert safeio.latest_backup(book) == tmp_path / "报送.bak3.xlsx"


def test_numbered_backups_are_capped_and_the_first_original_kept(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("v0")
    for i in range(1, safeio.BACKUPS_KEPT + 4):
        safeio.atomic_write(target, lambda tmp, i=i: tmp.write_text(f"v{i}"))
    names = [p.name for p in safeio.backups(target)]
    last = safeio.BACKUPS_KEPT + 3
    assert names == ["a.bak.txt"] + [f"a.bak{n}.txt" for n in range(last - safeio.BACKUPS_KEPT + 1, last + 1)]
    assert (tmp_path / "a.bak.txt").read_text() == "v0" and target.read_text() == f"v{last}"


# ---------------------------------------------------------------- 18.7 all or nothing

def test_outputs_move_in_together_or_not_at_all(tmp_path):
    kept = tmp_path / "b.txt"
    kept.write_text("old")

    def full(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(UserError) as caught:
        with safeio.outputs() as out:
            out.write(tmp_path / "a.txt", lambda tmp: tmp.write_text("new"))
            out.write(kept, full)
    assert "磁盘空间不足" in caught.value.message and "没有写入任何新文件" in caught.value.message
    assert listing(tmp_path) == {"b.txt"} and kept.read_text() == "old"


# ---------------------------------------------------------------- 18.8 stale temporaries

def test_stale_temporaries_of_a_killed_run_are_removed_and_said(office):
    folder, _paths = office
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = folder / f".~tmp-{dead.pid}-k9x.xlsx"
    stale.write_bytes(b"PK half a master")
    alive = folder / f".~tmp-{os.getppid()}-busy.xlsx"   # a running process's temporary: not ours to delete
    alive.write_bytes(b"PK")
    users = folder / ".~tmp-笔记.xlsx"
    users.write_bytes(b"mine")
    code, out, err = cli(folder, "status", folder / MASTER_NAME, "--as-of", AS_OF)
    assert code == 0, err
    assert f"已删除上次中断时留在 {folder} 的临时文件 1 个：{stale.name}" in err
    assert not stale.exists() and alive.exists() and users.exists()


# ---------------------------------------------------------------- kill -9 at random points

def _killed_runs(folder, argv_of, tries, seed, reset=None):
    """Run ``argv_of(i)`` to completion once (to time it), then ``tries`` times killed with
    SIGKILL at a random moment of its run; after each kill the file and all its backups must
    read. The runs are forked from a process that has imported the package (``forked``), so the
    moments fall in the command's work, not in Python's start."""
    rng = random.Random(seed)
    config = ("--config", folder / "config.toml")
    forked.ready()
    start = time.monotonic()
    proc = forked.start(folder, *config, *argv_of(0))
    proc.join()
    assert proc.exitcode in (0, 1)
    full = time.monotonic() - start
    path = Path(argv_of(0)[1])
    for i in range(1, tries + 1):
        if reset:
            reset()
        proc = forked.start(folder, *config, *argv_of(i))
        time.sleep(rng.uniform(0.1, full))
        proc.kill()
        proc.join()
        readable(path)
        for backup in safeio.backups(path):
            readable(backup)
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(safeio.TMP_PREFIX)]
    code, _out, err = cli(folder, *argv_of(0))
    assert code in (0, 1), err
    assert not [p for p in path.parent.iterdir() if p.name.startswith(safeio.TMP_PREFIX)]
    return leftovers


def _units_rows_in(master) -> int:
    """How many rows of 开发建设部 the master's first template of that unit holds (3 once collected)."""
    key = catalogue.tasks.unit_templates("开发建设部")[0]
    return len([r for r in read_grids(master)[key][1:] if "开发建设部" in r])


# One test per command, so that parallel workers share the killed runs.
def test_kill_9_never_leaves_a_broken_master_or_backup_collect(built, office):
    folder, _paths = office
    master = folder / MASTER_NAME
    fresh = (built[0] / MASTER_NAME).read_bytes()

    def reset():
        """a master without the units' rows, so that every collect has to write"""
        with safeio.exclusive(master):
            safeio.atomic_write(master, lambda tmp: tmp.write_bytes(fresh), backup=False)

    _killed_runs(folder, lambda i: ("collect", master, folder / "in", "--as-of", AS_OF), 20, 1, reset)
    assert _units_rows_in(master) == 3


def test_kill_9_never_leaves_a_broken_master_or_backup_status(office):
    folder, _paths = office
    master = folder / MASTER_NAME
    assert cli(folder, "collect", master, folder / "in", "--as-of", AS_OF)[0] in (0, 1)
    _killed_runs(folder, lambda i: ("status", master, "--as-of", f"2026-02-{1 + i % 27:02d}"), 20, 2)
    assert _units_rows_in(master) == 3


def test_kill_9_never_leaves_a_broken_book_or_backup_check_in_place(office):
    folder, paths = office
    book = folder / "报送.xlsx"
    book.write_bytes(paths["财政金融部"].read_bytes())
    _killed_runs(folder, lambda i: ("check", book, "--in-place", "--as-of", f"2026-02-{1 + i % 27:02d}"), 20, 3)


def test_ribbon_honours_the_lock_the_cli_holds(office, monkeypatch):
    """A ribbon button on a master a CLI run is writing waits, then says who holds it."""
    from remote import actions, book

    from credit_macros import excel

    folder, _paths = office
    master = folder / MASTER_NAME
    holder = hold_lock(master)
    try:
        monkeypatch.setenv("CREDIT_MACROS_LOCK_WAIT", "1")
        b = book(master, saved=True)
        assert excel.split_out(b) is None
        [alert] = [a for a in actions(b) if a["func"] == "alert"]
        assert f"进程 {holder.pid}" in alert["args"][0] and alert["args"][3] == "critical"
        assert not list(folder.glob("报送表_*"))
    finally:
        holder.kill()
        holder.wait()
    b = book(master, saved=True)
    assert excel.split_out(b)
    assert len(list(folder.glob("报送表_*/*.xlsx"))) > 0


# ---------------------------------------------------------------- 17.4 build over a master with data

def test_build_refuses_to_replace_a_master_holding_collected_rows(office):
    folder, paths = office
    master = folder / MASTER_NAME
    assert cli(folder, "collect", master, paths["开发建设部"], "--as-of", AS_OF)[0] == 0
    collected = master.read_bytes()
    files = listing(folder)
    code, out, err = cli(folder, "build", "--out", master)
    key = catalogue.tasks.unit_templates("开发建设部")[0]
    assert code == 2 and f"{master} 已有数据（{key} 3 行、收文记录 " in err and "--force" in err, err
    assert master.read_bytes() == collected and listing(folder) == files
    first = (folder / "信用体系建设台账.bak.xlsx").read_bytes()   # the master before collect
    for _ in range(2):
        code, out, err = cli(folder, "build", "--out", master, "--force")
        assert code == 0, err
    assert (folder / "信用体系建设台账.bak.xlsx").read_bytes() == first
    assert (folder / "信用体系建设台账.bak2.xlsx").read_bytes() == collected
    assert (folder / "信用体系建设台账.bak3.xlsx").exists()


# ---------------------------------------------------------------- 18.5 malformed sheet XML

def test_master_with_malformed_sheet_xml_is_refused_pointing_to_the_backup(office):
    folder, paths = office
    master = folder / MASTER_NAME
    assert cli(folder, "status", master, "--as-of", AS_OF)[0] == 0     # now a backup exists
    broken = folder / "broken.xlsx"
    with zipfile.ZipFile(master) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    broken.replace(master)
    before = master.read_bytes()
    for argv in (("status", master), ("collect", master, paths["开发建设部"], "--as-of", AS_OF)):
        proc = subprocess_cli(folder, *argv)
        code, err = proc.wait(), proc.stderr.read()
        assert code == 2, (argv, err)
        assert err.startswith("错误：") and "信用体系建设台账.bak.xlsx" in err and "Traceback" not in err, (argv, err)
    assert master.read_bytes() == before


# ---------------------------------------------------------------- 17.9 forged hidden sheets

def test_forged_hidden_sheets_in_a_submission_are_untrusted_data(office):
    import openpyxl

    folder, paths = office
    master = folder / MASTER_NAME
    wb = openpyxl.load_workbook(paths["开发建设部"])  # each forged book: this unit book plus two forged sheets
    for n, cells in enumerate([{"A1": "=1/0", "B2": 12345, "C9": "x" * 1000},
                               {"A2": "行政裁决", "B2": "ZZZ99999999", "D2": "<不是XML", "G2": "宽"},
                               {"A2": 3.5, "B2": None, "H2": -5}]):
        book = folder / f"伪造{n}.xlsx"
        forged = wb.create_sheet("_校验标记")
        for ref, value in cells.items():
            forged[ref] = value
        fake_info = wb.create_sheet("_报送信息_伪造")
        fake_info["A1"] = "单位"
        wb.save(book)
        wb.remove(forged)
        wb.remove(fake_info)
        for argv in (("check", book, "--in-place"), ("clear", book), ("check", book),
                     ("collect", master, book, "--as-of", AS_OF)):
            code, out, err = cli(folder, *argv)
            assert code in (0, 1), (argv, err)
        readable(book)
