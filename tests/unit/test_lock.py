"""requirements.lock (what scripts/bootstrap and CI install, hashed) agrees with pyproject.toml:
every dependency, main and dev, is locked at a version its specifier admits, and nothing is
locked as ours that pyproject.toml no longer asks for."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "pyproject.toml and requirements.lock disagree: run `bash scripts/lock`"
# name, its extras if a locked dependency asks for them ("cachecontrol[filecache]"), version
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?==([^\s\\;]+)")


def _wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    wanted = [Requirement(line) for line in listed]
    return [r for r in wanted if r.marker is None or r.marker.evaluate({"extra": "dev"})]


def _locked() -> tuple[dict[str, str], set[str]]:
    """Pinned versions, and the packages the lock says pyproject.toml asked for."""
    pins: dict[str, str] = {}
    ours: set[str] = set()
    current = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = _PIN.match(line)
        if pin:
            current = canonicalize_name(pin.group(1))
            pins[current] = pin.group(3)
        elif line.lstrip().startswith("#") and "(pyproject.toml)" in line and current:
            ours.add(current)
    return pins, ours


def test_every_dependency_is_locked_at_a_version_it_admits() -> None:
    pins, _ = _locked()
    problems = []
    for requirement in _wanted():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not locked")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{requirement} but the lock has {pins[name]}")
    assert not problems, f"{REGENERATE}\n" + "\n".join(problems)


def test_nothing_is_locked_for_a_dependency_pyproject_dropped() -> None:
    _, ours = _locked()
    wanted = {canonicalize_name(r.name) for r in _wanted()}
    assert ours == wanted, f"{REGENERATE}\nlocked only: {sorted(ours - wanted)}"


def test_every_locked_package_carries_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1])
    unhashed = [e.split()[0] for e in entries if _PIN.match(e) and "--hash=sha256:" not in e]
    assert not unhashed, f"{REGENERATE} (it must be made with --generate-hashes): {unhashed}"


def _judge(tmp_path: Path, dependencies: list[dict[str, Any]]) -> tuple[int, str]:
    report = tmp_path / "audit.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit_verdict.py"), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stderr


def test_the_audit_fails_on_a_vulnerability_with_a_fix(tmp_path: Path) -> None:
    vuln = {"id": "GHSA-test", "fix_versions": ["3.14.3"], "aliases": []}
    code, said = _judge(tmp_path, [{"name": "aiohttp", "version": "3.14.1", "vulns": [vuln]}])
    assert code == 1
    assert "aiohttp 3.14.1: GHSA-test (fixed in 3.14.3)" in said


def test_the_audit_fails_when_a_package_could_not_be_audited(tmp_path: Path) -> None:
    code, said = _judge(
        tmp_path,
        [
            {"name": "aiohttp", "skip_reason": "not found on PyPI"},
            {"name": "pyyaml", "version": "6.0.3", "vulns": []},
        ],
    )
    assert code == 1
    assert "1 not audited" in said


def test_an_audit_that_reached_no_advisory_data_says_so_and_fails_only_when_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nothing = [
        {"name": "aiohttp", "skip_reason": "not found on PyPI"},
        {"name": "pyyaml", "skip_reason": "not found on PyPI"},
    ]
    code, said = _judge(tmp_path, nothing)
    assert code == 0, said
    assert "this audit checked nothing" in said
    monkeypatch.setenv("AUDIT_REQUIRE_DATA", "1")
    code, said = _judge(tmp_path, nothing)
    assert code == 1
    assert "this audit checked nothing" in said


def test_the_audit_passes_a_clean_set_and_lists_what_has_no_fix(tmp_path: Path) -> None:
    unfixed = {"id": "GHSA-open", "fix_versions": [], "aliases": []}
    code, said = _judge(
        tmp_path,
        [
            {"name": "pyyaml", "version": "6.0.3", "vulns": []},
            {"name": "names", "version": "0.3.0", "vulns": [unfixed]},
        ],
    )
    assert code == 0, said
    assert "names 0.3.0: GHSA-open (no fix yet)" in said


def _locked_extras() -> dict[str, set[str]]:
    extras: dict[str, set[str]] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = _PIN.match(line)
        if pin:
            named = {e.strip() for e in (pin.group(2) or "").split(",") if e.strip()}
            extras[canonicalize_name(pin.group(1))] = named
    return extras


def test_a_dependency_asked_for_with_extras_is_locked_with_them() -> None:
    """pip's hash-checking mode refuses `X[extra]>=…` from a locked package as unpinned unless
    the lock pins X with that extra, once a newer X exists (cachecontrol 0.15.0 broke every
    fresh install on 7 Dec 2026): so scripts/lock keeps extras, and this reads the installed
    set's own requirements to hold the lock to it."""
    from importlib.metadata import distributions

    locked = _locked_extras()
    missing = []
    for dist in distributions():
        if canonicalize_name(dist.metadata["Name"]) not in locked:
            continue
        for raw in dist.requires or []:
            wanted = Requirement(raw)
            applies = wanted.marker is None or wanted.marker.evaluate({"extra": ""})
            name = canonicalize_name(wanted.name)
            if wanted.extras and applies and not wanted.extras <= locked.get(name, set()):
                missing.append(f"{dist.metadata['Name']} asks for {raw}")
    assert not missing, missing
