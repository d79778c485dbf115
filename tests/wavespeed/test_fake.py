"""The fake is faithful enough for the official `wavespeed` SDK and documents its behaviour."""

from __future__ import annotations

import argparse
import asyncio
import io

import httpx
import pytest
from wavespeed import Client

from bot.audio import detect_format
from bot.fake_wavespeed import FakeWaveSpeed, FaultRule
from bot.fake_wavespeed.cli import config_from_args, configure
from tests.wavespeed.conftest import FakeFactory

INPUT = {"tags": "lofi, chill", "lyrics": "[inst]", "duration": 5, "seed": 3}


async def test_official_sdk_runs_a_task_to_completion(make_fake: FakeFactory) -> None:
    fake = await make_fake(latency=0.2)
    sdk = Client(api_key="any-key", base_url=fake.base_url)

    result = await asyncio.to_thread(sdk.run, "wavespeed-ai/ace-step", INPUT, poll_interval=0.05)

    [url] = result["outputs"]
    async with httpx.AsyncClient() as http:
        file = await http.get(url)
    assert detect_format(file.content, file.headers["content-type"]) == "wav"
    assert fake.requests["submit"] == 1
    assert fake.submitted[0].model == "wavespeed-ai/ace-step"
    assert fake.submitted[0].input == INPUT


async def test_official_sdk_upload_flow(make_fake: FakeFactory) -> None:
    fake = await make_fake()
    sdk = Client(api_key="any-key", base_url=fake.base_url)
    song = io.BytesIO(b"RIFF....WAVEfmt fake")
    song.name = "take1.wav"

    url = await asyncio.to_thread(sdk.upload, song)

    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).content == b"RIFF....WAVEfmt fake"
    assert fake.requests["upload"] == 1 and fake.requests["upload_put"] == 1


async def test_official_sdk_reports_a_failed_task(make_fake: FakeFactory) -> None:
    fake = await make_fake(latency=0.05, fail_rate=1.0)
    sdk = Client(api_key="any-key", base_url=fake.base_url)
    with pytest.raises(RuntimeError, match="model returned no audio"):
        await asyncio.to_thread(sdk.run, "wavespeed-ai/ace-step", INPUT, poll_interval=0.05)


async def test_envelope_statuses_and_auth(make_fake: FakeFactory) -> None:
    fake = await make_fake(latency=0.3, queue_time=0.1)
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        assert (await http.get("/api/v3/balance")).status_code == 401
        auth = {"Authorization": "Bearer k"}
        submitted = (
            await http.post("/api/v3/wavespeed-ai/ace-step", json=INPUT, headers=auth)
        ).json()
        data = submitted["data"]
        assert submitted["code"] == 200 and submitted["message"] == "success"
        assert data["status"] == "created" and data["outputs"] == []
        assert data["urls"]["get"].endswith(f"/api/v3/predictions/{data['id']}/result")
        seen: list[str] = []
        while not seen or seen[-1] != "completed":
            answer = (await http.get(data["urls"]["get"], headers=auth)).json()
            seen.append(answer["data"]["status"])
            await asyncio.sleep(0.05)
        assert {"created", "processing", "completed"} <= set(seen)
        assert answer["data"]["has_nsfw_contents"] == [False]
        balance = (await http.get("/api/v3/balance", headers=auth)).json()["data"]["balance"]
        assert balance == pytest.approx(100 - 5 * 0.0002)
        secret = (await http.get("/api/v3/webhook/secret", headers=auth)).json()["data"]["secret"]
        assert secret.startswith("whsec_")


async def test_mp3_outputs(make_fake: FakeFactory) -> None:
    fake = await make_fake(output_format="mp3", latency=0.05)
    sdk = Client(api_key="any-key", base_url=fake.base_url)
    result = await asyncio.to_thread(sdk.run, "wavespeed-ai/ace-step", INPUT, poll_interval=0.05)
    async with httpx.AsyncClient() as http:
        file = await http.get(result["outputs"][0])
    assert file.headers["content-type"] == "audio/mpeg"
    assert detect_format(file.content, None) == "mp3"


def test_cli_options_build_a_config() -> None:
    parser = argparse.ArgumentParser()
    configure(parser)
    args = parser.parse_args(
        ["--port", "0", "--latency", "2", "--balance", "0", "--fault", "submit:503:0.5:2"]
    )
    config = config_from_args(args)
    assert (config.port, config.latency, config.balance) == (0, 2.0, 0.0)
    assert config.faults == [FaultRule("submit", "503", 0.5, 2)]
    assert "ENDPOINT:KIND" in parser.format_help()


@pytest.mark.parametrize("text", ["submit", "nowhere:500", "submit:garbage", "output:malformed"])
def test_bad_fault_specs_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        FaultRule.parse(text)


def test_fake_is_importable_as_a_library() -> None:
    assert FakeWaveSpeed().config.latency == 5.0
