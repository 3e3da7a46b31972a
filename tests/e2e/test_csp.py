"""The Content-Security-Policy in a real browser (issue 11): the pages that use inline scripts,
inline handlers, htmx, ECharts, Leaflet and the Swagger UI all work, and Chromium reports no
violation of the policy on any of them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e

# Each page with what shows that its scripts ran. Predicates are functions: Playwright evaluates
# a string expression with eval on every poll, which the policy refuses.
PAGES = [
    ("/", "() => document.querySelectorAll('path.yj-county').length >= 90"),
    ("/hazards/stats/", "() => document.body.dataset.chartsReady !== undefined"),
    ("/review/cockpit/", "() => document.querySelectorAll('[data-spark] canvas').length > 0"),
    (
        "/review/cockpit/safety-standardisation/",
        "() => !!document.querySelector('#kpi-trend canvas')",
    ),
    ("/accidents/stats/", "() => document.body.dataset.chartsReady !== undefined"),
    ("/monitoring/", "() => !!document.querySelector('.leaflet-container')"),
    ("/risk/areas/", "() => !!document.querySelector('.leaflet-container')"),
    ("/risk/list/", "() => !!document.querySelector('#bell-count')"),
    ("/risk/control-index/", "() => !!document.querySelector('#bell-count')"),
    ("/alerts/", "() => !!document.querySelector('#bell-count')"),
    ("/enforcement/conflicts/", "() => !!document.querySelector('#f-enterprise')"),
    ("/api/docs", "() => !!document.querySelector('.swagger-ui .opblock')"),
]
# Watches violations from the first script on (Playwright's init scripts are not subject to
# the page's policy).
RECORD = """
window.__csp = [];
window.__htmx = 0;
document.addEventListener("htmx:afterRequest", function () { window.__htmx += 1; });
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile
                    + ":" + e.lineNumber);
});
"""


def test_pages_run_under_the_policy_without_violations(page: Any) -> None:
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD)
    sign_in(page, "admin")
    page.wait_for_url(re.compile(r"/$"))
    violations: dict[str, list[str]] = {}
    for url, ready in PAGES:
        page.goto(url)
        page.wait_for_function(ready)
        if url != "/api/docs":  # htmx loaded the bell's count
            page.wait_for_function("() => window.__htmx > 0")
        found = page.evaluate("window.__csp")
        if found:
            violations[url] = found
    assert violations == {}
    assert [line for line in console if "Content Security Policy" in line] == []
    assert errors == []


def test_inline_script_and_handlers_allowed_by_nonce_and_hash_work(page: Any) -> None:
    sign_in(page, "admin")
    page.wait_for_url(re.compile(r"/$"))
    # a nonce'd inline script: "add a point" appends a row
    page.goto("/enforcement/items/new/")
    rows = page.locator("#dj-points tbody tr")
    before = rows.count()
    page.click("#dj-add-point")
    assert rows.count() == before + 1
    # the language switch's onchange (allowed by its hash) submits the form
    page.goto("/alerts/")
    page.select_option("select[name=language]", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
