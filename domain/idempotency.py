"""One effect per click: what a card action's token is, what it is claimed under, and what a
duplicate gets.

Every state-changing button carries a token in its data: the id of the card it is on, and,
where the card shows one thing (a return, an action item, a guide), that thing's revision as
the card drew it. The first click claims its key before the handler runs; a duplicate with
the same key (a double click, a retried invoke, an activity Teams delivers twice) gets the
reply the first one stored, and changes nothing more. A click whose revision is no longer
the thing's is refused as stale, with the current card.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from domain.errors import ChangedSinceShown
from domain.model import channel_conversation

CARD_ID: Final = "card_id"
REVISION: Final = "rev"

# A duplicate usually arrives within a second or two; wait that long for the first click's
# answer before saying it is still being done.
WAIT_FOR_FIRST: Final = timedelta(seconds=5)
# A duplicate that finds the first click still inside its transaction (PostgreSQL: its claim
# is not committed yet, so the duplicate can't read it) is not made to wait in the database
# for it: it looks again, without waiting on any lock, for this long without a break, then is
# told the first is still being worked on (storage/claims.py, bot/once.py).
WAIT_FOR_IN_FLIGHT: Final = timedelta(seconds=1)
# A claim still pending after this was left by a turn that died (a crash, a lost database):
# a retry may take it over rather than be told "already being done" for ever.
ABANDONED_AFTER: Final = timedelta(minutes=2)

_CARD_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
_REVISION = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

STALE_MESSAGE: Final = (
    "This changed since you opened it, so nothing was saved. Here is how it stands now."
)
BUSY_MESSAGE: Final = "That is already being done. Give it a moment, then look again."
GONE_MESSAGE: Final = "That is no longer here: it has been removed."
DONE_BEFORE_MESSAGE: Final = "That was done already, so nothing was changed again."
IN_FLIGHT_MESSAGE: Final = (
    "Your first click is still being worked on; its answer will appear. "
    "There is no need to press the button again."
)
# A key held past WAIT_FOR_IN_FLIGHT by no member's claim (the claim's member mark is absent:
# a duplicate looking, a first click's answer being stored):
# nobody's first click, so never "your first click" (docs12); nothing was done, and pressing
# again reads the settled claim.
HELD_MESSAGE: Final = (
    "Nothing was done with that click: the card's button was busy at that moment (an earlier "
    "answer to it was being stored). Press the button again in a moment; if it was done "
    "before, you'll be told so."
)
ELSEWHERE_MESSAGE: Final = (
    "That card was answered in another conversation, so its answer can't be shown here. "
    "Look for it where you first pressed the button, or type help to see what you can do."
)
# The only claims whose replies are kept (a message's duplicate is dropped unanswered).
CLICK_PREFIX: Final = "click:"


class ClaimState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    # Done long enough ago that its reply (a card quoting what was typed) is no longer kept
    # (domain/retention.py): a late duplicate is told it was done, and changes nothing.
    SPENT = "spent"


@dataclass(frozen=True)
class Token:
    card_id: str
    revision: str | None


@dataclass(frozen=True)
class Claimed:
    """What the claim found: `fresh` when this turn took it; otherwise the earlier one."""

    fresh: bool
    member_id: int | None = None
    state: ClaimState | None = None
    reply: Mapping[str, Any] | None = None
    # The first click's transaction still holds the claim's key (PostgreSQL): it can't be read
    # yet, and is not waited for inside the database. Its state reads as pending.
    in_flight: bool = False


FRESH: Final = Claimed(fresh=True)
IN_FLIGHT: Final = Claimed(fresh=False, state=ClaimState.PENDING, in_flight=True)


def still_waiting(found: Claimed) -> str:
    """What a click is told when the claim it met is still in flight after WAIT_FOR_IN_FLIGHT:
    a member's claim (its mark names them; another member was refused before this) is their
    first click, still being worked on; a key held by no member's claim is only busy."""
    return IN_FLIGHT_MESSAGE if found.member_id is not None else HELD_MESSAGE


def token_of(data: Mapping[str, object]) -> Token | None:
    """The card's token, or None when the data carries none (a card sent before tokens, or
    one built by hand): such clicks are still claimed once per delivered activity."""
    card_id = data.get(CARD_ID)
    if not isinstance(card_id, str) or not _CARD_ID.fullmatch(card_id):
        return None
    return Token(card_id, shown_revision(data))


def shown_revision(data: Mapping[str, object]) -> str | None:
    """The revision of the thing as the card drew it, or None when the card carries none. Read
    whether or not the button carries a card id: a button that only opens a form may still
    save what was typed on the card first (the outcome card's "Edit chosen")."""
    revision = data.get(REVISION)
    if isinstance(revision, int) and not isinstance(revision, bool):
        revision = str(revision)
    return revision if isinstance(revision, str) and _REVISION.fullmatch(revision) else None


def require_unchanged(shown: str, now: str) -> None:
    """Refuse a click whose card was drawn at another revision than its thing has now. Called
    in the writing transaction with the thing's row held, so of racing clicks from cards of
    one revision exactly one finds it unchanged: the others queue on the row, then see the
    winner's change (bot/freshness.py)."""
    if shown != now:
        raise ChangedSinceShown(STALE_MESSAGE)


def required_revision(data: Mapping[str, object], what: str) -> str:
    """The revision a click carries, for a move that must name the exact text it acts on (an
    approval publishes what the approver read): a click without one is refused."""
    shown = shown_revision(data)
    if shown is None:
        raise ChangedSinceShown(
            f"This button doesn't say which version of the {what} it was drawn for, so "
            "nothing was done. Here is how it stands now."
        )
    return shown


def click_key(verb: str, data: Mapping[str, object], secret: bytes) -> str:
    """The claim key of one click: the card's token, the verb and what was typed. The same
    click again (a double click, a replay) has the same key; a corrected form sent from the
    same card after a validation error has another, so it is looked at afresh.

    Keyed with the deployment's secret (HMAC-SHA-256; `bot.config.Settings.click_secret`): the
    key is kept 30 days, longer than anything typed with the click, and a plain hash of a short
    answer ("yes", a date) could be reversed by trying every likely answer. Without the secret
    the key says nothing about what was typed; with it, the same click still has the same key.
    """
    canonical = json.dumps({"verb": verb, "data": data}, sort_keys=True, default=str)
    digest = hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()
    return CLICK_PREFIX + digest


def conversation_of(conversation_id: str) -> str:
    """What a kept answer is bound to: the conversation the click came from (a channel's
    thread suffix ";messageid=…" left off: the card's channel), hashed, so the claim keeps no
    conversation id. A duplicate from another conversation is not given the answer."""
    conversation = channel_conversation(conversation_id)
    return hashlib.sha256(conversation.encode()).hexdigest()[:32]


def activity_key(activity_id: str) -> str:
    """The claim key of one delivered activity (Teams retries with the same id)."""
    return "activity:" + hashlib.sha256(activity_id.encode()).hexdigest()[:64]


def revision_of(*parts: object) -> str:
    """A short fingerprint of what a card shows about its thing: the same parts, the same
    revision. Parts are compared as text, so dates and enums are fine; mappings and sequences
    as canonical JSON, so a JSON column read back with its keys in another order (PostgreSQL's
    jsonb) gives the same revision."""
    text = json.dumps([_canonical(part) for part in parts])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _canonical(part: object) -> str:
    if isinstance(part, (Mapping, list, tuple)):
        return json.dumps(part, sort_keys=True, default=str)
    return str(part)


def is_abandoned(created_at: datetime, now: datetime) -> bool:
    return now - created_at > ABANDONED_AFTER
