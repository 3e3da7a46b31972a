"""Ingest over HTTP, as the API documents it: a body that cannot be read as a batch is
refused with the same 422 shape as a batch with no valid row (``accepted``, ``rejected``…
plus ``code``/``message``/``field``), so a gateway reads one shape for every refusal."""

from __future__ import annotations

import pytest

from tests.monitoring.test_ingest import URL, network, stored, token  # noqa: F401 - fixtures
from yingji.api import api

REFUSAL_FIELDS = {"accepted", "duplicates", "rejected", "rejected_count", "policy", "code",
                  "message", "field"}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{", "application/json"),
        ('{"rows": []}', "application/json"),
        ('{"readings": []}', "application/json"),
        ("[1, 2]", "application/json"),
        ("sensor,value\nx,1\n", "text/csv"),
        (b"sensor,ts,value\n\xff\xfe\n", "text/csv"),
    ],
    ids=["not-json", "no-readings-key", "empty-batch", "a-list", "csv-header", "csv-not-utf8"],
)
def test_an_unreadable_batch_is_refused_in_the_documented_shape(client, token, body, content_type):  # noqa: F811
    response = client.post(URL, body, content_type=content_type, **token)
    assert response.status_code == 422
    data = response.json()
    assert set(data) == REFUSAL_FIELDS
    assert (data["accepted"], data["rejected_count"], data["code"]) == (0, 0, "invalid")
    assert data["message"]
    assert stored() == []


def test_the_schema_documents_the_body_and_every_refusal():
    operation = api.get_openapi_schema()["paths"]["/api/ingest/readings"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert {200, 401, 413, 415, 422} <= set(operation["responses"])
