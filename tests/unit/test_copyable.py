"""A typed web address is offered exactly as typed, in a box to copy from, never as a link
(cards/copyable.py): the paragraph shows it broken so Teams can't link it."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.sizing import sendable
from cards.common import CARD_VERSION, build, dumped, facts, header, paragraph, user_text
from cards.copyable import (
    COPY_ADDRESSES_ID,
    COPY_INPUT_PREFIX,
    COPY_MOST,
    COPY_ONE,
    typed_addresses,
    with_copyable_addresses,
)
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard, card_problems

POLICY = "https://example.org/policy/threshold-guidance"


def card_showing(*texts: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": [{"type": "TextBlock", "text": user_text(t), "wrap": True} for t in texts],
    }


def the_offer(card: dict[str, Any]) -> dict[str, Any] | None:
    found = [e for e in card["body"] if e.get("id") == COPY_ADDRESSES_ID]
    assert len(found) <= 1, found
    return found[0] if found else None


def offered(card: dict[str, Any]) -> list[str]:
    offer = the_offer(card)
    if offer is None:
        return []
    (show,) = offer["actions"]
    return [e["value"] for e in show["card"]["body"] if e["type"] == "Input.Text"]


def test_the_new_users_policy_link_is_offered_exactly_as_typed() -> None:
    shown = user_text(f"Threshold guidance is at {POLICY}.")
    assert POLICY not in shown, "the paragraph must not carry a linkable address"
    card = with_copyable_addresses(card_showing(f"Threshold guidance is at {POLICY}."))
    assert offered(card) == [POLICY]
    offer = the_offer(card)
    assert offer is not None
    (show,) = offer["actions"]
    assert show["type"] == "Action.ShowCard"
    assert show["title"] == COPY_ONE
    assert card_problems(card) == []


def test_what_user_text_changes_in_an_address_is_all_read_back() -> None:
    # edge underscores, host dots, the scheme's break and the wrap breaks of a long run
    typed = "https://intranet.example.org/_policies/safeguarding_/a-very-long-file-name-v2.pdf"
    assert typed_addresses(user_text(f"see {typed}")) == [typed]


def test_punctuation_around_an_address_is_not_part_of_it() -> None:
    shown = user_text(
        f"({POLICY}), and https://en.example.org/wiki/Care_(England); and '{POLICY}/2'"
    )
    assert typed_addresses(shown) == [
        POLICY,
        "https://en.example.org/wiki/Care_(England)",
        f"{POLICY}/2",
    ]


def test_only_safe_https_addresses_are_offered() -> None:
    unsafe = [
        "http://example.org/plain",
        "https://bank@evil.example/login",
        "https://192.168.0.1/admin",
        "javascript:alert(1)",
        "https://ex\u0430mple.org/cyrillic-a",
    ]
    card = with_copyable_addresses(card_showing(*unsafe))
    assert offered(card) == []
    assert card == card_showing(*unsafe)


def test_an_address_the_card_cut_short_is_not_offered() -> None:
    assert typed_addresses(user_text(POLICY[:30] + "\u2026")) == []


def test_each_address_is_offered_once_and_at_most_a_few() -> None:
    many = [f"https://example.org/page/{n}" for n in range(COPY_MOST + 3)]
    card = with_copyable_addresses(card_showing(*many, many[0]))
    assert offered(card) == many[:COPY_MOST]
    offer = the_offer(card)
    assert offer is not None
    ids = [e.get("id") for e in offer["actions"][0]["card"]["body"]]
    assert ids[1:] == [f"{COPY_INPUT_PREFIX}{n}" for n in range(1, COPY_MOST + 1)]
    assert card_problems(card) == []


def test_addresses_in_facts_are_offered_and_a_forms_are_not_read() -> None:
    card = build(
        [*header("Return", "Child K"), facts([("Policy", user_text(POLICY))])],
        [],
    )
    assert offered(with_copyable_addresses(card)) == [POLICY]
    form = {
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": [dumped(paragraph("No address here"))],
        "actions": [
            {
                "type": "Action.ShowCard",
                "title": "Edit",
                "card": {"type": "AdaptiveCard", "body": [dumped(paragraph(user_text(POLICY)))]},
            }
        ],
    }
    assert offered(with_copyable_addresses(form)) == []


def test_the_button_sits_under_the_last_text_showing_an_address() -> None:
    card = card_showing("Before", f"See {POLICY}", "Between", f"And {POLICY}/2", "After")
    ids = [e.get("id") for e in with_copyable_addresses(card)["body"]]
    assert ids == [None, None, None, None, COPY_ADDRESSES_ID, None]


def test_a_card_without_a_typed_address_is_sent_as_it_was() -> None:
    card = card_showing("Nothing to copy", "https is a word; example.org is typed too")
    assert with_copyable_addresses(card) == card
    assert sendable(card) == card


def test_a_measured_card_is_read_from_its_json_and_kept_when_it_has_none() -> None:
    plain = MeasuredCard(card_showing("Nothing to copy"))
    assert with_copyable_addresses(plain) is plain
    assert offered(with_copyable_addresses(MeasuredCard(card_showing(POLICY)))) == [POLICY]


def test_every_card_sent_offers_its_addresses() -> None:
    # bot/sizing.py is the one step every reply and proactive card passes through
    assert offered(sendable(card_showing(f"See {POLICY}"))) == [POLICY]


def test_the_box_is_offered_once_however_often_a_card_passes() -> None:
    card = with_copyable_addresses(card_showing(f"See {POLICY}"))
    assert with_copyable_addresses(card) is card, "review13b: a second box repeats its ids"
    assert with_copyable_addresses(sendable(card_showing(f"See {POLICY}"))) == sendable(
        card_showing(f"See {POLICY}")
    )


def test_a_card_with_no_room_for_the_box_keeps_its_own_text_and_goes_without() -> None:
    """review13b: the box was added before the size check, so a card near Teams' limit was
    lightened for its sake, its person's own text cut to keep a box that repeats it."""
    long_text = "x" * 900
    texts = [f"Entry {n}: {long_text} see {POLICY}/{n}" for n in range(20)]
    plain = card_showing(*texts)
    room = TEAMS_CARD_LIMIT_BYTES - MeasuredCard(plain).size
    # Grow the card until the box can't fit beside it, while the card alone still does.
    while room > 400:
        texts.append("Plain words the lead typed. " * 4)
        plain = card_showing(*texts)
        room = TEAMS_CARD_LIMIT_BYTES - MeasuredCard(plain).size
    assert room > 0
    sent = sendable(plain)
    assert offered(sent) == [], "no room: the box is left off"
    assert MeasuredCard(sent).size <= TEAMS_CARD_LIMIT_BYTES
    assert sent["body"] == plain["body"], "the person's text is as built"


_segment = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~*`%=&?#", min_size=1, max_size=12
)


@given(
    host=st.lists(st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True), min_size=1, max_size=3),
    path=st.lists(_segment, max_size=5),
)
def test_any_safe_address_comes_back_exactly(host: list[str], path: list[str]) -> None:
    typed = "https://" + ".".join([*host, "org"]) + "".join("/" + p for p in path)
    if typed[-1] in ".,;:!?":
        typed += "x"
    assert typed_addresses(user_text(f"Read {typed} first")) == [typed]
