"""Pacing proactive sends to Teams' published limits (docs/teams-platform.md), in this
process; and reading a 429's Retry-After. Framework-free: both platforms' edges use it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (Teams sends delta-seconds; HTTP dates are not used there)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


# Teams' limits for one bot (docs/teams-platform.md): per conversation, and per app per tenant.
TEAMS_PER_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
TEAMS_PER_TENANT = (Window(50, 1.0),)


class RateLimiter:
    """Sliding-window pacing per conversation and per tenant, in this process.

    `acquire` books the earliest time a send fits every window and waits for it (one wake-up
    per send, first come first served); on waking late (a stalled process), it checks the
    windows again against when sends really went, so a backlog never leaves as a burst.
    Windows are stretched by `margin`, and consecutive sends to one key are spaced by
    `spread` times the shortest window's average interval (1.0: an even pace): a send reaches
    Teams a varying delay after it leaves, so a burst of 50 can arrive as 51 in Teams'
    second. A 429's Retry-After holds a conversation back (`defer`). With no windows it never
    waits. Cancelling a waiter leaves its slot booked (unused), never overbooked.
    """

    def __init__(
        self,
        per_conversation: tuple[Window, ...] = TEAMS_PER_CONVERSATION,
        per_tenant: tuple[Window, ...] = TEAMS_PER_TENANT,
        clock: Callable[[], float] = time.monotonic,
        *,
        margin: float = 1.1,
        spread: float = 1.0,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self._sleep = sleep
        self._windows = {
            kind: tuple(Window(w.limit, w.seconds * margin) for w in windows)
            for kind, windows in (("c", per_conversation), ("t", per_tenant))
        }
        self._gap = {
            kind: min((w.seconds / w.limit for w in windows), default=0.0) * spread
            for kind, windows in self._windows.items()
        }
        self._longest = max((w.seconds for ws in self._windows.values() for w in ws), default=0.0)
        self._clock = clock
        self._booked: dict[tuple[str, str], deque[float]] = {}  # reserved slots
        # A tenant's reserved slots, in time order: a send to a quiet conversation takes the
        # first free slot, not one after a busy conversation's backlog.
        self._tenant_slots: dict[str, list[float]] = {}
        self._sent: dict[tuple[str, str], deque[float]] = {}  # when sends really went
        self._held: dict[str, float] = {}
        self._bookings = 0

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls((), ())

    @property
    def enabled(self) -> bool:
        return bool(self._windows["c"] or self._windows["t"])

    def wait_for(self, conversation_id: str) -> float:
        """Seconds before a send to this conversation could go (a Retry-After hold, or its
        own backlog), without booking anything."""
        now = self._clock()
        conversation = (("c", conversation_id),)
        held = self._held.get(conversation_id, 0.0)
        at = max(now, held, *self._earliest(self._booked, conversation))
        return at - now

    def defer(self, conversation_id: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._held[conversation_id] = max(until, self._held.get(conversation_id, 0.0))

    async def acquire(self, tenant_id: str, conversation_id: str) -> float:
        """Wait until a send to this conversation fits; returns the seconds waited."""
        if not self.enabled and not self._held:
            return 0.0
        keys = (("c", conversation_id), ("t", tenant_id))
        conversation = (keys[0],)
        start = now = self._clock()
        # In order within a conversation (messages must not overtake each other); in any
        # free slot of the tenant's window.
        at = max(
            now, self._held.get(conversation_id, 0.0), *self._earliest(self._booked, conversation)
        )
        at = self._tenant_slot(tenant_id, at, now)
        self._book(self._booked, conversation, at)
        if at > now:
            await self._sleep(at - now)
        while True:
            now = self._clock()
            late = max(self._earliest(self._sent, keys))
            if late <= now:
                break
            await self._sleep(late - now)
        self._book(self._sent, keys, now)
        return now - start

    def _earliest(
        self, ledger: dict[tuple[str, str], deque[float]], keys: tuple[tuple[str, str], ...]
    ) -> list[float]:
        found = []
        for kind, key in keys:
            times = ledger.get((kind, key))
            if not times:
                continue
            earliest = times[-1] + self._gap[kind]
            for window in self._windows[kind]:
                if len(times) >= window.limit:
                    earliest = max(earliest, times[-window.limit] + window.seconds)
            found.append(earliest)
        return found or [0.0]

    def _book(
        self,
        ledger: dict[tuple[str, str], deque[float]],
        keys: tuple[tuple[str, str], ...],
        at: float,
    ) -> None:
        for kind, key in keys:
            windows = self._windows[kind]
            if not windows:
                continue
            times = ledger.get((kind, key))
            if times is None:
                times = ledger[(kind, key)] = deque(maxlen=max(w.limit for w in windows))
            times.append(at)
        self._bookings += 1
        if self._bookings % 4096 == 0:
            self._forget(at)

    def _tenant_slot(self, tenant_id: str, candidate: float, now: float) -> float:
        """Book and return the tenant's first free slot at or after `candidate`."""
        windows = self._windows["t"]
        if not windows:
            return candidate
        slots = self._tenant_slots.setdefault(tenant_id, [])
        # Slots further back than the longest window can't constrain a send from now on.
        del slots[: bisect_left(slots, now - max(w.seconds for w in windows))]
        gap = self._gap["t"]
        at = candidate
        for _ in range(GAP_SEARCH_STEPS):
            later = _clash(slots, windows, gap, at)
            if later is None:
                break
            at = later if later > at else math.nextafter(at, math.inf)  # always forward
        else:
            # No free slot near: the tenant is saturated, so don't walk its whole backlog.
            at = _after_all(slots, windows, gap, at)
        insort(slots, at)
        return at

    def _forget(self, now: float) -> None:
        # Keys idle longer than the longest window can't hold anything back: drop them.
        for ledger in (self._booked, self._sent):
            idle = [k for k, times in ledger.items() if now - times[-1] > self._longest]
            for key in idle:
                del ledger[key]
        quiet = [
            k
            for k, slots in self._tenant_slots.items()
            if not slots or now - slots[-1] > self._longest
        ]
        for tenant in quiet:
            del self._tenant_slots[tenant]
        for conversation, until in list(self._held.items()):
            if until <= now:
                del self._held[conversation]


# How many clashes a send steps past looking for a free tenant slot before it takes the first
# one after them all: a bound on the work (each step is a bisect and a window check) for a
# tenant with thousands of sends queued. Well above what real backlogs need: with 64, the
# 200-practitioner load test's submits queued behind a busy chair's chat again (p99 19 s
# instead of 12.6 s), because gaps between that chat's paced cards lay further on.
GAP_SEARCH_STEPS = 1_000


def _tolerance(at: float) -> float:
    # Fitting to within a nanosecond is fitting: (t + gap) - t can come out a hair under gap.
    # Relative too, for clocks far from zero (monotonic time after years of uptime).
    return 1e-9 + abs(at) * 1e-14


def _after_all(slots: list[float], windows: tuple[Window, ...], gap: float, at: float) -> float:
    """The first time at or after `at` that fits after every booked slot."""
    if not slots:
        return at
    fits = [at, slots[-1] + gap]
    fits += [slots[-w.limit] + w.seconds for w in windows if len(slots) >= w.limit]
    return max(fits)


def _clash(slots: list[float], windows: tuple[Window, ...], gap: float, at: float) -> float | None:
    """None if a send at `at` fits among the booked `slots` (sorted); otherwise a later time
    to try, past what it clashes with. Fits: at least `gap` from its neighbours, and no window
    would then hold more than its limit."""
    p = bisect_left(slots, at)
    tolerance = _tolerance(at)
    if p > 0 and at - slots[p - 1] < gap - tolerance:
        return slots[p - 1] + gap
    if p < len(slots) and slots[p] - at < gap - tolerance:
        return slots[p] + gap
    for window in windows:
        # Runs of limit + 1 sends that include this one, in time order: each must span at
        # least the window. Index i is the first of the run, counted with `at` at index p.
        for first in range(max(0, p - window.limit), p + 1):
            last = first + window.limit
            if last > len(slots):  # the run would need more sends than are booked
                break
            start = slots[first] if first < p else at
            end = slots[last - 1] if last > p else at
            if end - start < window.seconds - tolerance:
                # At the end of the run: wait a window after its first send. Inside it: go
                # past its last send.
                return start + window.seconds if last == p else end + gap
    return None
