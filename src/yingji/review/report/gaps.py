"""The gaps of an event against the plan's targets, each with the unit that missed it.

Targets (浙江省应急管理"十四五"规划 and the platform's rules):

- **Lead time** ≥ :data:`LEAD_TARGET` minutes for every first issue (CAP Alert, not an update
  or a cancellation) with an onset, in every county it covered; the unit is the issuing office.
- **Public coverage**: every county of the event's area received at least one warning.
- **叫应** rate ≥ :data:`ACK_TARGET` per county (the plan gives no figure: all, as the
  cockpit's indicator counts it); the unit is the county.
- **Reports** within their legal limits (:func:`yingji.incidents.services.deadlines.limits`);
  the unit is the incident's reporting office.
- **Relief**: basic needs met within 10 hours of the event, per affected group.
- **Dispatch**: a force on scene within :data:`ARRIVAL_TARGET` minutes of its dispatch (a
  force still on its way past that counts too).
- **Shelters**: never more people placed at once than the capacity.
"""

from __future__ import annotations

from typing import Any, Final

from django.utils.translation import gettext as _

from yingji.review.report.response import RELIEF_HOURS

LEAD_TARGET: Final = 60.0  # minutes, 二、主要目标 "有效预警时间达到60分钟"
ACK_TARGET: Final = 1.0
ARRIVAL_TARGET: Final = 60.0  # minutes from dispatch to on scene

KINDS: Final = ("lead", "coverage", "ack", "report", "relief", "dispatch", "shelter")


def kind_labels() -> dict[str, str]:
    return {
        "lead": _("Warning lead time under 60 minutes"),
        "coverage": _("County without any warning"),
        "ack": _("叫应 rate below target"),
        "report": _("Report past its legal time limit"),
        "relief": _("Relief not within 10 hours"),
        "dispatch": _("Force not on scene within 60 minutes"),
        "shelter": _("Shelter over capacity"),
    }


Gap = dict[str, Any]


def _gap(kind: str, unit: str, what: str, figure: str, target: str, **extra: Any) -> Gap:
    return {"kind": kind, "unit": unit, "what": what, "figure": figure, "target": target, **extra}


def gaps(facts: dict[str, Any]) -> list[Gap]:
    """Rows of (kind, unit, what, figure, target), in the order of :data:`KINDS`."""
    return [
        *_warnings(facts),
        *_reports(facts),
        *_relief(facts),
        *_dispatch(facts),
        *_shelters(facts),
    ]


def _warnings(facts: dict[str, Any]) -> list[Gap]:
    names: dict[str, str] = facts["units"]
    out = [
        _gap(
            "lead",
            w["sender"],
            f"{w['title']} {w['identifier']} → {names[unit]}",
            _("%(m).1f min") % {"m": w["lead"]},
            _("≥ 60 min"),
            county=unit,
            warning=w["pk"],
        )
        for w in facts["warnings"]
        if w["alert"] and w["lead"] is not None and w["lead"] < LEAD_TARGET
        for unit in w["units"]
    ]
    out += [
        _gap(
            "coverage",
            row["name"],
            _("No warning covered this county in the window"),
            "0",
            _("≥ 1 warning"),
            county=row["path"],
        )
        for row in facts["by_unit"]
        if not row["warnings"]
    ]
    out += [
        _gap(
            "ack",
            row["name"],
            _("%(a)d of %(n)d responsible persons answered")
            % {"a": row["answered"], "n": row["people"]},
            f"{row['ack_rate']:.1%}",
            f"{ACK_TARGET:.0%}",
            county=row["path"],
        )
        for row in facts["by_unit"]
        if row["ack_rate"] is not None and row["ack_rate"] < ACK_TARGET
    ]
    return out


def _reports(facts: dict[str, Any]) -> list[Gap]:
    out = []
    for i in facts["incidents"]:
        for limit in i["missed"]:
            done = _("not done") if limit["done"] is None else _("done late")
            out.append(
                _gap(
                    "report",
                    i["region"],
                    f"{i['title']} · {limit['label']} ({done})",
                    _("%(m).0f min late") % {"m": limit["late_minutes"] or 0},
                    _("within the limit"),
                    incident=i["pk"],
                )
            )
    return out


def _relief(facts: dict[str, Any]) -> list[Gap]:
    out = []
    for r in facts["relief"]:
        if not r["late"]:
            continue
        figure = (
            _("%(h).1f h") % {"h": r["hours"]}
            if r["hours"] is not None
            else _("not met after %(h).1f h") % {"h": r["open_hours"]}
        )
        unit = r["group"] + (f"（{r['village']}）" if r["village"] else "")
        out.append(
            _gap(
                "relief",
                unit,
                r["incident"],
                figure,
                _("≤ %(h).0f h") % {"h": RELIEF_HOURS},
                incident=r["incident_pk"],
            )
        )
    return out


def _dispatch(facts: dict[str, Any]) -> list[Gap]:
    out = []
    for d in facts["dispatch"]:
        arrived = d["arrival_minutes"] is not None
        late = d["arrival_minutes"] if arrived else d["waiting_minutes"]
        if late is None or late <= ARRIVAL_TARGET:
            continue
        figure = (
            _("%(m).0f min") % {"m": late}
            if arrived
            else _("not on scene after %(m).0f min") % {"m": late}
        )
        out.append(
            _gap(
                "dispatch",
                d["force"],
                d["incident"],
                figure,
                _("≤ 60 min"),
                incident=d["incident_pk"],
            )
        )
    return out


def _shelters(facts: dict[str, Any]) -> list[Gap]:
    return [
        _gap(
            "shelter",
            s["name"],
            _("%(p)d people at once in room for %(c)d") % {"p": s["peak"], "c": s["capacity"]},
            f"+{s['overflow']}",
            _("≤ capacity"),
        )
        for s in facts["shelters"]
        if s["overflow"] > 0
    ]


def summary(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gaps counted per kind, every kind listed (a zero is a target met)."""
    labels = kind_labels()
    return [
        {"kind": k, "label": labels[k], "count": sum(1 for g in found if g["kind"] == k)}
        for k in KINDS
    ]
