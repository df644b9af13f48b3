"""BENCHMARK REGRESSION CHECK (issue 8): runs `python -m bench --quick` (about a minute) and
fails only on a LARGE regression of a ratio against the stock echo bot measured in the same
run, never on absolute times. Each ratio is taken two ways, from turns/s and from the bot
process's CPU per turn (which barely moves when neighbours slow the machine down), and the
better one counts; a failing run is repeated once before the test fails.

Floors, about 60% of the lowest a loaded 2-core machine showed (issue 8's report):
- the echo bot on our transport vs the stock adapter: shows 9-18x (CPU 11-17.5x); floor 4x,
  i.e. the pooled transport is lost or broken;
- our save-answer turn vs the echo baseline: was 10.5-12.2x (8.0-8.4x before its statements
  were prepared, 1.4x before the database work was cut down, 1.0x on the stock adapter).
  Issue 15 then made the turn do more on purpose: it saves a paragraph of realistic prose
  through the names-aware identifier guard (`python -m bench.guard`), claims every click
  once and checks the card's revision. Measured on 4 Dec, after the save stopped validating
  its section once per question: 4.2-4.5x (bot CPU 2.2-2.5 ms a turn; 8.0x and 1.3 ms just
  before the guard). Floor 2.5x, 60% of that, so this still catches the large regressions it
  is for (the stock adapter's 1.0x); issue 19's 8x target for this turn is NOT met, and is
  written down as open rather than hidden in this floor;
- our help turn (like for like with echo): was 11.0-11.8x; since help is grouped by role
  with buttons and every message is claimed once (a redelivered activity is dropped), 5.7-6.2x
  on 4 Dec; floor 3.5x (stock adapter: 0.7x);
- our summary turn (a manager's `summary`, read on the thread): 3.1-3.4x (1.5x before its
  statements were built once); floor 1.6x;
- proactive sends (limits off) vs echo turns: 17-27x; floor 6x.
Correctness is checked too: no errors, one connector reply per message turn, and with Teams'
limits on at most 5% of proactive sends answered 429 by the fake connector, on both platforms.

The floors above are the botbuilder edge's on SQLite (the plain keys); the agents edge's turns
run in the same run and must be correct. On PostgreSQL (a second quick run, skipped with a
reason where no server answers, failed in CI where one must): every turn correct on both
platforms, every save accepted (each of the 32 connections saves its own return, so none is
refused as a colleague's concurrent save), and the botbuilder edge's ratios above
POSTGRES_FLOORS.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

FLOORS = {
    "echo_pooled": 4.0,
    "save_next": 2.5,
    "help": 3.5,
    "read": 1.6,
    "sweep": 6.0,
}


def _run_quick_bench(out: Path, postgres: str | None = None) -> dict[str, Any]:
    database = (
        ["--databases", "postgres", "--postgres", postgres]
        if postgres
        else ["--databases", "sqlite"]
    )
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *database, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    print(completed.stdout[-6000:])
    assert completed.returncode == 0, completed.stderr[-4000:]
    results: dict[str, Any] = json.loads(out.read_text())
    return results


def ratios(results: dict[str, Any], suffix: str = "") -> dict[str, float]:
    """Each scenario against the echo baseline: the better of the throughput ratio and the
    CPU-per-turn ratio. `suffix` picks a variant's turns (the first variant's have none)."""
    turns = {row["key"]: row for row in results["turns"]}
    echo = turns["echo"]
    found = {}
    for key in ("echo_pooled", "save_next", "help", "read"):
        row = turns[key if key == "echo_pooled" else key + suffix]
        by_rate = row["rate"] / echo["rate"]
        by_cpu = echo["bot_cpu_ms_per_turn"] / row["bot_cpu_ms_per_turn"]
        found[key] = max(by_rate, by_cpu)
    sweep = next(s for s in results["sweeps"] if s["limits"] == "off")
    found["sweep"] = max(
        sweep["rate"] / echo["rate"], echo["bot_cpu_ms_per_turn"] / sweep["cpu_ms_per_send"]
    )
    return found


def correctness_problems(results: dict[str, Any]) -> list[str]:
    problems = []
    for row in results["turns"]:
        if row["errors"] or row["unexpected"]:
            problems.append(f"{row['key']}: {row['first_problem']}")
        if abs(row["replies_per_turn"] - row["expected_replies_per_turn"]) > 0.05:
            problems.append(f"{row['key']}: {row['replies_per_turn']:.2f} replies per turn")
    for sweep in results["sweeps"]:
        if sweep["limits"] == "off" and sweep["failures"]:
            problems.append(f"sweep without limits: {sweep['failures']} failed")
        if sweep["limits"] == "on" and sweep["throttled_by_connector"] > 0.05 * sweep["sends"]:
            problems.append(f"sweep with limits: {sweep['throttled_by_connector']} got 429")
    return problems


def _floors_hold(
    tmp_path: Path, floors: dict[str, float], postgres: str | None = None, suffix: str = ""
) -> None:
    """Quick runs (a second one only if the first was low): every turn correct, every ratio
    above its floor in at least one run."""
    best: dict[str, float] = {}
    for attempt in range(2):
        results = _run_quick_bench(tmp_path / f"attempt-{attempt}.json", postgres)
        assert not correctness_problems(results), correctness_problems(results)
        for key, value in ratios(results, suffix).items():
            best[key] = max(best.get(key, 0.0), value)
        low = {key: value for key, value in best.items() if value < floors[key]}
        print(f"BENCH ratios{suffix} (best so far): {best}")
        if not low:
            return
    pytest.fail(f"benchmark ratios{suffix} regressed below their floors {floors}: {low}")


@pytest.mark.bench
@pytest.mark.timeout(900)
def test_bench_quick_ratios_have_not_regressed_badly(tmp_path: Path) -> None:
    _floors_hold(tmp_path, FLOORS)


# PostgreSQL's turns, botbuilder edge, once each connection saves its own return: the full run
# of 5 Dec (load average ~11 on 2 cores) showed save 2.8x, help 5.3x, summary 2.0x, and an
# earlier quick run help 3.3x, summary 1.3x; floors about 60% of the lowest of those.
POSTGRES_FLOORS = {
    "echo_pooled": 4.0,
    "save_next": 1.6,
    "help": 2.0,
    "read": 0.8,
    "sweep": 6.0,
}


@pytest.mark.bench
@pytest.mark.timeout(900)
def test_bench_quick_on_postgresql_is_correct_and_has_not_regressed_badly(
    tmp_path: Path, postgres_server: str
) -> None:
    _floors_hold(tmp_path, POSTGRES_FLOORS, postgres_server, "_botframework_postgres")
