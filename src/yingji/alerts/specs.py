"""应急广播终端 and 预警订阅 registries: list, forms, API, Excel, scoping and audit are generic.

Terminals are drawn on the one map; subscribers are personal data and never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from yingji.alerts.audience import BroadcastTerminal, Subscriber
from yingji.core.registry.spec import MapLayer, RegistrySpec, register


def reachable(values: Mapping[str, Any]) -> dict[str, str]:
    """A subscriber must be reachable: by SMS, by e-mail, or both."""
    if not values.get("phone") and not values.get("email"):
        return {"phone": _("give a mobile phone or an e-mail address")}
    return {}


# fmt: off
BROADCAST_TERMINALS = register(
    RegistrySpec(
        name="broadcast_terminals",
        model=BroadcastTerminal,
        title="应急广播终端",
        fields=("code", "name", "kind", "status", "region", "address", "lon", "lat",
                "maintainer", "phone"),
        natural_key="code",
        list_fields=("code", "name", "kind", "status", "region", "maintainer", "phone"),
        search=("code", "name", "address", "maintainer", "phone"),
        filters=("kind", "status"),
        sort=("-updated_at", "code", "name", "status"),
        examples={
            "code": "330106002051-GB-01",
            "name": "上保社区应急广播",
            "kind": "loudspeaker",
            "status": "active",
            "region": "330106002051",
            "address": "西湖区北山街道上保社区居委会",
            "lon": 120.1401,
            "lat": 30.128,
            "maintainer": "李明",
            "phone": "13800000006",
        },
        region_levels=("village",),  # a terminal is registered per village
        map_layer=MapLayer(
            title="应急广播终端",
            color="#ad1457",
            popup=("code", "kind", "status", "address", "maintainer", "phone"),
        ),
    )
)

SUBSCRIBERS = register(
    RegistrySpec(
        name="subscribers",
        model=Subscriber,
        title="预警订阅",
        fields=("code", "name", "phone", "email", "region", "event_types", "min_level"),
        natural_key="code",
        list_fields=("code", "name", "phone", "email", "region", "event_types", "min_level"),
        search=("code", "name", "phone", "email"),
        filters=("min_level",),
        sort=("-updated_at", "code", "name"),
        examples={
            "code": "330106002-DY-00001",
            "name": "张伟",
            "phone": "13800000007",
            "email": "zhangwei@example.com",
            "region": "330106002",
            "event_types": "typhoon,rainstorm",
            "min_level": 1,
        },
        rules=(reachable,),
        region_levels=("county", "township", "village"),
    )
)
# fmt: on
