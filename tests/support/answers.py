"""Valid answers under the name the tests have always used (samples/answers.py), and typed text
the identifier guard flags (an invented name and street address)."""

from samples.answers import valid_answers

# A return's answer naming someone and their street address (tests/behaviour/test_races.py and
# tests/behaviour/test_held_answers.py).
NAMED_ANSWER = "Kelly Smith, 14 Acacia Road, was seen at home."
# An action item's progress note naming someone and their street address.
NAMED_NOTE = "Spoke to Kelly Smith at 14 Acacia Road about the audit"

__all__ = ["NAMED_ANSWER", "NAMED_NOTE", "valid_answers"]
