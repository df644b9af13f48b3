"""Counts said in the right number, and text cut at a word with an ellipsis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.wording import counted


def test_counts_take_the_right_number() -> None:
    assert counted(1, "agency return") == "1 agency return"
    assert counted(2, "agency return") == "2 agency returns"
    assert counted(0, "agency") == "0 agencies"
    assert counted(1, "entry") == "1 entry"
    assert counted(3, "entry") == "3 entries"
    assert counted(2, "working day") == "2 working days"
    assert counted(2, "possible duplicate group") == "2 possible duplicate groups"
    assert counted(4, "box") == "4 boxes"
    assert counted(5, "member of staff", "members of staff") == "5 members of staff"


@given(st.integers(min_value=-5, max_value=10_000))
def test_only_one_is_singular(count: int) -> None:
    said = counted(count, "gap")
    assert said == (f"{count} gap" if count == 1 else f"{count} gaps")
