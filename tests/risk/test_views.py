"""Risk pages as their users see them: the four-colour map with counts per child region, the
area map, an enterprise's risk card, the red/orange list with its export, the indicator model
versions (create, compare, activate) and the control index; each within the jurisdiction."""

from __future__ import annotations

import copy
import json
import re

import pytest

from yingji.core.models import Job, JobStatus
from yingji.core.worker import run as run_worker
from yingji.regions.models import Region
from yingji.risk.defaults import default_definition
from yingji.risk.models import (
    AssessmentRun,
    CurrentRisk,
    IndicatorModelVersion,
    ModelStatus,
)
from yingji.risk.services import control, versions
from yingji.risk.services import enterprises as assessing

pytestmark = pytest.mark.django_db

OPEN_MAJOR_RULE = "存在未整改的重大事故隐患，至少橙色"


def html_of(response):
    return response.content.decode()


def numbers(row_html):
    """The figures of a table row's number cells (a cell may hold a link)."""
    return [int(n) for n in re.findall(r'class="num">(?:<a [^>]*>)?(\d+)', row_html)]


# ---------------------------------------------------------------- 四色图


def test_map_page_counts_per_township_with_totals(client, xihu_staff, world):
    client.force_login(xihu_staff)
    html = html_of(client.get("/risk/"))
    assert 'id="risk-map"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html
    assert 'data-points-url="/api/risk/enterprises?region=330106"' in html
    table = html.split('id="risk-counts"')[1].split("</table>")[0]
    # every township of 西湖区 is a row; 北山街道 holds a blue and an orange enterprise
    assert table.count("<tr data-code=") == Region.objects.filter(parent="330106000000").count()
    beishan = table.split('data-code="330106002000"')[1].split("</tr>")[0]
    assert numbers(beishan) == [0, 1, 0, 1, 2]  # 红 橙 黄 蓝 合计
    assert numbers(table.split("<tfoot>")[1]) == [1, 1, 0, 1, 3]
    assert "滨江" not in table
    assert 'action="/risk/assess/"' in html  # county staff may run an assessment


def test_map_page_drills_into_a_township_and_refuses_another_county(client, xihu_staff, world):
    client.force_login(xihu_staff)
    html = html_of(client.get("/risk/?region=330106002"))
    assert (
        "北山街道" in html and 'data-points-url="/api/risk/enterprises?region=330106002000"' in html
    )
    assert 'data-outline-url="/api/regions/330106/boundary.geojson"' in html  # the county frames it
    assert client.get("/risk/?region=330108").status_code == 404
    assert client.get("/risk/?region=33").status_code == 404
    # malformed filters are a message, not an error page
    response = client.get("/risk/?region=abc&colour=purple&hazchem=lots")
    assert response.status_code == 200
    text = html_of(response)
    assert "not a region code" in text and "Unknown colour" in text and "Unknown hazchem" in text


def test_viewer_sees_the_map_without_the_run_button_and_cannot_start_one(client, make_user, world):
    viewer = make_user("xihu_viewer", "330106", "viewer")
    client.force_login(viewer)
    html = html_of(client.get("/risk/"))
    assert 'id="risk-map"' in html and 'action="/risk/assess/"' not in html
    assert client.post("/risk/assess/").status_code == 403
    assert not Job.objects.exists()


def test_enterprise_users_do_not_see_the_risk_pages(client, make_user, world):
    client.force_login(make_user("ent", "330106", "enterprise_user"))
    for url in ("/risk/", "/risk/areas/", "/risk/list/", f"/risk/enterprises/{world.clean.pk}/",
                "/risk/models/", "/risk/control-index/"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert "/risk/" not in html_of(client.get("/registry/"))  # no nav link


def test_run_assessment_starts_a_job_for_my_county(client, xihu_staff, world, on_commit):
    client.force_login(xihu_staff)
    with on_commit(execute=True):
        response = client.post("/risk/assess/")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.params["region_path"] == "330106"
    run_worker(batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    run = AssessmentRun.objects.latest("started_at")
    assert run.region_path == "330106" and run.enterprises == 3


# ---------------------------------------------------------------- risk card


def test_card_explains_the_colour_with_the_rule_and_contributions(client, xihu_staff, world):
    client.force_login(xihu_staff)
    response = client.get(f"/risk/enterprises/{world.hazard.pk}/")
    html = html_of(response)
    assert response.status_code == 200
    assert "西湖隐患企业" in html
    assert 'class="risk-badge c2"' in html  # orange
    overrides = html.split('id="card-overrides"')[1].split("</ul>")[0]
    assert OPEN_MAJOR_RULE in overrides
    payload = json.loads(
        html.split('id="card-data" type="application/json">')[1].split("</script>")[0]
    )
    assert payload["colour"]["key"] == "orange" and payload["overridden"] is True
    assert payload["overrides"][0]["raised"] is True
    top = payload["contributions"][0]
    assert top["key"] == "open_major_hazards" and top["points"] > 0
    assert "未整改重大事故隐患" in html.split('id="contrib-list"')[1].split("</ol>")[0]
    assert 'id="contrib-chart"' in html and 'id="history-chart"' in html
    assert "/static/vendor/echarts.min.js" in html
    assert f'href="/registry/enterprises/{world.hazard.pk}/"' in html
    assert f'href="/risk/models/{IndicatorModelVersion.objects.get().pk}/"' in html


def test_card_lists_missing_data_counted_as_worst(client, xihu_staff, world):
    client.force_login(xihu_staff)
    html = html_of(client.get(f"/risk/enterprises/{world.unknown.pk}/"))
    missing = html.split('id="card-missing"')[1].split("</ul>")[0]
    assert "未整改一般隐患" in missing and "近三年生产安全事故" in missing
    assert 'class="risk-badge c3"' in html  # red: unknown facts count as the worst


def test_another_countys_card_is_not_found(client, xihu_staff, binjiang_staff, world):
    client.force_login(xihu_staff)
    assert client.get(f"/risk/enterprises/{world.other.pk}/").status_code == 404
    assert client.get("/risk/enterprises/99999999999999999999999/").status_code == 404
    client.force_login(binjiang_staff)
    assert client.get(f"/risk/enterprises/{world.other.pk}/").status_code == 200


# ---------------------------------------------------------------- red/orange list


def test_list_defaults_to_red_and_orange_and_filters_by_colour(client, xihu_staff, world):
    client.force_login(xihu_staff)
    listed = html_of(client.get("/risk/list/")).split('id="risk-list"')[1].split("</table>")[0]
    assert "西湖隐患企业" in listed and "西湖缺数企业" in listed
    assert "西湖安全企业" not in listed and "滨江" not in listed
    red = html_of(client.get("/risk/list/?colour=red")).split('id="risk-list"')[1]
    red = red.split("</table>")[0]
    assert "西湖缺数企业" in red and "西湖隐患企业" not in red
    both = html_of(client.get("/risk/list/?colour=blue&colour=red&sort=score"))
    rows = both.split('id="risk-list"')[1].split("</table>")[0]
    assert rows.index("西湖安全企业") < rows.index("西湖缺数企业")  # lowest score first
    bad = client.get("/risk/list/?colour=purple")
    assert bad.status_code == 200 and "Unknown colour" in html_of(bad)
    assert client.get("/risk/list/?region=330108").status_code == 404


def test_list_export_runs_with_the_filters(client, xihu_staff, world, on_commit):
    client.force_login(xihu_staff)
    html = html_of(client.get("/risk/list/?colour=red,orange"))
    export = html.split('class="export"')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', export))
    fields.pop("csrfmiddlewaretoken")
    assert fields == {"name": "risk_enterprises", "colour": "red,orange", "region": "330106"}
    with on_commit(execute=True):
        response = client.post("/exports/", fields)
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    run_worker(batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["rows"] == 2


def test_list_shows_changes_since_the_last_full_run(client, xihu_staff, world):
    client.force_login(xihu_staff)
    html = html_of(client.get("/risk/list/"))
    assert "risk-changes" in html and "西湖隐患企业" not in html.split('id="risk-changes"')[1]
    # the hidden hazard is rectified: re-scored at once, now blue
    facts = world.hazard.facts
    facts.open_major_hazards = 0
    facts.save()
    assessing.rescore([world.hazard.pk], reason="整改")
    changes = html_of(client.get("/risk/list/")).split('id="risk-changes"')[1].split("</table>")[0]
    assert "西湖隐患企业" in changes
    assert 'class="risk-badge c2"' in changes and 'class="risk-badge c0"' in changes


# ---------------------------------------------------------------- 五色图 and 管控力指数


def test_area_page_for_a_county_user(client, xihu_staff, world):
    client.force_login(xihu_staff)
    html = html_of(client.get("/risk/areas/"))
    assert 'data-parent="330106"' in html and 'data-areas-url="/api/risk/areas"' in html
    for name in ("高", "中高", "中", "中低", "低", "台风", "地质灾害"):
        assert name in html
    assert client.get("/risk/areas/?parent=330108").status_code == 404
    assert client.get("/risk/areas/?hazard=volcano").status_code == 200


def test_control_index_page_lists_my_county_and_explains_components(client, xihu_staff, world):
    client.force_login(xihu_staff)
    html = html_of(client.get("/risk/control-index/"))
    table = html.split('id="control-table"')[1].split("</table>")[0]
    assert "西湖区" in table and "滨江区" not in table
    explanation = html.split('id="explanation"')[1]
    for component in control.COMPONENTS:
        assert component.name in explanation and component.explanation in explanation
    export = html.split('class="export"')[1].split("</form>")[0]
    assert 'name="name" value="risk_control_index"' in export
    month = re.search(r'name="month" value="(\d{4}-\d{2}-01)"', export)
    assert month is not None
    assert client.get("/risk/control-index/?month=2026-99&sort=-inspection").status_code == 200
    assert client.get("/risk/control-index/?sort=nonsense").status_code == 200


# ---------------------------------------------------------------- indicator model versions


def inconsistent_definition():
    definition = copy.deepcopy(default_definition())
    definition["pairwise"]["root"] = [["1", "9", "1/9"], ["1/9", "1", "9"], ["9", "1/9", "1"]]
    return definition


def test_models_page_shows_weights_and_cr_read_only_for_county_staff(client, xihu_staff, world):
    client.force_login(xihu_staff)
    version = IndicatorModelVersion.objects.get()
    listing = html_of(client.get("/risk/models/"))
    assert f'href="/risk/models/{version.pk}/"' in listing
    html = html_of(client.get(f"/risk/models/{version.pk}/"))
    tree = html.split('id="indicator-tree"')[1].split("</table>")[0]
    assert re.search(r'data-group="root">CR = 0\.\d{3}', tree)
    assert 'data-group="dynamic"' in tree and "未整改重大事故隐患" in tree
    assert OPEN_MAJOR_RULE in html
    assert "open_major_hazards ≥ 1" in html
    assert 'name="definition"' not in html and "activate-form" not in html
    response = client.post("/risk/models/new/", {"based_on": version.pk, "definition": "{}"})
    assert response.status_code == 403
    assert client.get("/risk/models/99999999999999999999/").status_code == 404


def test_inconsistent_judgements_show_the_error_keep_the_form_and_create_nothing(
    client, manager, world
):
    client.force_login(manager)
    version = IndicatorModelVersion.objects.get()
    page = html_of(client.get(f"/risk/models/{version.pk}/"))
    assert 'name="definition"' in page and "企业安全风险评估模型" in page
    text = json.dumps(inconsistent_definition(), ensure_ascii=False)
    response = client.post(
        "/risk/models/new/", {"based_on": version.pk, "definition": text, "note": "试一试"}
    )
    assert response.status_code == 422
    html = html_of(response)
    error = html.split('id="definition-error"')[1].split("</p>")[0]
    assert "CR" in error
    assert '"1/9"' in html.split('name="definition"')[1].split("</textarea>")[0].replace(
        "&quot;", '"'
    )
    assert 'value="试一试"' in html
    assert IndicatorModelVersion.objects.count() == 1
    broken = client.post("/risk/models/new/", {"based_on": version.pk, "definition": "{oops"})
    assert broken.status_code == 422
    assert "JSON" in html_of(broken).split('id="definition-error"')[1].split("</p>")[0]
    assert IndicatorModelVersion.objects.count() == 1


def test_new_version_compare_and_activate_rescore_everyone(client, manager, world, on_commit):
    client.force_login(manager)
    v1 = IndicatorModelVersion.objects.get()
    definition = copy.deepcopy(v1.definition)
    definition["model"]["colours"]["thresholds"] = [0.5, 1.0, 1.5]  # everyone at least red
    response = client.post(
        "/risk/models/new/",
        {"based_on": v1.pk, "definition": json.dumps(definition), "note": "更严"},
    )
    v2 = IndicatorModelVersion.objects.exclude(pk=v1.pk).get()
    assert response["Location"] == f"/risk/models/{v2.pk}/"
    assert v2.status == ModelStatus.DRAFT and v2.version == 2

    with on_commit(execute=True):
        response = client.post(f"/risk/models/{v2.pk}/compare/")
    job = Job.objects.get(kind=versions.COMPARE_KIND)
    assert response["Location"] == f"/risk/models/{v2.pk}/?job={job.pk}"
    running = html_of(client.get(response["Location"]))
    assert 'id="job-card"' in running and "risk_jobs.js" in running
    run_worker(batch=True, interval=0)
    html = html_of(client.get(f"/risk/models/{v2.pk}/"))
    matrix = html.split('id="transition-matrix"')[1].split("</table>")[0]
    cells = [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', matrix)]
    assert len(cells) == 16 and sum(cells) == 4
    assert cells[0 * 4 + 3] == 1 and cells[2 * 4 + 3] == 2  # blue → red, orange ×2 → red
    changes = html.split('id="comparison-rows"')[1].split("</table>")[0]
    assert f'href="/risk/enterprises/{world.hazard.pk}/"' in changes
    assert "西湖安全企业" in changes

    refused = client.post(f"/risk/models/{v2.pk}/activate/")  # no confirmation ticked
    assert refused.status_code == 302
    assert IndicatorModelVersion.objects.get(pk=v2.pk).status == ModelStatus.DRAFT
    with on_commit(execute=True):
        response = client.post(f"/risk/models/{v2.pk}/activate/", {"confirm": "1"})
    job = Job.objects.get(kind=assessing.ASSESS_KIND)
    assert response["Location"] == f"/jobs/{job.pk}/"
    run_worker(batch=True, interval=0)
    assert IndicatorModelVersion.objects.get(pk=v1.pk).status == ModelStatus.RETIRED
    assert IndicatorModelVersion.objects.get(pk=v2.pk).status == ModelStatus.ACTIVE
    assert set(CurrentRisk.objects.values_list("colour", flat=True)) == {3}
    assert AssessmentRun.objects.latest("started_at").model_version_id == v2.pk
    card = html_of(client.get(f"/risk/enterprises/{world.clean.pk}/"))
    assert f'href="/risk/models/{v2.pk}/"' in card


def test_comparison_rows_outside_the_jurisdiction_are_not_shown(client, xihu_staff, manager, world):
    v1 = IndicatorModelVersion.objects.get()
    definition = copy.deepcopy(v1.definition)
    definition["model"]["colours"]["thresholds"] = [0.5, 1.0, 1.5]
    v2 = versions.create_version(actor=manager, definition=definition, note="更严")
    versions.compare(v2)
    client.force_login(xihu_staff)
    html = html_of(client.get(f"/risk/models/{v2.pk}/"))
    changes = html.split('id="comparison-rows"')[1].split("</table>")[0]
    assert "西湖隐患企业" in changes and "滨江隐患企业" not in changes
