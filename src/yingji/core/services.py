"""Writes of the core app: accounts, roles and API tokens.

Every function is keyword-only, owns its transaction, checks the actor's capability and
jurisdiction, validates its input and records an audit entry.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, permissions
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.models import ApiToken, Role, User, UserRole
from yingji.core.permissions import ROLE_LEVEL, Cap, require
from yingji.core.scoping import get_scoped, jurisdiction_of
from yingji.regions.models import Region
from yingji.regions.selectors import normalise_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
TOKEN_PREFIX = "yj_"  # noqa: S105 - marks Yingji tokens (and lets scanners spot leaks)
_USER_FIELDS = ("username", "display_name", "phone", "region", "is_active", "is_machine", "email")


def _user_snapshot(user: User) -> dict[str, object]:
    data = audit.snapshot(user, _USER_FIELDS)
    data["roles"] = sorted(user.role_rows.values_list("role", flat=True))
    return data


def _validate_roles(roles: Iterable[str], region: Region | None) -> list[str]:
    cleaned = sorted(set(roles))
    valid = set(Role.values)
    for role in cleaned:
        if role not in valid:
            raise InvalidInput(
                f"Unknown role {role!r}; choose from {', '.join(sorted(valid))}", field="roles"
            )
        level = ROLE_LEVEL.get(role)
        if level and (region is None or region.level != level):
            raise InvalidInput(f"Role {role} needs a home region at {level} level", field="roles")
    return cleaned


def _resolve_region(actor: User | AnonymousUser | None, code: str | None) -> Region | None:
    if not code:
        return None
    try:
        region = Region.objects.get(code=normalise_code(code, field="region"))
    except Region.DoesNotExist as exc:
        raise InvalidInput(f"No region has code {code}", field="region") from exc
    if actor is not None and not jurisdiction_of(actor).covers(region.path):
        raise InvalidInput(f"Region {code} is outside your jurisdiction", field="region")
    return region


@transaction.atomic
def create_user(
    *,
    actor: User | AnonymousUser | None,
    username: str,
    password: str,
    region_code: str | None,
    roles: Iterable[str] = (),
    display_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
    is_machine: bool = False,
) -> User:
    """Create an account. ``actor=None`` is the command line (an operator on the server)."""
    if actor is not None:
        require(actor, Cap.MANAGE_USERS)
        if is_superuser and not actor.is_superuser:
            raise InvalidInput("Only a superuser can create a superuser", field="is_superuser")
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "Username: 3–150 letters, digits or . @ + - _ characters", field="username"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"Username {username!r} is taken", field="username")
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput("Mobile phone: 11 digits starting with 1", field="phone")
    region = _resolve_region(actor, region_code)
    if region is None and not is_superuser:
        raise InvalidInput("Every account except a superuser needs a home region", field="region")
    role_list = _validate_roles(roles, region)
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        region=region,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        is_machine=is_machine,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    UserRole.objects.bulk_create(UserRole(user=user, role=r) for r in role_list)
    audit.record(
        actor=actor,
        action="create",
        obj=user,
        region_path=region.path if region else "",
        after=_user_snapshot(user),
    )
    return user


@transaction.atomic
def update_user(
    *,
    actor: User | AnonymousUser,
    user_id: int,
    display_name: str | None = None,
    phone: str | None = None,
    region_code: str | None = None,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> User:
    """Change an account within the actor's jurisdiction; the audit keeps before/after."""
    require(actor, Cap.MANAGE_USERS)
    user = get_scoped(User.objects.select_for_update(), actor, label="user", pk=user_id)
    before = _user_snapshot(user)
    if phone is not None:
        if phone and not PHONE_RE.match(phone):
            raise InvalidInput("Mobile phone: 11 digits starting with 1", field="phone")
        user.phone = phone
    if display_name is not None:
        user.display_name = display_name[:64]
    if region_code is not None:
        user.region = _resolve_region(actor, region_code)
    if is_active is not None:
        if user.pk == getattr(actor, "pk", None) and not is_active:
            raise InvalidInput("You cannot deactivate your own account", field="is_active")
        user.is_active = is_active
    if roles is not None:
        role_list = _validate_roles(roles, user.region)
        UserRole.objects.filter(user=user).exclude(role__in=role_list).delete()
        existing = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
        UserRole.objects.bulk_create(
            UserRole(user=user, role=r) for r in role_list if r not in existing
        )
    elif region_code is not None:
        _validate_roles(before["roles"], user.region)  # type: ignore[arg-type]
    user.save()
    after = _user_snapshot(user)
    audit.record(
        actor=actor,
        action="update",
        obj=user,
        region_path=user.region.path if user.region else "",
        before=before,
        after=after,
    )
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *,
    actor: User | AnonymousUser | None,
    username: str,
    name: str,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Issue a bearer token for a (machine) account. The secret is returned once."""
    if actor is not None:
        require(actor, Cap.MANAGE_USERS)
    try:
        owner = User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise NotFound(f"No user {username!r}", field="username") from exc
    if actor is not None:
        owner = get_scoped(User.objects.all(), actor, label="user", pk=owner.pk)
    if not name.strip():
        raise InvalidInput("Give the token a name (e.g. the gateway it is for)", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("Expiry must be in the future", field="expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=owner,
        name=name.strip()[:64],
        prefix=secret[:12],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=token,
        region_path=owner.region.path if owner.region else "",
        after=audit.snapshot(token),
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, actor: User | AnonymousUser | None, token_id: int) -> ApiToken:
    queryset = ApiToken.objects.select_related("user__region").select_for_update(of=("self",))
    try:
        token = queryset.get(pk=token_id)
    except ApiToken.DoesNotExist as exc:
        raise NotFound(f"No API token {token_id}") from exc
    owner_path = token.user.region.path if token.user.region else ""
    if actor is not None:
        require(actor, Cap.MANAGE_USERS)
        if not jurisdiction_of(actor).covers(owner_path):
            raise NotFound(f"No API token {token_id}")
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked")
    before = audit.snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="revoke",
        obj=token,
        region_path=owner_path,
        before=before,
        after=audit.snapshot(token),
    )
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user behind a bearer token, or None. Updates last-use at most per minute."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    try:
        tokens = ApiToken.objects.select_related("user", "user__region")
        token = permissions.with_roles(tokens, "user_id").get(token_hash=hash_token(secret))
    except ApiToken.DoesNotExist:
        return None
    permissions.remember_roles(token.user, getattr(token, permissions.ROLES_READ))
    now = timezone.now()
    if token.revoked_at or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
