"""A page's refused Return with comments comes back with the box under the page's header
(`cards.returns.with_return_box`), measured against Teams' size limit: a maximal page with
the most the box takes still sends whole where it matters (review2: it was never measured)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cards import returns as cards
from cards.common import GOTO_LIST_ID, Card, card_nodes, sent_size
from cards.fit import within_limit
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems
from domain.chronology import page
from domain.model import ReturnStatus
from domain.returns import SectionScreen
from tests.unit.test_return_cards import BANK, RET, entry, maxed_values

LEAD_RET = replace(RET, status=ReturnStatus.SUBMITTED)
PROBLEM = "Write your comments for the practitioner, so they know what to change."
# The most the box takes, each character as heavy as JSON makes it: four bytes.
MOST = "\U0001f4ac" * cards.COMMENTS_MAX


def section_page(index: int) -> Card:
    """The lead's read-only page of a section, every answer at its longest in three-byte
    characters (curly quotes are), with its jumps. A page of a submitted return shows no
    comments to act on (the last send-back's are for the sign-off card)."""
    jumps = tuple((f"s:{n}", f"Section {n} · a part of the return") for n in range(12))
    screen = SectionScreen(
        LEAD_RET,
        BANK,
        index,
        None,
        (),
        maxed_values(index, "€"),
        {},
        read_only=True,
        can_sign_off=True,
        jumps=jumps,
    )
    return cards.section_card(screen)


def refused(card: Card, comments: str) -> Card:
    return cards.with_return_box(card, LEAD_RET, "s:1", comments, {"comments": PROBLEM})


def box_of(card: Card) -> Card:
    [box] = [n for n in card_nodes(card) if n.get("id") == "comments"]
    return dict(box)


def kept_the_box(card: Card, comments: str) -> None:
    assert sent_size(card) <= TEAMS_CARD_LIMIT_BYTES
    assert card_problems(card) == []
    assert within_limit(card).steps == (), "the way out gives up nothing more"
    assert box_of(card)["value"] == comments, "what was typed comes back whole"
    text = json.dumps(card, ensure_ascii=False)
    assert PROBLEM in text
    assert text.count("Return with comments") >= 1


@pytest.mark.parametrize("index", range(BANK.section_count))
def test_a_maximal_section_page_keeps_the_box_and_what_was_typed(index: int) -> None:
    card = refused(section_page(index), MOST)
    kept_the_box(card, MOST)


def test_a_full_chronology_page_keeps_the_box_and_what_was_typed() -> None:
    entries = [entry(n) for n in range(1, 30)]
    full = cards.chronology_card(
        LEAD_RET, page(entries, 2), len(entries), read_only=True, can_sign_off=True
    )
    assert sent_size(full) > TEAMS_CARD_LIMIT_BYTES - len(MOST.encode()), "a maximal page"
    card = refused(full, MOST)
    kept_the_box(card, MOST)
    assert cards.PAGE_LEFT_OFF in json.dumps(card), "says the rest of the page was left off"


def test_the_go_to_list_goes_before_the_page() -> None:
    # Section 0's longest page with the box full is over the limit with its "Go to" list and
    # under it without: the list goes, the page stays.
    full = section_page(0)
    assert GOTO_LIST_ID in json.dumps(full)
    card = refused(full, MOST)
    assert GOTO_LIST_ID not in json.dumps(card)
    assert cards.PAGE_LEFT_OFF not in json.dumps(card)
    kept = [e for e in full["body"] if e.get("id") not in ("comments", GOTO_LIST_ID)]
    assert [e for e in card["body"] if e in kept] == kept, "the rest of the page is all there"
    # Section 2's is over even without it: the rest of the page gives way, saying so.
    card = refused(section_page(2), MOST)
    assert cards.PAGE_LEFT_OFF in json.dumps(card)
    kept_the_box(card, MOST)


def test_a_short_comment_leaves_the_page_as_it_was() -> None:
    full = section_page(1)
    card = refused(full, "Please add the dates.")
    assert cards.PAGE_LEFT_OFF not in json.dumps(card)
    assert GOTO_LIST_ID in json.dumps(card) or GOTO_LIST_ID not in json.dumps(full)
    kept_the_box(card, "Please add the dates.")


def test_more_than_the_box_takes_is_cut_to_what_it_takes() -> None:
    card = refused(section_page(1), "y" * 50_000)
    kept_the_box(card, "y" * cards.COMMENTS_MAX)
