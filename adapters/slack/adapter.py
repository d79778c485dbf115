"""`SlackAdapter`: the songbot `ChatAdapter` for Slack, built on slack-bolt's `AsyncApp`.

Two connection modes, chosen by the settings:

- **Socket Mode** when `SLACK_APP_TOKEN` (`xapp-…`) is set: a WebSocket to Slack, no public
  URL; payloads arrive unsigned over the authenticated socket.
- **HTTP mode** otherwise: Bolt's aiohttp app on `SLACK_PORT` at `/slack/events`; every
  request must carry a valid, fresh `X-Slack-Signature` made with `SLACK_SIGNING_SECRET`
  (Bolt answers 401 otherwise).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admins import AdminCheck
from adapters.slack.channels import PLATFORM, Channels
from adapters.slack.delivery import SlackDelivery
from adapters.slack.handlers import SlackHandlers
from adapters.slack.songs import SongStarter
from adapters.slack.status import StatusBoard
from bot.core import SongBot
from bot.models import Job, JobEvent
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackAdapter:
    platform = PLATFORM

    def __init__(
        self, core: SongBot, settings: Settings, *, client_base_url: str | None = None
    ) -> None:
        if settings.slack_bot_token is None:
            raise SettingsError("SLACK_BOT_TOKEN is required to run the Slack adapter")
        if settings.slack_app_token is None and settings.slack_signing_secret is None:
            raise SettingsError(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        self.settings = settings
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=client_base_url or settings.slack_api_url or AsyncWebClient.BASE_URL,
        )
        secret = settings.slack_signing_secret
        self.app = AsyncApp(
            name="songbot",
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else "",
        )
        channels = Channels(self.client)
        board = StatusBoard(channels)
        self.channels = channels
        self.delivery = SlackDelivery(core, channels, board)
        admins = AdminCheck(self.client, settings.slack_admin_user_ids)
        SlackHandlers(core, channels, SongStarter(core, channels, board), admins).register(self.app)
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None

    @property
    def mode(self) -> Literal["socket", "http"]:
        return "socket" if self.settings.slack_app_token is not None else "http"

    async def start(self) -> None:
        try:
            identity = await self.client.auth_test()  # a bad token fails here, at boot
        except SlackApiError as exc:
            error = exc.response.get("error")
            raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack ({error})") from None
        self.channels.bot_name = str(identity.get("user") or "songbot")
        if self.settings.slack_app_token is not None:
            await self._start_socket_mode(self.settings.slack_app_token.get_secret_value())
        else:
            await self._start_http_mode()

    async def _start_socket_mode(self, app_token: str) -> None:
        # The socket client retries a refused token forever, logging a traceback each time:
        # check the token once here so a wrong one stops start-up with one clear line.
        try:
            await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            error = exc.response.get("error")
            raise SettingsError(
                f"SLACK_APP_TOKEN was refused by Slack ({error}); it must be an app-level "
                "token (xapp-…) with the connections:write scope"
            ) from None
        self._socket = AsyncSocketModeHandler(self.app, app_token)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack: connected in Socket Mode as @%s", self.channels.bot_name)

    async def _start_http_mode(self) -> None:
        host, port = self.settings.songbot_http_host, self.settings.slack_port
        runner = web.AppRunner(self.app.web_app(path=EVENTS_PATH, port=port))
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise SettingsError(
                f"SLACK_PORT {port}: cannot listen on {host}:{port} ({exc.strerror}; "
                "is it already in use?)"
            ) from None
        self._runner = runner
        log.info("slack: HTTP mode on port %d%s as @%s", port, EVENTS_PATH, self.channels.bot_name)

    async def wait_failed(self) -> BaseException:
        """Never: Socket Mode reconnects by itself and HTTP mode is a listening server."""
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def notify(self, job: Job, event: JobEvent) -> None:
        await self.delivery.notify(job, event)
