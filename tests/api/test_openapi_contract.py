"""The OpenAPI schema states the error contract of every operation (core.openapi), and the
file endpoints state what they send: what the fuzzing test holds the API to."""

from __future__ import annotations

from django.test import Client

from yingji.api import api

FILES = {
    ("/api/alerts/{pk}/cap.xml", "application/cap+xml"),
    ("/api/plans/{pk}/plan.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("/api/enforcement/documents/{pk}.pdf", "application/pdf"),
    ("/api/enforcement/documents/{pk}.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("/api/jobs/{job_id}/download",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}  # fmt: skip


def operations():
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_in_the_one_shape():
    for path, method, operation in operations():
        responses = {int(k): v for k, v in operation["responses"].items()}
        assert "#/components/schemas/Error" in str(responses[422]), (method, path)
        if operation.get("security"):
            assert {401, 403} <= set(responses), (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert {404, 409} <= set(responses), (method, path)
        if "requestBody" in operation:
            assert 400 in responses, (method, path)


def test_file_endpoints_document_their_content_type():
    found = {
        (path, kind)
        for path, method, operation in operations()
        if method == "get"
        for kind in operation["responses"]
        .get(200, operation["responses"].get("200", {}))
        .get("content", {})
    }
    assert found >= FILES


def test_the_served_schema_is_the_documented_one(db: None, client: Client):
    served = client.get("/api/openapi.json").json()
    assert served["components"]["schemas"]["Error"]["required"] == ["code", "message"]
    assert len(served["paths"]) == len(api.get_openapi_schema()["paths"])


def test_the_schema_and_the_docs_answer_reads_only(db: None, client: Client):
    for url in ("/api/openapi.json", "/api/docs"):
        assert client.get(url).status_code == 200
        refused = client.post(url, "{}", content_type="application/json")
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
        assert refused.json()["code"] == "method_not_allowed"
