"""`WaveSpeedBackend`: the `Backend` protocol on top of `WaveSpeedClient`.

`submit` sends the task once and returns its id (the job stores it). `wait` turns an id into
audio: it polls the result with growing, jittered delays (a 20-second task needs about four
checks), wakes at once when a verified webhook for the task arrives, gives up after
WAVESPEED_TIMEOUT_MINUTES, then downloads the first output. `wait` keeps no state that a
restart would lose: a fresh instance can wait for a task submitted by an earlier one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from bot.backends.base import (
    AuthError,
    BackendError,
    BackendTimeout,
    GeneratedAudio,
    GenerationSpec,
    OutputError,
    ProgressCallback,
    RateLimited,
)
from bot.backends.wavespeed.client import MB, WaveSpeedClient
from bot.backends.wavespeed.errors import error_for_task
from bot.backends.wavespeed.prediction import Prediction
from bot.backends.wavespeed.schedule import (
    DEFAULT_SCHEDULE,
    WEBHOOK_FALLBACK_SCHEDULE,
    PollSchedule,
)
from bot.backends.wavespeed.webhooks import WEBHOOK_PATH, WebhookServer
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_POLL_FAILURES = 8
"""Consecutive failed result checks (5xx, 429, network) before `wait` gives up."""
_KEPT_WEBHOOK_RESULTS = 1000
_KEPT_SUBMIT_TIMES = 10_000


class WaveSpeedBackend:
    name = "wavespeed"
    submit_is_idempotent = False

    def __init__(
        self,
        client: WaveSpeedClient,
        *,
        model: str = "wavespeed-ai/ace-step",
        max_concurrency: int | None = 2,
        max_per_minute: int | None = 2,
        task_timeout: float = 20 * 60,
        schedule: PollSchedule = DEFAULT_SCHEDULE,
        webhook_schedule: PollSchedule = WEBHOOK_FALLBACK_SCHEDULE,
        public_url: str | None = None,
        http_host: str = "0.0.0.0",
        http_port: int = 8080,
        check_account: bool = True,
    ) -> None:
        self.client = client
        self.model = model
        self.max_concurrency = max_concurrency
        self.max_per_minute = max_per_minute
        self._task_timeout = task_timeout
        self._schedule = schedule
        self._webhook_schedule = webhook_schedule
        self._public_url = public_url.rstrip("/") if public_url else None
        self._http_host, self._http_port = http_host, http_port
        self._check_account = check_account
        self._webhooks: WebhookServer | None = None
        self._submitted_at: dict[str, float] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._pushed: OrderedDict[str, Prediction] = OrderedDict()

    @classmethod
    def from_settings(
        cls, settings: Settings, client: WaveSpeedClient | None = None
    ) -> WaveSpeedBackend:
        if client is None:
            key = settings.wavespeed_api_key
            if key is None:
                raise AuthError("WAVESPEED_API_KEY is not set.")
            client = WaveSpeedClient(
                key.get_secret_value(),
                base_url=settings.wavespeed_base_url,
                max_download_bytes=settings.wavespeed_max_download_mb * MB,
            )
        return cls(
            client,
            model=settings.wavespeed_model,
            max_concurrency=settings.wavespeed_max_concurrency,
            max_per_minute=settings.wavespeed_max_per_minute,
            task_timeout=settings.wavespeed_timeout_minutes * 60.0,
            public_url=settings.songbot_public_url,
            http_host=settings.songbot_http_host,
            http_port=settings.songbot_http_port,
        )

    @property
    def webhook_url(self) -> str | None:
        return f"{self._public_url}{WEBHOOK_PATH}" if self._public_url else None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Check the key once (a bad key fails boot), then start the webhook receiver."""
        if self._check_account:
            await self._check_key()
        if self._public_url:
            await self._start_webhooks()

    async def aclose(self) -> None:
        if self._webhooks is not None:
            await self._webhooks.stop()
            self._webhooks = None
        await self.client.aclose()

    async def _start_webhooks(self) -> None:
        """Webhooks are an optimisation: without the secret, songs still arrive by polling."""
        try:
            secret = await self.client.webhook_secret()
        except AuthError:
            raise
        except BackendError as exc:
            log.warning("WaveSpeed webhooks off (could not get the signing secret): %s", exc)
            return
        server = WebhookServer(secret, self._on_webhook)
        try:
            await server.start(self._http_host, self._http_port)
        except OSError as exc:
            raise BackendError(
                f"Cannot listen for WaveSpeed webhooks on {self._http_host}:{self._http_port} "
                f"({exc.strerror or exc}): change SONGBOT_HTTP_PORT or unset SONGBOT_PUBLIC_URL."
            ) from exc
        self._webhooks = server

    async def _check_key(self) -> None:
        try:
            balance = await self.client.balance()
        except AuthError as exc:
            raise AuthError(
                "WaveSpeed refused WAVESPEED_API_KEY (HTTP 401): check the key in .env.",
                detail=exc.detail,
            ) from exc
        except BackendError as exc:
            log.warning("could not read the WaveSpeed balance at start-up: %s", exc)
            return
        if balance <= 0:
            log.warning(
                "WaveSpeed balance is $%.2f: songs will fail until it is topped up", balance
            )
        else:
            log.info("WaveSpeed balance: $%.2f", balance)

    # --- Backend protocol --------------------------------------------------------------

    async def submit(self, spec: GenerationSpec) -> str:
        params = {
            "tags": spec.tags,
            "lyrics": spec.lyrics,
            "duration": spec.duration,
            "seed": spec.seed,
        }
        prediction = await self.client.submit(self.model, params, webhook_url=self.webhook_url)
        self._submitted_at[prediction.id] = time.monotonic()
        if len(self._submitted_at) > _KEPT_SUBMIT_TIMES:  # tasks nobody waited for
            del self._submitted_at[next(iter(self._submitted_at))]
        log.info("submitted WaveSpeed task %s (%ss)", prediction.id, spec.duration)
        return prediction.id

    async def wait(
        self, task_id: str, spec: GenerationSpec, on_progress: ProgressCallback
    ) -> GeneratedAudio:
        gets_before = self.client.stats.result_gets
        prediction = await self._until_finished(task_id, on_progress)
        log.info(
            "WaveSpeed task %s %s after %d result check(s)",
            task_id,
            prediction.status,
            self.client.stats.result_gets - gets_before,
        )
        if prediction.status != "completed":
            raise error_for_task(prediction.status, prediction.error)
        if not prediction.outputs:
            raise OutputError("The music service finished but sent no song file.")
        file = await self.client.download(prediction.outputs[0])
        return GeneratedAudio(file.data, file.content_type, nsfw=prediction.nsfw)

    # --- polling + webhook wake-ups ----------------------------------------------------

    async def _until_finished(self, task_id: str, on_progress: ProgressCallback) -> Prediction:
        deadline = time.monotonic() + self._task_timeout
        schedule = self._webhook_schedule if self._webhooks else self._schedule
        delays = schedule.delays()
        submitted = self._submitted_at.pop(task_id, None)
        # A task submitted just now can't be done yet; one from before a restart may be.
        delay = max(0.0, next(delays) - (time.monotonic() - submitted)) if submitted else 0.0
        wakeup = self._wakeups.setdefault(task_id, asyncio.Event())
        last_status: str | None = None
        failures = 0
        try:
            while True:
                prediction = await self._next_answer(task_id, wakeup, delay, deadline)
                delay = next(delays)
                if prediction is None:
                    try:
                        prediction = await self._check(task_id, deadline)
                        failures = 0
                    except BackendError as exc:
                        failures += 1
                        if not exc.retryable or failures >= MAX_POLL_FAILURES:
                            raise
                        if isinstance(exc, RateLimited) and exc.retry_after:
                            delay = max(delay, exc.retry_after)
                        log.info("result check for %s failed (%s); retrying", task_id, exc.detail)
                        continue
                if prediction.status != last_status:
                    last_status = prediction.status
                    await _report(on_progress, prediction.status)
                if prediction.finished:
                    return prediction
        finally:
            self._wakeups.pop(task_id, None)

    async def _check(self, task_id: str, deadline: float) -> Prediction:
        """One result check, cut off at the task's deadline (a stalled answer can't outlast it)."""
        try:
            async with asyncio.timeout_at(_loop_time(deadline)):
                return await self.client.result(task_id)
        except TimeoutError:
            raise self._timed_out(task_id) from None

    def _timed_out(self, task_id: str) -> BackendTimeout:
        return BackendTimeout(
            f"The music service did not finish this song within "
            f"{self._task_timeout / 60:g} minutes.",
            detail=f"task {task_id}",
        )

    async def _next_answer(
        self, task_id: str, wakeup: asyncio.Event, delay: float, deadline: float
    ) -> Prediction | None:
        """Sleep `delay` (not past the deadline) unless a webhook for the task arrives first.

        Returns the pushed prediction, or None when it is time to ask.
        """
        pushed = self._pushed.pop(task_id, None)
        if pushed is not None:
            return pushed
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._timed_out(task_id)
        try:
            async with asyncio.timeout(min(delay, remaining)):
                await wakeup.wait()
        except TimeoutError:
            return None
        wakeup.clear()
        return self._pushed.pop(task_id, None)

    def _on_webhook(self, prediction: Prediction) -> None:
        if not prediction.finished:
            return
        self._pushed[prediction.id] = prediction
        while len(self._pushed) > _KEPT_WEBHOOK_RESULTS:
            self._pushed.popitem(last=False)
        wakeup = self._wakeups.get(prediction.id)
        if wakeup is not None:
            wakeup.set()


def _loop_time(monotonic_deadline: float) -> float:
    """A `time.monotonic()` deadline on the event loop's clock (for `asyncio.timeout_at`)."""
    return asyncio.get_running_loop().time() + (monotonic_deadline - time.monotonic())


async def _report(on_progress: ProgressCallback, status: str) -> None:
    """Progress is informative: a failing callback must not fail the job."""
    try:
        await on_progress(status)
    except Exception:
        log.exception("progress callback failed")
