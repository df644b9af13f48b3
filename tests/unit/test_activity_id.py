"""The activity's id rides in the reply's URL (bot/turns.py ACTIVITY_ID_MAX): its limit counts
the bytes of the id as the connector clients encode it, not its characters, so a non-ASCII id
can't pass the limit and still push the reply's request line past what a server reads."""

from __future__ import annotations

import yarl
from hypothesis import given
from hypothesis import strategies as st
from msrest.serialization import Serializer

from bot.turns import ACTIVITY_ID_MAX, oversized_field, url_bytes

# What JSON can carry once the envelope is cleaned: no lone surrogates (bot/app.py `_clean`).
_IDS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=600)


@given(_IDS)
def test_the_count_is_what_either_platform_s_connector_puts_in_the_url(activity_id: str) -> None:
    # botbuilder: msrest quotes the id whole; the Agents SDK: aiohttp's URL encodes the path.
    botframework = Serializer().url("activity_id", activity_id, "str")
    assert url_bytes(activity_id) == len(botframework.encode("ascii"))
    base = yarl.URL("https://smba.example/v3/conversations/c/activities/")
    agents = (base.raw_path + yarl.URL.build(path="/" + activity_id).raw_path[1:]).encode()
    assert url_bytes(activity_id) >= len(agents) - len(base.raw_path)


@given(st.text(alphabet=st.characters(min_codepoint=0x80), min_size=1, max_size=1200))
def test_a_non_ascii_id_is_refused_by_its_encoded_bytes_not_its_characters(
    activity_id: str,
) -> None:
    refused = oversized_field({"id": activity_id}) is not None
    assert refused == (url_bytes(activity_id) > ACTIVITY_ID_MAX)
    # Each non-ASCII character takes at least two UTF-8 bytes, six characters once encoded.
    assert url_bytes(activity_id) >= 6 * len(activity_id)


def test_an_id_of_few_characters_but_many_bytes_is_refused() -> None:
    """Found in the second review: 300 characters of "€" (3 bytes, 9 once encoded) passed the
    1,000-character limit and took 2,700 bytes of the URL."""
    assert oversized_field({"id": "€" * 300}) is not None
    assert oversized_field({"id": "€" * (ACTIVITY_ID_MAX // 9)}) is None
    assert oversized_field({"id": "x" * ACTIVITY_ID_MAX}) is None
    assert oversized_field({"id": "x" * (ACTIVITY_ID_MAX + 1)}) is not None
