"""`python -m bot` runs the lineofsight command."""

import sys

from bot.cli import main

sys.exit(main())
