"""PDF from the Word document: LibreOffice headless converts the very DOCX we offer.

Why LibreOffice rather than a second renderer (HTML and CSS through WeasyPrint, ReportLab):
- One source. The PDF is the DOCX, converted; the two can never disagree about what the pack
  says, and house style (A4, headers, page x of y, repeated table headers, rows kept whole)
  is written once, in Word terms, and honoured by both.
- Word field codes (PAGE, NUMPAGES) and table properties are understood by LibreOffice's
  Writer, which is the one open-source engine that lays out DOCX pages as Word does.
- It installs from Debian (`libreoffice-writer-nogui`, no X server needed) and runs offline;
  `libreoffice-calc-nogui` beside it lets the layout tests print the XLSX tracker the same way.

How it is run:
- Never on the event loop: callers use `asyncio.to_thread`, and the work here is a child
  process with a timeout, so a hung converter is killed, not waited on forever.
- Each conversion gets its own user profile directory (`-env:UserInstallation`). LibreOffice
  locks its profile, so two conversions sharing one would collide or quietly hand the second
  document to the first process.
- Failures (converter missing, crashed, timed out, no output, disk full) raise `RenderError`
  with a sentence for the person who asked; nothing half-made is returned.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from domain.errors import DomainError

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 120.0
_CANDIDATES = ("soffice", "libreoffice")


class RenderError(DomainError):
    """The PDF could not be made; the message is fit to show the person who asked."""


def converter() -> str | None:
    """The LibreOffice executable on this machine, or None when it isn't installed."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    return converter() is not None


def docx_to_pdf(docx: bytes, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Convert Word bytes to PDF bytes. Blocking: call it on a worker thread."""
    return _to_pdf(docx, "docx", "writer_pdf_Export", timeout)


def spreadsheets_available() -> bool:
    """LibreOffice's Calc is installed (`libreoffice-calc-nogui`): Writer alone can't open an
    XLSX. Its library sits beside the soffice program."""
    program = converter()
    return program is not None and (Path(program).resolve().parent / "libsclo.so").exists()


def xlsx_to_pdf(xlsx: bytes, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The workbook printed to PDF with its own page set-up, as Excel or LibreOffice prints it:
    how the layout tests see the tracker on paper (the bot offers no PDF of a spreadsheet)."""
    return _to_pdf(xlsx, "xlsx", "calc_pdf_Export", timeout)


def _to_pdf(content: bytes, suffix: str, export_filter: str, timeout: float) -> bytes:
    program = converter()
    if program is None:
        log.error("pdf: LibreOffice (soffice) is not installed")
        raise RenderError(
            "PDF isn't available on this server (its converter is not installed). "
            "The Word version has the same content."
        )
    with tempfile.TemporaryDirectory(prefix="los-pdf-") as work:
        folder = Path(work)
        source = folder / f"document.{suffix}"
        try:
            source.write_bytes(content)
        except OSError as error:
            log.error("pdf: could not write the working copy (%s)", type(error).__name__)
            raise RenderError(_NO_SPACE) from error
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            f"pdf:{export_filter}",
            "--outdir",
            str(folder / "out"),
            str(source),
        ]
        returncode = _run(command, timeout, work)
        result = folder / "out" / "document.pdf"
        if returncode != 0 or not result.is_file():
            log.error("pdf: converter exited %s without a PDF", returncode)
            raise RenderError(_CRASHED)
        made = result.read_bytes()
    if not made.startswith(b"%PDF") or b"%%EOF" not in made[-1024:]:
        log.error("pdf: converter produced an incomplete file (%d bytes)", len(made))
        raise RenderError(_CRASHED)
    return made


def _run(command: list[str], timeout: float, work: str) -> int:
    """Run the converter in its own process group, so a timeout kills LibreOffice's worker
    process (soffice.bin) as well as the launcher that started it."""
    try:
        process = subprocess.Popen(  # noqa: S603 - a fixed program with our own arguments
            command,
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        log.error("pdf: could not start the converter (%s)", type(error).__name__)
        raise RenderError(_CRASHED) from error
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.error("pdf: conversion timed out after %.0f s", timeout)
        raise RenderError(
            "Making the PDF took too long and was stopped. Please try again, or take "
            "the Word version."
        ) from error


_CRASHED = (
    "The PDF couldn't be made (the converter failed). Nothing was saved; the Word version "
    "has the same content."
)
_NO_SPACE = "The PDF couldn't be made: the server is out of working space. Nothing was saved."
