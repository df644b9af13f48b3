"""Names of things, not people: a step after the name detector (domain/identifier_names.py).

Many services, wards, laws and charities are named after people, real or not, and their names
read exactly like a person's: "Princess Anne Hospital", "Clare's Law", "the Holly Lodge contact
centre", "the Marie Curie nurse". The name detector sees a forename and a surname; this step
looks at the words around each name it found and drops the finding when they show the name is
part of the name of a thing:
- a naming noun that is never a surname follows it, capitalised, or ends it: "Princess Anne
  Hospital", "Helen Bamber Foundation";
- a possessive is followed by a capitalised naming noun: "Clare's Law", "Valentine's Day";
- "the" (or "a", "an") comes before it and a naming noun follows it, or one describing word
  and then a naming noun, or a service role follows it at once: "the Holly Lodge contact
  centre", "the Grace Darling sailing club", "the Marie Curie nurse". A person is not "the
  Kelly Smith"; "the Smith family", "the Kelly Smith case", "the Sarah Hall referral" and
  "the Kelly Smith support worker" still name a person;
- capitalised words run on from it to a naming noun that is never a surname ("the Emily
  Davison Family Hub"); the run stops at the first lower-case or function word ("Kelly Smith
  attended Clinic", "Meeting With Kelly Smith At The Clinic" name her);
- a lone word that is not a forename between a time preposition and a relationship word is a
  festival or a season: "Over Passover mum" ("After Kelly mum moved out" names her);
- "a" or "the" comes before it and a thing sold, read or watched follows it: "a Ted Baker
  jacket", "a Roald Dahl play", "a Charlie Brown poster"; or a venue: "the Jimmy Wilde boxing
  gym", "the Tom Daley leisure pool" ("the Kelly Smith photo" and "the Kelly Smith story" still
  name her);
- a name inside a UK town of two words or more ("Newton Abbot", "Melton Mowbray": the exchange
  names in libphonenumber's geocoding data), or a well-known character ("Peter Pan").

When in doubt the guard flags (a warning costs the writer an override tick; a child's name let
through costs far more). So a name after a relationship word or a title is never dropped ("Mum
Sarah Lodge", "Dad Jack Towers"), and the naming nouns that are also surnames in the surname
list ("hall", "house", "lodge", "towers", "ward", "day", ...) never end a name of a thing on
their own: "Emma House", "Sarah Jane Hall" and "Martha House" are all flagged. A building's
name with a flat or house number before it is reported as an address instead: "Flat 4, Martha
House", "12 Grace Lodge".

A published review named after a child ("the Kelly Smith review") is left flagged: the child's
name is personal data even when the review is published.

A possessive before a lower-case noun is a person's: "Kelly Smith's house" stays a name. Street
addresses are not names and are not touched: "14 Acacia Road" and "7 Holly Lodge Drive" are
still found by the address detector.

The naming nouns, venue nouns and product nouns are short tables here (unit-tested in
tests/unit/test_identifier_things.py) because no installed package lists the heads of
institution names; which of them are also surnames comes from the surname list. A brand, a
character or an author named alone ("worked at John Lewis", "drew Homer Simpson") is still
flagged: the same words name people, and no packaged list of brands or characters was found.
The relationship words are the name detector's own (domain/identifier_words.py).
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

from domain.identifier_kinds import IdentifierFinding, IdentifierKind, mask_alphanumerics, mask_word
from domain.identifier_names import name_findings
from domain.identifier_words import HONORIFICS, RELATIONS
from domain.name_lexicon import forenames, surnames, uk_towns


def _table(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Places to go that are named after people: "the Jimmy Wilde boxing gym", "the Tom Daley
# leisure pool". Lower case after "the <name>" (one describing word may come between), or
# capitalised after the name. Those that are also surnames ("Park", "Pool") never make a name a
# thing on their own (`surname_naming_nouns`).
VENUE_NOUNS = _table(
    """
    gym gyms academy pool pools space park rink camp track stadium arena studio theatre
    cinema lido baths pitch
    """
)
# The last word of the name of an institution, a place in one, a law, a scheme or an event.
NAMING_NOUNS = (
    _table(
        """
        hospital hospitals hospice infirmary clinic centre center unit ward wing lodge house hall
        hub trust foundation fund charity society association institute project programme
        scheme law act appeal campaign club library museum memorial award prize day festival
        towers
        """
    )
    | VENUE_NOUNS
)
# Things sold, read or watched under a brand's, an author's or a character's name, after "a" or
# "the": "a Ted Baker jacket", "a Roald Dahl play", "a Charlie Brown poster". A person is not "a
# Kelly Smith"; no word here is one a person's name stands before ("photo", "story", "file" and
# "case" are not here: "the Kelly Smith photo" shows her).
PRODUCT_NOUNS = _table(
    """
    jacket jackets coat coats shirt shirts top tops hoodie tracksuit trainers shoes boots
    belt bag handbag watch perfume make-up jeans cap
    book books novel novels play musical film films programme cartoon game games
    poster posters toy toys figure figures costume lunchbox duvet pyjamas dvd
    """
)


@cache
def surname_naming_nouns() -> frozenset[str]:
    """Naming nouns that are also surnames in the surname list: "Sarah Hall", "Emma House",
    "Jack Towers", "Kelly Day" are people. Taken from the list, not chosen by hand, so no
    surname is missed; only a forename before another naming noun ("Rosa Hospital") is read
    as the name of a thing."""
    family_names = surnames()
    return frozenset(noun for noun in NAMING_NOUNS if noun.title() in family_names)


# Fictional characters whose names read as a forename and a surname. Only names no child is
# given ("Harry Potter" is a plausible child's name, so it is not here: flagging the book costs
# one override tick, missing a child costs far more).
CHARACTERS = frozenset(["Peter Pan", "Mickey Mouse", "Minnie Mouse"])
# Words that end a describing word's run: after "the Grace Darling", "sailing club" names a
# thing, "and the club" does not.
FUNCTION_WORDS = _table(
    """
    and or but the a an at to in into of on off with from for by as is was were are be been
    had has have who which that this then when where while who whose not no
    """
)
# What a service's name is put just before: "the Marie Curie nurse". Not "worker" or "team":
# "the Kelly Smith support worker" and "the Kelly Smith case team" work with a person.
SERVICE_ROLES = _table(
    """
    nurse nurses volunteer volunteers service services refuge
    """
)
# Words that put the name that follows in time, as a festival or a season is: "During Ramadan".
TIME_PREPOSITIONS = _table("during after before over since until till throughout around")
DETERMINERS = frozenset(["the", "a", "an"])
# Naming nouns that, lower case after a name, are that person's home: "the Kelly Smith house".
HOMES = _table("house")

_WORD = r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*"
_WORDS = re.compile(_WORD)
_WORD_AFTER = re.compile(rf"[ \u00a0]{{1,2}}({_WORD})")
_WORD_BEFORE = re.compile(rf"({_WORD})[ \u00a0]{{1,2}}$")
_POSSESSIVE = re.compile(r"['\u2019]s$")
# A flat or house number just before a building's name makes it an address: "Flat 4, Martha
# House", "12 Grace Lodge".
_BUILDING_NUMBER = re.compile(
    r"(?:(?:flat|apartment|apt|unit|room)\s{1,3}\d{1,4}[a-z]?,?\s{1,3}|\d{1,4}[a-z]?,?\s{1,3})$",
    re.IGNORECASE,
)
# How far back to look for the word before a name: longer than any word worth comparing.
_LOOK_BACK = 24


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word)


def _is_naming_noun(word: str, *, capitalised: bool = True) -> bool:
    bare = _bare(word)
    return bare.lower() in NAMING_NOUNS and (not capitalised or bare[:1].isupper())


def _is_surname_naming_noun(word: str) -> bool:
    return _bare(word).lower() in surname_naming_nouns()


def _is_other_naming_noun(word: str, *, capitalised: bool = True) -> bool:
    """A naming noun that is never a surname: "Hospital", "Foundation", "Clinic"."""
    return _is_naming_noun(word, capitalised=capitalised) and not _is_surname_naming_noun(word)


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
    # "Mum Sarah Lodge", "Dad Jack Towers", "Mrs Kelly Day": a person, whatever follows.
    if before is not None and (before.lower() in RELATIONS or before in HONORIFICS):
        return False
    # "Princess Anne Hospital"; not "Mary Ann Ward", where "Ward" may be her surname.
    if after is not None and _is_other_naming_noun(after):
        return True
    if _is_place_or_character(text, start, end, before, after):
        return True
    # "the Emily Davison Family Hub": capitalised words run on from the name to a naming noun.
    # The run stops at the first lower-case or function word, so "Kelly Smith attended Clinic"
    # and "Meeting With Kelly Smith At The Clinic" still name her; a naming noun that is also a
    # surname does not end it ("Mary Ann Ward is 4").
    for word in following:
        if not word[:1].isupper() or word.lower() in FUNCTION_WORDS:
            break
        if _is_other_naming_noun(word):
            return True
    # "Rosa Hospital": a naming noun that is never a surname ends the name. ("Martha House"
    # and "Emma House" read the same, and "House" is a surname: both are flagged.)
    if _is_other_naming_noun(words[-1]) and not _POSSESSIVE.search(words[-1]):
        return True
    run = ([before] if before is not None else []) + words + ([after] if after else [])
    if any(_is_possessive(left) and _is_naming_noun(right) for left, right in pairwise(run)):
        return True
    if before is not None and before.lower() in DETERMINERS and not _POSSESSIVE.search(words[-1]):
        # "the Holly Lodge contact centre", "the Grace Darling sailing club" (one describing
        # word between); a role only just after: "the Marie Curie nurse". Not "the Sarah Hall
        # referral", "the Kelly Smith support worker".
        # Lower case, "ward" or "hall" is no surname; but "the Kelly Smith house" is her home.
        described = _describing_run(following)
        if any(
            _is_naming_noun(word, capitalised=False) and word.lower() not in HOMES
            for word in described
        ):
            return True
        if after is not None and after.lower() in SERVICE_ROLES:
            return True
        # "a Ted Baker jacket", "the Roald Dahl play", "a Tommy Hilfiger puffer coat".
        if any(word.lower() in PRODUCT_NOUNS for word in described):
            return True
    # "During Ramadan mum": a festival between a time word and a relationship word; never a
    # word in the forename list ("After Kelly mum moved out" names her).
    return (
        len(words) == 1
        and words[0] not in forenames()
        and before is not None
        and before.lower() in TIME_PREPOSITIONS
        and after is not None
        and after.lower() in RELATIONS
        and text[end : end + 1] == " "
    )


def _building_address(text: str, finding: IdentifierFinding) -> IdentifierFinding | None:
    """An address when a flat or house number comes just before a name ending in a naming noun:
    "Flat 4, Martha House", "12 Grace Lodge", "Flat 2 Kelly Smith House"."""
    number = _BUILDING_NUMBER.search(text[max(0, finding.start - _LOOK_BACK) : finding.start])
    if number is None:
        return None
    end = finding.end
    words = _WORDS.findall(text[finding.start : end])
    if not (words and _is_naming_noun(words[-1])):
        # "12 Princess Anne House": the naming noun just after the name ends the building's.
        after = _WORD_AFTER.match(text, end)
        if after is None or not _is_naming_noun(after.group(1)):
            return None
        end = after.end()
    start = finding.start - len(number.group(0))
    masked = mask_alphanumerics(text[start : finding.start]) + " ".join(
        mask_word(word) for word in _WORDS.findall(text[finding.start : end])
    )
    return IdentifierFinding(IdentifierKind.ADDRESS, masked, start, end)


def without_names_of_things(
    text: str, findings: list[IdentifierFinding]
) -> list[IdentifierFinding]:
    """`findings` less the names that are part of the name of a thing, and the names found
    inside those ("Anne" in "Princess Anne Hospital"); other kinds untouched. A building's name
    with a flat or house number before it is reported as an address instead: "12 Grace Lodge"."""
    addresses = [
        address
        for finding in findings
        if finding.kind is IdentifierKind.NAME
        and (address := _building_address(text, finding)) is not None
    ]
    things = [
        (finding.start, finding.end)
        for finding in findings
        if finding.kind is IdentifierKind.NAME and names_a_thing(text, finding.start, finding.end)
    ] + [(address.start, address.end) for address in addresses]
    kept = [
        finding
        for finding in findings
        if finding.kind is not IdentifierKind.NAME
        or not any(start <= finding.start and finding.end <= end for start, end in things)
    ]
    return kept + addresses


def person_name_findings(text: str) -> list[IdentifierFinding]:
    """The name detector's findings that name a person, not a thing."""
    return without_names_of_things(text, name_findings(text))
