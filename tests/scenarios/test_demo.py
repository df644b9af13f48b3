"""Issue 14, item 6: the demo walks every journey. `lineofsight demo` builds one review at each
stage through the domain, loading twice changes nothing, and the Playground user can act in
every one of them (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from cards import verbs
from storage import tables as t
from storage.demo import load_demo
from tests.conftest import BotUnderTest
from tests.support.activities import TENANT, USER_AAD
from tests.support.journey import Journey, card_verbs

STAGES = {
    "LOS-2026-001": "pre_analysis",
    "LOS-2026-002": "pre_analysis",
    "LOS-2026-003": "analysis",
    "LOS-2026-004": "actions_open",
    "LOS-2026-005": "actions_open",
    "LOS-2026-006": "closed",
}


@pytest.fixture(params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest) -> tuple[Journey, str]:
    kind = request.param
    bot: BotUnderTest = request.getfixturevalue("bot" if kind == "sqlite" else "bot_on_postgres")
    url: str = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "postgres_url")
    load_demo(url, TENANT, USER_AAD)
    return Journey(bot), url


def counts(j: Journey) -> dict[str, int]:
    tables = (t.Review, t.PreAnalysisReturn, t.Answer, t.ChronologyEntry, t.ActionItem, t.Member)
    with j.bot.db.session() as session:
        return {
            table.__name__: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in tables
        }


async def test_every_stage_is_built_and_loading_again_changes_nothing(
    demo: tuple[Journey, str],
) -> None:
    j, url = demo
    assert {r.reference: r.stage for r in j.rows(t.Review)} == STAGES
    returns = j.rows(t.PreAnalysisReturn)
    assignees = {a.return_id for a in j.rows(t.ReturnAssignee)}
    assert all(r.id in assignees for r in returns), "no agency is left without a practitioner"
    items = {a.reference: a for a in j.rows(t.ActionItem)}
    assert items["LOS-2026-004/A4"].status == "blocked"
    assert {items[f"LOS-2026-005/A{n}"].status for n in (1, 2)} == {"completed"}
    assert items["LOS-2026-006/A1"].status == "closed"
    before = counts(j)
    assert "already loaded" in load_demo(url, TENANT, USER_AAD)
    assert counts(j) == before


async def test_the_playground_user_can_act_in_every_review(demo: tuple[Journey, str]) -> None:
    j, _ = demo
    reviews = {r.reference: r.id for r in j.rows(t.Review)}
    # Pre-analysis: Alex's police return, overdue, opens at its first section.
    j.bot.connector.clear()
    await j.say("continue")
    shown = json.dumps(j.bot.connector.cards()[-1])
    assert "Section 1 of 11" in shown
    assert "Overdue: this return was due" in shown
    # Returns awaiting sign-off: Alex signs off for Demo Police.
    j.bot.connector.clear()
    await j.say("sign-offs")
    waiting = j.bot.connector.cards()[-1]
    assert "LOS-2026-002" in json.dumps(waiting)
    assert verbs.SIGNOFF_OPEN in card_verbs(waiting)
    # Analysis: the pack is ready.
    pack = await j.card(verbs.PACK, {"review_id": reviews["LOS-2026-003"]})
    assert "LOS-2026-003" in pack
    # Outcome published: Alex owns action items he can update.
    j.bot.connector.clear()
    await j.say("my actions")
    mine = json.dumps(j.bot.connector.cards()[-1])
    assert "LOS-2026-004/A1" in mine
    assert "LOS-2026-004/A2" in mine
    # `reviews` flags the review whose returns are past their due date.
    j.bot.connector.clear()
    await j.say("reviews")
    listing = json.dumps(j.bot.connector.cards()[-1])
    assert "OVERDUE: 4 agency returns are past the due date." in listing
    # What the README's first ten minutes promise: overdue and blocked items, a closed review.
    j.bot.connector.clear()
    await j.say("overdue")
    assert "LOS-2026-004/A3" in json.dumps(j.bot.connector.cards()[-1])
    j.bot.connector.clear()
    await j.say("summary LOS-2026-004")
    assert "locked" in json.dumps(j.bot.connector.cards()[-1])  # Blocked / blocked
    for reference in ("LOS-2026-005", "LOS-2026-006"):
        j.bot.connector.clear()
        await j.say(f"summary {reference}")
        assert reference in json.dumps(j.bot.connector.cards()[-1])
    # A Child K agency's controls are a command away for its chair.
    j.bot.connector.clear()
    await j.say("manage LOS-2026-001")
    assert "LOS-2026-001" in json.dumps(j.bot.connector.cards()[-1])
