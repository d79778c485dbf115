"""`WaveSpeedClient`: WaveSpeed's REST API over one `httpx.AsyncClient`.

Retry rules (the official SDKs agree on the first two):

- A submit POST whose outcome is unknown is never re-sent: a read timeout, a connection reset
  or closed after the request went out, or an unreadable answer raise `SubmitOutcomeUnknown`.
  The task may exist and be billed; re-sending could make (and bill) the song twice.
- A 5xx answer to a submit is treated the same way. A gateway's 502/504, or a 500 raised after
  the task was stored, can come from a request that did create a task, and WaveSpeed offers no
  idempotency key or lookup to find out. A user asking again costs one message; a silent
  duplicate costs money and a second song. (The official SDK never retries a POST either.)
- A submit that certainly created nothing is retried a few times with back-off: connection
  refused / connect or pool timeout (nothing was sent) and 429 (honouring `Retry-After`).
- Result GETs and downloads are idempotent: this class raises a `retryable` error and the
  caller's poll loop (see `backend.py`) decides when to ask again.

The API key is only sent to `base_url`: output files live on a CDN and are fetched without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as quote_path

import httpx

from bot.audio import AudioFormat, detect_format
from bot.backends.base import (
    BackendError,
    BackendTimeout,
    OutputError,
    RateLimited,
    SubmitOutcomeUnknown,
    UpstreamError,
)
from bot.backends.wavespeed.errors import Step, error_for_status, quote
from bot.backends.wavespeed.prediction import Prediction
from bot.backends.wavespeed.schedule import SubmitRetry, parse_retry_after

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.wavespeed.ai"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
SUBMIT_READ_TIMEOUT = 60.0
"""A submit timing out is an unknown outcome, so it gets more headroom than a GET."""
REQUEST_DEADLINE = 120.0
"""Whole-request bound for API calls: httpx's read timeout restarts at every byte received,
so an answer trickling in (a stalled proxy) would otherwise never end."""
DOWNLOAD_TIMEOUT = 180.0
API_CONCURRENCY = 12
DOWNLOAD_CONCURRENCY = 4
DEFAULT_SUBMIT_RETRY = SubmitRetry()
MB = 1024 * 1024
MIME_TYPES: dict[AudioFormat, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_DOWNLOAD_ATTEMPTS = 3


class UnreadableAnswer(UpstreamError):
    default_message = "The music service sent an answer the bot could not read."


@dataclass
class ClientStats:
    """Requests sent by this client (for tests, benchmarks and logs)."""

    submits: int = 0
    result_gets: int = 0
    downloads: int = 0


@dataclass(frozen=True)
class Download:
    data: bytes
    content_type: str
    format: AudioFormat


class WaveSpeedClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        submit_read_timeout: float = SUBMIT_READ_TIMEOUT,
        download_timeout: float = DOWNLOAD_TIMEOUT,
        request_deadline: float = REQUEST_DEADLINE,
        max_download_bytes: int = 100 * MB,
        download_backoff: float = 0.5,
        submit_retry: SubmitRetry = DEFAULT_SUBMIT_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
        api_concurrency: int = API_CONCURRENCY,
        download_concurrency: int = DOWNLOAD_CONCURRENCY,
    ) -> None:
        """`api_concurrency` / `download_concurrency`: requests in flight at once. Jobs beyond
        them wait on a semaphore (cheap) rather than in httpcore's pool queue, whose scan grows
        with the square of the queue (thousands of polling jobs made it the main CPU cost);
        downloads get their own slots so big files never hold up the polls."""
        self.base_url = base_url.rstrip("/")
        self.stats = ClientStats()
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self._timeout = timeout
        self._submit_timeout = timeout.as_dict() | {"read": submit_read_timeout}
        self._download_timeout = download_timeout
        self._deadline = request_deadline
        self._max_download = max_download_bytes
        self._download_backoff = download_backoff
        self._api_slots = asyncio.Semaphore(api_concurrency)
        self._download_slots = asyncio.Semaphore(download_concurrency)
        self._submit_retry = submit_retry
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(
                max_connections=api_concurrency + download_concurrency,
                max_keepalive_connections=api_concurrency + download_concurrency,
            ),
            headers={"User-Agent": "songbot (+wavespeed client)"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- API calls ---------------------------------------------------------------------

    async def submit(
        self, model: str, params: Mapping[str, Any], *, webhook_url: str | None = None
    ) -> Prediction:
        """Create a task. Re-sent only when it certainly did not reach WaveSpeed (see above)."""
        policy = self._submit_retry
        query = {"webhook": webhook_url} if webhook_url else None
        for attempt in range(1, policy.attempts + 1):
            try:
                self.stats.submits += 1
                async with self._api_slots, asyncio.timeout(self._deadline):
                    response = await self._http.post(
                        self._url(f"/api/v3/{model}"),
                        json=dict(params),
                        params=query,
                        headers=self._auth,
                        timeout=httpx.Timeout(**self._submit_timeout),
                    )
            except TimeoutError as exc:
                raise SubmitOutcomeUnknown(
                    detail=f"no complete answer within {self._deadline:g}s"
                ) from exc
            except _NOT_SENT as exc:
                error: BackendError = UpstreamError(
                    "The bot could not reach the music service.", detail=_describe(exc)
                )
                retry_after = None
            except httpx.TransportError as exc:
                raise SubmitOutcomeUnknown(detail=_describe(exc)) from exc
            else:
                try:
                    data = self._data(response, step="submit")
                    return Prediction.from_data(data)
                except RateLimited as exc:
                    error, retry_after = exc, exc.retry_after
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise
                except (UpstreamError, BackendTimeout, ValueError) as exc:
                    raise _unknown_after_answer(response, exc) from exc
            if attempt == policy.attempts:
                raise error
            delay = policy.delay(attempt, retry_after)
            log.info("submit not accepted (%s); retrying in %.1fs", error.detail, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def result(self, task_id: str) -> Prediction:
        """One result check. Transient failures raise a `retryable` error."""
        self.stats.result_gets += 1
        data = await self._get(
            f"/api/v3/predictions/{quote_path(task_id, safe='')}/result", "result"
        )
        try:
            return Prediction.from_data(data)
        except ValueError as exc:
            raise UnreadableAnswer(detail=str(exc)) from exc

    async def balance(self) -> float:
        data = await self._get("/api/v3/balance", "account")
        value = data.get("balance") if isinstance(data, dict) else data
        if isinstance(value, int | float | str):
            try:
                return float(value)
            except ValueError:
                pass
        raise UnreadableAnswer(detail=f"balance answer: {data!r:.100}")

    async def webhook_secret(self) -> str:
        """The account's webhook signing secret, `whsec_` prefix included."""
        data = await self._get("/api/v3/webhook/secret", "account")
        if isinstance(data, dict):
            data = data.get("secret") or data.get("webhook_secret")
        if isinstance(data, str) and data:
            return data
        raise UnreadableAnswer(detail="webhook secret answer has no secret")

    async def download(self, url: str) -> Download:
        """Fetch an output file: streamed, size-capped, timed, its format detected."""
        last: BackendError = OutputError()
        for attempt in range(1, _DOWNLOAD_ATTEMPTS + 1):
            try:
                data, content_type = await self._fetch(url)
                break
            except (UpstreamError, BackendTimeout) as exc:
                last = exc
                if attempt < _DOWNLOAD_ATTEMPTS:
                    await asyncio.sleep(self._download_backoff * attempt)
        else:
            raise last
        found = detect_format(data, content_type)
        if found is None:
            raise OutputError(
                "The music service sent a file that is not audio the bot can read.",
                detail=f"content-type {content_type!r}, starts {data[:12]!r}",
            )
        return Download(data, MIME_TYPES[found], found)

    # --- plumbing ----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base_url + path

    async def _get(self, path: str, step: Step) -> Any:
        try:
            async with self._api_slots, asyncio.timeout(self._deadline):
                response = await self._http.get(self._url(path), headers=self._auth)
        except TimeoutError as exc:
            raise BackendTimeout(detail=f"no complete answer within {self._deadline:g}s") from exc
        except httpx.TimeoutException as exc:
            raise BackendTimeout(detail=_describe(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamError(
                "The bot could not reach the music service.", detail=_describe(exc)
            ) from exc
        return self._data(response, step=step)

    def _data(self, response: httpx.Response, *, step: Step) -> Any:
        """The envelope's `data`, or the mapped error for a non-success answer."""
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        message = ""
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or "")
            code = body.get("code")
            if status == 200 and isinstance(code, int) and code not in (0, 200):
                status = code
        if status != 200:
            # A body that is not WaveSpeed's JSON (a proxy's or CDN's HTML page) is kept for
            # the logs only: never shown to users, nor used to pick the kind of error.
            note = "" if isinstance(body, dict) else _body_note(response)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise error_for_status(status, message, step=step, retry_after=retry_after, note=note)
        if not isinstance(body, dict) or "data" not in body:
            raise UnreadableAnswer(detail=f"HTTP 200 body {response.text[:80]!r}")
        return body["data"]

    async def _fetch(self, url: str) -> tuple[bytes, str]:
        # identity: the size cap counts bytes on the wire, so no compression may multiply them
        headers = {"Accept-Encoding": "identity"}
        if url.startswith(self.base_url + "/"):
            headers.update(self._auth)
        self.stats.downloads += 1
        try:
            async with (
                self._download_slots,
                asyncio.timeout(self._download_timeout),
                self._http.stream("GET", url, headers=headers, follow_redirects=True) as r,
            ):
                _check_download_status(r)
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self._max_download:
                    raise _too_big(int(declared), self._max_download)
                content_type = r.headers.get("Content-Type", "")
                chunks: list[bytes] = []
                size = 0
                async for chunk in r.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_download:
                        raise _too_big(size, self._max_download)
                    chunks.append(chunk)
                return b"".join(chunks), content_type
        except TimeoutError as exc:
            raise BackendTimeout(
                "The finished song took too long to download.",
                detail=f"over {self._download_timeout}s",
            ) from exc
        except httpx.TimeoutException as exc:
            raise BackendTimeout(
                "The finished song took too long to download.", detail=_describe(exc)
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamError(
                "The connection broke while downloading the finished song.", detail=_describe(exc)
            ) from exc


def _check_download_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    if status >= 500 or status == 429:
        raise UpstreamError(
            "The music service's file server failed.", detail=f"download HTTP {status}"
        )
    if status in (404, 410):
        raise OutputError(
            "The finished song's file is missing on the music service (it may have expired).",
            detail=f"download HTTP {status}",
        )
    raise OutputError(detail=f"download HTTP {status}")


def _too_big(size: int, cap: int) -> OutputError:
    return OutputError(
        f"The finished song is larger than the bot accepts ({cap // MB} MB).",
        detail=f"{size} bytes > {cap}",
    )


def _unknown_after_answer(response: httpx.Response, cause: Exception) -> SubmitOutcomeUnknown:
    return SubmitOutcomeUnknown(
        "The music service answered with an error while starting your song, so it is unknown "
        "whether it started. To avoid paying twice it was not re-sent; you were not charged. "
        "Please try again.",
        detail=f"HTTP {response.status_code}: {quote(str(cause))}",
    )


def _body_note(response: httpx.Response) -> str:
    content_type = response.headers.get("Content-Type", "no content-type")
    return f"{content_type} body: {response.text[:200]}"


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
