"""The buttons of the chair's card of an item still with its owner (open, in progress or
blocked), as every test of it expects them: the chair's controls, the way back to the review's
summary, and the way back to the chair's `my actions` list."""

from __future__ import annotations

from typing import Final

CHAIR_CONTROLS: Final = (
    "Reassign",
    "Amend",
    "Split in two",
    "Cancel this action item…",
    "Review summary",
    "My actions",
)
