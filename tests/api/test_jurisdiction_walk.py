"""The cross-jurisdiction walk: every GET operation of the API, as a 西湖区 user, proves that no
record of another county comes back.

The operations are read from the OpenAPI schema, so a new endpoint is walked as soon as it
exists; one that cannot be walked (a path parameter tests/api/paths.py does not know) fails
the test until it is added there or listed in PUBLIC with a reason.

- a *detail* (its path names a record): with the ids of 滨江区's and 鄞州区's records it must
  answer 404 — or, where the caller's role may not use the endpoint at all, the very status
  an id that exists nowhere gets (so the answer says nothing about existence); the same with a
  neighbour's record named in a query parameter (``?incident=``); with 西湖区's own records the
  county user must get a 200, so the walk reaches real data;
- a *list* (no record in the path; map layers, GeoJSON and statistics included): no string
  anywhere in the body (nested included) may carry a neighbour's code or name — every seeded
  record carries its county's code in its code, name or title — no item may carry a
  neighbour's record id (``id`` of the listed kind; ``enterprise``, ``incident``… references),
  no ``total``/``count`` may exceed what 西湖区 holds, and for the county user the list must
  show 西湖区's records; a filter naming another county (``region=…``) must not open a way
  round the scope.

Callers: county staff of 西湖区, and the safety manager of a 西湖区 enterprise (an enterprise
account sees its own enterprise only).
"""

from __future__ import annotations

import gzip
import json
import time
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from tests.api.paths import KINDS, params_of, path_values
from tests.api.world import HOME, NEIGHBOURS, World
from yingji.api import api
from yingji.core import scoping

# GET operations whose answer is the same for everyone by design, so a neighbour's data is
# expected in them: each with the reason.
PUBLIC: dict[str, str] = {
    "/api/regions/": "the administrative divisions are public reference data",
    "/api/regions/summary": "counts of the public divisions",
    "/api/regions/search": "searching the public divisions",
    "/api/regions/{code}": "a public division",
    "/api/regions/{code}/boundary.geojson": "a public boundary",
    "/api/enforcement/public/codes/{token}": "the safety code behind a QR code is public by "
    "design (双随机一公开); the token is the unguessable capability",
    "/api/enforcement/items/": "the province's inspection item list (抽查事项清单), one list "
    "for every county",
    "/api/enforcement/items/{pk}": "an item of the province's list",
    "/api/enforcement/discretion-rules": "the province's penalty discretion table",
    "/api/hazards/criteria": "the national criteria for major hidden hazards",
}
# Scoped GET operations where 西湖区's county user sees no 西湖区 record in the seeded world,
# so only the "nothing of a neighbour" half holds: each with the reason.
NO_HOME_DATA: dict[str, str] = {
    "/api/registry/": "the registries and their counts (the counts are checked in COUNTS)",
    "/api/map/layers": "the layers and their counts (the counts are checked in COUNTS)",
    "/api/monitoring/alarms/stats": "alarm statistics (the total is checked in COUNTS)",
    "/api/risk/control-index": "no control index has been computed for any month yet",
    "/api/incidents/coverage/{mode}.geojson": "uncovered cells carry no record, only geometry",
    "/api/enforcement/calendar/due": "deadlines, by date, carry no county's name",
    "/api/enforcement/plans/{pk}/verify": "the seeded draw plan has not been drawn (409)",
    "/api/enforcement/plans/{pk}/inputs.json": "the seeded draw plan has not been drawn (409)",
}
# Query strings an operation needs to answer 200 ({kind} is the home county's record's id).
QUERIES: dict[str, str] = {
    "/api/map/layers/{name}": "bbox=118,27,123,31.5&zoom=6",
    "/api/enforcement/pool": "item={item}",
    "/api/enforcement/calendar/due": "from={today}&days=90",
    "/api/plans/{pk}/preview": "incident={incident}&level=1",  # Ⅳ is already active
}
# Aggregates: where in the body a count sits, and the kind of record it counts.
COUNTS: dict[str, list[tuple[str, str]]] = {
    "/api/map/layers": [("[name=depots].count", "depot"), ("[name=shelters].count", "shelter")],
    "/api/registry/": [("[name=depots].count", "depot"), ("[name=stations].count", "station")],
    "/api/monitoring/alarms/stats": [("total", "alarm")],
}
# Keys that hold the id of another record, and that record's kind.
REFERENCES = {
    **{key: key for key in ("enterprise", "incident", "warning", "sensor", "station", "alarm")},
    **{key: key for key in ("plan", "hazard")},
    "enterprise_id": "enterprise",
    "incident_id": "incident",
}
REGION_PARAMS = ("region", "county", "parent")
CALLERS = ("staff_330106", "company_330106")
NOWHERE = 2**62  # an id no record has


def get_operations() -> list[dict[str, Any]]:
    schema = api.get_openapi_schema()
    return [
        {"path": path, "params": item["get"].get("parameters", [])}
        for path, item in schema["paths"].items()
        if "get" in item
    ]


def body_of(response: Any) -> Any:
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    if "json" in response.get("Content-Type", ""):
        return json.loads(content)
    return content.decode("utf-8", "replace")  # XML, or a file: names stay visible


def strings(body: Any) -> list[str]:
    """Every string in a JSON body, keys included, however deep."""
    if isinstance(body, dict):
        return [s for k, v in body.items() for s in (str(k), *strings(v))]
    if isinstance(body, list):
        return [s for v in body for s in strings(v)]
    return [body] if isinstance(body, str) else []


def dicts(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        return [body, *(d for v in body.values() for d in dicts(v))]
    if isinstance(body, list):
        return [d for v in body for d in dicts(v)]
    return []


def items_of(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("items", "features", "results"):
            if isinstance(body.get(key), list):
                return body[key]
    return []


def url_of(template: str, params: dict[str, Any], query: str = "") -> str:
    url = template
    for name, value in params.items():
        url = url.replace("{" + name + "}", quote(str(value), safe=""))
    return f"{url}?{query}" if query else url


def list_kind(template: str) -> str | None:
    """The kind of record a list shows: the kind its detail endpoint addresses."""
    for prefix in (template, template.rstrip("/") + "/"):
        if (prefix, "pk") in KINDS:
            return KINDS[prefix, "pk"]
    return None


def home_count(world: World, kind: str) -> int:
    """Rows of ``kind`` in 西湖区, counted in the database through the model's scope path."""
    model = type(world.home.first(kind))
    field = getattr(model, "scope_path_field", None)
    assert field, f"{model.__name__} has no scope path"
    return (
        apps.get_model(model._meta.label).objects.filter(**{f"{field}__startswith": HOME}).count()
    )


def pick(body: Any, path: str) -> Any:
    """``[name=depots].count`` → the count of the item named depots; ``total`` → body["total"]."""
    if path.startswith("["):
        match, rest = path[1:].split("].", 1)
        key, value = match.split("=")
        body = next(item for item in items_of(body) if item.get(key) == value)
        path = rest
    return body[path]


class Checked:
    """A client whose server errors are written down as problems (and answered as given)."""

    def __init__(self, name: str, client: Client, problems: list[str]) -> None:
        self.name, self.client, self.problems = name, client, problems

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        if response.status_code >= 500:
            self.problems.append(f"{self.name} GET {url}: {response.status_code}")
        return response


class Walk:
    def __init__(self, world: World, clients: dict[str, Client]) -> None:
        self.world = world
        self.problems: list[str] = []
        self.clients = {n: Checked(n, c, self.problems) for n, c in clients.items()}
        neighbours = [world.counties[c] for c in NEIGHBOURS]
        self.markers = [*NEIGHBOURS, *(c.region.name for c in neighbours)]
        self.foreign_ids: dict[str, set[Any]] = {}
        for county in neighbours:
            for kind, records in county.records.items():
                self.foreign_ids.setdefault(kind, set()).update(r.pk for r in records)
        home = world.home
        self.fill = {
            "item": path_values("/api/enforcement/items/{pk}", home)[0]["pk"],  # type: ignore[index]
            "incident": home.first("incident").pk,
            "today": timezone.localdate().isoformat(),
        }

    def query(self, template: str, **override: Any) -> str:
        return QUERIES.get(template, "").format(**{**self.fill, **override})

    def check_body(self, caller: str, url: str, body: Any, kind: str | None) -> None:
        texts = strings(body)
        if found := sorted({m for m in self.markers for s in texts if m in s}):
            self.problems.append(f"{caller} GET {url}: shows {found}")
        if kind is not None:
            leaked = [i.get("id") for i in items_of(body) if isinstance(i, dict)]
            if bad := sorted(set(leaked) & self.foreign_ids.get(kind, set()), key=str):
                self.problems.append(f"{caller} GET {url}: lists {kind} ids {bad}")
            total = body.get("total", body.get("count")) if isinstance(body, dict) else None
            if isinstance(total, int) and total > home_count(self.world, kind):
                self.problems.append(f"{caller} GET {url}: total {total} exceeds 西湖区's")
        for item in dicts(body):
            for key, ref_kind in REFERENCES.items():
                value = item.get(key)
                if isinstance(value, int) and value in self.foreign_ids.get(ref_kind, set()):
                    self.problems.append(f"{caller} GET {url}: {key}={item[key]} is a neighbour's")

    def detail(self, template: str) -> str:
        home = path_values(template, self.world.home)
        if home is None:
            return "unknown"
        for caller, client in self.clients.items():
            nowhere = client.get(url_of(template, self._nowhere(template, home[0]), self.query(
                template, incident=NOWHERE))).status_code  # fmt: skip
            for code in NEIGHBOURS:
                county = self.world.counties[code]
                asked = [url_of(template, p, self.query(template)) for p in
                         path_values(template, county) or []]  # fmt: skip
                if "{incident}" in QUERIES.get(template, ""):  # a neighbour's record in the query
                    asked.append(url_of(template, home[0], self.query(
                        template, incident=county.first("incident").pk)))  # fmt: skip
                for url in asked:
                    self._expect_hidden(caller, client, url, nowhere)
        if template not in NO_HOME_DATA and not any(
            self.clients["staff_330106"].get(url_of(template, p, self.query(template))).status_code
            == 200
            for p in home
        ):
            self.problems.append(f"staff_330106 GET {template}: no 200 for 西湖区's own records")
        return "detail"

    def _expect_hidden(self, caller: str, client: Checked, url: str, nowhere: int) -> None:
        response = client.get(url)
        status = response.status_code
        if status != 404 and not (status == nowhere and status in (401, 403, 422)):
            self.problems.append(f"{caller} GET {url}: {status}, a record that exists nowhere "
                                 f"gets {nowhere}")  # fmt: skip

    @staticmethod
    def _nowhere(template: str, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with every record id replaced by one no record has."""
        out = dict(params)
        for prefix, name in params_of(template):
            if (prefix, name) in KINDS or name == "record_id":
                value = out[name]
                out[name] = (
                    NOWHERE if isinstance(value, int) else "0" * 8 + "-0000" * 3 + "-" + "0" * 12
                )
        return out

    def listing(self, operation: dict[str, Any]) -> str:
        template = operation["path"]
        variants = path_values(template, self.world.home) if "{" in template else [{}]
        if variants is None:
            return "unknown"
        kind = list_kind(template)
        region_params = [p["name"] for p in operation["params"] if p["name"] in REGION_PARAMS]
        home_shown = False
        for caller, client in self.clients.items():
            for params in variants:
                url = url_of(template, params, self.query(template))
                response = client.get(url)
                if response.status_code == 200:
                    body = body_of(response)
                    self.check_body(caller, url, body, kind)
                    home_shown |= caller == "staff_330106" and self.shows_home(body, kind)
                    if caller == "staff_330106":
                        self._counts(template, url, body)
                for name in region_params:
                    for code in NEIGHBOURS:
                        asked = f"{url}{'&' if '?' in url else '?'}{name}={code}"
                        response = client.get(asked)
                        if response.status_code == 200:
                            self.check_body(caller, asked, body_of(response), kind)
        if not home_shown and template not in NO_HOME_DATA:
            self.problems.append(f"staff_330106 GET {template}: 西湖区's records are not listed")
        return "list"

    def shows_home(self, body: Any, kind: str | None) -> bool:
        """A 西湖区 code or name in the body, or a 西湖区 record's id in the list."""
        home = self.world.home
        if any(HOME in s or home.region.name in s for s in strings(body)):
            return True
        ids = {r.pk for r in home.records.get(kind or "", [])}
        return any(isinstance(i, dict) and i.get("id") in ids for i in items_of(body))

    def _counts(self, template: str, url: str, body: Any) -> None:
        for where, kind in COUNTS.get(template, []):
            found, expected = pick(body, where), home_count(self.world, kind)
            if found != expected:
                self.problems.append(f"GET {url}: {where} is {found}, 西湖区 has {expected}")


@pytest.fixture
def clients(world: World, wsgi_app: Any) -> dict[str, Client]:
    return {
        name: Client(
            raise_request_exception=False, HTTP_AUTHORIZATION=world.bearer(name)["Authorization"]
        )
        for name in CALLERS
    }


def walk_all(
    world: World, clients: dict[str, Client], under: tuple[str, ...] = ("/api/",)
) -> tuple[dict[str, str], list[str]]:
    """Walk every GET operation (under the ``under`` paths); ``({path: how}, [problems])``."""
    walk = Walk(world, clients)
    walked: dict[str, str] = {}
    for operation in get_operations():
        template = operation["path"]
        if not template.startswith(under):
            continue
        if template in PUBLIC:
            walked[template] = "public"
        elif template.startswith("/api/registry/{entity}/{record_id}") or any(
            (prefix, name) in KINDS for prefix, name in params_of(template)
        ):
            walked[template] = walk.detail(template)
        else:
            walked[template] = walk.listing(operation)
    return walked, walk.problems


@pytest.mark.django_db
def test_no_get_operation_returns_another_countys_records(
    world: World, clients: dict[str, Client]
) -> None:
    started = time.perf_counter()
    walked, problems = walk_all(world, clients)
    unwalked = sorted(t for t, how in walked.items() if how == "unknown")
    assert not unwalked, f"GET operations the walk cannot address (see paths.py): {unwalked}"
    assert not problems, "\n".join(problems)
    kinds = {how: sum(1 for v in walked.values() if v == how) for how in set(walked.values())}
    print(f"walked {kinds} GET operations in {time.perf_counter() - started:.1f} s")


@pytest.mark.django_db
def test_the_walk_catches_a_scope_that_reaches_the_whole_city(
    world: World, clients: dict[str, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk can fail: with scoping widened to the user's city, 滨江区 (also 杭州市) leaks
    into lists and details, and the walk says where; 鄞州区 (宁波市) stays hidden."""
    bounds = scoping.codes.subtree_bounds
    monkeypatch.setattr(scoping.codes, "subtree_bounds", lambda path: bounds(path[:4]))
    under = ("/api/hazards/", "/api/alerts/", "/api/registry/", "/api/map/", "/api/users/")
    _walked, problems = walk_all(world, clients, under)
    leaks = [p for p in problems if "330108" in p or "滨江区" in p]
    assert len(leaks) >= 20, problems
    assert any("/api/registry/shelters/" in p and "shows" in p for p in problems), problems
    assert any("count is 2, 西湖区 has 1" in p for p in problems), problems
    assert any("/api/hazards/" in p and ": 200," in p for p in problems), problems
    assert any("GET /api/alerts/: shows" in p for p in problems), problems
    assert not any("330212" in p or "鄞州区" in p for p in problems), problems
