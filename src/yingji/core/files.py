"""Uploaded files on disk, shared by the stores that keep them (evidence photos, accident
reports): reading an upload no further than its limit, and writing content-addressed files
atomically so that a crash never leaves half a file under a final name."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from yingji.core.errors import InvalidInput

ZIP_CHUNK = 1 << 20


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
    write_via_temp(path, lambda fh: fh.write(data), prefix=".upload-")
    return True


def write_via_temp(
    path: Path, write: Callable[[IO[bytes]], object], *, prefix: str, suffix: str = ".part"
) -> None:
    """``write(fh)`` into a temporary file beside ``path`` (``prefix``…``suffix``), fsync it,
    make it 0640 and rename it to ``path``: ``path`` only ever appears complete. On any error
    no temporary file remains, and an earlier file at ``path`` is kept."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_unpacked_size(content: bytes, limit: int, *, what: str = "workbook") -> None:
    """Refuse a ZIP (an .xlsx is one) that unpacks to more than ``limit`` bytes: a zip bomb.

    The readers (calamine, openpyxl) unpack a sheet whole before any row limit applies, so a
    few megabytes that expand to gigabytes would exhaust the server's memory. Each member is
    unpacked here, as a stream, counting bytes: a member larger than its header claims fails
    its CRC, so the headers cannot lie either. Not a ZIP at all is left to the reader to say.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        return
    too_large = InvalidInput(
        f"The {what} unpacks to more than {limit // 2**20} MB; split it", field="file"
    )
    with archive:
        if sum(entry.file_size for entry in archive.infolist()) > limit:
            raise too_large
        total = 0
        try:
            for entry in archive.infolist():
                with archive.open(entry) as member:
                    while chunk := member.read(ZIP_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise too_large
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error) as exc:
            raise InvalidInput(f"The {what} is damaged ({exc})"[:200], field="file") from exc
