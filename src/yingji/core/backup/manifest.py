"""The backup archive's contract: its layout, its manifest, the file stores it carries, and
the rules a member name must pass before anything is written for it.

An archive is a gzip-compressed tar whose first member is ``manifest.json``; then the
database dump (``database/yingji.sqlite3`` or ``database/yingji.pgdump``); then every stored
file as ``files/<store>/<path inside the store>``. The manifest lists every member but itself
with its size and SHA-256, so a restore can prove the archive whole before it changes
anything. Nothing else may be in an archive: no directories, links or devices, no name that
is absolute, has ``..`` or is not in the manifest.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from django.conf import settings

from yingji.accidents.documents import documents_root
from yingji.core.errors import DomainError
from yingji.core.photos import photos_root

FORMAT: Final = "yingji-backup"
FORMAT_VERSION: Final = 1  # the newest layout this code reads and writes
MANIFEST: Final = "manifest.json"
MANIFEST_MAX_BYTES: Final = 64 * 1024 * 1024  # ~400,000 files; a bigger one is not ours
DATABASE_MEMBERS: Final = {
    "sqlite": "database/yingji.sqlite3",
    "postgresql": "database/yingji.pgdump",
}
VENDOR_NAMES: Final = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
FILES_PREFIX: Final = "files/"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STORE_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


class BackupError(DomainError):
    """A backup or restore that cannot go on; nothing was changed (the message says if not)."""

    code = "backup"


def stores() -> dict[str, Path]:
    """The directories of uploaded files, by the name they carry in an archive.

    Evidence photos (hidden hazards, incident reports, inspections, signatures' photos),
    accident investigation reports, and Django's MEDIA_ROOT. Excluded on purpose:
    ``DATA_DIR/exports`` (Excel files generated from the database on request, re-made with
    one click; a restored export job says its file is gone), ``DATA_DIR/backups`` and the
    secret key (keep it in your secrets store, not next to the data it protects).
    """
    return {
        "photos": photos_root(),
        "accident-reports": documents_root(),
        "media": Path(settings.MEDIA_ROOT).resolve(),
    }


@dataclass(frozen=True)
class Member:
    path: str  # the archive member name
    size: int
    sha256: str


@dataclass
class Manifest:
    vendor: str  # "sqlite" or "postgresql"
    created_at: str  # ISO 8601, UTC
    yingji_version: str
    database: Member
    migrations: dict[str, str]  # app label → latest applied migration
    tables: dict[str, int]  # table → rows, counted in the snapshot that was dumped
    files: list[Member] = field(default_factory=list)
    format_version: int = FORMAT_VERSION
    server_version: int | None = None  # PostgreSQL major version of the server dumped
    tool_version: int | None = None  # pg_dump's major version (pg_restore must be as new)
    skipped: list[str] = field(default_factory=list)  # links and special files not backed up

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def file_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def members(self) -> dict[str, Member]:
        """Every member but the manifest, by name."""
        return {self.database.path: self.database} | {f.path: f for f in self.files}

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "format_version": self.format_version,
            "yingji_version": self.yingji_version,
            "created_at": self.created_at,
            "database": {
                "vendor": self.vendor,
                "server_version": self.server_version,
                "tool_version": self.tool_version,
                **_member(self.database),
            },
            "migrations": dict(sorted(self.migrations.items())),
            "tables": dict(sorted(self.tables.items())),
            "files": [_member(f) for f in self.files],
            "skipped": self.skipped,
            "totals": {
                "tables": len(self.tables),
                "rows": self.rows,
                "files": len(self.files),
                "file_bytes": self.file_bytes,
                "database_bytes": self.database.size,
            },
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _member(member: Member) -> dict[str, Any]:
    return {"path": member.path, "size": member.size, "sha256": member.sha256}


def parse(raw: bytes) -> Manifest:
    """The manifest of an archive, or BackupError saying what is wrong with it."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _bad(f"manifest.json is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad("manifest.json does not describe a Yingji backup")
    version = data.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _bad(f"manifest.json has no valid format_version ({version!r})")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"the archive has backup format {version}, but this Yingji reads format "
            f"{FORMAT_VERSION} at most: restore it with the Yingji version that made it "
            f"({data.get('yingji_version', 'unknown')}) or newer",
            code="format_version",
        )
    try:
        db = data["database"]
        vendor = str(db["vendor"])
        if vendor not in DATABASE_MEMBERS:
            raise _bad(f"unknown database vendor {vendor!r} in manifest.json")
        database = _parse_member(db)
        if database.path != DATABASE_MEMBERS[vendor]:
            raise _bad(f"the database dump must be {DATABASE_MEMBERS[vendor]}")
        files = [_parse_member(item) for item in data["files"]]
        known = stores()
        for item in files:
            store = item.path.removeprefix(FILES_PREFIX).split("/", 1)[0]
            if not item.path.startswith(FILES_PREFIX) or store not in known:
                raise _bad(
                    f"{item.path!r} is not in a file store this Yingji knows "
                    f"({', '.join(sorted(known))})"
                )
        migrations = {str(k): str(v) for k, v in dict(data["migrations"]).items()}
        tables = {str(k): _count(v) for k, v in dict(data["tables"]).items()}
        manifest = Manifest(
            vendor=vendor,
            created_at=str(data["created_at"]),
            yingji_version=str(data["yingji_version"]),
            database=database,
            migrations=migrations,
            tables=tables,
            files=files,
            format_version=version,
            server_version=_optional_int(db.get("server_version")),
            tool_version=_optional_int(db.get("tool_version")),
            skipped=[str(s) for s in data.get("skipped", [])],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"manifest.json is incomplete or malformed ({exc!r})") from None
    if len(manifest.members()) != len(files) + 1:
        raise _bad("manifest.json lists a member twice")
    return manifest


def _parse_member(data: Any) -> Member:
    path, size, digest = data["path"], data["size"], data["sha256"]
    if not isinstance(path, str) or not isinstance(size, int) or size < 0:
        raise ValueError(f"bad member entry {data!r}")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise ValueError(f"bad SHA-256 for {path!r}")
    return Member(path=check_name(path), size=size, sha256=digest)


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"bad row count {value!r}")
    return value


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bad(message: str) -> BackupError:
    return BackupError(f"not a valid Yingji backup: {message}", code="manifest")


def check_name(name: str) -> str:
    """``name`` if it is a safe relative member name; BackupError otherwise.

    Safe: relative, in normal form (no ``.``, ``..`` or empty parts), no backslash, no
    control character, under ``files/<store>/`` or the database member or the manifest.
    Checked again when a file is written, so a name can never reach outside its directory.
    """
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or any(ord(ch) < 32 or ch == "\x7f" for ch in name)
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(name) != name
        or len(name) > 1024
    ):
        raise BackupError(
            f"refused: the archive member {name!r} could be written outside the restore "
            "directory (an absolute path, '..' or an odd name); nothing was changed",
            code="unsafe_member",
        )
    if name.startswith(FILES_PREFIX) and (len(parts) < 3 or not _STORE_NAME.fullmatch(parts[1])):
        raise BackupError(f"refused: {name!r} is not in a file store", code="unsafe_member")
    return name
