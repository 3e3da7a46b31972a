"""The Chinese catalogue is complete and its compiled form is current."""

from __future__ import annotations

from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "src/yingji/locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_string_is_translated():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_source():
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    for entry in polib.pofile(str(PO)).translated_entries():
        assert compiled.get(entry.msgid) == entry.msgstr, entry.msgid
