"""Racing requests, on SQLite and PostgreSQL: several distinct requests for one
verb at the same instant have one effect (rows, audit rows, cards sent), and nobody gets the
"Something went wrong" card. The losers of a state change are told what happened instead.

On SQLite one writer serialises the racers; on PostgreSQL they really overlap, which is where
check-then-write code used to double submit and drop chronology entries (storage/atomic.py).
The racers are activities handed to the core at once (`CoreBot.answer`, tests/support/core.py):
the database work of each turn runs on the database's threads (storage/database.py), so they
overlap as requests over HTTP do; nothing the edges do before the core holds anything.
Every state-changing card verb is raced here: `test_every_state_changing_verb_has_a_race_case`
fails when a new one has no case.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel, col

from bot.app import SERVICES
from bot.files import SENT_BELOW
from cards import verbs
from cards.common import STALE_NOTICE_ID
from domain.idempotency import STALE_MESSAGE
from storage import tables as t
from tests.support.activities import USER_AAD, activity, as_user, invoke, message
from tests.support.answers import NAMED_ANSWER as NAMED  # the identifier guard flags it
from tests.support.answers import valid_answers
from tests.support.core import CoreBot
from tests.support.journey import (  # _name: racers keep the names the world gave them
    BANK,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    Journey,
    _name,
    button_data,
    draft_key,
    episode_key,
    good_action,
    guide_shown,
    journey_on,
    make_lic_member,
    open_review,
    police_id,
    published,
    signed_off_review,
    waiting_request,
)

RACERS = 6
BANK_SECTIONS = BANK.sections
CRASH = "Something went wrong"
CARD = "application/vnd.microsoft.card.adaptive"
# An invoke answered with a message leaves the clicked card, and what was typed in it, on screen.
MESSAGE = "application/vnd.microsoft.activity.message"
# Verbs that change nothing, or only where the user is (a return's current section): racing
# them has nothing to get wrong. Anything else needs a case below.
READ_ONLY = frozenset(
    {
        verbs.HELP,
        verbs.PROFILE,
        verbs.SIGNOFF_OPEN,
        verbs.SIGN_OFFS,
        verbs.CONTINUE,
        verbs.REVIEW_MANAGE,
        verbs.REVIEW_AGENCY,
        verbs.REVIEW_NEW,
        verbs.REVIEWS,
        verbs.RETURN_OPEN,
        verbs.CHRONOLOGY,
        verbs.ENTRY_FORM,
        verbs.RETURN_OVERVIEW,
        verbs.AGENCIES,
        verbs.AGENCY_FORM,
        verbs.MEMBERS,
        verbs.MEMBER_FORM,
        verbs.PACK,
        verbs.OUTCOME,
        verbs.ACTION_FORM,
        verbs.GUIDE_PREVIEW,
        verbs.GUIDE_USAGE_FORM,
        verbs.ACTION_VIEW,
        verbs.AWAITING_IMPACT,
        verbs.MY_ACTIONS,
        # A did-you-mean button runs a command as typed, and only a read-only one
        # (domain.commands.READ_ONLY_COMMANDS; tests/security/test_suggestion_buttons.py).
        verbs.RUN_COMMAND,
        verbs.SUMMARY,
        verbs.DASHBOARD,
        verbs.REPORT,
        verbs.OVERDUE,
        verbs.AUDIT_TRAIL,
        verbs.RETENTION,
        verbs.LEGAL_HOLD,
        verbs.POLICY,
    }
)
RACED: set[str] = set()


def races(*raced: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares the verbs a test races (checked against cards/verbs.py below)."""
    RACED.update(raced)
    return lambda test: test


@pytest.fixture
def racing_bot(bot: CoreBot) -> CoreBot:
    """The core on SQLite, then on PostgreSQL (tests/behaviour/conftest.py)."""
    return bot


@pytest.fixture
async def world(racing_bot: CoreBot) -> Journey:
    return await journey_on(racing_bot)


def _distinct(body: dict[str, Any]) -> dict[str, Any]:
    """Each racer is its own request (its own activity id), not a replay of one."""
    body["id"] = f"race-{secrets.token_hex(6)}"
    return body


async def race(
    j: Journey,
    verb: str | Sequence[str],
    data: dict[str, Any] | Sequence[dict[str, Any]],
    aad: str | Sequence[str] = USER_AAD,
    n: int = RACERS,
    delays: Sequence[float] | None = None,
) -> list[str]:
    """`n` card actions at once (verb, data and sender given once or per racer), or each
    after its delay in seconds; their replies, as JSON. None of them, and nothing the bot
    sent meanwhile, is the crash card."""
    verbs_ = _each(verb, n)
    bodies = [
        _distinct(as_user(invoke(j.bot.connector.url, v, d), who, name=_name(who)))
        for v, d, who in zip(verbs_, _each(data, n), _each(aad, n), strict=True)
    ]

    async def post(body: dict[str, Any], delay: float) -> tuple[int, Any]:
        await asyncio.sleep(delay)
        return await cast(CoreBot, j.bot).answer(body)

    waits = [0.0] * n if delays is None else list(delays)
    racing = (post(body, wait) for body, wait in zip(bodies, waits, strict=True))
    replies = await asyncio.gather(*racing)
    texts = [json.dumps(reply, ensure_ascii=False) for _, reply in replies]
    assert [status for status, _ in replies] == [200] * n, texts
    _no_crash(j, texts)
    return texts


def _each(value: Any, n: int) -> list[Any]:
    """One value for every racer, or one per racer."""
    if isinstance(value, str | dict):
        return [value] * n
    assert len(value) == n
    return list(value)


def _no_crash(j: Journey, texts: Sequence[str]) -> None:
    crashed = [text for text in texts if CRASH in text]
    sent = json.dumps([s.activity for s in j.bot.connector.sent], ensure_ascii=False)
    assert not crashed, crashed[0]
    assert CRASH not in sent


def accepted(texts: Sequence[str]) -> list[str]:
    """Replies that carry a card without a refusal: the refused get a message saying why, or,
    where a form was sent (an action item's), the same form back, open with what they typed,
    under a refusal line in the attention colour, or, where the card was drawn before the
    winner's change, the current card under "this changed since you opened it" or another
    old card's refusal (`STALE_NOTICE_ID`)."""
    return [
        text
        for text in texts
        if json.loads(text)["type"] == CARD
        and not _refusal_line(json.loads(text)["value"])
        and STALE_MESSAGE not in text
        # An old card's refusal, on the thing's current card under its header (walk10).
        and f'"id": "{STALE_NOTICE_ID}"' not in text
    ]


def _refusal_line(card: dict[str, Any]) -> bool:
    # A refusal is cards.common.error_line's block: the attention colour, set tight under what
    # it refers to. A caution (a notice like "No partnership channel is registered") shares
    # the colour but not the spacing, and comes with a change that was made.
    return any(
        element.get("type") == "TextBlock"
        and element.get("color") == "attention"
        and element.get("spacing") == "none"
        for element in card.get("body", [])
    )


def audited(j: Journey, action: str) -> int:
    return j.bot.audit_actions().count(action)


def cards_with(j: Journey, verb: str) -> int:
    """Cards the bot sent (not replies to the invoke) carrying this verb."""
    return sum(f'"verb": "{verb}"' in json.dumps(card) for card in j.bot.connector.cards())


# --- first contact --------------------------------------------------------------------------


@races()
async def test_an_install_for_twenty_new_people_creates_each_once(
    racing_bot: CoreBot,
) -> None:
    """Teams sends installationUpdate, conversationUpdate and a first message together."""
    bot, url = racing_bot, racing_bot.connector.url
    people = [f"7{i:07d}-0000-4000-8000-000000000000" for i in range(20)]
    bodies = []
    for aad in people:
        for body in (
            activity("installation-update-add-personal", url),
            activity("conversation-update-members-added-personal", url),
            message(url, "help"),
        ):
            body["conversation"] = {**body["conversation"], "id": f"a:{aad}"}
            bodies.append(_distinct(as_user(body, aad, name="New Person")))
    replies = await asyncio.gather(*(bot.answer(body) for body in bodies))
    assert all(status in (200, 201) for status, _ in replies), replies
    assert CRASH not in json.dumps([reply for _, reply in replies])
    assert CRASH not in json.dumps([s.activity for s in bot.connector.sent])
    with bot.db.session() as session:
        members = session.scalars(select(t.Member.aad_object_id)).all()
        partnerships = session.scalars(select(t.Partnership.id)).all()
    assert sorted(members) == sorted(people), "each person once"
    assert len(partnerships) == 1, "the tenant's partnership once"
    actions = bot.audit_actions()
    assert actions.count("member.created") == 20
    assert actions.count("partnership.created") == 1
    assert actions.count("member.welcomed") <= 20


# --- the return -----------------------------------------------------------------------------


@races(verbs.REVIEW_CREATE)
async def test_racing_new_reviews_each_get_their_own_reference(world: Journey) -> None:
    j = world
    await open_review(j)
    agency = str(police_id(j))
    texts = await race(
        j,
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": agency,
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    assert len(accepted(texts)) == RACERS
    references = [review.reference for review in j.rows(t.Review)]
    assert len(references) == RACERS + 1 == len(set(references))
    assert audited(j, "review.created") == RACERS + 1


@races(verbs.REVIEW_ASSIGN)
async def test_racing_assignments_invite_each_practitioner_once(world: Journey) -> None:
    j = world
    await j.say("new review")
    agency = police_id(j)
    await j.act(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": str(agency),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    review = j.rows(t.Review)[0]
    j.bot.connector.clear()
    await race(
        j,
        verbs.REVIEW_ASSIGN,
        {"review_id": review.id, f"assignees_{agency}": f"{PRACTITIONER},{COLLEAGUE}"},
    )
    assert len(j.rows(t.ReturnAssignee)) == 2
    assert audited(j, "review.assigned") == 1
    assert cards_with(j, verbs.RETURN_OPEN) == 2, "one invitation each"
    assert j.rows(t.Review)[0].stage == "pre_analysis"


@races(verbs.RETURN_SAVE, verbs.RETURN_NEXT, verbs.RETURN_BACK, verbs.EPISODE_ADD)
async def test_racing_saves_of_one_section_store_each_answer_once(world: Journey) -> None:
    j = world
    _, return_id = await open_review(j)
    section = {"return_id": return_id, "section": 0, "agency_team": "Police with school nurse"}
    await race(
        j,
        verbs.RETURN_SAVE,
        [section, {**section, "agency_team": "Police and school nurse"}] * (RACERS // 2),
        [PRACTITIONER, COLLEAGUE] * (RACERS // 2),
    )
    answers = [a for a in j.rows(t.Answer) if a.question_id == "agency_team"]
    assert len(answers) == 1
    assert audited(j, "return.status_changed") == 1, "started once"
    for verb in (verbs.RETURN_NEXT, verbs.RETURN_BACK):
        await race(j, verb, section, [PRACTITIONER, COLLEAGUE] * (RACERS // 2))
    assert len([a for a in j.rows(t.Answer) if a.question_id == "agency_team"]) == 1
    episodes = next(i for i, s in enumerate(BANK_SECTIONS) if s.repeatable)
    await race(
        j,
        verbs.EPISODE_ADD,
        {"return_id": return_id, "section": episodes, "episode": 1},
        [PRACTITIONER, COLLEAGUE] * (RACERS // 2),
    )
    assert audited(j, "return.status_changed") == 1


@races(verbs.ENTRY_SAVE, verbs.ENTRY_REMOVE)
async def test_ten_entries_at_once_are_all_stored_in_turn(world: Journey) -> None:
    j = world
    _, return_id = await open_review(j)
    entries = [
        {
            "return_id": return_id,
            "event_date": "2025-01-10",
            "source": "school log",
            "event": f"School raised concern number {number}",
            "themes": "neglect",
        }
        for number in range(10)
    ]
    texts = await race(j, verbs.ENTRY_SAVE, entries, [PRACTITIONER, COLLEAGUE] * 5, n=10)
    assert len(accepted(texts)) == 10
    stored = j.rows(t.ChronologyEntry)
    assert sorted(e.sequence for e in stored) == list(range(1, 11))
    assert sorted(e.event for e in stored) == sorted(str(e["event"]) for e in entries)
    assert audited(j, "chronology.entry_added") == 10

    first = min(stored, key=lambda e: e.sequence)
    texts = await race(
        j,
        verbs.ENTRY_REMOVE,
        {"return_id": return_id, "entry_id": first.id},
        [PRACTITIONER, COLLEAGUE] * (RACERS // 2),
    )
    assert len(accepted(texts)) == 1
    assert len(j.rows(t.ChronologyEntry)) == 9
    assert audited(j, "chronology.entry_removed") == 1


@races(verbs.EPISODE_REMOVE)
async def test_racing_episode_removals_remove_it_once(world: Journey) -> None:
    j = world
    _, return_id = await open_review(j)
    episodes = next(i for i, s in enumerate(BANK_SECTIONS) if s.repeatable)
    data = {"return_id": return_id, "section": episodes, **_episode_answers(episodes)}
    await j.act(verbs.RETURN_SAVE, {**data, "episode": 1}, PRACTITIONER)
    await j.act(verbs.RETURN_SAVE, {**data, "episode": 2}, PRACTITIONER)
    second = {"episode": 2, "episode_key": episode_key(j, return_id, 2)}
    await race(
        j,
        verbs.EPISODE_REMOVE,
        {"return_id": return_id, "section": episodes, **second},
        [PRACTITIONER, COLLEAGUE] * (RACERS // 2),
    )
    assert {a.episode for a in j.rows(t.Answer) if a.episode} == {1}
    assert audited(j, "return.episode_removed") == 1


@races(verbs.RETURN_SUBMIT, verbs.SIGNOFF_APPROVE, verbs.SIGNOFF_RETURN)
async def test_one_submit_and_one_sign_off_win(world: Journey) -> None:
    j = world
    review_id, return_id = await _complete_return(j)
    j.bot.connector.clear()
    texts = await race(
        j,
        verbs.RETURN_SUBMIT,
        {"return_id": return_id},
        [PRACTITIONER, COLLEAGUE] * (RACERS // 2),
    )
    assert len(accepted(texts)) == 1
    assert all("submitted" in text for text in texts), "the others are told it was submitted"
    assert audited(j, "return.submitted") == 1
    assert cards_with(j, verbs.SIGNOFF_APPROVE) == 1, "one sign-off card to the lead"

    half = RACERS // 2
    texts = await race(
        j,
        [verbs.SIGNOFF_APPROVE, verbs.SIGNOFF_RETURN] * half,
        [{"return_id": return_id}, {"return_id": return_id, "comments": "Add dates."}] * half,
        LEAD,
    )
    assert len(accepted(texts)) == 1, "approve and send back at once: one decision stands"
    assert audited(j, "return.signed_off") + audited(j, "return.returned") == 1
    assert j.rows(t.PreAnalysisReturn)[0].status in ("signed_off", "returned")
    decided = audited(j, "return.signed_off") == 1
    assert audited(j, "review.stage_changed") == (1 if decided else 0), "to analysis once"
    assert review_id


@races(
    verbs.REVIEW_EDIT,
    verbs.REVIEW_DEPUTY,
    verbs.RETURN_EXTEND,
    verbs.RETURN_REASSIGN,
    verbs.REVIEW_ADD_AGENCY,
    verbs.REVIEW_REMOVE_AGENCY,
    verbs.RETURN_NIL,
    verbs.NIL_CONFIRM,
    verbs.NIL_DECLINE,
    verbs.RETURN_PROCEED,
    verbs.REVIEW_CANCEL,
    verbs.REVIEW_REOPEN,
)
async def test_racing_review_controls_take_effect_once(world: Journey) -> None:
    j = world
    review_id, police = await open_review(j)
    edits = [
        {"review_id": review_id, "pseudonym": f"Child {letter}", "reason": "Neglect concerns."}
        for letter in "LMNPQR"
    ]
    await race(j, verbs.REVIEW_EDIT, [{**e, "meeting_on": "2099-02-08"} for e in edits])
    assert j.rows(t.Review)[0].pseudonym in {f"Child {letter}" for letter in "LMNPQR"}
    await race(j, verbs.REVIEW_DEPUTY, {"review_id": review_id, "deputy": str(_id(j, LEAD))})
    await race(j, verbs.RETURN_EXTEND, {"return_id": police, "due_on": "2099-06-30"})
    await race(
        j, verbs.RETURN_REASSIGN, {"return_id": police, "assignees": COLLEAGUE, "replace": "true"}
    )
    assert [a.member_id for a in j.rows(t.ReturnAssignee)] == [_id(j, COLLEAGUE)]

    health = str(next(a.id for a in j.rows(t.Agency) if a.name == "Demo Health"))
    texts = await race(j, verbs.REVIEW_ADD_AGENCY, {"review_id": review_id, "agency_id": health})
    assert len(j.rows(t.PreAnalysisReturn)) == 2
    assert audited(j, "review.agency_added") == 1
    assert sum("already on" in text for text in texts) == RACERS - 1
    health_return = next(r.id for r in j.rows(t.PreAnalysisReturn) if r.id != police)
    gone = {"return_id": health_return, "reason": "Not involved after all."}
    await race(j, verbs.REVIEW_REMOVE_AGENCY, gone)
    assert audited(j, "review.agency_removed") == 1
    await j.act(verbs.REVIEW_ADD_AGENCY, {"review_id": review_id, "agency_id": health})

    j.bot.connector.clear()
    await race(j, verbs.RETURN_NIL, {"return_id": police, "reason": "No contact with them."})
    assert audited(j, "return.nil_recorded") == 1
    assert cards_with(j, verbs.NIL_CONFIRM) == 1, "the lead is asked once"
    half = RACERS // 2
    await race(j, [verbs.NIL_CONFIRM, verbs.NIL_DECLINE] * half, {"return_id": police}, LEAD)
    assert audited(j, "return.nil_confirmed") + audited(j, "return.nil_declined") == 1
    late = {"return_id": health_return, "reason": "Late; the meeting can't wait."}
    await race(j, verbs.RETURN_PROCEED, late)
    assert audited(j, "return.proceeded_without") == 1

    await race(j, verbs.REVIEW_CANCEL, {"review_id": review_id, "reason": "Family moved away"})
    assert audited(j, "review.cancelled") == 1
    await race(j, verbs.REVIEW_REOPEN, {"review_id": review_id, "reason": "Cancelled in error"})
    assert audited(j, "review.reopened") == 1
    assert j.rows(t.Review)[0].stage != "cancelled"


SIGN_OFF_CANCEL_ROUNDS = 12


@races()
async def test_a_sign_off_racing_a_cancel_queues_and_one_of_them_stands(world: Journey) -> None:
    """Cancelling holds the review, then writes its returns; approving the last return holds
    the return, then settles the review. Taken in those orders, on PostgreSQL the two could
    each wait on the other and one be killed as a deadlock (the crash card). Both hold the
    review first (domain/holds.py), so each round one stands and the other is told why."""
    j = world
    review_id, return_id = await _complete_return(j)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    outcomes = set()
    for _ in range(SIGN_OFF_CANCEL_ROUNDS):
        _reset_to_submitted(j, review_id, return_id)
        before = (audited(j, "return.signed_off"), audited(j, "review.cancelled"))
        sign_off = await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
        manage = await j.act(verbs.REVIEW_MANAGE, {"review_id": review_id})
        approve = button_data(sign_off["value"], verbs.SIGNOFF_APPROVE)
        cancel = {**button_data(manage["value"], verbs.REVIEW_CANCEL), "reason": "Family moved"}
        texts = await race(
            j,
            [verbs.SIGNOFF_APPROVE, verbs.REVIEW_CANCEL],
            [approve, cancel],
            [LEAD, USER_AAD],
            n=2,
        )
        signed = audited(j, "return.signed_off") - before[0]
        cancelled = audited(j, "review.cancelled") - before[1]
        [review] = j.rows(t.Review)
        [ret] = j.rows(t.PreAnalysisReturn)
        if signed:
            assert (signed, cancelled) == (1, 0), texts
            assert (review.stage, ret.status) == ("analysis", "signed_off")
            assert STALE_MESSAGE in texts[1], "the chair is shown the review as it is now"
        else:
            assert (signed, cancelled) == (0, 1), texts
            assert (review.stage, ret.status) == ("cancelled", "submitted")
            assert "has been cancelled, so its returns aren't signed off" in texts[0], texts[0]
        outcomes.add(bool(signed))
    assert outcomes, "every round had an outcome"


SAVE_SUBMIT_ROUNDS = 8


@races()
async def test_a_save_racing_a_submit_never_submits_a_flagged_answer(world: Journey) -> None:
    """A co-writer saves a flagged answer as the practitioner submits. Submit needs every
    flagged answer mended or ticked, and a submitted return holds nothing (domain/returns.py
    held_for), so a flagged answer saved in the submit's milliseconds would be shown unheld.
    The save holds the return's row before it reads it, as the submit does (domain/holds.py):
    on PostgreSQL one waits for the other, and either the submit finds the flagged answer and
    is refused, or the save finds the return submitted and is refused, saying so."""
    j = world
    _, return_id = await _complete_return(j)
    involvement = next(i for i, s in enumerate(BANK_SECTIONS) if s.id == "involvement")
    typed = {**valid_answers(BANK_SECTIONS[involvement]), "family_members": NAMED}
    for _ in range(SAVE_SUBMIT_ROUNDS):
        revision = _reopen(j, return_id)
        overview = await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
        submit = button_data(overview["value"], verbs.RETURN_SUBMIT)
        save = {"return_id": return_id, "section": involvement, **typed}
        save["revs"] = {"family_members": revision}
        texts = await race(
            j,
            [verbs.RETURN_SAVE, verbs.RETURN_SUBMIT],
            [save, submit],
            [COLLEAGUE, PRACTITIONER],
            n=2,
        )
        [ret] = j.rows(t.PreAnalysisReturn)
        answer = _family_members(j)
        if ret.status == "submitted":
            assert answer.value != NAMED, "submitted with a flagged answer saved meanwhile"
            assert "was submitted" in texts[0], texts[0]
        else:
            assert (answer.value, answer.identifier_warning_confirmed) == (NAMED, False)
            assert "Saved as a draft" in texts[0], texts[0]
            assert "isn't ready to submit" in texts[1], texts[1]


REMOVAL_SAVE_ROUNDS = 8
TAKES = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


@races()
async def test_a_removal_racing_a_save_never_keeps_an_answer_from_someone_without_access(
    world: Journey,
) -> None:
    """The chair takes a co-writer off the return (reassign, replacing) as they save. Taking
    someone off never wrote the return's row, so on PostgreSQL their save, holding the row,
    could read them as a writer and write after the removal was made. Every change to who may
    write a return holds its row first (domain/holds.py): either the save went first, its
    answer written before the removal, or it comes after, finds them no longer a writer and
    is refused as any such save is, with what they typed given back."""
    j = world
    _, return_id = await _complete_return(j)
    involvement = next(i for i, s in enumerate(BANK_SECTIONS) if s.id == "involvement")
    plain = valid_answers(BANK_SECTIONS[involvement])
    colleague = _id(j, COLLEAGUE)
    take_off = {"return_id": return_id, "assignees": PRACTITIONER, "replace": "true"}
    for take in TAKES[:REMOVAL_SAVE_ROUNDS]:
        revision = _put_back(
            j, return_id, t.ReturnAssignee(return_id=return_id, member_id=colleague)
        )
        typed = f"{plain['family_members']} Seen again, the {take} time."
        save = {"return_id": return_id, "section": involvement, **plain, "family_members": typed}
        save["revs"] = {"family_members": revision}
        texts = await race(
            j,
            [verbs.RETURN_SAVE, verbs.RETURN_REASSIGN],
            [save, take_off],
            [COLLEAGUE, USER_AAD],
            n=2,
        )
        assert [a.member_id for a in j.rows(t.ReturnAssignee)] == [_id(j, PRACTITIONER)]
        answer = _family_members(j)
        if answer.updated_by == colleague:
            assert answer.value == typed
            assert answer.updated_at < _last_at(j, "return.reassigned"), "saved after taken off"
        else:
            assert answer.value == plain["family_members"]
            assert "isn't one you can open" in texts[0], texts[0]
            assert json.loads(texts[0])["type"] == MESSAGE, texts[0]


LEAD_SAVE_ROUNDS = 16
LEAD_SAVE_STEP = 0.003


@races()
async def test_a_lead_role_removal_racing_the_leads_save_never_keeps_their_answer(
    world: Journey,
) -> None:
    """The admin takes the agency_lead role off the police lead (the member card) as the lead
    saves an answer on a police return they aren't assigned to. The save reads who spoke at
    the turn's start, before its hold of the return, and the member edit held no return, so
    on PostgreSQL the save could write after the removal was made. A change of an agency's
    leads now holds its open returns first, and a writer whose access rests on leading the
    agency is read again once the return is held (domain/holds.py): either the save went
    first, or it is refused as any non-writer's save is, with what was typed given back."""
    j = world
    _, return_id = await _complete_return(j)
    involvement = next(i for i, s in enumerate(BANK_SECTIONS) if s.id == "involvement")
    plain = valid_answers(BANK_SECTIONS[involvement])
    lead = _id(j, LEAD)
    police = police_id(j)
    name = next(m.display_name for m in j.rows(t.Member) if m.id == lead)
    take_off = {"member_id": lead, "display_name": name, "agency": police, "roles": ""}
    for take in range(1, LEAD_SAVE_ROUNDS + 1):
        revision = _put_back(j, return_id, t.MemberRole(member_id=lead, role="agency_lead"))
        typed = f"{plain['family_members']} Seen again, visit {take}."
        save = {"return_id": return_id, "section": involvement, **plain, "family_members": typed}
        save["revs"] = {"family_members": revision}
        # The removal sent from 45 ms before the save to with it, a step a round, so the
        # rounds sweep its commit across the save's turn: on PostgreSQL the code before its
        # hold let 7 of the 16 saves cross it, on each platform.
        lag = (take - LEAD_SAVE_ROUNDS) * LEAD_SAVE_STEP
        texts = await race(
            j,
            [verbs.RETURN_SAVE, verbs.MEMBER_SAVE],
            [save, take_off],
            [LEAD, USER_AAD],
            n=2,
            delays=[max(-lag, 0.0), max(lag, 0.0)],
        )
        assert not [r for r in j.rows(t.MemberRole) if r.member_id == lead]
        answer = _family_members(j)
        if answer.updated_by == lead:
            assert answer.value == typed
            assert answer.updated_at < _last_at(j, "member.role_revoked"), f"visit {take}: crossed"
        else:
            assert answer.value == plain["family_members"]
            assert "isn't one you can open" in texts[0], texts[0]
            assert json.loads(texts[0])["type"] == MESSAGE, texts[0]


def _put_back(j: Journey, return_id: int, access: SQLModel) -> int:
    """The writer's access (an assignment, a role) given back, and "family_members" the
    practitioner's plain answer: the answer's revision now."""
    revision = _reopen(j, return_id)
    practitioner = _id(j, PRACTITIONER)
    with j.bot.db.session() as session, session.begin():
        session.merge(access)  # added, or kept as it is
        answer = session.scalars(
            select(t.Answer).where(
                col(t.Answer.return_id) == return_id, col(t.Answer.question_id) == "family_members"
            )
        ).one()
        answer.updated_by = practitioner
    return revision


def _last_at(j: Journey, action: str) -> Any:
    """When the last audit row of `action` was written."""
    with j.bot.db.session() as session:
        return session.scalars(
            select(t.AuditEvent.at)
            .where(t.AuditEvent.action == action)
            .order_by(col(t.AuditEvent.id).desc())
        ).first()


def _family_members(j: Journey) -> t.Answer:
    return next(a for a in j.rows(t.Answer) if a.question_id == "family_members")


def _reopen(j: Journey, return_id: int) -> int:
    """Back to a complete return in progress whose "family_members" is plain again: the
    answer's revision now."""
    plain = valid_answers(next(s for s in BANK_SECTIONS if s.id == "involvement"))
    with j.bot.db.session() as session, session.begin():
        ret = session.get_one(t.PreAnalysisReturn, return_id)
        ret.status, ret.submitted_at, ret.submitted_by = "in_progress", None, None
        answer = session.scalars(
            select(t.Answer).where(
                col(t.Answer.return_id) == return_id, col(t.Answer.question_id) == "family_members"
            )
        ).one()
        answer.value, answer.identifier_warning_confirmed = plain["family_members"], False
        answer.revision += 1
        return answer.revision


def _reset_to_submitted(j: Journey, review_id: int, return_id: int) -> None:
    """Back to a submitted return on a review in pre-analysis, for another round."""
    with j.bot.db.session() as session, session.begin():
        review = session.get_one(t.Review, review_id)
        review.stage, review.cancelled_reason, review.cancelled_from = "pre_analysis", None, None
        ret = session.get_one(t.PreAnalysisReturn, return_id)
        ret.status, ret.signed_off_at, ret.signed_off_by = "submitted", None, None


def _id(j: Journey, aad: str) -> int:
    return next(m.id for m in j.rows(t.Member) if m.aad_object_id == aad)


# --- set-up (admin) -------------------------------------------------------------------------


@races(verbs.AGENCY_SAVE, verbs.MEMBER_SAVE, verbs.POLICY_SAVE, verbs.RETENTION_SAVE)
async def test_racing_admins_add_one_agency_and_one_member(world: Journey) -> None:
    j = world
    # One name typed several ways: the same agency, ignoring case and spacing.
    names = ["Demo Probation", "demo probation ", "DEMO  Probation"] * (RACERS // 3)
    texts = await race(
        j, verbs.AGENCY_SAVE, [{"name": name, "sector": "probation"} for name in names]
    )
    assert len([a for a in j.rows(t.Agency) if a.name_key == "demo probation"]) == 1
    assert sum("already exists" in text for text in texts) == RACERS - 1
    assert audited(j, "agency.created") == 1

    stranger = "66666666-6666-4666-8666-666666666666"
    texts = await race(
        j,
        verbs.MEMBER_SAVE,
        {"display_name": "New Person", "aad_object_id": stranger, "roles": "manager"},
    )
    assert len([m for m in j.rows(t.Member) if m.aad_object_id == stranger]) == 1
    assert sum("already has that AAD object id" in text for text in texts) == RACERS - 1
    assert audited(j, "member.added") == 1

    await race(
        j,
        verbs.POLICY_SAVE,
        [
            {"reminder_days_before": str(days), "overdue_every": "2", "escalate_after": "1"}
            for days in range(1, RACERS + 1)
        ],
    )
    await race(
        j,
        verbs.RETENTION_SAVE,
        [{"closed_review_months": str(60 + n), "export_file_days": "14"} for n in range(RACERS)],
    )


@races(verbs.MEMBER_END_ACCESS, verbs.MEMBER_RESTORE)
async def test_racing_admins_end_access_once_and_restore_it_once(world: Journey) -> None:
    j = world
    leaver = "77777777-7777-4777-8777-777777777777"
    await j.act(
        verbs.MEMBER_SAVE,
        {"display_name": "Leaving Person", "aad_object_id": leaver, "roles": "practitioner"},
    )
    member_id = _id(j, leaver)
    ending = {"member_id": member_id, "reason": "Left the agency."}
    texts = await race(j, verbs.MEMBER_END_ACCESS, ending)
    assert audited(j, "member.access_ended") == 1
    assert sum("access ended." in text for text in texts) == 1
    assert not next(m for m in j.rows(t.Member) if m.id == member_id).active
    await race(j, verbs.MEMBER_RESTORE, {"member_id": member_id})
    assert audited(j, "member.access_restored") == 1
    assert next(m for m in j.rows(t.Member) if m.id == member_id).active


@races(verbs.LEGAL_HOLD_SET)
async def test_racing_legal_holds_place_it_once(world: Journey) -> None:
    j = world
    review_id, _ = await open_review(j)
    await race(j, verbs.LEGAL_HOLD_SET, {"review_id": review_id, "hold": "on", "reason": "Claim"})
    assert audited(j, "review.legal_hold_placed") == 1
    lifted = {"review_id": review_id, "hold": "off", "reason": "Claim settled"}
    await race(j, verbs.LEGAL_HOLD_SET, lifted)
    assert audited(j, "review.legal_hold_lifted") == 1


# --- the meeting, the outcome and the guide -------------------------------------------------


@races(
    verbs.OUTCOME_SAVE,
    verbs.ACTION_SAVE,
    verbs.ACTION_REMOVE,
    verbs.OUTCOME_PUBLISH,
    verbs.GUIDE,
    verbs.GUIDE_SAVE,
    verbs.GUIDE_SUBMIT,
    verbs.GUIDE_SEND_BACK,
    verbs.GUIDE_APPROVE,
    verbs.GUIDE_REVISE,
    verbs.GUIDE_USAGE_SAVE,
)
async def test_one_outcome_is_published_and_one_guide(world: Journey) -> None:
    j = world
    review_id = await signed_off_review(j)
    await race(
        j,
        verbs.OUTCOME_SAVE,
        {
            "review_id": review_id,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    assert len(j.rows(t.MeetingOutcome)) == 1

    action = {"review_id": review_id, **good_action(police_id(j))}
    await race(j, verbs.ACTION_SAVE, action)
    [outcome] = j.rows(t.MeetingOutcome)
    assert len(outcome.draft_actions) == RACERS, "no add lost to another"
    first = draft_key(j, 0)
    await race(j, verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": first}, n=2)
    [outcome] = j.rows(t.MeetingOutcome)
    assert len(outcome.draft_actions) == RACERS - 1, "the item named, once"
    assert first not in {d["key"] for d in outcome.draft_actions}

    j.bot.connector.clear()
    texts = await race(
        j,
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": review_id,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    assert len(accepted(texts)) == 1
    assert sum("already published" in text for text in texts) == RACERS - 1
    assert audited(j, "outcome.published") == 1
    assert len(j.rows(t.ActionItem)) == RACERS - 1, "the action items once"

    await race(j, verbs.GUIDE, {"review_id": review_id})
    assert len(j.rows(t.SevenMinuteGuide)) == 1
    assert audited(j, "guide.drafted") == 1
    # Box 7 as drafted lists every action item, too many lines to print on the one page
    # (guide.too_long_for_one_page, asked before approval): the chair shortens it.
    short_box_7 = {"review_id": review_id, "part_6": "Each agency acts on its item by March 2027."}
    await race(j, verbs.GUIDE_SAVE, short_box_7)
    texts = await race(j, verbs.GUIDE_SUBMIT, {"review_id": review_id})
    assert len(accepted(texts)) == 1
    assert audited(j, "guide.submitted") == 1
    make_lic_member(j, COLLEAGUE)
    make_lic_member(j, LEAD)
    two_approvers = [COLLEAGUE if n % 2 else LEAD for n in range(RACERS)]
    notes = [guide_shown(j.bot, review_id, reason=f"Change box {n}.") for n in range(RACERS)]
    texts = await race(j, verbs.GUIDE_SEND_BACK, notes, two_approvers)
    assert len(accepted(texts)) == 1
    assert audited(j, "guide.sent_back") == 1
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    texts = await race(j, verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), two_approvers)
    assert len(accepted(texts)) == 1
    assert audited(j, "guide.published") == 1
    assert [v.version for v in j.rows(t.GuideVersion)] == [1], "one version, once"
    texts = await race(j, verbs.GUIDE_REVISE, {"review_id": review_id})
    assert len(accepted(texts)) == 1
    assert audited(j, "guide.revised") == 1
    usage = {"review_id": review_id, "used_on": "2026-11-20", "staff_count": "12"}
    await race(j, verbs.GUIDE_USAGE_SAVE, [{**usage, "team": f"Team {n}"} for n in range(RACERS)])
    assert len(j.rows(t.DisseminationReturn)) == RACERS, "each team's return, once"


# --- action items ---------------------------------------------------------------------------


@races(
    verbs.ACTION_PROGRESS,
    verbs.ACTION_NEW_DATE,
    verbs.DATE_APPROVE,
    verbs.DATE_DECLINE,
    verbs.ACTION_BLOCKED,
    verbs.ACTION_COMPLETE,
    verbs.IMPACT_RECORD,
)
async def test_racing_updates_move_an_action_item_once(world: Journey) -> None:
    j = world
    item_id = await _published_item(j)
    item = {"action_id": item_id}
    notes = [{**item, "note": f"Step {n}"} for n in range(RACERS)]
    texts = await race(j, verbs.ACTION_PROGRESS, notes, PRACTITIONER)
    assert len(accepted(texts)) == RACERS, "every note is kept"
    assert len([p for p in _progress(j) if p.kind == "progress"]) == RACERS
    assert _status_changes(j) == ["in_progress"]

    request = {**item, "reason": "Staff off", "proposed_due_on": "2099-06-30"}
    await j.act(verbs.ACTION_NEW_DATE, request, PRACTITIONER)
    decision = {**item, "request_id": waiting_request(j, item_id)}
    half = RACERS // 2
    decided = await race(j, [verbs.DATE_APPROVE, verbs.DATE_DECLINE] * half, decision)
    assert audited(j, "action.date_approved") + audited(j, "action.date_declined") == 1
    assert sum("already decided" in text or "last was decided" in text for text in decided) >= 1
    await race(j, verbs.ACTION_NEW_DATE, request, PRACTITIONER)
    assert audited(j, "action.date_requested") == 1 + RACERS

    texts = await race(j, verbs.ACTION_BLOCKED, {**item, "reason": "No tool"}, PRACTITIONER)
    assert len(accepted(texts)) == 1
    assert _status_changes(j) == ["in_progress", "blocked"]
    await j.act(verbs.ACTION_PROGRESS, {**item, "note": "Tool arrived"}, PRACTITIONER)
    texts = await race(j, verbs.ACTION_COMPLETE, {**item, "evidence": "Audit done"}, PRACTITIONER)
    assert len(accepted(texts)) == 1
    assert _status_changes(j) == ["in_progress", "blocked", "in_progress", "completed"]

    impact = {
        **item,
        "how_much": "20 audited",
        "how_well": "All in time",
        "better_off": "Yes",
        "decision": "close",
    }
    texts = await race(j, verbs.IMPACT_RECORD, impact)
    assert len(accepted(texts)) == 1
    assert len(j.rows(t.ImpactRecord)) == 1
    assert _status_changes(j)[-1] == "closed"
    assert j.rows(t.Review)[0].stage == "closed"
    assert audited(j, "review.stage_changed") == 2, "to analysis, then closed, each once"


@races(verbs.IMPACT_RECORD)
async def test_racing_distinct_impact_records_keep_one_decision(world: Journey) -> None:
    """Each LIC member's distinct record (a keep-open among escalates): one is stored, and
    every other is told the item changed since they opened it."""
    j = world
    item_id = await _published_item(j)
    item = {"action_id": item_id}
    await j.act(verbs.ACTION_PROGRESS, {**item, "note": "Started"}, PRACTITIONER)
    await j.act(verbs.ACTION_COMPLETE, {**item, "evidence": "Audit done"}, PRACTITIONER)
    records = [
        {
            **item,
            "how_much": f"{10 + n} audited",
            "how_well": "Some late",
            "better_off": "Not yet",
            "decision": "keep_open" if n == 0 else "escalate",
        }
        for n in range(RACERS)
    ]
    texts = await race(j, verbs.IMPACT_RECORD, records)
    assert len(accepted(texts)) == 1
    assert len(j.rows(t.ImpactRecord)) == 1, "one current decision per completion"
    assert audited(j, "action.impact_recorded") == 1
    assert sum("changed since you opened it" in text for text in texts) == RACERS - 1
    if j.rows(t.ImpactRecord)[0].decision == "escalate":
        stale = await j.act(verbs.IMPACT_RECORD, records[1])
        assert "changed since you opened it" in json.dumps(stale)
        assert len(j.rows(t.ImpactRecord)) == 1, "a stale impact card later changes nothing"


@races(verbs.ACTION_SET_DATE, verbs.ACTION_NOT_ACHIEVABLE, verbs.ACTION_REOPEN)
async def test_racing_chair_decisions_decide_an_escalated_item_once(world: Journey) -> None:
    j = world
    item_id = await _published_item(j)
    item = {"action_id": item_id}
    await j.act(verbs.ACTION_COMPLETE, {**item, "evidence": "Audit done"}, PRACTITIONER)
    impact = {
        **item,
        "how_much": "20 audited",
        "how_well": "Few in time",
        "better_off": "Not yet",
        "decision": "escalate",
    }
    await j.act(verbs.IMPACT_RECORD, impact)
    assert _status_changes(j)[-1] == "escalated"
    decision = {**item, "reason": "The chair's decision", "due_on": "2099-09-30"}
    chair_verbs = [verbs.ACTION_SET_DATE, verbs.ACTION_NOT_ACHIEVABLE, verbs.ACTION_REOPEN]
    texts = await race(j, chair_verbs * (RACERS // 3), decision)
    decided = ("action.date_set", "action.not_achievable", "action.reopened")
    assert sum(audited(j, action) for action in decided) == 1, "one decision"
    assert _status_changes(j)[-2] in ("escalated",), "one move out of escalated"
    assert _status_changes(j)[-1] in ("in_progress", "cancelled")
    assert sum("already decided" in text for text in texts) >= 1, "the others are told"


@races(verbs.ACTION_REASSIGN, verbs.ACTION_AMEND, verbs.ACTION_CANCEL)
async def test_racing_chair_controls_on_a_live_item(world: Journey) -> None:
    j = world
    item_id = await _published_item(j)
    item = {"action_id": item_id}
    amend = {**item, "new_description": "Audit 30 referrals.", "reason": "Scope agreed"}
    texts = await race(j, verbs.ACTION_AMEND, amend)
    assert audited(j, "action.amended") == 1, "the same change once"
    assert len(accepted(texts)) >= 1
    reassign = {**item, "owner": COLLEAGUE, "reason": "Leads the audit team now"}
    await race(j, verbs.ACTION_REASSIGN, reassign)
    assert audited(j, "action.reassigned") == 1, "given to the colleague once"
    texts = await race(j, verbs.ACTION_CANCEL, {**item, "reason": "Duplicates A2"})
    assert audited(j, "action.cancelled") == 1
    assert _status_changes(j)[-1] == "cancelled"
    assert sum("already cancelled" in text for text in texts) >= 1, "the others are told"


@races(verbs.ACTION_LEAD_REASSIGN)
async def test_racing_lead_reassigns_give_the_item_once(world: Journey) -> None:
    """The agency lead's reassign takes the chair's steps: held, so racers queue, and each
    after the first finds the colleague already owns it, or that the owner has changed."""
    j = world
    item_id = await _published_item(j)
    with j.bot.db.session() as session, session.begin():
        police = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Police")).one()
        lead = session.scalars(select(t.Member).where(t.Member.aad_object_id == LEAD)).one()
        lead.agency_id = police.id
    reassign = {"action_id": item_id, "owner": COLLEAGUE, "reason": "Runs the audit team now"}
    texts = await race(j, verbs.ACTION_LEAD_REASSIGN, reassign, LEAD)
    assert audited(j, "action.reassigned") == 1, "given to the colleague once"
    assert sum("already own" in text for text in texts) >= 1, "the others are told"


SPLIT = {
    "a_description": "Audit 20 police referrals against the pathway.",
    "a_owner": PRACTITIONER,
    "a_due_on": "2099-06-30",
    "a_measure": "90% escalated within 5 working days",
    "b_description": "Train the front desk on the pathway.",
    "b_owner": COLLEAGUE,
    "b_due_on": "2099-07-31",
    "b_measure": "Every front-desk officer trained",
    "reason": "Two teams do the two halves",
}


@races(verbs.ACTION_SPLIT)
async def test_racing_splits_split_once_and_never_share_a_number(world: Journey) -> None:
    """The same item split by several at once is split once (the others are told); two items
    of one review split at once take the next numbers in turn, never the same one."""
    j = world
    review_id = await signed_off_review(j)
    for _ in range(3):
        await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": review_id,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    first, second, third = sorted(j.rows(t.ActionItem), key=lambda r: r.number)
    texts = await race(j, verbs.ACTION_SPLIT, {"action_id": first.id, **SPLIT})
    assert audited(j, "action.split") == 1, "split once"
    assert len(j.rows(t.ActionItem)) == 5
    assert sum("already split" in text for text in texts) >= 1, "the others are told"
    both = [{"action_id": item.id, **SPLIT} for item in (second, third)]
    await race(j, verbs.ACTION_SPLIT, both, n=2)
    numbers = sorted(r.number for r in j.rows(t.ActionItem))
    assert numbers == list(range(1, 10)), "each new item its own next number"
    assert audited(j, "action.split") == 3


@races(
    verbs.ACTION_NUDGE,
    verbs.ACTION_PROPOSE_DATE,
    verbs.ACTION_ASK_REASSIGN,
    verbs.ACTION_COMMENT,
    verbs.ACTION_REQUEST_UPDATE,
)
async def test_racing_readers_moves_each_keep_their_message(world: Journey) -> None:
    """Readers' moves are messages: each distinct one is kept and sent, none half-written."""
    j = world
    item_id = await _published_item(j)  # the chair is an LIC member here too
    with j.bot.db.session() as session, session.begin():
        police = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Police")).one()
        lead = session.scalars(select(t.Member).where(t.Member.aad_object_id == LEAD)).one()
        lead.agency_id = police.id
    item = {"action_id": item_id}
    for verb, who, action in (
        (verbs.ACTION_NUDGE, LEAD, "action.nudged"),
        (verbs.ACTION_ASK_REASSIGN, LEAD, "action.reassign_asked"),
        (verbs.ACTION_PROPOSE_DATE, LEAD, "action.date_proposed"),
        (verbs.ACTION_COMMENT, USER_AAD, "action.lic_commented"),
        (verbs.ACTION_REQUEST_UPDATE, USER_AAD, "action.update_requested"),
    ):
        notes = [{**item, "note": f"Message {n}", "due_on": "2099-09-30"} for n in range(3)]
        await race(j, verb, notes, who, n=3)
        assert audited(j, action) == 3, action


# --- exports: each request is its own file --------------------------------------------------


@races(
    verbs.PACK_EXPORT,
    verbs.GUIDE_EXPORT,
    verbs.EXPORT,
    verbs.REPORT_EXPORT,
    verbs.AUDIT_EXPORT,
    verbs.FILE_CONSENT,
)
async def test_racing_exports_each_deliver_their_own_file(world: Journey) -> None:
    j = world
    [item] = await published(j)  # an outcome published, so a 7-minute guide can be drafted
    review_id = item.review_id
    await j.act(verbs.GUIDE, {"review_id": review_id})
    for verb, data in (
        (verbs.PACK_EXPORT, {"review_id": review_id, "format": "csv"}),
        (verbs.AUDIT_EXPORT, {"review_id": review_id}),
        (verbs.EXPORT, {"review_id": review_id, "format": "csv"}),
        (verbs.GUIDE_EXPORT, {"review_id": review_id}),
        (verbs.REPORT_EXPORT, {"format": "docx"}),
    ):
        before = {row.id for row in j.rows(t.ExportFile)}
        sent = len(j.bot.connector.sent)
        answers = await race(j, verb, data, n=3)
        # Each file's card is a new message (the card clicked stays): those name the files.
        assert all(SENT_BELOW in answer for answer in answers), answers
        told = [json.dumps(s.activity, ensure_ascii=False) for s in j.bot.connector.sent[sent:]]
        _own_files(j, before, told, verb)
    await race(j, verbs.FILE_CONSENT, {"token": "unknown"}, n=3)
    exports = j.bot.app[SERVICES].settings.data_dir / "exports"
    assert not list(exports.rglob("*.partial")), "no write left half done"


def _own_files(j: Journey, before: set[int], texts: Sequence[str], verb: str) -> None:
    """Each racer was told of a file of its own, on disk whole: none written over another's."""
    rows = [row for row in j.rows(t.ExportFile) if row.id not in before]
    assert len(rows) == 3, verb
    assert len({row.token for row in rows}) == 3, verb
    assert len({row.path for row in rows}) == 3, f"{verb}: two offers share one file"
    for row in rows:
        written = Path(row.path)
        assert written.read_bytes(), verb
        assert written.stat().st_size == row.size_bytes, f"{verb}: {written.name} written twice"
    told = [[row.id for row in rows if Path(row.path).name in text] for text in texts]
    assert sorted(told) == sorted([row.id] for row in rows), f"{verb}: each told of its own file"


# --- coverage -------------------------------------------------------------------------------


# --- stale cards: one revision, one save -------------------------------------------------


def _changed(texts: Sequence[str]) -> int:
    """Replies refused as stale: the current card, under "this changed since you opened it"."""
    return sum(STALE_MESSAGE in text for text in texts)


async def _race_from_one_card(
    j: Journey, opener: str, shown: dict[str, Any], verb: str, typed: Sequence[dict[str, Any]]
) -> list[str]:
    """Every racer clicks Save on a card of one revision (each with their own text, so none is
    a duplicate of another's click)."""
    reply = await j.act(opener, shown)
    assert reply["type"] == CARD, reply
    data = button_data(reply["value"], verb)
    return await race(j, verb, [{**data, **each} for each in typed])


@races()
async def test_racing_saves_from_one_revision_apply_exactly_one(world: Journey) -> None:
    """The revision is checked under the thing's row lock in the saving transaction
    (bot/freshness.py): of N saves from cards of one revision at the same moment, exactly one
    is applied and audited; the other N-1 are refused with the current card."""
    j = world
    review_id = await signed_off_review(j)
    needs = [f"Learning need {n}" for n in range(RACERS)]
    texts = await _race_from_one_card(
        j,
        verbs.OUTCOME,
        {"review_id": review_id},
        verbs.OUTCOME_SAVE,
        [{"agreed_themes": "neglect", "learning_needs": need} for need in needs],
    )
    [outcome] = j.rows(t.MeetingOutcome)
    assert outcome.learning_needs in [[need] for need in needs]
    assert (_changed(texts), audited(j, "outcome.saved")) == (RACERS - 1, 1)

    police = police_id(j)
    names = [f"Demo Constabulary {n}" for n in range(RACERS)]
    texts = await _race_from_one_card(
        j,
        verbs.AGENCY_FORM,
        {"agency_id": police},
        verbs.AGENCY_SAVE,
        [{"sector": "police", "name": name} for name in names],
    )
    assert next(a.name for a in j.rows(t.Agency) if a.id == police) in names
    assert (_changed(texts), audited(j, "agency.updated")) == (RACERS - 1, 1)

    months = [str(73 + n) for n in range(RACERS)]
    texts = await _race_from_one_card(
        j,
        verbs.RETENTION,
        {},
        verbs.RETENTION_SAVE,
        [
            {"closed_review_months": m, "export_file_days": "7", "chaser_log_months": "12"}
            for m in months
        ],
    )
    kept = j.rows(t.Partnership)[0].settings["retention"]["closed_review_months"]
    assert str(kept) in months
    assert (_changed(texts), audited(j, "retention.saved")) == (RACERS - 1, 1)

    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police)})
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": review_id,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    texts = await _race_from_one_card(
        j,
        verbs.GUIDE,
        {"review_id": review_id},
        verbs.GUIDE_SAVE,
        [{"part_1": f"Why it matters, take {n}."} for n in range(RACERS)],
    )
    [guide] = j.rows(t.SevenMinuteGuide)
    stored = json.dumps(guide.sections)
    assert sum(f"Why it matters, take {n}." in stored for n in range(RACERS)) == 1
    assert (_changed(texts), audited(j, "guide.edited")) == (RACERS - 1, 1)


def test_every_state_changing_verb_has_a_race_case() -> None:
    missing = verbs.ALL - READ_ONLY - RACED
    assert not missing, f"add a race case to tests/behaviour/test_races.py for {sorted(missing)}"
    assert not READ_ONLY & RACED, "a verb is either read-only or raced"


# --- helpers --------------------------------------------------------------------------------


def _episode_answers(index: int) -> dict[str, Any]:
    return valid_answers(BANK_SECTIONS[index])


async def _complete_return(j: Journey) -> tuple[int, int]:
    review_id, return_id = await open_review(j)
    for index, section in enumerate(BANK_SECTIONS):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    return review_id, return_id


async def _published_item(j: Journey) -> int:
    review_id = await signed_off_review(j)
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": review_id,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        session.add(t.MemberRole(member_id=chair.id, role="lic_member"))
    [item] = j.rows(t.ActionItem)
    assert item.id is not None
    return item.id


def _progress(j: Journey) -> list[t.ProgressEntry]:
    return j.rows(t.ProgressEntry)


def _status_changes(j: Journey) -> list[str]:
    with j.bot.db.session() as session:
        afters = session.scalars(
            select(t.AuditEvent.after)
            .where(t.AuditEvent.action == "action.status_changed")
            .order_by(t.AuditEvent.id)
        ).all()
    return [str(after["status"]) for after in afters if after]
