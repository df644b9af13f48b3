"""How fast the review summary and the dashboard build, and that their SQL stays flat (issue 6).

    python -m bench.summary_bench                 # 1,000 reviews, 20 agencies, 20,000 items
    python -m bench.summary_bench --scale 0.5 --runs 20

It generates a partnership in SQLite (migrated with the real schema and indexes, bulk-inserted
with executemany), at 10% and at 100% of the requested size, then measures on each:

- the review summary of a typical review (20 action items) and of the largest one: the SQL, the
  RAG ratings and the audit event in one transaction, then the card;
- the dashboard over the whole partnership, then its card;
- how many SQL statements each issues (SQLAlchemy `before_cursor_execute`).

Targets (issue 6): summary under 50 ms, dashboard under 300 ms (medians), and statement counts
that do not change between 10% and 100%.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from cards.summaries import dashboard_card, summary_card
from domain import summaries
from domain.model import Actor, MemberView, Role
from storage import tables as t
from storage.database import Database
from storage.migrate import upgrade

TODAY = date(2026, 6, 15)
ACTOR = Actor("bench-tenant", "bench-admin", "29:bench", "Bench Admin")
THEMES = (
    "voice_of_child", "professional_curiosity", "information_sharing", "multi_agency_working",
    "escalation_challenge", "risk_assessment", "think_family", "hidden_adults",
    "disguised_compliance", "neglect", "domestic_abuse",
)  # fmt: skip
STATUSES = ("open", "in_progress", "blocked", "completed", "closed", "cancelled")
STATUS_WEIGHTS = (30, 30, 5, 10, 22, 3)
STAGES = ("pre_analysis", "analysis", "meeting", "actions_open", "closed")


@dataclass(frozen=True)
class Built:
    db: Database
    admin: MemberView
    typical_review: int
    largest_review: int
    largest_items: int
    reviews: int
    items: int


def generate(path: Path, reviews: int, agencies: int, items: int, seed: int = 6) -> Built:
    """A partnership of the given size, bulk-inserted. Deterministic for a seed."""
    rng = random.Random(seed)
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    started = datetime(2025, 1, 6)
    with db.engine.begin() as connection:

        def add(table: Any, rows: list[dict[str, Any]]) -> None:
            if rows:
                connection.execute(insert(table), rows)

        add(t.Partnership, [{"id": 1, "tenant_id": "bench", "name": "Bench", "settings": {}}])
        add(
            t.Agency,
            [
                {"id": a, "partnership_id": 1, "name": f"Agency {a:02d}", "sector": "other"}
                for a in range(1, agencies + 1)
            ],
        )
        members = [
            {
                "id": m,
                "partnership_id": 1,
                "aad_object_id": f"00000000-0000-4000-8000-{m:012d}",
                "display_name": f"Member {m}",
                "agency_id": None if m == 1 else (m % agencies) + 1,
            }
            for m in range(1, 10 * agencies + 2)
        ]
        add(t.Member, members)
        add(t.MemberRole, [{"member_id": 1, "role": "admin"}])
        # Reviews past their meeting hold the action items: around the mean per review, and
        # the first is as big as issue 6's largest review (60 items).
        stages = [rng.choices(STAGES, (10, 5, 5, 60, 20))[0] for _ in range(reviews)]
        stages[0] = "actions_open"
        with_items = [i for i, stage in enumerate(stages) if stage in ("actions_open", "closed")]
        mean = max(items // len(with_items), 1)
        per_review = [max(1, int(rng.gauss(mean, mean / 4))) for _ in range(reviews)]
        scale = (items - 60) / max(sum(per_review[i] for i in with_items[1:]), 1)
        per_review = [max(1, round(n * scale)) for n in per_review]
        per_review[0] = 60
        review_rows, returns, assignees, outcomes, guides, usage = [], [], [], [], [], []
        item_rows, progress, impacts, chasers = [], [], [], []
        return_id = item_id = guide_id = 0
        for r in range(1, reviews + 1):
            opened = (started + timedelta(days=rng.randrange(0, 540))).date()
            stage = stages[r - 1]
            review_rows.append(
                {
                    "id": r,
                    "partnership_id": 1,
                    "reference": f"LOS-{opened.year}-{r:04d}",
                    "year": opened.year,
                    "sequence": r,
                    "pseudonym": f"Child {r}",
                    "reason": "Generated",
                    "chair_member_id": 1,
                    "stage": stage,
                    "opened_on": opened,
                    "returns_due_on": opened + timedelta(days=21),
                    "meeting_on": opened + timedelta(days=42),
                    "question_bank_version": "1",
                }
            )
            involved = rng.sample(range(1, agencies + 1), rng.randint(3, min(8, agencies)))
            for agency in involved:
                return_id += 1
                returns.append(
                    {
                        "id": return_id,
                        "review_id": r,
                        "agency_id": agency,
                        "status": "signed_off" if stage != "pre_analysis" else "in_progress",
                        "due_on": opened + timedelta(days=21),
                    }
                )
                assignees.append({"return_id": return_id, "member_id": agency + agencies})
            if stage in ("pre_analysis", "analysis", "meeting"):
                continue
            meeting = opened + timedelta(days=42)
            outcomes.append(
                {
                    "review_id": r,
                    "meeting_on": meeting,
                    "agreed_themes": rng.sample(THEMES, 3),
                    "learning_needs": ["Escalate sooner", "Share records"],
                    "published_at": datetime.combine(meeting, datetime.min.time(), UTC),
                }
            )
            guide_id += 1
            guides.append(
                {"id": guide_id, "review_id": r, "sections": [], "published": rng.random() < 0.7}
            )
            usage.extend(
                {"guide_id": guide_id, "team": "Team", "used_on": meeting, "staff_count": 12}
                for _ in range(rng.randint(0, 4))
            )
            for number in range(1, per_review[r - 1] + 1):
                item_id += 1
                status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
                owner = rng.randrange(2, len(members) + 1)
                item_rows.append(
                    {
                        "id": item_id,
                        "review_id": r,
                        "number": number,
                        "reference": f"LOS-{opened.year}-{r:04d}/A{number}",
                        "description": "Audit twenty referrals against the escalation pathway.",
                        "theme": rng.choice(THEMES),
                        "owner_member_id": owner,
                        "agency_id": rng.choice(involved),
                        "agreed_on": meeting,
                        "due_on": meeting + timedelta(days=rng.randrange(20, 400)),
                        "status": status,
                        "chase_count": (chased := rng.randrange(0, 6)),
                        "owner_chase_count": chased,
                        "success_measure": "90% within 5 working days",
                    }
                )
                progress.append(
                    {
                        "action_item_id": item_id,
                        "at": datetime.combine(meeting, datetime.min.time(), UTC)
                        + timedelta(days=rng.randrange(1, 90)),
                        "member_id": owner,
                        "kind": "progress",
                        "note": "Progress made",
                    }
                )
                if status == "closed":
                    impacts.append(
                        {
                            "action_item_id": item_id,
                            "how_much": "a",
                            "how_well": "b",
                            "better_off": "c",
                            "decision": "close",
                        }
                    )
                if rng.random() < 0.1:
                    chasers.append(
                        {
                            "partnership_id": 1,
                            "subject_type": "action_item",
                            "subject_id": item_id,
                            "chaser_number": 1,
                            "idempotency_key": f"action_item:{item_id}:1",
                            "kind": "escalation",
                            "recipient": "agency_lead",
                            "outcome": "sent",
                        }
                    )
        for table, rows in (
            (t.Review, review_rows),
            (t.PreAnalysisReturn, returns),
            (t.ReturnAssignee, assignees),
            (t.MeetingOutcome, outcomes),
            (t.SevenMinuteGuide, guides),
            (t.DisseminationReturn, usage),
            (t.ActionItem, item_rows),
            (t.ProgressEntry, progress),
            (t.ImpactRecord, impacts),
            (t.ChaserLog, chasers),
        ):
            add(table, rows)
    counts: dict[int, int] = {}
    for row in item_rows:
        counts[row["review_id"]] = counts.get(row["review_id"], 0) + 1
    largest = max(counts, key=lambda r: counts[r])
    typical = min(counts, key=lambda r: (abs(counts[r] - 20), r))
    admin = MemberView(1, 1, members[0]["aad_object_id"], "Member 1", None, frozenset({Role.ADMIN}))
    return Built(db, admin, typical, largest, counts[largest], reviews, len(item_rows))


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def median_ms(job: Callable[[], object], runs: int) -> float:
    job()  # warm up: connection, caches, holiday tables
    times = []
    for _ in range(runs):
        summaries._rated.cache_clear()  # honest: no RAG results carried between runs
        start = time.perf_counter()
        job()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(built: Built, runs: int) -> dict[str, tuple[float, float, int]]:
    """name -> (median ms for the data, median ms with the card, SQL statements)."""
    db, admin = built.db, built.admin
    results: dict[str, tuple[float, float, int]] = {}

    def summary_of(review_id: int) -> Callable[[], Any]:
        return lambda: db.transaction(
            lambda uow: summaries.review_summary(uow, ACTOR, admin, review_id, TODAY)
        )

    def board() -> Any:
        return db.transaction(lambda uow: summaries.dashboard(uow, ACTOR, admin, None, None, TODAY))

    jobs: dict[str, tuple[Callable[[], Any], Callable[[Any], object]]] = {
        "summary (typical review)": (summary_of(built.typical_review), summary_card),
        f"summary (largest, {built.largest_items} items)": (
            summary_of(built.largest_review),
            summary_card,
        ),
        "dashboard (whole partnership)": (board, lambda d: dashboard_card(d, TODAY)),
    }
    for name, (job, card) in jobs.items():
        data = median_ms(job, runs)
        with_card = median_ms(lambda job=job, card=card: card(job()), runs)
        with counting(db) as statements:
            job()
        results[name] = (data, with_card, len(statements))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the sizes")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, float, float, int]] = []
    with tempfile.TemporaryDirectory() as folder:
        for fraction in (0.1, 1.0):
            reviews = max(10, int(args.reviews * args.scale * fraction))
            items = max(100, int(args.items * args.scale * fraction))
            started = time.perf_counter()
            built = generate(Path(folder) / f"bench-{fraction}.db", reviews, args.agencies, items)
            took = time.perf_counter() - started
            label = f"{built.reviews:,} reviews / {built.items:,} items"
            print(f"generated {label} in {took:.1f} s")
            for name, (data, card, statements) in measure(built, args.runs).items():
                rows.append((label, name, data, card, statements))
            built.db.close()
    print()
    print(f"{'data set':<30} {'what':<32} {'data ms':>8} {'+card ms':>9} {'SQL':>5}")
    for label, name, data, card, statements in rows:
        print(f"{label:<30} {name:<32} {data:>8.1f} {card:>9.1f} {statements:>5}")
    flat = all(
        a[4] == b[4] for a, b in zip(rows[: len(rows) // 2], rows[len(rows) // 2 :], strict=True)
    )
    full = rows[len(rows) // 2 :]
    summary_ok = all(r[3] < 50 for r in full if r[1].startswith("summary"))
    dashboard_ok = all(r[3] < 300 for r in full if r[1].startswith("dashboard"))
    print()
    print(f"statement counts flat from 10% to 100%: {'yes' if flat else 'NO'}")
    print(f"summary under 50 ms (with its card): {'yes' if summary_ok else 'NO'}")
    print(f"dashboard under 300 ms (with its card): {'yes' if dashboard_ok else 'NO'}")


if __name__ == "__main__":
    main()
