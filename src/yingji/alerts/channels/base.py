"""The channel interface of warning dissemination.

A channel sends a batch of outbox rows (:class:`Outgoing`) and answers one :class:`Receipt`
per row. The outbox row's id is the **idempotency key**: a worker killed after sending but
before recording the receipt leaves the row to be sent again by another worker, with the same
id, and the adapter passes that id to the provider (an SMS gateway's client message id, an
e-mail Message-ID, a webhook's Idempotency-Key header, an SMPP ``user_message_reference``) so
the provider delivers it once. Adapters never retry on their own: they report, and the outbox
decides (backoff, dead letter).

Channels are found through the ``yingji.channels`` entry-point group (``name = module:Class``);
the built-in ones are registered by this package's ``pyproject.toml``. A class is built with
no arguments and reads its own settings (``settings.CHANNELS[name]``), so a province plugs in
its carrier's gateway without forking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message to one address on one channel."""

    id: int  # the outbox row: idempotency key
    channel: str
    address: str  # phone number, e-mail address, URL, terminal id, user id
    text: str
    subject: str = ""  # e-mail subject, push title
    warning: str = ""  # the CAP identifier, for providers that group by campaign


@dataclass(frozen=True)
class Receipt:
    """What the channel knows right after sending one row."""

    id: int
    ok: bool
    provider_id: str = ""  # the provider's message id, to match delivery reports later
    error: str = ""
    retry: bool = True  # False: a permanent failure (bad number): no point sending again
    delivered: bool = False  # the channel confirms delivery synchronously (in-app, webhook)


class Channel(Protocol):
    name: str
    rate_per_second: float  # the most the provider accepts; the drain paces itself to it
    batch_size: int
    # Optional ``remote = True``: send() only talks to a remote service (no database), so the
    # outbox may call it from a second thread while it claims the next batch.

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]: ...
