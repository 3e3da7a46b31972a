"""Risk reads for pages, API and exports: always through the user's jurisdiction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Substr

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped, jurisdiction_of, scope
from yingji.kernels import codes
from yingji.kernels.methods import COLOUR_ZH, COLOURS, RISK_LEVEL_ZH
from yingji.regions.models import Level, Region
from yingji.registry.models.enterprise import Enterprise, HazchemRole
from yingji.risk.models import (
    AreaRisk,
    Assessment,
    AssessmentRun,
    ControlIndex,
    CurrentRisk,
    HazardType,
    IndicatorModelVersion,
    RunStatus,
)
from yingji.risk.services.versions import Compiled, compiled

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

COLOUR_HEX: Final = ("#1e88e5", "#fdd835", "#fb8c00", "#e53935")  # 蓝 黄 橙 红
LEVEL_HEX: Final = ("#43a047", "#1e88e5", "#fdd835", "#fb8c00", "#e53935")  # 绿 蓝 黄 橙 红
LEVEL_NAMES: Final = ("低", "中低", "中", "中高", "高")
NEXT_LEVEL: Final = {Level.PROVINCE: Level.CITY, Level.CITY: Level.COUNTY,
                     Level.COUNTY: Level.TOWNSHIP, Level.TOWNSHIP: Level.VILLAGE}  # fmt: skip


def colour_info(code: int) -> dict[str, Any]:
    key = COLOURS[code]
    return {"code": code, "key": key, "zh": COLOUR_ZH[key], "level": RISK_LEVEL_ZH[key],
            "hex": COLOUR_HEX[code]}  # fmt: skip


def parse_month(text: str) -> dt.date:
    """'2026-11' or '2026-11-01' → the first day of that month."""
    try:
        parts = [int(p) for p in text.strip()[:10].split("-")]
        return dt.date(parts[0], parts[1], 1)
    except (ValueError, IndexError) as exc:
        raise InvalidInput(
            f"month {text[:20]!r}: use YYYY-MM, e.g. 2026-11", field="month"
        ) from exc


def parse_colours(raw: str | None) -> list[int]:
    """'red,orange' or '3,2' → [3, 2]; empty → all."""
    if not raw:
        return []
    out = []
    for raw_part in raw.split(","):
        part = raw_part.strip()
        if part in COLOURS:
            out.append(COLOURS.index(part))
        elif part.isdigit() and int(part) < len(COLOURS):
            out.append(int(part))
        elif part:
            raise InvalidInput(
                f"Unknown colour {part!r}: use blue, yellow, orange, red", field="colour"
            )
    return out


def current(
    actor: Actor, *, region: str = "", colours: list[int] | None = None
) -> QuerySet[CurrentRisk]:
    """Current enterprise colours the actor may see, optionally within a region and colours."""
    require(actor, Cap.VIEW_RISK)
    qs = scope(CurrentRisk.objects.filter(enterprise__voided_at__isnull=True), actor)
    if region:
        qs = qs.filter(**_range("region_path", region_path(actor, region)))
    if colours:
        qs = qs.filter(colour__in=colours)
    return qs


def region_path(actor: Actor, code: str) -> str:
    """The short path of a region code the actor may see (NotFound otherwise)."""
    code = (code or "").strip()[:20]
    try:
        full = codes.to_12(code)  # 330100, 3301 and 330100000000 are the same city
    except codes.CodeError as exc:
        raise InvalidInput(f"region {code!r}: {exc}", field="region") from exc
    region = Region.objects.filter(code=full).first()
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise NotFound(f"No region {code!r} in your jurisdiction")
    return region.path


def _range(field: str, path: str) -> dict[str, str]:
    low, high = codes.subtree_bounds(path)
    return {f"{field}__gte": low, f"{field}__lt": high}


def home_region(actor: Actor) -> Region:
    j = jurisdiction_of(actor)
    path = j.path or "33"
    return Region.objects.get(path=path)


def counts_by_child(actor: Actor, region: Region) -> list[dict[str, Any]]:
    """Enterprises per colour in each child region of ``region`` (the table beside the map)."""
    child = NEXT_LEVEL.get(Level(region.level))
    if child is None:
        return []
    children = list(
        Region.objects.filter(parent=region).order_by("code").values_list("path", "name", "code")
    )
    if not children:
        return []
    depth = len(children[0][0])
    qs = (
        current(actor, region=region.code)
        .annotate(child=Substr("region_path", 1, depth))
        .order_by()
        .values("child", "colour")
        .annotate(n=Count("pk"))
    )
    table = {path: [0, 0, 0, 0] for path, _n, _c in children}
    for row in qs:
        if row["child"] in table:
            table[row["child"]][row["colour"]] = row["n"]
    return [
        {"path": path, "code": code, "name": name, "counts": table[path], "total": sum(table[path])}
        for path, name, code in children
    ]


def colour_totals(qs: QuerySet[CurrentRisk]) -> list[int]:
    totals = [0, 0, 0, 0]
    for row in qs.order_by().values("colour").annotate(n=Count("pk")):
        totals[row["colour"]] = row["n"]
    return totals


@dataclass(frozen=True)
class Card:
    """Everything the enterprise risk card shows."""

    enterprise: Enterprise
    current: CurrentRisk | None
    assessment: Assessment | None
    built: Compiled | None
    version: IndicatorModelVersion | None
    contributions: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    history: list[dict[str, Any]]
    incomplete: list[str]


def card(actor: Actor, pk: Any) -> Card:
    require(actor, Cap.VIEW_RISK)
    # The enterprise, its region (the card names it) and its current assessment with the
    # model version that made it: one query.
    enterprise = get_scoped(
        Enterprise.objects.select_related("region", "risk__assessment__run__model_version"),
        actor,
        pk=pk,
    )
    now: CurrentRisk | None = getattr(enterprise, "risk", None)  # None: not assessed yet
    version = now.assessment.run.model_version if now is not None else None
    history = _history(enterprise, version)
    if now is None or version is None:
        return Card(enterprise, None, None, None, None, [], [], history, [])
    assessment = now.assessment
    built = compiled(version)
    weights = built.model.weights.tolist()
    rows = []
    missing = []
    for j, leaf in enumerate(built.model.indicators):
        value = assessment.inputs[j] if j < len(assessment.inputs) else None
        points = assessment.contributions[j] if j < len(assessment.contributions) else 0.0
        if value is None:
            missing.append(leaf.name)
        rows.append({
            "key": leaf.key, "name": leaf.name, "value": value, "points": points,
            "max_points": round(100 * weights[j], 2), "bounds": leaf.bounds,
            "share": round(points / assessment.score, 4) if assessment.score else 0.0,
        })  # fmt: skip
    rows.sort(key=lambda r: -r["points"])
    rules = {rule.key: rule for rule in built.overrides}
    fired = [
        {"key": key, "name": rules[key].name if key in rules else key,
         "colour": colour_info(rules[key].min_colour) if key in rules else None,
         "raised": key in rules and rules[key].min_colour > assessment.score_colour
         and rules[key].min_colour == assessment.colour}
        for key in assessment.overrides
    ]  # fmt: skip
    return Card(enterprise, now, assessment, built, version, rows, fired, history, missing)


def _history(enterprise: Enterprise, current: IndicatorModelVersion | None) -> list[dict[str, Any]]:
    """The last 60 assessments, oldest first, each with the label of its model version (read
    once per version, not once per assessment)."""
    rows = list(
        Assessment.objects.filter(enterprise=enterprise)
        .order_by("-assessed_at")
        .values_list("assessed_at", "score", "colour", "run__model_version_id")[:60]
    )
    labels = {current.pk: str(current)} if current is not None else {}
    unknown = {row[3] for row in rows} - labels.keys()
    if unknown:
        versions = IndicatorModelVersion.objects.filter(pk__in=unknown).only("name", "version")
        labels.update((v.pk, str(v)) for v in versions)
    return [
        {"at": at.isoformat(), "score": round(score, 2), "colour": colour,
         "version": labels[version_id]}
        for at, score, colour, version_id in reversed(rows)
    ]  # fmt: skip


def changes_since(
    actor: Actor, run: AssessmentRun, *, region: str = "", limit: int = 500
) -> list[dict[str, Any]]:
    """Enterprises whose current colour differs from their colour in an earlier full run:
    one join, the run's assessments to each enterprise's current row (by primary keys)."""
    require(actor, Cap.VIEW_RISK)
    earlier = scope(Assessment.objects.filter(run=run), actor).filter(
        enterprise__voided_at__isnull=True, enterprise__risk__isnull=False
    )
    if region:
        earlier = earlier.filter(**_range("region_path", region_path(actor, region)))
    changed = (
        earlier.exclude(colour=F("enterprise__risk__colour"))
        .select_related("enterprise", "enterprise__risk")
        .order_by("-enterprise__risk__colour", "-enterprise__risk__score", "enterprise_id")
    )[:limit]
    return [
        {"enterprise": old.enterprise, "before": colour_info(old.colour),
         "after": colour_info(old.enterprise.risk.colour), "score": old.enterprise.risk.score}
        for old in changed
    ]  # fmt: skip


def area_levels(actor: Actor, *, hazard: str, parent: Region) -> list[dict[str, Any]]:
    """Area risk of the children of ``parent`` for one hazard type ('all': the highest)."""
    require(actor, Cap.VIEW_RISK)
    if hazard != "all" and hazard not in HazardType.values:
        raise InvalidInput(f"Unknown hazard type {hazard!r}: use one of {HazardType.values} or all",
                           field="hazard")  # fmt: skip
    if not jurisdiction_of(actor).covers(parent.path) and not jurisdiction_of(actor).everything:
        raise NotFound(f"No region {parent.code} in your jurisdiction")
    child = NEXT_LEVEL.get(Level(parent.level))
    if child is None:
        return []
    if parent.level in (Level.PROVINCE,):
        child = Level.COUNTY  # the province map shows counties (they have boundaries)
    qs = AreaRisk.objects.filter(level_name=child, **_range("region_path", parent.path))
    if hazard != "all":
        qs = qs.filter(hazard_type=hazard)
    best: dict[str, dict[str, Any]] = {}
    for row in qs.select_related("region").order_by("region_path"):
        seen = best.get(row.region_path)
        if seen is None or row.level > seen["level"]:
            best[row.region_path] = {
                "code": row.region_id, "path": row.region_path, "name": row.region.name,
                "lon": row.region.lon, "lat": row.region.lat, "level": row.level,
                "level_name": LEVEL_NAMES[row.level], "hex": LEVEL_HEX[row.level],
                "hazard": row.hazard_type, "risk": row.risk, "H": row.hazard, "E": row.exposure,
                "V": row.vulnerability, "A": row.capacity,
            }  # fmt: skip
    return list(best.values())


def control_indices(actor: Actor, month: Any = None) -> QuerySet[ControlIndex]:
    """The counties' index for ``month`` (a date or 'YYYY-MM[-DD]'; default: the latest)."""
    require(actor, Cap.VIEW_RISK)
    if isinstance(month, str) and month:
        month = parse_month(month)
    qs = scope(ControlIndex.objects.select_related("region"), actor)
    if month is None:
        latest = qs.order_by("-month").values_list("month", flat=True).first()
        if latest is None:
            return qs.none()
        month = latest
    return qs.filter(month=month).order_by("-value")


# ---------------------------------------------------------------- reads for the risk pages and API
# (appended for the pages: map points, runs covering a jurisdiction, area of one region, the
# model versions and the indicator tree as displayed)

MAP_POINT_LIMIT: Final = 20_000
HAZCHEM_ANY: Final = "any"  # any role but none: 涉及危险化学品
HAZCHEM_NONE: Final = "none"  # HazchemRole.NONE


def hazchem_roles() -> list[tuple[str, str]]:
    """(value, label) of every hazchem role of an enterprise."""
    return [(str(v), str(label)) for v, label in HazchemRole.choices]


def parse_hazchem(raw: str | None) -> str:
    """'' (every enterprise), 'any' (涉及危化品) or one hazchem role."""
    value = (raw or "").strip()
    known = [v for v, _label in hazchem_roles()]
    if value and value != HAZCHEM_ANY and value not in known:
        raise InvalidInput(
            f"Unknown hazchem role {value[:20]!r}: use any, {', '.join(known)}", field="hazchem"
        )
    return value


def map_points(
    actor: Actor,
    *,
    region: str = "",
    colours: list[int] | None = None,
    hazchem: str = "",
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = MAP_POINT_LIMIT,
) -> tuple[list[list[Any]], int]:
    """Located enterprises as ``[id, lon, lat, colour, name]``, worst colours first, and how
    many matched in all (more than returned when the limit cut the list)."""
    qs = current(actor, region=region, colours=colours).filter(
        enterprise__lon__isnull=False, enterprise__lat__isnull=False
    )
    if hazchem == HAZCHEM_ANY:
        qs = qs.exclude(enterprise__hazchem_role=HAZCHEM_NONE)
    elif hazchem:
        qs = qs.filter(enterprise__hazchem_role=hazchem)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(
            enterprise__lon__gte=min_lon, enterprise__lon__lte=max_lon,
            enterprise__lat__gte=min_lat, enterprise__lat__lte=max_lat,
        )  # fmt: skip
    qs = qs.filter(enterprise__lon__isnull=False, enterprise__lat__isnull=False)  # unmappable
    total = qs.count()
    rows = qs.order_by("-colour", "-score", "pk").values_list(
        "enterprise_id", "enterprise__lon", "enterprise__lat", "colour", "enterprise__name"
    )[:limit]
    points = [[pk, round(x or 0.0, 5), round(y or 0.0, 5), c, name] for pk, x, y, c, name in rows]
    return points, total


def full_runs(actor: Actor, *, limit: int = 10) -> list[AssessmentRun]:
    """Succeeded full runs that covered the actor's whole jurisdiction, newest first.

    A county's own run covers that county only; the province's run covers everyone. A run of
    another county (or of a part of this one) cannot tell what changed here.
    """
    require(actor, Cap.VIEW_RISK)
    j = jurisdiction_of(actor)
    if j.nothing:
        return []
    path = "" if j.everything else (j.path or "")
    covering = [""] + [path[:n] for n in codes.SHORT_LENGTHS if n <= len(path)]
    return list(
        AssessmentRun.objects.filter(
            full=True, status=RunStatus.SUCCEEDED, region_path__in=covering
        ).order_by("-started_at")[:limit]
    )


def area_of(actor: Actor, *, hazard: str, region: Region) -> dict[str, Any] | None:
    """The area risk of ``region`` itself for one hazard type ('all': the highest), or None."""
    require(actor, Cap.VIEW_RISK)
    if hazard != "all" and hazard not in HazardType.values:
        raise InvalidInput(f"Unknown hazard type {hazard!r}: use one of {HazardType.values} or all",
                           field="hazard")  # fmt: skip
    if not jurisdiction_of(actor).covers(region.path):
        raise NotFound(f"No region {region.code} in your jurisdiction")
    qs = AreaRisk.objects.filter(region=region)
    if hazard != "all":
        qs = qs.filter(hazard_type=hazard)
    row = qs.order_by("-level", "-risk").first()
    if row is None:
        return None
    return {
        "code": row.region_id, "path": row.region_path, "name": region.name, "lon": region.lon,
        "lat": region.lat, "level": row.level, "level_name": LEVEL_NAMES[row.level],
        "hex": LEVEL_HEX[row.level], "hazard": row.hazard_type, "risk": row.risk,
        "H": row.hazard, "E": row.exposure, "V": row.vulnerability, "A": row.capacity,
    }  # fmt: skip


def control_months(actor: Actor) -> list[Any]:
    """Months with a published control index in the actor's jurisdiction, latest first."""
    require(actor, Cap.VIEW_RISK)
    qs = scope(ControlIndex.objects.all(), actor)
    return list(qs.order_by("-month").values_list("month", flat=True).distinct()[:36])


def model_versions(actor: Actor) -> QuerySet[IndicatorModelVersion]:
    require(actor, Cap.VIEW_RISK)
    return IndicatorModelVersion.objects.select_related("created_by", "activated_by").order_by(
        "-created_at", "-pk"
    )


def model_version(actor: Actor, pk: Any) -> IndicatorModelVersion:
    require(actor, Cap.VIEW_RISK)
    try:
        return IndicatorModelVersion.objects.get(pk=int(pk))
    except (IndicatorModelVersion.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound(f"No indicator model version {str(pk)[:20]}") from exc


def indicator_tree(built: Compiled) -> list[dict[str, Any]]:
    """The model's groups and indicators depth-first, each with its weight within its group
    and its global weight (Σ over the indicators = 1), and each judged group's AHP figures."""
    rows: list[dict[str, Any]] = []

    def walk(node: Any, depth: int, scale: float, local: float) -> None:
        row = {"depth": depth, "key": node.key, "name": node.name, "local": local,
               "global": scale}  # fmt: skip
        if hasattr(node, "children"):  # a group
            row["group"] = True
            row["ahp"] = built.ahp.get(node.key)
            rows.append(row)
            total = sum(child.weight for child in node.children) or 1.0
            for child in node.children:
                share = child.weight / total
                walk(child, depth + 1, scale * share, share)
        else:
            row.update(group=False, source=node.source, bounds=node.bounds,
                       direction=node.direction)  # fmt: skip
            rows.append(row)

    walk(built.model.root, 0, 1.0, 1.0)
    return rows
