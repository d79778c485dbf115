"""Every fault the fake can inject ends with the job delivered or failed with a clear message,
never stuck, and a submit is never sent twice unless it certainly created nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.audio import detect_format
from bot.backends.base import (
    AuthError,
    BackendError,
    BackendTimeout,
    ContentRejected,
    OutOfBalance,
    OutputError,
    RateLimited,
    SubmitOutcomeUnknown,
    UpstreamError,
)
from bot.backends.wavespeed.client import MB
from tests.support import free_port
from tests.wavespeed.conftest import (
    SPEC,
    BackendFactory,
    FakeFactory,
    ProgressLog,
    make_client,
)

pytestmark = pytest.mark.timeout(30)

DELIVERED: list[tuple[list[str], int]] = [
    # faults, submit requests the fake receives (one task created in every case)
    (["submit:429:1:2"], 3),
    (["submit:slow:1:1"], 1),  # slower than usual, within the client's read timeout
    (["result:429:1:3"], 1),
    (["result:500:0.5"], 1),
    (["result:502:1:2", "result:503:1:2"], 1),
    (["result:drop:1:2"], 1),
    (["result:malformed:1:2"], 1),
    (["result:slow:1:1"], 1),
    (["output:500:1:1"], 1),
    (["output:drop:1:1"], 1),
    (["output:slow:1:1"], 1),
    (["balance:500"], 1),  # start-up balance check is informative only
]


@pytest.mark.parametrize(("faults", "submits"), DELIVERED, ids=lambda v: str(v))
async def test_transient_faults_still_deliver(
    faults: list[str],
    submits: int,
    make_fake: FakeFactory,
    make_backend: BackendFactory,
    progress: ProgressLog,
) -> None:
    fake = await make_fake(faults=faults, slow_seconds=0.1)
    backend = await make_backend(fake.base_url, submit_read_timeout=1.0)

    audio = await backend.wait(await backend.submit(SPEC), SPEC, progress)

    assert detect_format(audio.data, audio.content_type) == "wav"
    assert fake.requests["submit"] == submits
    assert len(fake.submitted) == 1


UNKNOWN: list[tuple[list[str], int]] = [
    # faults, tasks the fake created: the client can't tell, so it must not re-send
    (["submit:500"], 0),
    (["submit:502"], 0),
    (["submit:503"], 0),
    (["submit:504"], 0),
    (["submit:drop"], 1),
    (["submit:malformed"], 1),
    (["submit:slow"], 1),
]


@pytest.mark.parametrize(("faults", "created"), UNKNOWN, ids=lambda v: str(v))
async def test_submit_outcome_unknown_is_never_resent(
    faults: list[str], created: int, make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(faults=faults, slow_seconds=0.3)
    backend = await make_backend(fake.base_url, submit_read_timeout=0.1)

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        await backend.submit(SPEC)

    assert "not re-sent" in caught.value.user_message
    assert fake.requests["submit"] == 1
    assert backend.client.stats.submits == 1
    if "submit:slow" in faults:
        await _settle(0.3)
    assert len(fake.submitted) == created


async def _settle(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds + 0.1)


FAILED: list[tuple[dict[str, Any], list[str], type[BackendError], str]] = [
    # fake options, faults, error, words the user sees
    ({}, ["submit:429"], RateLimited, "busy"),
    ({"balance": 0}, [], OutOfBalance, "Insufficient balance"),
    ({"api_key": "the-right-key"}, [], AuthError, "key"),
    ({"fail_rate": 1.0}, [], UpstreamError, "model returned no audio"),
    (
        {"fail_rate": 1.0, "fail_message": "Content flagged as inappropriate"},
        [],
        ContentRejected,
        "flagged as inappropriate",
    ),
    ({}, ["output:404"], OutputError, "missing"),
    ({}, ["output:oversized"], OutputError, "larger than the bot accepts"),
    ({}, ["output:garbage"], OutputError, "not audio"),
    ({}, ["output:503"], UpstreamError, "file server"),
    ({}, ["result:500"], UpstreamError, "music service"),
    ({}, ["result:401"], AuthError, "key"),
    ({}, ["submit:400"], ContentRejected, "rejected"),
]


@pytest.mark.parametrize(("options", "faults", "error", "words"), FAILED, ids=lambda v: str(v))
async def test_lasting_faults_fail_with_a_clear_message(
    options: dict[str, Any],
    faults: list[str],
    error: type[BackendError],
    words: str,
    make_fake: FakeFactory,
    make_backend: BackendFactory,
    progress: ProgressLog,
) -> None:
    fake = await make_fake(faults=faults, oversized_mb=2, **options)
    backend = await make_backend(fake.base_url, start=False, max_download_bytes=1 * MB)

    with pytest.raises(error) as caught:
        await backend.wait(await backend.submit(SPEC), SPEC, progress)

    assert words.lower() in caught.value.user_message.lower()
    assert len(fake.submitted) <= 1
    assert fake.requests["submit"] <= backend.client.stats.submits


async def test_refused_connection_is_retried_then_fails_clearly() -> None:
    client = make_client(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(UpstreamError, match="could not reach"):
            await client.submit("wavespeed-ai/ace-step", {"tags": "x"})
        assert client.stats.submits == 3  # nothing was sent, so retrying is safe
    finally:
        await client.aclose()


async def test_concurrency_429_waits_for_a_slot(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(max_concurrency=1, latency=0.1, retry_after=0.08)
    backend = await make_backend(fake.base_url)
    first = await backend.submit(SPEC)
    second = await backend.submit(SPEC)  # 429 until the first finishes, then accepted

    for task_id in (first, second):
        await backend.wait(task_id, SPEC, progress)
    assert len(fake.submitted) == 2
    assert fake.requests["submit"] > 2


async def test_long_retry_after_is_left_to_the_job_runner(
    make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(faults=["submit:429"], retry_after=120)
    backend = await make_backend(fake.base_url, start=False)
    with pytest.raises(RateLimited) as caught:
        await backend.submit(SPEC)
    assert caught.value.retry_after == 120
    assert fake.requests["submit"] == 1


async def test_bad_key_fails_start_with_a_clear_message(
    make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(api_key="the-right-key")
    with pytest.raises(AuthError, match="WAVESPEED_API_KEY"):
        await make_backend(fake.base_url, api_key="wrong")


async def test_download_timeout_is_a_clear_timeout(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    fake = await make_fake(faults=["output:slow"], slow_seconds=0.3)
    backend = await make_backend(fake.base_url, download_timeout=0.05)
    with pytest.raises(BackendTimeout, match="too long to download"):
        await backend.wait(await backend.submit(SPEC), SPEC, progress)


async def test_a_trickling_result_answer_cannot_outlast_the_task_timeout(
    make_fake: FakeFactory, make_backend: BackendFactory, progress: ProgressLog
) -> None:
    """A byte every 0.3 s never trips the 2 s read timeout; the task deadline must still hold."""
    fake = await make_fake(faults=["result:trickle"], slow_seconds=0.3)
    backend = await make_backend(fake.base_url, backend={"task_timeout": 1.0})
    task_id = await backend.submit(SPEC)

    started = time.monotonic()
    with pytest.raises(BackendTimeout):
        await backend.wait(task_id, SPEC, progress)
    assert time.monotonic() - started < 5


async def test_a_trickling_submit_answer_is_cut_and_not_resent(
    make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(faults=["submit:trickle"], slow_seconds=0.3)
    backend = await make_backend(fake.base_url, start=False, request_deadline=1.0)

    started = time.monotonic()
    with pytest.raises(SubmitOutcomeUnknown):
        await backend.submit(SPEC)
    assert time.monotonic() - started < 5
    assert fake.requests["submit"] == 1 and len(fake.submitted) == 1
