"""Running the outbox: which channels drain, from the worker and from `yingji alerts drain`.

Only channels configured in ``settings.CHANNELS`` (``YINGJI_CHANNELS_FILE``) drain; messages
of an unconfigured channel wait, visible on the warning's page, rather than failing. The
worker drains every minute (a periodic job) and right after each 签发 (a job started when the
issue commits); a province with heavy traffic runs dedicated `yingji alerts drain --follow`
processes on several hosts, which share the work through the outbox's leases.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings

from yingji.alerts import outbox
from yingji.alerts.channels.base import Channel
from yingji.alerts.channels.registry import available
from yingji.core import jobs

DRAIN_KIND: Final = "alerts.drain"
JOB_SECONDS: Final = 50.0  # a periodic drain stops before the next one starts


def configured() -> dict[str, Channel]:
    """The installed channels that have settings, and those that need none (in-app)."""
    wanted = set(getattr(settings, "CHANNELS", {}) or {})
    return {
        name: channel
        for name, channel in available().items()
        if name in wanted or getattr(channel, "needs_settings", True) is False
    }


def drain_all(
    names: list[str] | None = None, *, follow: bool = False, max_seconds: float | None = None
) -> dict[str, dict[str, int]]:
    """Drain the configured channels (or ``names``) until idle (or, following, forever)."""
    channels = configured()
    unknown = sorted(set(names or ()) - set(channels))
    if unknown:
        raise ValueError(
            f"channel {unknown[0]!r} is not configured; configured: {', '.join(channels) or 'none'}"
        )
    chosen = {n: c for n, c in channels.items() if not names or n in names}
    totals: dict[str, dict[str, int]] = {}
    for name, channel in chosen.items():
        totals[name] = outbox.drain(channel, stop_when_idle=not follow, max_seconds=max_seconds)
    return totals


@jobs.job_kind(DRAIN_KIND, "预警信息发送 warning dissemination")
def drain_job(ctx: jobs.JobContext) -> dict[str, Any]:
    return drain_all(max_seconds=JOB_SECONDS)
