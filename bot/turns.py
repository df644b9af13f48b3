"""Translate a Bot Framework Activity into a neutral Turn. The only module that reads payloads.

Framework-free: `to_turn` reads an activity object by the Bot Framework schema's attribute
names (`from_property`, `conversation.conversation_type`, `members_added`, ...), which
botbuilder's and the Microsoft 365 Agents SDK's Activity classes share.

Card data is untrusted input: anything that is not the expected shape becomes empty, and the
actor always comes from `from`, never from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from cards import verbs
from domain.model import Actor, ConversationAddress
from domain.repositories import MemberSighting
from storage import tables as t

MAX_DATA_KEYS = 200

# Activity types (the schema's strings; both SDKs' ActivityTypes enums are str-valued).
INVOKE = "invoke"
MESSAGE = "message"
INSTALLATION_UPDATE = "installationUpdate"
CONVERSATION_UPDATE = "conversationUpdate"


class TurnKind(StrEnum):
    MESSAGE = "message"
    CARD_ACTION = "card_action"
    INSTALLED = "installed"
    MEMBERS_ADDED = "members_added"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Turn:
    kind: TurnKind
    actor: Actor
    address: ConversationAddress
    text: str = ""
    verb: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    via_invoke: bool = False
    bot_added: bool = False
    # Teams' id for the activity: a retried delivery carries the same one.
    activity_id: str = ""

    @property
    def is_personal(self) -> bool:
        return self.address.conversation_type == "personal"

    def sighting(self) -> MemberSighting:
        return MemberSighting(
            aad_object_id=self.actor.aad_object_id,
            teams_user_id=self.actor.teams_user_id,
            display_name=self.actor.display_name,
            personal_address=self.address if self.is_personal else None,
            seen_at=datetime.now(UTC),
        )


def tenant_of(body: dict[str, Any]) -> str | None:
    """The tenant a raw activity claims: channelData.tenant.id, else conversation.tenantId."""
    channel_data = body.get("channelData")
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
            return str(tenant["id"])
    conversation = body.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("tenantId"), str):
        return str(conversation["tenantId"])
    return None


# Each envelope field a turn stores, by its path in the activity, and the column it goes to:
# a longer value would fail the write (PostgreSQL) or be stored as no other id is (SQLite).
_STORED_FIELDS: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("serviceUrl",), t.Member.service_url),
    (("conversation", "id"), t.Member.conversation_id),
    (("conversation", "conversationType"), t.Member.conversation_type),
    (("conversation", "tenantId"), t.Partnership.tenant_id),
    (("channelData", "tenant", "id"), t.Partnership.tenant_id),
    (("from", "id"), t.Member.teams_user_id),
    (("from", "aadObjectId"), t.Member.aad_object_id),
    (("recipient", "id"), t.Member.bot_id),
)


# The activity's own id is not stored, but the reply goes to a URL that carries it after the
# service URL and the conversation id (500 characters each): Teams' ids are tens of characters,
# and a longer one would push the reply's request line past what servers accept (8,190 bytes
# in aiohttp), so the turn would be answered with nothing. Counted in the URL's bytes, as the
# id is sent: botbuilder's connector percent-encodes it whole (msrest `Serializer.url`:
# `quote(id, safe="")`, each non-ASCII character's UTF-8 bytes as three characters each); the
# Agents SDK's puts it into the path as it is and aiohttp's URL encodes the non-ASCII the same
# way, leaving reserved ASCII such as "/" as it is, so never longer than that.
ACTIVITY_ID_MAX = 1000


def url_bytes(value: str) -> int:
    """How many bytes `value` takes in a reply URL's path, as the longer of the two platforms'
    connector clients encodes it (`quote` with nothing safe; a lone surrogate, which the
    envelope replaces before a turn, is counted as the three bytes it would take, not a crash)."""
    return len(quote(value, safe="", errors="surrogatepass"))


# Read once: a column's type through the mapped attribute is a proxy walk on every access.
_FIELD_LIMITS: tuple[tuple[tuple[str, ...], int], ...] = tuple(
    (path, column.type.length) for path, column in _STORED_FIELDS
)


def oversized_field(body: dict[str, Any]) -> str | None:
    """What is wrong with the first envelope id longer than its column, if any (the display
    name is cut to fit instead, in to_turn)."""
    for path, limit in _FIELD_LIMITS:
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and len(value) > limit:
            return f"Activity field {'.'.join(path)} is longer than {limit} characters"
    activity_id = body.get("id")
    if isinstance(activity_id, str) and url_bytes(activity_id) > ACTIVITY_ID_MAX:
        return (
            f"Activity field id is longer than {ACTIVITY_ID_MAX} bytes once encoded for the "
            "reply's URL"
        )
    return None


def to_turn(activity: Any, tenant_id: str) -> Turn:
    actor = Actor(
        tenant_id=tenant_id,
        aad_object_id=getattr(activity.from_property, "aad_object_id", None) or None,
        teams_user_id=str(getattr(activity.from_property, "id", "") or ""),
        display_name=str(getattr(activity.from_property, "name", "") or "")[:200],
    )
    address = _address(activity, tenant_id, actor)
    kind, verb, data, via_invoke = _classify(activity)
    text = activity.text if isinstance(activity.text, str) else ""
    return Turn(
        kind=kind,
        actor=actor,
        address=address,
        text=text,
        verb=verb,
        data=data,
        via_invoke=via_invoke,
        bot_added=_bot_added(activity),
        activity_id=activity.id if isinstance(activity.id, str) else "",
    )


def _address(activity: Any, tenant_id: str, actor: Actor) -> ConversationAddress:
    conversation = activity.conversation
    return ConversationAddress(
        service_url=activity.service_url or "",
        conversation_id=str(getattr(conversation, "id", "") or ""),
        tenant_id=tenant_id,
        bot_id=str(getattr(activity.recipient, "id", "") or ""),
        user_id=actor.teams_user_id,
        aad_object_id=actor.aad_object_id,
        conversation_type=str(getattr(conversation, "conversation_type", "") or "personal"),
    )


def _classify(activity: Any) -> tuple[TurnKind, str | None, dict[str, Any], bool]:
    if activity.type == INVOKE and activity.name == "adaptiveCard/action":
        action = activity.value.get("action") if isinstance(activity.value, dict) else None
        action = action if isinstance(action, dict) else {}
        return TurnKind.CARD_ACTION, _verb(action.get("verb")), _data(action.get("data")), True
    if activity.type == INVOKE and activity.name == "fileConsent/invoke":
        # The user's answer to a file offer: routed like a card action on its own verb.
        return TurnKind.CARD_ACTION, verbs.FILE_CONSENT, _data(activity.value), True
    if activity.type == MESSAGE:
        if isinstance(activity.value, dict) and not (activity.text or "").strip():
            # Action.Submit: a message with empty text whose value is the card's data.
            data = _data(activity.value)
            return TurnKind.CARD_ACTION, _verb(data.get("verb")), data, False
        return TurnKind.MESSAGE, None, {}, False
    if activity.type == INSTALLATION_UPDATE and activity.action in (
        "add",
        "add-upgrade",
    ):
        return TurnKind.INSTALLED, None, {}, False
    if activity.type == CONVERSATION_UPDATE and activity.members_added:
        return TurnKind.MEMBERS_ADDED, None, {}, False
    return TurnKind.IGNORED, None, {}, False


def _verb(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def _data(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) > MAX_DATA_KEYS:
        return {}
    return {str(key): _in_range(item) for key, item in value.items()}


# No id, section, page or revision is outside a signed 64-bit integer, and SQLite can't bind
# one that is (OverflowError, i.e. a crash instead of "not found"): such a number is absent.
_INT64 = range(-(2**63), 2**63)


def _in_range(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value in _INT64 else None
    if isinstance(value, dict):
        return {key: _in_range(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_range(item) for item in value]
    return value


def _bot_added(activity: Any) -> bool:
    bot_id = getattr(activity.recipient, "id", None)
    return any(getattr(m, "id", None) == bot_id for m in activity.members_added or [])
