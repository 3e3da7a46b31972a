"""The command room of an incident: its timeline, the roles and their hand-offs, the tasks.

Everything that happens to an incident writes a timeline :class:`Entry` in the same
transaction, so the timeline is the record a situation report is generated from and what the
room's page streams live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit, notify
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.models import User
from yingji.core.permissions import Cap, has, require
from yingji.core.scoping import jurisdiction_of
from yingji.incidents.models import Entry, Incident, Role, Status, Task, TaskStatus

ROLES: Final = ("指挥长", "副指挥长", "综合协调组", "抢险救援组", "医疗救治组", "转移安置组",
                "后勤保障组", "新闻宣传组", "专家组")  # fmt: skip
"""The usual roles of a command room; a plan may add its own groups."""
MAX_TITLE: Final = 300


def entry(
    incident: Incident, kind: str, text: str, *, actor: User | None = None,
    at: dt.datetime | None = None, data: dict[str, Any] | None = None,
) -> Entry:  # fmt: skip
    return Entry.objects.create(incident=incident, kind=kind, text=text[:1000], actor=actor,
                                at=at or timezone.now(), data=data or {})  # fmt: skip


def _commanding(actor: User, pk: int) -> Incident:
    from yingji.incidents.services import get_incident  # noqa: PLC0415 - package import order

    require(actor, Cap.COMMAND_INCIDENTS)
    incident = get_incident(actor, pk)
    if incident.status == Status.CLOSED:
        raise Conflict(_("The 终报 has been filed; this incident is closed"))
    return incident


def _member(actor: User, incident: Incident, user_id: Any, field: str) -> User:
    """A user who may work on the incident: active, with incident rights, covering it."""
    try:
        user = User.objects.get(pk=int(user_id), is_active=True)
    except (TypeError, ValueError, User.DoesNotExist):
        raise InvalidInput(_("Choose a person"), field=field) from None
    if not has(user, Cap.VIEW_INCIDENTS) or not jurisdiction_of(user).covers(incident.region_path):
        raise InvalidInput(_("%(who)s cannot see this incident") % {"who": user.username},
                           field=field)  # fmt: skip
    return user


# ---------------------------------------------------------------- roles


def assign_role(actor: User, pk: int, role: str, user_id: Any) -> Role:
    """Give a role to a person; the previous holder's holding ends (a hand-off)."""
    role = (role or "").strip() if isinstance(role, str) else ""
    if not role or len(role) > 40 or "\x00" in role:
        raise InvalidInput(_("Name the role (at most 40 characters)"), field="role")
    now = timezone.now()
    with transaction.atomic():
        incident = _commanding(actor, pk)
        user = _member(actor, incident, user_id, "user")
        current = Role.objects.select_for_update().filter(incident=incident, role=role,
                                                          until__isnull=True).first()  # fmt: skip
        if current is not None and current.user_id == user.pk:
            raise Conflict(_("%(who)s already holds %(role)s") % {"who": user.username,
                                                                 "role": role})  # fmt: skip
        if current is not None:
            current.until = now
            current.save(update_fields=["until"])
        held = Role.objects.create(incident=incident, role=role, user=user, since=now,
                                   assigned_by=actor)  # fmt: skip
        names = {"role": role, "new": _name(user), "old": _name(current.user) if current else ""}
        if current:
            text = _("%(role)s handed from %(old)s to %(new)s") % names
        else:
            text = _("%(role)s: %(new)s") % names
        entry(incident, "role", text, actor=actor, at=now, data={"role": role, "user": user.pk})
        audit.record(actor=actor, action="assign", obj=incident, region_path=incident.region_path,
                     message=text)  # fmt: skip
        transaction.on_commit(lambda: notify.notify(
            [user], kind="incident", title=_("You are %(role)s for %(title)s") % {
                "role": role, "title": incident.title}, link=f"/incidents/{incident.pk}/",
            obj=incident))  # fmt: skip
    return held


def holders(incident: Incident) -> list[Role]:
    return list(incident.roles.filter(until__isnull=True).select_related("user").order_by("since"))


# ---------------------------------------------------------------- tasks


def add_tasks(
    actor: User | None, incident: Incident, tasks: Iterable[dict[str, Any]], *, source: str = "",
    now: dt.datetime | None = None,
) -> list[Task]:  # fmt: skip
    """Create tasks (from a plan's action templates, or by hand): each with a title, a role,
    an owner (the role's holder if none is given) and a deadline. Call inside a transaction."""
    now = now or timezone.now()
    held = {r.role: r.user for r in holders(incident)}
    made = []
    for spec in tasks:
        title = str(spec.get("title", "")).strip()
        if not title or len(title) > MAX_TITLE or "\x00" in title:
            raise InvalidInput(_("A task needs a title of at most 300 characters"), field="title")
        role = str(spec.get("role", "") or "").strip()[:40]
        if "\x00" in role:
            raise InvalidInput(_("The role must be plain text"), field="role")
        owner = spec.get("owner") or held.get(role)
        due = spec.get("due_at")
        if due is not None and not isinstance(due, dt.datetime):
            raise InvalidInput(_("The deadline must be a date and time"), field="due_at")
        made.append(Task(incident=incident, title=title, role=role, owner=owner, due_at=due,
                         source=source[:40], created_at=now,
                         priority=int(spec.get("priority", 2))))  # fmt: skip
    Task.objects.bulk_create(made)
    if made:
        text = (_("%(n)d tasks created") % {"n": len(made)}) if len(made) > 1 else (
            _("Task: %(title)s") % {"title": made[0].title})  # fmt: skip
        entry(incident, "task", text, actor=actor, at=now, data={"source": source})
        audit.record(actor=actor, action="create", obj=incident, region_path=incident.region_path,
                     message=f"tasks ({source or 'manual'}): {len(made)}")  # fmt: skip
    owners = {t.owner_id for t in made if t.owner_id}
    if owners:
        people = list(User.objects.filter(pk__in=owners))
        transaction.on_commit(lambda: notify.notify(
            people, kind="task", title=_("New tasks: %(title)s") % {"title": incident.title},
            link=f"/incidents/{incident.pk}/", obj=incident))  # fmt: skip
    return made


def add_task(actor: User, pk: int, data: dict[str, Any]) -> Task:
    with transaction.atomic():
        incident = _commanding(actor, pk)
        owner = _member(actor, incident, data["owner"], "owner") if data.get("owner") else None
        due = data.get("due_at")
        if isinstance(due, str) and due.strip():
            try:
                due = dt.datetime.fromisoformat(due.strip()[:40])
            except ValueError:
                raise InvalidInput(_("The deadline is not a date and time"),
                                   field="due_at") from None  # fmt: skip
            if due.tzinfo is None:
                due = timezone.make_aware(due)
        spec = {
            "title": data.get("title", ""),
            "role": data.get("role", ""),
            "owner": owner,
            "due_at": due or None,
        }
        (task,) = add_tasks(actor, incident, [spec], source="manual")
    return task


def finish_task(actor: User, pk: int, task_id: int, *, status: str = TaskStatus.DONE,
                note: str = "") -> Task:  # fmt: skip
    if status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise InvalidInput(_("A task is finished as done or cancelled"), field="status")
    now = timezone.now()
    with transaction.atomic():
        from yingji.incidents.services import get_incident  # noqa: PLC0415

        incident = get_incident(actor, pk)
        task = Task.objects.select_for_update().filter(incident=incident, pk=task_id).first()
        if task is None:
            raise NotFound(_("No such task"))
        if task.owner_id != actor.pk:
            require(actor, Cap.COMMAND_INCIDENTS)  # the owner, or the command
        if task.status != TaskStatus.OPEN:
            raise Conflict(_("This task is already finished"))
        note = "" if note is None else note
        if not isinstance(note, str) or "\x00" in note:
            raise InvalidInput(_("The note must be plain text"), field="note")
        task.status, task.done_at, task.note = status, now, note.strip()[:500]
        task.save(update_fields=["status", "done_at", "note"])
        verb = _("done") if status == TaskStatus.DONE else _("cancelled")
        entry(incident, "task", f"{task.title}: {verb}", actor=actor, at=now,
              data={"task": task.pk, "status": status})  # fmt: skip
        audit.record(actor=actor, action="update", obj=incident, region_path=incident.region_path,
                     message=f"task {task.pk} {status}")  # fmt: skip
    return task


def _name(user: User) -> str:
    return str(user)  # the display name, else the username
