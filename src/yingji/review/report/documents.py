"""The 复盘 report as a neutral :class:`~yingji.core.documents.Document`, printed as PDF or
Word by the one document engine, with the charts as PNG images (:mod:`.charts`).

Long tables stop at :data:`~yingji.review.report.content.MAX_ROWS` rows with a note; the
workbook (:mod:`.excel`) has them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.documents import (
    Block,
    Document,
    Fields,
    Heading,
    Image,
    Paragraph,
    Table,
    to_docx,
    to_pdf,
)
from yingji.review.report import charts, rate, tenth, when
from yingji.review.report.content import MAX_ROWS
from yingji.review.report.event import Event
from yingji.review.report.gaps import kind_labels

CHART_MM = 160.0


def title_of(event: Event) -> str:
    return (_("Review report: %(title)s") % {"title": event.title})[:200]


def _table(
    blocks: list[Block],
    header: Sequence[str],
    rows: Sequence[Any],
    cells: Callable[[Any], Sequence[str]],
    widths: Sequence[float] | None = None,
) -> None:
    if not rows:
        blocks.append(Paragraph(_("None.")))
        return
    blocks.append(Table(header, [list(cells(r)) for r in rows[:MAX_ROWS]], widths))
    if len(rows) > MAX_ROWS:
        blocks.append(
            Paragraph(
                _("The first %(n)d of %(total)d rows; the Excel workbook has all.")
                % {"n": MAX_ROWS, "total": len(rows)}
            )
        )


def _charts(facts: dict[str, Any]) -> dict[str, Image]:
    font = charts.cjk_font_path()
    return {
        c.key: Image(charts.png(c, font, use_default=False), CHART_MM, c.title)
        for c in facts["charts"]
    }


def document(facts: dict[str, Any]) -> Document:
    event: Event = facts["event"]
    images = _charts(facts)
    labels = kind_labels()
    b: list[Block] = [Table([_("Figure"), _("Value")], facts["summary"], [3, 2])]

    b.append(Heading(_("Gaps against the plan's targets")))
    b.append(
        Table(
            [_("Target"), _("Gaps found")],
            [[g["label"], str(g["count"])] for g in facts["gap_summary"]],
            [3, 1],
        )
    )
    _table(
        b,
        [_("Gap"), _("Unit"), _("What"), _("Figure"), _("Target")],
        facts["gaps"],
        lambda g: [labels[g["kind"]], g["unit"], g["what"], g["figure"], g["target"]],
        [3, 2.5, 4, 1.5, 1.5],
    )

    b.append(Heading(_("Event timeline")))
    _table(
        b,
        [_("Time"), _("What"), _("Detail")],
        facts["timeline"]["items"],
        lambda t: [when(t["at"]), t["label"], t["text"]],
        [2, 1.5, 6],
    )

    b.append(Heading(_("Warnings issued")))
    b += [images["warnings"], images["lead"]]
    _table(
        b,
        [
            _("Issued"),
            _("Warning"),
            _("Issuing office"),
            _("Lead (min)"),
            _("Counties"),
            _("叫应"),
            _("Delivered"),
        ],
        facts["warnings"],
        lambda w: [
            when(w["issued_at"]),
            f"{w['title']} {w['identifier']}",
            w["sender"],
            tenth(w["lead"]),
            "、".join(w["unit_names"]) or "—",
            f"{w['answered']}/{w['people']}",
            f"{w['delivered']}/{w['messages']}",
        ],
        [2, 4, 2.5, 1.3, 3, 1.4, 1.6],
    )

    b.append(Heading(_("Counties: warnings, delivery and 叫应")))
    b.append(images["ack"])
    _table(
        b,
        [
            _("County"),
            _("Number of warnings"),
            _("Blue/Yellow/Orange/Red"),
            _("Shortest lead (min)"),
            _("叫应"),
            _("叫应 rate"),
            _("Delivered"),
        ],
        facts["by_unit"],
        lambda u: [
            u["name"],
            str(u["warnings"]),
            "/".join(map(str, u["levels"])),
            tenth(u["min_lead"]),
            f"{u['answered']}/{u['people']}",
            rate(u["ack_rate"]),
            f"{u['delivered']}/{u['messages']}",
        ],
    )

    alarms = facts["alarms"]
    b.append(Heading(_("Monitoring alarms and their handling")))
    b.append(
        Fields(
            [
                (_("Alarms"), str(alarms["total"])),
                (_("Acknowledged"), str(alarms["acknowledged"])),
                (_("Disposed"), str(alarms["disposed"])),
                (_("Escalated"), str(alarms["escalated"])),
                (_("Median minutes to acknowledge"), tenth(alarms["median_ack_minutes"])),
                (
                    _("Dispositions"),
                    "、".join(f"{k} {n}" for k, n in alarms["by_disposition"]) or "—",
                ),
            ]
        )
    )
    _table(
        b,
        [
            _("Started"),
            _("Station"),
            _("Rule"),
            _("Peak"),
            _("Acknowledged after (min)"),
            _("Disposition"),
        ],
        alarms["rows"],
        lambda a: [
            when(a["started_at"]),
            a["station"] or a["sensor"],
            a["rule_label"],
            a["colour"],
            tenth(a["ack_minutes"]),
            a["disposition_label"] or "—",
        ],
    )

    b.append(Heading(_("Incidents and report timeliness")))
    limits = [(i, lim) for i in facts["incidents"] for lim in i["limits"]]
    _table(
        b,
        [
            _("Incident"),
            _("Occurred"),
            _("First report after (min)"),
            _("Time limit"),
            _("Due by"),
            _("Done"),
            _("Late (min)"),
        ],
        limits,
        lambda p: [
            p[0]["title"],
            when(p[0]["occurred_at"]),
            tenth(p[0]["report_minutes"]),
            p[1]["label"],
            when(p[1]["due"]),
            when(p[1]["done"]),
            tenth(p[1]["late_minutes"]),
        ],
    )

    b.append(Heading(_("Dispatch")))
    _table(
        b,
        [
            _("Force"),
            _("Incident"),
            _("Dispatched"),
            _("After the event (min)"),
            _("On scene after (min)"),
            _("Status"),
        ],
        facts["dispatch"],
        lambda d: [
            d["force"],
            d["incident"],
            when(d["dispatched_at"]),
            tenth(d["dispatch_minutes"]),
            tenth(d["arrival_minutes"]),
            d["status"],
        ],
    )

    evac = facts["evacuation"]
    b.append(Heading(_("Evacuation and shelters")))
    b.append(
        Paragraph(
            _("%(people)s people evacuated from %(villages)d villages.")
            % {"people": f"{evac['total']:,}", "villages": evac["villages"]}
        )
    )
    _table(
        b,
        [_("County"), _("People evacuated")],
        evac["by_county"],
        lambda c: [c["name"], f"{c['people']:,}"],
    )
    _table(
        b,
        [
            _("Shelter"),
            _("Capacity"),
            _("Placed by the event"),
            _("Most at once"),
            _("Use"),
            _("Over capacity"),
        ],
        facts["shelters"],
        lambda s: [
            s["name"],
            str(s["capacity"]),
            str(s["placed"]),
            str(s["peak"]),
            rate(s["use"]),
            str(s["overflow"]),
        ],
    )

    b.append(Heading(_("Relief")))
    b.append(images["relief"])
    _table(
        b,
        [
            _("Group"),
            _("Village"),
            _("People"),
            _("Incident"),
            _("Needs met"),
            _("Hours after the event"),
        ],
        facts["relief"],
        lambda r: [
            r["group"],
            r["village"] or "—",
            str(r["people"]),
            r["incident"],
            when(r["met_at"]),
            tenth(r["hours"]),
        ],
    )
    generated = timezone.localtime(facts["now"]).strftime("%Y-%m-%d %H:%M")
    return Document(
        title=title_of(event),
        issuer=event.region.name,
        blocks=b,
        footer=_("Yingji review report · generated %(at)s") % {"at": generated},
    )


def pdf(facts: dict[str, Any]) -> bytes:
    return to_pdf(document(facts))


def docx(facts: dict[str, Any]) -> bytes:
    return to_docx(document(facts))
