"""Structured (JSON lines) logging that never prints a secret.

Log lines carry ids, verbs and outcomes. They never carry message text or card inputs: those
can hold special-category data about children.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from pydantic import BaseModel

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_BEARER = re.compile(r"(?i)bearer\s+[a-z0-9._\-]+")
# A bare JWT (a token logged without its "Bearer" scheme).
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# SQLAlchemy puts a statement's bound values in its errors ("[parameters: ('answer text',
# 7)]"): a failed write would otherwise log what the user typed.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*\]")
# PostgreSQL's own error text quotes the values too, whatever hide_parameters says: a
# duplicate key's DETAIL ("Key (name)=(what was typed) already exists"), a check's "Failing
# row contains (...)", and the value an input failed to parse as.
_SERVER_DETAIL = re.compile(r"DETAIL:(?s:.*?)(?=\n\[SQL:|\n(?:HINT|CONTEXT):|\n\n|\Z)")
# pydantic's validation errors quote each refused field's value ("[type=string_type,
# input_value='what was typed', input_type=str]"), in the message and the traceback alike.
_INPUT_VALUE = re.compile(r"input_value=(?s:.*?)(?=, input_type=)")
_SERVER_VALUES = re.compile(
    r"Key \((?s:.*?)\)=\((?s:.*?)\)(?= already exists| is (?:not present|still referenced))"
    r"|Failing row contains \(.*"
    r'|(invalid input (?:syntax|value) for (?:type |enum )?[\w ]+): "(?s:.*?)"'
    r"(?=\n[A-Z]+:|\n\[|\n\n|\Z)"
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            # RedactSecrets leaves the traceback already formatted and scrubbed in exc_text.
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RedactSecrets(logging.Filter):
    """Replaces configured secrets, bearer tokens, JWTs and SQL parameters wherever they appear
    in a record: the message, extra fields (nested too) and the traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._scrub(record.getMessage())
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                # Not only strings: a dict of headers or a list of form values can hold one too.
                setattr(record, key, self._scrub_value(value))
        if record.exc_info:
            # Exception messages quote requests and SQL parameters; format them here, scrubbed
            # (every formatter uses a record's exc_text when it is set).
            formatted = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._scrub(formatted)
        if record.stack_info:
            record.stack_info = self._scrub(record.stack_info)
        return True

    def _scrub_value(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dict):
            return {self._scrub(str(k)): self._scrub_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._scrub_value(item) for item in value]
        return self._scrub(str(value))  # what the JSON formatter would print anyway

    def _scrub(self, text: str) -> str:
        text = _BEARER.sub("Bearer [redacted]", text)
        text = _JWT.sub("[redacted]", text)
        text = _SQL_PARAMETERS.sub("[parameters: redacted]", text)
        text = _INPUT_VALUE.sub("input_value=[redacted]", text)
        text = _SERVER_DETAIL.sub("DETAIL: [redacted]", text)
        text = _SERVER_VALUES.sub(_server_value, text)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


class AgentsSdkRecords(logging.Filter):
    """The Agents SDK's own warnings and errors, less any that carries an activity (or another
    of its models, or a dict of one) as an argument: its body is what people typed and their
    names. A connector call the channel refused is a warning (_SDK_REFUSED_CALL). Field values
    quoted in a validation error are redacted by RedactSecrets. Its info and debug lines (a
    line per connector call, replies among them) stop at the logger's level (configure)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_AGENTS_SDK):
            return True
        if record.levelno == logging.ERROR and record.msg in _SDK_REFUSED_CALL:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        args = record.args
        if isinstance(args, Mapping):  # logging's form for a lone dict argument
            return False
        return not any(isinstance(arg, BaseModel | Mapping) for arg in args or ())


_AGENTS_SDK = "microsoft_agents"
# The SDK's connector logs every call the channel refuses at error level, then raises it
# (`connector/_utils.py` `_handle_request_error`); the edge judges what it raised, as on
# botbuilder: `Outbound` logs a refused proactive send at warning (someone who left the chat,
# or a Playground conversation that isn't open, is an ordinary answer) and a failed reply
# reaches the turn-error handler at error. The SDK's line, which names the resource, is kept
# at warning.
_SDK_REFUSED_CALL = ("Error accessing '%s': %s", "Bad request for '%s': %s")


def _server_value(match: re.Match[str]) -> str:
    what = match.group(1)
    return f"{what}: [redacted]" if what else "[redacted]"


def configure(level: str, secrets: Iterable[str]) -> None:
    # JsonFormatter writes none of the caller's file and line, thread or process: don't have
    # every record look them up (the logging HOWTO's "Optimization"; a line a turn, bench/).
    # Process-wide: stack_info=True would print nothing, and nothing here asks for it.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(AgentsSdkRecords())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # msrest logs request bodies at DEBUG: card contents must not reach the logs.
    logging.getLogger("msrest").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # The Agents SDK logs every connector call at info (a reply's ids and type): warnings and
    # errors only, narrowed by AgentsSdkRecords, with pydantic's input values redacted.
    sdk = logging.getLogger(_AGENTS_SDK)
    sdk.setLevel(max(logging.WARNING, root.level))
