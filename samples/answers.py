"""Valid (pseudonymised) answers for any section of the question bank, as a card sends them."""

from __future__ import annotations

from domain.questions import Section
from domain.returns import CONFIRM_PREFIX
from storage.demo_journeys import demo_answers


def valid_answers(section: Section) -> dict[str, str]:
    """The demo's answers, without its ticks against identifier warnings."""
    return {k: v for k, v in demo_answers(section).items() if not k.startswith(CONFIRM_PREFIX)}
