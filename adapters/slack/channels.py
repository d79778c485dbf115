"""Reaching people on Slack: who asked (`Asker`), posting, updating, DMs, ephemeral answers.

Everything here is a thin, logged wrapper around the Web API. Helpers whose failure must not
stop the caller (`update`, `delete`, `tell`) swallow Slack errors after logging them; `post`
raises, because a status message that cannot be posted means the song could not be either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import Message, slack_text, text_message
from bot.models import Origin

log = logging.getLogger(__name__)

PLATFORM = "slack"
NOT_MEMBER_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
_SLACK_FAILURES = (SlackApiError, aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True)
class Asker:
    """The person behind a slash command, button click or modal submission, and where."""

    user_id: str
    user_name: str = ""
    team_id: str | None = None
    channel_id: str | None = None
    response_url: str | None = None

    @classmethod
    def from_payload(cls, body: dict[str, Any], channel_id: str | None = None) -> Asker:
        """From a slash command (flat fields) or an interaction (nested `user`/`team`)."""
        user = body.get("user") or {}
        team = body.get("team") or {}
        channel = body.get("channel") or {}
        if not isinstance(user, dict):
            user = {}
        return cls(
            user_id=str(body.get("user_id") or user.get("id") or ""),
            user_name=str(body.get("user_name") or user.get("username") or user.get("name") or ""),
            team_id=body.get("team_id") or team.get("id") or user.get("team_id"),
            channel_id=channel_id or body.get("channel_id") or channel.get("id"),
            response_url=body.get("response_url"),
        )

    def origin(self, reply: dict[str, str] | None = None) -> Origin:
        return Origin(
            platform=PLATFORM,
            user_id=self.user_id,
            user_name=self.user_name,
            server_id=self.team_id,
            channel_id=self.channel_id,
            reply=reply or {},
        )


def unreachable_text(bot_name: str, error: str) -> str:
    """Why a song cannot go to this channel, and what to do about it (markdown)."""
    if error == "is_archived":
        return "This channel is archived, so I can't post your song here."
    if error not in NOT_MEMBER_ERRORS:
        return f"Slack refused my message here (`{error}`). Please try again in a moment."
    return (
        f"I can't post in this conversation because I'm not a member of it. Invite me with "
        f"`/invite @{bot_name}` (private channels need an invite), or add `private: yes` "
        "(or tick **Private** in the form) to get the song by direct message."
    )


class Channels:
    def __init__(self, client: AsyncWebClient, bot_name: str = "songbot") -> None:
        self.client = client
        self.bot_name = bot_name

    async def post(self, channel: str, message: Message) -> str:
        """Post (raises SlackApiError); returns the message ts."""
        response = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
        )
        return str(response["ts"])

    async def update(self, channel: str, ts: str, message: Message) -> bool:
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
            return True
        except _SLACK_FAILURES as exc:
            log.warning("slack: could not update %s/%s: %s", channel, ts, exc)
            return False

    async def delete(self, channel: str, ts: str) -> None:
        try:
            await self.client.chat_delete(channel=channel, ts=ts)
        except _SLACK_FAILURES as exc:
            log.warning("slack: could not delete %s/%s: %s", channel, ts, exc)

    async def join(self, channel: str) -> bool:
        """Join a public channel (needed to upload there). False for private ones and DMs.
        Asked every time, never cached: the bot may have been removed since (joining a
        channel it is already in is a no-op for Slack)."""
        if not channel.startswith("C"):
            return False
        try:
            await self.client.conversations_join(channel=channel)
            return True
        except SlackApiError as exc:
            log.info("slack: cannot join %s: %s", channel, exc.response.get("error"))
            return False

    async def open_dm(self, user_id: str) -> str:
        """The bot's DM channel (`D…`) with a user (raises SlackApiError)."""
        response = await self.client.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    async def tell(self, asker: Asker, markdown: str) -> bool:
        """Show `markdown` to the asker only: via the interaction's response_url, else an
        ephemeral message in the channel, else a DM. Returns whether any way worked."""
        message = text_message(slack_text(markdown))
        if asker.response_url and await self._respond(asker.response_url, message):
            return True
        if asker.channel_id:
            try:
                await self.client.chat_postEphemeral(
                    channel=asker.channel_id,
                    user=asker.user_id,
                    text=message.text,
                    blocks=message.blocks,
                )
                return True
            except _SLACK_FAILURES as exc:
                log.info("slack: ephemeral to %s failed: %s", asker.user_id, exc)
        try:
            await self.post(await self.open_dm(asker.user_id), message)
            return True
        except _SLACK_FAILURES:
            log.exception("slack: could not reach %s at all", asker.user_id)
            return False

    async def _respond(self, url: str, message: Message) -> bool:
        try:
            response = await AsyncWebhookClient(url).send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("slack: response_url failed: %s", exc)
            return False
        if response.status_code != 200:
            log.info("slack: response_url answered %s: %s", response.status_code, response.body)
        return response.status_code == 200
