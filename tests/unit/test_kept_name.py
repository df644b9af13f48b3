"""A local-mode export's name on disk, shown so it can be copied exactly (walk10: the card's
look-alike dot and a wrap break in it made a copied name find nothing)."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from bot.files import kept_here, kept_name
from cards.basics import KEPT_NAME, KEPT_NAME_ID, file_ready_card
from cards.common import LOOKALIKE, ZERO_WIDTH, card_nodes
from cards.validation import card_problems

STAMP = "20261207-141500"
TAG = "0a1b2c3d"


def kept_block(card: dict[str, object]) -> dict[str, object]:
    [block] = [n for n in card_nodes(card) if n.get("id") == KEPT_NAME_ID]
    return dict(block)


def test_the_card_shows_the_name_as_it_is_on_disk_in_a_monospace_line() -> None:
    name = kept_name(STAMP, TAG, "LOS-2026-001-meeting-pack.docx")
    assert name == "20261207-141500-0a1b2c3d-LOS-2026-001-meeting-pack.docx"
    card = file_ready_card(kept_here("the meeting pack for LOS-2026-001"), kept_as=name)
    block = kept_block(card)
    assert block["text"] == name
    assert block["fontType"] == "monospace"
    assert block["wrap"] is True
    assert LOOKALIKE["."] not in str(block)
    assert ZERO_WIDTH not in str(block)
    assert card_problems(card) == []
    assert "by the name below" in str(card)


@given(
    st.text(min_size=0, max_size=200),
    st.sampled_from(["csv", "docx", "xlsx", "pdf", "DOCX"]),
)
def test_any_documents_name_becomes_a_plain_kept_name(stem: str, kind: str) -> None:
    name = kept_name(STAMP, TAG, f"{stem}.{kind}")
    assert KEPT_NAME.fullmatch(name), name
    assert set(name) <= set(string.ascii_letters + string.digits + "-."), name
    assert name.count(".") == 1
    assert "--" not in name
    assert name.endswith("." + kind.lower())


def test_a_name_made_of_nothing_safe_is_still_named() -> None:
    assert kept_name(STAMP, TAG, "**_[x](y)_**.csv").endswith("-x-y.csv")
    assert kept_name(STAMP, TAG, "“”.csv") == f"{STAMP}-{TAG}-export.csv"


def test_a_name_that_is_not_the_bots_own_is_refused_rather_than_shown() -> None:
    for hostile in ("evil.example.com", "a_b_.docx", "x.docx](http://x)", "20261207.docx"):
        try:
            file_ready_card("Saved.", kept_as=hostile)
        except ValueError:
            continue
        raise AssertionError(f"shown: {hostile!r}")
    for kind in ("exe", "com", "html"):
        try:
            kept_name(STAMP, TAG, f"report.{kind}")
        except ValueError:
            continue
        raise AssertionError(kind)
