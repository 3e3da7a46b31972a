"""Periodic jobs (a daily deadline sweep, a monthly index): started by whichever worker sees
them due first.

An app declares ``every(kind, seconds)`` for a registered job kind. Each worker calls
:func:`tick` with its heartbeat; a firing is claimed by inserting (kind, slot) with a unique
constraint, so with many workers on many hosts each slot starts exactly one job.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from django.db import IntegrityError, transaction

from yingji.core import jobs
from yingji.core.models import ScheduledRun

logger = logging.getLogger(__name__)
_PERIODS: dict[str, int] = {}
DAY: Final = 86_400


def every(kind: str, seconds: int) -> None:
    if seconds < 60:
        raise ValueError("a periodic job runs at most once a minute")
    _PERIODS[kind] = seconds


def periods() -> dict[str, int]:
    return dict(_PERIODS)


def tick(now: float | None = None) -> list[str]:
    """Start every periodic job whose current slot has not been claimed; the kinds started."""
    now = time.time() if now is None else now
    started = []
    for kind, seconds in _PERIODS.items():
        slot = int(now // seconds)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(kind=kind, slot=slot)
                run.job = jobs.start(actor=None, kind=kind, title=f"定时 scheduled {kind}")
                run.save(update_fields=["job"])
        except IntegrityError:
            continue  # another worker (or an earlier tick) has it
        started.append(kind)
        logger.info("scheduled job %s started (slot %s)", kind, slot)
    return started
