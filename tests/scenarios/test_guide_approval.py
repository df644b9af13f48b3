"""Issue 18 over HTTP, on both databases: the chair drafts the 7-minute guide and sends it for
approval; a second person (an LIC group member, or the review's other chair) approves it,
which publishes a version; a revision is approved as version 2 beside version 1, never over
it; the document says which version it is and who approved it."""

from __future__ import annotations

import io
import json

from docx import Document
from sqlalchemy import select, update

from cards import verbs
from storage import tables as t
from tests.scenarios.test_chaser_engine import published
from tests.scenarios.test_pdf_exports import saved
from tests.support.journey import COLLEAGUE, LEAD, OUTSIDER, Journey, make_lic_member


def guide_text(card: str) -> str:
    document = Document(io.BytesIO(saved(card, ".docx").read_bytes()))
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
    assert "Approve the 7-minute guide" in asked, "the LIC member is asked"
    assert j.rows(t.GuideVersion) == [], "nothing is published before approval"

    refused = json.dumps(await j.act(verbs.GUIDE_APPROVE, {"review_id": review_id}))
    assert "someone else approves it" in refused, "never the chair who sent it"
    refused = json.dumps(await j.act(verbs.GUIDE_APPROVE, {"review_id": review_id}, OUTSIDER))
    assert "Approved" not in refused
    assert j.rows(t.GuideVersion) == []

    j.bot.connector.clear()
    card = await j.card(verbs.GUIDE_APPROVE, {"review_id": review_id}, COLLEAGUE)
    assert "Approved: version 1 published" in card
    assert "Police Colleague approved it" in json.dumps(j.bot.connector.cards()), "chair told"
    [first] = j.rows(t.GuideVersion)
    assert (first.version, first.approver) == (1, "the LIC group")
    assert audit_after(j, "guide.published") == [{"version": 1, "approved_by": "the LIC group"}]
    text = guide_text(await j.card(verbs.GUIDE_EXPORT, {"review_id": review_id}))
    assert "Version 1, approved by the LIC group on" in text
    assert "DRAFT" not in text

    card = await j.card(verbs.GUIDE_REVISE, {"review_id": review_id})
    assert "Drafting version 2" in card
    edit = {"review_id": review_id, "part_0": "Revised background for version 2."}
    await j.act(verbs.GUIDE_SAVE, edit)
    text = guide_text(await j.card(verbs.GUIDE_EXPORT, {"review_id": review_id}))
    assert "Revised background" not in text, "downloads give the published version"
    assert "Version 1" in text

    # The deputy chair is the second chair: they approve version 2.
    make_chair(j, LEAD)
    with j.bot.db.session() as session, session.begin():
        deputy = session.scalars(select(t.Member).where(t.Member.aad_object_id == LEAD)).one()
        session.execute(update(t.Review).values(deputy_chair_member_id=deputy.id))
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    card = await j.card(verbs.GUIDE_APPROVE, {"review_id": review_id}, LEAD)
    assert "Approved: version 2 published" in card
    versions = sorted(j.rows(t.GuideVersion), key=lambda v: v.version)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].approver == "a second chair of the review"
    assert "Revised background" not in json.dumps(versions[0].sections), "v1 kept as it was"
    assert "Revised background" in json.dumps(versions[1].sections)
    text = guide_text(await j.card(verbs.GUIDE_EXPORT, {"review_id": review_id}))
    assert "Version 2, approved by a second chair of the review on" in text
    assert "Revised background for version 2." in text


async def test_the_chair_withdraws_to_edit_and_the_lic_group_sends_back(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id = await drafted_guide(j)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    refused = json.dumps(await j.act(verbs.GUIDE_SAVE, {"review_id": review_id, "part_0": "x"}))
    assert "sent for approval" in refused, "no edits while it waits"
    card = await j.card(verbs.GUIDE_SEND_BACK, {"review_id": review_id})
    assert "Back with the chair as a draft" in card
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    j.bot.connector.clear()
    await j.act(verbs.GUIDE_SEND_BACK, {"review_id": review_id}, COLLEAGUE)
    told = json.dumps(j.bot.connector.cards())
    assert "Police Colleague sent the guide back to you" in told
    assert [e.action for e in j.rows(t.AuditEvent) if e.action.startswith("guide.")].count(
        "guide.sent_back"
    ) == 2


def make_chair(j: Journey, aad: str) -> None:
    with j.bot.db.session() as session, session.begin():
        member = session.scalars(select(t.Member).where(t.Member.aad_object_id == aad)).one()
        session.add(t.MemberRole(member_id=member.id, role="chair"))
