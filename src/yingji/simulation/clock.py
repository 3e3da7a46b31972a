"""The simulated clock: the whole run happens at simulated instants, not on the wall clock.

Time model
----------
A replay is recorded as if it had just happened: every instant of the track is shifted by a
whole number of **weeks** so that the replay window ends before the run starts (the most
recent such shift). Recorded timestamps are then recent — inside the readings' retention
period, before "now" for every page and sweep that runs later — while the weekday and the
time of day of every event are those of the real storm (Beijing time has no daylight
saving), so any rule that depends on them (working hours, day boundaries, report deadlines)
behaves the same in every run. Durations — lead times, 叫应 delays, relief hours — do not
depend on the shift at all, which is what makes the summary identical for a seed.

During the run ``django.utils.timezone.now`` returns the simulated instant (:func:`patched`),
so the services that read the clock (``auto_now`` fields, the lifecycle's ``issued_at``,
the outbox's ``next_at`` and leases, the sweeps' "overdue" tests) see simulated time; services
with a ``now=`` parameter are also given it explicitly. The clock only moves forwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Final
from unittest import mock

WEEK: Final = dt.timedelta(days=7)


def shift_days(window_end: dt.datetime, wall_now: dt.datetime) -> int:
    """Days (a multiple of 7) to add to track instants so the window ends before ``wall_now``."""
    weeks = (wall_now - window_end) // WEEK
    return int(weeks) * 7


class Clock:
    """A monotonic simulated clock (aware UTC datetimes)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start: an aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance_to(self, moment: dt.datetime) -> None:
        if moment < self._now:
            raise ValueError(f"the clock cannot go back ({moment} < {self._now})")
        self._now = moment


@contextlib.contextmanager
def patched(clock: Clock) -> Iterator[Clock]:
    """``django.utils.timezone.now`` reads ``clock`` inside the block."""
    with mock.patch("django.utils.timezone.now", new=clock.now):
        yield clock
