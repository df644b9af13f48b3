"""Meeting cards are valid Adaptive Card 1.5 within the Teams limit at their largest."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime

from bot.handlers import register_all
from bot.router import Router
from cards import meeting as cards
from cards import verbs
from cards.common import stamped
from cards.fit import within_limit
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems, card_size
from domain.guide import BOX_FITS, PART_MAX, PART_STORED_MAX, GuideState
from domain.meeting import (
    ACTION_KEY,
    ActionFormScreen,
    GuideScreen,
    OutcomeScreen,
    PublishedReach,
    published_lines,
)
from domain.model import DateCertainty, ReviewStage
from domain.outcome import DraftAction
from domain.pack import Gap, LearningPoint, MeetingPack, PackEntry, ThemedLearning, ThemeRow
from domain.records import ActionView, EntryInput, GuideRecord, ReviewView
from domain.wording import shortened

REVIEW = ReviewView(
    1,
    1,
    "LOS-2026-004",
    "Child K",
    "r" * 2000,
    1,
    ReviewStage.MEETING,
    date(2026, 11, 2),
    date(2026, 11, 23),
    date(2026, 12, 14),
)
AGENCIES = tuple((i, f"Agency {i} " + "n" * 60) for i in range(20))
OWNERS = tuple((f"{i:08d}-0000-4000-8000-000000000000", f"Member {i}") for i in range(80))


def big_pack() -> MeetingPack:
    entry = EntryInput(
        date(2025, 1, 1),
        DateCertainty.ON,
        None,
        "s" * 300,
        "e" * 1000,
        "i" * 1000,
        None,
        True,
        True,
        "r",
        ("neglect",),
    )
    return MeetingPack(
        "LOS-2026-004",
        "Child K",
        tuple(n for _, n in AGENCIES),
        (),
        tuple(PackEntry("Agency", entry, 1) for _ in range(200)),
        tuple(Gap(date(2025, 1, 1), date(2025, 6, 1)) for _ in range(10)),
        tuple(ThemeRow(f"t{i}", f"Theme {i}", tuple(n for _, n in AGENCIES), 9) for i in range(20)),
        tuple(
            ThemedLearning(
                f"Theme {i}",
                (LearningPoint("A", "w" * 2000),) * 5,
                (LearningPoint("B", "d" * 2000),) * 5,
            )
            for i in range(20)
        ),
    )


def test_the_pack_card_fits_on_every_page() -> None:
    for page in (1, 2, 17):
        assert card_problems(cards.pack_card(REVIEW, big_pack(), page)) == []


def test_a_pack_with_no_returns_says_none_are_included() -> None:
    """Every agency nil or proceeded without: the fact read blank."""
    empty = MeetingPack("LOS-2026-004", "Child K", (), (), (), (), (), ())
    card = cards.pack_card(REVIEW, empty, 1)
    assert '"title": "Returns included", "value": "None"' in json.dumps(card), card


def test_a_nil_return_in_the_pack_is_not_called_the_chairs_decision() -> None:
    """The walk saw a lead-confirmed nil return under "Chair's decision"."""
    empty = MeetingPack("LOS-2026-004", "Child K", (), (), (), (), (), ())
    decided = replace(
        empty,
        decisions=(
            "Demo School: Nil return: no involvement (confirmed by its lead)",
            "Demo Health: Proceeding without (chair's decision): the return is late",
        ),
    )
    shown = json.dumps(cards.pack_card(REVIEW, decided, 1), ensure_ascii=False)
    assert '"title": "Chair\'s decision"' not in shown
    assert shown.count('"title": "Without a return"') == 2, shown


def test_the_outcome_card_fits_with_twenty_weak_actions() -> None:
    actions = tuple(
        DraftAction("Raise awareness " + "d" * 480, "neglect", None, None, None, None, "m" * 500)
        for _ in range(20)
    )
    screen = OutcomeScreen(
        REVIEW,
        AGENCIES,
        {n: "x" * 500 for _, n in AGENCIES},
        ("neglect",),
        tuple("n" * 300 for _ in range(12)),
        actions,
        tuple(("no named owner", "no due date", "hard") for _ in actions),
        OWNERS,
        False,
        {"publish": "p" * 500},
    )
    assert card_problems(cards.outcome_card(screen)) == []


def test_an_outcome_card_near_the_limit_is_drawn_compact_not_cut_on_its_way_out() -> None:
    # It was measured unstamped: within the stamp's bytes of the limit (its buttons carry the
    # card's id once sent) it fitted as built and the size check on the way out kept only its
    # title (cards/fit.py), where its compact layout fits.
    actions = tuple(
        DraftAction("Raise awareness " + "d" * 200, "neglect", None, None, None, None, "m" * 200)
        for _ in range(12)
    )

    def screen(need: int) -> OutcomeScreen:
        weak = tuple(() for _ in actions)
        needs = ("n" * need,)
        return OutcomeScreen(
            REVIEW, AGENCIES, {}, ("neglect",), needs, actions, weak, OWNERS, False, {}
        )

    plain = card_size(cards.outcome_card(screen(0)))
    for under_by in (20, 100, 150):
        card = cards.outcome_card(screen(TEAMS_CARD_LIMIT_BYTES - plain - under_by))
        fitted = within_limit(stamped(card, "0" * 32))
        assert fitted.steps == (), under_by
        assert card_problems(fitted.card) == []


def test_action_form_and_guide_cards_are_valid() -> None:
    form = ActionFormScreen(
        REVIEW,
        3,
        {"description": "x" * 500},
        ("neglect",),
        AGENCIES,
        OWNERS,
        {"owner": "Choose"},
        {"description": "phone"},
    )
    card = cards.action_form_card(form)
    assert card_problems(card) == []
    assert any(e.get("choices.data") for e in card["body"])
    guide = GuideRecord(1, 1, tuple("p" * PART_STORED_MAX for _ in range(7)), False, 0)
    screen = GuideScreen(REVIEW, guide, dict.fromkeys(range(7), "postcode"), {"publish": "x"})
    assert card_problems(cards.guide_card(screen)) == []
    published = GuideScreen(REVIEW, GuideRecord(1, 1, guide.parts, True, 4))
    assert card_problems(cards.guide_card(published)) == []
    assert card_problems(cards.guide_preview_card(published)) == []
    assert card_problems(cards.channel_guide_card(published)) == []
    assert card_problems(cards.usage_form_card(REVIEW, "2026-11-26", {"team": "x"})) == []


def test_published_action_and_learning_cards_are_valid() -> None:
    actions = [
        ActionView(
            i,
            1,
            f"LOS-2026-004/A{i}",
            "d" * 500,
            "neglect",
            1,
            "Owner",
            "Agency",
            date(2027, 1, 1),
            "m" * 500,
            "open",
        )
        for i in range(30)
    ]
    reach = PublishedReach(30, ("x",) * 30, 40, ("y",) * 40, ("LOS-2026-004/A1",) * 30)
    assert card_problems(cards.published_card(REVIEW, actions, reach)) == []
    assert (
        card_problems(cards.learning_card(REVIEW, ["neglect"] * 20, ["n" * 300] * 12, actions))
        == []
    )


def test_every_verb_has_exactly_one_handler() -> None:
    router = register_all(Router())
    assert set(router.verbs) == set(verbs.ALL)


def test_the_pack_cards_learning_reads_a_line_per_agency_and_marks_overdue_returns() -> None:
    built = replace(
        big_pack(),
        outstanding=("Demo Education", "Demo GP"),
        overdue=("Demo Education",),
        learning=(
            ThemedLearning(
                "Neglect",
                (
                    LearningPoint("Demo Police", "Concerns were recorded."),
                    LearningPoint("Demo Health", "Visits " + "followed up promptly " * 20),
                ),
                (),
            ),
        ),
    )
    shown = json.dumps(cards.pack_card(REVIEW, built, 1), ensure_ascii=False)
    assert "recorded.;" not in shown, "answers joined by ';' read '.;'"
    assert "Demo Police: Concerns were recorded.\\n\\nDemo Health: Visits followed up" in shown
    assert "…" in shown, "a long answer is cut with a mark"
    assert shortened("one two three", 10) == "one two…", "at a word, never mid-word"
    assert shortened("one two", 10) == "one two"
    assert "None recorded." in shown
    assert "Demo Education (overdue), Demo GP" in shown
    assert "Theme: Neglect" in shown


def test_a_pack_of_one_says_each_count_in_the_singular() -> None:
    """It read "1 agency returns" and "1 entries, 1 possible duplicate group(s), 1 gap(s)"."""
    [entry] = big_pack().entries[:1]
    one = MeetingPack(
        "LOS-2026-004",
        "Child K",
        ("Agency",),
        (),
        (entry,),
        (Gap(date(2025, 1, 1), date(2025, 6, 1)),),
        (ThemeRow("neglect", "Neglect", ("Agency",), 1),),
        (),
    )
    said = json.dumps(cards.pack_card(REVIEW, one, 1), ensure_ascii=False)
    assert "Child K · 1 agency return" in said
    assert "agency returns" not in said
    assert "1 entry, 1 possible duplicate group, 1 gap" in said
    assert "1 agency: Agency" in said


def test_a_guide_with_empty_boxes_keeps_its_seven_numbered_boxes() -> None:
    parts = ("Background", "Why", "Learning one", "", "  ", "Remember", "Do this")
    published = GuideRecord(1, 1, parts, True, 0, GuideState.PUBLISHED)
    for card, empty in (
        (cards.guide_card(GuideScreen(REVIEW, published, edits=False)), "Left blank."),
        (cards.channel_guide_card(GuideScreen(REVIEW, published)), "Left blank."),
        (cards.guide_preview_card(GuideScreen(REVIEW, replace(published, published=False,
                                                               state=GuideState.DRAFT))),
         "Not yet written."),
    ):  # fmt: skip
        texts = [e.get("text", "") for e in card["body"]]
        numbers = [t.split(" · ")[0] for t in texts if t.split(" · ")[0].isdigit()]
        assert numbers == ["1", "2", "3", "4", "5", "6", "7"], numbers
        assert texts.count(empty) == 2, texts


def _texts(node: object) -> list[str]:
    """Every TextBlock's text in a card, in order."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def test_a_long_action_is_cut_at_a_word_with_an_ellipsis() -> None:
    """It was cut mid-word ("… Visits V") with nothing to say there was more."""
    action = DraftAction("Visits " * 40, "neglect", None, None, None, None, "measure")
    screen = OutcomeScreen(
        REVIEW, AGENCIES, {}, ("neglect",), (), (action,), ((),), OWNERS, False, {}
    )
    [line] = [text for text in _texts(cards.outcome_card(screen)) if text.startswith("**A1.**")]
    assert re.fullmatch(r"\*\*A1\.\*\* (Visits )+Visits…", line), line


def test_the_chair_is_told_of_publication_only_as_far_as_teams_confirms_it() -> None:
    """Walk finding: publishing said "contributors have heard what was agreed" when every
    send to them had failed. Each kind of person is told of apart, and each miss by name."""
    everyone = PublishedReach(2, (), 3, (), ())
    said, cautions = published_lines(2, everyone)
    assert said == (
        "2 action items now tracked. Each owner has their action card. Contributors have "
        "heard what was agreed."
    )
    assert cautions == ()
    missed = PublishedReach(2, ("Sam Owner",), 3, ("Ola Lead", "Kit Nurse"), ("LOS-2026-004/A3",))
    said, cautions = published_lines(3, missed)
    assert "1 of 2 action cards reached their owners." in said
    assert "1 of 3 contributors heard what was agreed." in said
    assert "Contributors have heard" not in said
    assert cautions == (
        "I couldn't reach Sam Owner. Please pass their action on to them.",
        "I couldn't reach Kit Nurse and Ola Lead in Teams, so they haven't heard what was "
        "agreed: please tell them yourself.",
        "No owner, so nobody was sent it: LOS-2026-004/A3.",
    )
    said, _ = published_lines(0, PublishedReach(0, (), 0, (), ()))
    assert said == "0 action items now tracked."


def test_the_action_item_chooser_names_each_item_by_its_words() -> None:
    """walk2: the outcome's "Action item to edit or remove" listed "A1" alone."""
    action = DraftAction(
        "Audit twenty referrals against the pathway", "neglect", None, None, None, None, "m"
    )
    screen = OutcomeScreen(
        REVIEW, AGENCIES, {}, ("neglect",), (), (action,), ((),), OWNERS, False, {}
    )
    card = cards.outcome_card(screen)
    [chooser] = [i for i in card["body"] if i.get("id") == ACTION_KEY]
    assert chooser["choices"][0]["title"] == "A1: Audit twenty referrals against the pathway"


FOUR = ("Demo Children's Social Care", "Demo Community Health", "Demo Police", "Demo School")


def four_agencies_learning(themes: int, length: int) -> MeetingPack:
    return replace(
        big_pack(),
        entries=big_pack().entries[:12],
        learning=tuple(
            ThemedLearning(
                f"Theme {t}",
                tuple(LearningPoint(a, f"{a} worked {t} " + "w " * length) for a in FOUR),
                tuple(LearningPoint(a, f"{a} differ {t} " + "d " * length) for a in FOUR),
            )
            for t in range(themes)
        ),
    )


def test_the_pack_card_shows_every_agencys_learning_when_it_fits() -> None:
    """The walk saw two of four agencies under each theme (`points[:2]`), with no word."""
    built = four_agencies_learning(2, 40)
    card = cards.pack_card(REVIEW, built, 1)
    shown = json.dumps(card, ensure_ascii=False)
    assert card_problems(card) == []
    for agency in FOUR:
        for t in range(2):
            assert f"{agency}: {agency} worked {t}" in shown
            assert f"{agency}: {agency} differ {t}" in shown
    assert "more from" not in shown
    assert '"theme":' not in shown


def test_the_themes_learning_is_set_apart_from_the_themes_table() -> None:
    """The theme's name straight after the table read as a repeated row."""
    shown = json.dumps(cards.pack_card(REVIEW, four_agencies_learning(1, 5), 1))
    assert "What the agencies said, by theme" in shown
    assert "**Theme: Theme 0**" in shown


def test_a_pack_too_big_for_every_point_says_how_many_are_left_and_whose() -> None:
    built = four_agencies_learning(20, 1000)
    card = cards.pack_card(REVIEW, built, 1)
    shown = json.dumps(card, ensure_ascii=False)
    assert card_problems(card) == []
    left = re.findall(r"_and (\d+) more from ([^_]*)_", shown)
    assert left, "points left off without a word"
    assert "Demo School" in left[-1][1]
    assert '"theme": 20' in shown, "no way to the left-off points"
    # Every theme is still there, each with its button to the whole of its learning.
    assert all(f"Theme: Theme {t}" in shown for t in range(20))
    whole = cards.pack_learning_card(REVIEW, built, 20)
    said = json.dumps(whole, ensure_ascii=False)
    assert card_problems(whole) == []
    assert all(f"{a}: {a} differ 19" in said for a in FOUR)
    assert "more from" not in said
    assert "Back to the pack" in said
    gone = json.dumps(cards.pack_learning_card(REVIEW, built, 21))
    assert "no longer in the pack" in gone


def test_a_pack_whose_every_theme_heading_overflows_opens_each_theme_on_its_own() -> None:
    """review12b: with more themes than even their headings fit beside the table, the last
    try was returned unmeasured, over Teams' limit. Now it is measured: the table, a note and
    a button per theme, each theme's card valid."""
    many = replace(
        four_agencies_learning(1, 1),
        learning=tuple(
            ThemedLearning(
                f"A theme with a long name, number {t} " + "n" * 60,
                tuple(LearningPoint(f"Agency {a} " + "a" * 60, "x") for a in range(12)),
                tuple(LearningPoint(f"Agency {a} " + "a" * 60, "y") for a in range(12)),
            )
            for t in range(150)
        ),
    )
    card = cards.pack_card(REVIEW, many, 1)
    assert card_problems(card) == []
    shown = json.dumps(card, ensure_ascii=False)
    assert "each theme's opens on its own" in shown
    assert all(card_problems(cards.pack_learning_card(REVIEW, many, t)) == [] for t in (1, 150))


def test_a_briefing_box_too_long_for_the_page_is_marked_under_itself() -> None:
    """Every box said "up to 1,200 characters"; over 650 was refused at Send, said only at
    the top of the card."""
    parts = ("short",) * 2 + ("x " * 465,) + ("short",) * 4
    draft = GuideRecord(1, 1, parts, False, 0, GuideState.DRAFT)
    card = cards.guide_card(GuideScreen(REVIEW, draft))
    assert card_problems(card) == []
    body = card["body"]
    [box] = [i for i, e in enumerate(body) if e.get("id") == "part_2"]
    assert body[box]["label"] == f"3 · Key learning (up to {BOX_FITS:,} characters)"
    assert PART_MAX == BOX_FITS
    # Never below what the box holds: a client cuts a value to maxLength (review12b).
    assert body[box]["maxLength"] == len(parts[2])
    assert str(BOX_FITS) in body[box]["placeholder"]
    assert "Too long for the page: 929 characters" in body[box + 1]["text"]
    assert not any("1,200" in json.dumps(e) for e in body)


def test_a_published_outcome_reads_as_published_with_no_live_boxes() -> None:
    """The walk opened "Record the outcome" from an older pack card after publishing: live
    boxes, no Save, no word that it was published."""
    screen = OutcomeScreen(
        REVIEW,
        AGENCIES[:2],
        {AGENCIES[0][1]: "Detective sergeant"},
        ("neglect",),
        ("Escalate sooner", "Ask the child"),
        (),
        (),
        OWNERS,
        True,
        held_on=date(2026, 11, 23),
        published_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
    )
    card = cards.outcome_card(screen)
    assert card_problems(card) == []
    shown = json.dumps(card, ensure_ascii=False)
    assert "Input." not in shown, "nothing to type into"
    assert "Published on Mon 23 Nov 2026: this is the record of the meeting" in shown
    assert "Detective sergeant" in shown
    assert "None recorded" in shown, "the agency with no attendees says so"
    assert "Escalate sooner\\n\\nAsk the child" in shown
    assert "Neglect" in shown
