"""The accident API's bodies and queries (django-ninja schemas). Bodies are strict: an unknown
field is 422; lengths and ranges are checked here, the rules by the services."""

from __future__ import annotations

import datetime as dt
from typing import Final

from ninja import Field, Schema

from yingji.accidents.services import investigation
from yingji.core.schemas import Strict

MAX_PK: Final = 2**63 - 1
MAX_LIMIT: Final = 200


class ListQuery(Schema):
    q: str = Field("", max_length=60, description="words of the title, number or enterprise")
    grade: str = Field("", max_length=1, description="0 一般, 1 较大, 2 重大, 3 特别重大")
    accident_type: str = Field("", max_length=20, description="GB 6441 type, e.g. machinery")
    region: str = Field("", max_length=12, description="region code (subtree)")
    year: str = Field("", max_length=4)
    investigation: str = Field(
        "", max_length=10, description="none, open, appraisal, reported, closed or overdue"
    )
    evaluated: str = Field("", max_length=3, description="yes or no")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class AccidentIn(Strict):
    title: str = Field(..., max_length=200)
    summary: str = Field(..., max_length=5000)
    occurred_at: dt.datetime
    accident_type: str = Field(..., max_length=20)
    region: str = Field("", max_length=12, description="default: the enterprise's region")
    enterprise: str = Field("", max_length=18, description="id or 统一社会信用代码")
    incident: int | None = Field(None, ge=1, le=MAX_PK)
    industry_code: str = Field(
        "", max_length=5, description="GB/T 4754; the enterprise's when there is one"
    )
    industry_name: str = Field("", max_length=100)
    dead: int = Field(0, ge=0, le=100_000)
    missing: int = Field(0, ge=0, le=100_000)
    seriously_injured: int = Field(0, ge=0, le=100_000)
    direct_loss_yuan: str | int = Field("0", description="yuan")
    road_traffic: bool = False
    address: str = Field("", max_length=200)
    lon: float | None = None
    lat: float | None = None


class FromIncidentIn(Strict):
    accident_type: str | None = Field(None, max_length=20)
    enterprise: str | None = Field(None, max_length=18)
    industry_code: str | None = Field(None, max_length=5)
    industry_name: str | None = Field(None, max_length=100)


class CasualtiesIn(Strict):
    dead: int | None = Field(None, ge=0, le=100_000)
    missing: int | None = Field(None, ge=0, le=100_000)
    seriously_injured: int | None = Field(None, ge=0, le=100_000)
    direct_loss_yuan: str | int | None = None
    note: str = Field("", max_length=500)


class Member(Strict):
    name: str = Field(..., max_length=100)
    unit: str = Field("", max_length=100)
    role: str = Field("", max_length=100)


class InvestigationIn(Strict):
    team: list[Member] = Field(..., max_length=investigation.MAX_TEAM)
    level: str = Field("", max_length=14, description="county, city, province, state_council")
    office: str = Field("", max_length=100)
    started_on: dt.date | None = Field(None, description="default: the accident day")


class StepIn(Strict):
    days: int | None = Field(None, description="extend: 1–60")
    reason: str = Field("", max_length=500, description="extend")
    on: dt.date | None = Field(None, description="pause, resume, close: default today")
    note: str = Field("", max_length=500, description="pause, return")
    cause: str = Field("", max_length=5000, description="submit")
    approval: str = Field("", max_length=2000, description="close: the government's reply")


class FindingIn(Strict):
    subject: str = Field(..., max_length=100)
    position: str = Field("", max_length=100)
    responsibility: str = Field(..., max_length=20)
    handling: str = Field(..., max_length=20)
    note: str = Field("", max_length=500)


class MeasureIn(Strict):
    text: str = Field(..., max_length=500)
    owner_unit: str = Field(..., max_length=100)
    due_on: dt.date


class FollowupIn(Strict):
    result: str = Field(..., max_length=8, description="yes, partly or no")
    note: str = Field("", max_length=1000)
    on: dt.date | None = None
    checked_by: str = Field("", max_length=100)


class EvaluationIn(Strict):
    measures_implemented: str = Field(..., max_length=8, description="yes, partly or no")
    score: int = Field(..., ge=0, le=100)
    conclusion: str = Field(..., max_length=3000)
    evaluator: str = Field("", max_length=100)
    on: dt.date | None = None


class StatsQuery(Schema):
    region: str = Field("", max_length=12)
    year: str = Field("", max_length=4, description="default: this year")
    start: str = Field("", max_length=10, description="a date range instead of a year")
    end: str = Field("", max_length=10)
