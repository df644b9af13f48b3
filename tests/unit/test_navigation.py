"""Issue 14, item 3: every section and key practice episode is one step away, and a practitioner
can reopen an earlier episode."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cards import returns as cards
from cards.validation import card_problems
from domain.held import Seen
from domain.questions import default_question_bank
from domain.records import StoredAnswer
from domain.returns import (
    OVERVIEW_PLACE,
    Place,
    SectionScreen,
    chronology_position,
    jump_targets,
    overview_position,
    parse_place,
    place_value,
)
from tests.unit.test_return_cards import RET

BANK = default_question_bank()
EPISODES = BANK.section_index("episodes")
FIRST_TEXT = next(q.id for q in BANK.section(EPISODES).questions if q.type.value == "long_text")


def stored(episodes: int) -> dict[tuple[str, int], StoredAnswer]:
    return {
        (FIRST_TEXT, n): StoredAnswer(FIRST_TEXT, n, f"Episode {n} text", 1, 2, "P", True)
        for n in range(1, episodes + 1)
    }


def test_places_from_card_data_are_checked() -> None:
    assert parse_place("s:0", BANK) == Place(0)
    assert parse_place(f"s:{EPISODES}:3", BANK) == Place(EPISODES, 3)
    assert parse_place("chronology", BANK) == Place(chronology_position(BANK))
    assert parse_place(OVERVIEW_PLACE, BANK) == Place(overview_position(BANK))
    for junk in ("s:11", "s:0:1", f"s:{EPISODES}:11", f"s:{EPISODES}:0", "s:-1", "x", 3, None):
        assert parse_place(junk, BANK) is None, junk


def test_the_jump_list_names_every_section_every_episode_and_the_end() -> None:
    values = [value for value, _ in jump_targets(BANK, Seen(stored(2)))]
    assert values[: EPISODES + 1] == [f"s:{i}" for i in range(EPISODES + 1)]
    assert values[EPISODES + 1 : EPISODES + 3] == [f"s:{EPISODES}:1", f"s:{EPISODES}:2"]
    assert values[-2:] == ["chronology", "overview"]
    assert len(values) == BANK.section_count + 2 + 2


def test_an_episode_is_listed_under_its_section_with_its_date_as_cards_write_it() -> None:
    """Walk: "3. Key practice episodes" then "3. Episode 1: 2025-09-12 Officers attended"."""
    first_date = next(q.id for q in BANK.section(EPISODES).questions if q.type.value == "date")
    answers = stored(1)
    answers[(first_date, 1)] = StoredAnswer(first_date, 1, "2025-09-12", 1, 2, "P", True)
    titles = dict(jump_targets(BANK, Seen(answers)))
    section = f"{EPISODES + 1}."
    assert titles[f"s:{EPISODES}"].startswith(f"{section} ")
    assert titles[f"s:{EPISODES}:1"] == f"{section}1 Episode 1: 12 Sep 2025 Episode 1 text"
    long = "Officers attended a call to the home and spoke with the children there"
    answers[(FIRST_TEXT, 1)] = StoredAnswer(FIRST_TEXT, 1, long, 1, 2, "P", True)
    title = dict(jump_targets(BANK, Seen(answers)))[f"s:{EPISODES}:1"]
    assert title.endswith("\u2026"), "cut at a word, and says so"
    assert title == f"{section}1 Episode 1: 12 Sep 2025 Officers attended a call to the home\u2026"


@given(st.integers(0, 10))
def test_every_target_opens_where_it_says(episodes: int) -> None:
    for value, _title in jump_targets(BANK, Seen(stored(episodes))):
        place = parse_place(value, BANK)
        assert place is not None
        if place.position < BANK.section_count:
            assert place_value(place.position, place.episode) == value


def test_section_cards_carry_the_go_to_list_and_stay_valid() -> None:
    jumps = jump_targets(BANK, Seen(stored(10)))
    writable = SectionScreen(RET, BANK, EPISODES, 1, (), {}, {}, jumps=jumps)
    card = cards.section_card(writable)
    assert card_problems(card) == []
    text = str(card)
    assert "Go to" in text
    assert "Save and open" in text, "a writable card saves before it moves"
    lead = SectionScreen(RET, BANK, 0, None, (), {}, {}, read_only=True, can_sign_off=True)
    lead_card = cards.section_card(lead)
    assert card_problems(lead_card) == []
    titles = [a["title"] for a in lead_card["actions"]]
    assert "Approve" in titles
    assert "Return with comments" in titles
