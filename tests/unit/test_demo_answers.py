"""The demo's returns read as four agencies' own (new-user walk L12): not one sentence in every
box, no follow-up under an answer that doesn't ask for one, and a chronology whose possible
duplicates are one real pair, not every entry."""

from __future__ import annotations

from collections import Counter

from domain.questions import QuestionType, follow_up_input_id
from storage.demo_journeys import BANK, VOICES, story_answers

AGENCIES = tuple(VOICES)


def test_each_agency_answers_in_its_own_words() -> None:
    first = BANK.section(0)
    teams = {story_answers(first, agency, "Child S")["agency_team"] for agency in AGENCIES}
    assert len(teams) == len(AGENCIES)
    for agency in AGENCIES:
        answers = story_answers(first, agency, "Child S")
        assert answers["period_under_review"] != answers["agency_team"]
        assert answers["author_role"] != answers["agency_team"]
    worked = {story_answers(BANK.section(3), a, "Child S")["what_worked_well"] for a in AGENCIES}
    assert len(worked) == len(AGENCIES)


def test_a_follow_up_only_where_the_answer_asks_for_one() -> None:
    for index in range(BANK.section_count):
        section = BANK.section(index)
        for agency in AGENCIES:
            answers = story_answers(section, agency, "Child T")
            texts = [v for k, v in answers.items() if not k.startswith("confirm")]
            assert all("Child K" not in text for text in texts), "the review's own child"
            for question in section.questions:
                if question.type is not QuestionType.YES_NO_FOLLOWUP:
                    continue
                asked = question.follow_up_when in ("always", answers[question.id])
                assert (follow_up_input_id(question.id) in answers) == asked, question.id


def test_the_chronology_has_one_event_two_agencies_record() -> None:
    events = Counter(event for voice in VOICES.values() for event in voice.events)
    days = Counter(day for voice in VOICES.values() for day, _ in voice.events)
    assert max(events.values()) == 1, "no two agencies write the very same line"
    assert [day for day, n in days.items() if n > 1] == ["2025-01-20"]
