"""`FakeWaveSpeed`: an aiohttp server that behaves like WaveSpeed's documented REST API.

Same paths and `{code, message, data}` envelope; tasks go created → processing → completed
(or failed) as time passes; bearer auth; 429 over a concurrency limit; signed webhooks; the
balance and webhook-secret endpoints; the media upload flow; real audio at the output URLs;
and the faults of `FakeConfig.faults`. Counters (`requests`, `tasks`, `webhook_deliveries`) let
tests assert what a client really sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.backends.base import GenerationSpec
from bot.fake_wavespeed.audio import CONTENT_TYPES, OutputCache
from bot.fake_wavespeed.config import FakeConfig, FaultRule

log = logging.getLogger(__name__)

Handler = Any


@dataclass
class FakeTask:
    id: str
    model: str
    input: dict[str, Any]
    started: float
    latency: float
    queue_time: float
    outcome: str
    """What it ends as: completed or failed."""
    nsfw: bool
    created_at: str
    webhook: str | None = None
    result_gets: int = 0

    def status(self, now: float) -> str:
        elapsed = now - self.started
        if elapsed < self.queue_time:
            return "created"
        if elapsed < self.latency:
            return "processing"
        return self.outcome

    @property
    def spec(self) -> GenerationSpec:
        def number(name: str, default: int) -> int:
            try:
                return int(float(self.input.get(name, default)))
            except (TypeError, ValueError):
                return default

        return GenerationSpec(
            str(self.input.get("tags", "")),
            str(self.input.get("lyrics", "")),
            max(1, min(number("duration", 60), 240)),
            number("seed", -1),
        )


@dataclass
class WebhookDelivery:
    task_id: str
    url: str
    status: int | None
    """The receiver's HTTP status, or None when it could not be reached."""


@dataclass
class _Upload:
    content_type: str
    filename: str
    data: bytes | None = None


@dataclass
class _State:
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    uploads: dict[str, _Upload] = field(default_factory=dict)


class FakeWaveSpeed:
    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.requests: Counter[str] = Counter()
        """Requests received per endpoint: submit, result, output, balance, secret, upload, …"""
        self.submitted: list[FakeTask] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._delivered = asyncio.Event()
        self.balance = self.config.balance
        self._state = _State()
        self._rng = random.Random(self.config.seed)
        self._outputs = OutputCache(self.config.sample_rate, self.config.output_seconds)
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    @property
    def tasks(self) -> dict[str, FakeTask]:
        return self._state.tasks

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on config.host:port (port 0 = a free one); return the base URL."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        server = site._server
        assert server is not None and hasattr(server, "sockets")
        port = server.sockets[0].getsockname()[1]
        host = "127.0.0.1" if self.config.host in ("0.0.0.0", "::", "") else self.config.host
        self.base_url = (self.config.public_url or f"http://{host}:{port}").rstrip("/")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self.base_url

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth], client_max_size=256 * 1024 * 1024)
        r = app.router
        r.add_get("/api/v3/predictions/{id}/result", self._result)
        r.add_get("/api/v3/predictions/{id}", self._result)
        r.add_get("/api/v3/balance", self._balance)
        r.add_get("/api/v3/webhook/secret", self._secret)
        r.add_post("/api/v3/media/uploads", self._upload_ticket)
        r.add_post("/api/v3/{model:.+}", self._submit)
        r.add_put("/uploads/{token}", self._upload_put)
        r.add_get("/media/{token}/{name}", self._media)
        r.add_get("/outputs/{name}", self._output)
        r.add_get("/_fake/stats", self._stats)
        return app

    # --- middleware + helpers ----------------------------------------------------------

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            scheme, _, key = request.headers.get("Authorization", "").partition(" ")
            wanted = self.config.api_key
            if scheme.lower() != "bearer" or not key.strip() or (wanted and key.strip() != wanted):
                self.requests["unauthorized"] += 1
                return _error(401, "Unauthorized: invalid or missing API key")
        response: web.StreamResponse = await handler(request)
        return response

    def _fault(self, endpoint: str) -> FaultRule | None:
        for rule in self.config.faults:
            if rule.endpoint != endpoint or (rule.times is not None and rule.fired >= rule.times):
                continue
            if self._rng.random() < rule.rate:
                rule.fired += 1
                return rule
        return None

    async def _before(
        self, endpoint: str, request: web.Request
    ) -> tuple[FaultRule | None, web.StreamResponse | None]:
        """Count the request and apply faults that act before the work is done."""
        self.requests[endpoint] += 1
        rule = self._fault(endpoint)
        if rule is None:
            return None, None
        if rule.kind == "slow" and endpoint != "submit":
            await asyncio.sleep(self.config.slow_seconds)
            return None, None
        if rule.status is not None:
            message = _STATUS_MESSAGES.get(rule.status, "fault injected")
            if self.config.error_body == "html":
                return rule, _html_error(rule.status, message, self.config.retry_after)
            return rule, _error(rule.status, message, self.config.retry_after)
        if rule.kind == "drop" and endpoint != "submit":
            return rule, _drop(request)
        return rule, None

    async def _envelope(
        self, data: object, rule: FaultRule | None, request: web.Request
    ) -> web.StreamResponse:
        if rule is not None and rule.kind == "drop":
            return _drop(request)
        if rule is not None and rule.kind == "trickle":
            body = json.dumps({"code": 200, "message": "success", "data": data}).encode()
            return await _trickle(request, body, self.config.slow_seconds)
        if rule is not None and rule.kind == "malformed":
            return web.Response(
                text='{"code": 200, "message": "success", "data": {"id',
                content_type="application/json",
            )
        return web.json_response({"code": 200, "message": "success", "data": data})

    def _task_data(self, task: FakeTask) -> dict[str, Any]:
        status = task.status(time.monotonic())
        done = status == "completed"
        ext = self.config.output_format
        return {
            "id": task.id,
            "model": task.model,
            "input": task.input,
            "outputs": [f"{self.base_url}/outputs/{task.id}.{ext}"] if done else [],
            "urls": {"get": f"{self.base_url}/api/v3/predictions/{task.id}/result"},
            "has_nsfw_contents": [task.nsfw] if done else [],
            "status": status,
            "created_at": task.created_at,
            "error": self.config.fail_message if status == "failed" else "",
            "executionTime": int(task.latency * 1000) if status in ("completed", "failed") else 0,
            "timings": {"inference": int(task.latency * 1000) if done else 0},
        }

    def _unfinished(self) -> int:
        now = time.monotonic()
        return sum(1 for t in self.tasks.values() if t.status(now) in ("created", "processing"))

    # --- API ---------------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        rule, early = await self._before("submit", request)
        if early is not None:
            return early
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, "Invalid JSON body")
        if not isinstance(body, dict):
            return _error(400, "Invalid JSON body")
        model = request.match_info["model"]
        if not str(body.get("tags") or body.get("prompt") or "").strip():
            return _error(400, "tags is required")
        invalid = _invalid_parameter(body)
        if invalid:
            return _error(400, invalid)
        cfg = self.config
        if cfg.max_concurrency and self._unfinished() >= cfg.max_concurrency:
            return _error(429, "Too many requests: concurrency limit reached", cfg.retry_after)
        cost = _duration(body) * cfg.price_per_second
        if self.balance < cost:
            return _error(
                400,
                f"Insufficient balance: your balance is ${self.balance:.4f}, this task costs "
                f"${cost:.4f}. Please top up.",
            )
        self.balance -= cost
        task = FakeTask(
            id=secrets.token_hex(16),
            model=model,
            input=body,
            started=time.monotonic(),
            latency=cfg.latency,
            queue_time=min(cfg.effective_queue_time, cfg.latency),
            outcome="failed" if self._rng.random() < cfg.fail_rate else "completed",
            nsfw=self._rng.random() < cfg.nsfw_rate,
            created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            webhook=request.query.get("webhook") or None,
        )
        self.tasks[task.id] = task
        self.submitted.append(task)
        if task.webhook:
            self._spawn(self._deliver_webhook(task))
        if rule is not None and rule.kind == "slow":
            await asyncio.sleep(cfg.slow_seconds)
        return await self._envelope(self._task_data(task), rule, request)

    async def _result(self, request: web.Request) -> web.StreamResponse:
        rule, early = await self._before("result", request)
        if early is not None:
            return early
        task = self.tasks.get(request.match_info["id"])
        if task is None:
            return _error(404, "Prediction not found")
        task.result_gets += 1
        return await self._envelope(self._task_data(task), rule, request)

    async def _balance(self, request: web.Request) -> web.StreamResponse:
        rule, early = await self._before("balance", request)
        return early or await self._envelope({"balance": round(self.balance, 6)}, rule, request)

    async def _secret(self, request: web.Request) -> web.StreamResponse:
        rule, early = await self._before("secret", request)
        return early or await self._envelope({"secret": self.config.webhook_secret}, rule, request)

    async def _upload_ticket(self, request: web.Request) -> web.StreamResponse:
        rule, early = await self._before("upload", request)
        if early is not None:
            return early
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("filename"):
            return _error(400, "filename is required")
        token = secrets.token_hex(12)
        name = str(body["filename"]).rsplit("/", 1)[-1] or "upload"
        content_type = str(body.get("content_type") or "application/octet-stream")
        self._state.uploads[token] = _Upload(content_type, name)
        ticket = {
            "upload": {
                "method": "PUT",
                "url": f"{self.base_url}/uploads/{token}",
                "headers": {"Content-Type": content_type},
            },
            "download_url": f"{self.base_url}/media/{token}/{name}",
        }
        return await self._envelope(ticket, rule, request)

    async def _upload_put(self, request: web.Request) -> web.StreamResponse:
        self.requests["upload_put"] += 1
        upload = self._state.uploads.get(request.match_info["token"])
        if upload is None:
            return web.Response(status=403, text="unknown or expired upload URL")
        upload.data = await request.read()
        return web.Response(status=200)

    async def _media(self, request: web.Request) -> web.StreamResponse:
        self.requests["media"] += 1
        upload = self._state.uploads.get(request.match_info["token"])
        if upload is None or upload.data is None or upload.filename != request.match_info["name"]:
            return web.Response(status=404, text="not found")
        return web.Response(body=upload.data, content_type=upload.content_type)

    async def _output(self, request: web.Request) -> web.StreamResponse:
        rule, early = await self._before("output", request)
        if early is not None:
            return early
        task_id, _, ext = request.match_info["name"].partition(".")
        task = self.tasks.get(task_id)
        if task is None or ext not in CONTENT_TYPES or task.status(time.monotonic()) != "completed":
            return web.Response(status=404, text="not found")
        if rule is not None and rule.kind == "garbage":
            return web.Response(body=_GARBAGE, content_type="application/octet-stream")
        data = await self._outputs.get(task.spec, ext)
        if rule is not None and rule.kind == "oversized":
            return await _stream(
                request, data, int(self.config.oversized_mb * 1024 * 1024), CONTENT_TYPES[ext]
            )
        if rule is not None and rule.kind == "drop":
            response = web.StreamResponse(
                headers={"Content-Type": CONTENT_TYPES[ext], "Content-Length": str(len(data))}
            )
            await response.prepare(request)
            await response.write(data[: len(data) // 2])
            _drop(request)
            return response
        return web.Response(body=data, content_type=CONTENT_TYPES[ext])

    async def _stats(self, request: web.Request) -> web.StreamResponse:
        """Not part of WaveSpeed: the fake's counters, for benchmarks in another process."""
        return web.json_response(
            {
                "requests": dict(self.requests),
                "tasks": len(self.tasks),
                "result_gets_per_task": [t.result_gets for t in self.submitted],
                "webhooks": len(self.webhook_deliveries),
            }
        )

    # --- webhooks ----------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver_webhook(self, task: FakeTask) -> None:
        await asyncio.sleep(task.latency)
        rule = self._fault("webhook")
        if rule is not None and rule.kind == "drop":
            return
        if rule is not None and rule.kind == "slow":
            await asyncio.sleep(self.config.slow_seconds)
        data = self._task_data(task)
        payload = {
            k: data[k]
            for k in (
                "id",
                "model",
                "input",
                "outputs",
                "urls",
                "has_nsfw_contents",
                "status",
                "created_at",
                "error",
            )
        }
        body = json.dumps(payload).encode()
        webhook_id = secrets.token_hex(12)
        timestamp = str(
            int(time.time()) - (600 if rule is not None and rule.kind == "stale" else 0)
        )
        key = self.config.webhook_secret.removeprefix("whsec_").encode()
        if rule is not None and rule.kind == "forge":
            key = b"not-the-secret"
        digest = hmac.new(
            key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": f"v3,{digest}",
        }
        assert self._session is not None and task.webhook is not None
        status: int | None
        try:
            async with self._session.post(task.webhook, data=body, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("webhook to %s failed: %s", task.webhook, exc)
            status = None
        self.webhook_deliveries.append(WebhookDelivery(task.id, task.webhook, status))
        self._delivered.set()

    async def webhooks_delivered(self, count: int = 1) -> None:
        """Return once at least `count` webhook deliveries were attempted."""
        while len(self.webhook_deliveries) < count:
            self._delivered.clear()
            await self._delivered.wait()


_GARBAGE = b"<html><body>Access denied</body></html>\n" * 100
"""An output that is no audio format (what a misrouted CDN answer looks like)."""
_STATUS_MESSAGES = {
    429: "Too many requests: rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}


def _retry_after_headers(status: int, retry_after: float | str | None) -> dict[str, str] | None:
    if status not in (429, 503) or retry_after is None:
        return None
    value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
    return {"Retry-After": value}


def _error(status: int, message: str, retry_after: float | str | None = None) -> web.Response:
    body = {"code": status, "message": message, "error_code": status, "data": None}
    return web.json_response(body, status=status, headers=_retry_after_headers(status, retry_after))


def _html_error(status: int, message: str, retry_after: float | str | None) -> web.Response:
    """What a proxy or CDN in front of the API answers: an HTML page, not the JSON envelope."""
    page = (
        f"<html><head><title>{status} {message}</title></head><body><center><h1>{status} "
        f"{message}</h1></center><hr><center>cloudflare · image credit: us</center></body></html>"
    )
    return web.Response(
        text=page,
        status=status,
        content_type="text/html",
        headers=_retry_after_headers(status, retry_after),
    )


def _invalid_parameter(body: dict[str, Any]) -> str:
    """The documented ranges of ACE-Step's parameters (duration 5–240, seed −1…2147483647);
    the real API refuses values outside them rather than clamping (and billing) them."""
    for name, low, high in (("duration", 5, 240), ("seed", -1, 2147483647)):
        if name not in body:
            continue
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} must be a number"
        if not low <= value <= high:
            return f"{name} must be between {low} and {high}"
    return ""


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer (what a reset or a crashed proxy looks like)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


def _duration(body: dict[str, Any]) -> float:
    try:
        return max(1.0, min(float(body.get("duration", 60)), 240.0))
    except (TypeError, ValueError):
        return 60.0


async def _trickle(request: web.Request, body: bytes, interval: float) -> web.StreamResponse:
    """`body` one byte every `interval` seconds (a stalled proxy that never quite times out)."""
    response = web.StreamResponse(
        headers={"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    await response.prepare(request)
    try:
        for i in range(len(body)):
            await response.write(body[i : i + 1])
            await asyncio.sleep(interval)
    except (ConnectionError, aiohttp.ClientConnectionResetError):
        return response
    await response.write_eof()
    return response


async def _stream(
    request: web.Request, data: bytes, size: int, content_type: str
) -> web.StreamResponse:
    """`data` padded with silence-like zeros to `size` bytes, streamed."""
    response = web.StreamResponse(headers={"Content-Type": content_type})
    await response.prepare(request)
    await response.write(data)
    chunk = bytes(256 * 1024)
    sent = len(data)
    try:
        while sent < size:
            await response.write(chunk)
            sent += len(chunk)
    except (ConnectionError, aiohttp.ClientConnectionResetError):
        return response
    await response.write_eof()
    return response
