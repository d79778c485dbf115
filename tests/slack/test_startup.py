"""Start-up problems an operator can cause stop songbot with one clear line, never a hang or
a traceback: a refused app-level token (Socket Mode), a port already in use (HTTP mode)."""

from __future__ import annotations

import asyncio

import pytest

from bot.settings import SettingsError
from tests.slack.conftest import World


async def test_a_refused_app_token_fails_at_start(make_world: World) -> None:
    start = make_world(slack_app_token="xapp-wrong", slack_signing_secret="")

    with pytest.raises(SettingsError, match=r"SLACK_APP_TOKEN was refused by Slack \(not_authed\)"):
        await asyncio.wait_for(start, 5)  # it used to retry forever


async def test_a_busy_port_fails_at_start(make_world: World) -> None:
    running = await make_world()

    with pytest.raises(SettingsError, match=rf"SLACK_PORT {running.port}.*in use"):
        await make_world(slack_port=running.port)
