"""A review's audit trail in words a safeguarding manager reads (`audit LOS-2026-004`): what
was done, to which record, by whom and when, rather than the stored action, record type, ids
and fingerprints ("return.signed_off · pre_analysis_return 12").

The words come from the tables the rest of the product already says things with: what a change
was (`domain.stale`'s deeds, as a stale card is told), a stage or status (`domain.status_words`),
a date (`domain.wording`). Nothing here changes what the audit log stores: the stored values stay
in the CSV export beside these words (exports/audit_trail.py), for a machine or an auditor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from domain import stale
from domain.audit_trail import TrailEvent, TrailNames, TrailSubjects
from domain.identifier_checks import OVERRIDE_ACTION as KEPT_FLAGGED
from domain.identifier_kinds import IDENTIFIER_LABELS, IdentifierKind
from domain.model import ActionStatus, ReturnStatus, ReviewStage
from domain.status_words import state_label
from domain.wording import listed, plain_date, shortened

# A fingerprint of typed text (domain/returns.py `_fingerprint`): proof that it changed, never
# the text. It is for the CSV, not for reading.
FINGERPRINT_PREFIX: Final = "sha256:"
_VALUE_MAX: Final = 80
# Under the card's events: where the stored values are, for whoever checks the record.
TRAIL_CSV_NOTE: Final = (
    "Export CSV for every event as recorded: its stored action, record and ids, the values "
    "before and after (a fingerprint, not the text, of each answer that changed), beside these "
    "words."
)
_NAMED_AT_MOST: Final = 4


@dataclass(frozen=True)
class EventWords:
    """One event as the card says it: the record ("Demo Police's return"), what was done to it
    ("Alex Wilber signed off the return") and any details ("Status: Submitted → Signed off")."""

    record: str
    deed: str
    details: tuple[str, ...] = ()


# What the trail's own events did, where `domain.stale` (which words the changes a stale card
# is told about) has no deed for them.
_TRAIL_DEEDS: Final[Mapping[str, str]] = {
    "review.created": "created the review",
    "action.progress": "added a progress update",
    "action.nudged": "reminded the owner about the item",
    "action.lic_commented": "commented for the LIC group",
    "action.update_requested": "asked the owner for an update",
    "guide.usage_recorded": "recorded how the guide is used",
    "summary.viewed": "opened the review's summary",
    "summary.exported": "exported the review's summary",
    "export.created": "exported a file",
    "export.delivered": "downloaded an exported file",
    "audit.viewed": "opened this audit trail",
    "audit.exported": "exported this audit trail as CSV",
    # domain/identifier_checks.py OVERRIDE_ACTION: which boxes, and what kinds were found.
    KEPT_FLAGGED: "kept text the identifier check flagged, as not identifying",
}

# How a detail's stored key reads; keys not here read as their words ("due_on" -> "Due on").
_KEY_LABELS: Final[Mapping[str, str]] = {
    "assigned": "Asked to write",
    "assignees": "Writing it before",
    "removed": "No longer writing it",
    "owner_member_id": "Owner",
    "deputy_chair_member_id": "Deputy chair",
    "agency_id": "Agency",
    "agencies": "Agencies",
    "returns_due_on": "Returns due",
    "due_on": "Due",
    "proposed_due_on": "Due date asked for",
    "legal_hold": "Legal hold",
    "needs": "Learning needs",
    "actions": "Action items",
    "access": "What they could see",
}
# A summary view's `access` (`domain.summaries.Access`) in a manager's words, not "full" (walk9).
_ACCESS_WORDS: Final[Mapping[str, str]] = {
    "full": "the whole review",
    "own": "only their own returns and action items",
    "none": "nothing of the review",
}
_MEMBER_KEYS: Final = frozenset(
    {"assigned", "assignees", "removed", "owner_member_id", "deputy_chair_member_id"}
)
_AGENCY_KEYS: Final = frozenset({"agency_id", "agencies"})
# Said by the record or the deed already (a review's reference, a chronology entry's return),
# or a fingerprint of what was typed: never a line of its own.
_SAID_ELSEWHERE: Final = frozenset({"reference", "return_id", "fields"})


def event_words(event: TrailEvent, subjects: TrailSubjects, names: TrailNames) -> EventWords:
    return EventWords(
        record_words(event, subjects, names),
        f"{actor_words(event)} {deed_words(event, names)}",
        detail_lines(event, names),
    )


def actor_words(event: TrailEvent) -> str:
    """Who did it: their name; "The system" for a scheduled run; "Someone not on the
    members list" for an actor the partnership doesn't hold (their id stays in the CSV)."""
    if event.actor_name:
        return event.actor_name
    return "The system" if event.actor_aad_id is None else "Someone not on the members list"


def record_words(event: TrailEvent, subjects: TrailSubjects, names: TrailNames) -> str:
    """The record the event is about, named as the review's people know it."""
    kind, key = event.record_type, _int(event.record_id)
    if kind == "review":
        return f"The review {subjects.reference}"
    if kind == "pre_analysis_return":
        named = _return_words(key, names)
        return named[:1].upper() + named[1:]
    if kind == "action_item":
        number = names.actions.get(key) if key is not None else None
        return f"Action item A{number}" if number is not None else "An action item"
    if kind == "seven_minute_guide":
        return "The 7-minute briefing guide"
    if kind == "chronology_entry":
        return f"A chronology entry in {_return_words(_int(_value(event, 'return_id')), names)}"
    if kind == "export_file":
        filename = _value(event, "filename")
        return f"The file {filename}" if isinstance(filename, str) and filename else "A file"
    return kind.replace("_", " ").capitalize()


def deed_words(event: TrailEvent, names: TrailNames) -> str:
    """What was done, in the words a stale card is told a change in (`domain.stale`), or the
    trail's own for events no card goes stale over."""
    change = stale.Change(
        event.actor_name, event.at, event.action, event.after, names.labels, event.before
    )
    known = stale.known_deed(change) or _TRAIL_DEEDS.get(event.action)
    return known or f"recorded “{event.action}”"  # an action with no words yet: as stored


def detail_lines(event: TrailEvent, names: TrailNames) -> tuple[str, ...]:
    """Each field the event recorded, before → after, in words; fingerprints of typed text
    and the ids the record's name already says are left to the CSV."""
    old, new = event.before or {}, event.after or {}
    if event.action == "return.answers_saved":
        return ()  # the deed names the questions; the values are fingerprints
    lines: list[str] = []
    for key in [*old, *(k for k in new if k not in old)]:
        question = names.labels.get(key.split("#", 1)[0])
        if event.action == KEPT_FLAGGED:  # each box, by its label, and the kinds found in it
            box = f"'{question}'" if question else _KEY_LABELS.get(key) or _as_label(key)
            lines.append(f"{box}: {_kinds(new.get(key))}")
            continue
        if key in _SAID_ELSEWHERE or question:
            continue
        label = _KEY_LABELS.get(key) or _as_label(key)
        if key in old and key in new:
            was, now = _words(key, old[key], names), _words(key, new[key], names)
            lines.append(f"{label}: {was} → {now}")
        elif key in new:
            lines.append(f"{label}: {_words(key, new[key], names)}")
        else:
            lines.append(f"{label} was {_words(key, old[key], names)}")
    return tuple(lines)


def _as_label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _kinds(value: object) -> str:
    """An `identifiers.kept` event's kinds ("name", "phone_number") as the warning says them."""
    items = value if isinstance(value, list | tuple) else [value]
    said = []
    for item in items:
        try:
            said.append(IDENTIFIER_LABELS[IdentifierKind(str(item))])
        except ValueError:
            said.append(str(item).replace("_", " "))
    return listed(said, "and") or "none"


def _words(key: str, value: Any, names: TrailNames) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str) and value.startswith(FINGERPRINT_PREFIX):
        return "changed (the text is not kept here)"
    if key == "access" and str(value) in _ACCESS_WORDS:
        return _ACCESS_WORDS[str(value)]
    if key == "status":
        return _state(value, (ReturnStatus, ActionStatus))
    if key == "stage":
        return _state(value, (ReviewStage,))
    if key in _MEMBER_KEYS:
        return _people(value, names, "member")
    if key in _AGENCY_KEYS:
        return _people(value, names, "agency")
    if key == "actions" and isinstance(value, list | tuple):
        # "LOS-2026-004/A1": the record already names the review, so "A1", as the meeting did.
        return listed([str(v).rsplit("/", 1)[-1] for v in value], "and") or "none"
    if key == "themes" and isinstance(value, list | tuple):
        return listed([names.themes.get(str(v), str(v)) for v in value], "and") or "none"
    day = _day(value)
    if day is not None:
        return plain_date(day)
    if isinstance(value, list | tuple):
        return listed([_words(key, v, names) for v in value], "and") if value else "none"
    return shortened(str(value), _VALUE_MAX)


def _state(value: object, kinds: Sequence[type[ReviewStage | ReturnStatus | ActionStatus]]) -> str:
    for kind in kinds:
        try:
            return state_label(kind(str(value)))
        except ValueError:
            continue
    return str(value).replace("_", " ").capitalize()  # a guide's, or one no longer known


def _people(value: object, names: TrailNames, noun: str) -> str:
    """Member or agency ids by name. An assignment is stored as [member id, return id]
    pairs: the member, with the return's agency ("Alex Wilber (Demo Police)")."""
    known = names.members if noun == "member" else names.agencies
    items = value if isinstance(value, list | tuple) else [value]
    named: list[str] = []
    for item in items:
        pair: Sequence[object] = item if isinstance(item, list | tuple) else (item,)
        key = _int(pair[0]) if pair else None
        name = (known.get(key) if key is not None else None) or f"a former {noun}"
        of = _int(pair[1]) if len(pair) > 1 else None
        agency = names.returns.get(of) if of is not None else None
        named.append(f"{name} ({agency})" if agency else name)
    if not named:
        return "nobody" if noun == "member" else "none"
    if len(named) > _NAMED_AT_MOST:
        shown = ", ".join(named[:_NAMED_AT_MOST])
        return f"{shown} and {len(named) - _NAMED_AT_MOST} more"
    return listed(named, "and")


def _return_words(key: int | None, names: TrailNames) -> str:
    agency = names.returns.get(key) if key is not None else None
    return f"{agency}'s return" if agency else "a return"


def _value(event: TrailEvent, key: str) -> object:
    return (event.after or {}).get(key, (event.before or {}).get(key))


def _int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw) if raw is not None else ""
    return int(text) if text.isdigit() else None


def _day(raw: object) -> date | None:
    if not isinstance(raw, str) or len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
