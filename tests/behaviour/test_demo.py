"""Issue 14, item 6: the demo walks every journey. `lineofsight demo` builds one review at each
stage through the domain, loading twice changes nothing (also on a demo an older release left,
and after a demo review is renamed), and the Playground user can act in every one of them
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from cards import verbs
from cards.common import card_nodes
from cards.returns import COMMENTS_NOT_HERE, READ_BESIDE_LEAVES_COMMENTS
from storage import tables as t
from storage.demo import DEMO_KEY, load_demo
from storage.demo_journeys import STORIES
from tests.support.activities import TENANT, USER_AAD
from tests.support.core import CoreBot
from tests.support.journey import CARD, Journey, button_data, card_verbs

STAGES = {
    "LOS-2026-001": "pre_analysis",
    "LOS-2026-002": "pre_analysis",
    "LOS-2026-003": "analysis",
    "LOS-2026-004": "actions_open",
    "LOS-2026-005": "actions_open",
    "LOS-2026-006": "closed",
}


@pytest.fixture
def demo(bot: CoreBot) -> tuple[Journey, str]:
    """The demo loaded into the bot's database (SQLite, then PostgreSQL), and its URL."""
    url = bot.core.services.settings.database_url
    load_demo(url, TENANT, USER_AAD)
    return Journey(bot), url


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


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
    # Every open item and every return still owed has its next chaser planned, as the bot
    # plans a real one's after each move (new-user walk L13), and none the minute it loads.
    loaded = max(a.status_changed_at for a in items.values() if a.status_changed_at)
    open_items = [a for a in items.values() if a.status in ("open", "in_progress", "blocked")]
    assert open_items, "the demo has open items to chase"
    for item in open_items:
        assert item.next_chase_at is not None, f"{item.reference} has no chaser planned"
        assert _naive(item.next_chase_at) > _naive(loaded)
    owed = [r for r in returns if r.status in ("not_started", "in_progress")]
    assert owed, "the demo has returns still owed"
    assert all(r.next_chase_at is not None for r in owed)
    assert items["LOS-2026-006/A1"].next_chase_at is None, "a closed item chases nobody"
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
    # Returns awaiting sign-off: Alex signs off for Demo Police; covering two more agencies as
    # their lead adds nothing the stories left waiting (only the Demo Police return waits).
    j.bot.connector.clear()
    await j.say("sign-offs")
    waiting = j.bot.connector.cards()[-1]
    assert "LOS-2026-002" in json.dumps(waiting)
    assert card_verbs(waiting).count(verbs.SIGNOFF_OPEN) == 1
    covered = {c.agency_id for c in j.rows(t.AgencyLeadCover)}
    names = {a.id: a.name for a in j.rows(t.Agency)}
    assert {names[a] for a in covered} == {"Demo Children's Social Care", "Demo Primary School"}
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


def _as_an_older_release_left_it(j: Journey) -> None:
    """The demo as the release before keyed stories left it: no key recorded, and the stories
    after the first named Child L to Child Q."""
    earlier = {s.pseudonym: s.earlier[0] for s in STORIES if s.earlier}
    with j.bot.db.session() as session, session.begin():
        partnership = session.scalars(select(t.Partnership)).one()
        settings = dict(partnership.settings or {})
        assert set(settings.pop(DEMO_KEY)) == {s.key for s in STORIES}
        partnership.settings = settings
        for review in session.scalars(select(t.Review)):
            review.pseudonym = earlier.get(review.pseudonym, review.pseudonym)


async def test_continue_on_a_review_leads_with_the_sign_off_waiting_for_you(
    demo: tuple[Journey, str],
) -> None:
    """`continue LOS-2026-002` (seventh session's Left list, walk8): Alex reads Demo Children's
    Social Care's return there, not yet started by its writer, as the lead covering it; Demo
    Police's return on the same review waits for his sign-off. What he acts on leads: the
    sign-off card, with the return he only reads offered beside it, whose overview says what
    is not answered yet plainly (no red "to answer": he has nothing to answer)."""
    j, _ = demo
    j.bot.connector.clear()
    await j.say("continue LOS-2026-002")
    card = j.bot.connector.cards()[-1]
    shown = json.dumps(card, ensure_ascii=False)
    assert "Return for sign-off" in shown
    assert "Demo Police return" in shown
    assert verbs.SIGNOFF_APPROVE in shown
    assert (
        "You can also read the Demo Children's Social Care return on LOS-2026-002, which its "
        "practitioners write. Where it stands: not started." in shown
    )
    title = "Read the Demo Children's Social Care return"
    reads = [
        b for b in _actions(card) if b.get("verb") == verbs.RETURN_OPEN and b["title"] == title
    ]
    assert len(reads) == 1
    # Opened from its own button, the return he reads says the sign-off waits beside it too.
    read = await j.card(verbs.RETURN_OPEN, reads[0]["data"])
    assert "Return not started yet" in read  # nothing of it is saved in the demo
    assert "not answered yet" in read
    assert "to answer" not in read
    assert "The Demo Police return on LOS-2026-002 is waiting for your sign-off." in read
    opens = [
        b
        for b in _actions(json.loads(read))
        if b.get("verb") == verbs.SIGNOFF_OPEN
        and b["title"] == "Open the Demo Police sign-off card"
    ]
    assert len(opens) == 1
    signoff = await j.card(verbs.SIGNOFF_OPEN, opens[0]["data"])
    assert "Demo Police" in signoff
    assert verbs.SIGNOFF_APPROVE in signoff
    # A review with nothing of his waiting: nothing said (LOS-2026-001, where he writes the
    # police return and reads two more as the lead covering them: the list of the three,
    # the one he writes first).
    j.bot.connector.clear()
    await j.say("continue LOS-2026-001")
    listed = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert all(f"{agency} · " in listed for agency in _ALEX_ON_001), listed[:600]
    assert listed.index("Demo Police · ") < listed.index("Demo Children's Social Care · ")
    assert "waiting for your sign-off" not in listed


async def test_continue_on_a_review_whose_returns_are_all_signed_off_says_so(
    demo: tuple[Journey, str],
) -> None:
    """walk8: `continue LOS-2026-003` (analysis, every return signed off) was titled "That
    didn't work". It says what is true, what happens next, and opens the meeting pack for its
    chair (Alex chairs every demo review)."""
    j, _ = demo
    j.bot.connector.clear()
    await j.say("continue LOS-2026-003")
    card = j.bot.connector.cards()[-1]
    shown = json.dumps(card, ensure_ascii=False)
    assert "That didn't work" not in shown
    assert "Every return on LOS-2026-003 is signed off" in shown
    assert "Nothing is left to write on LOS-2026-003" in shown
    assert "Next: the meeting pack" in shown
    pack = [b for b in _actions(card) if b.get("verb") == verbs.PACK]
    assert [b["title"] for b in pack] == ["Meeting pack"]
    assert "LOS-2026-003" in await j.card(verbs.PACK, pack[0]["data"])


# What Alex's `continue LOS-2026-001` lists: the return he writes and the two he reads.
_ALEX_ON_001 = ("Demo Police", "Demo Children's Social Care", "Demo Primary School")


async def test_a_lead_whose_continue_lists_several_returns_is_told_which_to_choose(
    demo: tuple[Journey, str],
) -> None:
    """Review of the eighth session: a reading lead's Save draft said "type continue
    LOS-2026-001 to open this return again", but on a review where Alex has three returns
    that lists them all. The notice now says which one to choose, and a lone one's still says
    it opens at its overview."""
    j, _ = demo
    with j.bot.db.session() as session:
        social_care = session.scalars(
            select(t.PreAnalysisReturn.id)
            .join(t.Review, t.Review.id == t.PreAnalysisReturn.review_id)
            .join(t.Agency, t.Agency.id == t.PreAnalysisReturn.agency_id)
            .where(t.Review.reference == "LOS-2026-001")
            .where(t.Agency.name == "Demo Children's Social Care")
        ).one()
    saved = await j.card(verbs.RETURN_SAVE, {"return_id": social_care, "section": 0})
    assert (
        "type continue LOS-2026-001 and choose the Demo Children's Social Care return to open "
        "it again, at its overview."
    ) in saved, saved[:800]
    assert "open this return again" not in saved


def _actions(card: dict[str, object]) -> list[dict[str, object]]:
    """Every button on a card, in its body's action sets (containers opened) or at its foot."""
    found: list[dict[str, object]] = []

    def walk(items: object) -> None:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                if item.get("type") == "ActionSet":
                    found.extend(item.get("actions", []))
                walk(item.get("items"))

    walk(card.get("body"))
    found.extend(card.get("actions", []))  # type: ignore[arg-type]
    return found


async def test_reloading_an_older_demo_twice_adds_no_second_set(
    demo: tuple[Journey, str],
) -> None:
    j, url = demo
    _as_an_older_release_left_it(j)
    # The partnership's own review, named like an old demo child, its agency not yet assigned.
    agency = next(a.id for a in j.rows(t.Agency) if a.name == "Demo Police")
    await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child L",
            "reason": "Concerns about neglect were held by two agencies.",
            "agencies": str(agency),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    before = counts(j)
    reviews = {r.id: r.reference for r in j.rows(t.Review)}
    for _ in range(2):
        assert "already loaded" in load_demo(url, TENANT, USER_AAD)
        assert counts(j) == before
    [partnership] = j.rows(t.Partnership)
    keyed = partnership.settings[DEMO_KEY]
    assert {reviews[review_id] for review_id in keyed.values()} == set(STAGES)
    own = next(r for r in j.rows(t.Review) if r.reference == "LOS-2026-007")
    own_returns = {r.id for r in j.rows(t.PreAnalysisReturn) if r.review_id == own.id}
    assert not own_returns & {a.return_id for a in j.rows(t.ReturnAssignee)}, "left to its chair"


async def test_a_renamed_demo_review_is_still_the_demo_s(demo: tuple[Journey, str]) -> None:
    j, url = demo
    review = next(r for r in j.rows(t.Review) if r.reference == "LOS-2026-003")
    card = await j.card(
        verbs.REVIEW_EDIT,
        {
            "review_id": review.id,
            "pseudonym": "Child Z",
            "reason": "Neglect concerns.",
            "meeting_on": "2099-02-08",
        },
    )
    assert "Details saved" in card
    before = counts(j)
    assert "already loaded" in load_demo(url, TENANT, USER_AAD)
    assert counts(j) == before


async def test_the_playground_user_approves_the_briefing_the_deputy_sent(
    demo: tuple[Journey, str],
) -> None:
    # Approval is by a second person, so a one-user demo needs a briefing someone else sent.
    j, _ = demo
    j.bot.connector.clear()
    await j.say("guide LOS-2026-005")
    [guide_card] = j.bot.connector.cards()
    assert verbs.GUIDE_APPROVE in card_verbs(guide_card), json.dumps(guide_card)[:600]
    reply = await j.act(verbs.GUIDE_APPROVE, button_data(guide_card, verbs.GUIDE_APPROVE))
    assert reply["type"] == CARD
    assert "Version 1" in json.dumps(reply["value"])
    [guide] = j.rows(t.SevenMinuteGuide)
    assert guide.published_at is not None


async def test_loading_again_finds_an_agency_an_admin_renamed(demo: tuple[Journey, str]) -> None:
    """Found by its exact name, a renamed "demo police" was added again and broke the key."""
    j, url = demo
    with j.bot.db.session() as session, session.begin():
        police = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Police")).one()
        police.name = "demo police"
    before = counts(j)
    load_demo(url, TENANT, USER_AAD)
    assert counts(j) == before
    assert "demo police" in {a.name for a in j.rows(t.Agency)}
    assert "Demo Police" not in {a.name for a in j.rows(t.Agency)}


async def test_the_demo_s_returns_came_in_before_they_were_due(demo: tuple[Journey, str]) -> None:
    # Stamped on the load day, every return in was late ("Returns on time 0 of 24"): now the
    # ones the stories have in were submitted before 23 November, but Demo Community Health's in
    # LOS-2026-002 (the agency the story makes late); the four of LOS-2026-001 and social
    # care's in LOS-2026-002 are still not in.
    j, _ = demo
    j.bot.connector.clear()
    await j.say("report 2026-Q4")
    shown = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert '"Returns on time"' in shown
    assert '"18 of 24 due"' in shown, shown


def _times(rows: list[object], column: str) -> dict[str, datetime]:
    return {str(r.id): _naive(getattr(r, column)) for r in rows if getattr(r, column)}  # type: ignore[attr-defined]


async def test_the_demo_s_audit_trail_tells_the_story_its_records_tell(
    demo: tuple[Journey, str],
) -> None:
    """Left at the seventh session: the audit rows were stamped when the demo was loaded, so
    `audit LOS-2026-003` showed returns submitted on the load day while the returns said 20
    November. Each story event's row now carries the event's own time, written through the
    product's own audit path (storage stamps what it writes with the story's moment)."""
    j, _ = demo
    events = j.rows(t.AuditEvent)
    [loaded] = [e for e in events if e.action == "demo.loaded"]
    story = [e for e in events if e.id < loaded.id]
    assert story
    assert all(_naive(e.at) < _naive(loaded.at) for e in story), "none is stamped at the load"
    returns = j.rows(t.PreAnalysisReturn)
    items = j.rows(t.ActionItem)
    expected = {
        ("review.created", "review"): _times(j.rows(t.Review), "created_at"),
        ("return.submitted", "pre_analysis_return"): _times(returns, "submitted_at"),
        ("return.signed_off", "pre_analysis_return"): _times(returns, "signed_off_at"),
        ("chronology.entry_added", "chronology_entry"): _times(
            j.rows(t.ChronologyEntry), "updated_at"
        ),
        ("action.completed", "action_item"): _times(items, "completed_at"),
        ("action.closed", "action_item"): _times(items, "closed_at"),
        ("action.blocked", "action_item"): _times(
            [a for a in items if a.status == "blocked"], "status_changed_at"
        ),
    }
    published = {str(o.review_id): _naive(o.published_at) for o in j.rows(t.MeetingOutcome)}
    expected[("outcome.published", "review")] = published
    checked: dict[tuple[str, str], int] = {}
    for event in story:
        action = event.action
        if action == "action.status_changed":
            action = f"action.{(event.after or {}).get('status')}"
        times = expected.get((action, event.record_type))
        if times is None or event.record_id not in times:
            continue
        assert _naive(event.at) == times[event.record_id], (action, event.record_id)
        checked[(action, event.record_type)] = checked.get((action, event.record_type), 0) + 1
    assert checked == {
        ("review.created", "review"): 6,
        ("return.submitted", "pre_analysis_return"): 19,
        ("return.signed_off", "pre_analysis_return"): 17,
        ("chronology.entry_added", "chronology_entry"): 38,
        ("outcome.published", "review"): 3,
        ("action.completed", "action_item"): 3,
        ("action.closed", "action_item"): 1,
        ("action.blocked", "action_item"): 1,
    }
    # The story's own days: the returns in on time were submitted on 20 November, the late one
    # after the due date, and nothing the stories did is dated the day the demo was loaded.
    submitted = sorted(_naive(e.at).date() for e in story if e.action == "return.submitted")
    assert submitted.count(date(2026, 11, 20)) == 18
    assert submitted[-1] > date(2026, 11, 23)
    assert _naive(loaded.at).date() not in {_naive(e.at).date() for e in story}
    # What a chair reads: `audit LOS-2026-003` newest first, its returns signed off on 24
    # November after they were submitted on 20 November.
    j.bot.connector.clear()
    await j.say("audit LOS-2026-003")
    shown = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "Tue 24 Nov 2026 at 11:45" in shown, shown[:2000]
    assert "Fri 20 Nov 2026" in shown
    load_day = _naive(loaded.at).date()
    older = shown.split("moved the review on")[1]
    assert f"{load_day:%a} {load_day.day} {load_day:%b %Y}" not in older


async def test_each_demo_action_has_its_own_measure(demo: tuple[Journey, str]) -> None:
    """Every demo action item said "90% of the cases audited show escalation within 5 working
    days", whatever it asked: each now has its own "How we'll know"."""
    j, _ = demo
    items = j.rows(t.ActionItem)
    measures = [a.success_measure for a in items]
    assert len(items) == 8
    assert len(set(measures)) == len(measures), measures
    assert all(m and any(ch.isdigit() for ch in m) for m in measures), "each is measurable"
    evidence = [p.note for p in j.rows(t.ProgressEntry) if p.kind == "completed"]
    assert len(set(evidence)) == len(evidence) == 3, evidence


def _signoff_open(card: dict[str, object], agency: str) -> dict[str, object]:
    opens = [
        b
        for b in _actions(card)
        if b.get("verb") == verbs.SIGNOFF_OPEN and b["title"] == f"Open the {agency} sign-off card"
    ]
    assert len(opens) == 1, [b.get("title") for b in _actions(card)]
    data = opens[0]["data"]
    assert isinstance(data, dict)
    return data


async def test_the_sign_off_card_offers_the_return_read_wherever_it_is_drawn(
    demo: tuple[Journey, str],
) -> None:
    """Not only where `continue` drew it (walk9): the sign-off card opened from its own button
    (here from bare `continue`, which now names sign-offs on reviews where Alex has no return
    of his own) offers the return on that review he only reads as its lead."""
    j, _ = demo
    j.bot.connector.clear()
    await j.say("continue")
    listed = j.bot.connector.cards()[-1]
    shown = json.dumps(listed, ensure_ascii=False)
    assert "The Demo Police return on LOS-2026-002 is waiting for your sign-off." in shown, shown
    signoff = json.loads(await j.card(verbs.SIGNOFF_OPEN, _signoff_open(listed, "Demo Police")))
    said = json.dumps(signoff, ensure_ascii=False)
    assert "Return for sign-off" in said
    assert "You can also read the Demo Children's Social Care return on LOS-2026-002" in said
    titles = [b.get("title") for b in _actions(signoff)]
    assert "Read the Demo Children's Social Care return" in titles
    # At a glance: the decision and the key facts first, each part behind its show-card.
    assert "Approve the Demo Police return for LOS-2026-002, or return it" in said
    assert "Parts answered" in said
    assert "Each part at a glance" in titles
    assert titles.index("Approve") < titles.index("Each part at a glance")


async def test_return_with_comments_from_a_page_answers_on_that_page(
    demo: tuple[Journey, str],
) -> None:
    """Pressed from a page of the return (no comments box there), the refusal is said near
    the page's top, under a comments box, and the lead stays on that page (walk9: the whole
    sign-off card came back, its problem at the foot)."""
    j, _ = demo
    j.bot.connector.clear()
    await j.say("continue LOS-2026-002")
    card = j.bot.connector.cards()[-1]
    full = [b for b in _actions(card) if b.get("title") == "Read the full return"]
    page = json.loads(await j.card(verbs.RETURN_OPEN, full[0]["data"]))  # type: ignore[arg-type]
    assert "Section 1 of" in json.dumps(page)
    back = [b for b in _actions(page) if b.get("title") == "Return with comments"]
    assert len(back) == 1
    answer = json.loads(await j.card(verbs.SIGNOFF_RETURN, back[0]["data"]))  # type: ignore[arg-type]
    said = json.dumps(answer, ensure_ascii=False)
    assert "Section 1 of" in said, said[:800]
    assert "Return for sign-off" not in said
    texts = [json.dumps(e, ensure_ascii=False) for e in answer["body"]]
    box = next(i for i, e in enumerate(texts) if '"id": "comments"' in e)
    problem = next(i for i, e in enumerate(texts) if "say what the practitioner should change" in e)
    assert box <= 4, texts[:6]  # near the top, under the page's header
    assert problem == box + 1, texts[:6]  # the problem straight under the box
    assert said.count('"id": "comments"') == 1, "the page's own box moved up, not drawn twice"
    # Typed into that box and returned from the page: it goes back to its practitioners.
    data = {**back[0]["data"], "comments": "Please add the dates of the two visits."}  # type: ignore[dict-item]
    done = await j.card(verbs.SIGNOFF_RETURN, data)
    assert "Return sent back" in done, done[:600]


async def test_overdue_for_a_child_by_pseudonym_lists_that_review_s_items(
    demo: tuple[Journey, str],
) -> None:
    """walk10: "show me the overdue stuff for child k" was read as an agency or period called
    "stuff child k". The filler goes, the pseudonym names the review, and the card says how
    it read the words."""
    j, _url = demo
    j.bot.connector.clear()
    await j.say("show me the overdue stuff for child k")
    card = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "LOS-2026-001 · Child K" in card
    assert "I read “child k” as LOS-2026-001 · Child K." in card
    assert "Nothing is overdue." in card
    j.bot.connector.clear()
    await j.say("any overdue things for Child T?")
    later = j.bot.connector.cards()[-1]
    shown = json.dumps(later, ensure_ascii=False)
    assert "LOS-2026-004/A3" in shown
    assert "I read “child t” as LOS-2026-004 · Child T." in shown
    # An agency still reads as one, and a name that is neither says what it could be.
    j.bot.connector.clear()
    await j.say("overdue for police")
    assert "Reviews involving Demo Police" in json.dumps(j.bot.connector.cards()[-1])
    j.bot.connector.clear()
    said = json.dumps((await j.say("overdue for nobody")).sent, ensure_ascii=False)
    assert "I don't know a review, agency or period called “nobody”" in said


async def test_overdue_for_a_review_keeps_the_period_and_agency_typed_with_it(
    demo: tuple[Journey, str],
) -> None:
    """docs12: "overdue for LOS-2026-004 <period>" listed every overdue item of the review, the
    period dropped unsaid (as with an agency). Now the period keeps only the items agreed in it
    (as the dashboard counts them), the agency only its items, the card says how it read the
    words, its pages keep them; words that name nothing are said not to be used."""
    j, _url = demo
    [a3] = [a for a in j.rows(t.ActionItem) if a.reference == "LOS-2026-004/A3"]
    agreed = a3.agreed_on
    assert agreed is not None
    during = f"{agreed.year} q{(agreed.month - 1) // 3 + 1}"
    shown = f"{agreed.year} Q{(agreed.month - 1) // 3 + 1}"

    j.bot.connector.clear()
    await j.say(f"overdue for LOS-2026-004 {during}")
    card = j.bot.connector.cards()[-1]
    text = json.dumps(card, ensure_ascii=False)
    assert "LOS-2026-004/A3" in text
    assert f"as LOS-2026-004 · Child T, items agreed in {shown}." in text
    assert [a["data"].get("period") for a in card["actions"]] == [f"{agreed.year}-{shown[-2:]}"]

    j.bot.connector.clear()
    await j.say(f"what's overdue for LOS-2026-004 in {agreed.year - 3}")
    text = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "LOS-2026-004/A3" not in text
    assert "Nothing is overdue." in text
    assert f"items agreed in {agreed.year - 3}." in text

    agency = next(a.name for a in j.rows(t.Agency) if a.id == a3.agency_id)
    j.bot.connector.clear()
    await j.say(f"overdue LOS-2026-004 {agency}")
    text = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "LOS-2026-004/A3" in text
    assert f"as LOS-2026-004 · Child T, {agency}." in text

    j.bot.connector.clear()
    await j.say("overdue for LOS-2026-004 this month")
    text = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "LOS-2026-004/A3" in text, "the review's items, the words it could not read aside"
    assert "“this month” names no agency or period I know, so it wasn't used." in text
    assert "Periods look like 2026, 2026-Q3 or last quarter." in text


async def test_continue_alone_lists_returns_to_write_apart_from_those_to_sign_off(
    demo: tuple[Journey, str],
) -> None:
    """walk10: the "Your returns" chooser mixed returns written and returns to sign off. The
    Playground user writes returns and signs others off: each under its own heading, with
    its own buttons beside it."""
    j, _url = demo
    # A second return to write, so `continue` lists rather than opens the one.
    with j.bot.db.session() as session, session.begin():
        me = session.scalars(select(t.Member.id).where(t.Member.aad_object_id == USER_AAD)).one()
        mine = set(
            session.scalars(
                select(t.ReturnAssignee.return_id).where(t.ReturnAssignee.member_id == me)
            )
        )
        other = session.scalars(
            select(t.PreAnalysisReturn.id)
            .where(t.PreAnalysisReturn.status.in_(["not_started", "in_progress"]))  # type: ignore[attr-defined]
            .order_by(t.PreAnalysisReturn.id)
        ).all()
        session.add(
            t.ReturnAssignee(return_id=next(r for r in other if r not in mine), member_id=me)
        )
    j.bot.connector.clear()
    await j.say("continue")
    card = j.bot.connector.cards()[-1]
    shown = json.dumps(card, ensure_ascii=False)
    assert "Your returns" in shown
    body = json.dumps(card["body"], ensure_ascii=False)
    write, sign = body.index('"To write"'), body.index('"To sign off"')
    assert write < sign
    assert verbs.RETURN_OPEN in body[write:sign]
    assert verbs.SIGNOFF_OPEN not in body[write:sign]
    assert verbs.SIGNOFF_OPEN in body[sign:]
    assert not card.get("actions")


async def test_the_sign_off_card_leads_with_the_lead_s_own_return_and_says_comments_back(
    demo: tuple[Journey, str],
) -> None:
    """The new-user walk: `continue LOS-2026-002` opened with another agency's unstarted return
    above the Demo Police return Alex signs off, and "Read the … return" dropped what he had
    typed in the comments box without a word. His return leads (its box and start list come
    before the return he only reads, which is said to leave the comments behind), and the
    other return's card says them back to copy."""
    j, _ = demo
    j.bot.connector.clear()
    await j.say("continue LOS-2026-002")
    card = j.bot.connector.cards()[-1]
    nodes = list(card_nodes(card))
    ids = [n.get("id") for n in nodes]
    texts = [str(n.get("text", "")) for n in nodes]
    offer = next(i for i, t in enumerate(texts) if t.startswith("You can also read the Demo"))
    assert ids.index("comments") < ids.index("comment_on") < offer
    assert texts.index(READ_BESIDE_LEAVES_COMMENTS) < offer
    title = "Read the Demo Children's Social Care return"
    [read] = [b for b in _actions(card) if b.get("title") == title]
    typed = "Please add the dates of the strategy meetings."
    opened = await j.card(verbs.RETURN_OPEN, {**read["data"], "comments": typed})  # type: ignore[dict-item]
    assert "Return not started yet" in opened
    assert COMMENTS_NOT_HERE in opened
    assert typed in opened
    assert all(r.returned_comments != typed for r in j.rows(t.PreAnalysisReturn)), "nothing sent"
