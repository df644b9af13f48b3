"""What every page of a generated document says about it (the header and footer's facts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Letterhead:
    title: str  # "Meeting pack"
    partnership: str
    reference: str
    pseudonym: str
    generated_on: date
    # A draft mark on every page until the content is final (the pack with every return in,
    # the guide published, the summary of a closed review).
    draft: bool = True
