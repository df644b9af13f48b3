"""The question bank file, its loader's checks, and the checking of card-submitted answers."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidInput, NotFound
from domain.identifiers import IdentifierKind, find_identifiers
from domain.questions import (
    DEFAULT_QUESTION_BANK_PATH,
    DEFAULT_THEMES_PATH,
    QuestionBank,
    QuestionBankError,
    QuestionType,
    Section,
    SectionValidation,
    Theme,
    default_question_bank,
    default_themes,
    episode_label,
    follow_up_input_id,
    load_question_bank,
    load_themes,
    progress_label,
    validate_section_answers,
)

TODAY = date(2026, 6, 1)
SECTION_IDS = [
    "about",
    "involvement",
    "episodes",
    "worked_well",
    "could_differ",
    "lived_experience",
    "curiosity",
    "info_sharing",
    "escalation",
    "equality",
    "learning",
]
THEME_LABELS = [
    "Lived experience / voice of the child",
    "Professional curiosity",
    "Information sharing",
    "Multi-agency working and communication",
    "Escalation and professional challenge",
    "Risk assessment and critical thinking",
    "Think family / whole-family approach",
    'Hidden adults (fathers, partners, "hidden men")',
    "Disguised compliance",
    "Neglect",
    "Domestic abuse",
    "Parental mental health and substance misuse",
    "Vulnerable babies and safer sleep",
    "Risks outside the home / exploitation",
    "Race, ethnicity and culture",
    "Disabled children",
    'Children not in school / "was not brought"',
    "Supervision and management oversight",
    "Thresholds and step-up/step-down",
    "Transitions between services",
]


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_question_bank()


def section(bank: QuestionBank, section_id: str) -> Section:
    return bank.section_by_id(section_id)


def check(
    bank: QuestionBank,
    section_id: str,
    answers: Mapping[str, object],
    *,
    complete: bool = False,
    episode: int | None = None,
) -> SectionValidation:
    return validate_section_answers(
        section(bank, section_id),
        answers,
        require_complete=complete,
        episode=episode,
        today=TODAY,
    )


# ---------------------------------------------------------------------------------------------
# The packaged bank


def test_the_default_bank_loads_as_version_1_with_eleven_sections(bank: QuestionBank) -> None:
    assert bank.version == "1"
    assert bank.section_count == 11
    assert [s.id for s in bank.sections] == SECTION_IDS


def test_every_section_has_a_title_an_intro_and_questions(bank: QuestionBank) -> None:
    for s in bank.sections:
        assert s.title
        assert s.intro
        assert s.questions


def test_labels_read_right_to_everyone_who_sees_them(bank: QuestionBank) -> None:
    """A label heads the answer on the writer's form, the lead's sign-off card and the
    chair's meeting pack, so it never says "your" (the walk found "Your role" in the pack).
    The prompt, asked of the writer alone, may."""
    second_person = re.compile(r"\byou(r|rs)?\b", re.IGNORECASE)
    for question in bank.questions:
        assert not second_person.search(question.label), (question.id, question.label)
        for choice in question.choices:
            assert not second_person.search(choice.label), (question.id, choice.label)


def test_every_question_has_help_and_an_example(bank: QuestionBank) -> None:
    for question in bank.questions:
        assert question.label
        assert question.prompt
        assert len(question.help) > 40, question.id
        assert len(question.example) > 10, question.id


def test_question_ids_are_unique_across_the_bank(bank: QuestionBank) -> None:
    ids = [question.id for question in bank.questions]
    assert len(ids) == len(set(ids))


def test_examples_are_pseudonymised(bank: QuestionBank) -> None:
    for question in bank.questions:
        assert find_identifiers(question.example) == [], question.id
        assert find_identifiers(question.help) == [], question.id


def test_examples_name_no_review_s_child(bank: QuestionBank) -> None:
    """The bank is shown inside every review's returns: an example that spoke of "K" (walk8:
    "Mother said K was asleep upstairs" in Child R's return) reads as another case's record,
    so the examples say "the child"."""
    # "Child K", or a child's letter alone ("K's sibling"): any capital standing alone but
    # the words "A" and "I".
    named = re.compile(r"\b(?:Child [A-Z]|[B-HJ-Z])\b")
    for question in bank.questions:
        for text in (question.example, question.help, question.prompt):
            assert not named.search(text), (question.id, text)
    example = bank.question("episode_what_happened").example
    assert "Mother said the child was asleep upstairs" in example


def test_text_questions_carry_the_agreed_length_limits(bank: QuestionBank) -> None:
    for question in bank.questions:
        if question.type is QuestionType.SHORT_TEXT:
            assert question.max_length == 500
        if question.type is QuestionType.LONG_TEXT:
            assert question.max_length == 2000
        if question.type is QuestionType.YES_NO_FOLLOWUP:
            assert question.max_length == 1000


def test_the_bank_uses_every_question_type(bank: QuestionBank) -> None:
    assert {question.type for question in bank.questions} == set(QuestionType)


def test_key_practice_episodes_are_repeatable(bank: QuestionBank) -> None:
    episodes = section(bank, "episodes")
    assert episodes.repeatable
    assert episodes.max_repeats == 10
    assert [q.id for q in episodes.questions] == [
        "episode_date",
        "episode_what_happened",
        "episode_decision",
        "episode_in_procedure",
        "episode_impact",
        "episode_missed_opportunity",
    ]
    assert episodes.question("episode_date").type is QuestionType.DATE
    in_procedure = episodes.question("episode_in_procedure")
    assert in_procedure.type is QuestionType.YES_NO_FOLLOWUP
    assert in_procedure.follow_up_when == "no"
    assert episodes.question("episode_missed_opportunity").follow_up_when == "yes"


def test_only_the_episodes_section_repeats(bank: QuestionBank) -> None:
    assert [s.id for s in bank.sections if s.repeatable] == ["episodes"]


def test_contextual_factors_are_a_multi_choice_with_a_long_text(bank: QuestionBank) -> None:
    could_differ = section(bank, "could_differ")
    factors = could_differ.question("contextual_factors")
    assert factors.type is QuestionType.MULTI_CHOICE
    assert [c.value for c in factors.choices] == [
        "workload",
        "staffing_turnover",
        "supervision_oversight",
        "organisational_change",
        "training",
        "services_available",
        "legal_advice",
    ]
    assert could_differ.question("why_it_happened").type is QuestionType.LONG_TEXT


def test_learning_section_asks_for_theme_tags(bank: QuestionBank) -> None:
    themes = section(bank, "learning").question("learning_themes")
    assert themes.type is QuestionType.THEME_TAGS
    assert themes.required


def test_the_default_themes_are_the_twenty_in_practice(bank: QuestionBank) -> None:
    themes = load_themes()
    assert [theme.label for theme in themes] == THEME_LABELS
    assert len({theme.slug for theme in themes}) == 20


def test_defaults_are_loaded_once() -> None:
    assert default_question_bank() is default_question_bank()
    assert default_themes() is default_themes()


def test_the_bank_is_immutable(bank: QuestionBank) -> None:
    with pytest.raises(Exception, match="frozen"):
        bank.version = "2"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Navigation helpers


def test_sections_are_found_by_zero_based_index(bank: QuestionBank) -> None:
    assert bank.section(0).id == "about"
    assert bank.section(10).id == "learning"
    assert bank.section_index("episodes") == 2


@pytest.mark.parametrize("index", [-1, 11, 10_000])
def test_an_index_outside_the_bank_is_refused(bank: QuestionBank, index: int) -> None:
    with pytest.raises(InvalidInput, match="11 sections"):
        bank.section(index)


def test_questions_are_found_by_id(bank: QuestionBank) -> None:
    assert bank.question("period_under_review").label == "Period under review"
    assert bank.section_of("episode_date").id == "episodes"


def test_an_unknown_question_is_not_found(bank: QuestionBank) -> None:
    with pytest.raises(NotFound):
        bank.question("no_such_question")
    with pytest.raises(NotFound):
        bank.section_by_id("no_such_section")


def test_progress_label(bank: QuestionBank) -> None:
    assert progress_label(0, bank) == "Section 1 of 11"
    assert progress_label(2, bank) == "Section 3 of 11"
    assert progress_label(10, bank) == "Section 11 of 11"
    with pytest.raises(InvalidInput):
        progress_label(11, bank)


def test_episode_label(bank: QuestionBank) -> None:
    assert episode_label(section(bank, "episodes"), 2) == "Episode 2 (up to 10)"


# ---------------------------------------------------------------------------------------------
# Replacement files: refused with a message that says what to fix


@pytest.fixture
def raw_bank() -> dict[str, Any]:
    loaded = yaml.safe_load(DEFAULT_QUESTION_BANK_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return copy.deepcopy(loaded)


def write_bank(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(QuestionBankError) as caught:
        load_question_bank(path)
    assert isinstance(caught.value, DomainError)
    assert caught.value.user_message == str(caught.value)
    return caught.value.user_message


def first_question(data: dict[str, Any], section_index: int = 0) -> dict[str, Any]:
    question = data["sections"][section_index]["questions"][0]
    assert isinstance(question, dict)
    return question


def test_an_unchanged_copy_loads(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    assert load_question_bank(write_bank(tmp_path, raw_bank)) == load_question_bank()


def test_a_numeric_version_is_accepted_as_text(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    raw_bank["version"] = 2
    assert load_question_bank(write_bank(tmp_path, raw_bank)).version == "2"


def test_an_unquoted_yes_in_follow_up_when_is_understood(tmp_path: Path) -> None:
    text = DEFAULT_QUESTION_BANK_PATH.read_text(encoding="utf-8")
    path = tmp_path / "bank.yaml"
    path.write_text(text.replace('follow_up_when: "yes"', "follow_up_when: yes"), "utf-8")
    assert load_question_bank(path).question("hidden_adults").follow_up_when == "yes"


def test_a_repeated_question_id_is_named(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank, 1)["id"] = "agency_team"
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "question ids must be unique" in message
    assert "repeated: agency_team" in message


def test_a_repeated_section_id_is_named(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    raw_bank["sections"][3]["id"] = "about"
    assert "repeated: about" in refusal(write_bank(tmp_path, raw_bank))


def test_a_choice_question_without_choices_is_refused(
    tmp_path: Path, raw_bank: dict[str, Any]
) -> None:
    del raw_bank["sections"][0]["questions"][2]["choices"]
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "section 1 ('about'), question 3 ('author_involvement')" in message
    assert "at least two 'choices'" in message


def test_repeated_choice_values_are_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    choices = raw_bank["sections"][0]["questions"][2]["choices"]
    choices[1]["value"] = choices[0]["value"]
    assert "choice values must be unique" in refusal(write_bank(tmp_path, raw_bank))


def test_choices_on_a_text_question_are_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank)["choices"] = [
        {"value": "a", "label": "A"},
        {"value": "b", "label": "B"},
    ]
    assert "'choices' do not apply to a short_text question" in refusal(
        write_bank(tmp_path, raw_bank)
    )


def test_an_unknown_type_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank)["type"] = "essay"
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "question 1 ('agency_team'): 'type'" in message
    assert "short_text" in message


def test_a_misspelt_field_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank)["requried"] = True
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "'requried' is not a recognised field" in message


def test_a_missing_help_text_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    del first_question(raw_bank, 2)["help"]
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "section 3 ('episodes'), question 1 ('episode_date'): 'help' is missing" in message


def test_an_empty_example_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank)["example"] = "   "
    assert "'example' must not be empty" in refusal(write_bank(tmp_path, raw_bank))


def test_a_badly_formed_id_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank)["id"] = "Agency Team"
    assert "'Agency Team' is not a valid id" in refusal(write_bank(tmp_path, raw_bank))


def test_a_double_underscore_id_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    # It could collide with a follow-up input id.
    first_question(raw_bank)["id"] = "agency__follow_up"
    assert "is not a valid id" in refusal(write_bank(tmp_path, raw_bank))


def test_a_yes_no_question_needs_its_follow_up(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    del raw_bank["sections"][1]["questions"][2]["follow_up_prompt"]
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "question 3 ('hidden_adults')" in message
    assert "needs 'follow_up_prompt'" in message


def test_a_follow_up_on_a_text_question_is_refused(
    tmp_path: Path, raw_bank: dict[str, Any]
) -> None:
    first_question(raw_bank)["follow_up_prompt"] = "Why?"
    assert "need yes_no_followup" in refusal(write_bank(tmp_path, raw_bank))


def test_a_bad_follow_up_when_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    raw_bank["sections"][1]["questions"][2]["follow_up_when"] = "sometimes"
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "'follow_up_when'" in message
    assert "'always'" in message


def test_a_max_length_on_a_date_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    first_question(raw_bank, 2)["max_length"] = 10
    assert "'max_length' does not apply to a date question" in refusal(
        write_bank(tmp_path, raw_bank)
    )


@pytest.mark.parametrize("limit", [0, -5, 1_000_000])
def test_an_absurd_max_length_is_refused(
    tmp_path: Path, raw_bank: dict[str, Any], limit: int
) -> None:
    first_question(raw_bank)["max_length"] = limit
    assert "'max_length'" in refusal(write_bank(tmp_path, raw_bank))


def test_a_repeatable_section_needs_max_repeats(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    del raw_bank["sections"][2]["max_repeats"]
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "section 3 ('episodes'): a repeatable section needs 'max_repeats'" in message


def test_a_section_with_no_questions_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    raw_bank["sections"][3]["questions"] = []
    message = refusal(write_bank(tmp_path, raw_bank))
    assert "section 4 ('worked_well'): 'questions' must list at least one question" in message


def test_a_bank_with_no_sections_is_refused(tmp_path: Path) -> None:
    message = refusal(write_bank(tmp_path, {"version": "9", "sections": []}))
    assert "'sections' must list at least one section" in message


def test_a_missing_version_is_refused(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    del raw_bank["version"]
    assert "top level: 'version' is missing" in refusal(write_bank(tmp_path, raw_bank))


def test_many_problems_are_summarised(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    for question in raw_bank["sections"][0]["questions"] + raw_bank["sections"][1]["questions"]:
        question["type"] = "essay"
        question["colour"] = "blue"
    message = refusal(write_bank(tmp_path, raw_bank))
    assert re.search(r"- and \d+ more problems$", message)


def test_invalid_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("version: '1'\nsections:\n  - id: about\n   title: [unclosed\n", "utf-8")
    message = refusal(path)
    assert "is not valid YAML at line" in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    assert "does not exist" in refusal(tmp_path / "nope.yaml")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_bytes(b"version: '1'\ntitle: \xff\xfe\n")
    assert "is not UTF-8 text" in refusal(path)


@pytest.mark.parametrize("content", ["- just\n- a list\n", "", "42\n"])
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(content, "utf-8")
    assert "must be a YAML mapping" in refusal(path)


def test_a_section_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    message = refusal(write_bank(tmp_path, {"version": "1", "sections": ["about"]}))
    assert "section 1" in message


def test_the_themes_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "themes.yaml"
    path.write_text(DEFAULT_THEMES_PATH.read_text("utf-8"), "utf-8")
    assert load_themes(path) == load_themes()


def test_repeated_theme_slugs_are_refused(tmp_path: Path) -> None:
    path = write_bank(
        tmp_path,
        {
            "version": "1",
            "themes": [{"slug": "neglect", "label": "A"}, {"slug": "neglect", "label": "B"}],
        },
    )
    with pytest.raises(QuestionBankError, match="repeated: neglect"):
        load_themes(path)


def test_a_theme_without_a_label_is_refused(tmp_path: Path) -> None:
    path = write_bank(tmp_path, {"version": "1", "themes": [{"slug": "neglect"}]})
    with pytest.raises(QuestionBankError, match=r"theme 1 \('neglect'\): 'label' is missing"):
        load_themes(path)


# ---------------------------------------------------------------------------------------------
# Answers: text


def test_short_text_is_trimmed_and_kept_on_one_line(bank: QuestionBank) -> None:
    result = check(bank, "about", {"agency_team": "  Early help,\n  West locality \r\n"})
    assert result.values["agency_team"] == "Early help, West locality"
    assert result.ok


def test_long_text_keeps_its_paragraphs(bank: QuestionBank) -> None:
    result = check(bank, "about", {"records_examined": "One.\r\n\r\nTwo.\rThree. "})
    assert result.values["records_examined"] == "One.\n\nTwo.\nThree."


def test_text_at_the_limit_is_accepted_and_over_it_refused(bank: QuestionBank) -> None:
    assert check(bank, "about", {"agency_team": "x" * 500}).ok
    result = check(bank, "about", {"agency_team": "x" * 501})
    assert result.errors == {
        "agency_team": "'Agency and team' is too long (501 characters); please keep it to 500."
    }
    assert "agency_team" not in result.values


def test_a_twenty_thousand_character_answer_is_refused(bank: QuestionBank) -> None:
    result = check(bank, "about", {"records_examined": "y" * 20_000})
    assert "too long (20,000 characters)" in result.errors["records_examined"]


def test_a_huge_answer_is_refused_without_processing_it(bank: QuestionBank) -> None:
    result = check(bank, "about", {"records_examined": "z" * 5_000_000})
    assert "too long" in result.errors["records_examined"]


@pytest.mark.parametrize(
    "garbage", [["a", "list"], {"nested": {"dict": 1}}, 42, 4.2, True, b"bytes"]
)
def test_text_that_is_not_a_string_is_refused(bank: QuestionBank, garbage: object) -> None:
    result = check(bank, "about", {"agency_team": garbage, "author_role": "Named nurse"})
    assert result.errors == {"agency_team": "'Agency and team' should be text."}
    assert result.values == {"author_role": "Named nurse"}


def test_unicode_is_kept_and_normalised(bank: QuestionBank) -> None:
    decomposed = (
        "Caf\u0065\u0301 visit with interpreter "
        "(\u0627\u0644\u0639\u0631\u0628\u064a\u0629) \U0001f44d"
    )
    result = check(bank, "about", {"records_examined": decomposed})
    assert result.values["records_examined"] == (
        "Caf\u00e9 visit with interpreter (\u0627\u0644\u0639\u0631\u0628\u064a\u0629) \U0001f44d"
    )


def test_control_characters_and_lone_surrogates_are_cleaned(bank: QuestionBank) -> None:
    result = check(bank, "about", {"records_examined": "GP\x00 record\x1b\ud800 read"})
    value = result.values["records_examined"]
    assert value == "GP record\ufffd read"
    assert isinstance(value, str)
    value.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Answers: choices, multi-choice and theme tags


def test_a_choice_is_matched_to_its_value(bank: QuestionBank) -> None:
    result = check(bank, "about", {"author_involvement": " Managed_Those_Involved "})
    assert result.values["author_involvement"] == "managed_those_involved"


@pytest.mark.parametrize("garbage", ["head_of_service", ["not_involved"], {"value": "x"}, 3])
def test_a_choice_not_on_the_list_is_refused(bank: QuestionBank, garbage: object) -> None:
    result = check(bank, "about", {"author_involvement": garbage})
    expected = "'Author's involvement in the case': please choose one of the options shown."
    assert result.errors == {"author_involvement": expected}


def test_multi_choice_accepts_the_comma_separated_form_teams_sends(bank: QuestionBank) -> None:
    result = check(bank, "could_differ", {"contextual_factors": "training,workload, workload"})
    assert result.values["contextual_factors"] == ("workload", "training")


def test_multi_choice_accepts_a_list(bank: QuestionBank) -> None:
    result = check(bank, "could_differ", {"contextual_factors": ["legal_advice", "training"]})
    assert result.values["contextual_factors"] == ("training", "legal_advice")


@pytest.mark.parametrize(
    "garbage",
    ["workload,teleportation", [["workload"]], [{"a": 1}], {"workload": True}, 7, [None]],
)
def test_multi_choice_garbage_is_refused(bank: QuestionBank, garbage: object) -> None:
    result = check(bank, "could_differ", {"contextual_factors": garbage})
    assert set(result.errors) == {"contextual_factors"}
    assert "contextual_factors" not in result.values


@pytest.mark.parametrize("empty", ["", " , ,", []])
def test_an_empty_multi_choice_is_cleared(bank: QuestionBank, empty: object) -> None:
    result = check(bank, "could_differ", {"contextual_factors": empty})
    assert result.ok
    assert result.cleared == frozenset({"contextual_factors"})


def test_theme_tags_come_from_the_vocabulary(bank: QuestionBank) -> None:
    result = check(bank, "learning", {"learning_themes": "neglect,voice_of_child"})
    assert result.values["learning_themes"] == ("voice_of_child", "neglect")


def test_an_unknown_theme_is_refused(bank: QuestionBank) -> None:
    result = check(bank, "learning", {"learning_themes": "neglect,astrology"})
    assert "not in the partnership list" in result.errors["learning_themes"]


def test_an_extended_vocabulary_can_be_passed(bank: QuestionBank) -> None:
    themes = (*load_themes(), Theme(slug="county_lines", label="County lines"))
    result = validate_section_answers(
        section(bank, "learning"),
        {"learning_themes": "county_lines"},
        require_complete=False,
        themes=themes,
        today=TODAY,
    )
    assert result.values["learning_themes"] == ("county_lines",)


# ---------------------------------------------------------------------------------------------
# Answers: dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2025-03-14", "2025-03-14"), ("14/03/2025", "2025-03-14"), ("4/3/2025", "2025-03-04")],
)
def test_dates_are_read_in_iso_and_uk_forms(bank: QuestionBank, raw: str, expected: str) -> None:
    result = check(bank, "episodes", {"episode_date": raw}, episode=1)
    assert result.values["episode_date"] == expected


@pytest.mark.parametrize(
    "garbage",
    [
        "2025-02-30",
        "14/13/2025",
        "next Tuesday",
        "2025-3-14",
        "03/14/2025",
        ["2025-03-14"],
        20250314,
    ],
)
def test_a_date_that_cannot_be_read_is_refused(bank: QuestionBank, garbage: object) -> None:
    result = check(bank, "episodes", {"episode_date": garbage}, episode=1)
    assert result.errors == {
        "episode_date": "'Date of the episode' should be a date, for example 14/03/2025."
    }


def test_a_date_of_an_event_cannot_be_in_the_future(bank: QuestionBank) -> None:
    assert check(bank, "episodes", {"episode_date": "2026-06-01"}, episode=1).ok
    result = check(bank, "episodes", {"episode_date": "2026-06-02"}, episode=1)
    assert result.errors == {"episode_date": "'Date of the episode' cannot be in the future."}


def test_a_date_before_1900_is_refused(bank: QuestionBank) -> None:
    result = check(bank, "episodes", {"episode_date": "0201-03-14"}, episode=1)
    assert "before 1900" in result.errors["episode_date"]


def test_a_date_question_may_allow_the_future() -> None:
    planned = Section.model_validate(
        {
            "id": "plans",
            "title": "Plans",
            "intro": "Dates ahead.",
            "questions": [
                {
                    "id": "review_date",
                    "label": "Review date",
                    "prompt": "When is the review?",
                    "help": "The planned date.",
                    "example": "14/03/2027",
                    "type": "date",
                    "allow_future": True,
                }
            ],
        }
    )
    result = validate_section_answers(
        planned, {"review_date": "2027-03-14"}, require_complete=True, today=TODAY
    )
    assert result.values == {"review_date": "2027-03-14"}


# ---------------------------------------------------------------------------------------------
# Answers: yes/no with follow-up


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", "yes"), ("false", "no"), ("Yes", "yes"), ("NO", "no"), (True, "yes"), (False, "no")],
)
def test_yes_no_reads_toggles_and_choice_sets(
    bank: QuestionBank, raw: object, expected: str
) -> None:
    result = check(bank, "involvement", {"hidden_adults": raw})
    assert result.values["hidden_adults"] == {"answer": expected}


def test_a_follow_up_is_kept_when_it_is_asked(bank: QuestionBank) -> None:
    answers = {"hidden_adults": "true", "hidden_adults__follow_up": " Mother's partner. "}
    result = check(bank, "involvement", answers)
    assert result.values["hidden_adults"] == {"answer": "yes", "follow_up": "Mother's partner."}


def test_a_follow_up_that_no_longer_applies_is_dropped(bank: QuestionBank) -> None:
    answers = {"hidden_adults": "false", "hidden_adults__follow_up": "Mother's partner."}
    assert check(bank, "involvement", answers).values["hidden_adults"] == {"answer": "no"}


def test_a_follow_up_without_an_answer_is_kept_in_a_draft(bank: QuestionBank) -> None:
    result = check(bank, "involvement", {"hidden_adults__follow_up": "Mother's partner."})
    assert result.values["hidden_adults"] == {"follow_up": "Mother's partner."}
    assert "hidden_adults" in result.missing


def test_a_missing_follow_up_is_reported_on_its_own_input(bank: QuestionBank) -> None:
    result = check(bank, "episodes", {"episode_in_procedure": "false"}, complete=True, episode=1)
    assert result.errors[follow_up_input_id("episode_in_procedure")] == (
        "'In line with procedure: Why not?' is required."
    )
    assert "episode_in_procedure" not in result.errors


def test_a_yes_that_needs_no_follow_up_is_complete(bank: QuestionBank) -> None:
    result = check(bank, "episodes", {"episode_in_procedure": "true"}, complete=True, episode=1)
    assert "episode_in_procedure" not in result.missing
    assert not any(key.startswith("episode_in_procedure") for key in result.errors)


def test_an_always_follow_up_is_needed_for_either_answer(bank: QuestionBank) -> None:
    result = check(bank, "curiosity", {"accounts_checked": "yes"}, complete=True)
    assert follow_up_input_id("accounts_checked") in result.errors


@pytest.mark.parametrize("garbage", ["maybe", ["yes"], {"nested": "yes"}, 2])
def test_a_yes_no_answer_that_is_neither_is_refused(bank: QuestionBank, garbage: object) -> None:
    result = check(bank, "involvement", {"hidden_adults": garbage})
    assert (
        result.errors["hidden_adults"]
        == "'Adults not known or not engaged': please choose Yes or No."
    )


def test_a_follow_up_that_is_too_long_is_refused(bank: QuestionBank) -> None:
    answers = {"hidden_adults": "yes", "hidden_adults__follow_up": "w" * 4001}
    result = check(bank, "involvement", answers)
    assert "too long" in result.errors["hidden_adults__follow_up"]
    assert result.values["hidden_adults"] == {"answer": "yes"}


# ---------------------------------------------------------------------------------------------
# Required answers: Next and Submit versus Save draft


def test_next_requires_every_required_answer(bank: QuestionBank) -> None:
    result = check(bank, "about", {}, complete=True)
    assert result.errors["period_under_review"] == "'Period under review' is required."
    assert set(result.errors) == set(section(bank, "about").required_question_ids)


def test_save_draft_requires_nothing_but_reports_what_is_missing(bank: QuestionBank) -> None:
    result = check(bank, "about", {"agency_team": "Police, PVP unit"})
    assert result.ok
    assert result.values == {"agency_team": "Police, PVP unit"}
    assert "period_under_review" in result.missing
    assert "agency_team" not in result.missing


def test_save_draft_keeps_the_valid_answers_and_reports_the_rest(bank: QuestionBank) -> None:
    answers = {"agency_team": "Police", "author_involvement": "maybe", "author_role": ["x"]}
    result = check(bank, "about", answers)
    assert result.values == {"agency_team": "Police"}
    assert set(result.errors) == {"author_involvement", "author_role"}


def test_optional_questions_are_never_required(bank: QuestionBank) -> None:
    answers = {
        "what_could_differ": "A manager should have been consulted.",
        "why_it_happened": "Three vacancies in the team.",
    }
    result = check(bank, "could_differ", answers, complete=True)
    assert result.ok
    assert result.missing == ()


def test_a_complete_section_passes(bank: QuestionBank) -> None:
    answers = {
        "child_seen": "seen_not_alone",
        "wishes_and_feelings": "no",
        "wishes_and_feelings__follow_up": "K is a baby; no observations were recorded.",
        "daily_life": "K spent long periods in a car seat.",
    }
    result = check(bank, "lived_experience", answers, complete=True)
    assert result.ok
    assert result.missing == ()


def test_blank_answers_are_cleared_not_stored(bank: QuestionBank) -> None:
    result = check(bank, "about", {"agency_team": "   ", "author_role": "Named nurse"})
    assert result.cleared == frozenset({"agency_team"})
    assert "agency_team" not in result.values


def test_keys_that_are_not_questions_are_ignored(bank: QuestionBank) -> None:
    answers = {"verb": "save_draft", "reviewRef": "LOS-2026-004", "agency_team": "Police"}
    result = check(bank, "about", answers)
    assert result.values == {"agency_team": "Police"}
    assert result.ok


def test_answers_that_are_not_a_mapping_are_refused(bank: QuestionBank) -> None:
    with pytest.raises(InvalidInput):
        validate_section_answers(
            section(bank, "about"),
            ["agency_team"],  # type: ignore[arg-type]
            require_complete=False,
        )


def test_the_output_can_be_checked_again_unchanged(bank: QuestionBank) -> None:
    answers = {
        "episode_date": "14/03/2025",
        "episode_what_happened": "The health visitor visited; K was not seen.",
        "episode_decision": "Return next week.",
        "episode_in_procedure": "false",
        "episode_in_procedure__follow_up": "High caseloads.",
        "episode_impact": "K was not seen for six weeks.",
        "episode_missed_opportunity": "true",
        "episode_missed_opportunity__follow_up": "Weight loss would have been seen.",
    }
    first = check(bank, "episodes", answers, complete=True, episode=3)
    assert first.ok
    again = check(bank, "episodes", dict(first.values), complete=True, episode=3)
    assert again.values == first.values
    assert again.ok


# ---------------------------------------------------------------------------------------------
# Episodes


def test_an_episode_number_is_needed_for_episodes(bank: QuestionBank) -> None:
    with pytest.raises(InvalidInput, match="episode"):
        check(bank, "episodes", {})


@pytest.mark.parametrize("episode", [0, -1, 11])
def test_an_episode_number_outside_the_limit_is_refused(bank: QuestionBank, episode: int) -> None:
    with pytest.raises(InvalidInput, match="10 episodes at most"):
        check(bank, "episodes", {}, episode=episode)


def test_an_episode_number_is_refused_for_an_ordinary_section(bank: QuestionBank) -> None:
    with pytest.raises(InvalidInput, match="answered once"):
        check(bank, "about", {}, episode=1)


def test_the_result_records_the_episode(bank: QuestionBank) -> None:
    result = check(bank, "episodes", {}, episode=4)
    assert result.episode == 4
    assert result.section_id == "episodes"


# ---------------------------------------------------------------------------------------------
# Identifiers: warned about, never removed


def test_identifiers_in_answers_are_reported_but_kept(bank: QuestionBank) -> None:
    answers = {
        "records_examined": "GP record for NHS 943 476 5919",
        "hidden_adults": "yes",
        "hidden_adults__follow_up": "Partner, mobile 07700 900123",
    }
    result = check(bank, "about", answers)
    assert result.values["records_examined"] == "GP record for NHS 943 476 5919"
    findings = result.identifier_findings["records_examined"]
    assert [f.kind for f in findings] == [IdentifierKind.NHS_NUMBER]
    involvement = check(bank, "involvement", answers)
    follow_up = involvement.identifier_findings["hidden_adults__follow_up"]
    assert [f.kind for f in follow_up] == [IdentifierKind.PHONE_NUMBER]


def test_clean_text_has_no_findings(bank: QuestionBank) -> None:
    result = check(bank, "about", {"records_examined": "Child K's health record, LOS-2026-004"})
    assert result.identifier_findings == {}


# ---------------------------------------------------------------------------------------------
# Whatever a card sends, checking never fails


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _answers_for(bank: QuestionBank) -> st.SearchStrategy[dict[str, object]]:
    keys = [q.id for q in bank.questions] + [follow_up_input_id(q.id) for q in bank.questions]
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=10), _JSON, max_size=12)


@given(data=st.data(), section_index=st.integers(min_value=0, max_value=10), complete=st.booleans())
@settings(max_examples=300, deadline=None)
def test_any_card_payload_is_checked_without_crashing(
    data: st.DataObject, section_index: int, complete: bool
) -> None:
    bank = default_question_bank()
    target = bank.section(section_index)
    answers = data.draw(_answers_for(bank))
    episode = 1 if target.repeatable else None
    result = validate_section_answers(
        target, answers, require_complete=complete, episode=episode, today=TODAY
    )
    question_ids = {q.id for q in target.questions}
    assert set(result.values) <= question_ids
    for message in result.errors.values():
        assert message.startswith("'")
    again = validate_section_answers(
        target, dict(result.values), require_complete=False, episode=episode, today=TODAY
    )
    assert again.values == result.values
    assert again.ok
