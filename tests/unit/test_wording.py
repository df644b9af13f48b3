"""Counts said in the right number, and text cut at a word with an ellipsis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.wording import counted, plain_date, short_date, shortened


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


def test_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "Audit attendance at strategy meetings for every referral"
    assert shortened(text, 100) == text
    assert shortened(text, 30) == "Audit attendance at strategy…"
    assert shortened(text, 25) == "Audit attendance at…"
    assert shortened("x" * 50, 10) == "x" * 9 + "…", "one long word is cut inside"


@given(st.text(alphabet=st.sampled_from("ab c\n"), max_size=80), st.integers(2, 60))
def test_shortened_text_fits_and_shows_it_was_cut(text: str, limit: int) -> None:
    short = shortened(text, limit)
    assert len(short) <= limit
    if short == text:
        return
    assert short.endswith("…")
    kept = short[:-1]
    assert text.startswith(kept)
    after = text[len(kept) : len(kept) + 1]
    # Cut where a word ends, unless that would throw away more than half the room.
    assert after.isspace() or len(kept.rstrip()) >= (limit - 1) // 2 or not after


def test_one_date_helper_writes_every_plain_date() -> None:
    """The pack, the chronology, returns and the documents each wrote "%d %b %Y" (a leading
    zero, and the month names of the machine's locale); one helper now, in English."""
    from datetime import date

    assert plain_date(date(2025, 1, 9)) == "9 Jan 2025"
    assert plain_date(date(2026, 11, 20)) == "20 Nov 2026"
    assert short_date(date(2027, 4, 5)) == f"Mon {plain_date(date(2027, 4, 5))}"
