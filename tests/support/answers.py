"""Valid answers under the name the tests have always used (samples/answers.py)."""

from samples.answers import valid_answers

__all__ = ["valid_answers"]
