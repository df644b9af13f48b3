"""The two docs a new engineer starts from name files and functions that exist.

docs/architecture.md and docs/adding-a-command.md point at code by path (`bot/router.py`), by
path and name (`domain/audit.py` `record`, `bot/core.py` `Bot.handle`) and by dotted name
(`cards.common.message_text`, `domain/chase_engine.REPORTED_TO_CHAIR`). When code moves, a
stale pointer sends the next reader hunting; this fails instead, naming the line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("docs/architecture.md", "docs/adding-a-command.md")
# Where a bare file name (`channel.py`, said of the folder the sentence is about) may live.
SOURCE_DIRS = ("bot", "domain", "cards", "storage", "exports", "manifest", "tests", "bench")
# The worked example's own names in docs/adding-a-command.md: what a reader would add.
EXAMPLE_NAMES = frozenset({"due", "due_dates", "due_card", "DUE_EXTEND", "extend_due"})

# Classes of the SDKs the docs name when saying what the edges don't use.
SDK_NAMES = frozenset({"AgentApplication"})

_TICKED = re.compile(r"`([^`\n]+)`")
_PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*(?:\.(?:py|md|json|yaml|yml|lock|toml)|/)")
_PATH_AND_NAME = re.compile(r"`([\w/]+\.py)` \(?`([A-Za-z_][\w.]*)")
_DOTTED = re.compile(r"([a-z_]+(?:[./][a-z_]+)+)\.([A-Za-z_]\w*)(?:\(.*\))?")
# A name in code: CamelCase, CONSTANT_CASE or snake_case, perhaps `Class.member` or `call(...)`.
_IDENTIFIER = re.compile(
    r"(?:[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+(?=\.)|[A-Z][A-Z0-9]*_[A-Z0-9_]+|_?[a-z][a-z0-9]*(?:_[a-z0-9]+)+)"
    r"(?:\.[A-Za-z_]\w*)?(?:\(.*\))?"
)


def _references(doc: str) -> list[tuple[int, str]]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if "`" in line]


def _defines(source: Path, dotted: str) -> bool:
    """`source` defines the name (a function, class or assignment), or `Class.member`."""
    text = source.read_text(encoding="utf-8")
    for name in dotted.split("."):
        pattern = rf"^\s*(?:async def|def|class)\s+{name}\b|^\s*{name}\s*(?::|=)"
        if re.search(pattern, text, re.MULTILINE) is None:
            return False
    return True


def _bare_file_exists(name: str) -> bool:
    return any(next((ROOT / d).rglob(name), None) is not None for d in SOURCE_DIRS)


@lru_cache(maxsize=1)
def _words_in_code() -> frozenset[str]:
    """Every word of the source tree: a name the docs give bare must still be one of them."""
    words: set[str] = set()
    for folder in SOURCE_DIRS:
        for source in (ROOT / folder).rglob("*.py"):
            words.update(re.findall(r"\w+", source.read_text(encoding="utf-8")))
    return frozenset(words)


def _problems(doc: str, checked: list[str] | None = None) -> list[str]:
    found: list[str] = []
    checked = [] if checked is None else checked
    for number, line in _references(doc):
        where = f"{doc}:{number}"
        for ticked in _TICKED.findall(line):
            token = ticked.strip()
            if "<" in token or "*" in token or " " in token:
                continue
            if _PATH.fullmatch(token):
                checked.append(token)
                exists = (ROOT / token).exists() or ("/" not in token and _bare_file_exists(token))
                if not exists:
                    found.append(f"{where}: no file {token}")
                continue
            if _IDENTIFIER.fullmatch(token):
                checked.append(token)
                parts = token.split("(")[0].split(".")
                missing = [
                    p for p in parts if p not in _words_in_code() | EXAMPLE_NAMES | SDK_NAMES
                ]
                if missing:
                    found.append(f"{where}: no {', '.join(missing)} in the code ({token})")
                continue
            dotted = _DOTTED.fullmatch(token)
            if dotted is None or not (ROOT / re.split(r"[./]", token)[0]).is_dir():
                continue  # not code by name, or a variable's attribute (`ctx.member`)
            checked.append(token)
            module, name = dotted.group(1).replace(".", "/"), dotted.group(2)
            source = ROOT / f"{module}.py"
            if (ROOT / module / f"{name}.py").exists() or (ROOT / module / name).is_dir():
                continue  # a module named by its package path (`bot.handlers.files`)
            if not source.exists():
                found.append(f"{where}: no module {token}")
            elif not _defines(source, name):
                found.append(f"{where}: {name} is not in {module}.py")
        for path, name in _PATH_AND_NAME.findall(line):
            if name in EXAMPLE_NAMES or not (ROOT / path).exists():
                continue
            checked.append(f"{path} {name}")
            if not _defines(ROOT / path, name):
                found.append(f"{where}: {name} is not in {path}")
    return found


@pytest.mark.parametrize("doc", DOCS)
def test_every_file_and_name_the_doc_gives_exists(doc: str) -> None:
    checked: list[str] = []
    assert _problems(doc, checked) == []
    assert len(checked) >= 30, "the check found next to nothing to check: is its pattern stale?"


def test_the_check_catches_a_stale_reference() -> None:
    assert _defines(ROOT / "bot/core.py", "Bot.handle")
    assert not _defines(ROOT / "bot/core.py", "Bot.no_such_method")
    assert _PATH_AND_NAME.findall("`domain/audit.py` `record(...)`") == [
        ("domain/audit.py", "record")
    ]
    assert not _bare_file_exists("no_such_module.py")
    assert "record_speaker" in _words_in_code()
    assert _IDENTIFIER.fullmatch("Context.first_unit")
    assert _IDENTIFIER.fullmatch("SHORT_STATEMENTS")
