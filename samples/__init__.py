"""Sample Teams activities and demo records that tests/ and bench/ share (bench/ imports
nothing from tests/). The served bot never imports this package."""
