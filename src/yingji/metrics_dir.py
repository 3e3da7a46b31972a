"""Where the web processes of `yingji serve` keep their counters for /metrics.

prometheus_client's multiprocess mode (see :mod:`yingji.core.metrics`) has each process write
its counters to memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR``; a scrape of any process
adds them up. The files are sparse and grow as new series appear, so writing to one on a full
filesystem kills the process with SIGBUS. They are therefore kept in memory (``/dev/shm``),
never on the data disk, whose filling up must only refuse writes (HTTP 507). An operator may
name another directory (e.g. systemd's ``RuntimeDirectory``) with ``PROMETHEUS_MULTIPROC_DIR``.

This module imports neither Django nor prometheus_client: the variable must be set before
prometheus_client is first imported, which decides the mode once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import MutableMapping
from pathlib import Path

from yingji.cli_errors import CommandError

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 - a private subdirectory, checked below


def default_dir(data_dir: Path, address: str) -> Path:
    """A directory in shared memory, one per user, data directory and listening address (two
    servers never mix or wipe each other's counters); ``<data dir>/metrics-<port>`` when the
    system has no /dev/shm."""
    if SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK):
        key = f"{data_dir.resolve()}|{address}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return SHARED_MEMORY / f"yingji-metrics-{os.getuid()}-{digest}"
    return data_dir / f"metrics-{address.rpartition(':')[2]}"


def prepare(data_dir: Path, address: str, env: MutableMapping[str, str] = os.environ) -> Path:
    """Create the directory (private), remove the previous run's files, and point
    ``PROMETHEUS_MULTIPROC_DIR`` at it for this process and the workers it starts. Directories
    in shared memory left by servers that were killed are removed too (they hold memory)."""
    chosen = bool(env.get(VARIABLE))
    path = Path(env[VARIABLE]) if chosen else default_dir(data_dir, address)
    try:
        if not chosen and path.parent == SHARED_MEMORY:
            _sweep_abandoned()
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_uid != os.getuid():
            raise CommandError(
                f"the metrics directory {path} belongs to another user; set {VARIABLE} to a "
                "directory of your own"
            )
        for stale in path.glob("*.db"):
            stale.unlink()
        (path / OWNER).write_text(str(os.getpid()))
    except OSError as exc:
        raise CommandError(
            f"cannot prepare the metrics directory {path} ({exc.strerror}); set {VARIABLE} "
            "to a writable directory"
        ) from exc
    env[VARIABLE] = str(path)
    return path


def clear(path: Path) -> None:
    """Remove the counters' files once the server has stopped (they live in memory), and the
    directory when it is one of ours in shared memory."""
    for stale in [*path.glob("*.db"), path / OWNER]:
        stale.unlink(missing_ok=True)
    if path.parent == SHARED_MEMORY and path.name.startswith(_prefix()):
        with contextlib.suppress(OSError):
            path.rmdir()


OWNER = "serve.pid"  # the `yingji serve` process the directory belongs to


def _prefix() -> str:
    return f"yingji-metrics-{os.getuid()}-"


def _sweep_abandoned() -> None:
    """Remove this user's metrics directories whose server process is gone (killed)."""
    for other in SHARED_MEMORY.glob(f"{_prefix()}*"):
        try:
            owner = int((other / OWNER).read_text())
        except (OSError, ValueError):
            continue  # being set up right now, or not ours to judge
        if not _alive(owner):
            clear(other)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
