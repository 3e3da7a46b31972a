"""The client's address behind a trusted reverse proxy (WSGI middleware, no Django import).

Behind nginx every request comes from the proxy's address; the sign-in rate limit, the audit
trail, the logs and the loopback-only ``/metrics`` need the client's. When the peer is one of
``FORWARDED_ALLOW_IPS`` (addresses or networks, comma-separated, ``*`` for any; default the
loopback addresses), ``REMOTE_ADDR`` becomes the nearest untrusted address of
``X-Forwarded-For``, read from the right: each trusted proxy appends the address it saw, so
entries further left were written by the client and prove nothing. A peer that is not
trusted keeps its own address whatever the header says.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

VARIABLE = "FORWARDED_ALLOW_IPS"
DEFAULT = "127.0.0.1,::1"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Trusted:
    """The set of trusted proxy addresses, parsed once."""

    def __init__(self, spec: str) -> None:
        items = [item.strip() for item in spec.split(",") if item.strip()]
        self.everyone = "*" in items
        self.networks: list[Network] = []
        for item in items:
            if item == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"{VARIABLE}: {item[:60]!r} is not an IP address or network "
                    "(e.g. 10.0.0.5, 10.0.0.0/24 or *)"
                ) from None

    def __contains__(self, address: str) -> bool:
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def client_address(peer: str, forwarded_for: str, trusted: Trusted) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy with a forwarded chain."""
    if not forwarded_for or peer not in trusted:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else peer


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ProxyHeaders:
    """Wraps a WSGI application: ``REMOTE_ADDR`` is the client's address (see the module)."""

    def __init__(self, app: WsgiApp, trusted: str | None = None) -> None:
        self.app = app
        self.trusted = Trusted(os.environ.get(VARIABLE, DEFAULT) if trusted is None else trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            peer = environ.get("REMOTE_ADDR", "")
            environ["REMOTE_ADDR"] = client_address(peer, forwarded, self.trusted)
        return self.app(environ, start_response)
