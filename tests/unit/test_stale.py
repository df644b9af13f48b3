"""A refused stale click: the notice naming the last change, and what was typed, given back
(domain/stale.py), and the card that shows it (cards/common.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cards import verbs
from cards.common import (
    build,
    button,
    buttons_carry,
    card_nodes,
    header,
    inputs_shown,
    paragraph,
    show_form,
    shown_label,
    stamped,
    text_input,
    with_notice,
    with_typed_back,
)
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems, card_size
from domain import stale
from domain.idempotency import CARD_ID, REVISION, STALE_MESSAGE
from domain.identifier_checks import CONFIRM_PREFIX
from domain.stale import (
    INPUT_LABELS,
    LABEL_MAX,
    SHORTENED,
    TYPED_BELOW,
    TYPED_HEADING,
    Change,
    Shown,
    Typed,
    fitted,
    stale_notice,
    typed_back,
    what_changed,
)

# 10:42 in London in December (GMT), 11:42 in June (BST).
WINTER = datetime(2026, 12, 6, 10, 42, tzinfo=UTC)
SUMMER = datetime(2026, 6, 6, 10, 42, tzinfo=UTC)


def test_an_answer_saved_names_who_which_question_and_when() -> None:
    change = Change(
        "Police Lead (demo)",
        WINTER,
        "return.answers_saved",
        {"family_members": "f1"},
        {"family_members": "Family members worked with"},
    )
    assert what_changed(change) == (
        "Police Lead (demo) saved 'Family members worked with' at 10:42 on 6 Dec 2026"
    )


def test_many_answers_saved_name_two_and_count_the_rest() -> None:
    labels = {f"q{n}": f"Question {n}" for n in range(5)}
    after = {"q0": "a", "q1#2": "b", "q1#3": "c", "q2": "d", "q3": "e"}
    change = Change("Pat", WINTER, "return.answers_saved", after, labels)
    assert "saved 'Question 0', 'Question 1' and 2 more" in what_changed(change)


def test_a_moved_due_date_says_where_to() -> None:
    change = Change("Review Chair", SUMMER, "action.date_approved", {"due_on": "2027-01-09"})
    assert what_changed(change) == (
        "Review Chair moved the item's due date to 9 Jan 2027 at 11:42 on 6 Jun 2026"
    )


def test_a_status_move_and_the_plain_deeds() -> None:
    marked = Change(None, WINTER, "action.status_changed", {"status": "in_progress"})
    assert what_changed(marked).startswith("A colleague marked the item in progress at ")
    # In the words the views use, not the stored value ("escalated", "nil pending").
    escalated = Change(None, WINTER, "action.status_changed", {"status": "escalated"})
    assert "marked the item escalated to the chair at " in what_changed(escalated)
    nil = Change(None, WINTER, "return.status_changed", {"status": "nil_pending"})
    assert "marked the return “Nil return, awaiting the agency lead” at " in what_changed(nil)
    gone = Change(None, WINTER, "return.status_changed", {"status": "no_such_status"})
    assert "marked the return no such status at " in what_changed(gone)
    assert "submitted the return" in what_changed(Change("Pat", WINTER, "return.submitted"))
    assert "changed it" in what_changed(Change("Pat", WINTER, "something.new"))


def test_the_notice_keeps_the_refusal_and_adds_the_change_and_where_the_typing_is() -> None:
    change = Change("Pat", WINTER, "outcome.saved")
    assert stale_notice(None, typed=False) == STALE_MESSAGE
    notice = stale_notice(change, typed=True)
    assert notice.startswith(STALE_MESSAGE)
    assert "Last change: Pat saved the outcome at 10:42 on 6 Dec 2026." in notice
    assert notice.endswith(TYPED_BELOW)


def test_only_what_was_typed_and_differs_comes_back() -> None:
    data = {
        CARD_ID: "c1",
        REVISION: "r1",
        "review_id": 4,
        "action_key": "a1",
        "comment_on": "s:3",  # the button's own data, not typing
        "agreed_themes": "neglect",  # what the outcome holds now: not lost
        "learning_needs": "Older need",
        "notify": "true",  # a toggle
        CONFIRM_PREFIX + "learning_needs": "true",
        "blank": "  ",
        "progress_note": "Met the team on Tuesday.",  # no such input on the card now
    }
    shown = {
        "agreed_themes": Shown("Agreed themes", "neglect"),
        "learning_needs": Shown("Learning needs", "Newer need"),
        "notify": Shown("Tell the owner", "false", toggle=True),
    }
    assert typed_back(data, shown) == (
        Typed("Learning needs", "Older need"),
        Typed("Progress note", "Met the team on Tuesday."),
    )


def test_choices_come_back_as_their_titles() -> None:
    shown = {"themes": Shown("Themes", "", choices={"neglect": "Neglect", "dv": "Domestic abuse"})}
    assert typed_back({"themes": "dv,neglect"}, shown) == (
        Typed("Themes", "Domestic abuse, Neglect"),
    )


def test_held_text_never_comes_back() -> None:
    """Another writer's held answer, carried by a card drawn before it was held."""
    shown = {"team": Shown("Team", None)}
    held = "Pat's flagged answer naming HU1 2AB"
    assert typed_back({"team": held}, shown, held={held}) == ()


@given(
    st.lists(st.text(min_size=0, max_size=400), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=900),
)
def test_fitted_stays_within_its_room_and_cuts_only_what_it_must(
    texts: list[str], room: int
) -> None:
    typed = [Typed(f"Field {n}", text) for n, text in enumerate(texts)]
    shown = fitted(typed, room)
    assert [t.label for t in shown] == [t.label for t in typed]
    if sum(len(t) for t in texts) <= room:
        assert list(shown) == typed
        return
    assert sum(len(t.text) for t in shown) <= max(room, 0) + len(typed)
    for before, after in zip(typed, shown, strict=True):
        assert after.cut == (after.text != before.text)


def _card(answer: str = "Newer need") -> dict[str, object]:
    return build(
        [
            *header("Meeting outcome", "LOS-2026-004 · Child T"),
            paragraph("Record what the meeting agreed."),
            text_input("learning_needs", "Learning needs", answer, max_length=4000),
        ]
    )


def test_the_card_shows_the_typing_as_inert_text_under_the_notice() -> None:
    typed = (Typed("Learning needs", "**Older** need [link](https://example.com)"),)
    card = with_typed_back(_card(), stale_notice(None, typed=True), typed)
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert TYPED_HEADING in text
    assert "**Older**" not in text, "escaped, shown as typed"
    assert "](https" not in text, "escaped, shown as typed"
    # Still one input, holding what is saved: the typing is text, never an input.
    assert {k: v.value for k, v in inputs_shown(card).items()} == {"learning_needs": "Newer need"}


def test_text_too_long_for_the_card_is_shortened_and_says_so() -> None:
    base = _card("x " * 6000)
    typed = (Typed("Learning needs", "Older need, " * 2000),)
    card = with_typed_back(base, STALE_MESSAGE, typed)
    assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert SHORTENED in text
    assert "…" in text


def test_typed_text_is_given_back_only_where_the_answer_is_the_clickers_own() -> None:
    assert stale.where_typed_is(seen_by_all=False) == stale.TYPED_BELOW
    assert stale.where_typed_is(seen_by_all=True) == stale.TYPED_LEFT_ON_CARD
    told = stale.stale_notice(None, typed=True, seen_by_all=True)
    assert told.endswith(stale.TYPED_LEFT_ON_CARD)
    assert stale.TYPED_BELOW not in told
    assert stale.stale_notice(None, typed=False, seen_by_all=True) == STALE_MESSAGE


def test_a_paragraph_box_says_its_limit_where_it_stays_in_sight() -> None:
    """Teams cuts a paste at the box's maxLength without a word: the box's label says the
    limit (a placeholder goes at the first key typed, walk9), and a problem or typed-back line
    names the box without it."""
    box = build(
        [text_input("note", "Note", None, max_length=2000, multiline=True, required=True)], []
    )
    [shown] = [i for i in box["body"] if i.get("id") == "note"]
    assert shown["label"] == "Note (up to 2,000 characters) *"
    assert "placeholder" not in shown
    assert shown["maxLength"] == 2000
    assert shown_label(shown) == "Note"
    assert inputs_shown(box)["note"].label == "Note"
    single = build([text_input("name", "Name", None, max_length=80)], [])
    assert next(i for i in single["body"] if i.get("id") == "name")["label"] == "Name"
    said = build([text_input("why", "Why (no names)", None, max_length=200, say_limit=True)], [])
    [why] = [i for i in said["body"] if i.get("id") == "why"]
    assert why["label"] == "Why (no names; up to 200 characters)"
    assert shown_label(why) == "Why (no names)"


# --- typing labelled as the person saw it (walk8: the stale legal-hold card) -----------------


def _clicked(card: dict[str, object], typed: dict[str, str]) -> dict[str, object]:
    """What Teams sends for the first state-changing button of `card` as sent (stamped): its
    data with the card's inputs merged in."""
    sent = stamped(card, "c" * 32)
    button = next(
        node
        for node in card_nodes(sent)
        if node.get("type") == "Action.Execute" and CARD_ID in node.get("data", {})
    )
    return {**button["data"], **typed}


def _hold_card(label: str, wanted: str) -> dict[str, object]:
    return build(
        [
            *header("Legal hold", "LOS-2026-001 · Child K"),
            text_input("reason", label, None, max_length=500),
        ],
        [button("Go", verbs.LEGAL_HOLD_SET, {"review_id": 7, "hold": wanted})],
    )


def test_typing_comes_back_under_the_label_it_was_typed_under_and_carried_data_never() -> None:
    lift = _hold_card("Why is the hold lifted?", "off")
    place = _hold_card("Why is the review held?", "on")  # the card now: lifted by another
    data = _clicked(lift, {"reason": "Claim settled"})
    assert typed_back(data, inputs_shown(place)) == (
        Typed("Why is the hold lifted?", "Claim settled"),
    )


def test_a_show_card_s_button_carries_its_form_s_labels_and_the_card_s_not_a_sibling_s() -> None:
    def form(name: str, label: str) -> dict[str, object]:
        return show_form(
            name,
            [text_input(f"{name}_text", label, None, max_length=500)],
            button("Send", verbs.LEGAL_HOLD_SET, {"review_id": 7, "form": name}),
        )

    card = build(
        [text_input("note", "Note for everyone", None, max_length=500)],
        [form("first", "First form's box"), form("second", "Second form's box")],
    )
    sent = stamped(card, "c" * 32)
    labels = [
        node["data"][INPUT_LABELS]
        for node in card_nodes(sent)
        if node.get("type") == "Action.Execute"
    ]
    assert labels == [
        {"note": "Note for everyone", "first_text": "First form's box"},
        {"note": "Note for everyone", "second_text": "Second form's box"},
    ]


_KEYS = st.from_regex(r"[a-z]{1,8}", fullmatch=True)
_WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)


@given(
    inputs=st.dictionaries(_KEYS, _WORDS.filter(str.strip), max_size=5),
    carried=st.dictionaries(_KEYS.map(lambda k: "x" + k), _WORDS, max_size=5),
    relabel=st.dictionaries(_KEYS, _WORDS.filter(str.strip), max_size=5),
)
def test_only_what_was_typed_comes_back_and_each_under_its_label_then(
    inputs: dict[str, str], carried: dict[str, str], relabel: dict[str, str]
) -> None:
    """Whatever the card carried (any key, any value) and however the current card labels
    the same ids, what comes back is exactly the clicked card's typed inputs, each under the
    label it had there, in that card's order."""
    then = build(
        [text_input(key, f"Then {key}", None, max_length=500) for key in inputs],
        [button("Go", verbs.LEGAL_HOLD_SET, {**carried, "review_id": 1})],
    )
    now = inputs_shown(
        build([text_input(k, label, None, max_length=500) for k, label in relabel.items()])
    )
    data = _clicked(then, inputs)
    assert typed_back(data, now) == tuple(
        Typed(f"Then {key}", value) for key, value in inputs.items()
    )


def test_a_click_from_a_card_without_labels_is_read_as_before() -> None:
    shown = {"reason": Shown("Why is the review held?", None)}
    assert typed_back({"reason": "Inquest", "review_id": 7}, shown) == (
        Typed("Why is the review held?", "Inquest"),
    )


def test_labels_in_untrusted_data_are_text_and_bounded() -> None:
    data = {INPUT_LABELS: {"reason": "L" * 500, "n": 5, "blank": " "}, "reason": "x", "n": "y"}
    (only,) = typed_back(data, {})
    assert only.text == "x"
    assert len(only.label) <= LABEL_MAX


def test_without_labels_a_key_the_current_card_s_buttons_carry_is_never_typing() -> None:
    place = _hold_card("Why is the review held?", "on")
    data = {"review_id": 7, "hold": "off", "reason": "Claim settled"}
    assert typed_back(data, inputs_shown(place), carried=buttons_carry(place)) == (
        Typed("Why is the review held?", "Claim settled"),
    )


def test_the_notice_comes_straight_after_the_title_and_the_line_under_it() -> None:
    """The stale card's warning sat between the title and its subtitle (inserted at index 2,
    and a header has three lines): it comes after the whole header, the first thing read
    after what the card is, with what was typed under it, on every card."""
    typed = (Typed("Learning needs", "Older need"),)
    card = with_typed_back(_card(), STALE_MESSAGE, typed)
    texts = [element.get("text") for element in card["body"]]
    assert texts[1:4] == ["Meeting outcome", "LOS-2026-004 · Child T", STALE_MESSAGE]
    assert TYPED_HEADING in json.dumps(card["body"][4])
    untitled = build([*header("Reviews"), paragraph("Every review.")])
    assert [e.get("text") for e in with_notice(untitled, "Changed.")["body"]][1:3] == [
        "Reviews",
        "Changed.",
    ]
    headless = build([paragraph("No header here.")])
    assert with_notice(headless, "Changed.")["body"][0]["text"] == "Changed."
