"""A section card carries a mark of each saved answer its inputs were drawn holding
(domain/returns.py `drawn_mark`), so a save tells a box the person left as drawn from one they
changed: only a changed box's text comes back under "What you typed" when a colleague saved
that question after the card was drawn."""

from __future__ import annotations

from domain.returns import drawn_mark, left_as_drawn


def test_a_box_sent_back_holding_what_was_drawn_was_left_as_drawn() -> None:
    for value in ("First version", ["neglect", "housing"], {"answer": "yes", "follow_up": "x"}):
        assert left_as_drawn(value, drawn_mark(value))


def test_a_changed_box_is_not_left_as_drawn() -> None:
    assert not left_as_drawn("First version.", drawn_mark("First version"))
    assert not left_as_drawn(["housing", "neglect"], drawn_mark(["neglect", "housing"]))
    assert not left_as_drawn({"answer": "no"}, drawn_mark({"answer": "yes"}))


def test_no_mark_or_a_forged_one_counts_as_changed() -> None:
    assert not left_as_drawn("First version", None)
    assert not left_as_drawn("First version", 12)
    assert not left_as_drawn("First version", "")
    assert not left_as_drawn(None, drawn_mark(None))


def test_the_mark_is_short_and_never_the_text() -> None:
    mark = drawn_mark("Kelly Smith, 14 Acacia Road")
    assert len(mark) == 12
    assert "Kelly" not in mark
    assert drawn_mark({"b": 1, "a": 2}) == drawn_mark({"a": 2, "b": 1})
