"""The installed channels: every ``yingji.channels`` entry point, built with no arguments.

A province adds its carrier's gateway by shipping a package that declares::

    [project.entry-points."yingji.channels"]
    sms = "zj_carrier.sms:CarrierSms"

A plug-in that fails to import or to build (a missing dependency, a bad setting) is logged
and skipped, so one broken channel never stops the others from draining.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from yingji.alerts.channels.base import Channel

GROUP = "yingji.channels"
log = logging.getLogger(__name__)


def available() -> dict[str, Channel]:
    """Channel name → a ready instance, for every entry point that loads and builds."""
    channels: dict[str, Channel] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            channel = entry.load()()
            for attribute in ("name", "rate_per_second", "batch_size", "send"):
                if not hasattr(channel, attribute):
                    raise TypeError(f"has no {attribute!r}")
        except Exception:
            log.exception("channel plug-in %s = %s is broken: skipped", entry.name, entry.value)
            continue
        if entry.name in channels:
            log.error("channel %s is registered twice: keeping the first", entry.name)
            continue
        channels[entry.name] = channel
    return channels
