"""Warnings in a run: duty officers draft from alarms, reviewers approve, issuers issue; the
outbox drains to the fake gateways; responsible persons answer (叫应), or not, and the
escalation sweep chases the silent ones. Every step is a real service call.

Behaviour (the figures are the run's assumptions, seeded):

- A county's duty officer drafts a warning when an alarm in the county reaches a level above
  any warning of that type the county drafted in the run: one warning per county, type and
  rising level (as county offices issue signals), not one per gauge. Its areas are the
  places (the stations' regions) whose alarms of that rule are at that level or above when
  it is drafted. Drafting takes 2–10
  minutes after the alarm, review 5–20 more, issue 3–15 more (uniform).
- The onset the officer records is the earliest forecast time one of those stations' series
  peaks (the replay
  stands in for the forecast an officer has), or the drafting time when the peak has passed;
  lead time (:mod:`yingji.alerts.measures`) is from 签发 to that onset. Expiry: onset + 6 h.
- A responsible person whose message was delivered answers with a probability of
  :data:`ANSWER_SHARE`, after 2 + Γ(2, 7) minutes (mean 16: some after their level's limit,
  so escalation runs too), three in ten by SMS reply, the rest by the reply link.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from yingji.alerts import catalogue, dispatch, outbox
from yingji.alerts import services as alert_services
from yingji.alerts.models import Ack, Delivery, DeliveryState
from yingji.alerts.services import acks
from yingji.monitoring.models import Alarm, Rule
from yingji.registry.models.people import Contact
from yingji.simulation.actors import County
from yingji.simulation.agenda import Agenda
from yingji.simulation.stations import Network

logger = logging.getLogger(__name__)
WARNED_RULES: Final = (Rule.RAINSTORM, Rule.GALE, Rule.THRESHOLD, Rule.RATE)
ANSWER_SHARE: Final = 0.85
SMS_SHARE: Final = 0.3
DELIVERED: Final = (DeliveryState.SENT, DeliveryState.DELIVERED)
M = dt.timedelta(minutes=1)


@dataclass
class Warnings:
    """The warning side of a run; ``warning_ids`` are the warnings it drafted."""

    rng: np.random.Generator
    agenda: Agenda
    network: Network
    counties: Callable[[str], County]
    now: Callable[[], dt.datetime]
    warned: dict[tuple[str, str], int] = field(default_factory=dict)
    warning_ids: list[int] = field(default_factory=list)
    handled_acks: set[int] = field(default_factory=set)
    answered: int = 0

    # ------------------------------------------------------------ alarms → drafts

    def react(self, alarms: list[Alarm], step: int) -> None:
        """Schedule a draft for each alarm above what its place was already warned of."""
        for alarm in sorted(alarms, key=lambda a: a.pk):
            if alarm.rule not in WARNED_RULES or alarm.sensor_id not in self.network.ids:
                continue
            kind = catalogue.FROM_RULE.get(alarm.rule, "other")
            key = (alarm.region_path[:6], kind)
            level = max(0, min(3, alarm.peak))
            if level <= self.warned.get(key, -1):
                continue
            self.warned[key] = level
            delay = M * int(self.rng.integers(2, 11))
            self.agenda.at(self.now() + delay, self._drafter(alarm.pk, step))

    def _drafter(self, alarm_id: int, step: int) -> Callable[[], None]:
        return lambda: self._draft(alarm_id, step)

    def _draft(self, alarm_id: int, step: int) -> None:
        alarm = Alarm.objects.select_related("sensor").get(pk=alarm_id)
        county = self.counties(alarm.region_path[:6])
        warning = alert_services.draft_from_alarm(county.duty, alarm_id)
        now = self.now()
        places = self._places(alarm, warning.level)
        onset = max(now, min(self.network.peak_time(sensor, step) for sensor in places))
        expires = onset + dt.timedelta(hours=6)
        areas = [{"region": code, "description": name} for code, name in sorted(places.values())]
        alert_services.edit_draft(county.duty, warning.pk, {
            "onset": onset.isoformat(), "expires": expires.isoformat(), "areas": areas,
        })  # fmt: skip
        alert_services.act(county.duty, warning.pk, "submit")
        self.warning_ids.append(warning.pk)
        review = now + M * int(self.rng.integers(5, 21))
        issue = review + M * int(self.rng.integers(3, 16))
        self.agenda.at(review, lambda: self._step(county.reviewer, warning.pk, "review"))
        self.agenda.at(issue, lambda: self._issue(county, warning.pk))

    def _places(self, alarm: Alarm, level: int) -> dict[int, tuple[str, str]]:
        """Sensor → (region code, name) of the county's stations whose alarm of the same rule
        is at ``level`` or above now: the places the warning covers."""
        rows = (
            Alarm.objects.filter(rule=alarm.rule, region_path__startswith=alarm.region_path[:6],
                                 peak__gte=level, sensor_id__in=self.network.ids)
            .order_by("pk")
            .values_list("sensor_id", "sensor__station__region_id",
                         "sensor__station__region__name")
        )  # fmt: skip
        found = {sensor: (code, name) for sensor, code, name in rows}
        return found or {alarm.sensor_id: (alarm.sensor.station.region_id, "")}

    def _step(self, actor: object, pk: int, action: str) -> None:
        alert_services.act(actor, pk, action)  # type: ignore[arg-type]

    def _issue(self, county: County, pk: int) -> None:
        alert_services.act(county.issuer, pk, "issue")
        self.deliver()  # the drain the issue starts (a job right after the commit)

    # ------------------------------------------------------------ delivery and 叫应

    def deliver(self) -> dict[str, dict[str, int]]:
        """Drain every configured channel to the gateways, then let people who received a
        message decide whether and when to answer."""
        sent = dispatch.drain_all()
        self._schedule_answers()
        return sent

    def _schedule_answers(self) -> None:
        if not self.warning_ids:
            return
        reached = set(
            Delivery.objects.filter(
                warning_id__in=self.warning_ids, state__in=DELIVERED, contact__isnull=False
            )
            .exclude(purpose__startswith="escalation:")
            .values_list("warning_id", "contact_id")
        )
        rows = (
            Ack.objects.filter(warning_id__in=self.warning_ids, acked_at__isnull=True)
            .exclude(pk__in=self.handled_acks)
            .order_by("pk")
            .values_list("pk", "warning_id", "contact_id")
        )
        for pk, warning_id, contact_id in rows:
            if (warning_id, contact_id) not in reached:
                continue
            self.handled_acks.add(pk)
            answers = self.rng.random() < ANSWER_SHARE
            delay = 2 + float(self.rng.gamma(2.0, 7.0))
            by_sms = self.rng.random() < SMS_SHARE
            if answers:
                when = self.now() + dt.timedelta(minutes=round(delay, 1))
                self.agenda.at(when, self._answerer(warning_id, contact_id, by_sms=by_sms))

    def _answerer(self, warning_id: int, contact_id: int, *, by_sms: bool) -> Callable[[], None]:
        return lambda: self._answer(warning_id, contact_id, by_sms=by_sms)

    def _answer(self, warning_id: int, contact_id: int, *, by_sms: bool) -> None:
        now = self.now()
        if by_sms:
            phone = Contact.objects.filter(pk=contact_id).values_list("phone", flat=True).first()
            done = acks.by_sms(phone or "", outbox.SMS_KEYWORD, now=now)
            if done is not None:
                self.answered += 1
                return
        acks.by_token(outbox.reply_token(warning_id, contact_id), now=now)
        self.answered += 1

    def escalate(self) -> int:
        return acks.escalate(self.now())
