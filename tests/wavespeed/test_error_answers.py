"""What the user is told when WaveSpeed (or what stands in front of it) says no."""

from __future__ import annotations

import email.utils
import time

import pytest

from bot.backends.base import BackendError, ContentRejected, RateLimited
from bot.backends.base import GenerationSpec as Spec
from bot.backends.wavespeed.schedule import MAX_RETRY_AFTER
from tests.wavespeed.conftest import SPEC, BackendFactory, FakeFactory

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(
    ("retry_after", "words"),
    [
        (600, "10 minutes"),
        (email.utils.formatdate(time.time() + 1200, usegmt=True), "20 minutes"),
        (7200, "1 hour"),  # more than an hour is not believed: capped
    ],
    ids=str,
)
async def test_a_long_retry_after_on_submit_says_how_long_to_wait(
    retry_after: float | str, words: str, make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(faults=["submit:429"], retry_after=retry_after)
    backend = await make_backend(fake.base_url, start=False)

    with pytest.raises(RateLimited) as caught:
        await backend.submit(SPEC)

    assert words in caught.value.user_message
    assert "in a minute" not in caught.value.user_message
    assert fake.requests["submit"] == 1


@pytest.mark.parametrize("absurd", ["inf", "1e400", "nan", "99999999999", "-5"])
async def test_absurd_retry_after_values_are_not_believed(
    absurd: str, make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(faults=["submit:429"], retry_after=absurd)
    backend = await make_backend(fake.base_url, start=False)

    with pytest.raises(RateLimited) as caught:
        await backend.submit(SPEC)

    wait = caught.value.retry_after
    assert wait is None or 0 <= wait <= MAX_RETRY_AFTER
    assert "inf" not in caught.value.user_message and "nan" not in caught.value.user_message


@pytest.mark.parametrize("status", [400, 403, 422])
async def test_a_proxy_html_error_page_is_not_shown_to_the_user(
    status: int, make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake(faults=[f"submit:{status}"], error_body="html")
    backend = await make_backend(fake.base_url, start=False)

    with pytest.raises(BackendError) as caught:
        await backend.submit(SPEC)

    message = caught.value.user_message
    assert "<" not in message and "cloudflare" not in message.lower()
    assert "credit" not in message.lower()  # the page's words do not pick the error kind
    assert "html" in caught.value.detail.lower()  # kept for the logs


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (Spec(tags="lofi", lyrics="", duration=300, seed=1), "duration must be between 5 and 240"),
        (Spec(tags="lofi", lyrics="", duration=4, seed=1), "duration must be between 5 and 240"),
        (Spec(tags="lofi", lyrics="", duration=30, seed=-2), "seed must be between"),
    ],
    ids=str,
)
async def test_out_of_range_parameters_are_refused_not_clamped_and_billed(
    spec: Spec, words: str, make_fake: FakeFactory, make_backend: BackendFactory
) -> None:
    fake = await make_fake()
    backend = await make_backend(fake.base_url, start=False)
    balance = fake.balance

    with pytest.raises(ContentRejected) as caught:
        await backend.submit(spec)

    assert words in caught.value.user_message
    assert fake.submitted == [] and fake.balance == balance
