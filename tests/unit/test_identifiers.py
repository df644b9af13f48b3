"""The identifier guard: finds likely identifiers, leaves practice text alone, and is fast."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import guard as guard_bench
from cards.common import user_text
from domain import display, held, identifiers
from domain.identifiers import (
    IdentifierFinding,
    IdentifierKind,
    describe_findings,
    find_identifiers,
    is_valid_nhs_number,
)


def kinds(text: str) -> list[IdentifierKind]:
    return [finding.kind for finding in find_identifiers(text)]


def name_spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in find_identifiers(text) if f.kind is IdentifierKind.NAME]


def only_finding(text: str) -> IdentifierFinding:
    findings = find_identifiers(text)
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(
    ("text", "kind", "matched"),
    [
        ("NHS number 943 476 5919 on file", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("nhs no 9434765919.", IdentifierKind.NHS_NUMBER, "9434765919"),
        # Grouped 3-7 or 6-4 as people type them, each gap on its own (walk10).
        ("NHS 943 4765919 held", IdentifierKind.NHS_NUMBER, "943 4765919"),
        ("nhs: 943476 5919", IdentifierKind.NHS_NUMBER, "943476 5919"),
        ("943-476-5919", IdentifierKind.NHS_NUMBER, "943-476-5919"),
        ("K (943\u00a0476\u00a05919)", IdentifierKind.NHS_NUMBER, "943\u00a0476\u00a05919"),
        ("lives at HU1 2AB now", IdentifierKind.POSTCODE, "HU1 2AB"),
        ("SW1A 1AA", IdentifierKind.POSTCODE, "SW1A 1AA"),
        ("moved to b33 8th last week", IdentifierKind.POSTCODE, "b33 8th"),
        ("postcode HU12AB", IdentifierKind.POSTCODE, "HU12AB"),
        ("mum's mobile 07700 900123", IdentifierKind.PHONE_NUMBER, "07700 900123"),
        ("call 07700900123", IdentifierKind.PHONE_NUMBER, "07700900123"),
        ("tel +44 1482 300300", IdentifierKind.PHONE_NUMBER, "+44 1482 300300"),
        ("tel +44 (0)1482 300300", IdentifierKind.PHONE_NUMBER, "+44 (0)1482 300300"),
        ("(01482) 300300", IdentifierKind.PHONE_NUMBER, "(01482) 300300"),
        ("020 7946 0018", IdentifierKind.PHONE_NUMBER, "020 7946 0018"),
        ("+447700900123", IdentifierKind.PHONE_NUMBER, "+447700900123"),
        ("email carer.k@example.org today", IdentifierKind.EMAIL, "carer.k@example.org"),
        (
            "A.Person+school@mail.example.co.uk",
            IdentifierKind.EMAIL,
            "A.Person+school@mail.example.co.uk",
        ),
        ("DOB 01/02/2015", IdentifierKind.DATE_OF_BIRTH, "DOB 01/02/2015"),
        ("d.o.b: 1.2.15", IdentifierKind.DATE_OF_BIRTH, "d.o.b: 1.2.15"),
        ("date of birth 2015-02-01", IdentifierKind.DATE_OF_BIRTH, "date of birth 2015-02-01"),
        (
            "Date of Birth: 3 March 2015",
            IdentifierKind.DATE_OF_BIRTH,
            "Date of Birth: 3 March 2015",
        ),
        ("K was born on 3 March 2015.", IdentifierKind.DATE_OF_BIRTH, "born on 3 March 2015"),
        (
            "born on the 3rd of March 2015",
            IdentifierKind.DATE_OF_BIRTH,
            "born on the 3rd of March 2015",
        ),
        (
            "birthday is March 3rd, 2015",
            IdentifierKind.DATE_OF_BIRTH,
            "birthday is March 3rd, 2015",
        ),
        ("Jayden Smith", IdentifierKind.NAME, "Jayden Smith"),
        ("Kelly Ann Smith attended", IdentifierKind.NAME, "Kelly Ann Smith"),
        ("seen by Mia O'Neill", IdentifierKind.NAME, "Mia O'Neill"),
        ("Mrs Smith said", IdentifierKind.NAME, "Mrs Smith"),
        ("letter from Dr. Okafor", IdentifierKind.NAME, "Dr. Okafor"),
        ("mum Kelly said", IdentifierKind.NAME, "Kelly"),
        ("her partner, Dean, left", IdentifierKind.NAME, "Dean"),
        ("Kelly (mum) was out", IdentifierKind.NAME, "Kelly"),
        ("Kelly, 14, was seen", IdentifierKind.NAME, "Kelly"),
        ("Tia aged 3 had a bruise", IdentifierKind.NAME, "Tia"),
        ("lived at 14 Acacia Road", IdentifierKind.ADDRESS, "14 Acacia Road"),
        ("Flat 3, 22 Mill Lane", IdentifierKind.ADDRESS, "Flat 3, 22 Mill Lane"),
        ("staying on Park Avenue", IdentifierKind.ADDRESS, "Park Avenue"),
        ("NI AB 12 34 56 C", IdentifierKind.NI_NUMBER, "AB 12 34 56 C"),
        ("nino ce456789d", IdentifierKind.NI_NUMBER, "ce456789d"),
        ("b. 12/03/2015", IdentifierKind.DATE_OF_BIRTH, "b. 12/03/2015"),
        ("born in March 2024", IdentifierKind.DATE_OF_BIRTH, "born in March 2024"),
        ("+48 512 345 678", IdentifierKind.PHONE_NUMBER, "+48 512 345 678"),
        (
            "attends Oakfield Primary School",
            IdentifierKind.SCHOOL_OR_SURGERY,
            "Oakfield Primary School",
        ),
        (
            "at St Mary's C of E Primary",
            IdentifierKind.SCHOOL_OR_SURGERY,
            "St Mary's C of E Primary",
        ),
        ("Riverside Medical Centre", IdentifierKind.SCHOOL_OR_SURGERY, "Riverside Medical Centre"),
        ("Beech Tree Surgery", IdentifierKind.SCHOOL_OR_SURGERY, "Beech Tree Surgery"),
    ],
)
def test_likely_identifiers_are_found(text: str, kind: IdentifierKind, matched: str) -> None:
    finding = only_finding(text)
    assert finding.kind is kind
    assert text[finding.start : finding.end] == matched


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5918",  # check digit wrong
        "9434765910",
        "0000000000",  # passes the arithmetic, never issued
        "LOS-2026-004",
        "Review LOS-2026-004, action LOS-2026-004/A3",
        "on 14/03 the health visitor visited",
        "on 14/03/2025 the health visitor visited",
        "the date of birth was not recorded on the referral",
        "K was born prematurely",
        "born in 2015",
        "1234567890",
        "caseloads were 30% above 1200 hours",
        "the visit was at 2pm",
        "Childline 0800 1111",
        "council contact centre 0300 123 4567",
        "in Y1 2nd half term",
        "Child K, aged 3, was seen at nursery",
        "@mention the chair",
        "",
    ],
)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert find_identifiers(text) == []


def test_findings_are_masked() -> None:
    text = (
        "NHS 943 476 5919, HU1 2AB, 07700 900123, +44 1482 300300, "
        "carer.k@example.org, DOB 01/02/2015"
    )
    masks = [finding.masked for finding in find_identifiers(text)]
    assert masks == [
        "943 ••• ••••",
        "HU1 •••",
        "07700 ••••••",
        "+44 1482 ••••••",
        "c•••@example.org",
        "DOB ••/••/••••",
    ]


def test_a_contiguous_nhs_number_is_masked_in_the_usual_grouping() -> None:
    assert only_finding("9434765919").masked == "943 ••• ••••"


def test_a_phone_number_is_not_also_reported_as_an_nhs_number() -> None:
    # The ten digits after +44 here pass the NHS check; one finding explains the text.
    assert is_valid_nhs_number("1482300303")
    assert kinds("tel +44 1482300303") == [IdentifierKind.PHONE_NUMBER]
    assert kinds("+44 7700 900108") == [IdentifierKind.PHONE_NUMBER]


def test_findings_are_in_order_of_position() -> None:
    text = "DOB 01/02/2015 then HU1 2AB then 943 476 5919"
    starts = [finding.start for finding in find_identifiers(text)]
    assert starts == sorted(starts)
    assert kinds(text) == [
        IdentifierKind.DATE_OF_BIRTH,
        IdentifierKind.POSTCODE,
        IdentifierKind.NHS_NUMBER,
    ]


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),
        ("9434765918", False),
        ("4010232137", True),
        ("12345", False),
        ("943476591x", False),
        ("\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669", False),
    ],
)
def test_nhs_check_digit(digits: str, valid: bool) -> None:
    assert is_valid_nhs_number(digits) is valid


def test_the_text_is_never_changed() -> None:
    text = "NHS 943 476 5919 at HU1 2AB"
    before = str(text)
    find_identifiers(text)
    assert text == before


def test_the_warning_names_what_was_found_without_repeating_it() -> None:
    warning = describe_findings(find_identifiers("NHS 943 476 5919, lives at HU1 2AB"))
    assert "an NHS number (943 ••• ••••)" in warning
    assert "a postcode (HU1 •••)" in warning
    assert "476 5919" not in warning
    assert "2AB" not in warning
    assert "pseudonym" in warning


def test_no_warning_when_nothing_was_found() -> None:
    assert describe_findings([]) == ""


@given(st.text(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_arbitrary_text(text: str) -> None:
    for finding in find_identifiers(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.masked


_DIGITY = st.text(alphabet="0123456789 +-()/.@abDOBborn:", max_size=600)


@given(st.text(alphabet=st.characters(exclude_characters="0123456789@"), max_size=400))
@settings(max_examples=300, deadline=None)
def test_text_with_no_digit_and_no_at_sign_needs_no_number_scan(text: str) -> None:
    """The shortcut in find_identifiers: no number detector matches such text, Unicode digits
    too."""
    assert [f for detect in identifiers._NUMBER_DETECTORS for f in detect(text)] == []
    assert all(f.kind in _WORD_KINDS for f in find_identifiers(text))


_WORD_KINDS = {IdentifierKind.NAME, IdentifierKind.ADDRESS, IdentifierKind.SCHOOL_OR_SURGERY}


@given(_DIGITY)
@settings(max_examples=300, deadline=None)
def test_never_raises_on_digit_heavy_text(text: str) -> None:
    findings = find_identifiers(text)
    ends = [finding.end for finding in findings]
    starts = [finding.start for finding in findings]
    assert all(start >= end for start, end in zip(starts[1:], ends, strict=False))


@pytest.mark.parametrize(
    "text",
    [
        "0" * 10_000,
        "1 " * 5_000,
        "a" * 9_999 + "@",
        "a." * 5_000,
        "a@" + "b." * 4_999,
        "+44 " * 2_500,
        "DOB " * 2_500,
        "born on the 1st of " * 520,
        "SW1A" * 2_500,
        "(0" * 5_000,
        "x" * 10_000,
    ],
)
def test_ten_thousand_characters_of_adversarial_text_are_scanned_quickly(text: str) -> None:
    started = time.perf_counter()
    find_identifiers(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Child K",
        "Sibling 2",
        "Mother of Child K",
        "Child K's father and Adult B",
        "the social worker, the health visitor and mum",
        "Police, CAMHS, Children's Social Care and the MASH",
        "The Designated Safeguarding Lead and the Virtual School Head",
        "Children Act 1989 s47",
        "crime ref 14/123456/25",
        "On 14 March 2025 the strategy meeting was held",
        "Hope was expressed that mum would engage",
        "Three Family Court hearings took place",
        "The Emergency Department at Castle Hill Hospital",
        "The School Nurse saw Child K",
        "NI QQ 12 34 56 C",  # Q is never an NI number's prefix
        "Mr and Mrs attended",
    ],
)
def test_pseudonyms_roles_agencies_and_references_are_not_flagged(text: str) -> None:
    assert find_identifiers(text) == []


def test_a_name_and_an_address_are_both_reported() -> None:
    assert kinds("Kelly Smith, 14 Acacia Road") == [IdentifierKind.NAME, IdentifierKind.ADDRESS]


def test_masks_keep_first_letters_and_titles_and_hide_the_rest() -> None:
    masks = [f.masked for f in find_identifiers("Mrs Smith at 14 Acacia Road, Oakfield Primary")]
    assert masks == [
        "Mrs S\u2022\u2022\u2022\u2022",
        "\u2022\u2022 A\u2022\u2022\u2022\u2022\u2022 Road",
        "O\u2022\u2022\u2022\u2022\u2022\u2022\u2022 Primary",
    ]


def test_masks_mean_nothing_to_markdown() -> None:
    text = "Jayden Smith, DOB 12/03/2015, 07700 900123, AB 12 34 56 C, k.s@example.org"
    for finding in find_identifiers(text):
        assert not set(finding.masked) & set("*_#[]`~>\\")


def test_the_labelled_corpus_meets_the_recall_and_false_positive_targets() -> None:
    result = guard_bench.score(guard_bench.load_corpus())
    assert result.clean_texts >= 150
    assert result.expected >= 150
    assert result.recall >= guard_bench.RECALL_TARGET, result.missed
    assert result.false_positive_rate <= guard_bench.FALSE_POSITIVE_TARGET, result.flagged


def test_the_corpus_covers_every_kind() -> None:
    covered = {kind for _, expected in guard_bench.load_corpus() for kind in expected}
    assert covered == set(IdentifierKind)


def test_the_held_out_corpus_loads_with_its_clean_texts_and_lone_names() -> None:
    """Scored by `python -m bench.guard`, never tuned on; its rates are reported there (and in
    docs/progress.md, issue 15), not asserted, so no rule is fitted to pass it."""
    held_out = guard_bench.load_corpus(guard_bench.HELD_OUT)
    clean = [text for text, kinds in held_out if not kinds]
    names = [text for text, kinds in held_out if kinds == {IdentifierKind.NAME}]
    assert len(clean) >= 100
    assert len(names) >= 60
    assert len(clean) + len(names) == len(held_out)


def test_the_fourth_held_out_file_loads_with_clean_texts_and_every_kind() -> None:
    """Written before tuning round 4 and never tuned on: loaded here, scored only by
    `python -m bench.guard` (docs/progress.md, issue 15), so no rule is fitted to pass it."""
    held_out = guard_bench.load_corpus(guard_bench.HELD_OUT_4)
    clean = [text for text, kinds in held_out if not kinds]
    assert len(clean) >= 75
    assert {kind for _, expected in held_out for kind in expected} == set(IdentifierKind)


def test_the_fifth_held_out_file_loads_as_a_realistic_mix() -> None:
    """Realistic returns written blind, scored once, then tuned on by the recall round (its
    misses fixed at the mechanism, tested on new corpus entries): loaded here, scored only by
    `python -m bench.guard` (docs/progress.md, issue 15)."""
    held_out = guard_bench.load_corpus(guard_bench.HELD_OUT_5)
    clean = [text for text, kinds in held_out if not kinds]
    assert len(held_out) == 200
    assert len(clean) == 170
    assert {kind for _, expected in held_out for kind in expected} == set(IdentifierKind)


def test_the_sixth_held_out_file_loads_as_a_realistic_mix() -> None:
    """Realistic returns by another author, written blind, never tuned on: scored only by
    `python -m bench.guard` (docs/progress.md, issue 15)."""
    held_out = guard_bench.load_corpus(guard_bench.HELD_OUT_6)
    clean = [text for text, kinds in held_out if not kinds]
    assert len(held_out) == 200
    assert len(clean) == 165
    assert {kind for _, expected in held_out for kind in expected} == set(IdentifierKind)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Sarah Park is 6.", "Sarah Park"),
        ("Mum Sarah Park attended the conference.", "Sarah Park"),
        ("Tom Hill said he was scared at home.", "Tom Hill"),
        ("Kelly Lane attended with mum.", "Kelly Lane"),
        ("Jack Fields was excluded twice.", "Jack Fields"),
        ("Mr Green called the school.", "Mr Green"),
    ],
)
def test_a_street_word_that_is_a_common_family_name_is_one_after_a_forename_or_title(
    text: str, matched: str
) -> None:
    names = [f for f in find_identifiers(text) if f.kind is IdentifierKind.NAME]
    assert [text[f.start : f.end] for f in names] == [matched]


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("The family lived near Victoria Park at the time.", []),
        ("Dad slept in the car outside Florence Park.", []),
        ("Child K went to Holly Park on Sunday.", [IdentifierKind.ADDRESS]),
        ("The Oak Park school nurse saw Child K in May.", []),
        ("Great Ormond Street gave a second opinion.", []),
    ],
)
def test_a_street_word_after_a_place_word_or_before_a_school_is_still_a_place(
    text: str, flagged: list[IdentifierKind]
) -> None:
    assert kinds(text) == flagged


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        # A joined forename is a forename when every part is one.
        ("Ellie-Rose Hartigan, 4, was seen in ED.", "Ellie-Rose Hartigan"),
        ("Mary-Kate, aged 6, was not in school.", "Mary-Kate"),
        # A first name set off after a relationship word by a dash, a comma or a bracket.
        ("Mum \u2014 Roxanne \u2014 said she could not cope.", "Roxanne"),
        ("Dad \u2013 Shane \u2013 did not attend.", "Shane"),
        ("The health visitor spoke to mum, Jolene, at the door.", "Jolene"),
        ("Nan - Brenda - was the main carer.", "Brenda"),
        # ... or after a pseudonym's letter or number.
        ("Sibling 1, Kacey, was not spoken to.", "Kacey"),
        ("Adult B (Darrell) was living at the address.", "Darrell"),
        ("Child K \u2014 Milo \u2014 was not brought.", "Milo"),
        # A family by its surname.
        ("Early Help worked with the Ashworth family for a year.", "Ashworth"),
        ("The school knew the O'Halloran children well.", "O'Halloran"),
        ("Police were called to the Kowalczyk household twice.", "Kowalczyk"),
        # ... a common one that is also a street word too, as after a forename ("Tom Hill").
        ("The children were staying with the Hill family.", "Hill"),
        ("School had concerns about the Green children.", "Green"),
    ],
)
def test_recall_round_names_are_found(text: str, matched: str) -> None:
    assert name_spans(text) == [matched]


@pytest.mark.parametrize(
    "text",
    [
        "The Early Help family hub offered a parenting course.",
        "The Irish family support service was not contacted.",
        "Referred to the Family Hub and the Troubled Families programme.",
        "Child K, Sibling 1 and Mother were seen together.",
        "Adult B, Police and the GP were told.",
        "Mum \u2014 as before \u2014 declined the offer.",
        "Sibling 2 (aged 9) was at school.",
        "Step-Dad was present at the visit.",
    ],
)
def test_recall_round_rules_leave_practice_words_alone(text: str) -> None:
    assert find_identifiers(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Father's date of birth (02/11/1988) is on the form.",
        "DOB - [3 May 2015]",
        "date of birth: (14.02.2016)",
        "born \u2014 12/03/2019 \u2014 at 32 weeks",
    ],
)
def test_a_date_of_birth_after_brackets_or_dashes_is_found(text: str) -> None:
    assert kinds(text) == [IdentifierKind.DATE_OF_BIRTH]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Mother's date of birth (19/07/1996)",
            "date of birth \u2022\u2022/\u2022\u2022/\u2022\u2022\u2022\u2022",
        ),
        ("DOB: [1/2/15]", "DOB \u2022/\u2022/\u2022\u2022"),
        ("born - 3 May 2015", "born \u2022 \u2022\u2022\u2022 \u2022\u2022\u2022\u2022"),
    ],
)
def test_a_date_of_birth_is_masked_without_the_marks_before_it(text: str, masked: str) -> None:
    """The warning shows each finding in brackets: "a date of birth (date of birth (••/…)"
    read as a slip with an unclosed bracket in the Playground walk."""
    assert only_finding(text).masked == masked
    assert describe_findings(find_identifiers(text)).count("(") == 1


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Child K attends St Wilfrid's RC Primary.",
            "S\u2022 W\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022 RC Primary",
        ),
        (
            "He moved to St Anne's CE Academy in May.",
            "S\u2022 A\u2022\u2022\u2022\u2022\u2022 CE Academy",
        ),
    ],
)
def test_a_saints_school_with_church_letters_is_found(text: str, masked: str) -> None:
    assert only_finding(text).masked == masked
    assert only_finding(text).kind is IdentifierKind.SCHOOL_OR_SURGERY


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Kaydence told the teacher she was hungry.", "Kaydence"),
        ("The nursery said Rhianna was often collected late.", "Rhianna"),
        ("On Monday Jaxon was not in school.", "Jaxon"),
        ("Mum was in Leeds with Kaydence.", "Kaydence"),
        ("Keeley-Ann was late for school again.", "Keeley-Ann"),
        ("Nobody went in Kaydence's room.", "Kaydence's"),
        # An adverb capitalised only because it opens a sentence makes no run with the name.
        ("Sadly Rhianna was not brought to the appointment.", "Rhianna"),
        ("The visit was late. Unfortunately Jaxon was asleep.", "Jaxon"),
        ("- Meanwhile Kaydence stayed with her aunt.", "Kaydence"),
        # Paired with a word of practice or of who someone is, not with a thing's name.
        ("The worker visited Jaxon and Mum at home.", "Jaxon"),
        ("Rhianna and Police were at the door.", "Rhianna"),
    ],
)
def test_a_lone_first_name_that_is_no_common_word_is_found(text: str, matched: str) -> None:
    assert name_spans(text) == [matched]


@pytest.mark.parametrize(
    "text",
    [
        # A forename that is also a common word is left alone: the guard can't tell.
        "Grace was shown to the family by the foster carer.",
        "Hope and Amber are the RAG ratings we use.",
        # Named as a thing or a place.
        "He had a Stanley knife in his bag.",
        "Staff at the Christie were told about the referral.",
        "The family lived in Stanley for a year.",
        "Sibling 2 wanted a Percy the Small Engine cake.",
        "She was seen at Chelsea and Westminster Hospital.",
        "The teacher works from the Jayden Street centre.",
        "The family are Roma and speak Romanes at home.",
    ],
)
def test_a_lone_first_name_rule_leaves_words_and_things_alone(text: str) -> None:
    assert name_spans(text) == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        # After a verb of talking or meeting and its "to" or "by", a forename and a street word
        # that is a common family name are a person: the warning must say "a name".
        ("Spoke to Sarah Green about the plan.", "Sarah Green"),
        ("The social worker talked to Tom Hill on the doorstep.", "Tom Hill"),
        ("The health visitor spoke briefly to Amy Lane after clinic.", "Amy Lane"),
        ("Child K was visited by Beth Park at home.", "Beth Park"),
        ("Dad reported to Sarah Green that Child K was missing.", "Sarah Green"),
    ],
)
def test_a_street_surname_after_a_verb_of_talking_and_to_is_a_name(text: str, matched: str) -> None:
    assert [(f.kind, text[f.start : f.end]) for f in find_identifiers(text)] == [
        (IdentifierKind.NAME, matched)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Mum said she now lives on Sarah Green Road.",
        "The worker spoke to the neighbour at 14 Green Lane.",
        "Dad walked Child K to Tilly Hill Crescent after school.",
        "Child K went to Holly Park on Sunday.",
        # Punctuation between the verb and "to" starts something else.
        "The worker spoke, to Amy Lane first.",
    ],
)
def test_a_street_after_a_place_word_is_still_an_address(text: str) -> None:
    assert kinds(text) == [IdentifierKind.ADDRESS]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Sibling 1, Summer, was at school.", "Summer"),
        ("Child K (Summer) was not brought to the appointment.", "Summer"),
        ("Sibling 3 \u2014 Autumn \u2014 lived with the grandparents.", "Autumn"),
        ("Child K - Summer - attended the clinic.", "Summer"),
    ],
)
def test_a_season_set_off_after_a_pseudonym_is_a_name(text: str, matched: str) -> None:
    assert name_spans(text) == [matched]


@pytest.mark.parametrize(
    "text",
    [
        "Child K, Monday, was seen at school.",
        "Sibling 1, aged 6, was at school.",
        "Child K (March) was seen by the GP.",
        "Sibling 2, August, was at school.",
        "Child K (Easter) stayed with the grandmother.",
        "Child K (Summer 2024) attended the holiday club.",
        "Child K, Summer term, missed twelve sessions.",
        "Child K (summer) attended the holiday club.",
    ],
)
def test_a_day_month_or_dated_season_after_a_pseudonym_is_not_a_name(text: str) -> None:
    assert find_identifiers(text) == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Grace told the teacher she was hungry.", "Grace"),
        ("Faith said that Dad had hit her.", "Faith"),
        ("At the visit Rose disclosed that she slept on the sofa.", "Rose"),
        ("Hope reported that nobody collected her.", "Hope"),
        ("Holly was seen at the walk-in centre.", "Holly"),
        ("The teacher said Amber told her about the fight.", "Amber"),
        # A month or a season only before a verb of saying.
        ("Summer told the school nurse about the bruises.", "Summer"),
        ("May told her teacher that mum had not come home.", "May"),
    ],
)
def test_a_word_forename_before_a_verb_of_saying_is_a_name(text: str, matched: str) -> None:
    assert name_spans(text) == [matched]


@pytest.mark.parametrize(
    "text",
    [
        "Hope was expressed that the family would engage.",
        "Hope was seen as the way forward by the panel.",
        "May was a difficult month for the family.",
        "Grace period for returns ended on Friday.",
        "June reported the highest number of contacts.",
        "By June said the lead the actions would be done.",
        "In May said the lead the plan was agreed.",
        "Faith was important to the family.",
        "Barnardo's said the family had engaged well.",
        "Summer holiday club said Child K was settled.",
    ],
)
def test_a_word_forename_without_a_verb_of_saying_is_left_alone(text: str) -> None:
    assert find_identifiers(text) == []


_SPLIT_BY_INVISIBLES = [
    ("NHS number 943 476 5919 on file", IdentifierKind.NHS_NUMBER),
    ("lives at SW1A 1AA now", IdentifierKind.POSTCODE),
    ("call 07700 900123 after school", IdentifierKind.PHONE_NUMBER),
    ("NI number AB 12 34 56 C", IdentifierKind.NI_NUMBER),
    ("email carer.k@example.org today", IdentifierKind.EMAIL),
    ("DOB 01/02/2015", IdentifierKind.DATE_OF_BIRTH),
    ("lived at 14 Acacia Road", IdentifierKind.ADDRESS),
    ("Jayden Smith said he was hungry", IdentifierKind.NAME),
    ("attends Oakfield Primary School", IdentifierKind.SCHOOL_OR_SURGERY),
]
# Every character Unicode calls default-ignorable: the zero-width space and joiners, the word
# joiner, the soft hyphen, bidi controls, the Hangul fillers, variation selectors, tags (review2).
_IGNORABLE = sorted(map(chr, display.DEFAULT_IGNORABLE))


def _found(text: str, kind: IdentifierKind) -> IdentifierFinding:
    found = [f for f in find_identifiers(text) if f.kind is kind]
    assert len(found) == 1, (text, found)
    return found[0]


# The names lists load on the first name looked for.
@settings(deadline=None)
@pytest.mark.parametrize(("text", "kind"), _SPLIT_BY_INVISIBLES)
@given(
    inserted=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(_IGNORABLE)), min_size=1, max_size=4
    )
)
def test_an_invisible_character_inside_an_identifier_hides_nothing(
    text: str, kind: IdentifierKind, inserted: list[tuple[int, str]]
) -> None:
    """Invisible characters typed anywhere in or around an identifier, or copied back from a
    card that broke a long run of text to wrap it, still leave the identifier found, at its
    place as typed."""
    typed = text
    for cut, invisible in inserted:
        at = cut % (len(typed) + 1)
        typed = typed[:at] + invisible + typed[at:]
    found, plain = _found(typed, kind), _found(text, kind)
    as_typed = typed[found.start : found.end]
    assert display.read(as_typed)[0] == text[plain.start : plain.end]
    assert as_typed[0] == text[plain.start]
    assert as_typed[-1] == text[plain.end - 1]
    assert found.masked == plain.masked


# The names lists load on the first name looked for.
@settings(deadline=None)
@pytest.mark.parametrize(("text", "kind"), _SPLIT_BY_INVISIBLES)
@given(space=st.sampled_from(["\u00a0", "\u2009", "\u202f", "\u2007", "\u3000", "\u205f"]))
def test_any_space_a_reader_sees_as_one_groups_an_identifier(
    text: str, kind: IdentifierKind, space: str
) -> None:
    typed = text.replace(" ", space)
    found, plain = _found(typed, kind), _found(text, kind)
    assert (found.start, found.end, found.masked) == (plain.start, plain.end, plain.masked)


# The names lists load on the first name looked for.
@settings(deadline=None)
@pytest.mark.parametrize(("text", "kind"), _SPLIT_BY_INVISIBLES)
@given(before=st.sampled_from(["", "see ", "LOS-2026-001/A3,LOS-2026-002,", "x" * 40 + ","]))
def test_an_identifier_copied_back_from_a_card_is_still_found(
    text: str, kind: IdentifierKind, before: str
) -> None:
    """A card shows "carer.k@example.org" with a look-alike dot and long runs with breaks; a
    chair who copies it into a field has typed the address (review2)."""
    typed = before + text
    copied = user_text(typed)
    found, plain = _found(copied, kind), _found(typed, kind)
    assert display.read(copied[found.start : found.end])[0] == typed[plain.start : plain.end]
    assert found.masked == plain.masked


# Every non-ASCII character the guard reads as one ASCII character in the text's own run
# (`display.read`): each decimal digit of every script, fullwidth and mathematical letters,
# digits and signs, the cards' look-alikes, the spaces, and other scripts' look-alike letters.
# Not the marks beside the text ("¹", "①"), which are read set apart from it.
def _read_as() -> dict[str, list[str]]:
    forms: dict[str, list[str]] = {}
    for point in range(0x80, 0x20000):
        if point in display.MARKS:
            continue
        seen, _ = display.read(chr(point))
        if len(seen) == 1 and seen.isascii():
            forms.setdefault(seen, []).append(chr(point))
    return forms


_READ_AS = _read_as()
_DIGIT_FORMS = {digit: [digit, *_READ_AS[digit]] for digit in "0123456789"}


def _disguised(draw: st.DrawFn, text: str) -> str:
    return "".join(draw(st.sampled_from([char, *_READ_AS.get(char, [])])) for char in text)


@st.composite
def _valid_nhs_numbers(draw: st.DrawFn) -> str:
    first = draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9))
    for check in "0123456789":
        if is_valid_nhs_number("".join(first) + check):
            return "".join(first) + check
    return draw(st.nothing())


@settings(deadline=None)
@given(
    digits=_valid_nhs_numbers(),
    gaps=st.tuples(
        *[st.sampled_from(["", " ", "-", "\u00a0", "\u3000", "\uff0d", "\u2011", "\u2013"])] * 2
    ),
    data=st.data(),
)
def test_a_valid_nhs_number_in_any_script_s_digits_is_flagged(
    digits: str, gaps: tuple[str, str], data: st.DataObject
) -> None:
    """Fullwidth, mathematical, Arabic-Indic or any script's digits, in any mix: a reader
    reads each as the digit it is, and so does the guard (guard12)."""
    typed = "".join(data.draw(st.sampled_from(_DIGIT_FORMS[d])) for d in digits)
    typed = typed[:3] + gaps[0] + typed[3:6] + gaps[1] + typed[6:]
    text = f"NHS number {typed} on file"
    [found] = [f for f in find_identifiers(text) if f.kind is IdentifierKind.NHS_NUMBER]
    assert text[found.start : found.end] == typed
    assert found.masked == f"{digits[:3]} \u2022\u2022\u2022 \u2022\u2022\u2022\u2022"


# The names lists load on the first name looked for.
@settings(deadline=None)
@pytest.mark.parametrize(("text", "kind"), _SPLIT_BY_INVISIBLES)
@given(data=st.data())
def test_an_identifier_typed_in_fullwidth_or_mathematical_forms_is_found_where_typed(
    text: str, kind: IdentifierKind, data: st.DataObject
) -> None:
    """Any character of the text swapped for any form read as it (a fullwidth postcode, a
    name in mathematical bold, a fullwidth at sign): the same findings, at the same places,
    with the same masks."""
    typed = _disguised(data.draw, text)
    assert len(typed) == len(text)
    assert find_identifiers(typed) == find_identifiers(text)


def test_a_held_answer_in_fullwidth_digits_is_masked_in_place() -> None:
    """The held view replaces each finding by its kind, at its place as typed."""
    typed = "Seen at clinic, NHS \uff19\uff14\uff13 \uff14\uff17\uff16 \uff15\uff19\uff11\uff19."
    assert held.masked(typed, find_identifiers(typed)) == "Seen at clinic, NHS [an NHS number]."


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("NHS 943 476 5919\u00b9 noted", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("postcode SW1A 1AA\u00b2 noted", IdentifierKind.POSTCODE, "SW1A 1AA"),
        ("email a.b@example.org\u00b3 noted", IdentifierKind.EMAIL, "a.b@example.org"),
        ("DOB 12/03/2015\u00b9 noted", IdentifierKind.DATE_OF_BIRTH, "12/03/2015"),
        ("call 07700 900123\u2081 today", IdentifierKind.PHONE_NUMBER, "07700 900123"),
        ("NHS 943 476 5919\u2460 noted", IdentifierKind.NHS_NUMBER, "943 476 5919"),
    ],
)
def test_a_footnote_mark_after_an_identifier_hides_nothing(
    text: str, kind: IdentifierKind, found: str
) -> None:
    """review12a: read as a digit, a superscript, subscript or circled mark joined the
    identifier before it, which then failed its end check and passed the guard."""
    _assert_found_where_typed_and_masked(text, kind, found)


def _assert_found_where_typed_and_masked(text: str, kind: IdentifierKind, found: str) -> None:
    [finding] = [f for f in find_identifiers(text) if f.kind is kind]
    assert text[finding.start : finding.end].endswith(found)
    assert found not in held.masked(text, find_identifiers(text))


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("NHS 943 476 5919\u1d57\u02b0", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("DOB 12/03/2015\u1d57\u02b0", IdentifierKind.DATE_OF_BIRTH, "12/03/2015"),
        ("DOB 12/03/15\u1d57\u02b0", IdentifierKind.DATE_OF_BIRTH, "12/03/15"),
        ("NHS 943 476 5919\ufb01", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("NHS number 943 476 5919\ufb01 on file", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("NHS 943 476 5919\u216b", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("born 09/09/2020\u2116", IdentifierKind.DATE_OF_BIRTH, "09/09/2020"),
        ("Child K, born 09/09/2020\u2116, seen", IdentifierKind.DATE_OF_BIRTH, "09/09/2020"),
        ("NHS \u216b943 476 5919", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("NHS \ufb01943 476 5919", IdentifierKind.NHS_NUMBER, "943 476 5919"),
    ],
)
def test_letters_read_from_a_mark_or_a_form_after_the_last_digit_hide_nothing(
    text: str, kind: IdentifierKind, found: str
) -> None:
    """review13b M2: a superscript ordinal ("ᵗʰ") joined any digits before it, and a ligature, a
    Roman numeral or "№" read as letters joined the last digit (or the first), so the number or
    date failed its end (or start) check and passed the guard (each was found before marks and
    forms were read). Found where it was typed, and masked."""
    _assert_found_where_typed_and_masked(text, kind, found)


def test_a_superscript_ordinal_still_joins_a_day_of_a_date_of_birth() -> None:
    """A date of birth typed "12ᵗʰ March 2015" after "born" is found from the "born" to the year."""
    text = "Child K was born 12\u1d57\u02b0 March 2015 at home"
    [finding] = find_identifiers(text)
    assert finding.kind is IdentifierKind.DATE_OF_BIRTH
    assert text[finding.start : finding.end] == "born 12\u1d57\u02b0 March 2015"


def test_a_line_break_ends_a_relationship_word_s_reach() -> None:
    """walk13: in a one-per-line box, "…to see the child" then "Share incident logs…" read
    "Share" as the child's family name and held the outcome's Add action item. A name on the
    same line as the relationship word is still found, and a full name on the next line too."""
    learning = "Police should always ask to see the child\nShare incident logs with health visitors"
    assert identifiers.find_identifiers(learning) == []
    for text, name in (("mum Kelly said", "Kelly"), ("Dad - Craig", "Craig")):
        [found] = identifiers.find_identifiers(text)
        assert text[found.start : found.end] == name
    [found] = identifiers.find_identifiers("seen by dad\nCraig Smith came in")
    assert found.kind is IdentifierKind.NAME


# Forms a reader reads otherwise than typed: marks beside the text, forms of several characters,
# combining marks, joiners, look-alike letters of other scripts, and the digits and letters of
# the corpus's identifiers around them.
_FORMS = list(
    "\u00b9\u00b2\u2079\u2460\u2469\u2488\u2474\u2776\u1d57\u02b0\u2122\ufb01\ufb03\u2026\u216b"
    "\u0332\u0301\u20e3\ufe0f\u200d\u200b\u0410\u0435\u039f\u0406\u0417\uff19\u2011"
)


_PIECES = ["NHS 943 476 5919", "SW1A 1AA", "Kelly Smith", "DOB 12/03/2015", "a.b@example.org"]


@settings(deadline=None)
@given(
    st.lists(
        st.sampled_from(_PIECES + _FORMS + [" ", "9", "1"]) | st.characters(), max_size=30
    ).map("".join)
)
def test_every_finding_points_at_a_span_of_the_text_as_typed(typed: str) -> None:
    """Whatever is typed, each finding is a span of the typed text, in order, not overlapping,
    neither starting on nor cutting off a mark drawn on the character before. An invisible
    mark (a variation selector, the grapheme joiner: default-ignorable) may be left outside,
    as any invisible character after an identifier is
    (`test_an_invisible_character_inside_an_identifier_hides_nothing`)."""
    findings = find_identifiers(typed)
    ends = 0
    for finding in findings:
        assert ends <= finding.start < finding.end <= len(typed)
        assert unicodedata.category(typed[finding.start]) not in ("Mn", "Me")
        if finding.end < len(typed) and ord(typed[finding.end]) not in display.DEFAULT_IGNORABLE:
            assert unicodedata.category(typed[finding.end]) not in ("Mn", "Me")
        assert "\n" not in finding.masked
        ends = finding.end


@pytest.mark.parametrize(
    ("typed", "kind", "found"),
    [
        (
            "NHS \u2468\u2463\u2462 \u2463\u2466\u2465 \u2464\u2468\u2460\u2468 seen",
            IdentifierKind.NHS_NUMBER,
            "\u2468\u2463\u2462 \u2463\u2466\u2465 \u2464\u2468\u2460\u2468",
        ),
        (
            "NHS \u2079\u2074\u00b3\u2074\u2077\u2076\u2075\u2079\u00b9\u2079 seen",
            IdentifierKind.NHS_NUMBER,
            "\u2079\u2074\u00b3\u2074\u2077\u2076\u2075\u2079\u00b9\u2079",
        ),
        (
            "born \u246b/\u2462/\u2473\u246e at home",
            IdentifierKind.DATE_OF_BIRTH,
            "born \u246b/\u2462/\u2473\u246e",
        ),
        (
            "NHS 9\u03324\u03323\u0332 476 5919\u0332 seen",
            IdentifierKind.NHS_NUMBER,
            "9\u03324\u03323\u0332 476 5919\u0332",
        ),
        # Hypothesis: an invisible variation selector after the last digit is left outside.
        ("NHS 943 476 5919\ufe0f seen", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        (
            "NHS 9\ufe0f\u20e34\ufe0f\u20e33\ufe0f\u20e3 476 5919 seen",
            IdentifierKind.NHS_NUMBER,
            "9\ufe0f\u20e34\ufe0f\u20e33\ufe0f\u20e3 476 5919",
        ),
        ("NHS 943\u200d476\u200d5919 seen", IdentifierKind.NHS_NUMBER, "943\u200d476\u200d5919"),
        ("Ms Gri\ufb03ths called", IdentifierKind.NAME, "Ms Gri\ufb03ths"),
        ("K\u0435lly Sm\u0456th called", IdentifierKind.NAME, "K\u0435lly Sm\u0456th"),
        ("moved to SW1A 1\u0410\u0410 then", IdentifierKind.POSTCODE, "SW1A 1\u0410\u0410"),
        ("NHS 943 476 5919\u2469 noted", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("NHS 943 476 5919.\u00b9 noted", IdentifierKind.NHS_NUMBER, "943 476 5919"),
        ("NHS 943 476 5919\u2488 noted", IdentifierKind.NHS_NUMBER, "943 476 5919"),
    ],
)
def test_an_identifier_in_marks_forms_or_look_alikes_is_found_where_typed(
    typed: str, kind: IdentifierKind, found: str
) -> None:
    """guardforms: circled, superscript and keycap digits, underlined digits, joiners, a
    ligature and other scripts' look-alike letters are read as a reader reads them; the finding
    is where it was typed, and the held view masks all of it."""
    [finding] = [f for f in find_identifiers(typed) if f.kind is kind]
    assert typed[finding.start : finding.end] == found
    assert found not in held.masked(typed, find_identifiers(typed))
