"""What the identifier guard reports: the kinds of identifier, and one finding."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IdentifierKind(StrEnum):
    NAME = "name"
    ADDRESS = "address"
    POSTCODE = "postcode"
    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    PHONE_NUMBER = "phone_number"
    EMAIL = "email"
    SCHOOL_OR_SURGERY = "school_or_surgery"


IDENTIFIER_LABELS: dict[IdentifierKind, str] = {
    IdentifierKind.NAME: "a name",
    IdentifierKind.ADDRESS: "a street address",
    IdentifierKind.POSTCODE: "a postcode",
    IdentifierKind.DATE_OF_BIRTH: "a date of birth",
    IdentifierKind.NHS_NUMBER: "an NHS number",
    IdentifierKind.NI_NUMBER: "a National Insurance number",
    IdentifierKind.PHONE_NUMBER: "a phone number",
    IdentifierKind.EMAIL: "an email address",
    IdentifierKind.SCHOOL_OR_SURGERY: "a named school or GP surgery",
}

# Masks use a bullet, not "*": a bullet means nothing to Markdown, so the warning reads the
# same in a card, a document or a log ("K•••• S••••", not an accidental bold run).
MASK = "\u2022"


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


def mask_word(word: str) -> str:
    """Keep the first letter, so the writer can see which word was meant: "Kelly" -> "K••••"."""
    return word[:1] + MASK * (len(word) - 1)


def mask_alphanumerics(text: str) -> str:
    return "".join(MASK if char.isalnum() else char for char in text)
