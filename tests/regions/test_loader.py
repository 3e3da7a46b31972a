"""Loading the regions dataset: idempotent, counted, refusing a corrupt file."""

from __future__ import annotations

import gzip
import shutil

import pytest

from yingji.core.errors import InvalidInput
from yingji.regions import services
from yingji.regions.models import Region
from yingji.regions.selectors import level_counts


def test_counts_per_level(db):
    counts = level_counts()
    assert counts["province"] == 1
    assert counts["city"] == 11
    assert counts["county"] == 90
    assert counts["township"] >= 1350
    assert counts["village"] >= 25000


def test_second_load_is_skipped(db):
    assert services.load_dataset().skipped


def test_subtree_counts_are_consistent(db):
    hangzhou = Region.objects.get(code="330100000000")
    assert (
        hangzhou.township_count
        == Region.objects.filter(path__startswith="3301", level="township").count()
    )
    province = Region.objects.get(code="330000000000")
    assert province.population == 64_567_588
    assert province.village_count == level_counts()["village"]


def test_corrupt_file_is_rejected_whole(db, tmp_path):
    source = services.data_dir()
    shutil.copy(source / services.BOUNDARIES_FILE, tmp_path / services.BOUNDARIES_FILE)
    text = gzip.decompress((source / services.DIVISIONS_FILE).read_bytes()).decode()
    lines = text.splitlines()
    lines[500] = lines[500].replace(",village,", ",planet,")
    (tmp_path / services.DIVISIONS_FILE).write_bytes(gzip.compress("\n".join(lines).encode()))
    before = Region.objects.count()
    with pytest.raises(InvalidInput, match="line 501"):
        services.load_dataset(directory=tmp_path, force=True)
    assert Region.objects.count() == before


def test_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(InvalidInput, match="missing"):
        services.load_dataset(directory=tmp_path)
