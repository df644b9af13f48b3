"""Issue 7, item 8, the shortened CI version: 40 practitioners complete their returns at once
against one bot (in this process, loopback only), on SQLite and on PostgreSQL. Every answer is
stored exactly once, nothing answers 5xx, and the latency percentiles are printed. The full
run is `python -m tests.load.practitioners --practitioners 200 --db sqlite|postgres`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import _postgres_reachable, require
from tests.load.practitioners import QUESTIONS, TURNS, run
from tests.support.local import PG_ADMIN_URL

PRACTITIONERS = 40
BOUND_SECONDS = 60


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_practitioners_complete_returns_concurrently(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "postgres":
        reachable = await asyncio.to_thread(_postgres_reachable)
        require(reachable, f"PostgreSQL is not reachable at {PG_ADMIN_URL.split('@')[-1]}")
    results = await asyncio.wait_for(
        run(PRACTITIONERS, kind, in_process=True, folder=tmp_path), timeout=3 * BOUND_SECONDS
    )
    with capsys.disabled():
        print(f"\nload ({kind}, {PRACTITIONERS} practitioners):\n{results.report()}")
    assert results.problems() == []
    assert results.turns == PRACTITIONERS * TURNS
    assert results.answers == PRACTITIONERS * QUESTIONS
    assert results.server_errors == 0
    assert results.cards_sent == 2 * PRACTITIONERS, "each submit reached the lead and the chair"
    assert results.seconds < BOUND_SECONDS
