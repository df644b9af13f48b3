"""A minimal Teams bot for testing the e2e harness itself (run: python stub_bot.py PORT).

"inputs" replies with a card holding one of each Adaptive Card input; its Save button
(Action.Execute) answers with a card listing the values received, as facts. Anything else is
echoed. Only aiohttp: it does not import the project.
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import ClientSession, web

CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def _choices(*titles: str) -> list[dict[str, str]]:
    return [{"title": title, "value": title.lower()} for title in titles]


INPUTS_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Every input", "size": "Large", "weight": "Bolder"},
        {"type": "Input.Text", "id": "summary", "label": "Summary", "isRequired": True,
         "errorMessage": "Say what happened"},
        {"type": "Input.Text", "id": "detail", "label": "Detail", "isMultiline": True},
        {"type": "Input.Number", "id": "count", "label": "How many"},
        {"type": "Input.Date", "id": "due", "label": "Due date"},
        {"type": "Input.Time", "id": "at", "label": "Meeting time"},
        {"type": "Input.ChoiceSet", "id": "agency", "label": "Agency", "style": "compact",
         "choices": _choices("Police", "Health", "Education")},
        {"type": "Input.ChoiceSet", "id": "rating", "label": "Rating", "style": "expanded",
         "choices": _choices("Good", "Poor")},
        {"type": "Input.ChoiceSet", "id": "themes", "label": "Themes", "isMultiSelect": True,
         "choices": _choices("Voice", "Escalation", "Records")},
        {"type": "Input.ChoiceSet", "id": "teams", "label": "Teams *", "isMultiSelect": True,
         "style": "expanded", "choices": _choices("North", "South", "East")},
        {"type": "Input.Toggle", "id": "urgent", "label": "Urgency", "title": "Urgent",
         "valueOn": "yes", "valueOff": "no"},
    ],
    "actions": [{"type": "Action.Execute", "title": "Save", "verb": "save"}],
}  # fmt: skip


def _received_card(data: dict[str, Any]) -> dict[str, Any]:
    facts = [
        {"title": key, "value": str(value).replace("\n", " | ")}
        for key, value in sorted(data.items())
    ]
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Received", "weight": "Bolder"},
            {"type": "FactSet", "facts": facts},
        ],
    }


async def messages(request: web.Request) -> web.Response:
    body = await request.json()
    print("received", body.get("type"), body.get("name") or "", flush=True)
    if body["type"] == "invoke":
        data = ((body.get("value") or {}).get("action") or {}).get("data") or {}
        card = _received_card(data)
        return web.json_response({"statusCode": 200, "type": CARD_TYPE, "value": card})
    if body["type"] == "message":
        text = (body.get("text") or "").strip()
        reply: dict[str, Any] = {"type": "message"}
        if text == "inputs":
            reply["attachments"] = [{"contentType": CARD_TYPE, "content": INPUTS_CARD}]
        else:
            reply["text"] = f"echo: {text}"
        reply.update(
            {
                "from": body["recipient"],
                "recipient": body["from"],
                "conversation": body["conversation"],
                "replyToId": body.get("id"),
            }
        )
        service = body["serviceUrl"].rstrip("/")
        url = f"{service}/v3/conversations/{body['conversation']['id']}/activities"
        async with ClientSession() as http, http.post(url, json=reply) as response:
            print("replied", response.status, flush=True)
    return web.Response(status=201)


async def readyz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> None:
    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/readyz", readyz)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
