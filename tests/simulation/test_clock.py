"""The time model: track instants shift by whole weeks to just before the run."""

from __future__ import annotations

import datetime as dt

from yingji.simulation import clock


def test_the_shift_is_whole_weeks_and_ends_the_window_before_now():
    end = dt.datetime(2019, 8, 10, 12, tzinfo=dt.UTC)
    now = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    days = clock.shift_days(end, now)
    assert days % 7 == 0
    assert end + dt.timedelta(days=days) <= now < end + dt.timedelta(days=days + 7)
    shifted = end + dt.timedelta(days=days)
    assert shifted.weekday() == end.weekday() and shifted.time() == end.time()


def test_the_patched_clock_is_what_django_reads_and_never_goes_back():
    from django.utils import timezone

    start = dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC)
    sim = clock.Clock(start)
    with clock.patched(sim):
        assert timezone.now() == start
        sim.advance_to(start + dt.timedelta(minutes=10))
        assert timezone.now() == start + dt.timedelta(minutes=10)
    assert timezone.now() != start + dt.timedelta(minutes=10)
    try:
        sim.advance_to(start)
    except ValueError:
        pass
    else:
        raise AssertionError("the clock went back")
