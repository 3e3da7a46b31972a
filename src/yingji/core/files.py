"""Uploaded files on disk, shared by the stores that keep them (evidence photos, accident
reports): reading an upload no further than its limit, and writing content-addressed files
atomically so that a crash never leaves half a file under a final name."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any


def read_capped(upload: Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to tell "too large" without holding a huge file.

    ``upload`` offers ``chunks()`` (a Django upload) or ``read(n)`` (any binary file).
    """
    buf = bytearray()
    chunks = getattr(upload, "chunks", None)
    if callable(chunks):
        for chunk in chunks():
            buf += chunk
            if len(buf) > limit:
                break
    else:
        read = upload.read
        while len(buf) <= limit:
            piece = read(limit + 1 - len(buf))
            if not piece:
                break
            buf += piece
    return bytes(buf[: limit + 1])


def write_atomic(path: Path, data: bytes) -> bool:
    """Write atomically (temp file in the same directory, then rename); False if already there.

    The stores name files by the hash of their bytes, so a file of the same size at ``path``
    holds the same bytes and is left alone.
    """
    if path.is_file() and path.stat().st_size == len(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True
