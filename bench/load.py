"""A small async load generator: N keep-alive connections, each posting one request after
another for a fixed time, recording every latency. Bodies are pre-encoded bytes.

A `Driver` keeps its connections between phases, so a run can interleave scenarios in short
rounds (echo, ours, echo, ours...) and a noisy neighbour slows each of them alike."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count

import aiohttp

HEADERS = {"Content-Type": "application/json"}


@dataclass
class LoadResult:
    completed: int = 0
    errors: int = 0
    unexpected: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_problem: str = ""
    answered: int = 0  # every accepted answer

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def add(self, other: LoadResult) -> None:
        self.completed += other.completed
        self.errors += other.errors
        self.unexpected += other.unexpected
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.answered += other.answered
        self.first_problem = self.first_problem or other.first_problem


class Driver:
    def __init__(
        self,
        url: str,
        body: Callable[[int], bytes],
        check: Callable[[int, bytes], bool],
        connections: int,
    ) -> None:
        self._url = url
        self._body = body
        self._check = check
        self._connections = connections
        # Connection i posts turns i, i + n, i + 2n, ... (n connections), across every phase:
        # a scenario that gives turn t to item t % n (a return's save) has each item's turns
        # in order on one connection, never two of them in flight at once.
        self._turns = [count(i, connections) for i in range(connections)]
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Driver:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._connections),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._http is not None:
            await self._http.close()

    async def phase(self, seconds: float) -> LoadResult:
        """Every connection posts back to back until `seconds` have passed. Requests started
        by then are waited for and counted, and the phase lasts until the last answer: a
        closed loop's fill at the start and drain at the end cancel out, so turns/s is not
        biased against slow bots when phases are short."""
        http = self._http
        assert http is not None
        result = LoadResult()
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(turns: Iterator[int]) -> None:
            clock = time.perf_counter
            while True:
                began = clock()
                if began >= deadline:
                    return
                data = self._body(next(turns))
                try:
                    async with http.post(self._url, data=data, headers=HEADERS) as response:
                        payload = await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    result.errors += 1
                    result.first_problem = result.first_problem or repr(error)
                    continue
                ended = clock()
                accepted = self._check(status, payload)
                result.answered += accepted
                if accepted:
                    result.completed += 1
                    result.latencies.append(ended - began)
                else:
                    result.unexpected += 1
                    result.first_problem = result.first_problem or f"{status}: {payload[:300]!r}"

        # The client's own garbage collector must not show up as the bot's latency: a full pass
        # here stalls all 32 requests in flight at once. Collected between phases instead.
        gc.disable()
        try:
            await asyncio.gather(*(worker(turns) for turns in self._turns))
        finally:
            gc.enable()
            gc.collect()
        result.seconds = time.perf_counter() - start
        return result
