"""Delivering generated documents (meeting pack, guide, trackers) to the person who asked.

In Teams: the file-consent flow in the personal chat. The bot offers the file; when the user
accepts, Teams gives an upload URL in their OneDrive and the bot PUTs the bytes there, then
posts the file card. Nothing is served from a public URL. In local mode (no Teams, the Agents
Playground) the file is written to the data directory and the card says so, naming the file
but never the server's path (`kept_here`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.router import Context, Reply, Router
from cards import verbs
from cards.basics import KEPT_NAME, Back, error_card, file_ready_card
from domain import audit
from domain.errors import DomainError, NotFound
from domain.records import ExportRecord
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
# How a download's click is answered: the file's card follows as a new message.
SENT_BELOW = "is in a new message below."
FILES_IN_PERSONAL_CHAT = (
    "Teams only lets me send files in a 1:1 chat: open Line of Sight in your chat list and ask "
    "again there."
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Document:
    kind: str
    filename: str
    content: bytes
    description: str
    back: Back | None = None  # the way back to the card the file was asked for from


async def partnership_name(ctx: Context) -> str:
    """The partnership's name, for the header of every page of a document."""

    def work(uow: SqlUnitOfWork) -> str:
        partnership = uow.partnerships.by_tenant(ctx.turn.address.tenant_id)
        return partnership.name if partnership else ""

    return await ctx.run_short(work)


async def as_pdf(docx: bytes) -> bytes:
    """The PDF of a Word document, converted on a worker thread (a child process with a
    timeout, see exports/pdf.py), never on the event loop."""
    from exports import pdf

    return await asyncio.to_thread(pdf.docx_to_pdf, docx)


def safe_filename(name: str) -> str:
    return _SAFE_NAME.sub("-", name).strip("-")[:120] or "export"


async def deliver(ctx: Context, document: Document) -> Reply:
    """Store the document for the actor and offer it in the way their client supports."""
    if ctx.services.settings.files_in_teams and not ctx.turn.is_personal:
        # Teams sends files only in a 1:1 chat. Said before anything is written (no file left
        # on disk for no one), and as a message only: the card clicked (the partnership
        # channel's briefing post, say) stays for the person, and the channel gets no post.
        return Reply(text=FILES_IN_PERSONAL_CHAT)
    folder = ctx.services.settings.data_dir / "exports" / str(ctx.member.partnership_id)
    token = secrets.token_urlsafe(24)
    stamp = ctx.services.now().strftime("%Y%m%d-%H%M%S")
    # Its own name on disk: two asks in the same second for the same document would otherwise
    # write one file over the other (and a failed one delete the other's).
    path = folder / kept_name(stamp, secrets.token_hex(4), document.filename)
    try:
        await ctx.run(lambda uow: _record(uow, ctx, document, token, path))
    except BaseException:
        # No row means no offer: the file must not stay behind either.
        path.unlink(missing_ok=True)
        raise
    # Each answer comes as a new message, so the card the download was asked from stays in
    # place (new-user walk L3: the file's card replaced it and the person lost their place).
    aside = f"{document.description[:1].upper()}{document.description[1:]} {SENT_BELOW}"
    if not ctx.services.settings.files_in_teams:
        return Reply(
            file_ready_card(kept_here(document.description), document.back, kept_as=path.name),
            aside=aside,
        )
    consent = {
        "contentType": CONSENT,
        "name": safe_filename(document.filename),
        "content": {
            "description": document.description,
            "sizeInBytes": len(document.content),
            "acceptContext": {"token": token},
            "declineContext": {"token": token},
        },
    }
    return Reply(
        file_ready_card(
            f"Accept the file offer below to save {document.description} to your OneDrive.",
            document.back,
        ),
        attachments=(consent,),
        aside=aside,
    )


def kept_here(description: str) -> str:
    """What local mode (no Teams: the Agents Playground, a developer's machine) says of a file
    it can't send: where it is kept, by name and never by the server's path (a person reading
    the card can't open a path on the server, and it tells them about the machine, walk9).
    The name follows on a line of its own, as it is on disk (cards/basics.py
    `file_ready_card`'s `kept_as`), so it can be copied to search for it (walk10)."""
    return (
        f"Saved {description}. Line of Sight is running here without Teams (local mode), so it "
        "can't send you the file: it is kept on the computer that runs the bot, in the exports "
        "folder of its data directory, by the name below. Whoever runs the bot can open it "
        "there; in Teams it would come to this chat for you to save."
    )


def kept_name(stamp: str, tag: str, filename: str) -> str:
    """The file's name on disk: the time it was made, a random tag (two asks in the same
    second get two files) and the document's name in letters, digits and single hyphens, then
    its kind. Strict, so the card can show it exactly as it is (cards/basics.py `KEPT_NAME`):
    a reference or period in the document's name can't bring a look-alike dot, an underscore
    or a run of hyphens into it."""
    stem, _, kind = safe_filename(filename).rpartition(".")
    words = re.findall(r"[A-Za-z0-9]+", stem) or ["export"]
    name = f"{stamp}-{tag}-{'-'.join(words)[:100].rstrip('-')}.{kind.lower()}"
    if not KEPT_NAME.fullmatch(name):
        raise ValueError(f"not a document's name: {filename!r}")
    return name


def _record(uow: SqlUnitOfWork, ctx: Context, document: Document, token: str, path: Path) -> None:
    _write_whole(path, document.content)
    uow.exports.add(
        ctx.member.partnership_id,
        ctx.member.id,
        token,
        document.kind,
        safe_filename(document.filename),
        str(path),
        len(document.content),
    )
    audit.record(
        uow,
        ctx.member.partnership_id,
        ctx.turn.actor,
        "export.created",
        ("export_file", token[:8]),
        # The file name carries the review reference, so the review's audit trail finds it.
        after={
            "kind": document.kind,
            "bytes": len(document.content),
            "filename": safe_filename(document.filename),
        },
    )


def _write_whole(path: Path, content: bytes) -> None:
    """Write the file under a temporary name and rename it into place, so a full disk or a
    crash leaves no partial file that could be offered; the offer's row is only added after."""
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(content)
        partial.chmod(0o600)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        log.error(
            "export: could not save the file (%s, errno %s)", type(error).__name__, error.errno
        )
        raise DomainError(
            "I couldn't save that file (the server's disk is full or not writable), so nothing "
            "was offered. Please try again later; an administrator has the details in the log."
        ) from error


def register(router: Router) -> None:
    router.verb(verbs.FILE_CONSENT)(file_consent)


async def file_consent(ctx: Context) -> Reply:
    """The user accepted or declined a file offer (invoke `fileConsent/invoke`)."""
    context = ctx.data.get("context")
    token = context.get("token") if isinstance(context, dict) else None
    export = await ctx.run(lambda uow: _export_for(uow, ctx, token))
    if ctx.data.get("action") != "accept":
        return Reply(text="OK, I haven't sent the file.")
    upload = ctx.data.get("uploadInfo")
    local = ctx.services.settings.local_mode
    if not isinstance(upload, dict) or not _acceptable_upload(
        str(upload.get("uploadUrl", "")), local
    ):
        return Reply(
            error_card(
                "That didn't work",
                "Teams didn't give me a place to upload the file. Please ask for it again.",
            )
        )
    content = await asyncio.to_thread(Path(export.path).read_bytes)
    await _upload(str(upload["uploadUrl"]), content)
    await ctx.run(lambda uow: _delivered(uow, ctx, export))
    info = {
        "contentType": FILE_INFO,
        "name": upload.get("name") or export.filename,
        "contentUrl": upload.get("contentUrl"),
        "content": {"uniqueId": upload.get("uniqueId"), "fileType": upload.get("fileType")},
    }
    return Reply(attachments=(info,))


def _export_for(uow: SqlUnitOfWork, ctx: Context, token: object) -> ExportRecord:
    row = uow.exports.by_token(token) if isinstance(token, str) else None
    # The actor is from the activity: a token offered to someone else is not theirs to take.
    if row is None or row.member_id != ctx.member.id:
        raise NotFound("That file offer has expired or isn't yours. Please ask for it again.")
    return row


def _delivered(uow: SqlUnitOfWork, ctx: Context, export: ExportRecord) -> None:
    uow.exports.mark_delivered(export.id, ctx.services.now())
    audit.record(
        uow,
        ctx.member.partnership_id,
        ctx.turn.actor,
        "export.delivered",
        ("export_file", export.token[:8]),
        after={"kind": export.kind},
    )


async def _upload(url: str, content: bytes) -> None:
    headers: dict[str, Any] = {
        "Content-Length": str(len(content)),
        "Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}",
    }
    timeout = aiohttp.ClientTimeout(total=60)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.put(url, data=content, headers=headers) as response,
    ):
        response.raise_for_status()


def _acceptable_upload(url: str, local_mode: bool) -> bool:
    # Teams always gives an https OneDrive URL; plain http to this machine only in local mode
    # (where the tests stand in for OneDrive), never in a deployment.
    return url.startswith("https://") or (local_mode and url.startswith("http://127.0.0.1:"))
