"""Names of things, not people: a step after the name detector (domain/identifier_names.py).

Many services, wards, laws and charities are named after people, real or not, and their names
read exactly like a person's: "Princess Anne Hospital", "Clare's Law", "the Holly Lodge contact
centre", "the Marie Curie nurse". The name detector sees a forename and a surname; this step
looks at the words around each name it found and drops the finding when they show the name is
part of the name of a thing:
- a naming noun follows it, capitalised: "Princess Anne Hospital", "Helen Bamber Foundation"
  (or ends a name of three words or more, since some are surnames too: "Kelly Jones House");
- a possessive is followed by a capitalised naming noun: "Clare's Law", "Valentine's Day";
- "the" (or "a", "an") comes before it and a naming noun ends it or follows it, or a service
  role follows it: "the Holly Lodge contact centre", "the Edward Jenner unit", "the Marie Curie
  nurse". A person is not "the Kelly Smith"; "the Smith family" and "the Kelly Smith case"
  still name a person, so "family", "case", "referral" and the like are not naming nouns;
- a lone name between a time preposition and a relationship word is a festival or a season,
  not a person: "During Ramadan mum was fasting" ("mum Kelly" and "Kelly (mum)" still count).
- a forename before a naming noun that is seldom a surname names a building: "Martha House",
  "Alton Towers" ("Sarah Hall", "Kelly Law" are people); capitalised words running on to a
  naming noun do too ("the Emily Davison Family Hub"), and after "the" one describing word may
  stand before the naming noun ("the Grace Darling sailing club");
- a name inside a UK town of two words or more ("Newton Abbot", "Melton Mowbray": the exchange
  names in libphonenumber's geocoding data), or a well-known character ("Peter Pan").

A published review named after a child ("the Kelly Smith review") is left flagged: the child's
name is personal data even when the review is published.

A possessive before a lower-case noun is a person's: "Kelly Smith's house" stays a name. Street
addresses are not names and are not touched: "14 Acacia Road" and "7 Holly Lodge Drive" are
still found by the address detector.

The naming nouns are a short table here (unit-tested in tests/unit/test_identifier_things.py)
because no installed package lists the heads of institution names; the relationship words are
the name detector's own (domain/identifier_words.py).
"""

from __future__ import annotations

import re
from itertools import pairwise

from domain.identifier_kinds import IdentifierFinding, IdentifierKind
from domain.identifier_names import name_findings
from domain.identifier_words import RELATIONS
from domain.name_lexicon import uk_towns


def _table(words: str) -> frozenset[str]:
    return frozenset(words.split())


# The last word of the name of an institution, a place in one, a law, a scheme or an event.
NAMING_NOUNS = _table(
    """
    hospital hospitals hospice infirmary clinic centre center unit ward wing lodge house hall
    hub trust foundation fund charity society association institute project programme
    scheme law act appeal campaign club library museum memorial award prize day festival
    towers
    """
)
# Naming nouns that are also common surnames: "Sarah Hall", "Emma Ward", "Kelly Day" are
# people. A forename followed by any other naming noun alone ("Martha House", "Alton Towers")
# names a building, not a person.
SURNAME_NAMING_NOUNS = _table("hall ward day law wing")
# Fictional characters whose names read as a forename and a surname.
CHARACTERS = frozenset(["Peter Pan", "Mickey Mouse", "Minnie Mouse", "Harry Potter"])
# Words that end a describing word's run: after "the Grace Darling", "sailing club" names a
# thing, "and the club" does not.
FUNCTION_WORDS = _table(
    """
    and or but the a an at to in into of on off with from for by as is was were are be been
    had has have who which that this then when where while who whose not no
    """
)
# What a service's name is put before: "the Marie Curie nurse", "the Barnardo's worker".
SERVICE_ROLES = _table(
    """
    nurse nurses worker workers volunteer volunteers service services team refuge
    """
)
# Words that put the name that follows in time, as a festival or a season is: "During Ramadan".
TIME_PREPOSITIONS = _table("during after before over since until till throughout around")
DETERMINERS = frozenset(["the", "a", "an"])

_WORD = r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*"
_WORDS = re.compile(_WORD)
_WORD_AFTER = re.compile(rf"[ \u00a0]{{1,2}}({_WORD})")
_WORD_BEFORE = re.compile(rf"({_WORD})[ \u00a0]{{1,2}}$")
_POSSESSIVE = re.compile(r"['\u2019]s$")
# How far back to look for the word before a name: longer than any word worth comparing.
_LOOK_BACK = 24


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word)


def _is_naming_noun(word: str, *, capitalised: bool = True) -> bool:
    bare = _bare(word)
    return bare.lower() in NAMING_NOUNS and (not capitalised or bare[:1].isupper())


def _is_possessive(word: str) -> bool:
    return word[:1].isupper() and _POSSESSIVE.search(word) is not None


def _word_after(text: str, end: int) -> str | None:
    match = _WORD_AFTER.match(text, end)
    return match.group(1) if match else None


def _words_after(text: str, end: int, count: int) -> list[str]:
    """Up to `count` words after text[end], each one or two spaces from the last."""
    words: list[str] = []
    while len(words) < count and (match := _WORD_AFTER.match(text, end)) is not None:
        words.append(match.group(1))
        end = match.end()
    return words


def _word_before(text: str, start: int) -> str | None:
    match = _WORD_BEFORE.search(text[max(0, start - _LOOK_BACK) : start])
    return match.group(1) if match else None


def _describing_run(following: list[str]) -> list[str]:
    """The word after a name, and the one after that when the first only describes it:
    ["sailing", "club"] of "sailing club", but ["and"] of "and the club"."""
    if not following:
        return []
    first = following[0]
    if len(following) > 1 and first.islower() and first not in FUNCTION_WORDS:
        return following[:2]
    return following[:1]


def _is_place_or_character(
    text: str, start: int, end: int, before: str | None, after: str | None
) -> bool:
    """A UK town of two words or more ("Newton Abbot", or "Melton" of "Melton Mowbray") or a
    fictional character ("Peter Pan"): the name alone, or with the word either side of it."""
    name = _POSSESSIVE.sub("", text[start:end])
    if name in CHARACTERS:
        return True
    towns = uk_towns()
    # One word alone is not enough: "Mr Preston", "Chester (dad)" are people.
    candidates = [name] if " " in name else []
    if after is not None:
        candidates.append(f"{name} {_bare(after)}")
    if before is not None and before[:1].isupper():
        candidates.append(f"{before} {name}")
    return any(candidate in towns for candidate in candidates)


def names_a_thing(text: str, start: int, end: int) -> bool:
    """Whether the name found at text[start:end] is part of the name of a thing."""
    words = _WORDS.findall(text[start:end])
    if not words:
        return False
    following = _words_after(text, end, 3)
    after = following[0] if following else None
    before = _word_before(text, start)
    if after is not None and _is_naming_noun(after):
        return True
    if _is_place_or_character(text, start, end, before, after):
        return True
    # "the Emily Davison Family Hub": capitalised words run on to a naming noun.
    for word in following[1:]:
        if not word[:1].isupper():
            break
        if _is_naming_noun(word):
            return True
    # "Martha House", "Alton Towers": a naming noun that is seldom a surname ends the name.
    last = _bare(words[-1])
    if (
        len(words) == 2
        and _is_naming_noun(last)
        and last.lower() not in SURNAME_NAMING_NOUNS
        and not _POSSESSIVE.search(words[-1])
    ):
        return True
    # The detector takes in further family names, and "House", "Law" and "Hall" are surnames
    # too: "Kelly Jones House" is a full name with a naming noun after it.
    if len(words) >= 3 and _is_naming_noun(words[-1]):
        return True
    run = ([before] if before is not None else []) + words + ([after] if after else [])
    if any(_is_possessive(left) and _is_naming_noun(right) for left, right in pairwise(run)):
        return True
    if before is not None and before.lower() in DETERMINERS:
        if _is_naming_noun(words[-1]):
            return True
        # "the Marie Curie nurse"; "the Grace Darling sailing club", one describing word between.
        if not _POSSESSIVE.search(words[-1]) and any(
            _is_naming_noun(word, capitalised=False) or word.lower() in SERVICE_ROLES
            for word in _describing_run(following)
        ):
            return True
    return (
        len(words) == 1
        and before is not None
        and before.lower() in TIME_PREPOSITIONS
        and after is not None
        and after.lower() in RELATIONS
        and text[end : end + 1] == " "
    )


def without_names_of_things(
    text: str, findings: list[IdentifierFinding]
) -> list[IdentifierFinding]:
    """`findings` less the names that are part of the name of a thing, and the names found
    inside those ("Jones House" in "Kelly Jones House"); other kinds untouched."""
    things = [
        (finding.start, finding.end)
        for finding in findings
        if finding.kind is IdentifierKind.NAME and names_a_thing(text, finding.start, finding.end)
    ]
    return [
        finding
        for finding in findings
        if finding.kind is not IdentifierKind.NAME
        or not any(start <= finding.start and finding.end <= end for start, end in things)
    ]


def person_name_findings(text: str) -> list[IdentifierFinding]:
    """The name detector's findings that name a person, not a thing."""
    return without_names_of_things(text, name_findings(text))
