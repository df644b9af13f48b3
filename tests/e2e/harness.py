"""End-to-end harness: the real bot and the Agents Playground as subprocesses, Chromium on top.

Pieces (all usable without pytest; the fixtures in `conftest.py` wire them together):

- `free_port()`: a free loopback TCP port.
- `BotProcess`: `lineofsight db upgrade` (+ `lineofsight demo`), then `lineofsight serve` in
  local mode with its own DATA_DIR, until /readyz answers 200; `restart()` stops `serve` and
  starts it again on the same port and DATA_DIR; with LOS_TEST_HOOKS=1 in its env,
  `set_clock(moment)` and `sweep()` call the bot's test hooks (POST /_test/clock, /_test/sweep).
  `invoke_as(aad, name, verb, data)` clicks a card button as someone else, from their own chat.
- `OtherClients`: a loopback stand-in for other people's Teams clients (the Playground has one
  user), which takes and keeps what the bot sends them.
- `post_json(url, body)`: a JSON POST, answering the decoded JSON.
- `PlaygroundProcess`: the Microsoft 365 Agents Playground (Teams channel) pointed at a bot,
  bound to loopback, until it serves its page.
- `Chat`: a page object for the Playground's personal chat: send text, wait for replies,
  find cards, click card buttons, fill card inputs and read them back, read fact sets, take
  screenshots (of the viewport, or of a whole card however tall).

How the Playground (0.2.x) renders a conversation, which the selectors below rely on:

- Every bot message (plain text or card) is a `.fai-OutputCard`; a user's message has a
  `[aria-label="Message header"]` without a `[aria-label="Message author"]` in it.
- Cards use the official renderer with Fluent UI v9 controls: a card is `.ac-adaptiveCard`
  (an Action.ShowCard nests another one), actions are `<button title=...>` in `.ac-actionSet`
  holding `.ac-pushButton-content`. Facts are `.ac-fact-title` + `.ac-fact-value` siblings.
- An input's `label` becomes `<label class="ac-richTextBlock" for=ID>` (a required input gets
  an extra `*` span, aria-hidden). The card's own input ids never reach the DOM (the renderer
  generates `__ac-<uuid>` ids), so inputs are found by their label. Input.Text is an
  `<input>`/`<textarea>`; Input.Number a `role=spinbutton`; Input.Date a Fluent DatePicker
  (`role=combobox` inside `.fui-DatePicker`, accepts typed ISO dates); Input.Time a Fluent
  TimePicker (`.fui-TimePicker`, accepts typed HH:MM); Input.ChoiceSet compact/filtered a
  Fluent Combobox whose popup (`aria-controls`, portalled to <body>) holds `role=option`s, or
  `role=menuitemcheckbox`es when isMultiSelect; expanded a `role=radiogroup`, or a `<div>`
  of checkboxes (each `aria-label`led by its choice's title) when isMultiSelect; Input.Toggle
  a checkbox. A label whose text itself ends in " *" (a required marker written into the
  label rather than `isRequired`) is found by the label without it.
- An Input.ChoiceSet with `choices.data` (Data.Query, dataset graph.microsoft.com/users)
  becomes a Fluent v8 `.ms-PeoplePicker` in place of the card's choices: its label's `for`
  names no element, the input sits in the label's next sibling `.ac-input-container`, and its
  suggestions (`.ms-Suggestions [role=option]`, portalled) come from the Playground's own mock
  directory (Alex Wilber, Megan Bowen, ...), found by first name; it submits the mock user's
  `id` (e.g. "user-id-0").
- The Playground's log panel repeats message text, so text is only ever looked for inside
  messages.
- Clicking an Action.Execute button shows "Your response was sent to the app" under the card
  and the invoke response's card replaces the clicked card in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from playwright.sync_api import Locator, Page, ViewportSize
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot.config import PLAYGROUND_TENANT_ID
from bot.devserver import PLAYGROUND, playground_command, playground_env
from storage.demo import PLAYGROUND_USER_AAD_ID

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
PLAYGROUND_BIN = PLAYGROUND

# The Playground's fixed signed-in user.
PLAYGROUND_USER = "Alex Wilber"
PLAYGROUND_USER_AAD = PLAYGROUND_USER_AAD_ID
PLAYGROUND_TENANT = PLAYGROUND_TENANT_ID

# Settings that would take the bot out of local mode or change who is admin: never inherited.
_BOT_ENV_DROPPED = {
    "microsoftappid",
    "microsoftapppassword",
    "microsoftapptype",
    "microsoftapptenantid",
    "host",
    "database_url",
    "allowed_tenant_ids",
    "admin_aad_ids",
    "bot_openid_metadata",
    "log_level",
    "port",
    "data_dir",
}

BOT_MESSAGE = ".fai-OutputCard"
USER_MESSAGE = 'div:has(> [aria-label="Message header"]):not(:has([aria-label="Message author"]))'
CARD = ".ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)"
TEXTBOX = '[role="textbox"][contenteditable="true"]'


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(empty)"


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return None


def post_json(url: str, body: Mapping[str, Any] | None = None, timeout: float = 30.0) -> Any:
    """POST `body` as JSON to `url` and return the decoded JSON answer (any non-2xx fails
    with the status and the answer's text)."""
    data = json.dumps(dict(body or {})).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise AssertionError(f"POST {url} answered {error.code}: {detail}") from None


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ManagedProcess:
    """A subprocess in its own session with stdout/stderr in files; stopped as a group."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log_dir: Path,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.env = dict(env)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = log_dir / f"{name}.stdout.log"
        self.stderr_path = log_dir / f"{name}.stderr.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            # The child keeps its own copies of the descriptors.
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll `ready` until it holds; fail early with the logs if the process exits."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                code = self.process.returncode if self.process else None
                raise RuntimeError(
                    f"{self.name} exited (code {code}) before {what}.\n{self.log_tail()}"
                )
            if ready():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name}: no {what} after {timeout:.0f}s.\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the whole process group, SIGKILL whatever is left after `grace` seconds."""
        process, self.process = self.process, None
        if process is None:
            return
        pgid = process.pid  # start_new_session: the child leads its own group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            process.wait(timeout=grace)
        # Grandchildren that ignored SIGTERM (the group outlives its leader while they run).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)

    def log_tail(self, lines: int = 60) -> str:
        return (
            f"--- {self.name} stderr ({self.stderr_path}) ---\n{_tail(self.stderr_path, lines)}\n"
            f"--- {self.name} stdout ({self.stdout_path}) ---\n{_tail(self.stdout_path, lines)}"
        )

    def diagnostics(self) -> list[tuple[str, str]]:
        """Sections for a failure report."""
        return [(f"{self.name} log (tail)", self.log_tail())]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def lineofsight_executable() -> Path:
    """The console script of the venv running the tests (else the repo's .venv)."""
    beside = Path(sys.executable).with_name("lineofsight")
    return beside if beside.exists() else REPO / ".venv" / "bin" / "lineofsight"


class BotProcess(ManagedProcess):
    """`lineofsight serve` in local mode (no MicrosoftAppId: loopback, no auth) on a fresh
    SQLite database in `workdir/data`. With `demo=True` the demo partnership is loaded first,
    which makes the Playground's user partnership admin and review chair.

    Use as a context manager; `errors()` lists error-level log records.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        demo: bool = True,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.port = port or free_port()
        self.demo = demo
        self.data_dir = workdir / "data"
        self.startup_timeout = startup_timeout
        bot_env = {k: v for k, v in os.environ.items() if k.lower() not in _BOT_ENV_DROPPED}
        bot_env.update(
            DATA_DIR=str(self.data_dir),
            PORT=str(self.port),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        bot_env.update(env or {})
        self.executable = lineofsight_executable()
        # cwd is the work dir, so a developer's .env in the repo is never read.
        super().__init__(
            "bot",
            [str(self.executable), "serve"],
            cwd=workdir,
            env=bot_env,
            log_dir=workdir / "logs",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def messages_url(self) -> str:
        return f"{self.url}/api/messages"

    def _run_cli(self, *args: str) -> None:
        self.cwd.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            code = subprocess.call(
                [str(self.executable), *args],
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                timeout=self.startup_timeout,
            )
        if code != 0:
            raise RuntimeError(f"`lineofsight {' '.join(args)}` exited {code}.\n{self.log_tail()}")

    def start(self) -> None:
        self._run_cli("db", "upgrade")
        if self.demo:
            self._run_cli("demo")
        super().start()
        self.wait_until(
            lambda: http_status(f"{self.url}/readyz") == 200,
            "200 from /readyz",
            self.startup_timeout,
        )

    def restart(self) -> None:
        """Stop `serve` and start it again on the same port and DATA_DIR, as an operator
        restarting the bot would (the database, and so every saved answer, is kept)."""
        self.stop()
        ManagedProcess.start(self)
        self.wait_until(
            lambda: http_status(f"{self.url}/readyz") == 200,
            "200 from /readyz after a restart",
            self.startup_timeout,
        )

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON log lines the bot wrote to stderr (other lines are skipped)."""
        records = []
        if self.stderr_path.exists():
            for line in self.stderr_path.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if isinstance(record, dict):
                        records.append(record)
        return records

    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.log_records() if r.get("level") in ("error", "critical")]

    # -- test hooks (the bot must run with LOS_TEST_HOOKS=1; see `bot.app.add_test_hooks`) --

    def set_clock(self, moment: dt.datetime) -> dt.datetime:
        """Move the bot's clock (POST /_test/clock) to `moment` (timezone-aware); returns the
        bot's `now` as it answers."""
        if moment.tzinfo is None:
            raise ValueError("pass a timezone-aware datetime")
        answer = post_json(f"{self.url}/_test/clock", {"now": moment.isoformat()})
        return dt.datetime.fromisoformat(answer["now"])

    def sweep(self) -> dict[str, Any]:
        """Run one chaser sweep now (POST /_test/sweep): {"claimed": n, "outcomes": {...}}."""
        answer: dict[str, Any] = post_json(f"{self.url}/_test/sweep")
        return answer

    def invoke_as(
        self,
        aad: str,
        name: str,
        verb: str,
        data: Mapping[str, Any],
        *,
        service_url: str | None = None,
    ) -> Any:
        """A card button clicked by someone other than the Playground's user, in their own
        chat (conversation "a:e2e-<aad>"): an Action.Execute invoke from them to the bot's
        endpoint (local mode takes it unsigned), from `service_url` (default: where the
        Playground's user reached the bot from). Answers the invoke response ({"statusCode",
        "type", "value"})."""
        with contextlib.closing(sqlite3.connect(self.data_dir / "lineofsight.db")) as db:
            tenant, playground_url = db.execute(
                "SELECT p.tenant_id, m.service_url FROM member m JOIN partnership p "
                "ON p.id = m.partnership_id WHERE m.aad_object_id = ?",
                (PLAYGROUND_USER_AAD,),
            ).fetchone()
        service_url = service_url or playground_url
        body = {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "id": f"e2e-{uuid.uuid4().hex}",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {"id": f"29:{aad}", "name": name, "aadObjectId": aad},
            "recipient": {"id": "28:line-of-sight", "name": "Line of Sight"},
            "conversation": {
                "conversationType": "personal",
                "tenantId": tenant,
                "id": f"a:e2e-{aad}",
            },
            "channelData": {"tenant": {"id": tenant}},
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": dict(data)},
                "trigger": "manual",
            },
        }
        return post_json(self.messages_url, body)


class OtherClients:
    """The Teams clients of people other than the Playground's user: a loopback stand-in for
    the channel's connector that accepts every message the bot sends them and keeps it. (The
    Playground has one user, and answers 500 to a message for anyone else, which the bot
    rightly takes as undelivered.) A person reaches the bot from here once they have acted
    with `BotProcess.invoke_as(..., service_url=clients.url)`: the bot then writes to their
    conversation, "a:e2e-<aad>", here.

    Use as a context manager; `cards_to(aad)` lists the cards each person was sent.
    """

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []  # (conversation id, activity)
        clients = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                parts = urllib.parse.unquote(self.path).strip("/").split("/")
                if parts[:2] == ["v3", "conversations"] and len(parts) == 2:
                    member = (body.get("members") or [{}])[0].get("id", "someone")
                    answer = {"id": f"a:e2e-{member.removeprefix('29:')}"}
                else:
                    clients.received.append((parts[2] if len(parts) > 2 else "", body))
                    answer = {"id": f"e2e-{uuid.uuid4().hex}"}
                self._answer(answer)

            def do_PUT(self) -> None:
                self.do_POST()

            def _answer(self, answer: Mapping[str, Any]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet: the bot logs its sends
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def cards_to(self, aad: str) -> list[dict[str, Any]]:
        """The Adaptive Cards sent to the person with `aad`, oldest first."""
        return [
            attachment["content"]
            for conversation, activity in list(self.received)
            if conversation == f"a:e2e-{aad}"
            for attachment in activity.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class PlaygroundProcess(ManagedProcess):
    """The Agents Playground (Teams channel) for the bot at `bot_port`, on loopback only."""

    def __init__(
        self,
        workdir: Path,
        bot_port: int,
        *,
        port: int | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        # It writes devTools/ logs into its working directory.
        super().__init__(
            "playground",
            playground_command(bot_port, self.port),
            cwd=workdir,
            env=playground_env(),
            log_dir=workdir / "logs",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        super().start()
        self.wait_until(lambda: _port_open(self.port), "listening port", self.startup_timeout)
        self.wait_until(lambda: http_status(self.url) == 200, "200 from /", self.startup_timeout)

    def log_tail(self, lines: int = 60) -> str:
        devtools = self.cwd / "devTools" / "m365agentsplayground.log"
        return f"{super().log_tail(lines)}\n--- {devtools} ---\n{_tail(devtools, lines)}"


# Text of every element matching `selector`, whitespace-collapsed (innerText: what is shown).
_TEXTS_JS = """
(selector) => Array.from(document.querySelectorAll(selector),
    (el) => el.innerText.replace(/\\s+/g, " ").trim())
"""

# True once `needle` occurs at least `want` times in the elements matching `selector`.
_COUNT_AT_LEAST_JS = """
([selector, needle, want]) => {
  let n = 0;
  for (const el of document.querySelectorAll(selector)) {
    n += el.innerText.replace(/\\s+/g, " ").trim().split(needle).length - 1;
  }
  return n >= want;
}
"""

# Ids that <label for> elements whose text (without aria-hidden parts such as the required
# marker "*") equals the wanted label point at, within `root`.
_LABEL_TARGETS_JS = """
(root, wanted) => {
  const norm = (s) => s.replace(/\\s+/g, " ").trim();
  const ids = [];
  for (const label of root.querySelectorAll("label[for]")) {
    const copy = label.cloneNode(true);
    copy.querySelectorAll('[aria-hidden="true"]').forEach((e) => e.remove());
    // A box's label states its limit (cards.common.limited): found by its name without it.
    const named = norm(copy.textContent)
      .replace(/; up to [0-9,]+ characters\\)( \\*)?$/, ")$1")
      .replace(/ \\(up to [0-9,]+ characters\\)( \\*)?$/, "$1");
    if (named === wanted) ids.push(label.htmlFor);
  }
  return ids;
}
"""

_FIELD_KIND_JS = """
(el) => ({
  tag: el.tagName.toLowerCase(),
  type: (el.getAttribute("type") || "").toLowerCase(),
  role: el.getAttribute("role") || "",
  date: !!el.closest(".fui-DatePicker"),
  time: !!el.closest(".fui-TimePicker"),
  checkboxes: el.querySelectorAll('input[type="checkbox"]').length,
  people: !!el.querySelector(".ms-PeoplePicker"),
})
"""

# What an input shows now: text for text/date/compact choice inputs, the checked choice's title
# for a radio group, the checked titles for a checkbox group or the chosen people.
_FIELD_VALUE_JS = """
(el) => {
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const title = (input) => norm(input.getAttribute("aria-label") ||
      (input.id && document.querySelector(`label[for="${input.id}"]`)?.innerText) || "");
  if (el.matches('input[type="checkbox"]')) return el.checked;
  if (el.getAttribute("role") === "radiogroup") {
    const on = el.querySelector('input[type="radio"]:checked');
    return on ? title(on) : "";
  }
  const people = el.querySelector(".ms-PeoplePicker");
  if (people) {
    return Array.from(people.querySelectorAll(".ms-Persona-primaryText"), (p) => norm(p.innerText));
  }
  const boxes = el.querySelectorAll('input[type="checkbox"]');
  if (boxes.length) return Array.from(boxes).filter((b) => b.checked).map(title);
  return "value" in el ? el.value : norm(el.innerText);
}
"""

_FACTS_JS = """
(root) => Array.from(root.querySelectorAll(".ac-fact-title"), (title) => {
  const value = title.nextElementSibling;
  const text = (el) => (el ? el.innerText.replace(/\\s+/g, " ").trim() : "");
  return [text(title), text(value)];
})
"""

FieldValue = str | bool | int | dt.date | dt.time | Sequence[str]


def saved_export(data_dir: Path, text: str, suffix: str) -> Path:
    """The file a local-mode "Your file is ready" card names (`bot.files.kept_here`: by its
    name in the bot's exports folder, never by the server's path), exactly as it is on disk
    (no look-alike dot or break in it: it can be copied to search for it)."""
    from tests.support.markdown import as_typed

    named = as_typed(text)
    assert str(data_dir.resolve()) not in named, f"the server's path is shown: {named!r}"
    found = re.search(rf"\b\d{{8}}-\d{{6}}-[0-9a-f]{{8}}-[A-Za-z0-9-]+\.{suffix}\b", text)
    assert found, f"no saved .{suffix} named on the card: {named!r}"
    [path] = (data_dir / "exports").rglob(found.group(0))
    return path.resolve()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Chat:
    """The Playground's personal chat, as the user sees it.

    Timeouts are in seconds. "New" text means it occurs more often in the bot's messages than
    it did just before the last `send()` or `click_button()`: this covers both a new message
    and a card the bot replaced in place.
    """

    def __init__(self, page: Page, *, timeout: float = 15.0, artifacts: Path = ARTIFACTS) -> None:
        self.page = page
        self.timeout = timeout
        self.artifacts = artifacts
        # Uncaught exceptions in the Playground's page (e.g. the renderer choking on a card).
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self._baseline: list[str] = []

    # -- locators ------------------------------------------------------------------------

    @property
    def textbox(self) -> Locator:
        return self.page.locator(TEXTBOX)

    @property
    def bot_messages(self) -> Locator:
        """Every message from the bot, oldest first (text and cards alike)."""
        return self.page.locator(BOT_MESSAGE)

    @property
    def user_messages(self) -> Locator:
        return self.page.locator(USER_MESSAGE)

    @property
    def cards(self) -> Locator:
        """Every top-level Adaptive Card in the conversation, oldest first."""
        return self.page.locator(BOT_MESSAGE).locator(CARD)

    def last_card(self) -> Locator:
        return self.cards.last

    def card_with(self, text: str) -> Locator:
        """The newest card whose text contains `text` (lazily re-evaluated)."""
        return self.cards.filter(has_text=text).last

    # -- actions -------------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Load the Playground: it then installs the bot (installationUpdate and
        conversationUpdate), so the bot's welcome follows on its own."""
        # The Playground's first load runs its whole bundle: on a loaded machine (2 cores, a
        # bot and a Playground per test) it took longer than the page's 15 s default.
        self.page.goto(url, timeout=self._ms(60.0))
        self.textbox.wait_for(state="visible", timeout=self._ms(30.0))
        self._baseline = []

    def send(self, text: str) -> None:
        """Type one line into the message box and press Enter; waits until it shows as sent."""
        if "\n" in text:
            raise ValueError("send() types one line: Enter sends the message")
        needle = _norm(text)
        before = sum(t.count(needle) for t in self._texts(USER_MESSAGE))
        self._mark()
        self.textbox.click()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self._wait_count(USER_MESSAGE, needle, before + 1, self.timeout, f"sent message {text!r}")

    def wait_for_text(
        self, text: str, timeout: float | None = None, *, new: bool = True
    ) -> Locator:
        """Wait until a bot message shows `text` (case-sensitive, whitespace-collapsed, as
        rendered), and return that message. With `new=False` any occurrence counts, however old.
        """
        needle = _norm(text)
        want = 1 + (sum(t.count(needle) for t in self._baseline) if new else 0)
        self._wait_count(BOT_MESSAGE, needle, want, timeout or self.timeout, repr(text))
        texts = self._texts(BOT_MESSAGE)
        index = max(i for i, t in enumerate(texts) if needle in t)
        return self.bot_messages.nth(index)

    def wait_for_any(self, *texts: str, timeout: float | None = None) -> str:
        """Wait until a bot message newly shows one of `texts` (as `wait_for_text`); return
        the first of them that did. For a step that can end in more than one card."""
        needles = [_norm(t) for t in texts]
        before = [sum(t.count(n) for t in self._baseline) for n in needles]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            shown = self._texts(BOT_MESSAGE)
            for text, needle, count in zip(texts, needles, before, strict=True):
                if sum(t.count(needle) for t in shown) > count:
                    return text
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"none of {list(texts)} appeared within {timeout or self.timeout:g}s.\n"
                    f"Conversation:\n{self.transcript()}"
                )
            self.page.wait_for_timeout(100)

    def wait_for_card(
        self, text: str, timeout: float | None = None, *, new: bool = True
    ) -> Locator:
        """Like `wait_for_text`, but returns the card (in that message) showing `text`."""
        message = self.wait_for_text(text, timeout, new=new)
        card = message.locator(CARD)
        if card.count() == 0:
            raise AssertionError(f"{text!r} arrived as plain text, not in a card")
        return card.first

    def click_button(self, title: str, within: Locator | None = None) -> None:
        """Click the card action titled `title` in `within` (default: the newest card)."""
        scope = within if within is not None else self.last_card()
        scope.wait_for(state="visible", timeout=self._ms(self.timeout))
        button = scope.get_by_role("button", name=title, exact=True)
        if button.count() == 0:
            raise AssertionError(
                f"no button {title!r} in the card; its buttons: {self._button_titles(scope)}"
            )
        self._mark()
        button.click()

    def fill(self, label: str, value: FieldValue, within: Locator | None = None) -> Locator:
        """Set the card input whose label (or toggle title, or placeholder) is `label`.

        Values: Input.Text/Number: str or int; Input.Date: `date` or "YYYY-MM-DD"; Input.Time:
        `time` or "HH:MM"; Input.ChoiceSet: the choice's title, or a list of titles when it is
        multi-select (exactly those end up selected); Input.Toggle: bool.
        """
        scope = within if within is not None else self.last_card()
        field = self._field(scope, label)
        kind: dict[str, Any] = field.evaluate(_FIELD_KIND_JS)
        if kind["type"] == "checkbox":
            if not isinstance(value, bool):
                raise TypeError(f"{label!r} is a toggle: pass True or False")
            field.set_checked(value)
        elif kind["role"] == "radiogroup":
            field.get_by_role("radio", name=str(value), exact=True).check()
        elif kind["checkboxes"]:
            self._tick(field, label, value)
        elif kind["people"]:
            self._pick_people(field, label, value)
        elif kind["date"] or kind["time"]:
            if isinstance(value, dt.time):
                text = value.isoformat(timespec="minutes")
            elif isinstance(value, dt.date):
                text = value.isoformat()
            else:
                text = str(value)
            field.fill(text)
            field.press("Enter")
            if field.get_attribute("aria-expanded") == "true":
                field.press("Escape")
            if not field.input_value():
                raise AssertionError(f"{label!r} did not accept {text!r}")
        elif kind["role"] == "combobox":
            self._choose(field, label, value)
        else:
            field.fill(str(value))
        return field

    def facts(self, within: Locator | None = None) -> dict[str, str]:
        """A card's fact set(s) as {title: value}, as rendered."""
        scope = within if within is not None else self.last_card()
        pairs: list[list[str]] = scope.evaluate(_FACTS_JS)
        return dict(pairs)

    def value(self, label: str, within: Locator | None = None) -> str | bool | list[str]:
        """What the input labelled `label` shows now: its text (a date as the picker formats
        it, a compact choice's title), a radio group's checked title, a checkbox group's (or
        people picker's) checked titles as a list, a toggle's state as a bool."""
        scope = within if within is not None else self.last_card()
        shown: str | bool | list[str] = self._field(scope, label).evaluate(_FIELD_VALUE_JS)
        return shown

    def card_screenshot(self, name: str, card: Locator) -> Path:
        """Save the whole of one card (however tall) as test-artifacts/e2e/<name>.png.

        The conversation scrolls inside the page, so a card taller than the window is drawn
        whole only in a window tall enough for it: the window grows for the shot, then shrinks.
        """
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / (name if name.endswith(".png") else f"{name}.png")
        viewport = self.page.viewport_size
        box = card.bounding_box()
        if viewport is not None and box is not None and box["height"] + 250 > viewport["height"]:
            tall: ViewportSize = {"width": viewport["width"], "height": int(box["height"]) + 400}
            self.page.set_viewport_size(tall)
            try:
                card.scroll_into_view_if_needed()
                card.screenshot(path=path)
            finally:
                self.page.set_viewport_size(viewport)
        else:
            card.screenshot(path=path)
        return path

    def screenshot(self, name: str, *, of: Locator | None = None) -> Path:
        """Save the viewport as test-artifacts/e2e/<name>.png (scrolling `of` into view)."""
        if of is not None:
            of.scroll_into_view_if_needed()
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / (name if name.endswith(".png") else f"{name}.png")
        self.page.screenshot(path=path)
        return path

    def transcript(self) -> str:
        """The conversation as text, for failure messages."""
        return "\n".join(f"bot: {t}" for t in self._texts(BOT_MESSAGE)) or "(no bot messages)"

    def diagnostics(self, name: str = "failure") -> list[tuple[str, str]]:
        """Screenshot and HTML of the page now, plus what the page itself reported."""
        sections = []
        try:
            shot = self.screenshot(name)
            html = shot.with_suffix(".html")
            html.write_text(self.page.content())
            sections.append(("playground page", f"screenshot: {shot}\nhtml: {html}"))
            sections.append(("conversation", self.transcript()))
        except Exception as error:  # the page may be gone; the logs still matter
            sections.append(("playground page", f"could not capture the page: {error}"))
        if self.page_errors:
            sections.append(("page errors", "\n".join(self.page_errors)))
        return sections

    # -- internals -----------------------------------------------------------------------

    def _ms(self, seconds: float) -> float:
        return seconds * 1000

    def _texts(self, selector: str) -> list[str]:
        texts: list[str] = self.page.evaluate(_TEXTS_JS, selector)
        return texts

    def mark(self) -> None:
        """Take what the chat shows now as the baseline of "new" text: before something that
        another person's action (not a send or click here) makes the bot post."""
        self._mark()

    def _mark(self) -> None:
        self._baseline = self._texts(BOT_MESSAGE)

    def _wait_count(self, selector: str, needle: str, want: int, timeout: float, what: str) -> None:
        try:
            self.page.wait_for_function(
                _COUNT_AT_LEAST_JS,
                arg=[selector, needle, want],
                timeout=self._ms(timeout),
                polling=100,
            )
        except PlaywrightTimeout:
            raise AssertionError(
                f"{what} did not appear within {timeout:g}s.\nConversation:\n{self.transcript()}"
            ) from None

    def _button_titles(self, scope: Locator) -> list[str]:
        titles: list[str] = scope.locator(".ac-actionSet button").evaluate_all(
            "(buttons) => buttons.map((b) => b.title || b.innerText)"
        )
        return titles

    def _field(self, scope: Locator, label: str) -> Locator:
        scope.wait_for(state="visible", timeout=self._ms(self.timeout))
        ids: list[str] = scope.evaluate(_LABEL_TARGETS_JS, _norm(label))
        if not ids:  # a required marker written into the label's text, not aria-hidden
            ids = scope.evaluate(_LABEL_TARGETS_JS, _norm(label) + " *")
        if len(ids) > 1:
            raise AssertionError(f"{len(ids)} inputs are labelled {label!r}")
        if ids:
            target = scope.locator(f'[id="{ids[0]}"]')
            if target.count() == 0:  # e.g. the people picker: its input has its own id
                return scope.locator(f'label[for="{ids[0]}"] + .ac-input-container')
            return target
        for candidate in (
            scope.get_by_label(label, exact=True),
            scope.get_by_placeholder(label, exact=True),
        ):
            if candidate.count() == 1:
                return candidate
        raise AssertionError(f"no input labelled {label!r} in the card")

    def _choose(self, field: Locator, label: str, value: FieldValue) -> None:
        if isinstance(value, str):
            wanted = [value]
        elif isinstance(value, Sequence):
            wanted = [str(v) for v in value]
        else:
            raise TypeError(f"{label!r} is a choice set: pass a choice's title (or a list)")
        if field.get_attribute("aria-expanded") != "true":
            field.click()
        popup_id = field.get_attribute("aria-controls")
        if not popup_id:
            raise AssertionError(f"{label!r} did not open its list of choices")
        popup = self.page.locator(f'[id="{popup_id}"]')
        checkboxes = popup.get_by_role("menuitemcheckbox")
        if checkboxes.count() == 0:  # single choice
            if len(wanted) != 1:
                raise TypeError(f"{label!r} takes one choice, not {wanted!r}")
            popup.get_by_role("option", name=str(wanted[0]), exact=True).click()
            return
        titles = [_norm(t) for t in checkboxes.all_inner_texts()]
        missing = [w for w in wanted if w not in titles]
        if missing:
            field.press("Escape")
            raise AssertionError(f"{label!r} has no choice(s) {missing}; it offers {titles}")
        for index, title in enumerate(titles):
            item = checkboxes.nth(index)
            if (item.get_attribute("aria-checked") == "true") != (title in wanted):
                item.click()
        field.press("Escape")

    def _tick(self, field: Locator, label: str, value: FieldValue) -> None:
        """An expanded multi-select ChoiceSet: a group of checkboxes, one per choice."""
        if isinstance(value, str):
            wanted = [value]
        elif isinstance(value, Sequence):
            wanted = [str(v) for v in value]
        else:
            raise TypeError(f"{label!r} is a choice set: pass a choice's title (or a list)")
        boxes = field.locator('input[type="checkbox"]')
        titles = [_norm(t or "") for t in boxes.evaluate_all("(bs) => bs.map((b) => b.ariaLabel)")]
        missing = [w for w in wanted if w not in titles]
        if missing:
            raise AssertionError(f"{label!r} has no choice(s) {missing}; it offers {titles}")
        for index, title in enumerate(titles):
            boxes.nth(index).set_checked(title in wanted)

    def _pick_people(self, field: Locator, label: str, value: FieldValue) -> None:
        """A people picker (the Playground draws one for `choices.data` Data.Query on
        graph.microsoft.com/users): type each person's first name, as a user would (the
        Playground's picker finds nobody for a whole name), then click their suggestion."""
        if isinstance(value, str):
            wanted = [value]
        elif isinstance(value, Sequence):
            wanted = [str(v) for v in value]
        else:
            raise TypeError(f"{label!r} is a people picker: pass a name (or a list)")
        box = field.locator("input").first
        for name in wanted:
            box.click()
            box.fill(name.split()[0])
            suggestions = self.page.locator(".ms-Suggestions [role=option]")
            suggestions.first.wait_for(state="visible", timeout=self._ms(self.timeout))
            match = suggestions.filter(
                has=self.page.locator(".ms-Persona-primaryText", has_text=name)
            )
            if match.count() == 0:
                offered = [_norm(t) for t in suggestions.all_inner_texts()]
                box.fill("")
                box.press("Escape")
                raise AssertionError(f"the people picker {label!r} suggests {offered} for {name!r}")
            match.first.click()
