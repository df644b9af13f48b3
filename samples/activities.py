"""Load the sample Teams activities (samples/teams/) and adapt them for one test or bench
turn."""

from __future__ import annotations

import copy
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "teams"
TENANT = "9f3e2c1a-5b7d-4e8f-a1c2-3d4e5f6a7b8c"
USER_AAD = "0c8a7b6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


@cache
def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def activity(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """A fixture with serviceUrl pointed at the fake connector and top-level keys replaced."""
    body = copy.deepcopy(_raw(name))
    body["serviceUrl"] = service_url
    # Teams gives every activity its own id (a retried delivery repeats it): so do tests.
    body["id"] = f"f:{uuid.uuid4().hex}"
    body.update(changes)
    return body


def as_user(
    body: dict[str, Any], aad: str, teams_id: str | None = None, name: str = "Practitioner B"
) -> dict[str, Any]:
    body["from"] = {"id": teams_id or f"29:{aad}", "name": name, "aadObjectId": aad}
    return body


def message(service_url: str, text: str) -> dict[str, Any]:
    return activity("message-text-personal", service_url, text=text)


def invoke(service_url: str, verb: Any, data: Any = None) -> dict[str, Any]:
    value = {
        "action": {
            "type": "Action.Execute",
            "id": "",
            "verb": verb,
            "data": {} if data is None else data,
        },
        "trigger": "manual",
    }
    return activity("invoke-adaptive-card-action", service_url, value=value)


def submit(service_url: str, value: Any) -> dict[str, Any]:
    return activity("message-action-submit", service_url, value=value)
