"""The new-user walk of a lead's sign-off: a message saying a return is with someone opens
it (`cards.returns.with_you_card`); the sign-off card leads with the return to sign off, the
returns only read after its decision; a refused page shows one Return with comments; the
part chosen to start at goes with the lead page by page (`domain.returns.carried_start`,
`cards.returns.with_start`), as the comments do."""

from __future__ import annotations

import json
from dataclasses import replace

from cards import returns as cards
from cards import verbs
from cards.common import Card, card_nodes
from cards.validation import card_problems
from domain.chronology import Page
from domain.chronology import page as chronology_page
from domain.model import ReturnStatus
from domain.returns import (
    FROM_PAGE,
    START_CHOSEN,
    Overview,
    ReturnRole,
    carried_start,
    sent_back_message,
)
from tests.unit.test_return_box_fits import LEAD_RET, refused, section_page
from tests.unit.test_return_cards import BANK, RET


def executes(card: Card, verb: str) -> list[dict[str, object]]:
    return [
        dict(n)
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute" and n.get("verb") == verb
    ]


def test_a_message_that_it_is_with_you_has_the_button_that_opens_it() -> None:
    message = sent_back_message([], [], own=True)
    card = cards.with_you_card("Return sent back", LEAD_RET, message)
    assert card_problems(card) == []
    [opens] = executes(card, verbs.RETURN_OPEN)
    assert opens["title"] == "Open the return"
    assert opens["data"]["return_id"] == LEAD_RET.id  # type: ignore[index]
    assert message in json.dumps(card, ensure_ascii=False)
    # The practitioners' card says it is with them by the same function.
    returned = cards.returned_card(RET, "Add the dates.")
    assert [b["title"] for b in executes(returned, verbs.RETURN_OPEN)] == ["Open the return"]


def test_the_sign_off_card_leads_with_its_own_return() -> None:
    """The walk: the card opened with another agency's unstarted return above the one the
    lead signs off. Theirs first (header, decision, facts, box, start); the read after."""
    waiting = replace(RET, id=RET.id + 1, status=ReturnStatus.SUBMITTED, agency_name="Health")
    reading = replace(RET, status=ReturnStatus.NOT_STARTED)
    summary = Overview(waiting, (), 0, (), read_only=True, role=ReturnRole.READER)
    card = cards.signoff_card(replace(summary, reads_here=(reading,)))
    assert card_problems(card) == []
    ids = [n.get("id") for n in card_nodes(card)]
    texts = [str(n.get("text", "")) for n in card_nodes(card)]
    offer = next(i for i, t in enumerate(texts) if t.startswith("You can also read the"))
    assert ids.index("comments") < ids.index("comment_on") < offer
    assert texts.index(cards.READ_BESIDE_LEAVES_COMMENTS) < offer, "said before the click"
    # Nothing to read beside it: no word about it.
    alone = json.dumps(cards.signoff_card(summary))
    assert cards.READ_BESIDE_LEAVES_COMMENTS not in alone


def test_a_refused_page_shows_one_return_with_comments() -> None:
    page = section_page(1)
    assert len(executes(page, verbs.SIGNOFF_RETURN)) == 1
    card = refused(page, "Please add the dates.")
    [again] = executes(card, verbs.SIGNOFF_RETURN)
    assert [a for a in card["actions"] if a.get("verb") == verbs.SIGNOFF_RETURN] == []
    assert executes(card, verbs.SIGNOFF_APPROVE), "Approve stays at the page's foot"
    assert again["data"]["comment_on"] == "s:1"  # type: ignore[index]
    assert START_CHOSEN not in again["data"]  # type: ignore[operator]
    chosen = cards.with_return_box(page, LEAD_RET, "s:1", "x", {}, "s:4")
    [again] = executes(chosen, verbs.SIGNOFF_RETURN)
    assert again["data"][START_CHOSEN] == "s:4"  # type: ignore[index]


def test_what_start_is_carried() -> None:
    assert carried_start({}, BANK) is None
    assert carried_start({"comment_on": "s:4"}, BANK) == "s:4", "the sign-off card's list"
    assert carried_start({"comment_on": "chronology"}, BANK) == "chronology"
    assert carried_start({"comment_on": "s:4", FROM_PAGE: 1}, BANK) is None, "a page's place"
    assert carried_start({START_CHOSEN: "s:2", "comment_on": "s:4", FROM_PAGE: 1}, BANK) == "s:2"
    assert carried_start({START_CHOSEN: "s:99"}, BANK) is None, "no part of the return"
    assert carried_start({"comment_on": "overview"}, BANK) is None
    assert carried_start({START_CHOSEN: 3}, BANK) is None


def test_a_page_carries_the_chosen_start_in_every_button() -> None:
    jumps = (("s:4", "Section 5 · Key practice episodes"),)
    page = section_page(1)
    card = cards.with_start(page, "s:4", jumps)
    assert card_problems(card) == []
    buttons = [n for n in card_nodes(card) if n.get("type") in ("Action.Execute", "Action.Submit")]
    assert buttons
    assert all(b["data"][START_CHOSEN] == "s:4" for b in buttons)
    texts = [n.get("text") for n in card_nodes(card)]
    line = "If you return it, the practitioner starts at: Section 5 · Key practice episodes."
    ids = [n.get("id") for n in card_nodes(card)]
    assert texts.index(line) < ids.index("comments"), "said above the box"
    assert cards.with_start(page, None, jumps) is page
    # A page with no sign-off to give (no box) is left as it was.
    reading = cards.chronology_card(RET, page_of(), 0, read_only=True)
    assert cards.with_start(reading, "s:4", jumps) is reading


def page_of() -> Page:
    return chronology_page([], 1)
