"""`python -m bench.guard`: the identifier guard's recall and false positives on the labelled
corpus (tests/fixtures/identifier_corpus.yaml), and its CPU time on a 2,000-character answer.

Targets: recall >= 95% (of the identifiers the corpus expects, by kind), false positives <= 3%
(of the texts that name no one, how many are flagged), under 5 ms of CPU per 2,000 characters.

It also scores four held-out files, each written before the rules it scores:
tests/fixtures/identifier_heldout.yaml (lone given names, and clean prose full of capitalised
words; the names-of-things step, domain/identifier_things.py, was then tuned on it, so its
figure is now a tuned one) and identifier_heldout2.yaml (clean prose naming services,
charities, wards, laws, festivals and characters, and identifiers in every form the guard
should catch; written and committed before that step, never tuned on) and identifier_heldout3.yaml
(towns, venues, brands, clubs and characters; written before the place-name step and not tuned
on by it; tuning round 4 was tuned on it, so its figure is now a tuned one) and
identifier_heldout4.yaml (shops and brands, venues, characters and authors, clubs, towns,
buildings, hospitals, charities and festivals, and identifiers of every kind; written before
tuning round 4, never tuned on). Those four are adversarial: nearly every clean text names
something that looks like a person. A fifth, identifier_heldout5.yaml, is a realistic mix:
ordinary return answers, chronology entries, actions and progress notes with pseudonyms, roles,
services and an occasional town or hospital, and about one text in seven carrying a real slip;
written blind (without reading the rules or the other files), it says what share of real answers
get a false warning; the recall round (issue 15) then fixed its misses, so its figure is now a
tuned one. A sixth, identifier_heldout6.yaml, is another realistic mix by another author, written
blind before the recall round landed and scored once after it, never tuned on. It prints
whether their false positives meet the target; the exit status is the labelled corpus's.

Recall counts each expected kind in each text once: a text that should show a name and an
address and shows only the name scores one of two.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from domain import identifiers
from domain.identifiers import IdentifierKind, find_identifiers, kinds_found
from domain.name_lexicon import warm

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "identifier_corpus.yaml"
# Written after the rules: how they do on prose they were not fitted to. The names-of-things
# step was tuned on the first; the second was written before that step and tuned on by the towns
# and buildings round; the third by round 4; the fourth was written before round 4, never tuned on.
# The fifth is not adversarial: realistic returns, written blind; the recall round was tuned on
# its misses. The sixth, another realistic mix, was written blind and never tuned on.
HELD_OUT = CORPUS.with_name("identifier_heldout.yaml")
HELD_OUT_2 = CORPUS.with_name("identifier_heldout2.yaml")
HELD_OUT_3 = CORPUS.with_name("identifier_heldout3.yaml")
HELD_OUT_4 = CORPUS.with_name("identifier_heldout4.yaml")
HELD_OUT_5 = CORPUS.with_name("identifier_heldout5.yaml")
HELD_OUT_6 = CORPUS.with_name("identifier_heldout6.yaml")
_HELD_OUT_NOTES = {
    HELD_OUT: "the names-of-things step was tuned on it",
    HELD_OUT_2: "the towns and buildings round was tuned on it",
    HELD_OUT_3: "tuning round 4 was tuned on it",
    HELD_OUT_4: "written before tuning round 4, never tuned on",
    HELD_OUT_5: "realistic mix, written blind; the recall round was tuned on its misses",
    HELD_OUT_6: "realistic mix by another author, written blind, never tuned on",
}

RECALL_TARGET = 0.95
FALSE_POSITIVE_TARGET = 0.03
CPU_MS_TARGET = 5.0

# A long answer as practitioners write them: capitalised roles and services, dates, numbers,
# a pseudonym, and one name the guard should find. 2,000 characters.
_PARAGRAPH = (
    "On 14 March 2025 the Designated Safeguarding Lead at the school contacted the Front Door "
    "after Child K arrived hungry for the third time that week. Children's Social Care screened "
    "the contact as information only; Early Help were not told. The Health Visiting Team had "
    "last seen Sibling 2 in January, when Mother of Child K said her new partner, Dean Smith, "
    "was helping with the children. Police attended the address twice in February (log 456 of "
    "12/02/2025) and shared a Domestic Abuse notification under Operation Encompass. "
)
ANSWER = (_PARAGRAPH * 4)[:2000]


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    clean_texts: int = 0
    clean_flagged: int = 0
    extra_kinds: int = 0
    missed: list[tuple[str, str]] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    missed_by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.clean_flagged / self.clean_texts if self.clean_texts else 0.0


def load_corpus(path: Path = CORPUS) -> list[tuple[str, set[IdentifierKind]]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(entry["text"], {IdentifierKind(kind) for kind in entry["kinds"]}) for entry in entries]


def score(corpus: list[tuple[str, set[IdentifierKind]]]) -> Score:
    result = Score()
    for text, expected in corpus:
        found = set(kinds_found(find_identifiers(text)))
        if not expected:
            result.clean_texts += 1
            if found:
                result.clean_flagged += 1
                result.flagged.append((text, ", ".join(sorted(found))))
            continue
        result.expected += len(expected)
        result.found += len(expected & found)
        result.extra_kinds += len(found - expected)
        for kind in expected:
            result.by_kind[kind] += 1
        for kind in expected - found:
            result.missed_by_kind[kind] += 1
            result.missed.append((text, kind))
    return result


def cpu_ms_per_answer(answer: str = ANSWER, rounds: int = 400) -> float:
    """A full scan each round: the per-turn cache of find_identifiers is bypassed."""
    warm()
    scan = identifiers._find.__wrapped__
    scan(answer)
    started = time.process_time()
    for _ in range(rounds):
        scan(answer)
    return (time.process_time() - started) * 1000 / rounds


def _load_seconds() -> float:
    from domain import name_lexicon

    name_lexicon.forenames.cache_clear()
    name_lexicon.surnames.cache_clear()
    name_lexicon.uk_towns.cache_clear()
    name_lexicon.distinctive_forenames.cache_clear()
    started = time.process_time()
    warm()
    return time.process_time() - started


def _print_held_out(path: Path) -> None:
    held_out = score(load_corpus(path))
    print(f"held out ({path.name}, {_HELD_OUT_NOTES[path]}):")
    for text, kind in held_out.missed:
        print(f"  missed {kind}: {text}")
    for text, kinds in held_out.flagged:
        print(f"  false positive ({kinds}): {text}")
    met = held_out.false_positive_rate <= FALSE_POSITIVE_TARGET
    print(
        f"  recall {held_out.recall:.1%} ({held_out.found}/{held_out.expected}), false positives "
        f"{held_out.false_positive_rate:.1%} ({held_out.clean_flagged}/{held_out.clean_texts}; "
        f"target <= {FALSE_POSITIVE_TARGET:.0%} {'met' if met else 'NOT met'})"
    )


def main() -> int:
    result = score(load_corpus())
    load = _load_seconds()
    cpu = cpu_ms_per_answer()
    print(f"corpus: {result.expected} expected identifiers, {result.clean_texts} clean texts")
    for kind, count in sorted(result.by_kind.items()):
        print(f"  {kind:<18} {count - result.missed_by_kind[kind]:>3}/{count}")
    for text, kind in result.missed:
        print(f"  missed {kind}: {text}")
    for text, kinds in result.flagged:
        print(f"  false positive ({kinds}): {text}")
    print(f"recall                {result.recall:7.1%}  (target >= {RECALL_TARGET:.0%})")
    print(
        f"false positives       {result.false_positive_rate:7.1%}  "
        f"(target <= {FALSE_POSITIVE_TARGET:.0%}; {result.clean_flagged}/{result.clean_texts})"
    )
    print(f"extra kinds on positive texts: {result.extra_kinds}")
    for path in (HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4, HELD_OUT_5, HELD_OUT_6):
        _print_held_out(path)
    print(f"CPU per {len(ANSWER)}-char answer {cpu:6.2f} ms  (target < {CPU_MS_TARGET:.0f} ms)")
    print(f"names lists load once in {load:.2f} s of CPU")
    ok = (
        result.recall >= RECALL_TARGET
        and result.false_positive_rate <= FALSE_POSITIVE_TARGET
        and cpu < CPU_MS_TARGET
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
