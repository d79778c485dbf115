"""`songbot run`: adapters chosen from the credentials configured, one shared core."""

import asyncio

import aiohttp

from bot.cli import run_bot
from tests.slack import signing
from tests.slack.conftest import PUBLIC
from tests.slack.fake_slack import FakeSlack
from tests.support import free_port, settings_for


async def test_run_starts_slack_in_http_mode_and_makes_a_song(tmp_path):
    fake = FakeSlack()
    await fake.start()
    fake.add_channel(PUBLIC)
    port = free_port()
    settings = settings_for(
        tmp_path,
        slack_bot_token="xoxb-test",
        slack_signing_secret=signing.SECRET,
        slack_port=port,
        songbot_http_host="127.0.0.1",
        slack_api_url=fake.api_url,
    )
    stop = asyncio.Event()
    bot = asyncio.create_task(run_bot(settings, stop))
    try:
        body = signing.command_body(
            "lofi, chill duration: 5 seed: 9",
            user="U1",
            channel=PUBLIC,
            response_url=fake.response_url("cmd"),
        )
        status = 0
        for _ in range(200):  # until the adapter's HTTP server is up
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(
                        f"http://127.0.0.1:{port}/slack/events",
                        data=body,
                        headers=signing.signed_headers(body),
                    ) as response,
                ):
                    status = response.status
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        assert status == 200
        uploads = await fake.wait_for("files.completeUploadExternal")
        assert uploads[0]["channel_id"] == PUBLIC
    finally:
        stop.set()
        code = await asyncio.wait_for(bot, 30)
        await fake.stop()
    assert code == 0
