"""Writing a backup archive (core.backup.archive) when a file goes away mid-backup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from yingji.core.backup import archive
from yingji.core.backup.manifest import BackupError, Manifest, Member


def member(path: str, data: bytes) -> Member:
    return Member(path, len(data), hashlib.sha256(data).hexdigest())


def test_a_file_removed_after_it_was_listed_says_to_run_the_backup_again(tmp_path: Path):
    """The photo sweep may remove an orphan between the listing and the copy: a clear
    "run it again", not a bare "No such file or directory"."""
    database, photo = tmp_path / "db.sqlite3", tmp_path / "gone.jpg"
    database.write_bytes(b"SQLite format 3\x00")
    manifest = Manifest(
        vendor="sqlite", created_at="2026-12-01T00:00:00Z", yingji_version="test",
        database=member("database/yingji.sqlite3", database.read_bytes()),
        migrations={}, tables={}, files=[member("files/photos/gone.jpg", b"jpeg")],
    )  # fmt: skip
    sources = {"database/yingji.sqlite3": database, "files/photos/gone.jpg": photo}
    with pytest.raises(BackupError, match="changed while it was being backed up; run the backup"):
        archive.write(tmp_path / "out.tar.gz", manifest, sources, lambda *_args: None)
