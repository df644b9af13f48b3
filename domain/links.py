"""Web links people give as evidence: which may be offered as a button that opens them.

A link is opened only when it is plainly a web address on the public internet: https, a host
name of ordinary letters, digits and hyphens with a dot in it, no user name or password before
the host, and no spaces, control characters or backslashes anywhere. Anything else is shown as
inert text, never opened (a `javascript:` link, `https://evil@bank.example`, a look-alike host
written in other scripts, an address on the local network by number)."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

LINK_MAX: Final = 2000
_HOST: Final = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE
)
# Spaces, backslashes, control characters and the invisible ones (zero-width, direction marks).
_UNSAFE: Final = re.compile(
    r"[\s\\\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)


def web_link(value: object) -> str | None:
    """`value` as a link a button may open, or None when it isn't a safe https address."""
    if not isinstance(value, str):
        return None
    link = value.strip()
    if not link or len(link) > LINK_MAX or _UNSAFE.search(link):
        return None
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not link.lower().startswith("https://"):
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    host = parts.hostname or ""
    if not _HOST.match(host) or (port is not None and not 0 < port < 65536):
        return None
    return link
