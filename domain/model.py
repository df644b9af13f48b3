"""The nouns of the domain (docs/architecture.md §3) as enums and plain value objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CHAIR = "chair"
    AGENCY_LEAD = "agency_lead"
    PRACTITIONER = "practitioner"
    LIC_MEMBER = "lic_member"
    MANAGER = "manager"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Partnership admin",
    Role.CHAIR: "Review chair",
    Role.AGENCY_LEAD: "Agency safeguarding lead",
    Role.PRACTITIONER: "Practitioner",
    Role.LIC_MEMBER: "LIC group member",
    Role.MANAGER: "Manager",
}


def role_noun(role: Role) -> str:
    """The role as a sentence names it: its label with a lower-case first letter, except an
    initialism ("review chair", "LIC group member"); from ROLE_LABELS, the one source."""
    label = ROLE_LABELS[role]
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


class ReviewStage(StrEnum):
    DRAFT = "draft"
    PRE_ANALYSIS = "pre_analysis"
    ANALYSIS = "analysis"
    MEETING = "meeting"
    ACTIONS_OPEN = "actions_open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ReturnStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    SIGNED_OFF = "signed_off"
    RETURNED = "returned"
    # The chair says the agency had no involvement; its safeguarding lead confirms.
    NIL_PENDING = "nil_pending"
    NIL = "nil"
    # The chair decided the meeting goes ahead without this agency's return.
    PROCEEDED_WITHOUT = "proceeded_without"
    # The agency was removed from the review (kept, with its reason, for the record).
    WITHDRAWN = "withdrawn"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    # The LIC group escalated it: the review's chair owns it until they decide (issue 17).
    ESCALATED = "escalated"
    # The chair split it into two new items on the same review: it ends here, and the two
    # carry the work (issue 17).
    SPLIT = "split"


class DateCertainty(StrEnum):
    ON = "on"
    BEFORE = "before"
    AFTER = "after"
    APPROXIMATELY = "approximately"


class ImpactDecision(StrEnum):
    CLOSE = "close"
    KEEP_OPEN = "keep_open"
    ESCALATE = "escalate"


class ChannelPurpose(StrEnum):
    PARTNERSHIP = "partnership"
    LIC = "lic"


class ConversationKind(StrEnum):
    PERSONAL = "personal"
    GROUP_CHAT = "groupChat"
    CHANNEL = "channel"


@dataclass(frozen=True)
class ConversationAddress:
    """Where to reach someone proactively: plain columns, never a pickled SDK object."""

    service_url: str
    conversation_id: str
    tenant_id: str
    bot_id: str
    user_id: str
    aad_object_id: str | None
    conversation_type: str


THREAD_MARKER = ";messageid="


def channel_conversation(conversation_id: str) -> str:
    """A channel's own conversation id. A message in a channel arrives with its thread's id
    (`19:…@thread.tacv2;messageid=1700…`); posting to that id replies inside the thread, so a
    channel is stored without it and each post starts a new thread."""
    return conversation_id.split(THREAD_MARKER, 1)[0]


@dataclass(frozen=True)
class Actor:
    """The person behind a turn. Identity comes from the activity (`from`), never card data."""

    tenant_id: str
    aad_object_id: str | None
    teams_user_id: str
    display_name: str


@dataclass(frozen=True)
class MemberView:
    """What the rest of the domain needs to know about a member."""

    id: int
    partnership_id: int
    aad_object_id: str | None
    display_name: str
    agency_id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    # Agencies besides their own that this member leads for (a lead covering another agency).
    covered_agency_ids: frozenset[int] = field(default_factory=frozenset)
    # False once an admin ended their access (domain/directory.py end_access): every turn of
    # theirs is refused where the turn resolves who spoke (bot/core.py record_speaker).
    active: bool = True

    def has(self, *roles: Role) -> bool:
        return self.active and any(role in self.roles for role in roles)

    @property
    def led_agency_ids(self) -> frozenset[int]:
        """The agencies this member is a safeguarding lead of: none without the role."""
        if not self.has(Role.AGENCY_LEAD):
            return frozenset()
        own = frozenset() if self.agency_id is None else frozenset({self.agency_id})
        return own | self.covered_agency_ids

    def leads(self, agency_id: int | None) -> bool:
        """A safeguarding lead of `agency_id`: their own agency, or one they cover."""
        return agency_id is not None and agency_id in self.led_agency_ids


_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DIRECTORY_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def is_guid(value: str) -> bool:
    """An Entra object id as the Teams people picker sends it."""
    return bool(_GUID.match(value))


def is_directory_id(value: str) -> bool:
    """The shape of any directory user id a card may send back (test tenants use non-GUIDs)."""
    return bool(_DIRECTORY_ID.match(value))


_SMALL_INT = re.compile(r"^[0-9]{1,9}$")


def small_int(value: object) -> int | None:
    """An id or count from card data: ASCII digits only, and small (no '²', no 5,000 digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**9 else None
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if _SMALL_INT.match(text) else None
