"""The impact chronology: checking entries, ordering them, and paging them (docs/practice.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from domain.errors import FormInvalid, field_error
from domain.identifiers import describe_findings, find_identifiers
from domain.model import DateCertainty
from domain.questions import Theme, default_themes
from domain.records import ChronologyView, EntryInput
from domain.wording import plain_date

SOURCE_MAX = 300
TEXT_MAX = 1000
REASON_MAX = 500
PAGE_SIZE = 8
# On the same day, "before" sorts first, then approximate, exact, and "after" last.
_CERTAINTY_ORDER = {
    DateCertainty.BEFORE: 0,
    DateCertainty.APPROXIMATELY: 1,
    DateCertainty.ON: 2,
    DateCertainty.AFTER: 3,
}
TEXT_FIELDS = ("source", "event", "impact_on_child", "action_outcome", "missed_opportunity_reason")


@dataclass(frozen=True)
class CheckedEntry:
    entry: EntryInput
    warnings: Mapping[str, str]


def check_entry(
    data: Mapping[str, object], today: date, themes: Iterable[Theme] | None = None
) -> CheckedEntry:
    """Validate an entry card's inputs; identifiers are warnings the user confirms, not errors."""
    errors: dict[str, str] = {}
    event_date = _date(data.get("event_date"), "event_date", "Date", today, errors, required=True)
    end_date = _date(data.get("end_date"), "end_date", "End date", today, errors, required=False)
    if event_date and end_date and end_date < event_date:
        errors["end_date"] = "The end date must be on or after the date."
    certainty = _certainty(data.get("date_certainty"), errors)
    texts = {
        name: _text(data.get(name), name, limit, errors, required=name in ("source", "event"))
        for name, limit in (
            ("source", SOURCE_MAX),
            ("event", TEXT_MAX),
            ("impact_on_child", TEXT_MAX),
            ("action_outcome", TEXT_MAX),
            ("missed_opportunity_reason", REASON_MAX),
        )
    }
    missed = _flag(data.get("missed_opportunity"))
    if missed and not texts["missed_opportunity_reason"]:
        errors["missed_opportunity_reason"] = "Say in a sentence why it was a missed opportunity."
    chosen = _themes(data.get("themes"), themes or default_themes(), errors)
    if errors or event_date is None:
        raise FormInvalid(errors or {"event_date": field_error("Date", " is required.")})
    entry = EntryInput(
        event_date,
        certainty,
        end_date,
        texts["source"] or "",
        texts["event"] or "",
        texts["impact_on_child"],
        texts["action_outcome"],
        _flag(data.get("key_practice_episode")),
        missed,
        texts["missed_opportunity_reason"] if missed else None,
        chosen,
    )
    return CheckedEntry(entry, identifier_warnings(entry))


def identifier_warnings(entry: EntryInput) -> dict[str, str]:
    warnings: dict[str, str] = {}
    for name in TEXT_FIELDS:
        text = getattr(entry, name)
        findings = find_identifiers(text) if isinstance(text, str) else []
        if findings:
            warnings[name] = describe_findings(findings)
    return warnings


def ordered(entries: Iterable[ChronologyView]) -> list[ChronologyView]:
    """Date order; uncertain dates sort by their certainty on the day, then as entered."""
    return sorted(
        entries,
        key=lambda v: (v.entry.event_date, _CERTAINTY_ORDER[v.entry.date_certainty], v.sequence),
    )


@dataclass(frozen=True)
class Page:
    items: tuple[ChronologyView, ...]
    number: int
    count: int


def page(entries: Sequence[ChronologyView], number: int, size: int = PAGE_SIZE) -> Page:
    count = max(1, -(-len(entries) // size))
    number = min(max(number, 1), count)
    start = (number - 1) * size
    return Page(tuple(entries[start : start + size]), number, count)


# How sure the date is, in the pack's Certainty column (the stored values are codes: "on").
CERTAINTY_WORDS: Final = {
    DateCertainty.ON: "exact",
    DateCertainty.BEFORE: "before",
    DateCertainty.AFTER: "after",
    DateCertainty.APPROXIMATELY: "approximately",
}


def describe_date(entry: EntryInput) -> str:
    day = plain_date(entry.event_date)
    prefix = {
        DateCertainty.ON: "",
        DateCertainty.BEFORE: "Before ",
        DateCertainty.AFTER: "After ",
        DateCertainty.APPROXIMATELY: "About ",
    }
    text = prefix[entry.date_certainty] + day
    return f"{text} to {plain_date(entry.end_date)}" if entry.end_date else text


def _date(
    raw: object, key: str, label: str, today: date, errors: dict[str, str], *, required: bool
) -> date | None:
    if not isinstance(raw, str) or not raw.strip():
        if required:
            errors[key] = field_error(label, " is required.")
        return None
    try:
        value = date.fromisoformat(raw.strip()[:10])
    except ValueError:
        errors[key] = field_error(label, " must be a date like 2025-03-14.")
        return None
    if value > today:
        errors[key] = field_error(label, " can't be in the future.")
    return value


def _certainty(raw: object, errors: dict[str, str]) -> DateCertainty:
    if raw in (None, ""):
        return DateCertainty.ON
    try:
        return DateCertainty(str(raw))
    except ValueError:
        errors["date_certainty"] = "Choose how certain the date is."
        return DateCertainty.ON


def _text(
    raw: object, key: str, limit: int, errors: dict[str, str], *, required: bool
) -> str | None:
    text = raw.strip() if isinstance(raw, str) else ""
    label = key.replace("_", " ").capitalize()
    if required and not text:
        errors[key] = field_error(label, " is required.")
    elif len(text) > limit:
        errors[key] = field_error(label, f" is {len(text):,} characters; the limit is {limit:,}.")
    return text or None


def _flag(raw: object) -> bool:
    return raw is True or (isinstance(raw, str) and raw.lower() == "true")


def _themes(raw: object, vocabulary: Iterable[Theme], errors: dict[str, str]) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    known = {theme.slug for theme in vocabulary}
    parts = [p.strip() for p in raw.split(",")] if isinstance(raw, str) else []
    if not parts or any(p not in known for p in parts if p):
        errors["themes"] = "Choose themes from the list."
        return ()
    return tuple(dict.fromkeys(p for p in parts if p))
