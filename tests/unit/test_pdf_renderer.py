"""The PDF renderer on its own: formats named honestly, conversions side by side don't share a
LibreOffice profile, and every failure is a RenderError with a sentence for the user."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from docx import Document

from domain import phrasing
from exports import pdf
from tests.conftest import require


def test_export_words_keep_a_format_we_dont_make_for_the_answer() -> None:
    assert phrasing.export_format("los-2026-004 pdf") == ("los-2026-004", "pdf")
    assert phrasing.export_format("los-2026-004 odt") == ("los-2026-004", "odt")
    assert phrasing.export_format("los-2026-004") == ("los-2026-004", "xlsx")
    assert phrasing.unknown_format("odt") == "odt"
    assert phrasing.unknown_format("pdf") is None
    assert phrasing.unknown_format(None) == "nothing"
    for fmt in phrasing.EXPORT_FORMATS:
        assert fmt in phrasing.FORMATS_SENTENCE


def small_docx(words: str) -> bytes:
    document = Document()
    document.add_paragraph(words)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_two_conversions_at_once_each_get_their_own_pdf() -> None:
    require(pdf.available(), "LibreOffice (soffice) is not installed: PDF can't be made")
    sources = [small_docx(f"Document number {i}") for i in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(pdf.docx_to_pdf, sources))
    assert all(r.startswith(b"%PDF") for r in results)
    assert results[0] != results[1]


def test_a_hung_converter_is_stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "hang"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o700)
    monkeypatch.setattr(pdf, "converter", lambda: str(script))
    with pytest.raises(pdf.RenderError, match="took too long"):
        pdf.docx_to_pdf(small_docx("x"), timeout=0.5)


def test_a_converter_that_writes_nothing_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "converter", lambda: "/bin/true")
    with pytest.raises(pdf.RenderError, match="converter failed"):
        pdf.docx_to_pdf(small_docx("x"))
