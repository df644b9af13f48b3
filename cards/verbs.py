"""Every card verb, in one table. Buttons carry these; bot/ registers handlers on the same names."""

from typing import Final

HELP: Final = "help"
PROFILE: Final = "profile"

ALL: Final = frozenset({HELP, PROFILE})
