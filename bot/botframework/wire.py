"""The wire encoding: botbuilder models as the JSON the Bot Framework expects, and outgoing
activities TurnContext sends without deep-copying their cards.
"""

from __future__ import annotations

import copy
import json
from base64 import b64encode
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, cast

from botbuilder.core import CardFactory, InvokeResponse
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AttachmentLayoutTypes,
)
from msrest import Serializer
from msrest.serialization import Model

_SERIALIZE_ISO: Callable[[Any], str] = cast(Any, Serializer).serialize_iso


class SharedActivity(Activity):  # type: ignore[misc]  # botbuilder is untyped
    """An outgoing activity TurnContext copies shallowly: before sending it only reassigns the
    copy's fields (conversation, from, recipient, ids), never changes what they hold."""

    def __deepcopy__(self, _memo: dict[int, Any]) -> SharedActivity:
        return copy.copy(self)


def card_activity(card: dict[str, Any]) -> Any:
    """`MessageFactory.attachment(CardFactory.adaptive_card(card))`, cheap to send: TurnContext
    copies it shallowly, so the card is shared, and it is still a plain dict for msrest (the
    stock client, and expectReplies answers in the HTTP body)."""
    return SharedActivity(
        type=ActivityTypes.message,
        attachment_layout=AttachmentLayoutTypes.list,
        # A plain dict whatever the builder returned (cards.validation.MeasuredCard): msrest
        # writes a dict subclass as its repr.
        attachments=[CardFactory.adaptive_card(dict(card))],
    )


def invoke_answer(response: InvokeResponse) -> Any:
    """The invokeResponse activity ActivityHandler.on_turn would send, copied shallowly: the
    adapter only records it, and app.py writes its body out as JSON."""
    return SharedActivity(type=ActivityTypes.invoke_response, value=response)


def encode(model: Any) -> bytes:
    """A botbuilder model as the JSON the Bot Framework expects: what msrest's
    `Serializer.body` sends for these models (attribute-map keys, None left out, enums by
    value, ISO-8601 times in UTC), without its per-value `eval`, deep copies and validation
    walk, which cost more than the rest of a turn. `object` fields (card content, channel
    data) go to `json.dumps` as they are; models, enums and times inside them are converted
    as msrest converts them."""
    return json.dumps(to_wire(model), separators=(",", ":"), default=_nested).encode()


def to_wire(value: Any) -> Any:
    """The JSON structure of a model; `object` fields are left for `json.dumps`."""
    if isinstance(value, Model):
        out: dict[str, Any] = {}
        for attribute, spec in value._attribute_map.items():
            item = getattr(value, attribute, None)
            if item is not None:
                out[spec["key"]] = _typed(item, spec["type"])
        return out
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_wire(item) for key, item in value.items()}
    return _nested(value) if isinstance(value, Enum | datetime | bytes | bytearray) else value


def _typed(item: Any, type_name: Any) -> Any:
    if type_name == "object":
        return item
    if type_name == "str":
        return item.value if isinstance(item, Enum) else str(item)
    if type_name == "iso-8601":
        return _SERIALIZE_ISO(item)
    if type_name == "bytearray":
        return b64encode(item).decode()
    if type_name in ("int", "long"):
        return int(item)
    if type_name == "float":
        return float(item)
    if type_name == "bool":
        return bool(item)
    return to_wire(item)


def _nested(value: Any) -> Any:
    """What `json.dumps` can't encode by itself, as msrest's `serialize_object` would."""
    if isinstance(value, Model):
        return to_wire(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return _SERIALIZE_ISO(value)
    if isinstance(value, bytes | bytearray):
        return b64encode(value).decode()
    return str(value)
