"""掌上执法: carrying out an inspection task on a phone.

    assigned ─start→ in_progress ─complete→ completed
    assigned | in_progress ─cancel (bureau staff, with a reason)→ cancelled

The transitions are one table (:data:`TRANSITIONS`); the work done inside a state (recording
findings, turning one into a hidden hazard) names the states it needs in :data:`WORK`. Only
the task's crew (two or more inspectors) acts on it, or bureau staff of its jurisdiction
(MANAGE_ENFORCEMENT); others who can see the task (its enterprise, read roles) get 403, and
anyone who cannot see it gets 404 from the scoped selector. Every write is audited.

Completing a task opens its publication record (公开) and recomputes the enterprise's credit
and safety code, through the two cross-part hooks named in ``services/__init__``.
"""

from yingji.enforcement.services.inspections.adhoc import next_code, open_task
from yingji.enforcement.services.inspections.findings import (
    check_photos,
    create_hazard,
    record_finding,
)
from yingji.enforcement.services.inspections.tasks import (
    CREW,
    MANAGER,
    MAX_PHOTOS,
    OPEN_STATES,
    TRANSITIONS,
    WORK,
    IllegalTransition,
    allowed_actions,
    at_work,
    cancel,
    checklist,
    complete,
    crew,
    get_task,
    is_crew,
    is_overdue,
    location,
    may_act,
    start,
    task_list,
)

__all__ = [
    "CREW", "MANAGER", "MAX_PHOTOS", "OPEN_STATES", "TRANSITIONS", "WORK", "IllegalTransition",
    "allowed_actions", "at_work", "cancel", "check_photos", "checklist", "complete",
    "create_hazard", "crew",
    "get_task", "is_crew", "is_overdue", "location", "may_act", "next_code", "open_task",
    "record_finding", "start", "task_list",
]  # fmt: skip
