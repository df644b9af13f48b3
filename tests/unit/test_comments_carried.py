"""walk12: what a lead types in the comments box goes with them while they read the return
page by page (`domain.returns.carried_comments`, `cards.returns.with_comments`), within Teams'
size limit on the heaviest pages; and Approve with comments typed is refused, not emptied."""

from __future__ import annotations

import json

import pytest

from cards import returns as cards
from cards.common import GOTO_LIST_ID, Card, card_nodes, header_length, sent_size
from cards.fit import within_limit
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems
from domain.chronology import page
from domain.returns import COMMENTS_MAX, carried_comments
from tests.unit.test_return_box_fits import LEAD_RET, MOST, section_page
from tests.unit.test_return_cards import BANK, RET, entry


def box_value(card: Card) -> object:
    [box] = [n for n in card_nodes(card) if n.get("id") == "comments"]
    return box.get("value")


def fits_with(card: Card, comments: str) -> None:
    assert sent_size(card) <= TEAMS_CARD_LIMIT_BYTES
    assert card_problems(card) == [], "a valid Adaptive Card 1.5"
    assert within_limit(card).steps == (), "the way out gives up nothing more"
    assert box_value(card) == comments
    assert "Return with comments" in json.dumps(card), "the button to return it stays"


def test_what_is_carried() -> None:
    assert carried_comments({}) is None
    assert carried_comments({"comments": None}) is None
    assert carried_comments({"comments": 7}) is None
    assert carried_comments({"comments": " \n "}) is None, "blank is nothing to carry"
    typed = "  Add the dates.\nAnd who chaired.  "
    assert carried_comments({"comments": typed}) == typed, "as typed, spaces and lines too"
    assert carried_comments({"comments": "y" * 50_000}) == "y" * COMMENTS_MAX


def test_a_short_comment_fills_the_box_where_it_is() -> None:
    full = section_page(1)
    card = cards.with_comments(full, "Please add the dates.")
    fits_with(card, "Please add the dates.")
    # Nothing else moved: the box is still at the page's foot, the rest as it was.
    same = [e for e in full["body"] if e.get("id") != "comments"]
    assert [e for e in card["body"] if e.get("id") != "comments"] == same
    assert [e.get("id") for e in full["body"]].index("comments") == [
        e.get("id") for e in card["body"]
    ].index("comments")
    assert card["actions"] == full["actions"]


def test_nothing_typed_leaves_the_page_as_it_was() -> None:
    full = section_page(1)
    assert cards.with_comments(full, None) is full
    assert cards.with_comments(full, "") is full


def test_a_page_with_no_box_says_the_comments_back() -> None:
    """A page with no sign-off to give (another agency's return, read from a sign-off card's
    offer) has no box to fill: what was typed is said back to copy, not dropped without a
    word (the new-user walk); nothing typed, the page as it was."""
    entries = [entry(n) for n in range(1, 3)]
    reading = cards.chronology_card(RET, page(entries, 1), len(entries), read_only=True)
    assert cards.with_comments(reading, None) is reading
    card = cards.with_comments(reading, "Typed for Police")
    assert card_problems(card) == []
    texts = [n.get("text") for n in card_nodes(card)]
    top = header_length(reading["body"][:3])
    assert texts.index(cards.COMMENTS_NOT_HERE) < texts.index("Typed for Police")
    assert card["body"][top]["text"] == cards.COMMENTS_NOT_HERE, "under the header"
    assert not [n for n in card_nodes(card) if n.get("id") == "comments"], "no box made up"
    assert card.get("actions") == reading.get("actions")


@pytest.mark.parametrize("index", range(BANK.section_count))
def test_a_maximal_section_page_carries_the_most_the_box_takes(index: int) -> None:
    fits_with(cards.with_comments(section_page(index), MOST), MOST)


def test_the_go_to_list_goes_before_the_page() -> None:
    # Section 1's longest page with the box full is over the limit with its "Go to" list and
    # under it without: the list goes, the page stays.
    full = section_page(0)
    assert GOTO_LIST_ID in json.dumps(full)
    card = cards.with_comments(full, MOST)
    assert GOTO_LIST_ID not in json.dumps(card)
    assert cards.PAGE_LEFT_OFF not in json.dumps(card)
    kept = [e for e in full["body"] if e.get("id") not in ("comments", GOTO_LIST_ID)]
    assert [e for e in card["body"] if e in kept] == kept, "the rest of the page is all there"
    # Section 3's is over even without it: the end of the page gives way, saying so; as much
    # of it as fits stays, in order (review12b: all of it went, so it could not be read).
    third = section_page(2)
    card = cards.with_comments(third, MOST)
    assert cards.PAGE_LEFT_OFF in json.dumps(card)
    fits_with(card, MOST)
    page = [e for e in third["body"] if e.get("id") not in ("comments", GOTO_LIST_ID)]
    shown = [e for e in card["body"] if e in page]
    assert len(shown) > header_length(page[:3]) + 2, "the page's first answers are there"
    assert shown == page[: len(shown)], "from its start, in order"


def test_a_full_chronology_page_carries_the_most_the_box_takes() -> None:
    entries = [entry(n) for n in range(1, 30)]
    full = cards.chronology_card(
        LEAD_RET, page(entries, 2), len(entries), read_only=True, can_sign_off=True
    )
    card = cards.with_comments(full, MOST)
    fits_with(card, MOST)
    assert cards.PAGE_LEFT_OFF in json.dumps(card), "says the rest of the page was left off"
    assert [a["title"] for a in card["actions"]] == [a["title"] for a in full["actions"]]


def test_approve_on_a_page_is_answered_on_that_page() -> None:
    """A page's Approve carries where it is, as its Return with comments does: refused
    (comments typed), the lead stays on the page (bot/handlers/returns.py)."""
    approve, back = cards.signoff_buttons(LEAD_RET, "s:3")
    for button in (approve, back):
        assert button.data is not None
        assert button.data["comment_on"] == "s:3"
        assert button.data[cards.FROM_PAGE] == 1
    approve, back = cards.signoff_buttons(LEAD_RET)
    assert approve.data is not None
    assert "comment_on" not in approve.data, "the sign-off card's own list says where"
