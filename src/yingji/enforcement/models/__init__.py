"""Enforcement tables, one module per part (lists, draws, inspections, penalties,
publication, credit), imported here so that Django and callers find them in one place."""

from yingji.enforcement.models.credit import (
    CodeColour,
    CreditRating,
    CreditRepair,
    Rating,
    RepairState,
    SafetyCode,
    SafetyCodeChange,
)
from yingji.enforcement.models.draws import DrawnEntity, DrawPlan, PlanState
from yingji.enforcement.models.inspections import (
    DocumentKind,
    EnforcementDocument,
    Finding,
    InspectionTask,
    Outcome,
    Signature,
    TaskInspector,
    TaskKind,
    TaskState,
)
from yingji.enforcement.models.lists import Conflict, ConflictReason, InspectionItem, Inspector
from yingji.enforcement.models.penalties import (
    CaseEvent,
    CaseState,
    Circumstance,
    DiscretionRule,
    Execution,
    Payment,
    PenaltyCase,
)
from yingji.enforcement.models.publication import (
    CalendarDay,
    DayKind,
    Publication,
    PublicationKind,
)

__all__ = [
    "CalendarDay", "CaseEvent", "CaseState", "Circumstance", "CodeColour", "Conflict",
    "ConflictReason", "CreditRating", "CreditRepair", "DayKind", "DiscretionRule",
    "DocumentKind", "DrawPlan", "DrawnEntity", "EnforcementDocument", "Execution", "Finding",
    "InspectionItem", "InspectionTask", "Inspector", "Outcome", "Payment", "PenaltyCase",
    "PlanState", "Publication", "PublicationKind", "Rating", "RepairState", "SafetyCode",
    "SafetyCodeChange", "Signature", "TaskInspector", "TaskKind", "TaskState",
]  # fmt: skip
