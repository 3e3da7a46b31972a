"""The 复盘 report as an Excel workbook: one sheet per section, every row (no page limit),
times in local time, figures as numbers so they can be summed and charted in Excel."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from yingji.core import exports
from yingji.review.report.gaps import kind_labels

MAX_SHEET_ROWS = 1_000_000


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: local (Asia/Shanghai) wall time without the offset."""
    return None if value is None else timezone.localtime(value).replace(tzinfo=None)


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Sequence[Any],
    cells: Callable[[Any], Sequence[Any]],
) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows[:MAX_SHEET_ROWS]:
        sheet.append([_local(v) if isinstance(v, dt.datetime) else v for v in cells(row)])
    for i, name in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) * 2 + 4))
    sheet.freeze_panes = "A2"


def workbook(facts: dict[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    summary.append([_("Event"), facts["event"].title])
    for label, value in facts["summary"]:
        summary.append([label, value])
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 40
    labels = kind_labels()
    _sheet(
        book,
        _("Gaps"),
        [_("Gap"), _("Unit"), _("What"), _("Figure"), _("Target")],
        facts["gaps"],
        lambda g: [labels[g["kind"]], g["unit"], g["what"], g["figure"], g["target"]],
    )
    _sheet(
        book,
        _("Event timeline"),
        [_("Time"), _("What"), _("Detail")],
        facts["timeline"]["all"],
        lambda t: [t["at"], t["label"], t["text"]],
    )
    _sheet(
        book,
        _("Warnings issued"),
        [
            _("Issued"),
            _("Identifier"),
            _("Warning"),
            _("Message type"),
            _("Issuing office"),
            _("Onset"),
            _("Lead (min)"),
            _("Counties"),
            _("People"),
            _("Answered"),
            _("叫应 rate"),
            _("Messages"),
            _("Sent"),
            _("Delivered"),
            _("Failed"),
            _("Given up"),
            _("Waiting"),
        ],
        facts["warnings"],
        lambda w: [
            w["issued_at"],
            w["identifier"],
            w["title"],
            w["msg_type"],
            w["sender"],
            w["onset"],
            w["lead"],
            "、".join(w["unit_names"]),
            w["people"],
            w["answered"],
            w["ack_rate"],
            w["messages"],
            w["sent"],
            w["delivered"],
            w["failed"],
            w["dead"],
            w["waiting"],
        ],
    )
    _sheet(
        book,
        _("Counties"),
        [
            _("Code"),
            _("County"),
            _("Number of warnings"),
            _("Blue"),
            _("Yellow"),
            _("Orange"),
            _("Red"),
            _("Shortest lead (min)"),
            _("Median lead (min)"),
            _("People"),
            _("Answered"),
            _("叫应 rate"),
            _("Messages"),
            _("Delivered"),
        ],
        facts["by_unit"],
        lambda u: [
            u["path"],
            u["name"],
            u["warnings"],
            *u["levels"],
            u["min_lead"],
            u["median_lead"],
            u["people"],
            u["answered"],
            u["ack_rate"],
            u["messages"],
            u["delivered"],
        ],
    )
    _sheet(
        book,
        _("Channels"),
        [
            _("Channel"),
            _("Messages"),
            _("Sent"),
            _("Delivered"),
            _("Failed"),
            _("Given up"),
            _("Waiting"),
        ],
        facts["channels"],
        lambda c: [
            c["channel"],
            c["messages"],
            c["sent"],
            c["delivered"],
            c["failed"],
            c["dead"],
            c["waiting"],
        ],
    )
    _sheet(
        book,
        _("Alarms"),
        [
            _("Started"),
            _("Station"),
            _("Sensor"),
            _("Region code"),
            _("Rule"),
            _("Peak"),
            _("Acknowledged"),
            _("Acknowledged after (min)"),
            _("Disposition"),
            _("Escalations"),
            _("Alarm closed"),
        ],
        facts["alarms"]["rows"],
        lambda a: [
            a["started_at"],
            a["station"],
            a["sensor"],
            a["region_path"],
            a["rule_label"],
            a["colour"],
            a["acknowledged_at"],
            a["ack_minutes"],
            a["disposition_label"],
            a["escalations"],
            a["ended_at"],
        ],
    )
    limits = [(i, lim) for i in facts["incidents"] for lim in i["limits"]] or [
        (i, None) for i in facts["incidents"]
    ]
    _sheet(
        book,
        _("Incident reports"),
        [
            _("Code"),
            _("Incident"),
            _("Region"),
            _("Occurred"),
            _("Reported"),
            _("First report after (min)"),
            _("Exercise"),
            _("Time limit"),
            _("Due by"),
            _("Done"),
            _("Missed"),
            _("Late (min)"),
        ],
        limits,
        lambda p: [
            p[0]["code"],
            p[0]["title"],
            p[0]["region"],
            p[0]["occurred_at"],
            p[0]["reported_at"],
            p[0]["report_minutes"],
            p[0]["exercise"],
            *(
                (p[1]["label"], p[1]["due"], p[1]["done"], p[1]["missed"], p[1]["late_minutes"])
                if p[1]
                else ("", None, None, None, None)
            ),
        ],
    )
    _sheet(
        book,
        _("Dispatch"),
        [
            _("Force"),
            _("Incident"),
            _("Dispatched"),
            _("After the event (min)"),
            _("Estimated travel (min)"),
            _("On scene"),
            _("On scene after (min)"),
            _("Status"),
        ],
        facts["dispatch"],
        lambda d: [
            d["force"],
            d["incident"],
            d["dispatched_at"],
            d["dispatch_minutes"],
            d["eta_minutes"],
            d["on_scene_at"],
            d["arrival_minutes"],
            d["status"],
        ],
    )
    _sheet(
        book,
        _("Evacuation"),
        [_("Code"), _("County"), _("People evacuated")],
        facts["evacuation"]["by_county"],
        lambda c: [c["path"], c["name"], c["people"]],
    )
    _sheet(
        book,
        _("Shelters"),
        [
            _("Shelter"),
            _("Capacity"),
            _("Placed by the event"),
            _("Most at once"),
            _("Use"),
            _("Over capacity"),
        ],
        facts["shelters"],
        lambda s: [s["name"], s["capacity"], s["placed"], s["peak"], s["use"], s["overflow"]],
    )
    _sheet(
        book,
        _("Relief"),
        [
            _("Group"),
            _("Village"),
            _("People"),
            _("Incident"),
            _("Started"),
            _("Needs met"),
            _("Hours after the event"),
            _("Over 10 h"),
        ],
        facts["relief"],
        lambda r: [
            r["group"],
            r["village"],
            r["people"],
            r["incident"],
            r["started_at"],
            r["met_at"],
            r["hours"],
            r["late"],
        ],
    )
    out = io.BytesIO()
    exports.no_formulas(book).save(out)
    return out.getvalue()
