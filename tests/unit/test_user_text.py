"""user_text: whatever a person typed, rendered as Markdown, is plain text that reads as typed."""

from __future__ import annotations

import unicodedata

import pytest
from adaptive_cards import card as ac
from hypothesis import given
from hypothesis import strategies as st

from cards.common import WRAP_RUN, identifier_warning, user_text
from domain.display import LOOKALIKE, LOOKALIKE_OF, shown
from tests.support.markdown import PLAIN_TAGS, as_typed, rendered_tags

MARKUP = "*_`~[]()!<>&#=+-|:/\\{}.0123456789 \n\tahttpwwwcom@"
# The look-alikes user_text shows in place of markup; typed as such, they'd read back as it.
LOOKALIKES = {ord(c): None for c in LOOKALIKE_OF}
TYPED = st.text(alphabet=st.sampled_from(MARKUP) | st.characters(), max_size=80).map(
    lambda text: text.translate(LOOKALIKES)
)


@pytest.mark.parametrize(
    "typed",
    [
        "[the chair's notes](https://evil.example/x)",
        "![logo](https://evil.example/pixel.png)",
        "**bold** and _italic_ and `code` and ~~struck~~",
        "# Heading\n## Sub",
        "> quoted\n- bullet\n* star\n+ plus\n1. first\n2) second",
        "    indented code\n```\nfenced\n```",
        "Setext\n===\nAnother\n---",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "<at>Review Chair</at> <b>bold</b> <script>x</script> <https://evil.example>",
        "&amp; &#42; &lt;b&gt;",
        "https://evil.example www.evil.example evil.example mail@evil.example",
        "\\*not emphasis\\* and a line break\\\nhere",
        "[ref]: https://evil.example\n\n[ref] and [text][ref]",
        "{{DATE(2026-12-04T10:00:00Z, SHORT)}}",
        "DOB **/**/**** and ***** ***",
        "at 10:42https://evil.example and 1:tel:0123 and 09:30mailto:x@evil.example",
    ],
)
def test_hostile_markdown_renders_as_plain_text_that_reads_as_typed(typed: str) -> None:
    escaped = user_text(typed)
    assert rendered_tags(escaped) <= PLAIN_TAGS, escaped
    assert as_typed(escaped) == typed


@given(TYPED)
def test_any_text_renders_without_markup_and_reads_as_typed(typed: str) -> None:
    escaped = user_text(typed)
    assert rendered_tags(escaped) <= PLAIN_TAGS, escaped
    assert as_typed(escaped) == shown(typed).replace("\r\n", "\n").replace("\r", "\n")


@given(st.text(alphabet=st.sampled_from(MARKUP) | st.characters(), max_size=80))
def test_escaping_twice_changes_nothing(typed: str) -> None:
    assert user_text(user_text(typed)) == user_text(typed)


def test_bidi_controls_and_invisible_characters_are_dropped_for_display() -> None:
    assert user_text("Child K\u202etxt.exe") == "Child Ktxt\u2024exe"
    assert user_text("Ja\u200byden\u2060 \ufeff\u2066x\u2069") == "Jayden x"


def test_plain_words_and_inner_underscores_are_untouched() -> None:
    for plain in (
        "Child K",
        "LOS-2026-004",
        "pre_analysis",
        "after 3.5 weeks. Then soon; 10 30",
        "saved at 10:42 on 6 Dec 2026",
    ):
        assert user_text(plain) == plain


def test_the_identifier_warning_shows_its_masked_text_as_written() -> None:
    warning = "This may contain a date of birth (**/**/2015) and a phone number (077** ******)."
    [shown_warning, tick] = identifier_warning("answer", warning)
    assert isinstance(shown_warning, ac.TextBlock)
    assert rendered_tags(shown_warning.text) <= PLAIN_TAGS
    assert as_typed(shown_warning.text) == warning
    assert tick.type == "Input.Toggle"


def test_the_look_alikes_are_narrow_characters_latin_fonts_hold() -> None:
    # New-user walk L10: the fullwidth forms (U+FF3F, U+FF40) are in CJK fonts only, so they
    # showed as empty boxes where none was installed, and twice as wide where one was.
    for typed, lookalike in LOOKALIKE.items():
        assert unicodedata.east_asian_width(lookalike) in {"N", "A"}, hex(ord(lookalike))
        assert not unicodedata.name(lookalike).startswith("FULLWIDTH"), typed
        assert lookalike != typed
    assert user_text("__init__ and `code`") == "\u02cd\u02cdinit\u02cd\u02cd and \u02cbcode\u02cb"


@pytest.mark.parametrize(
    "typed",
    [
        "x" * 200,
        "https://evil.example/" + "q" * 120,
        "e\u0301" * 60,  # a letter and its combining accent are never parted
        "pre_analysis_" * 12,
    ],
)
def test_a_long_unbroken_token_gets_places_to_wrap_and_still_reads_as_typed(typed: str) -> None:
    """walk9: a 200-character reason with no spaces ran off the summary card; renderers wrap
    only at a break opportunity, so user text gets an invisible one in every long run."""
    escaped = user_text(typed)
    assert as_typed(escaped) == typed
    assert rendered_tags(escaped) <= PLAIN_TAGS, escaped
    assert "\u200b\u200b" not in escaped
    runs = [run for word in escaped.split() for run in word.split("\u200b")]
    assert max(len(run) for run in runs) <= 2 * WRAP_RUN, escaped
    assert user_text(escaped) == escaped
    for at, mark in enumerate(escaped):
        if mark == "\u200b" and at + 1 < len(escaped):
            assert not unicodedata.combining(escaped[at + 1]), escaped
            assert "_" not in (escaped[at - 1], escaped[at + 1]), escaped


def test_words_of_ordinary_length_get_no_break() -> None:
    sentence = "Safeguarding-partnership-wide considerations, see LOS-2026-004"
    assert user_text(sentence) == sentence


def test_references_joined_without_a_space_wrap_after_their_commas() -> None:
    """review10: "…/A3,LOS-2026-001" got its wrap break inside the second reference. Each
    line takes as many whole references as fit in WRAP_RUN characters."""
    joined = "LOS-2026-001/A1,LOS-2026-001/A3,LOS-2026-001,LOS-2026-002/A12,LOS-2026-003"
    escaped = user_text(joined)
    assert escaped.split("\u200b") == [
        "LOS-2026-001/A1,",
        "LOS-2026-001/A3,LOS-2026-001,",
        "LOS-2026-002/A12,LOS-2026-003",
    ], escaped
