"""Inbound activity JSON to botbuilder's `Activity`, at a tenth of msrest's cost.

`Activity().deserialize(body)` walks every field through msrest's generic machinery (type
strings dispatched per value, `eval` for ints, isodate for timestamps, a deep copy of every
`object` field): on this machine that is about 0.15 ms a turn, a third of an invoke turn's
framework cost (bench/, issue 8). The fast path here builds the same objects straight from
each model's `_attribute_map`. It takes only bodies it can convert exactly as msrest would:
any value of an unexpected type, or a timestamp outside the plain ISO 8601 form Teams sends,
falls back to msrest, so the result (and msrest's errors for bad fields) never differ.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from botbuilder import schema
from botbuilder.schema import Activity
from msrest.serialization import Model

# What Teams and the Bot Framework send: seconds always, optional fractions, Z or an offset.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(?P<fraction>\d{1,7}))?(?:Z|[+-]\d{2}:\d{2})?"
)


class _Unusual(Exception):
    """A value the fast path does not convert exactly as msrest does: msrest takes the body."""


def parse_activity(body: dict[str, Any]) -> Activity:
    """The Activity msrest would build from `body`; msrest's own errors for bad fields."""
    try:
        activity = _model(Activity, body)
    except _Unusual:
        return Activity().deserialize(body)
    assert isinstance(activity, Activity)
    return activity


@cache  # keyed by model class (Any: msrest's Model confuses mypy's Hashable check)
def _fields(cls: Any) -> tuple[tuple[str, str, str], ...]:
    """(attribute, JSON key, msrest type) for each field of a model."""
    return tuple((name, spec["key"], spec["type"]) for name, spec in cls._attribute_map.items())


@cache
def _known_keys(cls: Any) -> frozenset[str]:
    return frozenset(key for _name, key, _kind in _fields(cls))


def _model(cls: Any, data: object) -> Model:
    if not isinstance(data, dict):
        raise _Unusual
    values = {name: _value(kind, data[key]) for name, key, kind in _fields(cls) if key in data}
    built: Model = cls(**values)
    extra = data.keys() - _known_keys(cls)
    if extra:
        # msrest keeps keys it has no field for on the object, and so does this.
        built.additional_properties = {key: data[key] for key in extra}
    return built


def _value(kind: str, value: object) -> object:
    if value is None:
        return None
    if kind == "str":
        return _exactly(value, str)
    if kind == "object":
        # msrest copies JSON values one by one into equal values: the parsed body is ours.
        return value
    if kind == "bool":
        return _exactly(value, bool)
    if kind == "int":
        return _exactly(value, int)
    if kind == "iso-8601":
        return _timestamp(value)
    if kind.startswith("["):
        return [_value(kind[1:-1], item) for item in _exactly(value, list)]
    if kind.startswith("{"):
        return {key: _value(kind[1:-1], item) for key, item in _exactly(value, dict).items()}
    return _model(getattr(schema, kind), value)


def _exactly(value: object, kind: type) -> Any:
    # type(), not isinstance(): msrest turns True into 1 for an int field, and so on.
    if type(value) is not kind:
        raise _Unusual
    return value


def _timestamp(value: object) -> datetime:
    text = _exactly(value, str)
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise _Unusual
    fraction = match.group("fraction")
    if fraction and len(fraction) > 6:
        # Teams sends 100 ns ticks; datetime (like msrest) keeps microseconds.
        text = text.replace(fraction, fraction[:6], 1)
    parsed = datetime.fromisoformat(text)
    try:
        parsed.utctimetuple()  # msrest refuses what falls outside years 1-9999 in UTC
    except OverflowError as error:
        raise _Unusual from error
    return parsed
