"""Never lose a user's file: one writer at a time, atomic writes, backups that are never clobbered.

- ``exclusive(path, command)``: an exclusive lock per written workbook (``filelock``, a lock file
  ``.NAME.lock`` beside it plus ``.NAME.lock.json`` saying who holds it) for a command's whole
  read-plan-write cycle. A second writer waits ``lock_wait()`` seconds, then is refused in Chinese
  naming the holder. The CLI commands and the ribbon take the same lock; nested use is re-entrant.
- ``atomic_write(path, write)`` / ``outputs()``: every new file is written to a temporary name in
  the target's folder, fsynced, checked readable and only then renamed over the target; a command
  with several outputs moves them all in only when every one was written. A failure leaves nothing
  new behind. Backups are written the same way and checked before the original is replaced.
- Backups: ``NAME.bak.xlsx`` is the first original (never overwritten); later versions are kept as
  ``NAME.bak2.xlsx``, ``NAME.bak3.xlsx`` … of which the newest ``BACKUPS_KEPT`` stay.
- Read-only targets are refused; a symlink is written through to its target.
- Our own temporaries (``.~tmp-PID-….ext``) left by a killed run are removed by the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import getpass
import json
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterator, TextIO

import filelock

from credit_macros.errors import UserError, os_reason

BACKUPS_KEPT = 5
"""Numbered backups kept besides the first original ``NAME.bak.xlsx``."""

LOCK_WAIT_SECONDS = 20.0
"""How long a second writer waits for the lock (env ``CREDIT_MACROS_LOCK_WAIT`` overrides)."""

TMP_PREFIX = ".~tmp-"
STALE_SECONDS = 24 * 3600
"""A temporary of ours whose process is gone (same host) or that is older than this is stale."""

ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlam", ".docx"}


def lock_file(path: Path) -> Path:
    """Excel/WPS create ``~$name`` beside an open workbook (the first two characters replaced
    when the name is long; we check both forms)."""
    return path.with_name("~$" + path.name)


def refuse_if_locked(path: str | Path) -> None:
    path = Path(path)
    candidates = {lock_file(path), path.with_name("~$" + path.name[2:])} if len(path.name) > 2 else {lock_file(path)}
    for lock in candidates:
        if lock.exists():
            raise UserError(
                f"文件 {path.name} 正在被 Excel 或 WPS 打开（发现锁定文件 {lock.name}），"
                "请先关闭该文件再操作；如果文件并未打开，请删除该锁定文件后重试。"
            )


# ---------------------------------------------------------------- targets

def ensure_folder(folder: str | Path) -> Path:
    """Create an output folder (and its parents) as ``demo`` does; refuse, in Chinese, only a
    folder that cannot be created (a file in the way, no permission)."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"无法创建输出目录 {folder}：路径中有同名文件，请换一个输出位置。")
    except OSError as exc:
        raise UserError(f"无法创建输出目录 {folder}（{os_reason(exc)}），请检查写入权限或换一个输出位置。")
    return folder


def target_of(path: str | Path) -> Path:
    """The file a write to ``path`` changes: a symlink's final target, else ``path`` itself."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def refuse_if_read_only(path: Path) -> None:
    """A file without any write permission bit is the user's way of saying "do not change"."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise UserError(f"文件 {path} 是只读文件，未作任何修改。如确需更新，请先取消该文件的只读属性后重试。")


# ---------------------------------------------------------------- backups

def backup_path(path: Path) -> Path:
    """The first original: ``NAME.bak.xlsx``."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def _numbered(path: Path) -> list[tuple[int, Path]]:
    pattern = re.compile(re.escape(path.stem) + r"\.bak(\d+)" + re.escape(path.suffix) + "$")
    found = []
    for p in path.parent.glob(f"{glob_escape(path.stem)}.bak*{glob_escape(path.suffix)}"):
        m = pattern.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def backups(path: Path) -> list[Path]:
    """Every backup of ``path``, oldest first (the first original, then the numbered ones)."""
    first = backup_path(path)
    return ([first] if first.exists() else []) + [p for _, p in _numbered(path)]


def latest_backup(path: Path) -> Path:
    """The newest backup of ``path`` (``NAME.bak.xlsx`` when there is none yet, for messages)."""
    found = backups(target_of(path))
    return found[-1] if found else backup_path(path)


def restore_hint(path: Path) -> str:
    """The sentence every refusal of a damaged master ends with: which backup to restore from."""
    return f"可用同目录的备份 {latest_backup(path).name} 恢复。"


def _next_backup(path: Path) -> Path:
    first = backup_path(path)
    if not first.exists():
        return first
    numbered = _numbered(path)
    return path.with_name(f"{path.stem}.bak{(numbered[-1][0] + 1) if numbered else 2}{path.suffix}")


def _prune(path: Path) -> None:
    numbered = _numbered(path)
    for _, old in numbered[: max(0, len(numbered) - BACKUPS_KEPT)]:
        old.unlink(missing_ok=True)


# ---------------------------------------------------------------- temporaries

def _tmp_in(folder: Path, suffix: str) -> Path:
    try:
        fd, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    except OSError as exc:
        raise UserError(f"无法在目录 {folder} 中写入文件（{os_reason(exc)}），请检查写入权限或磁盘空间，或换一个输出位置。")
    os.close(fd)
    return Path(name)


_TMP_NAME = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete our own temporaries in ``folder`` left by a run that was killed: named
    ``.~tmp-PID-…`` with PID no longer running (or older than ``STALE_SECONDS``)."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for p in entries:
        m = _TMP_NAME.match(p.name)
        if not m:
            continue
        try:
            age = now - p.lstat().st_mtime
            if int(m.group(1)) == os.getpid() and age < STALE_SECONDS:
                continue
            if _alive(int(m.group(1))) and age < STALE_SECONDS:
                continue
            p.unlink()
            removed.append(p)
        except OSError:
            continue
    return removed


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check_readable(path: Path, what: str) -> None:
    """A written file must open again: a zip package must pass its CRC checks."""
    if path.suffix.lower() not in ZIP_SUFFIXES:
        return
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise OSError(errno.EIO, f"{what}写入后无法读取") from exc
    if bad is not None:
        raise OSError(errno.EIO, f"{what}写入后部件 {bad} 校验失败")


def _forget(exc: BaseException) -> None:
    """Drop what a failed write still holds (an unclosed zip writer in a frame of the
    traceback), with the interpreter's "Exception ignored" report silenced while it closes."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        tb = exc.__traceback__
        while tb is not None:
            with contextlib.suppress(RuntimeError):
                tb.tb_frame.clear()
            tb = tb.tb_next
        exc.__traceback__ = None
        gc.collect()
    finally:
        sys.unraisablehook = hook


# ---------------------------------------------------------------- outputs (all or nothing)

class Outputs:
    """Files a command writes, moved into place together: ``write`` stages each to a temporary
    name (checked readable); ``commit`` backs the replaced files up and renames all of them."""

    def __init__(self, err: TextIO | None = None) -> None:
        self.err = err
        self.cleaned: set[Path] = set()
        self.staged: list[tuple[Path, Path, bool]] = []   # (target, temporary, backup)
        self.backups: dict[Path, Path] = {}

    def write(self, path: str | Path, write: Callable[[Path], None], backup: bool = True) -> Path:
        """Stage ``write(tmp)`` as the new ``path``; returns the real target written on commit."""
        target = target_of(path)
        refuse_if_locked(Path(path))
        refuse_if_locked(target)
        folder = ensure_folder(target.parent)
        refuse_if_read_only(target)
        if folder not in self.cleaned:
            self.cleaned.add(folder)
            clean_folder(folder, self.err)
        tmp = _tmp_in(folder, target.suffix)
        self.staged.append((target, tmp, backup))
        try:
            write(tmp)
            _check_readable(tmp, f"文件 {target.name} ")
            _fsync_file(tmp)
            _copy_mode(target, tmp)
        except OSError as exc:
            _forget(exc)
            raise UserError(f"无法写入文件 {target}（{os_reason(exc)}），{self._nothing()}") from None
        return target

    def _nothing(self) -> str:
        return "没有写入任何新文件，原文件未改动。请检查写入权限或磁盘空间后重试。"

    def commit(self) -> None:
        try:
            for target, _tmp, backup in self.staged:
                if backup and target.exists():
                    self.backups[target] = _write_backup(target)
        except OSError as exc:
            _forget(exc)
            for saved in self.backups.values():
                saved.unlink(missing_ok=True)
            self.backups.clear()
            raise UserError(f"无法写入备份（{os_reason(exc)}），{self._nothing()}") from None
        moved = []
        try:
            for target, tmp, _backup in self.staged:
                os.replace(tmp, target)
                moved.append(target)
                _fsync_dir(target.parent)
        except OSError as exc:
            done = "、".join(str(p) for p in moved)
            raise UserError(f"无法写入文件 {target}（{os_reason(exc)}）"
                            + (f"；已写入 {done}，其余未写入。" if moved else f"，{self._nothing()}")) from None
        for target in self.backups:
            _prune(target)

    def discard(self) -> None:
        for _target, tmp, _backup in self.staged:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def outputs(err: TextIO | None = None) -> Iterator[Outputs]:
    """``with outputs() as out: out.write(a, fa); out.write(b, fb)`` — both or neither."""
    out = Outputs(err)
    try:
        yield out
        out.commit()
    finally:
        out.discard()


def _write_backup(target: Path) -> Path:
    """Copy ``target`` to its next backup name the atomic way and check the copy."""
    saved = _next_backup(target)
    tmp = _tmp_in(target.parent, target.suffix)
    try:
        shutil.copyfile(target, tmp)
        _fsync_file(tmp)
        if tmp.stat().st_size != target.stat().st_size:
            raise OSError(errno.EIO, f"备份 {saved.name} 大小与原文件不符")
        _check_readable(tmp, f"备份 {saved.name} ")
        shutil.copystat(target, tmp)
        os.replace(tmp, saved)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return saved


def _copy_mode(original: Path, tmp: Path) -> None:
    """mkstemp creates 0600 files; give the new file the original's mode, or the umask default."""
    if original.exists():
        shutil.copymode(original, tmp)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def atomic_write(path: str | Path, write: Callable[[Path], None], backup: bool = True) -> Path | None:
    """Call ``write(tmp)`` to produce the new file, then replace ``path`` with it (see ``Outputs``).

    If anything fails the original is untouched and no new file is left. With ``backup`` the
    previous version is kept (``NAME.bak.xlsx`` first, then numbered). Returns the backup path
    (or None). A command that reads, plans and writes a workbook holds ``exclusive(path)`` around it.
    """
    with outputs() as out:
        target = out.write(path, write, backup)
    return out.backups.get(target)


# ---------------------------------------------------------------- the writer's lock

def lock_wait() -> float:
    with contextlib.suppress(ValueError):
        return float(os.environ.get("CREDIT_MACROS_LOCK_WAIT", LOCK_WAIT_SECONDS))
    return LOCK_WAIT_SECONDS


def lock_paths(path: str | Path) -> tuple[Path, Path]:
    target = target_of(path)
    lock = target.with_name(f".{target.name}.lock")
    return lock, lock.with_name(lock.name + ".json")


_held: dict[Path, int] = {}
_held_guard = threading.Lock()


def _holder(info: Path) -> str:
    try:
        who = json.loads(info.read_text(encoding="utf-8"))
        return (f"{who.get('user', '?')}@{who.get('host', '?')}（进程 {who.get('pid', '?')}，"
                f"命令：{who.get('command', '?')}，开始于 {who.get('time', '?')}）")
    except (OSError, ValueError, AttributeError):
        return "另一个程序（未留下占用信息）"


def _command() -> str:
    return " ".join(Path(sys.argv[0]).name if i == 0 else a for i, a in enumerate(sys.argv)) or "python"


@contextlib.contextmanager
def exclusive(path: str | Path, command: str | None = None,
              err: TextIO | None = None) -> Iterator[None]:
    """Hold the workbook's writer lock for the block (re-entrant in this process); on taking it,
    remove the stale temporaries of a killed run in the workbook's folder and say so on ``err``."""
    lock_path, info = lock_paths(path)
    key = lock_path.resolve() if lock_path.parent.exists() else lock_path
    with _held_guard:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    if not lock_path.parent.is_dir():
        raise UserError(f"输出目录 {lock_path.parent} 不存在，请先创建该目录或换一个输出位置。")
    lock = filelock.FileLock(str(lock_path), timeout=lock_wait())
    try:
        lock.acquire()
    except filelock.Timeout:
        raise UserError(f"{target_of(path).name} 正被 {_holder(info)} 写入，已等待 {lock_wait():g} 秒仍未结束。"
                        "请等对方完成后重试；如该进程已不存在，请删除锁文件 "
                        f"{lock_path.name} 后重试。") from None
    except OSError as exc:
        raise UserError(f"无法在目录 {lock_path.parent} 中建立锁文件（{os_reason(exc)}），请检查写入权限。") from None
    with _held_guard:
        _held[key] = 1
    try:
        with contextlib.suppress(OSError):
            info.write_text(json.dumps({
                "host": socket.gethostname(), "user": _user(), "pid": os.getpid(),
                "command": command or _command(), "time": dt.datetime.now().isoformat(timespec="seconds"),
            }, ensure_ascii=False), encoding="utf-8")
        clean_folder(lock_path.parent, err)
        yield
    finally:
        with contextlib.suppress(OSError):
            info.unlink(missing_ok=True)
        with _held_guard:
            _held.pop(key, None)
        lock.release()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on this system is not an error
        return "?"


def clean_folder(folder: Path, err: TextIO | None = None) -> list[Path]:
    """Remove our stale temporaries in ``folder`` and say so on ``err`` (default: stderr)."""
    removed = remove_stale_temporaries(folder)
    if removed:
        print(f"已删除上次中断时留在 {folder} 的临时文件 {len(removed)} 个："
              + "、".join(p.name for p in removed), file=err or sys.stderr)
    return removed

