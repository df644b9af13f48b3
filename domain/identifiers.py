"""The identifier guard (DESIGN.md §10): spot likely personal identifiers in free text.

Reviews are pseudonymised by default, so answers and chronology entries must not carry NHS
numbers, dates of birth, postcodes, phone numbers or email addresses. The guard only reports: it
never changes what the practitioner wrote, because a false positive must not corrupt a record.
The bot warns the user and lets them edit.

Findings carry a masked copy of the match so that the warning itself does not repeat the
identifier into Teams, where the tenant's own retention applies.

Every pattern is anchored by a look-behind that fails inside a run of the same characters, and
uses bounded repeats without nested ambiguity, so a scan is linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class IdentifierKind(StrEnum):
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    POSTCODE = "postcode"
    PHONE_NUMBER = "phone_number"
    EMAIL = "email"


IDENTIFIER_LABELS: dict[IdentifierKind, str] = {
    IdentifierKind.NHS_NUMBER: "an NHS number",
    IdentifierKind.DATE_OF_BIRTH: "a date of birth",
    IdentifierKind.POSTCODE: "a postcode",
    IdentifierKind.PHONE_NUMBER: "a phone number",
    IdentifierKind.EMAIL: "an email address",
}


@dataclass(frozen=True)
class IdentifierFinding:
    """One likely identifier: what kind, a masked copy safe to show, and where it is."""

    kind: IdentifierKind
    masked: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return IDENTIFIER_LABELS[self.kind]


# Spaces, no-break spaces (Teams and Word paste them) and hyphens may group digits.
_SEP = r"[ \u00a0-]"

_NHS_NUMBER = re.compile(
    rf"(?<![\w+])(\d{{3}})({_SEP}?)(\d{{3}})\2(\d{{4}})(?!\w|\.\d)",
    re.ASCII,
)

# UK numbers: 0 or +44 / 0044 (optionally "(0)"), then a 10-digit national number starting 1 or
# 2 (geographic) or 7 (mobile). 03, 08 and 09 numbers belong to organisations, not people.
_PHONE_NUMBER = re.compile(
    rf"""
    (?<![\w+])
    (?: (?:\+|00)44{_SEP}?(?:\(0\){_SEP}?)? | \(?0 )
    [127]
    (?:\)?{_SEP}?\d){{9}}
    (?!\d)
    """,
    re.ASCII | re.VERBOSE,
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
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|(?:the\s{{1,3}})?{_DAY}\s{{1,3}}(?:of\s{{1,3}})?{_MONTH}{_YEAR_TAIL}"
    rf"|{_MONTH}\s{{1,3}}{_DAY}{_YEAR_TAIL})"
)
# A birth phrase alone ("the date of birth was not recorded") identifies no one; the date after
# it does. So a phrase counts only when a date follows it.
_DATE_OF_BIRTH = re.compile(
    r"\b(?P<phrase>d\.?\s?o\.?\s?b\b\.?|date\s{1,3}of\s{1,3}birth|birth\s?date"
    r"|born(?:\s{1,3}on)?|birthday(?:\s{1,3}(?:is|on))?)"
    r"\s{0,3}(?:[:=-]\s{0,3}|(?:is|was|of)\s{1,3})?"
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
            chars[index] = "*"
            how_many -= 1
    return "".join(chars)


def _nhs_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _NHS_NUMBER.finditer(text):
        first, _, middle, last = match.groups()
        if is_valid_nhs_number(first + middle + last):
            masked = f"{first} *** ****"
            findings.append(
                IdentifierFinding(IdentifierKind.NHS_NUMBER, masked, match.start(), match.end())
            )
    return findings


def _phone_findings(text: str) -> list[IdentifierFinding]:
    return [
        IdentifierFinding(
            IdentifierKind.PHONE_NUMBER,
            # The last six digits identify the line; the rest only says where or which network.
            _mask_last_digits(match.group(), how_many=6),
            match.start(),
            match.end(),
        )
        for match in _PHONE_NUMBER.finditer(text)
    ]


def _postcode_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _POSTCODE.finditer(text):
        letters = [char for char in match.group() if char.isalpha()]
        # Mixed case ("Y1 2nd" for a school year) is prose; postcodes are typed in one case.
        if not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
            continue
        masked = f"{match.group('outward').upper()} ***"
        findings.append(
            IdentifierFinding(IdentifierKind.POSTCODE, masked, match.start(), match.end())
        )
    return findings


def _email_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _EMAIL.finditer(text):
        local, _, domain = match.group().partition("@")
        masked = f"{local[0]}***@{domain}"
        findings.append(IdentifierFinding(IdentifierKind.EMAIL, masked, match.start(), match.end()))
    return findings


def _date_of_birth_findings(text: str) -> list[IdentifierFinding]:
    findings = []
    for match in _DATE_OF_BIRTH.finditer(text):
        hidden_date = re.sub(r"[A-Za-z0-9]", "*", match.group("date"))
        masked = text[match.start() : match.start("date")] + hidden_date
        findings.append(
            IdentifierFinding(IdentifierKind.DATE_OF_BIRTH, masked, match.start(), match.end())
        )
    return findings


_DETECTORS: tuple[Callable[[str], list[IdentifierFinding]], ...] = (
    _nhs_findings,
    _date_of_birth_findings,
    _phone_findings,
    _postcode_findings,
    _email_findings,
)


def _without_overlaps(findings: list[IdentifierFinding]) -> list[IdentifierFinding]:
    # "+44 1482 300300" also contains ten digits that could pass as an NHS number; the longer,
    # earlier match is the better explanation of the text, so it wins.
    ordered = sorted(findings, key=lambda f: (f.start, f.start - f.end))
    kept: list[IdentifierFinding] = []
    for finding in ordered:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


# Every detector needs an ASCII digit (all but e-mail) or an "@" (e-mail): text with neither,
# most answers, skips the five scans. Run on every answer of every save.
_MAY_IDENTIFY = re.compile(r"[0-9@]")


def find_identifiers(text: str) -> list[IdentifierFinding]:
    """Likely personal identifiers in `text`, in order of position. The text is not changed."""
    if not _MAY_IDENTIFY.search(text):
        return []
    found = [finding for detect in _DETECTORS for finding in detect(text)]
    return _without_overlaps(found)


def _join_with_and(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def describe_findings(findings: Sequence[IdentifierFinding]) -> str:
    """A warning the bot can show as it is, or "" when there is nothing to warn about."""
    if not findings:
        return ""
    parts = [f"{finding.label} ({finding.masked})" for finding in findings]
    return (
        f"This looks as if it contains {_join_with_and(parts)}. Reviews are pseudonymised: "
        "please remove personal identifiers and refer to the child by the review pseudonym."
    )
