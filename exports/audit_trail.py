"""The audit trail of a review as CSV (`audit LOS-2026-004`, then Export CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from domain.audit_trail import TrailEvent, TrailSubjects
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
)


def trail_csv(subjects: TrailSubjects, events: Sequence[TrailEvent]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"Audit trail of {subjects.reference} ({subjects.pseudonym})"])
    writer.writerow(COLUMNS)
    for event in events:
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
            )
        )
    # A BOM so Excel opens the UTF-8 file with the right characters.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
