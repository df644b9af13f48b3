"""`lineofsight guard`: one JSON line per input line, with each finding's kind and position."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_guard(stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(["guard"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_report_per_line_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = run_guard(
        "Jayden Smith\nChild K was seen by the health visitor\n\nmum Kelly 07700 900123\n",
        monkeypatch,
        capsys,
    )
    assert reports == [
        {"identifying": True, "findings": [{"kind": "name", "start": 0, "end": 12}]},
        {"identifying": False, "findings": []},
        {"identifying": False, "findings": []},
        {
            "identifying": True,
            "findings": [
                {"kind": "name", "start": 4, "end": 9},
                {"kind": "phone_number", "start": 10, "end": 22},
            ],
        },
    ]


def test_positions_index_the_line_as_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = "Kelly Smith, 14 Acacia Road, HU1 2AB, NI AB 12 34 56 C"
    (report,) = run_guard(line + "\r\n", monkeypatch, capsys)
    spans = [line[f["start"] : f["end"]] for f in report["findings"]]
    assert spans == ["Kelly Smith", "14 Acacia Road", "HU1 2AB", "AB 12 34 56 C"]
    assert [f["kind"] for f in report["findings"]] == ["name", "address", "postcode", "ni_number"]


def test_the_installed_command_reads_stdin_and_writes_json_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main(['guard']))"],
        input="Zoë went to Oakfield Primary School\nSibling 2\n".encode(),
        capture_output=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    lines = done.stdout.decode().splitlines()
    assert [json.loads(line)["identifying"] for line in lines] == [True, False]
    assert json.loads(lines[0])["findings"][0]["kind"] == "school_or_surgery"
