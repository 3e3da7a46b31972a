"""Done means — scoping: a county sees its jurisdiction's accidents only, a city its counties',
an enterprise user its own enterprise's only (wherever they happened), an enterprise user
bound to no enterprise nothing; anything else is not found (404), never forbidden."""

from __future__ import annotations

import pytest

from tests.accidents.conftest import record
from yingji.accidents import selectors
from yingji.core.errors import Forbidden, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(people):
    return {
        "xihu": record(people.county, title="西湖"),
        "factory": record(people.county, title="西湖机械厂", enterprise=people.factory.pk),
        "binjiang": record(people.other_county, title="滨江", region="330108001"),
        "other_enterprise": record(
            people.other_county, title="滨江电子", enterprise=people.other.pk, region=""
        ),
        "far": record(people.province, title="宁波", region="330203"),
    }


def titles(actor) -> set[str]:
    return {a.title for a in selectors.visible(actor)}


def test_each_sees_its_own(people, spread):
    assert titles(people.county) == {"西湖", "西湖机械厂"}
    assert titles(people.other_county) == {"滨江", "滨江电子"}
    assert titles(people.city) == {"西湖", "西湖机械厂", "滨江", "滨江电子"}
    assert len(titles(people.province)) == 5
    assert titles(people.viewer) == {"西湖", "西湖机械厂"}
    assert titles(people.manager) == {"西湖机械厂"}
    assert titles(people.other_manager) == {"滨江电子"}
    assert titles(people.unbound) == set()


def test_others_objects_are_not_found(people, spread):
    for actor, key in [
        (people.county, "binjiang"),
        (people.manager, "xihu"),
        (people.other_manager, "factory"),
        (people.unbound, "factory"),
        (people.city, "far"),
    ]:
        with pytest.raises(NotFound):
            selectors.get_accident(actor, spread[key].pk)
    for junk in ("abc", "-1", "9" * 30, ""):
        with pytest.raises(NotFound):
            selectors.get_accident(people.province, junk)


def test_an_enterprise_accident_moved_elsewhere_still_counts_for_its_enterprise(people, spread):
    away = record(people.city, title="外地施工", region="330108002", enterprise=people.factory.pk)
    assert "外地施工" in titles(people.manager)
    assert selectors.get_accident(people.manager, away.pk).pk == away.pk


def test_reading_needs_the_capability(people, make_user):
    nobody = make_user("no_role", "330106")
    with pytest.raises(Forbidden):
        selectors.visible(nobody)
