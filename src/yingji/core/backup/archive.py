"""Writing and reading the archive itself (tar + gzip), hashing every byte on the way.

Writing: the manifest goes first; each member is hashed again as it is copied into the tar
and must match the manifest (a file changed under the backup fails it). Reading is one
streaming pass that never uses tarfile's extraction: each member's name is checked, it must
be a regular file listed in the manifest with its size, and its bytes are hashed while they
are copied to where the caller says (or nowhere, to only check). Anything else stops the
pass with a BackupError.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Final

from yingji.core.backup.manifest import (
    MANIFEST,
    MANIFEST_MAX_BYTES,
    BackupError,
    Manifest,
    check_name,
    parse,
)

CHUNK: Final = 1024 * 1024
COMPRESS_LEVEL: Final = 6  # gzip: 9 costs twice the time for ~2 % on this data
Progress = Callable[[str, int, int], None]  # what, done, total (0: unknown)
Place = Callable[[str], Path | None]  # member name → where to write it (None: only check)


class _Reading:
    """A binary file whose reads are hashed and counted (for tarfile to copy from)."""

    def __init__(self, raw: IO[bytes], seen: Callable[[int], None]) -> None:
        self.raw, self.seen, self.digest, self.size = raw, seen, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.size += len(data)
        self.seen(len(data))
        return data


def sha256_of(path: Path, seen: Callable[[int], None] = lambda _n: None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            seen(len(chunk))
    return digest.hexdigest()


def write(path: Path, manifest: Manifest, sources: dict[str, Path], progress: Progress) -> None:
    """The archive at ``path`` (a new file, mode 0600: it holds everyone's data)."""
    members = manifest.members()
    total, done = sum(m.size for m in members.values()), 0

    def seen(n: int) -> None:
        nonlocal done
        done += n
        progress("writing archive", done, total)

    mtime = int(os.path.getmtime(sources[manifest.database.path]))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        with tarfile.open(
            fileobj=raw, mode="w:gz", compresslevel=COMPRESS_LEVEL, format=tarfile.PAX_FORMAT
        ) as tar:
            data = manifest.to_json()
            tar.addfile(_info(MANIFEST, len(data), mtime), io.BytesIO(data))
            for name, member in members.items():
                source = sources[name]
                try:
                    fh = source.open("rb")
                except FileNotFoundError:  # removed since it was listed (the photo sweep)
                    raise _changed(source) from None
                with fh:
                    reading = _Reading(fh, seen)
                    try:
                        tar.addfile(_info(name, member.size, mtime), reading)
                    except OSError as exc:
                        if exc.errno is not None:
                            raise
                        raise _changed(source) from None  # shorter than when it was hashed
                if reading.digest.hexdigest() != member.sha256:
                    raise _changed(source)
        raw.flush()
        os.fsync(raw.fileno())


def _info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o640
    return info


def _changed(path: Path) -> BackupError:
    return BackupError(f"{path} changed while it was being backed up; run the backup again")


def scan(path: Path, progress: Progress, prepare: Callable[[Manifest], Place]) -> Manifest:
    """Read the whole archive once, proving every member against the manifest.

    ``prepare`` sees the manifest before any other member is read (to refuse an archive
    that does not fit here) and says where each member goes.
    """
    try:
        total = path.stat().st_size
        raw = path.open("rb")
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    read = 0

    def seen(n: int) -> None:
        nonlocal read
        read += n
        progress("checking archive", read, total)

    with raw:
        try:
            with tarfile.open(fileobj=_Reading(raw, seen), mode="r|gz") as tar:  # type: ignore[call-overload]
                return _scan(tar, prepare)
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise BackupError(
                f"{path} is truncated or corrupt ({exc}); nothing was changed",
                code="corrupt",
            ) from None


def _scan(tar: tarfile.TarFile, prepare: Callable[[Manifest], Place]) -> Manifest:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg():
        raise BackupError(
            "not a Yingji backup: its first member must be manifest.json", code="manifest"
        )
    if first.size > MANIFEST_MAX_BYTES:
        raise BackupError("not a Yingji backup: manifest.json is too large", code="manifest")
    manifest = parse(_read_all(tar, first))
    expected = manifest.members()
    place = prepare(manifest)
    seen: set[str] = set()
    while (member := tar.next()) is not None:
        name = check_name(member.name)
        if not member.isreg():
            kind = "a symbolic link" if member.issym() else "a hard link" if member.islnk() else (
                "a directory" if member.isdir() else "a special file"
            )  # fmt: skip
            raise BackupError(
                f"refused: the archive member {name!r} is {kind}; nothing was changed",
                code="unsafe_member",
            )
        entry = expected.get(name)
        if entry is None or name in seen:
            why = "appears twice" if name in seen else "is not listed in its manifest"
            raise BackupError(
                f"refused: the archive member {name!r} {why} (tampered?); nothing was changed",
                code="tampered",
            )
        seen.add(name)
        if member.size != entry.size:
            raise _tampered(name, f"is {member.size} bytes, the manifest says {entry.size}")
        if _copy(tar, member, place(name)) != entry.sha256:
            raise _tampered(name, "does not match its SHA-256 in the manifest")
    missing = sorted(set(expected) - seen)
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise BackupError(
            f"the archive lacks {', '.join(missing[:3])}{more} (listed in its manifest; "
            "truncated or tampered); nothing was changed",
            code="incomplete",
        )
    return manifest


def _tampered(name: str, why: str) -> BackupError:
    return BackupError(
        f"the archive member {name} {why}: the archive is corrupt or was altered; "
        "nothing was changed",
        code="tampered",
    )


def _read_all(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:  # not a regular file (checked before)
        raise BackupError(f"cannot read {member.name}")
    return handle.read()


def _copy(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path | None) -> str:
    """The member's SHA-256, its bytes written to ``dest`` (a new file) unless None."""
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError(f"cannot read {member.name}")
    digest = hashlib.sha256()
    out = None
    if dest is not None:
        try:
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            out = os.fdopen(os.open(dest, flags, 0o640), "wb")
        except OSError as exc:
            raise BackupError(f"cannot write {dest}: {exc.strerror}") from None
    try:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if out is not None:
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise BackupError(f"cannot write {dest}: {exc.strerror}") from None
    finally:
        if out is not None:
            out.close()
    return digest.hexdigest()
