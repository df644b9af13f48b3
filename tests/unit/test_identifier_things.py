"""A name that is part of the name of a thing (a hospital, a law, a charity, a festival) is not
reported as a person's; a person's name beside the same words still is."""

from __future__ import annotations

import pytest

from bench import guard as guard_bench
from domain.identifier_things import (
    CHARACTERS,
    DETERMINERS,
    FUNCTION_WORDS,
    NAMING_NOUNS,
    PRODUCT_NOUNS,
    SERVICE_ROLES,
    TIME_PREPOSITIONS,
    VENUE_NOUNS,
    names_a_thing,
    person_name_findings,
    surname_naming_nouns,
    without_names_of_things,
)
from domain.identifiers import IdentifierFinding, IdentifierKind, find_identifiers
from domain.name_lexicon import forenames, surnames, uk_towns


def kinds(text: str) -> list[IdentifierKind]:
    return [finding.kind for finding in find_identifiers(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The baby was born at the Princess Anne Hospital.",
        "The Oliver Bright Foundation paid for a cooker.",
        "A Clare's Law disclosure was made to mum in the autumn.",
        "A Sarah's Law request was considered but not made.",
        "Staff at the Holly Lodge contact centre supervised the sessions.",
        "The Marie Curie nurse was supporting the grandmother at home.",
        "The Daniel Ward unit took the referral.",
        "After Easter dad moved back in.",
        "Around Mother's Day mum was low.",
    ],
)
def test_a_name_that_is_part_of_the_name_of_a_thing_is_not_a_person(text: str) -> None:
    assert IdentifierKind.NAME not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kelly Smith was seen at home.",
        "The worker visited Kelly Smith's house.",
        "The Kelly Smith case was discussed at panel.",
        "the Kelly Smith referral was late",
        "Kelly Law was seen at the clinic.",
        "Mrs Law attended the meeting.",
        "mum Kelly said she could not cope.",
        "Kelly (mum) refused the visit.",
        "After Kelly, mum said nothing more.",
        "The worker spoke to Jayden Smith at the Family Centre.",
        "Jayden, 14, was at the hospital.",
    ],
)
def test_a_persons_name_beside_the_same_words_is_still_found(text: str) -> None:
    assert IdentifierKind.NAME in kinds(text)


@pytest.mark.parametrize(
    "text",
    ["The family lived at 14 Acacia Road.", "Police attended 7 Holly Lodge Drive twice."],
)
def test_addresses_are_not_touched(text: str) -> None:
    assert IdentifierKind.ADDRESS in kinds(text)


def test_the_naming_nouns_never_include_words_that_follow_a_persons_name() -> None:
    # "the Smith family", "the Kelly Smith case": these name a person, so the filter must not
    # take them as the end of the name of a thing.
    person_nouns = {"family", "case", "referral", "report", "review", "household", "children"}
    assert not (NAMING_NOUNS | SERVICE_ROLES) & person_nouns
    assert {"hospital", "law", "scheme", "foundation", "trust", "lodge", "centre"} <= NAMING_NOUNS
    for table in (NAMING_NOUNS, SERVICE_ROLES, TIME_PREPOSITIONS, DETERMINERS):
        assert all(word == word.lower() and word.isalpha() for word in table)


def test_other_kinds_of_finding_pass_through_the_filter() -> None:
    text = "Princess Anne Hospital"
    address = IdentifierFinding(IdentifierKind.ADDRESS, "x", 0, 13)
    name = IdentifierFinding(IdentifierKind.NAME, "x", 0, 13)
    assert names_a_thing(text, 0, 13)
    assert without_names_of_things(text, [address, name]) == [address]


def test_person_name_findings_keeps_the_detectors_positions_and_masks() -> None:
    [finding] = person_name_findings("Mum took Kelly Smith to the Princess Anne Hospital.")
    dots = "\u2022" * 4
    assert (finding.start, finding.end, finding.masked) == (9, 20, f"K{dots} S{dots}")


def test_the_second_held_out_corpus_loads_with_clean_texts_and_identifiers() -> None:
    """Scored by `python -m bench.guard`, never tuned on; its rates are reported there (and in
    docs/progress.md, issue 15), not asserted, so no rule is fitted to pass it."""
    held_out = guard_bench.load_corpus(guard_bench.HELD_OUT_2)
    clean = [text for text, kinds in held_out if not kinds]
    assert len(clean) >= 80
    assert len(held_out) - len(clean) >= 40


@pytest.mark.parametrize(
    "text",
    [
        "The children were seen at the Rosa Mills Family Hub.",
        "The young person attends the Grace Darling sailing club.",
        "Dad took the children to the Kelly Smith youth centre.",
        "The placement was in Newton Abbot, far from school.",
        "Dad worked in Milton Keynes at the time.",
        "Child K talked about Peter Pan and flying away.",
    ],
)
def test_buildings_hubs_clubs_towns_and_characters_are_not_people(text: str) -> None:
    assert IdentifierKind.NAME not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sarah Hall was seen at home.",
        "Amy Wing attended the meeting.",
        "Kelly Day missed the appointment.",
        "The Kelly Smith and the club were not linked.",
        "The Kelly Smith family moved in the spring.",
        "The visit was to the Kelly Smith's house.",
        "Paige Newton was living in Newton Abbot with her partner.",
        "Mr Preston refused the visit.",
        "Chester (dad) was not at home.",
        "The Jade Morrow review was discussed at the learning event.",
    ],
)
def test_people_beside_buildings_towns_and_describing_words_are_still_found(text: str) -> None:
    assert IdentifierKind.NAME in kinds(text)


def test_uk_towns_come_from_libphonenumbers_geocoding_data() -> None:
    towns = uk_towns()
    assert len(towns) > 500
    assert {"Newton Abbot", "Milton Keynes", "Bishop Auckland", "Alford", "Portree"} <= towns
    assert not any("(" in town or "/" in town for town in towns)


def test_the_new_tables_are_lower_case_words_and_surnames_stay_people() -> None:
    assert surname_naming_nouns() <= NAMING_NOUNS
    assert {"hall", "ward", "day", "law"} <= surname_naming_nouns()
    assert all(word == word.lower() and word.isalpha() for word in FUNCTION_WORDS)
    assert all(len(character.split()) == 2 for character in CHARACTERS)


def test_the_third_held_out_corpus_loads_with_clean_texts_and_identifiers() -> None:
    """Written and committed before the town, building and describing-word rules; scored by
    `python -m bench.guard` once at the end, rates not asserted."""
    held_out = guard_bench.load_corpus(guard_bench.HELD_OUT_3)
    clean = [text for text, kinds in held_out if not kinds]
    assert len(clean) >= 75
    assert len(held_out) - len(clean) >= 40


# An independent review found each of these dropped by the names-of-things step although the
# detector had found a person's name in it. When in doubt the guard flags: an override exists.
MISSED_NAMES = [
    "Kelly Smith attended Clinic on Monday",
    "Kelly Smith and Hospital staff disagreed",
    "Jayden Clarke missed Clinic appointments",
    "Meeting With Kelly Smith At The Clinic",
    "the Sarah Hall referral was late",
    "In the Kelly Day incident the police were called.",
    "Mum Sarah Lodge was present",
    "Dad Jack Towers left",
    "Emma House is the child",
    "Sarah Jane Hall was seen",
    "Mary Ann Ward is 4",
    "After Kelly mum moved out",
    "Since Jayden dad has been drinking",
    "the Kelly Smith support worker visited",
    "the Kelly Smith case team met",
    "Harry Potter is 9 and lives with his aunt.",
]
# Buildings with a flat or house number before them are addresses.
MISSED_ADDRESSES = ["Flat 4, Martha House", "12 Grace Lodge", "Flat 2 Kelly Smith House"]
# Read as names of things before the review; each could be a person, so each is now flagged.
NOW_FLAGGED = [
    "Mum was seen at Kelly Jones House by the outreach team.",
    "During Ramadan mum was fasting and very tired in the afternoons.",
    "A room was found at Edith House for mother and baby.",
    "The family had a day out at Alton Towers.",
    "The Arthur Jones outreach team visited weekly.",
    "Child K read Harry Potter with the teaching assistant.",
    "The visit was to the Kelly Smith house.",
]


@pytest.mark.parametrize("text", MISSED_NAMES + NOW_FLAGGED)
def test_a_name_the_review_found_dropped_is_flagged(text: str) -> None:
    assert IdentifierKind.NAME in kinds(text)


@pytest.mark.parametrize("text", MISSED_ADDRESSES)
def test_a_numbered_building_named_after_a_person_is_an_address(text: str) -> None:
    assert kinds(text) == [IdentifierKind.ADDRESS]
    [finding] = find_identifiers(text)
    assert (finding.start, finding.end) == (0, len(text))
    assert "Martha" not in finding.masked
    assert "Grace" not in finding.masked


def test_surname_naming_nouns_come_from_the_surname_list() -> None:
    family_names = surnames()
    assert surname_naming_nouns() == {noun for noun in NAMING_NOUNS if noun.title() in family_names}
    assert {"lodge", "house", "towers", "center", "charity"} <= surname_naming_nouns()
    assert "hospital" not in surname_naming_nouns()


def test_a_characters_name_a_child_could_have_is_not_excused() -> None:
    assert "Harry Potter" not in CHARACTERS
    assert "Harry" in forenames()
    assert "Potter" in surnames()


def test_the_review_inputs_are_labelled_in_the_corpus() -> None:
    corpus = dict(guard_bench.load_corpus(guard_bench.CORPUS))
    for text in MISSED_NAMES:
        assert corpus[text] == {IdentifierKind.NAME}, text
    for text in MISSED_ADDRESSES:
        assert corpus[text] == {IdentifierKind.ADDRESS}, text


@pytest.mark.parametrize(
    "text",
    [
        "The young person spent evenings at the Amir Khan boxing gym.",
        "Child K had swimming lessons at the Duncan Goodhew leisure pool.",
        "The boy was given a Stone Island jacket and a Paul Frank bag by an older male.",
        "Child K's only toy was a Buzz Lightyear figure.",
        "The children saw the Roald Dahl play with the school.",
    ],
)
def test_venues_and_things_sold_or_read_under_a_name_are_not_people(text: str) -> None:
    assert IdentifierKind.NAME not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kelly Smith took Child K to the gym.",
        "The Kelly Smith photo was shared in the group chat.",
        "A photo of Jayden Clarke in a new jacket was posted online.",
        "Dad met Sarah Pool at the leisure centre.",
        "Mum Kelly Camp was at the park.",
        "The Kelly Smith story was told at the panel.",
        "Mum Kelly Smith bought a Ted Baker jacket.",
    ],
)
def test_people_beside_venue_and_product_words_are_still_found(text: str) -> None:
    assert IdentifierKind.NAME in kinds(text)


def test_venue_and_product_tables_are_lower_case_words_and_name_no_person() -> None:
    assert VENUE_NOUNS <= NAMING_NOUNS
    person_nouns = {"photo", "picture", "story", "file", "case", "family", "house", "home"}
    assert not (PRODUCT_NOUNS | VENUE_NOUNS) & person_nouns
    assert all(word == word.lower() for word in PRODUCT_NOUNS | VENUE_NOUNS)
    # "Park" and "Pool" are surnames: they never make a name a thing on their own.
    assert {"park", "pool"} <= surname_naming_nouns()
