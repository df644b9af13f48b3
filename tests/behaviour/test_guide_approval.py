"""Issue 18 over HTTP, on both databases: the chair drafts the 7-minute guide and sends it for
approval; a second person (an LIC group member, or the review's other chair) approves it,
which publishes a version; a revision is approved as version 2 beside version 1, never over
it; the document says which version it is and who approved it."""

from __future__ import annotations

import io
import json
from datetime import date

from docx import Document
from sqlalchemy import select, update

from cards import verbs
from domain.guide import SEND_BACK_NOTE_MAX
from domain.idempotency import STALE_MESSAGE
from domain.identifier_checks import confirm_key
from storage import tables as t
from tests.support.journey import (
    COLLEAGUE,
    LEAD,
    OUTSIDER,
    PRACTITIONER,
    Journey,
    button_data,
    guide_shown,
    make_lic_member,
    published,
    saved,
)


def guide_text(j: Journey, card: str) -> str:
    document = Document(io.BytesIO(saved(j, card, ".docx").read_bytes()))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def audit_after(j: Journey, action: str) -> list[object]:
    return [e.after for e in j.rows(t.AuditEvent) if e.action == action]


async def drafted_guide(j: Journey) -> int:
    """A published outcome, the chair's guide drafted from it, and an LIC member to approve."""
    [item] = await published(j)
    make_lic_member(j, COLLEAGUE)
    await j.act(verbs.GUIDE, {"review_id": item.review_id})
    return int(item.review_id)


async def test_a_second_person_approves_each_version_and_every_version_is_kept(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id = await drafted_guide(j)
    j.bot.connector.clear()

    card = await j.card(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    assert "Sent for approval" in card
    assert "Version 1 awaiting approval" in card
    assert "The LIC group has been asked to approve it" in card
    asked = json.dumps(j.bot.connector.cards())
    assert "Approve the 7-minute briefing" in asked, "the LIC member is asked"
    assert j.rows(t.GuideVersion) == [], "nothing is published before approval"

    refused = json.dumps(await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id)))
    assert "someone else approves it" in refused, "never the chair who sent it"
    refused = json.dumps(await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), OUTSIDER))
    assert "Approved" not in refused
    assert j.rows(t.GuideVersion) == []

    j.bot.connector.clear()
    card = await j.card(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE)
    assert "Approved: version 1 published" in card
    assert "Police Colleague approved it" in json.dumps(j.bot.connector.cards()), "chair told"
    [first] = j.rows(t.GuideVersion)
    assert (first.version, first.approver) == (1, "the LIC group")
    assert audit_after(j, "guide.published") == [{"version": 1, "approved_by": "the LIC group"}]
    text = guide_text(j, await j.download(verbs.GUIDE_EXPORT, {"review_id": review_id}))
    assert "Version 1, approved by the LIC group on" in text
    assert "DRAFT" not in text

    card = await j.card(verbs.GUIDE_REVISE, {"review_id": review_id})
    assert "Drafting version 2" in card
    edit = {"review_id": review_id, "part_0": "Revised background for version 2."}
    await j.act(verbs.GUIDE_SAVE, edit)
    text = guide_text(j, await j.download(verbs.GUIDE_EXPORT, {"review_id": review_id}))
    assert "Revised background" not in text, "downloads give the published version"
    assert "Version 1" in text

    # The deputy chair is the second chair: they approve version 2.
    make_chair(j, LEAD)
    with j.bot.db.session() as session, session.begin():
        deputy = session.scalars(select(t.Member).where(t.Member.aad_object_id == LEAD)).one()
        session.execute(update(t.Review).values(deputy_chair_member_id=deputy.id))
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    card = await j.card(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), LEAD)
    assert "Approved: version 2 published" in card
    versions = sorted(j.rows(t.GuideVersion), key=lambda v: v.version)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].approver == "a second chair of the review"
    assert "Revised background" not in json.dumps(versions[0].sections), "v1 kept as it was"
    assert "Revised background" in json.dumps(versions[1].sections)
    text = guide_text(j, await j.download(verbs.GUIDE_EXPORT, {"review_id": review_id}))
    assert "Version 2, approved by a second chair of the review on" in text
    assert "Revised background for version 2." in text


async def test_a_briefing_that_would_not_print_on_one_page_is_not_sent_for_approval(
    journey_each: Journey,
) -> None:
    """Approved words are printed as approved, so a box that would spill onto a second page
    (here 40 short lines, well under the characters a box holds) is named before approval,
    and the draft stays with the chair; readers are never refused the published version."""
    j = journey_each
    review_id = await drafted_guide(j)
    many = "\n".join(f"Point {n}." for n in range(1, 41))
    saved = await j.card(verbs.GUIDE_SAVE, {"review_id": review_id, "part_1": many})
    assert "2 · Why it matters (40 printed lines)" in saved, "said on the draft, before Send"
    j.bot.connector.clear()
    card = await j.card(verbs.GUIDE_SUBMIT, {"review_id": review_id, "part_1": many})
    assert card.count("2 · Why it matters (40 printed lines)") == 1, "said once, as the refusal"
    assert "then send it for approval" in card
    # And under the box itself, as a sign-off's problem is (the walk had to find the box).
    under = card.index("Too long for the page: 40 printed lines")
    assert card.rindex('"id": "part_1"', 0, under) > card.rindex('"id": "part_0"', 0, under)
    assert card.find('"id": "part_2"', under) > under
    assert "Sent for approval" not in card
    assert j.bot.connector.cards() == [], "no approver is asked"
    [record] = j.rows(t.SevenMinuteGuide)
    assert record.state == "draft"
    assert audit_after(j, "guide.submitted") == []

    shorter = "\n".join(f"Point {n}." for n in range(1, 9))
    card = await j.card(verbs.GUIDE_SUBMIT, {"review_id": review_id, "part_1": shorter})
    assert "Sent for approval" in card


async def test_the_chair_withdraws_to_edit_and_the_lic_group_sends_back(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id = await drafted_guide(j)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    refused = json.dumps(await j.act(verbs.GUIDE_SAVE, {"review_id": review_id, "part_0": "x"}))
    assert "sent for approval" in refused, "no edits while it waits"
    card = await j.card(verbs.GUIDE_SEND_BACK, guide_shown(j.bot, review_id))
    assert "Back with the chair as a draft" in card, "the chair withdraws without a note"
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    j.bot.connector.clear()
    note = "Box 3 repeats box 2: give the learning about escalation instead."
    await j.act(verbs.GUIDE_SEND_BACK, guide_shown(j.bot, review_id, reason=note), COLLEAGUE)
    told = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert "Police Colleague sent the briefing back to you" in told
    assert note in told, "the chair reads why"
    [guide] = j.rows(t.SevenMinuteGuide)
    assert guide.sent_back_note == note, "kept with the guide"
    assert note in await j.card(verbs.GUIDE, {"review_id": review_id}), "and on its card"
    assert [e.action for e in j.rows(t.AuditEvent) if e.action.startswith("guide.")].count(
        "guide.sent_back"
    ) == 2


async def test_a_long_send_back_note_is_warned_of_a_name_at_once(journey_each: Journey) -> None:
    """One submit, every problem (walk12): the note's length and its identifier warning."""
    j = journey_each
    review_id = await drafted_guide(j)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    note = "Ask Mrs Smith about box 3. " + "x" * SEND_BACK_NOTE_MAX
    shown = guide_shown(j.bot, review_id, reason=note)
    card = await j.card(verbs.GUIDE_SEND_BACK, shown, COLLEAGUE)
    assert f"Keep the note to {SEND_BACK_NOTE_MAX:,} characters" in card
    assert "Mrs S\u2022\u2022\u2022\u2022" in card, "the warning comes with the length"
    assert confirm_key("reason") in card
    [guide] = j.rows(t.SevenMinuteGuide)
    assert guide.state == "awaiting_approval", "not sent back"


def make_chair(j: Journey, aad: str) -> None:
    with j.bot.db.session() as session, session.begin():
        member = session.scalars(select(t.Member).where(t.Member.aad_object_id == aad)).one()
        session.add(t.MemberRole(member_id=member.id, role="chair"))


async def test_approval_and_send_back_name_the_text_they_act_on(journey_each: Journey) -> None:
    """A click that carries no revision, or an older one, approves or sends back nothing: it
    is answered with the guide as it is now."""
    j = journey_each
    review_id = await drafted_guide(j)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    older = guide_shown(j.bot, review_id, reason="Shorten box 1.")
    bare = json.dumps(await j.act(verbs.GUIDE_APPROVE, {"review_id": review_id}, COLLEAGUE))
    assert "doesn't say which version" in bare
    assert "Approve and publish" in bare, "answered with the current card"
    bare = json.dumps(
        await j.act(verbs.GUIDE_SEND_BACK, {"review_id": review_id, "reason": "x"}, COLLEAGUE)
    )
    assert "doesn't say which version" in bare
    await j.act(verbs.GUIDE_SEND_BACK, guide_shown(j.bot, review_id))  # the chair withdraws
    await j.act(verbs.GUIDE_SAVE, {"review_id": review_id, "part_0": "Newer background."})
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    for verb in (verbs.GUIDE_APPROVE, verbs.GUIDE_SEND_BACK):
        stale = json.dumps(await j.act(verb, older, COLLEAGUE), ensure_ascii=False)
        assert STALE_MESSAGE in stale
        assert "Newer background." in stale
    [guide] = j.rows(t.SevenMinuteGuide)
    assert (guide.state, j.rows(t.GuideVersion)) == ("awaiting_approval", [])


async def test_an_approver_sends_back_with_a_note_or_not_at_all(journey_each: Journey) -> None:
    j = journey_each
    review_id = await drafted_guide(j)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    card = await j.card(verbs.GUIDE, {"review_id": review_id}, COLLEAGUE)
    form = button_data(json.loads(card), verbs.GUIDE_SEND_BACK)
    empty = json.dumps(await j.act(verbs.GUIDE_SEND_BACK, {**form, "reason": " "}, COLLEAGUE))
    assert "Say what the chair should change" in empty
    named = "Spoke to Kelly Smith about box 2"
    warned = json.dumps(
        await j.act(verbs.GUIDE_SEND_BACK, {**form, "reason": named}, COLLEAGUE),
        ensure_ascii=False,
    )
    assert "K\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022" in warned, "masked by the guard"
    assert named in warned, "what was typed comes back"
    [guide] = j.rows(t.SevenMinuteGuide)
    assert (guide.state, guide.sent_back_note) == ("awaiting_approval", None)
    assert "guide.sent_back" not in [e.action for e in j.rows(t.AuditEvent)]


async def test_a_chair_who_edited_it_does_not_approve_it(journey_each: Journey) -> None:
    """Chair A edits, deputy B sends it for approval, A may not approve A's own text: a second
    pair of eyes is someone who didn't write it. An LIC member then does."""
    j = journey_each
    review_id = await drafted_guide(j)
    make_chair(j, LEAD)
    with j.bot.db.session() as session, session.begin():
        deputy = session.scalars(select(t.Member).where(t.Member.aad_object_id == LEAD)).one()
        session.execute(update(t.Review).values(deputy_chair_member_id=deputy.id))
    edit = {"review_id": review_id, "part_0": "Background, as the chair wrote it."}
    await j.act(verbs.GUIDE_SAVE, edit)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id}, LEAD)
    refused = json.dumps(await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id)))
    assert "You changed this briefing's text since its last version" in refused
    assert j.rows(t.GuideVersion) == []
    card = await j.card(verbs.GUIDE, {"review_id": review_id})
    assert "Approve and publish" not in card, "not offered to the editor either"
    card = await j.card(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE)
    assert "Approved: version 1 published" in card
    [guide] = j.rows(t.SevenMinuteGuide)
    assert guide.editors == [], "the next version starts with no editors"


def move_due_dates(j: Journey, review_id: int, due: date) -> None:
    """The review's action items are given a revised due date."""
    with j.bot.db.session() as session, session.begin():
        session.execute(
            update(t.ActionItem)
            .where(t.ActionItem.review_id == review_id)
            .values(revised_due_on=due)
        )


async def test_box_7_is_published_with_live_due_dates_and_read_by_anyone_on_the_review(
    journey_each: Journey,
) -> None:
    """The new-user walk's briefing journey: an action item's due date moves after the draft
    was sent; the approver is told, and the published version states the live date. The
    review's practitioner then opens it read-only (the draft was not theirs to see) and
    records its use; a future date is refused on the form, nothing recorded."""
    j = journey_each
    review_id = await drafted_guide(j)
    refused = json.dumps(await j.act(verbs.GUIDE, {"review_id": review_id}, PRACTITIONER))
    assert "isn't published yet" in refused, "a draft stays with its chair and approvers"
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    shown_before = guide_shown(j.bot, review_id)
    move_due_dates(j, review_id, date(2027, 5, 31))

    card = await j.card(verbs.GUIDE, {"review_id": review_id}, COLLEAGUE)
    assert "the action item is now due May 2027" in card
    assert "Approving publishes box 7 with the action items' current due dates." in card
    stale = json.dumps(await j.act(verbs.GUIDE_APPROVE, shown_before, COLLEAGUE))
    assert STALE_MESSAGE in stale, "the card drawn before the date moved is stale"
    assert j.rows(t.GuideVersion) == []
    await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE)
    [version] = j.rows(t.GuideVersion)
    assert "(by May 2027)" in json.dumps(version.sections)

    card = await j.card(verbs.GUIDE, {"review_id": review_id}, PRACTITIONER)
    assert "(by May 2027)" in card
    assert "Due date changed" not in card
    # The date moves again after publication: the reader keeps the approved words and is
    # shown the live date under them; the published record is not rewritten.
    move_due_dates(j, review_id, date(2027, 7, 30))
    card = await j.card(verbs.GUIDE, {"review_id": review_id}, PRACTITIONER)
    assert "(by May 2027)" in card
    assert "Due date changed since this version was published: now due July 2027." in card
    [version] = j.rows(t.GuideVersion)
    assert "(by May 2027)" in json.dumps(version.sections), "the record stays as approved"
    assert verbs.GUIDE_USAGE_FORM in card
    assert verbs.GUIDE_REVISE not in card, "read-only: the chair's buttons stay the chair's"
    typed = {"review_id": review_id, "team": "Locality North", "staff_count": "0"}
    form = await j.card(verbs.GUIDE_USAGE_SAVE, {**typed, "used_on": "2099-01-01"}, PRACTITIONER)
    assert "The date you used it can't be in the future." in form
    assert "Give the number of staff who took part (1 to 10,000)." in form
    assert j.rows(t.DisseminationReturn) == []
    typed |= {"used_on": "2026-11-20", "staff_count": "12"}
    card = await j.card(verbs.GUIDE_USAGE_SAVE, typed, PRACTITIONER)
    assert "Recorded. 1 team has now used this briefing." in card
    assert verbs.GUIDE_REVISE not in card

    # The chair revises: the preview names the stale line, and stops once box 7 is mended.
    await j.act(verbs.GUIDE_REVISE, {"review_id": review_id})
    preview = await j.card(verbs.GUIDE_PREVIEW, {"review_id": review_id})
    assert "The action item is now due July 2027." in preview
    [guide] = j.rows(t.SevenMinuteGuide)
    mended = guide.sections[6]["text"].replace("(by May 2027)", "(by July 2027)")
    preview = await j.card(verbs.GUIDE_PREVIEW, {"review_id": review_id, "part_6": mended})
    assert "(by July 2027)" in preview
    assert "Due date changed" not in preview
    assert "is now due" not in preview


async def test_approval_refuses_a_box_7_its_live_dates_push_off_the_page(
    journey_each: Journey,
) -> None:
    """Approving brings box 7's due dates up to date, and approved words print as they are:
    a box the longer month pushes past the page is not published (found by review)."""
    j = journey_each
    review_id = await drafted_guide(j)
    [record] = j.rows(t.SevenMinuteGuide)
    box = record.sections[6]["text"].strip()
    assert "(by March 2027)" in box
    words = "Teams read the escalation pathway together and agree who does what next. "
    padding = (words * 20)[: 649 - len(box) - 1].strip()
    full = f"{box}\n{padding}"
    assert len(full) <= 650
    card = await j.card(verbs.GUIDE_SUBMIT, {"review_id": review_id, "part_6": full})
    assert "Sent for approval" in card, card[:500]
    move_due_dates(j, review_id, date(2027, 9, 30))  # "September" is four letters longer
    refused = json.dumps(await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE))
    assert "no longer prints on one page" in refused
    assert "Send it back to the chair to shorten it." in refused
    assert j.rows(t.GuideVersion) == [], "nothing is published"


async def test_box_7_drafted_after_a_date_change_states_the_new_date_once(
    journey_each: Journey,
) -> None:
    """The walk's box 7 after an approved date change: "Demo Police: Demo Police will audit
    … by 31 March 2027 … (by May 2027)". Drafted now, the line states the item's due date
    once and its agency once; a date the chair types in their own words is named, not
    rewritten."""
    j = journey_each
    [item] = await published(j)
    with j.bot.db.session() as session, session.begin():
        agency = session.get(t.Agency, item.agency_id)
        assert agency is not None
        name = agency.name
        session.execute(
            update(t.ActionItem)
            .where(t.ActionItem.id == item.id)
            .values(
                description=f"{name} will audit 20 notifications by 31 March 2027 to check.",
                revised_due_on=date(2027, 5, 31),
            )
        )
    make_lic_member(j, COLLEAGUE)
    await j.act(verbs.GUIDE, {"review_id": item.review_id})
    [record] = j.rows(t.SevenMinuteGuide)
    box = record.sections[6]["text"]
    assert f"{name} will audit 20 notifications to check. (by May 2027)" in box
    assert "31 March" not in box
    assert f"{name}: {name}" not in box
    typed = f"{box}\nPolice audit of notifications by 31 March 2027 ({item.reference})"
    card = await j.card(verbs.GUIDE_SAVE, {"review_id": item.review_id, "part_6": typed})
    assert 'Box 7 says \\"by March 2027\\"' in card
    assert "the action item is due May 2027. Change the line" in card
    [record] = j.rows(t.SevenMinuteGuide)
    assert record.sections[6]["text"] == typed, "the chair's words are kept as typed"


async def test_a_published_outcome_opens_read_only_and_says_so(journey_each: Journey) -> None:
    """The walk's older pack card's "Record the outcome", after publishing: live boxes and
    no Save. It reads as published now, with nothing to type into."""
    j = journey_each
    [item] = await published(j)
    card = await j.card(verbs.OUTCOME, {"review_id": item.review_id})
    assert "Published on " in card
    assert "this is the record of the meeting and can't be changed here" in card
    assert "Input.Text" not in card
    assert "Input.ChoiceSet" not in card
    assert verbs.OUTCOME_SAVE not in card
