"""The discretion table (裁量基准): loading it, reading the rows that apply, editing them.

A row applies to an enterprise when it was issued by the enterprise's region or one above
(a province's table binds its counties). Rows are never edited in place: a change voids the
row and writes a new one in the same transaction, so a decided case still cites the exact
range it was decided under, and the audit trail shows both.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of, scope
from yingji.enforcement.models import Circumstance, DiscretionRule
from yingji.kernels import codes
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_YUAN: Final = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
TEXT_FIELDS: Final = {
    "violation": 300, "violated_provision": 300, "penalty_provision": 300,
    "circumstance_text": 300, "other_measures": 300,
}  # fmt: skip
OPTIONAL: Final = frozenset({"other_measures"})
CODE_MAX: Final = 30


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """Yuan with at most two decimals, 0 ≤ x ≤ 9,999,999,999.99; anything else names ``field``."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"{field}: " + _("an amount in yuan is required"), field=field)
    text = (repr(value) if isinstance(value, float) else str(value)).strip().replace(",", "")
    if not text or len(text) > 20:
        raise InvalidInput(f"{field}: " + _("an amount in yuan, e.g. 20000"), field=field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(
            f"{field}: {text[:20]!r} " + _("is not an amount in yuan"), field=field
        ) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field}: " + _("the amount must be a finite number"), field=field)
    if amount < 0:
        raise InvalidInput(f"{field}: " + _("the amount must not be negative"), field=field)
    if amount > MAX_YUAN:
        raise InvalidInput(
            f"{field}: " + _("at most %(max)s yuan") % {"max": f"{MAX_YUAN:,}"}, field=field
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{field}: " + _("at most two decimals (fen)"), field=field)
    return amount.quantize(Decimal("0.01"))


def applicable(region_path: str) -> QuerySet[DiscretionRule]:
    """Live rows issued by this region or any region above it."""
    lengths = [n for n in codes.SHORT_LENGTHS if n <= len(region_path)]
    ancestors = [region_path[:n] for n in lengths]
    return DiscretionRule.objects.filter(voided_at__isnull=True, region_path__in=ancestors)


def ordered(qs: QuerySet[DiscretionRule]) -> QuerySet[DiscretionRule]:
    """By code, then 轻微 → 一般 → 严重 (not alphabetically), then oldest first."""
    band = Case(
        *(When(circumstance=c, then=Value(n)) for n, c in enumerate(Circumstance.values)),
        default=Value(9),
    )
    return qs.annotate(band=band).order_by("code", "band", "pk")


def visible(actor: Actor) -> QuerySet[DiscretionRule]:
    """Rows the actor works with: those binding their region and those issued below it."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    where = jurisdiction_of(actor)
    qs = DiscretionRule.objects.all()
    if where.everything:
        return qs
    if where.nothing or not where.path:
        return qs.none()
    binding = applicable(where.path).values("pk")
    return qs.filter(Q(pk__in=binding) | Q(pk__in=scope(qs, actor).values("pk")))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    code = str(data.get("code") or "").strip()
    if not code or len(code) > CODE_MAX or not all(c.isalnum() or c in "-_." for c in code):
        raise InvalidInput(
            "code: " + _("1 to %(n)s letters, digits, '-', '_' or '.'") % {"n": CODE_MAX},
            field="code",
        )
    clean["code"] = code
    for name, limit in TEXT_FIELDS.items():
        text = str(data.get(name) or "").strip()
        if not text and name not in OPTIONAL:
            raise InvalidInput(f"{name}: " + _("this field is required"), field=name)
        if len(text) > limit or any(ord(c) < 32 for c in text):
            raise InvalidInput(
                f"{name}: " + _("at most %(n)s characters, no control characters") % {"n": limit},
                field=name,
            )
        clean[name] = text
    circumstance = str(data.get("circumstance") or "")
    if circumstance not in Circumstance.values:
        raise InvalidInput(
            "circumstance: " + _("one of %(v)s") % {"v": ", ".join(Circumstance.values)},
            field="circumstance",
        )
    clean["circumstance"] = circumstance
    low = parse_amount(data.get("min_yuan"), "min_yuan")
    high = parse_amount(data.get("max_yuan"), "max_yuan")
    if low > high:
        raise InvalidInput(
            "min_yuan: "
            + _("the minimum (%(a)s) exceeds the maximum (%(b)s)")
            % {"a": f"{low:,}", "b": f"{high:,}"},
            field="min_yuan",
        )
    clean["min_yuan"], clean["max_yuan"] = low, high
    return clean


def _region(actor: Actor, value: Any) -> Region:
    """The issuing region: given (within the actor's jurisdiction) or the actor's own."""
    text = str(value or "").strip()
    home = getattr(actor, "region", None)
    if not text:
        if home is None:
            raise InvalidInput("region: " + _("give the issuing region"), field="region")
        return home  # type: ignore[no-any-return]
    try:
        code = codes.to_12(text)
    except codes.CodeError as exc:
        raise InvalidInput(f"region: {exc}", field="region") from None
    region = Region.objects.filter(code=code).first()
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise InvalidInput("region: " + _("not a region of your jurisdiction"), field="region")
    return region


def add_rule(*, actor: Actor, data: dict[str, Any]) -> DiscretionRule:
    require(actor, Cap.MANAGE_ENFORCEMENT)
    clean = {**_clean(data), "region": _region(actor, data.get("region"))}
    with transaction.atomic():
        rule = _create(clean)
        audit.record(
            actor=actor, action="discretion_add", obj=rule, region_path=rule.region_path,
            after=audit.snapshot(rule),
        )  # fmt: skip
    return rule


def _create(clean: dict[str, Any]) -> DiscretionRule:
    try:
        with transaction.atomic():
            return DiscretionRule.objects.create(**clean)
    except IntegrityError:
        raise Conflict(
            _("Rule %(code)s (%(c)s) exists already; edit that row instead")
            % {"code": clean["code"], "c": clean["circumstance"]},
            code="rule_exists",
        ) from None


def _own(actor: Actor, pk: Any) -> DiscretionRule:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("No such discretion rule")) from None
    rule = (
        scope(DiscretionRule.objects.select_for_update(), actor)
        .filter(pk=key, voided_at__isnull=True)
        .first()
    )
    if rule is None:
        raise NotFound(_("No such discretion rule in force in your jurisdiction"))
    return rule


def edit_rule(*, actor: Actor, pk: Any, data: dict[str, Any]) -> DiscretionRule:
    """Void the row and write its replacement (same code unless changed), audited as one step."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    with transaction.atomic():
        old = _own(actor, pk)
        merged = {**audit.snapshot(old), "region": old.region_id, **data}
        clean = {**_clean(merged), "region": _region(actor, merged.get("region"))}
        before = audit.snapshot(old)
        old.voided_at, old.void_reason = timezone.now(), _("replaced by an edit")
        old.save(update_fields=["voided_at", "void_reason", "updated_at"])
        new = _create(clean)
        audit.record(
            actor=actor, action="discretion_edit", obj=new, region_path=new.region_path,
            before=before, after=audit.snapshot(new), message=f"replaces rule #{old.pk}",
        )  # fmt: skip
    return new


def void_rule(*, actor: Actor, pk: Any, reason: Any) -> DiscretionRule:
    require(actor, Cap.MANAGE_ENFORCEMENT)
    text = str(reason or "").strip()
    if not 4 <= len(text) <= 200:
        raise InvalidInput("reason: " + _("give the reason in 4 to 200 characters"), field="reason")
    with transaction.atomic():
        rule = _own(actor, pk)
        before = audit.snapshot(rule)
        rule.voided_at, rule.void_reason = timezone.now(), text
        rule.save(update_fields=["voided_at", "void_reason", "updated_at"])
        audit.record(
            actor=actor, action="discretion_void", obj=rule, region_path=rule.region_path,
            before=before, after=audit.snapshot(rule), message=text,
        )  # fmt: skip
    return rule


# ---------------------------------------------------------------- the shipped table


def table_file() -> Path:
    default = Path(settings.BASE_DIR).parent.parent / "data" / "enforcement" / "discretion.json"
    return Path(getattr(settings, "YINGJI_DISCRETION_DATA", default))


def load_table(path: Path | None = None, *, synthetic: bool = True) -> dict[str, int]:
    """Load the shipped table; rows already present (by code and circumstance) are kept as
    staff left them, so loading twice, or after edits, changes nothing."""
    data = json.loads((path or table_file()).read_text(encoding="utf-8"))
    if data.get("schema") != 1 or not isinstance(data.get("rules"), list):
        raise InvalidInput("discretion table: schema 1 with a list of rules is expected")
    region = Region.objects.get(code=codes.to_12(str(data["issuer_region"])))
    counts = {"created": 0, "kept": 0}
    live = set(
        DiscretionRule.objects.filter(voided_at__isnull=True).values_list("code", "circumstance")
    )
    with transaction.atomic():
        for number, rule in enumerate(data["rules"], 1):
            for band in rule["bands"]:
                if (rule["code"], band["circumstance"]) in live:
                    counts["kept"] += 1
                    continue
                row = {
                    **{k: rule.get(k, "") for k in ("code", "violation", "violated_provision",
                                                    "penalty_provision", "other_measures")},
                    "circumstance": band["circumstance"], "circumstance_text": band["text"],
                    "min_yuan": band["min"], "max_yuan": band["max"],
                }  # fmt: skip
                try:
                    clean = _clean(row)
                except InvalidInput as exc:
                    raise InvalidInput(
                        f"rule {number} ({rule.get('code')}): {exc.message}"
                    ) from None
                DiscretionRule.objects.create(**clean, region=region, synthetic=synthetic)
                counts["created"] += 1
        if counts["created"]:
            audit.record(
                actor=None, action="discretion_load", object_type="enforcement.discretionrule",
                region_path=region.path, after=counts,
                message=f"{path or table_file()}: {data.get('title', '')}"[:500],
            )  # fmt: skip
    return counts
