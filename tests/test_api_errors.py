"""The API's one error shape (yingji.api): where a 422 points, for any source of input."""

from __future__ import annotations

import pytest

from yingji.api import field_path


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (("query", "zoom"), "zoom"),
        (("body", "payload", "headline"), "headline"),
        (("body", "payload", "areas", 1, "polygon"), "areas[1].polygon"),
        (("body", "payload", "roles", 0), "roles[0]"),
        (("body", "payload", "team", 2, "name", "str"), "team[2].name"),  # a union's type tag
        (("body", "payload", "areas", 0, "circle", "list[any]"), "areas[0].circle"),
        (("body",), None),  # the body as a whole (not JSON, not an object)
        (("query",), None),
        ((), None),
    ],
)
def test_the_field_at_fault_is_named_as_the_client_sent_it(location, expected):
    assert field_path(location) == expected
