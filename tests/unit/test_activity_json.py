"""The fast activity parser builds exactly what msrest builds, or lets msrest do it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import Activity
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest.exceptions import DeserializationError

from bot import app
from bot.botframework import activity_json
from bot.botframework.activity_json import parse_activity

FIXTURES = sorted((Path(__file__).parents[2] / "samples" / "teams").glob("*.json"))


def _same(body: dict[str, Any]) -> None:
    fast = parse_activity(copy.deepcopy(body))
    slow = Activity().deserialize(copy.deepcopy(body))
    assert fast.serialize() == slow.serialize()
    assert fast.timestamp == slow.timestamp
    assert getattr(fast, "additional_properties", None) == getattr(
        slow, "additional_properties", None
    )
    assert fast.from_property.serialize() == slow.from_property.serialize()
    assert fast.value == slow.value
    assert fast.channel_data == slow.channel_data


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_teams_fixture_parses_as_msrest_parses_it(path: Path) -> None:
    assert len(FIXTURES) >= 5
    _same(json.loads(path.read_text()))


def test_the_fixtures_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Activity:
        raise AssertionError("fell back to msrest")

    monkeypatch.setattr(Activity, "deserialize", refuse)
    for path in FIXTURES:
        assert parse_activity(json.loads(path.read_text())).type


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-26T09:00:00.1234567Z",  # Teams' 100 ns ticks
        "2026-11-26T09:00:00Z",
        "2026-11-26T10:00:00.5+01:00",
        "2026-11-26T09:00:00",
        "2026-11-26t09:00:00z",  # msrest upper-cases: the fallback does
        "2026-11-26T09:00:00.12345678901Z",
    ],
)
def test_timestamps_match_msrest(stamp: str) -> None:
    body = json.loads(FIXTURES[0].read_text())
    body["timestamp"] = stamp
    body["localTimestamp"] = stamp
    _same(body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", 12),  # msrest writes str(12)
        ("replyToId", ["a"]),
        ("id", True),
        ("membersAdded", [{"id": 7}]),
        ("entities", [{"type": "mention", "extra": {"a": 1}}]),
        ("unknownTopLevel", {"kept": True}),
        ("from", {"id": "29:x", "name": "Child K's worker", "role": "user", "other": 1}),
    ],
)
def test_odd_field_types_give_what_msrest_gives(field: str, value: object) -> None:
    body = json.loads(FIXTURES[0].read_text())
    body[field] = value
    _same(body)


@pytest.mark.parametrize("stamp", ["soon", "2026-11-26", 12, "0001-01-01T00:30:00+01:00"])
def test_bad_timestamps_raise_msrest_errors(stamp: object) -> None:
    body = json.loads(FIXTURES[0].read_text())
    body["timestamp"] = stamp
    with pytest.raises(DeserializationError):
        parse_activity(body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    ["type", "id", "text", "from", "conversation", "recipient", "value", "channelData",
     "entities", "attachments", "timestamp", "membersAdded", "name", "locale", "extra"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(FIELDS, JSON, max_size=4))
def test_any_json_in_any_field_parses_as_msrest_parses_it(changes: dict[str, Any]) -> None:
    body = json.loads(FIXTURES[0].read_text())
    body.update(changes)
    try:
        slow = Activity().deserialize(copy.deepcopy(body))
    except Exception as error:
        with pytest.raises(type(error)):
            parse_activity(copy.deepcopy(body))
        return
    fast = parse_activity(copy.deepcopy(body))
    assert fast.serialize() == slow.serialize()
    assert getattr(fast, "additional_properties", None) == getattr(
        slow, "additional_properties", None
    )


def test_no_model_in_the_schema_needs_what_the_fast_path_skips() -> None:
    """msrest also handles read-only, constant and polymorphic fields; Activity has none."""
    seen: set[type] = set()
    pending: list[type] = [Activity]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        assert not model._validation, model
        assert not getattr(model, "_subtype_map", None), model
        for _name, _key, kind in activity_json._fields(model):
            name = kind.strip("[]{}")
            found = getattr(activity_json.schema, name, None)
            if isinstance(found, type):
                pending.append(found)
    assert len(seen) > 5


# Any code point, surrogates and NUL included: a body in a declared charset other than UTF-8
# (UTF-7, say) decodes to text holding them directly, not only as escapes.
_ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0xFFFF, exclude_categories=()))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=40,
)


@given(_JSON, st.booleans())
@settings(max_examples=400, deadline=None)
def test_a_body_skips_the_cleaning_walk_only_when_the_walk_would_change_nothing(
    value: Any, ascii_only: bool
) -> None:
    """bot/app.py's shortcut: no risky escape and few brackets means _clean is the identity."""
    text = json.dumps(value, ensure_ascii=ascii_only)  # not ASCII-only: surrogates stay raw
    if not app._may_need_cleaning(text):
        assert app._clean(json.loads(text)) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "walk"),
    [
        ('{"text": "hello"}', False),
        ('{"text": "caf\\u00e9 \\u2014"}', False),
        ('{"text": "\\u0000"}', True),
        ('{"text": "\\ud83d"}', True),
        ('{"text": "\\uDFFF"}', True),
        ('{"text": "\ud800"}', True),
        ('{"text": "\x00"}', True),
        ('{"text": "emoji 😀 and café"}', False),
        ("[" * 65 + "]" * 65, True),
        ("[" * 64 + "]" * 64, False),
    ],
)
def test_risky_escapes_and_deep_nesting_still_get_the_walk(text: str, walk: bool) -> None:
    assert app._may_need_cleaning(text) is walk
