"""The audit trail of a review as CSV (`audit LOS-2026-004`, then Export CSV).

The first eight columns are the events as stored (the action, record type and id, before and
after as JSON with the fingerprints of typed text), for a machine or an auditor checking the
record; the four after them say the same in the card's words (domain/audit_words.py): the
local time, the record, who did what, and the details. README.md (Retention) describes them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from domain.audit_trail import TrailEvent, TrailNames, TrailSubjects
from domain.audit_words import event_words
from domain.wording import short_date
from exports.cells import csv_text

COLUMNS = (
    "at_utc",
    "actor",
    "actor_aad_object_id",
    "action",
    "record_type",
    "record_id",
    "before",
    "after",
    "when_local",
    "record",
    "what_happened",
    "details",
)
LOCAL = ZoneInfo("Europe/London")


def trail_csv(
    subjects: TrailSubjects, events: Sequence[TrailEvent], names: TrailNames | None = None
) -> bytes:
    known = names or TrailNames()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"Audit trail of {subjects.reference} ({subjects.pseudonym})"])
    writer.writerow(COLUMNS)
    for event in events:
        words = event_words(event, subjects, known)
        when = event.at.astimezone(LOCAL)
        writer.writerow(
            csv_text(value)
            for value in (
                event.at.isoformat(),
                event.actor_name or ("system" if event.actor_aad_id is None else ""),
                event.actor_aad_id or "",
                event.action,
                event.record_type,
                event.record_id,
                _json(event.before),
                _json(event.after),
                f"{short_date(when.date())} {when:%H:%M}",
                words.record,
                words.deed,
                "; ".join(words.details),
            )
        )
    # A BOM so Excel opens the UTF-8 file with the right characters.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
