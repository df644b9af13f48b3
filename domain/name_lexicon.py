"""Forenames and surnames for the identifier guard, from packaged data read once.

Forenames come from the name dictionary that ships in the `gender-guesser` package (about 37,000
given names with their frequency in 50 countries, many of them common in UK families whose
names are not English); surnames from the US census list in the `names` package (88,799
surnames: most British surnames appear there too). Both are plain text files inside the wheels,
so nothing is downloaded at run time. We read the files as data and call none of the
packages' functions (`importlib.resources.files` imports a package to find its files).
Common words come from Webster's Second International (`web2`, public domain) as the
`english-words` package (MIT) ships it, where proper nouns are capitalised: a forename whose
lower-case form is a lower-case word there ("grace", "amber", "mark") may be a word, one that is
not ("Jayden", "Maisie") is a name even alone (`distinctive_forenames`).

Loading takes about 0.3 s and keeps about 20 MB, once per process; reading the word list
needs about 30 MB more for a moment (it is dropped once the distinctive forenames are
picked). `warm()` lets the server pay that at start-up, before the first turn, instead of
inside the first save, and before the app is built, so that the app reuses the moment's
memory rather than adding to it (bot/server.py).

Rejected: `names-dataset` (the maintained list, 55 MB wheel, several GB of memory once loaded)
and Presidio (its name and address recognition is a spaCy model, which is not on PyPI).
"""

from __future__ import annotations

import io
import pickle
import re
from functools import cache
from importlib.resources import files
from typing import Any

# Columns 3-29 of each nam_dict.txt line hold the name; "+" joins the parts of a compound name.
_NAME_COLUMNS = slice(3, 29)
# dist.all.last lines are "SMITH          1.006  1.006      1": the name, then frequencies.
_SURNAME_COLUMNS = slice(0, 15)


@cache
def forenames() -> frozenset[str]:
    """Given names, in title case ("Kelly", "Mohammed", "Oliwia")."""
    found: set[str] = set()
    with (files("gender_guesser") / "data" / "nam_dict.txt").open(
        encoding="utf-8", errors="replace"
    ) as lines:
        for line in lines:
            if line[:1] in "#=":
                continue
            name = line[_NAME_COLUMNS].strip()
            for part in name.split("+"):
                if part.isalpha() and part.isascii() and len(part) > 1:
                    found.add(part.title())
    return frozenset(found)


@cache
def surnames() -> frozenset[str]:
    """Family names, in title case ("Smith", "Okafor")."""
    with (files("names") / "dist.all.last").open(encoding="ascii") as lines:
        return frozenset(
            name.title() for line in lines if len(name := line[_SURNAME_COLUMNS].strip()) > 1
        )


# A family name this common is a person's as often as it is a word: "Sarah Green", "Tom Hill"
# (the rank is the fourth column of dist.all.last: Hill 33, Park 461, Croft 2230).
COMMON_SURNAME_RANK = 1000


@cache
def common_surnames() -> frozenset[str]:
    """The `COMMON_SURNAME_RANK` most common family names, in title case."""
    with (files("names") / "dist.all.last").open(encoding="ascii") as lines:
        return frozenset(
            fields[0].title()
            for line in lines
            if len(fields := line.split()) == 4 and int(fields[3]) <= COMMON_SURNAME_RANK
        )


# A UK entry of libphonenumber's geocoding data, as the generated modules write it:
#  '441626':{'en': 'Newton Abbot'},
_UK_EXCHANGE = re.compile(r"^ '44\d*':\{'en': '([^']+)'\}", re.MULTILINE)
# "Alford (Lincs)", "Bishop Auckland/Stanhope (Eastgate)", "Isle of Skye - Portree".
_PLACE_PARTS = re.compile(r"\s*(?:/|\s-\s)\s*")
_PLACE_NOTE = re.compile(r"\s*\([^)]*\)")


@cache
def uk_towns() -> frozenset[str]:
    """UK towns as libphonenumber's geocoding data names its exchanges ("Newton Abbot",
    "Milton Keynes", "Preston"; about 700). Read as text from the package's generated data
    modules: importing them would load every country's names (40 MB)."""
    towns: set[str] = set()
    for module in (files("phonenumbers") / "geodata").iterdir():
        if module.name.startswith("data") and module.name.endswith(".py"):
            for entry in _UK_EXCHANGE.findall(module.read_text(encoding="utf-8")):
                for part in _PLACE_PARTS.split(_PLACE_NOTE.sub("", entry)):
                    if part:
                        towns.add(part)
    return frozenset(towns)


def _web2_words() -> set[str] | frozenset[str]:
    """The words of Webster's Second International (the `web2` list, public domain, as the
    `english-words` package ships it), where proper nouns are capitalised: a lower-case lookup
    ("grace", "amber", "will") finds only the words written in lower case, never "Jayden". The
    set is used as loaded: a filtered copy of its 235,000 words cost another 10 MB at the
    process's peak (start-up), for lookups that are lower-case anyway. The package keeps the
    list as a pickled set; the wheel is pinned by hash in requirements.lock, and none of its
    functions is called (`files` imports the package, whose `__init__` only defines them). The
    set is read by an unpickler that builds nothing but sets and strings (`_WordsOnly`)."""
    data = (files("english_words") / "data" / "web2.pickle").read_bytes()
    words = _WordsOnly(io.BytesIO(data)).load()
    if not isinstance(words, (set, frozenset)) or not all(isinstance(w, str) for w in words):
        raise TypeError("web2.pickle is not a set of words")
    return words


class _WordsOnly(pickle.Unpickler):
    """An unpickler that builds only built-in containers and strings: a set of words needs no
    class or function, so one a changed file asks for (how a pickle runs code) is refused,
    not imported or called."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"web2.pickle asks for {module}.{name}: refused")


@cache
def distinctive_forenames() -> frozenset[str]:
    """Forenames that are not also a common word nor a UK town ("Jayden", "Maisie"; not
    "Grace", "Hope", "Mark", "Preston"): alone, such a word is most likely a person's name."""
    words = _web2_words()  # forenames are letters only: `lower()` is a lower-case lookup
    towns = uk_towns()
    return frozenset(
        name for name in forenames() if name.lower() not in words and name not in towns
    )


def warm() -> None:
    """Load every list now (at start-up), so no turn pays for it."""
    forenames()
    surnames()
    uk_towns()
    distinctive_forenames()
