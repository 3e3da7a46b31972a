"""What the accident pages' forms offer and how posted values come back: choices, the places a
user may record an accident in, and the values to show again after a refusal. No rule lives
here: the services decide; this module only shapes data for the templates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.accidents import catalogue
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from yingji.core.models import User

ACCIDENT_FIELDS: Final = (
    "title",
    "summary",
    "occurred_at",
    "accident_type",
    "region",
    "enterprise",
    "incident",
    "industry_code",
    "industry_name",
    "dead",
    "missing",
    "seriously_injured",
    "direct_loss_yuan",
    "road_traffic",
    "address",
    "lon",
    "lat",
)
ACTIONS: Final = {
    # slug on the URL → (label, the form's anchor on the detail page)
    "casualties": (_("Supplementary report (补报)"), "acc-figures"),
    "void": (_("Void the record"), "acc-void"),
    "open": (_("Open the investigation"), "acc-investigation"),
    "extend": (_("Extend the deadline"), "acc-investigation"),
    "pause": (_("Pause for technical appraisal"), "acc-investigation"),
    "resume": (_("Appraisal finished"), "acc-investigation"),
    "submit": (_("Submit the report"), "acc-investigation"),
    "return": (_("Return the report"), "acc-investigation"),
    "close": (_("Close the investigation"), "acc-investigation"),
    "finding": (_("Add a responsibility finding"), "acc-findings"),
    "measure": (_("Add a rectification measure"), "acc-measures"),
    "measure-done": (_("Measure done"), "acc-measures"),
    "followup": (_("Record a follow-up check (回头看)"), "acc-measures"),
    "evaluate": (_("Evaluate the accident"), "acc-evaluation"),
    "publish": (_("Publish as a typical case"), "acc-case"),
    "withdraw": (_("Withdraw the typical case"), "acc-case"),
}
EVENT_LABELS: Final = {
    "record": _("Recorded"),
    "casualties": _("Supplementary report"),
    "void": _("Voided"),
    "open": _("Investigation opened"),
    "extend": _("Deadline extended"),
    "pause": _("Technical appraisal"),
    "resume": _("Appraisal finished"),
    "submit": _("Report submitted"),
    "return": _("Report returned"),
    "close": _("Investigation closed"),
    "finding": _("Responsibility finding"),
    "measure": _("Rectification measure"),
    "measure_done": _("Measure done"),
    "followup": _("Follow-up check (回头看)"),
    "evaluate": _("Evaluated"),
    "case": _("Typical case"),
}


def posted(data: QueryDict) -> dict[str, Any]:
    """A POST as a plain dict of strings (one value per field, the last one given)."""
    return {key: data.get(key, "") for key in data}


def values_for_form(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the inputs show them (a datetime as the local ``datetime-local`` text)."""
    shown = {name: values.get(name, "") for name in ACCIDENT_FIELDS}
    moment = values.get("occurred_at")
    if isinstance(moment, dt.datetime):
        shown["occurred_at"] = timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
    for name in ("lon", "lat"):
        shown[name] = "" if values.get(name) is None else values.get(name)
    return shown


def places(user: User) -> list[dict[str, Any]]:
    """Where the user may record an accident: their county and its townships, a city's
    counties, or the province's counties grouped by city."""
    home = getattr(user, "region", None)
    if home is None or user.is_superuser:
        home = Region.objects.get(path="33")
    if home.level in (Level.TOWNSHIP, Level.VILLAGE):
        return [{"code": home.code, "label": home.name}]
    if home.level == Level.COUNTY:
        towns = Region.objects.filter(parent=home).order_by("code")
        return [
            {"code": home.code, "label": home.name},
            *({"code": t.code, "label": f"{home.name} · {t.name}"} for t in towns),
        ]
    counties = Region.objects.filter(level=Level.COUNTY, path__startswith=home.path)
    cities = dict(Region.objects.filter(level=Level.CITY).values_list("path", "name"))
    return [
        {"code": c.code, "label": f"{cities.get(c.path[:4], '')} · {c.name}"}
        for c in counties.order_by("code")
    ]


def choices() -> dict[str, Any]:
    return {
        "accident_types": catalogue.AccidentType.choices,
        "grades": catalogue.GRADE_CHOICES,
        "levels": catalogue.Level.choices,
        "responsibilities": catalogue.Responsibility.choices,
        "handlings": catalogue.Handling.choices,
        "implemented": catalogue.Implemented.choices,
    }
