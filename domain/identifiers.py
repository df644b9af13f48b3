"""The identifier guard: spot likely personal identifiers in free text.

Reviews are pseudonymised by default, so nothing a practitioner types for others to read may
carry a name, a street address, a postcode, a date of birth, an NHS or National Insurance
number, a phone number, an email address, or a named school or GP surgery. The guard only
reports: it never changes what the practitioner wrote, because a false positive must not
corrupt a record. The bot warns the user and lets them edit.

Findings carry a masked copy of the match so that the warning itself does not repeat the
identifier into Teams, where the tenant's own retention applies.

Names, addresses and places are found word by word (domain/identifier_names.py); a name that
is part of the name of a thing ("Princess Anne Hospital", "Clare's Law") is then dropped
(domain/identifier_things.py). Phone numbers
are confirmed by Google's libphonenumber metadata (`phonenumbers`), which knows the ranges that
belong to organisations. Every number pattern is anchored by a look-behind that fails inside a
run of the same characters, and uses bounded repeats without nested ambiguity, so a scan is
linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache

import phonenumbers

from domain.display import read, typed_span
from domain.identifier_kinds import (
    IDENTIFIER_LABELS,
    MASK,
    IdentifierFinding,
    IdentifierKind,
    mask_alphanumerics,
)
from domain.identifier_names import place_findings, word_findings
from domain.identifier_things import person_name_findings, without_names_of_things

__all__ = [
    "IDENTIFIER_LABELS",
    "IdentifierFinding",
    "IdentifierKind",
    "describe_findings",
    "find_identifiers",
    "is_valid_nhs_number",
]


# Spaces, no-break spaces (Teams and Word paste them) and hyphens may group digits.
_SEP = r"[ \u00a0-]"

# Each gap on its own: people write "943 4765919" and "943476 5919" as well as the 3-3-4 the
# card shows (walk10); the Modulus 11 check keeps a stray ten-digit number from counting.
_NHS_NUMBER = re.compile(
    rf"(?<![\w+])(\d{{3}}){_SEP}?(\d{{3}}){_SEP}?(\d{{4}})(?!\w|\.\d)",
    re.ASCII,
)

# A candidate is a "+", "00" or "0" and then nine to fifteen more digits, in groups; the metadata
# then decides whether it is a real number, and whether it is a person's line.
_PHONE_CANDIDATE = re.compile(
    rf"(?<![\w+])(?:\+|\(?0)(?:\)?{_SEP}?(?:\(0\){_SEP}?)?\d){{9,15}}(?!\d)",
    re.ASCII,
)
# 03, 08 and 09 numbers (UAN, toll-free, premium, shared-cost) belong to organisations. A number
# in no known range (typed from memory, or a reserved one) still counts: it may be a person's.
_ORGANISATION_LINES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    }
)

# National Insurance numbers, as HMRC issues them: two prefix letters (never D, F, I, Q, U or V;
# O not second; never BG, GB, KN, NK, NT, TN or ZZ), six digits, a suffix A to D.
_NI_NUMBER = re.compile(
    r"(?<![\w])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    rf"{_SEP}?\d{{2}}{_SEP}?\d{{2}}{_SEP}?\d{{2}}{_SEP}?[A-D](?!\w)",
    re.ASCII | re.IGNORECASE,
)

# Outward code letters exclude Q, V, X first and I, J, Z second; inward letters exclude
# C, I, K, M, O, V. Those exclusions also keep times such as "2pm" out.
_POSTCODE = re.compile(
    r"""
    (?<!\w)
    (?P<outward>[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)
    [ \u00a0]?
    (?P<inward>\d[ABD-HJLNP-UW-Z]{2})
    (?!\w)
    """,
    re.ASCII | re.VERBOSE | re.IGNORECASE,
)

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])",
    re.ASCII,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR_TAIL = r"(?:,?\s{1,3}\d{4})?"
# Day, month and year in the ways people write them, or a month and year: "03/2015", "March 2015".
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|{_MONTH}\s{{1,3}}\d{{4}}"
    r"|\d{1,2}[/.-]\d{4}"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|(?:the\s{{1,3}})?{_DAY}\s{{1,3}}(?:of\s{{1,3}})?{_MONTH}{_YEAR_TAIL}"
    rf"|{_MONTH}\s{{1,3}}{_DAY}{_YEAR_TAIL})"
)
# A birth phrase alone ("the date of birth was not recorded") identifies no one; the date after
# it does. So a phrase counts only when a date follows it, after a verb or up to two marks of
# punctuation: "DOB: 1/2/15", "date of birth (19/07/1996)", "born - [3 May 2015]", "DOB is 1/2/15".
_DOB_MARKS = r"[:=,(\[\u2013\u2014-]"
_DATE_OF_BIRTH = re.compile(
    r"\b(?P<phrase>d\.?\s?o\.?\s?b\b\.?|d/o/b|date\s{1,3}of\s{1,3}birth|birth\s?date"
    r"|born(?:\s{1,3}(?:on|in))?|birthday(?:\s{1,3}(?:is|on))?|b\.)"
    rf"\s{{0,3}}(?:(?:is|was|of)\s{{1,3}})?(?:{_DOB_MARKS}\s{{0,3}}){{0,2}}"
    r"(?:(?:is|was|of)\s{1,3})?"
    rf"(?P<date>{_DATE})(?!\w)",
    re.ASCII | re.IGNORECASE,
)

_NHS_WEIGHTS = range(10, 1, -1)


def is_valid_nhs_number(digits: str) -> bool:
    """Modulus 11 check on a 10-digit NHS number (the 10th digit is the check digit)."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    # An all-same-digit run passes the arithmetic but is never issued, and is usually filler.
    if len(set(digits)) == 1:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits, _NHS_WEIGHTS, strict=False))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _mask_last_digits(text: str, how_many: int) -> str:
    chars = list(text)
    for index in range(len(chars) - 1, -1, -1):
        if how_many == 0:
            break
        if chars[index].isdigit():
            chars[index] = MASK
            how_many -= 1
    return "".join(chars)


def _nhs_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _NHS_NUMBER.finditer(text):
        first, middle, last = match.groups()
        if is_valid_nhs_number(first + middle + last):
            masked = f"{first} {MASK * 3} {MASK * 4}"
            findings.append(
                IdentifierFinding(IdentifierKind.NHS_NUMBER, masked, match.start(), match.end())
            )
    return findings


def _ni_findings(text: str) -> list[IdentifierFinding]:
    return [
        IdentifierFinding(
            IdentifierKind.NI_NUMBER,
            match.group()[:2].upper() + mask_alphanumerics(match.group()[2:]),
            match.start(),
            match.end(),
        )
        for match in _NI_NUMBER.finditer(text)
        if match.group().isupper() or match.group().islower()
    ]


def _rings_a_person(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.number_type(number) in _ORGANISATION_LINES:
        return False
    if phonenumbers.is_valid_number(number):
        return True
    # Not in a range the metadata knows (a reserved drama number, a slip of one digit): a UK
    # number that looks geographic (01, 02) or mobile (07) may still be someone's.
    return number.country_code == 44 and str(number.national_number)[:1] in {"1", "2", "7"}


def _personal_lines(candidate: str) -> list[tuple[int, int]]:
    """Where in `candidate` the metadata finds a number that may ring a person."""
    return [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(
            candidate, "GB", leniency=phonenumbers.Leniency.POSSIBLE
        )
        if _rings_a_person(match.number)
    ]


def _phone_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for candidate in _PHONE_CANDIDATE.finditer(text):
        for start, end in _personal_lines(candidate.group()):
            number = candidate.group()[start:end]
            findings.append(
                IdentifierFinding(
                    IdentifierKind.PHONE_NUMBER,
                    # The last six digits identify the line; the rest says where, or which network.
                    _mask_last_digits(number, how_many=6),
                    candidate.start() + start,
                    candidate.start() + end,
                )
            )
    return findings


def _postcode_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _POSTCODE.finditer(text):
        letters = [char for char in match.group() if char.isalpha()]
        # Mixed case ("Y1 2nd" for a school year) is prose; postcodes are typed in one case.
        if not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
            continue
        masked = f"{match.group('outward').upper()} {MASK * 3}"
        findings.append(
            IdentifierFinding(IdentifierKind.POSTCODE, masked, match.start(), match.end())
        )
    return findings


def _email_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _EMAIL.finditer(text):
        local, _, domain = match.group().partition("@")
        masked = f"{local[0]}{MASK * 3}@{domain}"
        findings.append(IdentifierFinding(IdentifierKind.EMAIL, masked, match.start(), match.end()))
    return findings


def _date_of_birth_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _DATE_OF_BIRTH.finditer(text):
        hidden_date = mask_alphanumerics(match.group("date"))
        # The phrase and the hidden date, without the marks between them: the warning wraps
        # each finding in brackets, and "date of birth (19/07/1996)" kept its own open one.
        masked = f"{match.group('phrase')} {hidden_date}"
        findings.append(
            IdentifierFinding(IdentifierKind.DATE_OF_BIRTH, masked, match.start(), match.end())
        )
    return findings


# Each of these needs an ASCII digit (all but e-mail) or an "@" (e-mail): text with neither,
# most answers, skips them.
_NUMBER_DETECTORS: tuple[Callable[[str], list[IdentifierFinding]], ...] = (
    _nhs_findings,
    _ni_findings,
    _date_of_birth_findings,
    _phone_findings,
    _postcode_findings,
    _email_findings,
)
# What each needs at the least, so most texts skip most scans: ASCII digits, and an "@".
_NEEDS: dict[Callable[[str], list[IdentifierFinding]], tuple[int, str]] = {
    _nhs_findings: (10, ""),  # ten digits
    _ni_findings: (6, ""),  # two letters, six digits, a letter
    _date_of_birth_findings: (1, ""),  # "born 3rd May": a day
    _phone_findings: (9, ""),  # "+" and nine digits at the least
    _postcode_findings: (2, ""),  # a digit in each half
    _email_findings: (0, "@"),
}
_SCANS = tuple((detect, *_NEEDS[detect]) for detect in _NUMBER_DETECTORS)
# These need a capital letter. `_find` runs them as one: `word_findings` finds names and places
# on one split into words, and names of things are then dropped, as `person_name_findings` does.
_WORD_DETECTORS: tuple[Callable[[str], list[IdentifierFinding]], ...] = (
    person_name_findings,
    place_findings,
)
_DETECTORS = _NUMBER_DETECTORS + _WORD_DETECTORS
_ASCII_DIGITS = "0123456789"


def _without_overlaps(findings: list[IdentifierFinding]) -> list[IdentifierFinding]:
    # "+44 1482 300300" also contains ten digits that could pass as an NHS number; the longer,
    # earlier match is the better explanation of the text, so it wins. Of two on the same
    # words, a name loses: "to Holly Park" read as an address saw the words around it.
    ordered = sorted(
        findings, key=lambda f: (f.start, f.start - f.end, f.kind is IdentifierKind.NAME)
    )
    kept: list[IdentifierFinding] = []
    for finding in ordered:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


_MAY_BE_A_NAME = re.compile(r"[^\W\d_a-z]", re.UNICODE)


def find_identifiers(text: str) -> list[IdentifierFinding]:
    """Likely personal identifiers in `text`, in order of position. The text is not changed.
    Runs on every save of every field, so it stays cheap: about a millisecond for a 2,000-
    character answer, and nothing for the second look at the same text in one turn (the save
    checks it, then the card that follows shows its warnings).

    It reads the text as a reader sees it (`display.read`): an invisible character typed, or
    copied back from a card that broke a long run, inside "943 476 5919" or "SW1A 1AA" would
    otherwise hide it, and an address copied from a card keeps the card's look-alike dot.
    Positions are in `text` as typed."""
    seen, positions = read(text)
    if positions is None:
        return list(_find(text))
    return [_where_typed(finding, text, positions) for finding in _find(seen)]


def _where_typed(finding: IdentifierFinding, text: str, positions: list[int]) -> IdentifierFinding:
    start, end = typed_span(text, positions, finding.start, finding.end)
    # A run of marks is read set apart by a line end ("12ᵗʰ March"): the mask reads on one line.
    masked = " ".join(finding.masked.split())
    return replace(finding, masked=masked, start=start, end=end)


@lru_cache(maxsize=256)
def _find(text: str) -> tuple[IdentifierFinding, ...]:
    found: list[IdentifierFinding] = []
    digits = sum(map(text.count, _ASCII_DIGITS))
    for detect, digits_needed, char_needed in _SCANS:
        if digits >= digits_needed and char_needed in text:
            found += detect(text)
    if _MAY_BE_A_NAME.search(text):
        found += without_names_of_things(text, word_findings(text))
    return tuple(_without_overlaps(found))


def kinds_found(findings: Sequence[IdentifierFinding]) -> list[IdentifierKind]:
    """Each kind once, in the order first found."""
    return list(dict.fromkeys(finding.kind for finding in findings))


def _join_with_and(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def findings_phrase(findings: Sequence[IdentifierFinding]) -> str:
    """What was found, masked: "a name (K*** S***) and an address (14 A*** R***)"."""
    return _join_with_and([f"{finding.label} ({finding.masked})" for finding in findings])


def describe_findings(findings: Sequence[IdentifierFinding]) -> str:
    """A warning the bot can show as it is, or "" when there is nothing to warn about."""
    if not findings:
        return ""
    return (
        f"This looks as if it contains {findings_phrase(findings)}. Reviews are pseudonymised: "
        "please remove personal identifiers and refer to the child by the review pseudonym."
    )
