"""The save turn's round trips, counted (issue 19): on PostgreSQL every statement is a network
round trip, about 4% of a save's CPU each (docs/progress.md, "pgsave"), so the number a
practitioner's save sends is held here, on both databases. A change that adds one fails this
test; one that takes one away tightens it."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bench.scenarios import save_and_next
from storage import tables as t
from storage.demo import load_demo
from tests.conftest import BotUnderTest, _running_bot
from tests.support.activities import TENANT, USER_AAD
from tests.support.connector import FakeConnector
from tests.support.journey import person, post_raw, say
from tests.support.local import migrate

# A save of one changed answer, by someone already known, a second time: who spoke, the
# click's claim, the return held, the return read, its answers, the answer written, its audit
# row, the click's reply kept. On PostgreSQL psycopg's BEGIN, the COMMIT and the pool's
# checkout ping make 11 round trips. Folding two pairs into one statement each on PostgreSQL
# was tried and measured (docs/progress.md, "pgtrips"): about 5% less CPU a save, turns per
# second within the noise, so not landed.
SAVE_STATEMENTS = {"sqlite": 8, "postgres": 8}


@pytest.fixture(params=["sqlite", "postgres"])
async def demo_bot(
    request: pytest.FixtureRequest, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[tuple[str, BotUnderTest]]:
    """The bench's bot (the demo data, no bootstrap admin) on each database."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    migrate(url)
    load_demo(url, TENANT, USER_AAD)
    # No bootstrap admin (the bench's settings): its grant is a statement of every turn.
    async for running in _running_bot(tmp_path, url, connector, ADMIN_AAD_IDS=""):
        yield request.param, running


@contextmanager
def _statements() -> Iterator[list[str]]:
    sent: list[str] = []
    lock = threading.Lock()

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        with lock:
            sent.append(" ".join(statement.split())[:160])

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def _return_of_user(bot: BotUnderTest) -> int:
    with bot.db.session() as session:
        member = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        return int(
            session.scalars(
                select(t.ReturnAssignee.return_id).where(t.ReturnAssignee.member_id == member.id)
            ).first()
            or 0
        )


async def test_a_save_turn_runs_its_counted_statements(
    demo_bot: tuple[str, BotUnderTest],
) -> None:
    database, bot = demo_bot
    await say(bot, person(), "help")  # the user has spoken, as the bench's first turn
    url = bot.connector.url
    scenario = save_and_next("save", "", "ours", url, (_return_of_user(bot),))
    status, _ = await post_raw(bot, scenario.body(0))  # a section's first save writes more
    assert status == 200
    with _statements() as sent:
        status, reply = await post_raw(bot, scenario.body(1))
    assert status == 200, reply
    assert len(sent) == SAVE_STATEMENTS[database], "\n".join(sent)
    assert "Section 2 of" in str(reply)
