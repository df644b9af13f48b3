"""Issue 18 end to end in the Agents Playground: the chair downloads the meeting pack as Word
and as PDF from the pack card (the file card leads back to the pack for the other format),
then drafts, previews and sends the 7-minute briefing for approval. Each file card arrives with
the path the local-mode bot saved it to, and the files are opened to check they are what the
card says (and copied to test-artifacts/e2e).

It starts from the demo (storage/demo_journeys.py): LOS-2026-003 "Child S" is in analysis
with its pack ready; LOS-2026-004 "Child T" has its outcome published, so its briefing can be
drafted. Alex Wilber, the Playground's user, chairs both. A second person approves the
briefing, never the chair who sent it: that step is walked in test_meeting_journey, with a
second client. Not yet walked: the quarterly board report (issue 18 "Still to do").

Screenshots of whole cards go to test-artifacts/e2e/documents-*.png.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Locator

from tests.e2e.harness import ARTIFACTS, PLAYGROUND_USER, BotProcess, Chat, saved_export
from tests.e2e.test_return_journey import card_text
from tests.support.markdown import as_typed

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PACK_REVIEW = ("LOS-2026-003", "Child S")
GUIDE_REVIEW = ("LOS-2026-004", "Child T")
AGENCIES = ("Demo Police", "Demo Community Health", "Demo Children's Social Care")
WHY = (
    "Attendance and dental concerns were each held by one agency; together they showed "
    "neglect that nobody escalated."
)


def saved_file(chat: Chat, bot: BotProcess, ready: Locator, what: str, suffix: str) -> Path:
    """The path on a local-mode "Your file is ready" card: a file of the bot's, not empty,
    copied to test-artifacts/e2e/documents-<name>."""
    text = card_text(ready)
    assert f"Saved {what}." in as_typed(text), text
    path = saved_export(bot.data_dir, text, suffix)
    assert path.is_file(), path
    assert bot.data_dir.resolve() in path.parents, f"{path} is outside {bot.data_dir}"
    assert path.stat().st_size > 1000, f"{path} is {path.stat().st_size} bytes"
    # Kept beside the screenshots, to open and look at (the bot's DATA_DIR is temporary).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / f"documents-{path.name.split('-', 2)[-1]}")
    return path


def open_pack(chat: Chat, reference: str) -> Locator:
    chat.send(f"pack {reference}")
    return chat.wait_for_card(f"Meeting pack · {reference}")


def download(chat: Chat, card: Locator, button: str, prefix: str) -> Locator:
    chat.click_button(button, within=card)
    ready = chat.wait_for_card("Your file is ready", timeout=60)  # PDF: LibreOffice renders
    chat.card_screenshot(prefix, ready)
    return ready


def buttons(card: Locator) -> list[str]:
    titles: list[str] = card.locator(".ac-actionSet button").evaluate_all(
        "(buttons) => buttons.map((b) => b.title || b.innerText)"
    )
    return titles


def pdf_pages(path: Path) -> tuple[int, str]:
    """The page count and page size `pdfinfo` reports."""
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    pages = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    size = re.search(r"^Page size:\s+(.+)$", info, re.MULTILINE)
    assert pages, info
    assert size, info
    return int(pages.group(1)), size.group(1)


def docx_text(path: Path) -> str:
    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def test_the_chair_downloads_the_pack_and_sends_the_briefing_for_approval(
    chat: Chat, bot: BotProcess
) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)

    # The meeting pack, as Word.
    reference, pseudonym = PACK_REVIEW
    pack = open_pack(chat, reference)
    chat.card_screenshot("documents-01-pack", pack)
    ready = download(chat, pack, "Download pack (Word)", "documents-02-pack-docx")
    path = saved_file(chat, bot, ready, f"the meeting pack for {reference}", "docx")
    text = docx_text(path)
    assert reference in text, text[:1000]
    assert pseudonym in text, text[:1000]
    for agency in AGENCIES:
        assert agency in text, (agency, text[:1000])
    assert PLAYGROUND_USER not in text, "member names never reach the pack"

    # The same pack as PDF: the file card replaced the pack card, and leads back to it.
    chat.click_button("Back to the pack", within=ready)
    pack = chat.wait_for_card(f"Meeting pack · {reference}")
    ready = download(chat, pack, "Download pack (PDF)", "documents-03-pack-pdf")
    path = saved_file(chat, bot, ready, f"the meeting pack for {reference} (PDF)", "pdf")
    assert path.read_bytes()[:5] == b"%PDF-", path
    pages, size = pdf_pages(path)
    assert pages >= 2, pages
    assert "A4" in size, size

    # The 7-minute briefing of a review whose outcome is published.
    reference, pseudonym = GUIDE_REVIEW
    chat.send(f"guide {reference}")
    guide = chat.wait_for_card(f"7-minute briefing · {reference}")
    assert f"{pseudonym} · Draft" in card_text(guide), card_text(guide)
    chat.fill("2 · Why it matters", WHY, within=guide)
    chat.card_screenshot("documents-04-guide-draft", guide)
    chat.click_button("Preview", within=guide)
    preview = chat.wait_for_card(f"Preview · 7-minute briefing · {reference}")
    assert WHY in card_text(preview), card_text(preview)
    chat.card_screenshot("documents-05-guide-preview", preview)
    chat.click_button("Send for approval", within=preview)
    guide = chat.wait_for_card("Version 1 awaiting approval")
    text = card_text(guide)
    chat.card_screenshot("documents-06-guide-sent", guide)
    assert WHY in text, text
    # A second person approves (an LIC member or the other chair): never the chair who sent
    # it, so Alex can withdraw it to edit, and has no Approve (the approval itself is walked
    # in test_meeting_journey, from a second client).
    moves = buttons(guide)
    assert "Withdraw to edit" in moves, moves
    assert "Approve and publish" not in moves, moves
