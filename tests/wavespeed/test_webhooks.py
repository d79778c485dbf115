"""Signed webhooks: verification rules, the receiving endpoint, and waking a waiting job."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from typing import Any

import httpx
import pytest

from bot.backends.base import BackendError
from bot.backends.wavespeed import PollSchedule, WaveSpeedBackend
from bot.backends.wavespeed.webhooks import WEBHOOK_PATH, WebhookRejected, verify
from tests.support import free_port
from tests.wavespeed.conftest import (
    SPEC,
    BackendFactory,
    FakeFactory,
    ProgressLog,
)

SECRET = "whsec_c2VjcmV0LWZvci10ZXN0cw"
BODY = b'{"id":"abc","status":"completed","outputs":["https://cdn.example/a.wav"]}'


def signed_headers(
    body: bytes = BODY, *, at: float | None = None, key: str = SECRET
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    raw_key = key.removeprefix("whsec_").encode()
    digest = hmac.new(raw_key, b"msg_1." + timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": timestamp,
        "webhook-signature": "v3," + digest.hexdigest(),
    }


def test_verify_accepts_a_fresh_genuine_signature() -> None:
    verify(SECRET, signed_headers(), BODY)
    headers = signed_headers()
    headers["webhook-signature"] = "v3,deadbeef " + headers["webhook-signature"]
    verify(SECRET, headers, BODY)  # any of several space-separated signatures


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (signed_headers(), BODY + b" "),  # tampered body
        (signed_headers(key="whsec_other"), BODY),  # wrong secret
        (signed_headers(at=time.time() - 400), BODY),  # stale
        (signed_headers(at=time.time() + 400), BODY),  # from the future
        ({**signed_headers(), "webhook-signature": "v1," + "0" * 64}, BODY),
        ({**signed_headers(), "webhook-timestamp": "soon"}, BODY),
        ({}, BODY),
    ],
)
def test_verify_rejects(headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(WebhookRejected):
        verify(SECRET, headers, body)


def test_the_whsec_prefix_is_not_part_of_the_key() -> None:
    with_prefix = signed_headers()
    verify(SECRET.removeprefix("whsec_"), with_prefix, BODY)


async def webhook_backend(
    make_backend: BackendFactory, base_url: str, **options: Any
) -> tuple[WaveSpeedBackend, str]:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    settings = {"public_url": public, "http_host": "127.0.0.1", "http_port": port}
    settings.update(options)
    return await make_backend(base_url, backend=settings), public + WEBHOOK_PATH


async def test_signed_callback_wakes_the_wait_without_polling(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(latency=0.1)
    # the fallback schedule's first check is 10 s away: only the webhook can finish this
    backend, url = await webhook_backend(make_backend, fake.base_url)

    audio = await backend.wait(await backend.submit(SPEC), SPEC, progress)

    assert audio.data
    assert fake.submitted[0].webhook == url
    assert [d.status for d in fake.webhook_deliveries] == [200]
    assert backend.client.stats.result_gets == 0
    assert progress.statuses == ["completed"]


async def test_callback_before_the_wait_starts_is_kept(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(latency=0.01)
    backend, _ = await webhook_backend(make_backend, fake.base_url)
    task_id = await backend.submit(SPEC)
    await fake.webhooks_delivered(1)

    await backend.wait(task_id, SPEC, progress)

    assert backend.client.stats.result_gets == 0


@pytest.mark.parametrize("fault", ["webhook:forge", "webhook:stale", "webhook:drop"])
async def test_bad_or_missing_callbacks_fall_back_to_polling(
    fault: str, make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(faults=[fault], latency=0.1)
    backend, _ = await webhook_backend(
        make_backend, fake.base_url, webhook_schedule=PollSchedule(first=0.05, cap=0.05)
    )

    audio = await backend.wait(await backend.submit(SPEC), SPEC, progress)

    assert audio.data
    assert backend.client.stats.result_gets >= 1
    expected = [] if fault == "webhook:drop" else [401]
    assert [d.status for d in fake.webhook_deliveries] == expected


async def test_receiver_answers_401_to_unsigned_and_forged_posts(
    make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake()
    backend, url = await webhook_backend(make_backend, fake.base_url)
    good = fake.config.webhook_secret
    async with httpx.AsyncClient() as http:
        unsigned = await http.post(url, content=BODY)
        forged = await http.post(url, content=BODY, headers=signed_headers(key="whsec_guess"))
        stale = await http.post(url, content=BODY, headers=signed_headers(key=good, at=1))
        genuine = await http.post(url, content=BODY, headers=signed_headers(key=good))
        junk = b"not json"
        unreadable = await http.post(url, content=junk, headers=signed_headers(junk, key=good))
    assert [r.status_code for r in (unsigned, forged, stale)] == [401, 401, 401]
    assert genuine.status_code == 200 and json.loads(genuine.content) == {"ok": True}
    assert unreadable.status_code == 400
    assert backend.client.stats.result_gets == 0


async def test_without_the_secret_songs_still_arrive_by_polling(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(faults=["secret:503"])
    backend, _ = await webhook_backend(make_backend, fake.base_url)

    assert backend.webhook_url is not None  # still asked for, nobody listens: polling works
    audio = await backend.wait(await backend.submit(SPEC), SPEC, progress)

    assert audio.data and backend.client.stats.result_gets >= 1


async def test_a_taken_port_fails_start_clearly(
    make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BackendError, match="Cannot listen for WaveSpeed webhooks"):
            await make_backend(
                fake.base_url,
                backend={"public_url": "http://x", "http_host": "127.0.0.1", "http_port": port},
            )
