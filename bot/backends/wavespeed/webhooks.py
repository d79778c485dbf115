"""Signed WaveSpeed webhooks: verification and the small aiohttp server that receives them.

WaveSpeed signs `"{webhook-id}.{webhook-timestamp}.{raw body}"` with HMAC-SHA256, keyed with
the account's webhook secret minus its `whsec_` prefix, and sends `webhook-signature: v3,<hex>`.
A delivery older (or newer) than five minutes is refused as a possible replay.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping

from aiohttp import web

from bot.backends.wavespeed.prediction import Prediction

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/wavespeed"
MAX_AGE_SECONDS = 300
SIGNATURE_VERSION = "v3"
MAX_BODY_BYTES = 1024 * 1024


class WebhookRejected(Exception):
    """The request is not a genuine, fresh WaveSpeed delivery."""


def signing_key(secret: str) -> bytes:
    return secret.removeprefix("whsec_").encode()


def expected_signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return hmac.new(signing_key(secret), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> None:
    """Raise `WebhookRejected` unless the headers carry a valid, fresh signature of `body`."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signatures):
        raise WebhookRejected("missing webhook headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected("bad webhook-timestamp") from None
    if abs((time.time() if now is None else now) - sent_at) > MAX_AGE_SECONDS:
        raise WebhookRejected("webhook-timestamp outside the 5-minute window")
    wanted = expected_signature(secret, webhook_id, timestamp, body)
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(value.strip().lower(), wanted):
            return
    raise WebhookRejected("signature mismatch")


class WebhookServer:
    """POST /webhooks/wavespeed → `on_prediction(prediction)` for verified deliveries.

    Answers fast (2xx) and does no work beyond parsing: the waiting job picks the result up.
    """

    def __init__(self, secret: str, on_prediction: Callable[[Prediction], None]) -> None:
        self._secret = secret
        self._on_prediction = on_prediction
        self._runner: web.AppRunner | None = None
        self.accepted = 0
        self.rejected = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(WEBHOOK_PATH, self._handle)
        return app

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("WaveSpeed webhook receiver listening on %s:%s%s", host, port, WEBHOOK_PATH)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify(self._secret, request.headers, body)
        except WebhookRejected as exc:
            self.rejected += 1
            log.warning("rejected a webhook from %s: %s", request.remote, exc)
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            prediction = Prediction.from_data(_payload(json.loads(body)))
        except ValueError as exc:
            log.warning("signed webhook with an unreadable body: %s", exc)
            return web.json_response({"error": "bad payload"}, status=400)
        self.accepted += 1
        self._on_prediction(prediction)
        return web.json_response({"ok": True})


def _payload(body: object) -> object:
    """The prediction in a delivery (documented bare; accept an envelope too)."""
    if isinstance(body, dict) and "status" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body
