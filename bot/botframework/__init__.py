"""The Bot Framework transport: what the bot sends over the network, without the stock waste.

botbuilder 4.17's CloudAdapter builds a new msrest `ConnectorClient`, new credentials (and with
them a new MSAL app, so a new token) and a new `TokenApiClient` on every turn, then sends with
`requests` in the default thread pool (docs/teams-platform.md, docs/architecture.md §7).
This package, the botbuilder edge's transport in one module per concern (`connector`,
`tokens`, `signing_keys`, `wire`, `errors`), keeps the turn model (CloudAdapter's pipeline,
ActivityHandler, TurnContext) and replaces only the transport:

- `PooledAuthentication` wraps the SDK's `BotFrameworkAuthentication`: request validation is
  the SDK's own, but the connector factory it hands out returns a cached `PooledConnectorClient`
  per (service URL, app id, audience), and the user-token client is only built if used.
- `PooledConnectorClient.conversations` (send, reply, update, delete, create conversation)
  sends the JSON msrest would send (`encode`: tested equal to msrest's output; ~60 µs for a
  12-block card where msrest takes ~1.7 ms) through one pooled `aiohttp.ClientSession`.
  Other operations fall back to the stock msrest client for that service URL.
- `card_activity` builds a card message TurnContext sends without deep-copying the card.
- `TokenCache` keeps one credentials object (one MSAL app) per app id and audience and caches
  its token until shortly before it expires; fetching and refreshing run in a worker thread,
  never on the event loop. Local mode (no app id) sends no token at all.
- `install_signing_key_cache()` makes the SDK's OpenID metadata / signing-key refresh (blocking
  `requests.get` on the loop, with no timeout) run in a worker thread, single-flight, and keeps
  serving the known keys while a daily refresh runs.
- Connector failures raise `ConnectorError`, an `ErrorResponseException` with the shape the
  stock client gives (`response.status_code`, `response.headers["Retry-After"]`,
  `response.text`, `error.error.code`), so callers handle both alike.

`bot/pacing.py` (`RateLimiter`, framework-free) paces proactive sends to Teams' published
limits (docs/teams-platform.md) in this process.
"""
