"""Time per document, and peak memory, for a large review (issue 18).

    python -m bench.documents_bench              # 6 agencies, 300 chronology entries, 3 runs
    python -m bench.documents_bench --entries 600 --runs 5

Builds the meeting pack for a 6-agency review with every section answered and 300 chronology
entries (long texts), then measures, each run in turn:

- the pack as Word (python-docx, in this process);
- the pack as PDF (the Word file converted by LibreOffice headless, a child process);
- the one-page 7-minute briefing as Word and as PDF.

Peak memory: this process's (ru_maxrss; the tracemalloc peak counts Python objects only, not
lxml's C allocations, which is most of a Word document) and the converter child's (ru_maxrss
of children). Target (issue 18): the pack under 10 s, PDF included.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta

from domain.model import DateCertainty, ReturnStatus
from domain.pack import Background, MeetingPack, ReturnContent, build_pack
from domain.records import ChronologyView, EntryInput
from exports import pdf
from exports.documents import guide_docx, meeting_pack_docx
from samples.records import ret

AGENCIES = ("Police", "Health", "Education", "Children's social care", "Housing", "Probation")
TODAY = date(2026, 11, 26)
TARGET_SECONDS = 10.0


def big_pack(entries: int) -> MeetingPack:
    per_agency = entries // len(AGENCIES)
    returns = []
    for index, agency in enumerate(AGENCIES, start=1):
        chronology = [
            ChronologyView(
                i,
                i,
                EntryInput(
                    date(2024, 1, 1) + timedelta(days=(i * 7 + index) % 700),
                    DateCertainty.ON,
                    None,
                    "Case record",
                    f"{agency} contact {i}: concern about attendance and home conditions. " * 3,
                    "Child K missed school and appointments. " * 2,
                    "Referral made",
                    i % 9 == 0,
                    i % 11 == 0,
                    "Not shared with other agencies" if i % 11 == 0 else None,
                    ("neglect", "information_sharing"),
                ),
            )
            for i in range(1, per_agency + 1)
        ]
        answers: dict[str, object] = {
            "learning_themes": ["neglect", "information_sharing"],
            "what_worked_well": "Quick referral and good attendance at meetings. " * 8,
            "what_could_differ": "Earlier escalation when concerns repeated. " * 8,
            "escalation_detail": "Discussed with the manager, not escalated further. " * 10,
            "multi_agency_learning": "Share attendance data weekly across agencies. " * 4,
            "single_agency_learning": "Supervision to test the plan against the record. " * 4,
            "actions_taken": "Briefing delivered to all staff in the team. " * 4,
        }
        episodes = {
            slot: {"episode_what_happened": f"Episode {slot}: home visit, nobody in. " * 6}
            for slot in range(1, 4)
        }
        returns.append(ReturnContent(ret(agency, rid=index), answers, chronology, episodes))
    returns[-1] = ReturnContent(
        ret(AGENCIES[-1], ReturnStatus.SUBMITTED, rid=len(AGENCIES)),
        returns[-1].answers,
        returns[-1].entries,
        returns[-1].episodes,
    )
    return build_pack(
        "LOS-2026-004",
        "Child K",
        returns,
        background=Background("Neglect concerns over two years", "Jan 2024 to Dec 2025"),
    )


def timed(work: Callable[[], bytes], runs: int) -> tuple[float, int, int]:
    """Median seconds and size in bytes over the runs (untraced, as served), then the Python
    heap's peak in one more run under tracemalloc (which slows it, so it is not timed)."""
    seconds = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(work())
        seconds.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(seconds), size, peak


def briefing(parts: tuple[str, ...]) -> bytes:
    return guide_docx("LOS-2026-004", "Child K", parts, TODAY, partnership="Demo")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    built = big_pack(args.entries)
    parts = tuple(f"Box {i}. " + "Practice detail and reflection. " * 18 for i in range(7))
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("pack docx", lambda: meeting_pack_docx(built, TODAY, partnership="Demo")),
        ("pack pdf", lambda: pdf.docx_to_pdf(meeting_pack_docx(built, TODAY))),
        ("briefing docx", lambda: guide_docx("LOS-2026-004", "Child K", parts, TODAY)),
        (
            "briefing pdf",
            lambda: pdf.docx_to_pdf(guide_docx("LOS-2026-004", "Child K", parts, TODAY)),
        ),
    ]
    if not pdf.available():
        print("LibreOffice is not installed: PDF timings skipped")
        cases = [c for c in cases if "pdf" not in c[0]]
    print(f"{len(AGENCIES)} agencies, {len(built.entries)} chronology entries, {args.runs} runs")
    failed = False
    for name, work in cases:
        median, size, peak = timed(work, args.runs)
        verdict = ""
        if name.startswith("pack"):
            failed |= median >= TARGET_SECONDS
            verdict = "ok" if median < TARGET_SECONDS else f"OVER {TARGET_SECONDS:.0f} s"
        print(
            f"{name:14} median {median:6.2f} s  {size / 1024:8.0f} KiB  "
            f"py-objects peak {peak / 2**20:5.1f} MiB  {verdict}"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MiB, LibreOffice child {child:.0f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
