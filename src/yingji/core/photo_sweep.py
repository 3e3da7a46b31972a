"""Evidence photo files that no row refers to: removed once no transaction can still commit one.

A photo's file is written before its row (:func:`yingji.core.photos.store_photo`), so that a
row never points at a file that is not there. When the transaction that creates the row rolls
back — the caller's own block fails after the photo (a hidden-hazard report refused for another
field), the database goes away, the process is killed between the write and the commit — the
file stays without a row. The photo store is one of the content-addressed stores swept by
:mod:`yingji.core.orphans` (the walk, the grace period, links never followed, the race with an
upload sharing the same file, the audit entry: all there). What is the photos' own:

- their files are ``<sha256><ext>`` with the extensions of :data:`yingji.core.photos.FORMATS`,
  anywhere under ``DATA_DIR/photos``;
- a file is kept when a Photo row's ``file`` is its path exactly: rows are looked up by
  ``sha256`` (indexed) in batches — the same bytes stored for another purpose or month are
  another file, with rows of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Final

from yingji.core import orphans
from yingji.core.models import Photo
from yingji.core.orphans import BATCH, GRACE, SweepResult
from yingji.core.photos import FORMATS, photos_root

SWEEP_KIND: Final = "core.photo_sweep"
_EXTENSIONS = "|".join(sorted(re.escape(ext) for ext, _type, _names in FORMATS.values()))
PHOTO_NAME: Final = re.compile(rf"[0-9a-f]{{64}}(?:{_EXTENSIONS})")


def referenced(paths: Collection[str]) -> set[str]:
    """Of these photo paths, the ones a Photo row names."""
    shas = {path.rsplit("/", 1)[-1][:64] for path in paths}
    files = Photo.objects.filter(sha256__in=shas).values_list("file", flat=True)
    return set(files).intersection(paths)


PHOTOS: Final = orphans.register(
    orphans.Store(
        noun="photo",
        kind=SWEEP_KIND,
        title="照片孤立文件清理 orphan photo file sweep",
        root=photos_root,
        name=PHOTO_NAME,
        referenced=referenced,
        audit_action="photo_sweep",
        object_type=Photo._meta.label_lower,
    )
)


def sweep(*, grace: dt.timedelta = GRACE, batch: int = BATCH) -> SweepResult:
    """Remove the photo files no row refers to and the stale temporary files (module doc)."""
    return orphans.sweep(PHOTOS, grace=grace, batch=batch)
