"""The investigation of an accident (Decree 493 Chapter 4) as a state machine.

        open ─pause→ appraisal ─resume→ open        (technical appraisal: days not counted)
        open ─submit→ reported ─close→ closed       (the report, then the government's reply)
    reported ─return→ open                          (report sent back for more work)
    open / appraisal ─extend→ (same state)          (once, ≤ 60 days, with a reason)

Who leads follows the grade (Art. 19): 一般 the county, 较大 the city, 重大 the province,
特别重大 the State Council; a higher government may take an investigation over (Art. 20), a
lower one never. Only staff whose jurisdiction covers the leading government act on it.

The report is due 60 days after the investigation starts (the start defaults to the accident
day, which is how Art. 29 counts), plus the one extension, plus the appraisal days. Every
step is in :data:`TRANSITIONS`, writes a timeline entry and an audit entry, and happens
whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from yingji.accidents import catalogue, documents
from yingji.accidents.catalogue import Level
from yingji.accidents.models import Accident, Finding, Investigation, State
from yingji.accidents.selectors import get_accident, investigation_of
from yingji.accidents.services import common
from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

DAYS: Final = 60
MAX_EXTENSION: Final = 60
MAX_TEAM: Final = 50
MAX_FINDINGS: Final = 200
NONE: Final = ""  # no investigation yet
Apply = Callable[[Investigation, Mapping[str, Any], dt.date, Any], str]


class IllegalTransition(Conflict):
    """Not possible from the investigation's state (HTTP 409); ``allowed`` lists what is."""

    def __init__(self, action: str, state: str, allowed: list[str]) -> None:
        label = State(state).label if state else "未立案调查"
        super().__init__(
            f"Cannot {action} while the investigation is {label}; allowed now: "
            f"{', '.join(allowed) or 'none'}",
            code="illegal_transition",
        )
        self.allowed = allowed


def due(investigation: Investigation) -> dt.date:
    days = DAYS + investigation.extension_days + investigation.appraisal_days
    return investigation.started_on + dt.timedelta(days=days)


def _on(
    data: Mapping[str, Any], name: str, today: dt.date, *, after: dt.date | None, label: str
) -> dt.date:
    value = common.day(data, name, default=today)
    assert value is not None  # noqa: S101 - a default is given
    if value > today:
        raise InvalidInput(f"{name}: {value} lies in the future", field=name)
    if after is not None and value < after:
        raise InvalidInput(f"{name}: {value} lies before {label} ({after})", field=name)
    return value


def _extend(inv: Investigation, data: Mapping[str, Any], today: dt.date, _upload: Any) -> str:
    if inv.extension_days:
        raise Conflict(
            f"Already extended by {inv.extension_days} days: Decree 493 Art. 29 "
            "allows one extension of at most 60 days",
            code="extended",
        )
    days = common.whole(data, "days", default=-1, low=1, high=MAX_EXTENSION)
    if days < 1:
        raise InvalidInput("days: give the extension in days (1–60)", field="days")
    reason = common.text(data, "reason", 500, required=True)
    if len(reason) < 4:
        raise InvalidInput("reason: say why more time is needed", field="reason")
    inv.extension_days, inv.extension_reason = days, reason
    return f"延期 {days} 天：{reason}"


def _pause(inv: Investigation, data: Mapping[str, Any], today: dt.date, _upload: Any) -> str:
    on = _on(data, "on", today, after=inv.started_on, label="the start")
    what = common.text(data, "note", 500, required=True)
    inv.paused_on = on
    return f"{on} 起技术鉴定（不计入调查期限）：{what}"


def _resume(inv: Investigation, data: Mapping[str, Any], today: dt.date, _upload: Any) -> str:
    assert inv.paused_on is not None  # noqa: S101 - the appraisal state has a start
    on = _on(data, "on", today, after=inv.paused_on, label="the appraisal's start")
    days = (on - inv.paused_on).days
    inv.appraisal_days += days
    inv.paused_on = None
    return f"技术鉴定结束，{days} 天不计入调查期限"


def _submit(inv: Investigation, data: Mapping[str, Any], today: dt.date, upload: Any) -> str:
    on = _on(data, "on", today, after=inv.started_on, label="the start")
    cause = common.text(data, "cause", 5000, required=not inv.cause) or inv.cause
    if upload is None and not inv.report_file:
        raise InvalidInput(
            "report: attach the investigation report (PDF or Word .docx)", field="report"
        )
    if upload is not None:
        stored = documents.store(upload)
        inv.report_file, inv.report_name = stored.file, stored.name
        inv.report_type, inv.report_size, inv.report_sha256 = (
            stored.content_type,
            stored.size,
            stored.sha256,
        )
    inv.cause, inv.submitted_on = cause, on
    late = (on - inv.due_on).days
    return "提交调查报告" + (f"（逾期 {late} 天）" if late > 0 else "")


def _return(inv: Investigation, data: Mapping[str, Any], today: dt.date, _upload: Any) -> str:
    why = common.text(data, "note", 500, required=True)
    inv.submitted_on = None
    return f"报告退回补充：{why}"


def _close(inv: Investigation, data: Mapping[str, Any], today: dt.date, _upload: Any) -> str:
    if not inv.measures.exists():
        raise InvalidInput(
            "measure: record the rectification measures before closing", field="measure"
        )
    approval = common.text(data, "approval", 2000, required=True)
    inv.closed_on = _on(data, "on", today, after=inv.submitted_on, label="the report")
    inv.approval = approval
    return f"结案：{approval[:200]}"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the state stays
    apply: Apply | None
    label: str


_S = State
# fmt: off
TRANSITIONS: Final = (
    #          action    from                       to            writes    label
    Transition("open",   (NONE,),                   _S.OPEN,      None,     "立案调查"),
    Transition("extend", (_S.OPEN, _S.APPRAISAL),   None,         _extend,  "延长期限"),
    Transition("pause",  (_S.OPEN,),                _S.APPRAISAL, _pause,   "技术鉴定"),
    Transition("resume", (_S.APPRAISAL,),           _S.OPEN,      _resume,  "鉴定结束"),
    Transition("submit", (_S.OPEN,),                _S.REPORTED,  _submit,  "提交报告"),
    Transition("return", (_S.REPORTED,),            _S.OPEN,      _return,  "退回补充"),
    Transition("close",  (_S.REPORTED,),            _S.CLOSED,    _close,   "结案"),
)
# fmt: on
BY_ACTION: Final = {t.action: t for t in TRANSITIONS}
LABELS: Final = {t.action: t.label for t in TRANSITIONS}
WORK_STATES: Final = (State.OPEN, State.APPRAISAL, State.REPORTED)  # findings may be added
audit.ACTION_LABELS.update({f"investigation_{t.action}": t.label for t in TRANSITIONS})


def allowed(state: str) -> list[str]:
    return [t.action for t in TRANSITIONS if state in t.sources]


def office_path(accident: Accident, level: str) -> str:
    return accident.region_path[: catalogue.OFFICE_PATH_LENGTH[Level(level)]]


def leads(actor: Actor, path: str) -> bool:
    """The actor's jurisdiction covers the leading government's region."""
    return jurisdiction_of(actor).covers(path)


def _guard(actor: Actor, inv: Investigation) -> None:
    if not leads(actor, inv.office_path):
        raise Forbidden(f"{inv.office} leads this investigation; your office does not act on it")


def _team(raw: Any) -> list[dict[str, str]]:
    """Members as ``[{name, unit, role}]`` from a list or from lines "姓名，单位，职务"."""
    if isinstance(raw, str):
        lines = [ln for ln in raw.replace("\r", "").split("\n") if ln.strip()]
        rows: list[Any] = [
            dict(
                zip(
                    ("name", "unit", "role"),
                    [p.strip() for p in ln.replace("，", ",").replace("\t", ",").split(",", 2)],
                    strict=False,
                )
            )
            for ln in lines
        ]
    elif isinstance(raw, list):
        rows = raw
    else:
        rows = []
    if not rows:
        raise InvalidInput(
            "team: name at least the team leader (one per line: 姓名，单位，职务)", field="team"
        )
    if len(rows) > MAX_TEAM:
        raise InvalidInput(f"team: at most {MAX_TEAM} members", field="team")
    members = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise InvalidInput(f"team: member {number} is not a name, unit and role", field="team")
        member = {
            key: common.text({"team": row.get(key) or ""}, "team", 100)
            for key in ("name", "unit", "role")
        }
        if not member["name"]:
            raise InvalidInput(f"team: member {number} has no name", field="team")
        members.append(member)
    return members


def open_investigation(
    *, actor: Actor, pk: Any, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Investigation:
    """Start the investigation, led by the government the grade names (or a higher one)."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        if accident.voided:
            raise Conflict(f"{accident.code} is voided", code="voided")
        if investigation_of(accident) is not None:
            raise IllegalTransition(
                "open", accident.investigation.state, allowed(accident.investigation.state)
            )
        wanted = catalogue.LEVEL_BY_GRADE[accident.grade]
        level = common.choice(data, "level", Level.values, default=wanted)
        if catalogue.LEVEL_RANK[Level(level)] < catalogue.LEVEL_RANK[wanted]:
            raise InvalidInput(
                f"level: a {accident.grade_name} accident is investigated by "
                f"{wanted.label} or higher (Decree 493 Art. 19)",
                field="level",
            )
        path = office_path(accident, level)
        if not leads(actor, path):
            raise Forbidden(
                f"A {accident.grade_name} accident is investigated by "
                f"{Level(level).label}: your office cannot open it (Art. 19)"
            )
        occurred = timezone.localtime(accident.occurred_at).date()
        given = {"started_on": data.get("started_on") or occurred}  # Art. 29 counts from it
        started = _on(given, "started_on", today, after=occurred, label="the accident day")
        inv = Investigation(
            accident=accident,
            state=State.OPEN,
            level=level,
            office_path=path,
            office=common.text(data, "office", 100) or _office_name(level, path),
            team=_team(data.get("team")),
            started_on=started,
            due_on=started,
            opened_by=actor if actor.is_authenticated else None,
        )
        inv.due_on = due(inv)
        inv.save()
        common.event(
            accident,
            "open",
            actor=actor,
            before=NONE,
            after=State.OPEN,
            at=now,
            note=f"{inv.office}（{len(inv.team)} 人），报告期限 {inv.due_on}",
        )
        audit.record(
            actor=actor,
            action="investigation_open",
            obj=inv,
            region_path=accident.region_path,
            after=audit.snapshot(inv),
        )
    return inv


def _office_name(level: str, path: str) -> str:
    if level == Level.STATE_COUNCIL:
        return "国务院事故调查组"
    region = Region.objects.filter(path=path).first()
    return f"{region.name if region else path}人民政府事故调查组"


def transition(
    *,
    actor: Actor,
    pk: Any,
    action: str,
    data: Mapping[str, Any] | None = None,
    upload: Any = None,
    now: dt.datetime | None = None,
) -> Investigation:
    """Apply ``action`` to the investigation of accident ``pk``: the one way its state moves."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    step = BY_ACTION.get(action)
    if step is None or step.apply is None:
        names = ", ".join(t.action for t in TRANSITIONS if t.apply is not None)
        raise InvalidInput(f"action: {str(action)[:20]!r} is not one of {names}", field="action")
    data = dict(data or {})
    now = now or timezone.now()
    today = timezone.localdate(now)
    with documents.discarded_on_error(), transaction.atomic():  # no report file left by a failure
        accident = get_accident(actor, pk, for_update=True)
        inv = investigation_of(accident)
        state = inv.state if inv is not None else NONE
        if inv is None or state not in step.sources:
            raise IllegalTransition(action, state, allowed(state))
        _guard(actor, inv)
        before = audit.snapshot(inv)
        note = step.apply(inv, data, today, upload)
        inv.state = step.target or inv.state
        inv.due_on = due(inv)
        inv.save()
        common.event(
            accident, action, actor=actor, before=state, after=inv.state, at=now, note=note
        )
        audit.record(
            actor=actor,
            action=f"investigation_{action}",
            obj=inv,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(inv),
            message=note[:500],
        )
    return inv


def add_finding(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> Finding:
    """A responsibility finding (责任认定) of the investigation, while it is not closed."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        inv = investigation_of(accident)
        if inv is None or inv.state not in WORK_STATES:
            state = inv.state if inv is not None else NONE
            raise IllegalTransition("add a finding", state, allowed(state))
        _guard(actor, inv)
        if inv.findings.count() >= MAX_FINDINGS:
            raise InvalidInput(f"subject: at most {MAX_FINDINGS} findings", field="subject")
        finding = Finding.objects.create(
            investigation=inv,
            subject=common.text(data, "subject", 100, required=True),
            position=common.text(data, "position", 100),
            responsibility=common.choice(data, "responsibility", catalogue.Responsibility.values),
            handling=common.choice(data, "handling", catalogue.Handling.values),
            note=common.text(data, "note", 500),
        )
        text = (
            f"{finding.subject}：{finding.get_responsibility_display()}，"
            f"{finding.get_handling_display()}"
        )
        common.event(accident, "finding", actor=actor, note=text)
        audit.record(
            actor=actor,
            action="accident_finding",
            obj=finding,
            region_path=accident.region_path,
            after=audit.snapshot(finding),
        )
    return finding
