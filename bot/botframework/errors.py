"""Connector failures, shaped as botbuilder's stock client raises them, so callers handle
both alike (`response.status_code`, `response.headers["Retry-After"]`, `error.error.code`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from botbuilder.schema import (
    ErrorResponse,
)
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError
from multidict import CIMultiDict

from bot.pacing import retry_after_seconds

log = logging.getLogger(__name__)


class ConnectorResponse:
    """What a failed connector call answered, shaped like the `requests.Response` msrest keeps."""

    def __init__(self, status_code: int, headers: CIMultiDict[str], text: str, reason: str):
        self.status_code = status_code
        self.headers = headers
        self.text = text
        self.reason = reason

    def json(self) -> Any:
        return json.loads(self.text)


class ConnectorError(ErrorResponseException):  # type: ignore[misc]  # botbuilder is untyped
    """The connector answered an error status. Same shape as the stock client's exception."""

    def __init__(self, method: str, url: str, response: ConnectorResponse) -> None:
        Exception.__init__(self, f"{method} {url} answered {response.status_code}")
        self.inner_exception = None
        self.response = response
        self.error = _error_body(response.text)
        code = getattr(getattr(self.error, "error", None), "code", None)
        self.message = (
            f"({code}) {self.error.error.message}"
            if code
            else f"Operation returned an invalid status code {response.reason!r}"
        )

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def code(self) -> str | None:
        value = getattr(getattr(self.error, "error", None), "code", None)
        return str(value) if value else None

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.response.headers.get("Retry-After"))


class ConnectorUnreachable(ClientRequestError):
    """The connector could not be reached or did not answer in time (no status)."""


def _error_body(text: str) -> Any:
    try:
        return ErrorResponse.deserialize(json.loads(text))
    except Exception:
        return ErrorResponse()


def log_failure(what: str) -> Callable[[asyncio.Future[None]], None]:
    def retrieve(task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.warning(what, extra={"error_type": type(error).__name__})

    return retrieve
