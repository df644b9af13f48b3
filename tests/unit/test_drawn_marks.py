"""A section card carries a mark of each saved answer its inputs were drawn holding
(domain/returns.py `drawn_mark`), so a save tells a box the person left as drawn from one they
changed: only a changed box's text comes back under "What you typed" when a colleague saved
that question after the card was drawn. With the revision the card carries, the marks also tell
a colleague's clearing (no answer row is left) and a clear followed by a new answer (a new row
starts again at revision 1) from the answer the card drew: neither is written back over."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.records import StoredAnswer
from domain.returns import Clash, changed_since_drawn, clash, drawn_mark, left_as_drawn


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


# --- a colleague's change since the card was drawn: edited, cleared, or cleared and re-added --
# (`changed_since_drawn`, `clash`). Storage's rules, modelled: a save of an existing answer
# adds one to its revision; clearing deletes the row; an answer saved where none is (after a
# clear, or an episode renumbered into the slot) is a new row at revision 1.

Values = st.one_of(
    st.sampled_from(["First version", "Second version", ""]),
    st.lists(st.sampled_from(["neglect", "housing"]), max_size=2),
    st.fixed_dictionaries({"answer": st.sampled_from(["yes", "no"])}),
)
Step = st.one_of(st.tuples(st.just("save"), Values), st.just(("clear", None)))


def _answer(value: object, revision: int) -> StoredAnswer:
    return StoredAnswer("agency_team", 0, value, revision, 7, "Child K's worker", True)


def _after(current: StoredAnswer | None, steps: list[tuple[str, object]]) -> StoredAnswer | None:
    for kind, value in steps:
        if kind == "clear":
            current = None
        else:
            current = _answer(value, current.revision + 1 if current else 1)
    return current


def _drawn(current: StoredAnswer | None) -> tuple[int, str | None]:
    """What a card drawn holding `current` carries for its box: revision and mark."""
    return (current.revision, drawn_mark(current.value)) if current else (0, None)


@given(
    st.one_of(st.none(), st.builds(_answer, Values, st.integers(1, 5))),
    st.lists(Step, max_size=4),
)
def test_a_change_since_drawn_is_told_by_revision_or_mark(
    drawn: StoredAnswer | None, steps: list[tuple[str, object]]
) -> None:
    revision, mark = _drawn(drawn)
    now = _after(drawn, steps)
    changed = changed_since_drawn(now, revision, mark)
    if not steps:
        assert not changed, "nobody changed it"
    if "clear" not in {kind for kind, _ in steps} and steps:
        assert changed, "saved since: a newer revision"
    held = (now.value if now else None, now is not None)
    if held != (drawn.value if drawn else None, drawn is not None):
        assert changed, "what is saved now is not what the card drew"
    if not changed:
        assert held == (drawn.value if drawn else None, drawn is not None)


@given(
    st.builds(_answer, Values, st.integers(1, 5)),
    st.lists(Step, min_size=1, max_size=4),
    Values,
)
def test_a_box_left_as_drawn_never_writes_back_over_a_change(
    drawn: StoredAnswer, steps: list[tuple[str, object]], typed: object
) -> None:
    """Whatever a colleague did since (edited, cleared, cleared and answered again), the box
    left as drawn is kept out silently; a changed box is kept out and given back; only with
    nothing changed since does the box's value go in."""
    revision, mark = _drawn(drawn)
    now = _after(drawn, steps)
    left = clash(now, drawn.value, revision, mark)
    if changed_since_drawn(now, revision, mark):
        assert left is Clash.LEFT
        if typed != drawn.value:
            assert clash(now, typed, revision, mark) is Clash.TYPED
    else:
        assert left is Clash.NONE
        assert clash(now, typed, revision, mark) is Clash.NONE


def test_a_cleared_answer_is_not_written_back_from_a_card_drawn_holding_it() -> None:
    revision, mark = _drawn(_answer("First version", 1))
    assert clash(None, "First version", revision, mark) is Clash.LEFT
    assert clash(None, "Typed here", revision, mark) is Clash.TYPED
    assert clash(None, None, revision, mark) is Clash.NONE, "emptied here as there"


def test_a_cleared_and_answered_again_one_is_told_by_its_mark() -> None:
    """Answered again after a clear, or an episode renumbered into the slot: a new row at
    revision 1, the same revision the card drew; only the mark tells them apart."""
    revision, mark = _drawn(_answer("First version", 1))
    again = _answer("Second version", 1)
    assert changed_since_drawn(again, revision, mark)
    assert clash(again, "First version", revision, mark) is Clash.LEFT
    assert not changed_since_drawn(_answer("First version", 1), revision, mark)
    # A box that showed typed text carries no mark: its revision alone is what the card knows.
    assert not changed_since_drawn(again, revision, None)


def test_a_card_that_drew_no_answer_clashes_with_one_saved_since() -> None:
    assert clash(_answer("Theirs", 1), "Mine", 0, None) is Clash.TYPED
    assert clash(_answer("Theirs", 1), None, 0, None) is Clash.TYPED
    assert clash(None, "Mine", 0, None) is Clash.NONE


def test_a_card_of_a_removed_episode_never_writes_into_the_one_renumbered_there() -> None:
    """`elsewhere`: the card drew another episode than the one now at its number. Even a box
    empty in both is a change since drawn; one left as drawn keeps what is there now."""
    assert clash(None, "Typed here", 0, None, elsewhere=True) is Clash.TYPED
    assert clash(None, None, 0, None, elsewhere=True) is Clash.NONE
    revision, mark = _drawn(_answer("First version", 1))
    now = _answer("Third episode's", 1)
    assert clash(now, "First version", revision, mark, elsewhere=True) is Clash.LEFT
    assert clash(now, "Typed here", revision, mark, elsewhere=True) is Clash.TYPED
