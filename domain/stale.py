"""A click refused because its card was out of date: what the person is told, and what they
typed, given back.

Refused with nothing saved (domain/idempotency.py `require_unchanged`, a return answer a
colleague saved first in domain/returns.py), the person needs two things to judge whether to
do it again: what changed (who, what kind of change, when: `stale_notice`, from the audit
trail the product keeps anyway) and what they had typed (`typed_back`), since the card that
held it is replaced by the current one. Nothing typed is lost: it comes back as inert text
under "What you typed (not saved)" (cards/common.py `with_typed_back`), never put into the
current card's inputs, where saving again would silently overwrite the change they were told
about.

Only what this person's own click carried is given back, and only where it differs from
what the thing holds now (an unchanged prefilled value is not lost). Text that is held from
them (another writer's flagged answer, domain/held.py) is never given back, even when a card
drawn before it was held carried it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from domain.calendar import DEFAULT_CALENDAR
from domain.idempotency import CARD_ID, REVISION, STALE_MESSAGE
from domain.identifier_checks import CONFIRM_PREFIX
from domain.model import ActionStatus, ReturnStatus
from domain.status_words import state_label, status_words
from domain.wording import plain_date, shortened

# What a person reading "at 10:42" means: the partnership's working time zone, the calendar's.
_LOCAL: Final = ZoneInfo(DEFAULT_CALENDAR.tz_name)

TYPED_HEADING: Final = "What you typed (not saved)"
# Not "copy it back in": the card as it stands now may no longer hold the box it was typed in
# (a hold lifted from an older card now shows the box to place one).
TYPED_BELOW: Final = (
    "What you typed is below, not saved: read how it stands now before using any of it again."
)
SHORTENED: Final = "Shortened to fit on this card: the end of a long answer is cut (…)."
# Said instead of TYPED_BELOW where the answer is a new message that everyone in a channel or
# group chat sees (a client that sends Action.Submit there rather than Action.Execute, whose
# answer replaces only the clicker's card): the card clicked is still on screen, with what was
# typed in it, so nothing is lost by not repeating it to the whole conversation.
TYPED_LEFT_ON_CARD: Final = (
    "What you typed was not saved. It is still in the card you clicked, and isn't repeated "
    "here, where everyone in this conversation would see it."
)
# Said instead of TYPED_BELOW when even shortened it leaves no room on the card (cards/fit.py).
TYPED_NO_ROOM: Final = "What you typed didn't fit on this card and was not saved: type it again."

# Where a sent card's state-changing buttons carry the labels of the inputs they submit, by
# input id, as the person saw them (cards/common.py `stamped`): what they typed is given back
# under the label they typed it under, and nothing else the button carries (its ids, a hidden
# "hold": "off") is mistaken for typing. Each label at most LABEL_MAX characters.
INPUT_LABELS: Final = "input_labels"
LABEL_MAX: Final = 120
# Each button carries them (and again in its fallback), so a big form (the meeting outcome's
# sixty boxes) would more than double its card: a form whose labels take more than this many
# characters carries none, and its typing is read by the current card's labels, which for
# such forms don't change with the state (the small forms' reasons are the ones that do).
LABELS_ROOM: Final = 400


def labels_fit(labels: Mapping[str, str]) -> bool:
    """Whether a form's labels are few enough to carry on each of its buttons."""
    return sum(len(key) + len(label) + 6 for key, label in labels.items()) <= LABELS_ROOM


# Keys a button carries for the handler (ids, the card's token, navigation), never typed.
_CARRIED: Final = frozenset(
    {
        CARD_ID,
        REVISION,
        "revs",
        "page",
        "format",
        "nav",
        "jump",
        "verb",
        INPUT_LABELS,
        "section",
        "episode",
        "comment_on",  # which page a lead's "Return with comments" came from ("s:3")
        "from_page",  # that it came from a page of the return (domain.returns.FROM_PAGE)
        "start_at",  # the part chosen on the sign-off card, carried (domain.returns.START_CHOSEN)
    }
)
# A toggle's value when its card has no such input to say so.
_TOGGLE_VALUES: Final = frozenset({"true", "false"})


@dataclass(frozen=True)
class Change:
    """The newest change to the thing a stale card showed, from its audit trail."""

    who: str | None
    at: datetime
    action: str  # the audit action: "return.answers_saved", "action.date_approved", ...
    # The event's `after`: only its field names, statuses and dates are read, never text.
    after: Mapping[str, Any] | None = None
    # A return's question labels by id, to name the answers saved.
    labels: Mapping[str, str] = field(default_factory=dict)
    # The event's `before`: only whether a return had writers is read (the first assignment).
    before: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Shown:
    """One input of the current card: its label, what it holds now and, for a choice set,
    each choice's title by value."""

    label: str
    value: str | None = None
    toggle: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Typed:
    """One thing the person typed and was not saved, as they typed it (escape it to show)."""

    label: str
    text: str
    cut: bool = False  # shortened to fit the card


# --- what changed ------------------------------------------------------------------------------

_DEEDS: Final[Mapping[str, str]] = {
    "return.submitted": "submitted the return",
    "return.signed_off": "signed off the return",
    "return.returned": "returned the return with comments",
    "return.reassigned": "changed who writes the return",
    "return.nil_recorded": "asked for a nil return",
    "return.nil_confirmed": "confirmed the nil return",
    "return.nil_declined": "said the agency was involved, so no nil return",
    "return.proceeded_without": "went ahead without this return",
    "return.episode_removed": "removed a key practice episode",
    "chronology.entry_added": "added this chronology entry",
    "chronology.entry_updated": "changed this chronology entry",
    "chronology.entry_removed": "removed this chronology entry",
    "action.date_declined": "declined the new date asked for",
    "action.date_requested": "asked for a new due date",
    "action.date_proposed": "proposed a new due date",
    "action.reassigned": "gave the item to someone else",
    "action.reassign_asked": "asked for the item to be reassigned",
    "action.amended": "amended the item",
    "action.split": "split the item in two",
    "action.cancelled": "cancelled the item",
    "action.reopened": "reopened the item",
    "action.not_achievable": "marked the item not achievable",
    "action.impact_recorded": "recorded the item's impact",
    "outcome.saved": "saved the outcome",
    "outcome.published": "published the outcome",
    "guide.drafted": "drafted the guide",
    "guide.edited": "edited the guide",
    "guide.submitted": "sent the guide for approval",
    "guide.published": "approved and published the guide",
    "guide.sent_back": "sent the guide back to the chair",
    "guide.revised": "started the guide's next version",
    "agency.updated": "saved this agency",
    "member.updated": "saved this member",
    "member.role_granted": "changed this member's roles",
    "member.role_revoked": "changed this member's roles",
    "member.access_ended": "ended this member's access",
    "member.access_restored": "restored this member's access",
    "retention.saved": "changed the retention periods",
    "chaser_policy.saved": "changed the chaser policy",
    "review.legal_hold_placed": "placed a legal hold on the review",
    "review.legal_hold_lifted": "lifted the review's legal hold",
    "review.details_edited": "edited the review's details",
    "review.deputy_set": "set the review's deputy chair",
    "review.cancelled": "cancelled the review",
    "review.reopened": "reopened the review",
    "review.agency_added": "added an agency to the review",
    "review.agency_removed": "removed an agency from the review",
    "review.stage_changed": "moved the review on",
    "review.assigned": "changed who writes a return",
}
# A return's first writers: nobody wrote it before (`before` has no writers), so nothing about
# who writes it changed; they were assigned.
_FIRST_ASSIGNED: Final = "assigned who writes a return"
_MOVED_DUE: Final[Mapping[str, str]] = {
    "return.due_extended": "moved the return's due date",
    "action.date_approved": "moved the item's due date",
    "action.date_set": "moved the item's due date",
}
_NAMED_AT_MOST: Final = 2


def local_when(at: datetime) -> str:
    """When something happened, as a person in the partnership reads it: "10:42 on 6 Dec 2026"."""
    when = _local(at)
    return f"{when:%H:%M} on {plain_date(when.date())}"


def local_day(at: datetime) -> str:
    """The day something happened, as a person in the partnership reads it: "6 Dec 2026"."""
    return plain_date(_local(at).date())


def _local(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(_LOCAL)


def what_changed(change: Change) -> str:
    """One line: "Police Lead (demo) saved 'Family members worked with' at 10:42 on 6 Dec
    2026", "... moved the item's due date to 9 Jan 2027 at ...", "... submitted the return
    at ..."."""
    deed = known_deed(change) or "changed it"
    return f"{change.who or 'A colleague'} {deed} at {local_when(change.at)}"


def known_deed(change: Change) -> str | None:
    """What the change did ("signed off the return", "moved the item's due date to 9 Jan
    2027"), or None for an action with no words here (the audit trail's own, in
    domain/audit_words.py)."""
    after = change.after or {}
    if change.action == "return.answers_saved":
        return _answers_saved(after, change.labels)
    if change.action in _MOVED_DUE:
        due = _day(after.get("due_on"))
        moved = _MOVED_DUE[change.action]
        return f"{moved} to {plain_date(due)}" if due is not None else moved
    if change.action == "review.assigned" and not _had_writers(change.before):
        return _FIRST_ASSIGNED
    if change.action == "outcome.published":
        return _published(after)
    if change.action in ("action.status_changed", "return.status_changed"):
        status = after.get("status")
        thing = "item" if change.action.startswith("action") else "return"
        if isinstance(status, str) and status:
            return f"marked the {thing} {_status_words(thing, status)}"
        return f"changed the {thing}'s status"
    return _DEEDS.get(change.action)


def _had_writers(before: Mapping[str, Any] | None) -> bool:
    """Whether an assignment's return(s) had writers before it (`before["assignees"]`: their
    ids, or [member, return] pairs); an event that recorded none assigned the first."""
    return bool((before or {}).get("assignees"))


def _published(after: Mapping[str, Any]) -> str:
    """ "published the outcome with 3 action items": how many, not their references (the
    card's details list them as the meeting does, A1, A2 and A3)."""
    count = len(after.get("actions") or ()) if isinstance(after.get("actions"), list) else None
    if count is None:
        return "published the outcome"
    if count == 0:
        return "published the outcome, with no action items"
    return f"published the outcome with {count} action item{'s' if count != 1 else ''}"


def _status_words(thing: str, status: str) -> str:
    """A stored status in the words the views use (domain/status_words.py): "escalated to
    the chair", a return's quoted as its label ("“Nil return, awaiting the agency lead”")."""
    try:
        if thing == "item":
            return status_words(ActionStatus(status))
        return f"“{state_label(ReturnStatus(status))}”"
    except ValueError:  # a status no longer known: its stored words, readable
        return status.replace("_", " ")


def _answers_saved(after: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    # The keys name the questions saved ("q3", or "q3#2" in a repeated episode); the values
    # are fingerprints, never read.
    named: list[str] = []
    for key in after:
        label = labels.get(str(key).split("#", 1)[0])
        if label and f"'{label}'" not in named:
            named.append(f"'{label}'")
    if not named:
        return "saved answers in the return"
    if len(named) > _NAMED_AT_MOST:
        return f"saved {', '.join(named[:_NAMED_AT_MOST])} and {len(named) - _NAMED_AT_MOST} more"
    return "saved " + " and ".join(named)


def _day(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def stale_notice(change: Change | None, *, typed: bool, seen_by_all: bool = False) -> str:
    """What a refused stale click is told: that nothing was saved and here is the thing now
    (STALE_MESSAGE, as before), the last change to it where its audit trail says, and where
    what they typed is."""
    parts = [STALE_MESSAGE]
    if change is not None:
        parts.append(f"Last change: {what_changed(change)}.")
    if typed:
        parts.append(where_typed_is(seen_by_all=seen_by_all))
    return " ".join(parts)


def where_typed_is(*, seen_by_all: bool) -> str:
    """Where a refused click's typed text is: below, given back; or, where the answer is seen
    by the whole conversation, still in the card clicked (TYPED_LEFT_ON_CARD)."""
    return TYPED_LEFT_ON_CARD if seen_by_all else TYPED_BELOW


# The audit actions that change what each kind of card showed (its revision), so the newest
# of them is what made a card of that kind out of date: a progress note or an answer saved
# doesn't make a sign-off or action item card stale, so it isn't named as the change.
ACTION_ITEM_CHANGES: Final = frozenset(
    {
        "action.status_changed",
        "action.date_approved",
        "action.date_declined",
        "action.date_set",
        "action.date_requested",
        "action.date_proposed",
        "action.reassigned",
        "action.reassign_asked",
        "action.amended",
        "action.split",
        "action.cancelled",
        "action.reopened",
        "action.not_achievable",
        "action.impact_recorded",
    }
)
RETURN_CHANGES: Final = frozenset(
    {
        "return.submitted",
        "return.signed_off",
        "return.returned",
        "return.status_changed",
        "return.nil_recorded",
        "return.nil_confirmed",
        "return.nil_declined",
        "return.proceeded_without",
    }
)
# An agency's card on the Manage screen also shows the due date and who writes it.
RETURN_CONTROL_CHANGES: Final = RETURN_CHANGES | {"return.due_extended", "return.reassigned"}
ENTRY_CHANGES: Final = frozenset({"chronology.entry_updated", "chronology.entry_removed"})
GUIDE_CHANGES: Final = frozenset(a for a in _DEEDS if a.startswith("guide."))
OUTCOME_CHANGES: Final = frozenset({"outcome.saved", "outcome.published"})
AGENCY_CHANGES: Final = frozenset({"agency.updated"})
MEMBER_CHANGES: Final = frozenset(
    {
        "member.updated",
        "member.role_granted",
        "member.role_revoked",
        "member.access_ended",
        "member.access_restored",
    }
)
RETENTION_CHANGES: Final = frozenset({"retention.saved"})
POLICY_CHANGES: Final = frozenset({"chaser_policy.saved"})
HOLD_CHANGES: Final = frozenset({"review.legal_hold_placed", "review.legal_hold_lifted"})
REVIEW_CHANGES: Final = frozenset(
    a for a in _DEEDS if a.startswith("review.") and "legal_hold" not in a
) | {"review.assigned"}


# --- what they typed -----------------------------------------------------------------------------


def typed_back(
    data: Mapping[str, object],
    shown: Mapping[str, Shown],
    *,
    held: Collection[str] = (),
    carried: Collection[str] = (),
) -> tuple[Typed, ...]:
    """What the click carried that the person typed and the thing doesn't hold now.

    `data` is this person's own click (the button's data with the card's inputs merged in),
    `shown` the current card's inputs by id, `held` the texts held from this person: never
    given back. Where the click says which of its keys were the inputs of the card clicked and
    what each was labelled (`seen_labels`, stamped on every card sent), only those are typing,
    each under the label the person saw as they typed, in that card's order: the current card
    may label the same input otherwise (a hold card's "Why is the hold lifted?" is "Why is
    the review held?" once another admin lifted it). A click from a card without them (sent
    before labels were stamped, a form too big to carry them, or a card never stamped: a
    return's section card) is read by the current card's inputs: an input it lacks is still
    given back, under a label made from its id, unless a button of the current card carries
    that key in its data (`carried`: the hold card's "hold"). Ids, the card's token,
    navigation and the "not identifying" ticks are not typing."""
    seen = seen_labels(data)
    if seen is not None:
        return _typed_as_seen(data, seen, shown, held)
    order = {key: n for n, key in enumerate(shown)}
    found: list[tuple[int, Typed]] = []
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip() or value in held:
            continue
        input_ = shown.get(key)
        if input_ is None:
            if _carried(key) or key in carried or value in _TOGGLE_VALUES:
                continue
            found.append((len(order), Typed(_label_of(key), value)))
            continue
        if input_.toggle or value == (input_.value or ""):
            continue
        found.append((order[key], Typed(input_.label, _titled(value, input_.choices))))
    return tuple(typed for _, typed in sorted(found, key=lambda pair: pair[0]))


def seen_labels(data: Mapping[str, object]) -> dict[str, str] | None:
    """The labels the clicked card showed its inputs under, by id (INPUT_LABELS), or None
    when the click carries none. Card data is untrusted: anything but text is dropped."""
    raw = data.get(INPUT_LABELS)
    if not isinstance(raw, Mapping):
        return None
    return {
        str(key): shortened(label, LABEL_MAX)
        for key, label in raw.items()
        if isinstance(key, str) and isinstance(label, str) and label.strip()
    }


def _typed_as_seen(
    data: Mapping[str, object],
    seen: Mapping[str, str],
    shown: Mapping[str, Shown],
    held: Collection[str],
) -> tuple[Typed, ...]:
    found: list[Typed] = []
    for key, label in seen.items():
        value = data.get(key)
        if not isinstance(value, str) or not value.strip() or value in held:
            continue
        now = shown.get(key)
        if now is not None and (now.toggle or value == (now.value or "")):
            continue
        found.append(Typed(label, _titled(value, now.choices if now is not None else {})))
    return tuple(found)


def _carried(key: str) -> bool:
    return key in _CARRIED or key.endswith(("_id", "_key")) or key.startswith(CONFIRM_PREFIX)


def _label_of(key: str) -> str:
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _titled(value: str, choices: Mapping[str, str]) -> str:
    """A choice set's value ("neglect,housing") as the titles the person picked."""
    if not choices:
        return value
    return ", ".join(choices.get(part, part) for part in value.split(","))


def fitted(typed: Sequence[Typed], room: int) -> tuple[Typed, ...]:
    """`typed` in at most `room` characters of text in all: whole when it fits; otherwise
    the room is shared (a short answer keeps all of its share's need, the long ones split the
    rest) and each long text shortened (domain/wording.shortened), marked `cut`."""
    total = sum(len(t.text) for t in typed)
    if total <= room:
        return tuple(typed)
    shares: dict[int, int] = {}
    left, pending = max(room, 0), sorted(range(len(typed)), key=lambda i: len(typed[i].text))
    while pending:
        share = left // len(pending)
        index = pending[0]
        if len(typed[index].text) <= share:
            shares[index] = len(typed[index].text)
        else:
            for rest in pending:
                shares[rest] = share
            break
        left -= shares[index]
        pending.pop(0)
    return tuple(
        t if len(t.text) <= shares[i] else replace(t, text=shortened(t.text, shares[i]), cut=True)
        for i, t in enumerate(typed)
    )
