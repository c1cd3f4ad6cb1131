"""Never lose a user's file: refuse files Excel holds open, write atomically, keep a backup."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from credit_macros.errors import UserError, os_reason


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


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def _copy_mode(original: Path, tmp: Path) -> None:
    """mkstemp creates 0600 files; give the new file the original's mode, or the umask default."""
    if original.exists():
        shutil.copymode(original, tmp)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def atomic_write(path: str | Path, write: Callable[[Path], None], backup: bool = True) -> Path | None:
    """Call ``write(tmp)`` to produce the new file, then replace ``path`` with it.

    The temporary file lives in the same folder (so ``os.replace`` is atomic); if ``write``
    fails the original is untouched. With ``backup`` the previous version is kept as
    ``name.bak.xlsx``. Returns the backup path (or None).
    """
    path = Path(path)
    refuse_if_locked(path)
    folder = path.parent
    if not folder.exists():
        raise UserError(f"输出目录 {folder} 不存在，请先创建该目录或换一个输出位置。")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".~tmp-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise UserError(f"无法在目录 {folder} 中写入文件（{os_reason(exc)}），请检查写入权限或换一个输出位置。")
    os.close(fd)
    tmp = Path(tmp_name)
    saved = None
    try:
        write(tmp)
        _copy_mode(path, tmp)
        if backup and path.exists():
            saved = backup_path(path)
            shutil.copy2(path, saved)
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"无法写入文件 {path}（{os_reason(exc)}），原文件未改动。请检查写入权限或磁盘空间。")
    finally:
        if tmp.exists():
            tmp.unlink()
    return saved
