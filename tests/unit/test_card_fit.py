"""Every card sent fits Teams' size limit (cards/fit.py): what a card too big gives up, in
order, and that the bot's two sending paths (bot/core.py, bot/outbound.py) check it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import default_middleware, error_card, fit_cards, stamp_cards
from bot.outbound import Outbound
from bot.router import Reply
from bot.sizing import sendable
from cards import verbs
from cards.common import (
    GOTO_LIST_ID,
    TYPED_BACK_ID,
    Card,
    build,
    button,
    dumped,
    header,
    paragraph,
    stamped,
    text_input,
    with_typed_back,
)
from cards.fit import TOO_BIG, TOO_BIG_TITLE, within_limit
from cards.returns import jump_list
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard, card_problems, card_size
from domain.model import ConversationAddress
from domain.records import Recipient
from domain.stale import TYPED_BELOW, TYPED_HEADING, TYPED_NO_ROOM, Change, Typed, stale_notice

WHEN = datetime(2026, 12, 6, 10, 42, tzinfo=UTC)
NOTICE = stale_notice(Change("Review Chair", WHEN, "outcome.saved"), typed=True)
CHANGED = "Last change: Review Chair saved the outcome at 10:42 on 6 Dec 2026."


def _card(value_chars: int, *, jumps: int = 0) -> Card:
    """A form whose input holds `value_chars` characters, with a "Go to" list of `jumps`."""
    body: list[Any] = [
        *header("Meeting outcome", "LOS-2026-004 · Child K"),
        text_input("learning_needs", "Learning needs", "n" * value_chars, max_length=40_000),
    ]
    if jumps:
        choices = [(f"s:{n}", f"Section {n} · a part of the return") for n in range(jumps)]
        body.append(jump_list(choices, button("Go", verbs.RETURN_OPEN, {"return_id": 1})))
    return build(body, [button("Save", verbs.OUTCOME_SAVE, {"review_id": 1})])


def _refusal(base: Card, typed: str = "Older need, to be given back. " * 20) -> Card:
    """The stale refusal the bot draws on `base` (bot/core.py `_current`)."""
    return with_typed_back(base, NOTICE, (Typed("Learning needs", typed),))


def _text(card: Card) -> str:
    return json.dumps(card, ensure_ascii=False)


def _near_limit(build_card: Callable[[int], Card], under_by: int) -> Card:
    """The card `build_card` makes `under_by` bytes or so under the limit."""
    chars = TEAMS_CARD_LIMIT_BYTES - card_size(build_card(0)) - under_by
    return build_card(chars)


def test_a_card_that_fits_is_sent_as_it_is() -> None:
    card = _card(1000)
    fitted = within_limit(card)
    assert fitted.card == card
    assert fitted.steps == ()
    assert isinstance(fitted.card, MeasuredCard), "its JSON is written as measured (bot/app.py)"
    assert within_limit(fitted.card).card is fitted.card, "measured once"


def test_the_go_to_list_goes_first() -> None:
    with_list = _card(0, jumps=30)
    list_bytes = card_size(with_list) - card_size(_card(0))
    card = _card(TEAMS_CARD_LIMIT_BYTES - card_size(with_list) + list_bytes // 2, jumps=30)
    assert card_size(card) > TEAMS_CARD_LIMIT_BYTES
    fitted = within_limit(card)
    assert fitted.steps == ("navigation",)
    assert fitted.size == card_size(fitted.card) <= TEAMS_CARD_LIMIT_BYTES
    assert GOTO_LIST_ID not in _text(fitted.card)
    assert "learning_needs" in _text(fitted.card)
    assert card_problems(fitted.card) == []


def test_a_refusal_gives_up_the_go_to_list_before_cutting_what_was_typed() -> None:
    base = _near_limit(lambda n: _card(n, jumps=30), under_by=1000)
    typed = "Older need, to be given back. " * 10
    without_list = _refusal(_near_limit(_card, under_by=1000), typed)
    assert "…" in _text(without_list), "with no list to give up, it is cut"
    refusal = _refusal(base, typed)
    assert GOTO_LIST_ID not in _text(refusal)
    assert _text(refusal).count("Older need, to be given back.") == 10, "given back whole"
    assert within_limit(refusal).steps == ()


def test_then_the_typing_gives_way_to_a_sentence_saying_so() -> None:
    refusal = _refusal(_near_limit(_card, under_by=500))
    assert card_size(refusal) > TEAMS_CARD_LIMIT_BYTES
    fitted = within_limit(refusal)
    assert fitted.steps == ("typed_back",)
    assert fitted.size <= TEAMS_CARD_LIMIT_BYTES
    text = _text(fitted.card)
    assert TYPED_NO_ROOM in text
    assert TYPED_HEADING not in text
    assert TYPED_BELOW not in text
    assert "Older need" not in text
    assert CHANGED in text, "still says what changed"
    assert "learning_needs" in text, "the current form is still there to use"
    assert card_problems(fitted.card) == []


def test_a_card_still_too_big_keeps_its_title_and_notice_and_says_what_to_do() -> None:
    refusal = _refusal(_card(TEAMS_CARD_LIMIT_BYTES))
    fitted = within_limit(refusal)
    assert fitted.steps == ("typed_back", "opening_only")
    text = _text(fitted.card)
    assert "Meeting outcome" in text
    assert CHANGED in text
    assert TYPED_NO_ROOM in text
    assert TOO_BIG in text
    assert [a["verb"] for a in fitted.card["actions"]] == [verbs.HELP]
    assert "learning_needs" not in text
    assert card_problems(fitted.card) == []


def test_the_last_resort_is_a_fixed_card() -> None:
    # Opening lines too long to keep (no builder makes these: the guarantee still holds).
    card = build([paragraph("x" * TEAMS_CARD_LIMIT_BYTES)])
    fitted = within_limit(card)
    assert fitted.steps == ("opening_only", "too_big_card")
    assert TOO_BIG_TITLE in _text(fitted.card)
    assert fitted.size <= TEAMS_CARD_LIMIT_BYTES
    assert card_problems(fitted.card) == []


def test_the_typing_given_back_is_fitted_to_the_card_as_sent_with_its_stamp() -> None:
    # Stamped, each state-changing button carries the card's id and its inputs' labels (some
    # 190 bytes with its fallback's): typing fitted to the card unstamped went over once sent,
    # and was dropped.
    def with_rows(value_chars: int) -> Card:
        card = _card(value_chars)
        rows = [
            {"type": "ActionSet", "actions": [dumped(button("Save", verbs.OUTCOME_SAVE, {"n": n}))]}
            for n in range(10)
        ]
        return {**card, "body": [*card["body"], *rows]}

    given_back = 0
    for under_by in range(1200, 4400, 40):
        refusal = _refusal(_near_limit(with_rows, under_by))
        if "Older need" not in _text(refusal):
            continue  # no room for any of it, even unstamped
        given_back += 1
        sent = sendable(stamped(refusal, uuid4().hex))
        assert card_size(sent) <= TEAMS_CARD_LIMIT_BYTES
        assert "Older need" in _text(sent), f"{under_by} bytes under: shortened, not dropped"
        assert TYPED_NO_ROOM not in _text(sent)
    assert given_back > 10


def test_the_size_check_sees_the_card_as_sent() -> None:
    # Outside the stamp (which adds the card's id to its buttons) and the error card.
    order = default_middleware(None)  # type: ignore[arg-type]
    assert order.index(fit_cards) < order.index(error_card) < order.index(stamp_cards)


_BLOCKS = st.lists(st.integers(min_value=0, max_value=12_000), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(
    blocks=_BLOCKS,
    typed=st.lists(st.text(min_size=0, max_size=3000), max_size=3),
    jumps=st.integers(min_value=0, max_value=30),
    limit=st.integers(min_value=2_000, max_value=TEAMS_CARD_LIMIT_BYTES),
)
def test_whatever_the_card_it_leaves_within_the_limit_in_the_fixed_order(
    blocks: list[int], typed: list[str], jumps: int, limit: int
) -> None:
    body: list[Any] = [*header("Title ü", "where")]
    body += [paragraph("é" * n) for n in blocks]
    if jumps:
        choices = [(f"s:{n}", f"Part {n}") for n in range(jumps)]
        body.append(jump_list(choices, button("Go", verbs.RETURN_OPEN, {"return_id": 1})))
    given_back = tuple(Typed(f"Field {n}", t) for n, t in enumerate(typed) if t.strip())
    card = with_typed_back(build(body), NOTICE, given_back)
    fitted = within_limit(card, limit)
    assert fitted.size == card_size(fitted.card) <= limit
    order = ("navigation", "typed_back", "opening_only", "too_big_card")
    assert list(fitted.steps) == sorted(fitted.steps, key=order.index)
    if card_size(card) <= limit:
        assert fitted.card == card
    assert card_problems(fitted.card) == []


def test_the_bot_logs_a_lightened_card_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    refusal = _refusal(_near_limit(_card, under_by=500), typed="Private words typed " * 50)
    with caplog.at_level(logging.INFO, logger="bot.sizing"):
        card = sendable(refusal)
    assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
    [record] = caplog.records
    assert record.steps == "typed_back"  # type: ignore[attr-defined]
    assert record.bytes_before > TEAMS_CARD_LIMIT_BYTES >= record.bytes_after  # type: ignore[attr-defined]
    assert "Private words" not in json.dumps(record.__dict__, default=str)


def test_the_log_line_names_the_cards_verbs_and_no_user_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lightened card's log line says which card it was by its action verbs (`verb` and
    `data`'s), so the builder needing work is found; a verb-shaped value that isn't one of
    cards/verbs.py (so could be anyone's text) stays out."""
    refusal = _refusal(_near_limit(_card, under_by=500), typed="Private words typed " * 50)
    refusal["actions"] = [
        *refusal.get("actions", []),
        dumped(button("Open", verbs.RETURN_OPEN, {"return_id": 1})),
        dumped(button("Save", verbs.RETURN_SAVE, {"note": "Private note"})),
        {"type": "Action.Execute", "title": "Go", "verb": "Private verb", "data": {}},
        dumped(button("Open again", verbs.RETURN_OPEN, {"return_id": 2})),
    ]
    with caplog.at_level(logging.INFO, logger="bot.sizing"):
        sendable(refusal)
    [record] = caplog.records
    said = record.verbs.split(",")  # type: ignore[attr-defined]
    assert said[-2:] == [verbs.RETURN_OPEN, verbs.RETURN_SAVE]
    assert set(said) <= verbs.ALL
    assert len(said) == len(set(said)), "each verb once"
    logged = json.dumps(record.__dict__, default=str)
    assert "Private" not in logged


async def test_every_turn_reply_passes_the_check() -> None:
    too_big = _refusal(_near_limit(_card, under_by=500))

    async def handler() -> Reply:
        return Reply(too_big, "said too")

    reply = await fit_cards(None, handler)  # type: ignore[arg-type]
    assert reply is not None
    assert reply.card is not None
    assert reply.text == "said too"
    assert card_size(reply.card) <= TEAMS_CARD_LIMIT_BYTES


class _Courier:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def deliver(
        self, recipient: Recipient, card: dict[str, Any], hint: str, started: Callable[[], None]
    ) -> None:
        started()
        self.sent.append(card)

    def status(self, error: BaseException) -> int | None:
        return None

    def retry_after(self, error: BaseException) -> float | None:
        return None

    def may_have_arrived(self, error: BaseException) -> bool:
        return False


async def test_every_proactive_send_passes_the_check() -> None:
    courier = _Courier()
    address = ConversationAddress("https://smba.example", "a:1", "t", "b", "u", None, "personal")
    recipient = Recipient(7, "Pat (demo)", None, "t", address, False)
    delivery = await Outbound(courier, None).send_card(  # type: ignore[arg-type]
        recipient, _refusal(_near_limit(_card, under_by=500)), "https://smba.example"
    )
    assert delivery.delivered
    [sent] = courier.sent
    assert card_size(sent) <= TEAMS_CARD_LIMIT_BYTES
    assert TYPED_NO_ROOM in _text(sent)
    assert TYPED_BACK_ID not in _text(sent)
