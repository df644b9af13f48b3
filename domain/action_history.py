"""An action item's history, and the one rule for its latest word (docs/architecture.md §3).

Every entry an item gathers (the owner's update, blocked, complete or date request; the chair's
decision; a date request approved, declined or closed; a split; a reader's message) is a
`HistoryEntry`, oldest first as stored (by moment, then by when it was written). `latest` picks
the one every card, chaser copy and summary shows as the item's latest word, and `owner_rag`
the owner's self-assessment every view rates it by: the item card said the owner's blocking
note while the summary said the chair's reason for the decision after it, and the two read
their latest from different kinds of entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from domain.calendar import DEFAULT_CALENDAR
from domain.wording import short_date, shortened


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    note: str | None = None
    by: str | None = None  # who made it (a member's display name), when known
    proposed_due_on: date | None = None
    rag: str | None = None  # the owner's self-assessment with an update


# The chair's decisions (and their consequences written in the chair's name), by kind: what
# each did, as the item's history says it. "date_closed" is written just before the decision
# that closed the request, so the decision itself is the later entry.
_DECIDED: Final[Mapping[str, str]] = {
    "chair_set_date": "New date set",
    "chair_not_achievable": "Not achievable",
    "chair_reopen": "Reopened",
    "chair_reassign": "Reassigned",
    "chair_amend": "Amended",
    "chair_cancel": "Cancelled",
    "chair_split": "Split",
    "split": "Split",
    "split_from": "Split",
    "date_approved": "New date approved",
    "date_declined": "New date declined",
    "date_closed": "Date request closed",
}
# Everyone else's entries: what each is called ahead of its words.
_CALLED: Final[Mapping[str, str]] = {
    "progress": "Update",
    "completed": "Marked complete",
    "blocked": "Blocked",
    "date_requested": "Asked for a new date",
    "lead_reassign": "Reassigned by its agency's lead",
    "nudge": "Nudge from its agency's lead",
    "ask_reassign": "Reassigning asked of the chair",
    "comment": "LIC comment",
    "request_update": "LIC asked for an update",
}
# Entries whose words already say what happened ("Split into A5 and A6: …", "Date request for
# 12 Jan closed: …"): said as written.
_SELF_SAID: Final = frozenset({"split", "split_from", "date_closed"})
# Entries carrying a date: the date asked for, approved, declined or set.
_DATED: Final = frozenset(
    {"date_requested", "date_approved", "date_declined", "chair_set_date", "chair_amend"}
)

DECIDED_TITLE: Final = "Decided by the chair"
UPDATE_TITLE: Final = "Latest update"
# How many entries the item card lists under "History", newest first; the rest are counted.
HISTORY_SHOWN: Final = 3
# Room for one history line's words on a card (the latest entry's fact has its own).
HISTORY_ROOM: Final = 140
LATEST_ROOM: Final = 300


def latest(history: Sequence[HistoryEntry]) -> HistoryEntry | None:
    """The item's latest word: the last entry of its history, whoever made it. The one rule
    for every card and summary."""
    return history[-1] if history else None


# Entries that give the item a new owner: the owner's self-assessment before one was another
# person's, so the new owner has not reported one yet (walk8: a new owner inherited "off track").
NEW_OWNER_KINDS: Final = frozenset({"chair_reassign", "lead_reassign"})


def owner_rag(history: Sequence[HistoryEntry]) -> str | None:
    """The owner's latest self-assessment: the last entry that gave one stands until another
    does (an update without one, or a decision, leaves it as it was), and a reassign ends it:
    None, not yet reported by the new owner (the RAG the item's dates give still applies)."""
    for entry in reversed(history):
        if entry.kind in NEW_OWNER_KINDS:
            return None
        if entry.rag:
            return entry.rag
    return None


def by_chair(entry: HistoryEntry) -> bool:
    """Whether the entry is a decision of the chair's (or its consequence)."""
    return entry.kind in _DECIDED


def title(entry: HistoryEntry) -> str:
    """What a card calls the latest entry: the chair's decision says so."""
    return DECIDED_TITLE if by_chair(entry) else UPDATE_TITLE


def said(entry: HistoryEntry, room: int = LATEST_ROOM) -> str:
    """The entry in words, its typed text cut to `room`: "Blocked: no analyst until March",
    "Amended: due date moved", "Asked for a new date, 12 Jan: …". As typed: cards make it inert."""
    note = shortened(entry.note, room) if entry.note else ""
    if entry.kind in _SELF_SAID and note:
        return note
    what = _DECIDED.get(entry.kind) or _CALLED.get(entry.kind)
    if what is None:
        what = entry.kind.replace("_", " ").capitalize()
    if entry.kind in _DATED and entry.proposed_due_on is not None:
        what = f"{what}, {short_date(entry.proposed_due_on)}"
    if entry.kind == "progress" and note:
        return note  # the owner's own words, as every view showed them
    return f"{what}: {note}" if note else what


def stamp(entry: HistoryEntry) -> str:
    """Who made the entry and when: "Alex Wilber, 7 Dec 2026"."""
    day = short_date(DEFAULT_CALENDAR.local_date(entry.at))
    return f"{entry.by}, {day}" if entry.by else day


def latest_words(entry: HistoryEntry, room: int = LATEST_ROOM) -> str:
    """The latest entry as one line (the summary's "Latest: …"), with who and when; a decision
    of the chair's says so first, as the item card's title does."""
    words = f"{said(entry, room)} ({stamp(entry)})"
    return f"{DECIDED_TITLE}: {words}" if by_chair(entry) else words


@dataclass(frozen=True)
class Recent:
    """The newest few entries of a history, newest first, and how many earlier ones there
    are."""

    entries: tuple[HistoryEntry, ...]
    earlier: int

    @property
    def earlier_words(self) -> str | None:
        return f"and {self.earlier} earlier" if self.earlier else None


def recent(history: Sequence[HistoryEntry], shown: int = HISTORY_SHOWN) -> Recent:
    """The item card's "History": its newest `shown` entries, newest first, the rest counted."""
    newest = tuple(reversed(history[-shown:])) if shown > 0 else ()
    return Recent(newest, len(history) - len(newest))


def before_latest(history: Sequence[HistoryEntry], shown: int = HISTORY_SHOWN) -> Recent:
    """What the item card's "History" lists: the entries before the latest (which the card
    already shows as its "Latest update" or "Decided by the chair"), newest first, the rest
    counted."""
    return recent(history[:-1], shown)


def history_line(entry: HistoryEntry, room: int = HISTORY_ROOM) -> str:
    """One line of the card's "History": when, who, what."""
    return f"{stamp(entry)}: {said(entry, room)}"
