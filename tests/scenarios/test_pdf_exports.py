"""PDF over HTTP: the pack, the guide and the summary come as PDF converted from the very DOCX
offered (LibreOffice headless); a format we don't make is named with the ones we do; a PDF
that can't be made (converter missing or crashed, disk full) is a clear message, logged, with
no file left to offer."""

from __future__ import annotations

import errno
import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.app import SERVICES
from cards import verbs
from exports import pdf
from storage import tables as t
from tests.conftest import require
from tests.support.journey import Journey, good_action, police_id, saved, signed_off_review


def pdf_pages(path: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    return int(fields["Pages"]), fields["Page size"].strip()


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


async def answer(j: Journey, verb: str, data: dict[str, Any]) -> str:
    """What the bot said, card or message, as text."""
    return json.dumps(await j.act(verb, data), ensure_ascii=False)


async def test_pack_and_guide_come_as_pdf_from_the_docx(journey: Journey) -> None:
    require(pdf.available(), "LibreOffice (soffice) is not installed: PDF can't be made")
    j = journey
    review_id = await signed_off_review(j)
    card = await j.download(verbs.PACK_EXPORT, {"review_id": review_id, "format": "pdf"})
    path = saved(j, card, ".pdf")
    assert path.read_bytes().startswith(b"%PDF")
    pages, _ = pdf_pages(path)
    assert pages >= 1
    text = pdf_text(path)
    assert "Combined impact chronology" in text, "the PDF says what the Word pack says"
    assert "School raised concern" in text
    # The file's card comes as a new message under the pack card, and leads back there too.
    assert '"title": "Back to the pack"' in card, card
    await j.card(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    outcome = {
        "review_id": review_id,
        "agreed_themes": "neglect",
        "learning_needs": "Escalate attendance concerns sooner",
        "attendees_0": "DS, SW",
    }
    assert "Outcome published" in await j.card(verbs.OUTCOME_PUBLISH, outcome)
    card = await j.download(verbs.GUIDE_EXPORT, {"review_id": review_id, "format": "pdf"})
    assert "7-minute briefing" in pdf_text(saved(j, card, ".pdf"))
    assert '"title": "Back to the briefing"' in card, card
    card = await j.download(verbs.EXPORT, {"review_id": review_id, "format": "pdf"})
    assert "Review summary" in pdf_text(saved(j, card, ".pdf"))
    kinds = [row.kind for row in j.rows(t.ExportFile)]
    assert kinds == ["meeting_pack_pdf", "guide_pdf", "review_summary_pdf"]


async def test_a_format_we_dont_make_names_the_ones_we_do(journey: Journey) -> None:
    j = journey
    review_id = await signed_off_review(j)
    card = await answer(j, verbs.EXPORT, {"review_id": review_id, "format": "odt"})
    assert "can't make “odt” files" in card
    for name in ("xlsx", "csv", "docx", "pdf"):
        assert name in card
    card = await answer(j, verbs.PACK_EXPORT, {"review_id": review_id, "format": "pptx"})
    assert "docx (Word), pdf, or csv" in card
    assert j.rows(t.ExportFile) == [], "nothing is offered instead"


async def test_a_missing_converter_is_a_clear_message_and_no_file(
    journey: Journey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    j = journey
    review_id = await signed_off_review(j)
    monkeypatch.setattr(pdf, "converter", lambda: None)
    with caplog.at_level(logging.ERROR, logger="exports.pdf"):
        card = await answer(j, verbs.PACK_EXPORT, {"review_id": review_id, "format": "pdf"})
    assert "PDF isn't available on this server" in card
    assert "not installed" in caplog.text
    assert j.rows(t.ExportFile) == []
    assert "export.created" not in j.bot.audit_actions()


async def test_a_crashed_converter_is_a_clear_message_and_no_file(
    journey: Journey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    j = journey
    review_id = await signed_off_review(j)
    monkeypatch.setattr(pdf, "converter", lambda: "/bin/false")
    with caplog.at_level(logging.ERROR, logger="exports.pdf"):
        card = await answer(j, verbs.PACK_EXPORT, {"review_id": review_id, "format": "pdf"})
    assert "The PDF couldn't be made (the converter failed)" in card
    assert "without a PDF" in caplog.text
    assert j.rows(t.ExportFile) == []


async def test_a_full_disk_leaves_no_partial_file_offered(
    journey: Journey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    j = journey
    review_id = await signed_off_review(j)
    real_write = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if self.name.endswith(".partial"):
            real_write(self, data[: len(data) // 2])  # half written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with caplog.at_level(logging.ERROR, logger="bot.files"):
        card = await answer(j, verbs.PACK_EXPORT, {"review_id": review_id, "format": "docx"})
    assert "couldn't save that file" in card
    assert "errno 28" in caplog.text
    assert j.rows(t.ExportFile) == []
    folder = j.bot.app[SERVICES].settings.data_dir / "exports"
    assert folder.is_dir(), "the export folder was made; only the file failed"
    assert not [p for p in folder.rglob("*") if p.is_file()], "no partial file stays behind"
