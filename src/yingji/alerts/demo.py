"""Demo broadcast terminals and subscribers: synthetic, deterministic for a seed, marked synthetic.

A step of the registry demo (``yingji.registry.demo.GENERATORS``), written under the spec
names so the demo's counts line up with ``yingji registry summary``:

- a loudspeaker (大喇叭) in every village, a few percent of them out of order, and an
  electronic screen at each township seat (the township's first village, at the township's
  own point);
- about three members of the public per township subscribed to warnings for their township
  or their village, reachable by SMS, e-mail or both; e-mail addresses are on the reserved
  ``example.com`` domain, so no demo message can reach a real mailbox.
"""

from __future__ import annotations

import numpy as np

from yingji.alerts.audience import BroadcastTerminal, Subscriber, TerminalKind, TerminalStatus
from yingji.kernels import codes
from yingji.registry.demo.context import DemoContext, Place
from yingji.registry.demo.resources import _locate, _names, _phones

TERMINALS = "broadcast_terminals"  # the spec names (yingji.alerts.specs)
SUBSCRIBERS = "subscribers"
FAULT_SHARE = 0.03
SUBSCRIBERS_PER_TOWNSHIP = (2, 5)  # uniform in [2, 5): three on average
VILLAGE_SHARE = 0.3  # subscribed to their village rather than their township
REACH = (("phone", 0.5), ("email", 0.15), ("both", 0.35))
# What people pick when they narrow their subscription (most leave it empty: every type).
TYPE_PICKS = ("", "", "", "", "", "typhoon,rainstorm", "typhoon,rainstorm,flood",
              "rainstorm,flash_flood,geohazard", "typhoon", "heat", "forest_fire")  # fmt: skip
LEVEL_SHARES = (0.55, 0.35, 0.07, 0.03)  # lowest level wanted: mostly 蓝 or 黄


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng("audience")
    villages_of = _villages_by_township(ctx)
    _terminals(ctx, rng, villages_of)
    _subscribers(ctx, rng, villages_of)


def _villages_by_township(ctx: DemoContext) -> dict[str, list[Place]]:
    """Township path → its villages in code order (the first one is the township seat)."""
    grouped: dict[str, list[Place]] = {}
    for village in ctx.villages:
        grouped.setdefault(village.path[:9], []).append(village)
    return grouped


def _terminals(
    ctx: DemoContext, rng: np.random.Generator, villages_of: dict[str, list[Place]]
) -> None:
    villages = ctx.villages
    seats = [(t, villages_of[t.path][0]) for t in ctx.townships if villages_of.get(t.path)]
    places = villages + [township for township, _seat in seats]
    lons, lats = _locate(ctx, places, 0.002, rng)
    faulty = rng.random(len(places)) < FAULT_SHARE
    maintainers, phones = _names(rng, len(places)), _phones(rng, len(places))
    rows: list[tuple[Place, str, str, str]] = [  # region, code, name, kind
        (v, f"{codes.display(v.code)}-GB-01", f"{v.name}应急广播", TerminalKind.LOUDSPEAKER)
        for v in villages
    ]
    rows += [(seat, f"{codes.display(seat.code)}-GB-02", f"{township.name}应急广播显示屏",
              TerminalKind.SCREEN) for township, seat in seats]  # fmt: skip
    ctx.insert(TERMINALS, BroadcastTerminal, [
        BroadcastTerminal(
            code=code, name=name[:100], kind=kind, region_id=region.code,
            status=TerminalStatus.FAULT if faulty[i] else TerminalStatus.ACTIVE,
            address=places[i].name, lon=float(lons[i]), lat=float(lats[i]),
            maintainer=maintainers[i], phone=phones[i],
        )
        for i, (region, code, name, kind) in enumerate(rows)
    ])  # fmt: skip


def _subscribers(
    ctx: DemoContext, rng: np.random.Generator, villages_of: dict[str, list[Place]]
) -> None:
    homes: list[tuple[Place, Place]] = []  # (township, subscribed area)
    for township in ctx.townships:
        villages = villages_of.get(township.path, [])
        for _n in range(int(rng.integers(*SUBSCRIBERS_PER_TOWNSHIP))):
            area = township
            if villages and rng.random() < VILLAGE_SHARE:
                area = villages[int(rng.integers(len(villages)))]
            homes.append((township, area))
    n = len(homes)
    names, phones = _names(rng, n), _phones(rng, n)
    anonymous = rng.random(n) < 0.2  # the name is optional
    reach = rng.choice([r for r, _p in REACH], n, p=[p for _r, p in REACH])
    types = rng.integers(0, len(TYPE_PICKS), n)
    levels = rng.choice(len(LEVEL_SHARES), n, p=LEVEL_SHARES)
    serial: dict[str, int] = {}
    subscribers = []
    for i, (township, area) in enumerate(homes):
        serial[township.code] = serial.get(township.code, 0) + 1
        code = f"{codes.display(township.code)}-DY-{serial[township.code]:05d}"
        subscribers.append(Subscriber(
            code=code, name="" if anonymous[i] else names[i], region_id=area.code,
            phone=phones[i] if reach[i] != "email" else "",
            email=_email(code) if reach[i] != "phone" else "",
            event_types=TYPE_PICKS[types[i]], min_level=int(levels[i]),
        ))  # fmt: skip
    ctx.insert(SUBSCRIBERS, Subscriber, subscribers)


def _email(code: str) -> str:
    """A synthetic address on the reserved example domain (RFC 2606), unique per code."""
    return f"dy{code.replace('-', '').lower()}@example.com"
