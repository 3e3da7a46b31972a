"""A discrete-event agenda: actions due at simulated instants, run in (time, order) order."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

Action = Callable[[], None]


@dataclass
class Agenda:
    _heap: list[tuple[dt.datetime, int, Action]] = field(default_factory=list)
    _order: count[int] = field(default_factory=count)

    def at(self, moment: dt.datetime, action: Action) -> None:
        heapq.heappush(self._heap, (moment, next(self._order), action))

    def due(self, until: dt.datetime) -> tuple[dt.datetime, Action] | None:
        """The next action due at or before ``until`` (removed), or None."""
        if self._heap and self._heap[0][0] <= until:
            moment, _, action = heapq.heappop(self._heap)
            return moment, action
        return None

    def __len__(self) -> int:
        return len(self._heap)
