"""Response in a run: grid workers report incidents, duty officers forward and grade them,
activate the matching plan, dispatch the nearest force, evacuate villages into shelters and
record relief. Every step is a real service call at a simulated, seeded time.

What happens (the run's assumptions):

- **Landslide** (地质灾害): a displacement-rate alarm, or a rainstorm alarm reaching 橙 at a
  station whose township has disaster-prone (多灾易灾) villages: the county's grid worker
  reports from that village 10–40 minutes later. One per township.
- **Urban flooding** (暴雨内涝): a water level past its warning threshold (a threshold alarm
  on a water-level sensor): reported from the station's place 10–40 minutes later. One per
  township.
- **Chemical-park power failure** (危险化学品事故, no casualties): at the step the scope's
  strongest wind reading peaks, at the first enterprise of a chemical park in the scope — or,
  where the scope has none (the demo's park list is partial: none in 台州), at its first
  hazardous-chemical producer or store, and the summary says so.
- Handling, after 5–15 minutes: 上报 (forward), grade 一般 (a natural incident), the current
  plan covering the type activated at level Ⅳ, and 10–30 minutes later the nearest force on
  standby dispatched. For landslides and flooding the township's disaster-prone villages
  (up to three; the reporting village otherwise) evacuate 5–20 % of their people 30–90
  minutes after the report; the duty officer places them in shelters 10–30 minutes later
  and records their relief, whose basic needs are met 2 + Γ(2, 2) hours after that.
- A refused step (no plan covering the type, no force on standby, no shelter in range) is
  counted in ``refused`` by reason and the run goes on: the system's answer is the result.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from django.db.models import Sum

from yingji.core.errors import DomainError
from yingji.incidents import services as incident_services
from yingji.incidents.dispatch_models import DispatchOrder
from yingji.incidents.models import Incident
from yingji.incidents.relief_models import Evacuation, Placement, Relief
from yingji.incidents.services import deadlines, dispatch, relief
from yingji.monitoring.models import Alarm, Rule
from yingji.plans.models import Plan, Status
from yingji.plans.services import activation
from yingji.regions.models import Level, Region
from yingji.registry.models.enterprise import Enterprise
from yingji.registry.models.shelter import Shelter
from yingji.simulation import actors
from yingji.simulation.actors import County
from yingji.simulation.agenda import Agenda
from yingji.simulation.stations import Network

logger = logging.getLogger(__name__)
M = dt.timedelta(minutes=1)
NEEDS: Final = ["food", "water", "clothing"]


@dataclass
class Response:
    rng: np.random.Generator
    agenda: Agenda
    network: Network
    counties: Callable[[str], County]
    now: Callable[[], dt.datetime]
    incident_ids: list[int] = field(default_factory=list)
    activations: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _park_done: bool = False

    # ------------------------------------------------------------ reports

    def react(self, alarms: list[Alarm], step: int) -> None:
        types = dict(zip(self.network.ids, self.network.kinds, strict=True))
        for alarm in alarms:
            kind = types.get(alarm.sensor_id)
            township = alarm.region_path[:9]
            if alarm.rule == Rule.RATE or (
                alarm.rule == Rule.RAINSTORM and alarm.peak >= 2 and self._prone(township)
            ):
                self._report_once("geohazard", township, alarm, self._prone(township))
            elif alarm.rule == Rule.THRESHOLD and kind == "water_level":
                self._report_once("rainstorm", township, alarm, [])
        self._chemical_park(step)

    def _prone(self, township: str) -> list[Region]:
        return list(
            Region.objects.filter(
                level=Level.VILLAGE, path__startswith=township, disaster_prone=True
            ).order_by("code")[:3]
        )

    def _report_once(self, kind: str, township: str, alarm: Alarm, villages: list[Region]) -> None:
        if (kind, township) in self._seen:
            return
        self._seen.add((kind, township))
        when = self.now() + M * int(self.rng.integers(10, 41))
        village = villages[0] if villages else None
        self.agenda.at(when, lambda: self._report(kind, alarm.pk, village, villages))

    def _report(
        self, kind: str, alarm_id: int, village: Region | None, villages: list[Region]
    ) -> None:
        alarm = Alarm.objects.get(pk=alarm_id)
        county = self.counties(alarm.region_path[:6])
        what = {"geohazard": "山体滑坡", "rainstorm": "城区积水内涝"}[kind]
        data: dict[str, Any] = {
            "event_type": kind,
            "description": f"网格员报告：{what}（台风回放）",
        }
        if village is not None:
            data.update(region=village.code, lon=village.lon, lat=village.lat)
        try:
            incident = incident_services.report_from_alarm(county.grid, alarm_id, data,
                                                           now=self.now())  # fmt: skip
        except DomainError as exc:
            self.refused[f"report: {exc.code}"] += 1
            return
        self._handle(incident, county, evacuate=villages or [incident.region])

    def _chemical_park(self, step: int) -> None:
        if self._park_done:
            return
        wind = [i for i, k in enumerate(self.network.kinds) if k == "wind"]
        if not wind:
            return
        peaks = self.network.values[:, wind].max(axis=1)
        if step != int(np.argmax(peaks)):
            return
        self._park_done = True
        scope = min(self.network.paths)[:4] if len(self.network.paths) else ""
        live = Enterprise.objects.filter(voided_at__isnull=True, region_path__startswith=scope[:4])
        found = live.filter(in_chemical_park=True).order_by("pk").first()
        if found is None:  # the demo's park list is partial (none in 台州): the nearest case
            found = live.filter(hazchem_role__in=("produce", "store")).order_by("pk").first()
            self.refused["chemical park: none in scope, a hazchem producer instead"] += 1
        if found is None:
            self.refused["chemical park: none in scope"] += 1
            return
        county = self.counties(found.region_path[:6])
        when = self.now() + M * int(self.rng.integers(10, 41))
        self.agenda.at(when, lambda: self._park(found, county))

    def _park(self, enterprise: Enterprise, county: County) -> None:
        data = {
            "event_type": "hazchem", "region": enterprise.region_id,
            "description": f"{enterprise.name}（{enterprise.park_name or '危险化学品企业'}）"
                           f"台风致{'全园' if enterprise.in_chemical_park else '厂区'}停电，"
                           "企业启动应急电源，装置紧急停车（台风回放）",
            "lon": enterprise.lon, "lat": enterprise.lat, "unit": enterprise.name,
            "occurred_at": (self.now() - M * 5).isoformat(),  # the outage, minutes before
        }  # fmt: skip
        try:
            incident = incident_services.report_incident(county.grid, data, now=self.now())
        except DomainError as exc:
            self.refused[f"report: {exc.code}"] += 1
            return
        self._handle(incident, county, evacuate=[])

    # ------------------------------------------------------------ handling

    def _handle(self, incident: Incident, county: County, *, evacuate: list[Region]) -> None:
        self.incident_ids.append(incident.pk)
        now = self.now()
        self.agenda.at(now + M * int(self.rng.integers(5, 16)),
                       lambda: self._command(incident, county))  # fmt: skip
        self.agenda.at(now + M * int(self.rng.integers(20, 46)),
                       lambda: self._dispatch(incident, county))  # fmt: skip
        if evacuate:
            shares = [float(self.rng.uniform(0.05, 0.2)) for _ in evacuate]
            at = now + M * int(self.rng.integers(30, 91))
            self.agenda.at(at, lambda: self._evacuate(incident, county, evacuate, shares))

    def _try(self, what: str, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except DomainError as exc:
            self.refused[f"{what}: {exc.code}"] += 1
            return None

    def _command(self, incident: Incident, county: County) -> None:
        duty, now = county.duty, self.now()
        self._try("forward", lambda: incident_services.forward(duty, incident.pk, now=now))
        if incident.category == "natural":
            self._try("grade", lambda: incident_services.set_grade(duty, incident.pk, 0))
        plan = (
            Plan.objects.filter(status=Status.CURRENT, event_types__contains=incident.event_type)
            .order_by("-kind", "pk")
            .first()
        )
        if plan is None:
            self.refused["plan: none covers the type"] += 1
            return
        office = actors.province_duty()  # the demo plans are the province's
        done = self._try(
            "plan", lambda: activation.activate(office, plan.pk, incident.pk, 0, now=now)
        )
        self.activations += done is not None

    def _dispatch(self, incident: Incident, county: County) -> None:
        found = self._try("dispatch", lambda: dispatch.suggest(county.duty, incident.pk, limit=1))
        if not found:
            self.refused["dispatch: no force on standby"] += 1
            return
        force = found[0]["id"]
        self._try("dispatch", lambda: dispatch.dispatch(county.duty, incident.pk, force))

    def _evacuate(
        self, incident: Incident, county: County, villages: list[Region], shares: list[float]
    ) -> None:
        moved = 0
        for village, share in zip(villages, shares, strict=True):
            people = max(1, round(village.population * share))
            done = self._try("evacuate", functools.partial(
                relief.report_evacuation, county.grid, incident.pk, village.code, people,
                now=self.now()))  # fmt: skip
            moved += people if done is not None else 0
        if moved:
            at = self.now() + M * int(self.rng.integers(10, 31))
            hours = 2 + float(self.rng.gamma(2.0, 2.0))
            self.agenda.at(at, lambda: self._shelter(incident, county, hours))

    def _shelter(self, incident: Incident, county: County, hours: float) -> None:
        duty = county.duty
        self._try("shelter", lambda: relief.assign_shelters(duty, incident.pk, now=self.now()))
        placed = Placement.objects.filter(incident=incident).aggregate(n=Sum("people"))["n"] or 0
        if not placed:
            self.refused["shelter: nobody placed"] += 1
            return
        row = self._try("relief", lambda: relief.record_relief(duty, incident.pk, {
            "group": f"{incident.title} 转移安置群众", "people": placed, "needs": NEEDS,
        }, now=self.now()))  # fmt: skip
        if row is not None:
            met = self.now() + dt.timedelta(hours=round(hours, 2))
            self.agenda.at(met, lambda: self._try("relief met", lambda: relief.relief_met(
                duty, incident.pk, row.pk, now=self.now())))  # fmt: skip

    def sweep(self) -> None:
        """The incident deadline and relief sweeps, at the simulated instant."""
        if self.incident_ids:
            deadlines.sweep(self.now())
            relief.sweep(self.now())

    # ------------------------------------------------------------ figures

    def figures(self) -> dict[str, Any]:
        incidents = Incident.objects.filter(pk__in=self.incident_ids)
        types = Counter(incidents.values_list("event_type", flat=True))
        latest: dict[tuple[int, str], int] = {}
        for inc, village, people in (
            Evacuation.objects.filter(incident__in=incidents)
            .order_by("reported_at", "pk")
            .values_list("incident_id", "village_id", "people")
        ):
            latest[(inc, village)] = people
        placements = Placement.objects.filter(incident__in=incidents)
        placed = placements.aggregate(n=Sum("people"))["n"] or 0
        used = set(placements.values_list("shelter_id", flat=True))
        capacity = Shelter.objects.filter(pk__in=used).aggregate(n=Sum("capacity"))["n"] or 0
        hours = [
            (met - occurred).total_seconds() / 3600
            for met, occurred in Relief.objects.filter(
                incident__in=incidents, met_at__isnull=False
            ).values_list("met_at", "incident__occurred_at")
            if met is not None
        ]
        return {
            "incidents": sum(types.values()),
            "incidents_by_type": dict(sorted(types.items())),
            "plans_activated": self.activations,
            "dispatches": DispatchOrder.objects.filter(incident__in=incidents).count(),
            "people_evacuated": sum(latest.values()),
            "people_placed": placed,
            "shelter_occupancy": {
                "placed": placed,
                "capacity_of_shelters_used": capacity,
                "percent": round(100 * placed / capacity, 1) if capacity else None,
            },
            "relief_groups": Relief.objects.filter(incident__in=incidents).count(),
            "relief_hours_median": round(statistics.median(hours), 2) if hours else None,
            "refused": dict(sorted(self.refused.items())),
        }

    def created(self) -> dict[str, Any]:
        return {"incidents": self.incident_ids}
