"""Words typed with Markdown marks, as plain words for a document every team reads.

A review's reason is often pasted from an email or a case note: "**Neglect** concerns held by
_several_ agencies, see https://…". Quoted into the 7-minute briefing it printed the marks
(and on a card, their look-alikes) and an internal address to every team in the partnership
(walk 13, M7). CommonMark is read by markdown-it-py, the parser the card tests already render
with, rather than by hand-made patterns that would miss nesting, escapes and code spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Raw HTML is left as the characters typed (html off); bare addresses ("https://…",
# "www.…", "name@…") are found as links (linkify), as Teams shows them.
_PARSER: Final = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(
    ["linkify", "strikethrough"]
)
# Said where an address was: a reader sees something was there (the chair, editing the draft,
# can reword the sentence around it), and no address leaves the partnership's own systems.
LINK_REMOVED: Final = "(link removed)"
EMAIL_REMOVED: Final = "(email address removed)"


def plain_words(typed: str) -> str:
    """`typed` without Markdown marks and without web or email addresses: a link with words
    of its own keeps the words ("the [strategy notes](https://…)" reads "the strategy
    notes"), a bare address reads LINK_REMOVED. One line a block (paragraph, heading, list
    item, quote) or a line typed within one; a list item keeps a bullet, or its number."""
    lines: list[str] = []
    items: list[str] = []  # the mark of each list item open, innermost last ("• ", "2. ")
    for token in _PARSER.parse(typed):
        if token.type == "list_item_open":
            items.append(f"{token.info}{token.markup} " if token.info else "\u2022 ")
        elif token.type == "list_item_close":
            items.pop()
        elif token.type == "inline":
            text = _inline_words(token.children or ())
            lead = items[-1] if items else ""
            lines.extend(lead + line if n == 0 else line for n, line in enumerate(text.split("\n")))
            if items:
                items[-1] = " " * len(items[-1])  # a second paragraph in the item: no bullet
        elif token.type in ("fence", "code_block"):
            # Its words read as any others: shown as typed, "    **bold**" kept its marks.
            lines.extend(plain_words(token.content).split("\n"))
    return "\n".join(line.strip() for line in lines if line.strip())


def _inline_words(children: Sequence[Token]) -> str:
    """An inline run's words, without marks: a link keeps its words, never its address (an
    address shown as itself is its words, and goes with the rest of the run's addresses)."""
    words: list[str] = []
    for child in children:
        if child.type in ("text", "image"):  # an image: its description
            words.append(child.content)
        elif child.type == "code_inline":  # "`**x**`": its words, without their marks
            words.append(plain_words(child.content).replace("\n", " "))
        elif child.type in ("softbreak", "hardbreak"):
            words.append("\n")
    return _without_addresses("".join(words))


def _without_addresses(text: str) -> str:
    """`text` with each web or email address in it replaced by what says it was removed:
    found again in the plain words, so an address in a link's own words or a code span, where
    the parser's linkify does not look, goes too."""
    linkify = _PARSER.linkify
    assert linkify is not None, "made with linkify on"
    found = linkify.match(text) or []
    for match in reversed(found):
        removed = EMAIL_REMOVED if match.schema == "mailto:" else LINK_REMOVED
        text = text[: match.index] + removed + text[match.last_index :]
    return text
