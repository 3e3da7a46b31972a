"""Property-based fuzzing of the whole REST API (schemathesis over /api/openapi.json).

Every operation of the OpenAPI schema (the document /api/openapi.json serves; see
test_openapi_contract.py) is exercised in-process through Django's WSGI handler,
against the test database, as three callers: nobody (no token, or a made-up one), a county
user of 西湖区 and a province user. Each generated request — valid and invalid (negative)
input alike, unsafe methods included — must be answered without a server error, with a
status code the schema documents for that operation, the documented content type and a body
that matches the documented schema (errors included: ``{code, message, field}``); invalid
input must be refused with a 4xx.

Path parameters are mixed with the ids of the seeded world's records (tests/api/paths.py),
so detail endpoints and their state machines are reached, not only their 404s.

Not exercised: none of the operations sends network traffic in-process (dissemination and
exports are queued as jobs; the outbox runs in the worker, not here) and none takes long, so
every operation is fuzzed. ``YINGJI_FUZZ_EXAMPLES`` raises the number of generated requests
per operation for a deeper local run (CI uses the default), and ``YINGJI_FUZZ_RANDOM=1``
draws new requests on every run instead of the same ones.
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.paths import path_values
from tests.api.world import HOME
from yingji.api import api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = int(os.environ.get("YINGJI_FUZZ_EXAMPLES", "8"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "mode": "all",
            # Tokens are sent by the tests; generated Authorization headers would replace them.
            "with-security-parameters": False,
            # An unknown query parameter is ignored by design (a cache-buster such as htmx's
            # must not break a request); unknown body fields are refused (Strict schemas).
            "allow-extra-parameters": False,
        },
        # The coverage phase enumerates boundary values of every parameter (hundreds of
        # requests an operation: past the time budget); the schema declares no links for the
        # stateful phase — the seeded world's ids stand in for them (_real_records).
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
# The records of the seeded world that generated path parameters may be swapped for; filled
# per test by the ``_home_records``/``_all_records`` fixtures: {path: [parameter sets]}.
KNOWN: dict[str, list[dict[str, Any]]] = {}

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)


@schema.hook("flatmap_path_parameters")
def _real_records(context: Any, path_parameters: dict[str, Any]) -> Any:
    known = KNOWN.get(context.operation.path)
    if not known:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(known))


def settings(examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        deadline=None,
        # The same requests on every run, so CI is reproducible; YINGJI_FUZZ_RANDOM=1 explores.
        derandomize=not os.environ.get("YINGJI_FUZZ_RANDOM"),
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )


def _secured(ctx: Any) -> bool:
    return bool(ctx.operation.definition.raw.get("security"))


def _known(world: Any, counties: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """{path: parameter sets} of the counties' records (computed once per world)."""
    cache = world.__dict__.setdefault("fuzz_paths", {})
    if counties in cache:
        return cache[counties]
    known = cache.setdefault(counties, {})
    for operation in schema.get_all_operations():
        path = operation.ok().path
        for code in counties:
            values = [v for v in path_values(path, world.counties[code]) or [] if v]
            if values:
                known.setdefault(path, []).extend(values)
    return known


@pytest.fixture
def _home_records(world: Any) -> Any:
    KNOWN.clear()
    KNOWN.update(_known(world, (HOME,)))
    yield
    KNOWN.clear()


@pytest.fixture
def _all_records(world: Any) -> Any:
    KNOWN.clear()
    KNOWN.update(_known(world, tuple(world.counties)))
    yield
    KNOWN.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("_home_records")
@schema.parametrize()
@settings(EXAMPLES)
def test_api_as_a_county_user(case: Any, world: Any, wsgi_app: Any) -> None:
    """西湖区 county staff (and duty officer): reads and writes most things in its county."""
    case.call_and_validate(app=wsgi_app, headers=world.bearer("staff_330106"), checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.usefixtures("_all_records")
@schema.parametrize()
@settings(max(EXAMPLES // 2, 2))
def test_api_as_a_province_user(case: Any, world: Any, wsgi_app: Any) -> None:
    """Province staff (and duty officer): every county's records are in reach."""
    case.call_and_validate(app=wsgi_app, headers=world.bearer("zj_staff"), checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.usefixtures("_home_records")
@schema.exclude(_secured).parametrize()
@settings(EXAMPLES)
def test_public_operations_anonymously(case: Any, world: Any, wsgi_app: Any) -> None:
    """The few operations open to everyone (regions, the public safety-code page)."""
    case.call_and_validate(app=wsgi_app, checks=CHECKS)


FORGED = {"Authorization": "Bearer yj_" + "A" * 43}  # the form of a token, never issued


@pytest.mark.django_db
@pytest.mark.usefixtures("_home_records")
@schema.include(_secured).parametrize()
@settings(2)
def test_secured_operations_refuse_anonymous_and_forged_callers(
    case: Any, world: Any, wsgi_app: Any
) -> None:
    """No credentials, or a token that was never issued: a documented 401 — or 404/422 for a
    path or input refused before the credentials are looked at — on every method alike."""
    for headers in (None, FORGED):
        response = case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code in (401, 404, 422), response.status_code
