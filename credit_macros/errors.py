"""Errors a user can cause. The CLI and the ribbon show ``message`` (Chinese) and nothing else."""

import errno
import socket


class UserError(Exception):
    """A problem with the user's input, files or settings.

    ``message`` is shown as it is, so it must be Chinese, name the file / sheet / row / column
    concerned and say what to do. ``exit_code`` is the CLI's exit status (2 = unusable input).
    ``detail``: the library's own words behind it, if any — never part of ``message``; given
    only where a machine reads the result (``--json``'s ``detail``).
    """

    def __init__(self, message: str, exit_code: int = 2, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.detail = detail


OS_REASONS = {
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOENT: "文件不存在", errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "所在磁盘只读", errno.ENAMETOOLONG: "文件名太长", errno.EISDIR: "这是文件夹", errno.EBUSY: "文件正被占用",
    errno.EIO: "磁盘读写出错", errno.EDQUOT: "超出磁盘配额", errno.EMFILE: "打开的文件过多", errno.ETXTBSY: "文件正被占用",
    errno.ECONNREFUSED: "连接被拒绝", errno.ETIMEDOUT: "连接超时", errno.EHOSTUNREACH: "网络不通", errno.ENETUNREACH: "网络不通",
    errno.ECONNRESET: "连接被中断",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error in a few Chinese words (never the system's English ``strerror``).

    >>> os_reason(PermissionError(errno.EACCES, "Permission denied")), os_reason(OSError(28, "No space left on device"))
    ('没有权限', '磁盘空间不足')
    """
    if isinstance(exc, TimeoutError) and exc.errno is None:
        return "连接超时"
    if isinstance(exc, socket.gaierror):
        return "找不到该服务器（请检查服务器名称）"
    return OS_REASONS.get(exc.errno, f"系统错误 {exc.errno}" if exc.errno else "系统错误")
