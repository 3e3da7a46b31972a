"""Multi-choice text fields (core.validators): typed values or labels, in either language."""

from __future__ import annotations

import copy

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from yingji.core.validators import MultiChoiceValidator

KINDS = MultiChoiceValidator({"cancel": _("Cancel"), "fire": "火灾"}, what="kind")  # 取消


def test_labels_are_read_in_the_language_of_the_request():
    with translation.override("en"):
        assert KINDS.values("Cancel，火灾") == ["cancel", "fire"]
    with translation.override("zh-hans"):
        assert KINDS.values("火灾、取消") == ["fire", "cancel"]
    with translation.override("en"):
        assert KINDS.values("取消") == ["取消"]  # another language's label is not a value
        assert KINDS.canonical("fire, Cancel, 火灾") == "fire,cancel"


def test_the_kept_labels_do_not_change_what_the_validator_is():
    copied = copy.deepcopy(KINDS)
    assert copied == KINDS and hash(copied) == hash(KINDS)
    assert copied.deconstruct() == KINDS.deconstruct()
