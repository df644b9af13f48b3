"""Render card text as Markdown, the way Teams' web and desktop clients do (CommonMark, with
strikethrough, tables and bare links turned into links), to see what a reader would get."""

from __future__ import annotations

import re
from typing import Final

from markdown_it import MarkdownIt

from cards.common import ZERO_WIDTH
from domain.display import LOOKALIKE_OF

_RENDERER: Final = MarkdownIt("commonmark", {"linkify": True}).enable(
    ["linkify", "strikethrough", "table"]
)
_TAG: Final = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)")
# What a paragraph of plain text renders to; a hard break ("  " before a line end) is harmless.
PLAIN_TAGS: Final = frozenset({"p", "br"})
_BACK: Final = str.maketrans(LOOKALIKE_OF)


def rendered_html(text: str) -> str:
    return _RENDERER.render(text)


def rendered_tags(text: str) -> set[str]:
    """The HTML elements `text` becomes as Markdown."""
    return {name.lower() for name in _TAG.findall(rendered_html(text))}


def as_typed(escaped: str) -> str:
    """What the reader sees, read back as the characters they stand for."""
    return escaped.replace(ZERO_WIDTH, "").translate(_BACK)
