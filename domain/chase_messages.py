"""Every kind of message the chaser engine sends, and who reads it.

One table, so that each kind can be proved to be something its reader can act on (the
scenario test presses every button on each, as its reader) and a new kind added here without
that proof fails the test. `message_for` names the kind of any chaser the engine plans, for
any of the people it goes to: a planned chaser with no kind here is a gap in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from domain.action_state import Reader
from domain.chasers import LEAD_KINDS, NOUNS, Audience, ChaseKind, PlannedChase, SubjectKind


class Reads(StrEnum):
    """Who reads a message: one person in their own chat, or the LIC group's channel."""

    OWNER = "owner"  # the practitioner, owner or lead being chased
    AGENCY_LEAD = "agency_lead"
    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"
    LIC_CHANNEL = "lic_channel"
    LIC_MEMBER = "lic_member"  # with no LIC channel registered, each member


# Who each escalation copy's reader is in this table: the chaser log names its audience by it.
COPY_READS: Final[dict[Reader, Reads]] = {
    Reader.AGENCY_LEAD: Reads.AGENCY_LEAD,
    Reader.CHAIR: Reads.CHAIR,
    Reader.DEPUTY_CHAIR: Reads.DEPUTY_CHAIR,
    Reader.LIC: Reads.LIC_CHANNEL,
}

# Who each reader is, as a message about their copy names them.
READER_WORDS: Final[dict[Reads, str]] = {
    Reads.OWNER: "the person it is for",
    Reads.AGENCY_LEAD: "the agency's safeguarding lead",
    Reads.CHAIR: "the review's chair",
    Reads.DEPUTY_CHAIR: "the deputy chair",
    Reads.LIC_CHANNEL: "the LIC group's channel",
    Reads.LIC_MEMBER: "a member of the LIC group",
}


class Message(StrEnum):
    RETURN_CHASER = "return_chaser"
    RETURN_COPY_LEAD = "return_copy_lead"
    RETURN_COPY_CHAIR = "return_copy_chair"
    RETURN_COPY_DEPUTY = "return_copy_deputy"
    SIGN_OFF_CHASER = "sign_off_chaser"
    SIGN_OFF_COPY_CHAIR = "sign_off_copy_chair"
    SIGN_OFF_COPY_DEPUTY = "sign_off_copy_deputy"
    NIL_CHASER = "nil_chaser"
    NIL_COPY_CHAIR = "nil_copy_chair"
    NIL_COPY_DEPUTY = "nil_copy_deputy"
    ACTION_CHASER = "action_chaser"
    ACTION_COPY_LEAD = "action_copy_lead"
    ACTION_COPY_CHAIR = "action_copy_chair"
    ACTION_COPY_DEPUTY = "action_copy_deputy"
    ACTION_COPY_LIC_CHANNEL = "action_copy_lic_channel"
    ACTION_COPY_LIC_MEMBER = "action_copy_lic_member"
    IMPACT_CHASER = "impact_chaser"
    BLOCKED_CHASER = "blocked_chaser"
    ESCALATED_CHASER = "escalated_chaser"
    UNDELIVERED_TO_CHAIR = "undelivered_to_chair"
    UNDELIVERED_TO_DEPUTY = "undelivered_to_deputy"
    MONTHLY_DIGEST = "monthly_digest"


@dataclass(frozen=True)
class MessageSpec:
    reads: Reads
    about: str  # what it is, for people reading the table
    # Why the reader needs no button, for a message that offers none; None: it must offer some.
    no_buttons_because: str | None = None


MESSAGES: Final[dict[Message, MessageSpec]] = {
    Message.RETURN_CHASER: MessageSpec(Reads.OWNER, "a pre-analysis return to finish"),
    Message.RETURN_COPY_LEAD: MessageSpec(Reads.AGENCY_LEAD, "copy: the agency's return is late"),
    Message.RETURN_COPY_CHAIR: MessageSpec(Reads.CHAIR, "copy: an agency's return is late"),
    Message.RETURN_COPY_DEPUTY: MessageSpec(Reads.DEPUTY_CHAIR, "copy: a return is late"),
    Message.SIGN_OFF_CHASER: MessageSpec(Reads.OWNER, "the lead: a return waits for sign-off"),
    Message.SIGN_OFF_COPY_CHAIR: MessageSpec(Reads.CHAIR, "copy: a sign-off is late"),
    Message.SIGN_OFF_COPY_DEPUTY: MessageSpec(Reads.DEPUTY_CHAIR, "copy: a sign-off is late"),
    Message.NIL_CHASER: MessageSpec(Reads.OWNER, "the lead: confirm or decline a nil return"),
    Message.NIL_COPY_CHAIR: MessageSpec(Reads.CHAIR, "copy: a nil confirmation is late"),
    Message.NIL_COPY_DEPUTY: MessageSpec(Reads.DEPUTY_CHAIR, "copy: a nil confirmation is late"),
    Message.ACTION_CHASER: MessageSpec(Reads.OWNER, "reminder, due today or overdue"),
    Message.ACTION_COPY_LEAD: MessageSpec(Reads.AGENCY_LEAD, "copy: the agency's action is late"),
    Message.ACTION_COPY_CHAIR: MessageSpec(Reads.CHAIR, "copy: an action is late"),
    Message.ACTION_COPY_DEPUTY: MessageSpec(Reads.DEPUTY_CHAIR, "copy: an action is late"),
    Message.ACTION_COPY_LIC_CHANNEL: MessageSpec(Reads.LIC_CHANNEL, "copy: an action is late"),
    Message.ACTION_COPY_LIC_MEMBER: MessageSpec(Reads.LIC_MEMBER, "copy: an action is late"),
    Message.IMPACT_CHASER: MessageSpec(Reads.OWNER, "completed: its impact is still to record"),
    Message.BLOCKED_CHASER: MessageSpec(Reads.CHAIR, "an action is still blocked"),
    Message.ESCALATED_CHASER: MessageSpec(Reads.CHAIR, "an escalated action waits for them"),
    Message.UNDELIVERED_TO_CHAIR: MessageSpec(
        Reads.CHAIR, "a chaser, or an escalation copy of one, reached nobody"
    ),
    Message.UNDELIVERED_TO_DEPUTY: MessageSpec(
        Reads.DEPUTY_CHAIR, "a chaser, or an escalation copy of one, reached nobody"
    ),
    Message.MONTHLY_DIGEST: MessageSpec(
        Reads.LIC_CHANNEL,
        "the month's actions, to the channel",
        "a report for the group's meeting: each overdue item it lists is chased to its owner "
        "and reaches the LIC group in its own escalation copy, which carries the group's moves",
    ),
}

_COPIES: Final[dict[SubjectKind, dict[Reads, Message]]] = {
    SubjectKind.PRE_ANALYSIS_RETURN: {
        Reads.OWNER: Message.RETURN_CHASER,
        Reads.AGENCY_LEAD: Message.RETURN_COPY_LEAD,
        Reads.CHAIR: Message.RETURN_COPY_CHAIR,
        Reads.DEPUTY_CHAIR: Message.RETURN_COPY_DEPUTY,
    },
    SubjectKind.RETURN_SIGN_OFF: {
        Reads.OWNER: Message.SIGN_OFF_CHASER,
        Reads.CHAIR: Message.SIGN_OFF_COPY_CHAIR,
        Reads.DEPUTY_CHAIR: Message.SIGN_OFF_COPY_DEPUTY,
    },
    SubjectKind.NIL_CONFIRMATION: {
        Reads.OWNER: Message.NIL_CHASER,
        Reads.CHAIR: Message.NIL_COPY_CHAIR,
        Reads.DEPUTY_CHAIR: Message.NIL_COPY_DEPUTY,
    },
    SubjectKind.ACTION_ITEM: {
        Reads.OWNER: Message.ACTION_CHASER,
        Reads.AGENCY_LEAD: Message.ACTION_COPY_LEAD,
        Reads.CHAIR: Message.ACTION_COPY_CHAIR,
        Reads.DEPUTY_CHAIR: Message.ACTION_COPY_DEPUTY,
        Reads.LIC_CHANNEL: Message.ACTION_COPY_LIC_CHANNEL,
        Reads.LIC_MEMBER: Message.ACTION_COPY_LIC_MEMBER,
    },
}
# Chasers that go to the chair alone, about an item the owner has no move on (the deputy
# gets the chair's escalation copy).
_TO_THE_CHAIR: Final = {
    ChaseKind.BLOCKED: Message.BLOCKED_CHASER,
    ChaseKind.ESCALATED: Message.ESCALATED_CHASER,
}
# Who an audience of a planned chaser is, person by person.
READERS: Final[dict[Audience, tuple[Reads, ...]]] = {
    Audience.OWNER: (Reads.OWNER,),
    Audience.AGENCY_LEAD: (Reads.AGENCY_LEAD,),
    Audience.CHAIR: (Reads.CHAIR, Reads.DEPUTY_CHAIR),
    Audience.LIC_CHANNEL: (Reads.LIC_CHANNEL, Reads.LIC_MEMBER),
}


def message_for(subject: SubjectKind, chase: ChaseKind, reads: Reads) -> Message:
    """The kind of message one reader of a planned chaser gets. KeyError: a chaser the
    engine can plan that this table doesn't know (the unit test walks every one)."""
    if chase in _TO_THE_CHAIR and reads is Reads.CHAIR:
        return _TO_THE_CHAIR[chase]
    if chase is ChaseKind.IMPACT_REQUEST and reads is Reads.OWNER:
        return Message.IMPACT_CHASER
    return _COPIES[subject][reads]


# A chaser to someone who watches over others' work (a blocked or escalated item's chair):
# its line counts the reminders about the record, not times its reader was chased.
_ABOUT_THE_RECORD: Final = frozenset({ChaseKind.BLOCKED, ChaseKind.ESCALATED})


def counted_from(chase: PlannedChase) -> int:
    """The first of the record's chasers that `chased_line` counts with `chase`: the owner's
    own since they took the record on, or all of them for a chaser about the record."""
    return 1 if chase.kind in _ABOUT_THE_RECORD else chase.earlier_owners + 1


def _lost_line(before: int, failed: int, not_sent: int, whose: str) -> str:
    """What became of the chasers before this one that never reached their reader: Teams
    failed to deliver `failed`; `not_sent` were never sent, `whose` access being ended then
    (leavers: a failure in Teams is not what happened to them)."""

    def some(count: int) -> str:
        if count == before:
            return "The one before it" if before == 1 else f"The {before} before it"
        return f"{count} of the {before} before it"

    if not not_sent:
        return f"{some(failed)} could not be delivered in Teams."
    were = "was" if not_sent == 1 else "were"
    ended = f"{were} not sent while {whose} access to Line of Sight was ended."
    if not failed:
        return f"{some(not_sent)} {ended}"
    return f"{some(failed)} could not be delivered in Teams, and {not_sent} {ended}"


def chased_line(
    chase: PlannedChase, subject: SubjectKind, undelivered: int, not_sent: int = 0
) -> str:
    """How often the one chased has been chased, as their card says it; `undelivered`: how
    many of the chasers before this one since its owner took the record on (all the record's,
    for a chaser about the record) never reached anyone in Teams (403/404, or every try
    failed, or not sent at all while the owner's access was ended: `not_sent` of them).
    Those count towards escalation (`chase_engine.SETTLES`), but telling someone Teams can
    reach again "You have now been chased 6 times" when five never got through would be
    untrue: the line says how many could not be delivered, and how many were not sent."""
    if undelivered <= 0:
        return chase.chased_line
    about_record = chase.kind in _ABOUT_THE_RECORD
    before = (chase.sequence if about_record else chase.owner_sequence) - 1
    undelivered = min(undelivered, before)
    if undelivered <= 0:
        return chase.chased_line
    not_sent = min(max(not_sent, 0), undelivered)
    whose = "the owner's" if about_record else "your"
    lost = _lost_line(before, undelivered - not_sent, not_sent, whose)
    if about_record:
        return f"{chase.chased_line} {lost}"
    noun = NOUNS[subject]
    if subject in LEAD_KINDS:  # a lead hears their own count only (`chasers._chased_line`)
        return f"This is reminder {chase.owner_sequence} about this {noun}. {lost}"
    if chase.earlier_owners:
        return (
            f"This is reminder {chase.owner_sequence} since this {noun} became yours "
            f"({chase.sequence} about it in all). {lost}"
        )
    return f"This is reminder {chase.sequence} about this {noun}. {lost}"
