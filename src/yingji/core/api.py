"""Core API: the signed-in user, accounts (scoped), the audit trail and jobs."""

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from yingji.core import exports, jobs, selectors, services
from yingji.core.models import AuditEntry, Job, Role, User
from yingji.core.openapi import file_response
from yingji.core.permissions import Cap, capabilities_of, require, roles_of
from yingji.core.schemas import IsoDateTime
from yingji.kernels import codes
from yingji.regions.selectors import get_region

router = Router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str
    region: str | None
    region_name: str | None
    roles: list[str]
    is_active: bool
    is_machine: bool


class MeOut(UserOut):
    capabilities: list[str]
    is_superuser: bool


class UserFilters(Schema):
    q: str = Field("", max_length=50)
    role: Role | None = None
    region: str | None = Field(None, pattern=r"^\d{2,12}$")
    active: bool | None = None


class UserIn(Schema):
    username: str = Field(..., min_length=3, max_length=150)
    password: str = Field(..., min_length=8, max_length=128)
    region: str = Field(..., pattern=r"^\d{2,12}$")
    roles: list[Role] = Field(default_factory=list, max_length=len(Role))
    display_name: str = Field("", max_length=64)
    phone: str = Field("", max_length=11)
    is_machine: bool = False


class UserPatch(Schema):
    display_name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=11)
    region: str | None = Field(None, pattern=r"^\d{2,12}$")
    roles: list[Role] | None = Field(None, max_length=len(Role))
    is_active: bool | None = None


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    message: str


class AuditFilters(Schema):
    object_type: str = Field("", max_length=64)
    object_id: str = Field("", max_length=64)
    actor: str = Field("", max_length=150)
    action: str = Field("", max_length=32)
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None
    q: str = Field("", max_length=100)


class JobOut(Schema):
    id: str
    kind: str
    title: str
    status: str
    progress: int
    log: list[str]
    result: Any
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ExportIn(Schema):
    name: str = Field(..., max_length=64, description="regions or users")
    filters: dict[str, str] = Field(default_factory=dict, max_length=20)


class JobIn(Schema):
    kind: str = Field(..., max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)


def user_out(user: User, roles: set[str] | None = None) -> dict[str, Any]:
    """An account as the API shows it; ``roles`` when the caller has them already (the
    signed-in user's come with the user), else read (prefetched in lists)."""
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone,
        "region": codes.display(user.region.code) if user.region else None,
        "region_name": user.region.name if user.region else None,
        "roles": sorted(roles if roles is not None else (r.role for r in user.role_rows.all())),
        "is_active": user.is_active,
        "is_machine": user.is_machine,
    }


def job_out(job: Job) -> dict[str, Any]:
    data = {f: getattr(job, f) for f in JobOut.model_fields}
    data["id"] = str(job.pk)
    return data


@router.get("/me", response=MeOut, tags=["accounts"], summary="The signed-in user")
def me(request: HttpRequest) -> Any:
    user = request.user
    data = user_out(user, roles_of(user))  # type: ignore[arg-type]
    data["capabilities"] = sorted(c.value for c in capabilities_of(user))
    data["is_superuser"] = user.is_superuser
    return data


@router.get("/users/", response=list[UserOut], tags=["accounts"], summary="Accounts (scoped)")
@paginate(LimitOffsetPagination)
def list_users(request: HttpRequest, filters: Query[UserFilters]) -> Any:
    region_path = codes.short(get_region(filters.region).code) if filters.region else ""
    users = selectors.users_for(
        request.user,
        q=filters.q,
        role=filters.role or "",
        region_path=region_path,
        active=filters.active,
    )
    return [user_out(u) for u in users]


@router.get("/users/{user_id}", response=UserOut, tags=["accounts"], summary="One account")
def get_user(request: HttpRequest, user_id: int) -> Any:
    return user_out(selectors.user_for(request.user, user_id))


@router.post("/users/", response={201: UserOut}, tags=["accounts"], summary="Create an account")
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    user = services.create_user(
        actor=request.user,
        username=payload.username,
        password=payload.password,
        region_code=payload.region,
        roles=[r.value for r in payload.roles],
        display_name=payload.display_name,
        phone=payload.phone,
        is_machine=payload.is_machine,
    )
    return Status(201, user_out(selectors.user_for(request.user, user.pk)))


@router.patch("/users/{user_id}", response=UserOut, tags=["accounts"], summary="Change an account")
def update_user(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    user = services.update_user(
        actor=request.user,
        user_id=user_id,
        display_name=payload.display_name,
        phone=payload.phone,
        region_code=payload.region,
        roles=[r.value for r in payload.roles] if payload.roles is not None else None,
        is_active=payload.is_active,
    )
    return user_out(selectors.user_for(request.user, user.pk))


@router.get("/audit/", response=list[AuditOut], tags=["audit"], summary="Audit trail (scoped)")
@paginate(LimitOffsetPagination)
def list_audit(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    entries = selectors.audit_for(
        request.user,
        object_type=filters.object_type,
        object_id=filters.object_id,
        actor_label=filters.actor,
        action=filters.action,
        since=filters.since,
        until=filters.until,
        q=filters.q,
    )
    return [_audit_out(e) for e in entries]


def _audit_out(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at,
        "actor": entry.actor_label,
        "ip": entry.ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
        "message": entry.message,
    }


@router.get("/jobs/", response=list[JobOut], tags=["jobs"], summary="Jobs (scoped)")
@paginate(LimitOffsetPagination)
def list_jobs(request: HttpRequest) -> Any:
    return [job_out(j) for j in selectors.jobs_for(request.user).order_by("-created_at")]


@router.get("/jobs/{job_id}", response=JobOut, tags=["jobs"], summary="One job with progress")
def get_job(request: HttpRequest, job_id: str) -> Any:
    return job_out(selectors.job_for(request.user, job_id))


@router.post("/jobs/", response={202: JobOut}, tags=["jobs"], summary="Start a job")
def start_job(request: HttpRequest, payload: JobIn) -> Any:
    require(request.user, Cap.RUN_JOBS)
    region = request.user.region  # type: ignore[union-attr]
    job = jobs.start(actor=request.user, kind=payload.kind, params=payload.params, region=region)
    return Status(202, job_out(job))


@router.post("/exports/", response={202: JobOut}, tags=["jobs"], summary="Start an Excel export")
def start_export(request: HttpRequest, payload: ExportIn) -> Any:
    job = exports.start(
        actor=request.user,
        name=payload.name,
        filters=payload.filters,
        region=getattr(request.user, "region", None),
    )
    return Status(202, job_out(job))


@router.get(
    "/jobs/{job_id}/download",
    tags=["jobs"],
    summary="Download an export's file",
    openapi_extra=file_response("The export (.xlsx)", XLSX),
)
def download(request: HttpRequest, job_id: str) -> FileResponse:
    path = exports.file_for(selectors.job_for(request.user, job_id))
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
