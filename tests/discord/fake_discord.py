"""A fake Discord REST API on loopback, for driving the real discord.py client offline.

It answers the handful of routes songbot uses (login, command sync, interaction callbacks,
webhook followups, edits and deletes, channel messages, DMs), keeps the messages it
"created" so tests can click their buttons later, and records every request — JSON body or multipart
`payload_json` plus uploaded files — for assertions. Failure modes are switched on per
token / channel / user: expired interaction tokens (401, code 50027), channels where the bot
lacks permission (403, code 50013) and users whose DMs are closed (403, code 50007).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.discord import payloads

API_PREFIX = "/api/v10"


@dataclass
class Upload:
    field: str
    filename: str
    data: bytes


@dataclass
class Call:
    method: str
    path: str
    """Without the `/api/v10` prefix, e.g. `/webhooks/1/tok/messages/@original`."""
    query: dict[str, str]
    body: dict[str, Any]
    """The JSON body, or the multipart `payload_json`."""
    files: list[Upload] = field(default_factory=list)
    status: int = 200

    @property
    def allowed_mentions(self) -> Any:
        return self.message.get("allowed_mentions")

    @property
    def message(self) -> dict[str, Any]:
        """The message fields sent: the body, or `data` of an interaction callback."""
        data = self.body.get("data")
        return data if isinstance(data, dict) and "type" in self.body else self.body

    @property
    def content(self) -> str:
        return str(self.message.get("content") or "")


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py accepts exactly `application/json` (no charset parameter).
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class FakeDiscord:
    def __init__(self) -> None:
        self.valid_token: str | None = None
        """When set, requests with another bot token get Discord's 401."""
        self.calls: list[Call] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.originals: dict[str, str] = {}
        """Interaction token → id of its original response message."""
        self.expired_tokens: set[str] = set()
        self.forbidden_channels: set[str] = set()
        self.closed_dms: set[str] = set()
        self.synced_commands: dict[str, list[dict[str, Any]]] = {}
        self.dm_channels: dict[str, str] = {}
        """User id → their DM channel id."""
        self.gateway_close_code = 4004
        """The gateway answers HELLO, reads IDENTIFY, then closes with this (4004: bad token)."""
        self.identified = asyncio.Event()
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}{API_PREFIX}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        """Just enough of the gateway to refuse a session the way Discord does."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})
        async for message in ws:
            if message.type is WSMsgType.TEXT and json.loads(message.data).get("op") == 2:
                self.identified.set()
                await ws.close(code=self.gateway_close_code, message=b"Authentication failed.")
        return ws

    # -- test helpers ------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    async def wait_for(
        self, predicate: Callable[[Call], bool], *, seconds: float = 15.0, after: int = 0
    ) -> Call:
        """The first recorded call (from index `after`) matching `predicate`, waiting for it."""

        def find() -> Call | None:
            return next((c for c in self.calls[after:] if predicate(c)), None)

        async with asyncio.timeout(seconds), self._changed:
            while (found := find()) is None:
                await self._changed.wait()
            return found

    def add_message(self, channel_id: str = payloads.CHANNEL_ID) -> str:
        """A message "sent earlier" (e.g. a status message to edit); returns its id."""
        return str(self._store(channel_id, {"content": "earlier"}, webhook=True)["id"])

    def dm_channel(self, user_id: str) -> str:
        return self.dm_channels.get(user_id, "no-dm-yet")

    def find(self, predicate: Callable[[Call], bool]) -> list[Call]:
        return [c for c in self.calls if predicate(c)]

    # -- routing -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if self.valid_token and request.headers.get("Authorization") not in (
            None,
            f"Bot {self.valid_token}",
        ):
            return _error(401, 0, "401: Unauthorized")
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        call = Call(request.method, path, dict(request.query), body, files)
        response = self._route(call)
        call.status = response.status
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return response

    async def _read_body(self, request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {}
            files: list[Upload] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):  # pragma: no cover
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files.append(Upload(part.name or "", part.filename or "", bytes(data)))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else {}), []

    def _route(self, call: Call) -> web.Response:
        parts = call.path.strip("/").split("/")
        match call.method, parts:
            case "GET", ["users", "@me"]:
                return _json(payloads.user(payloads.BOT_ID, "songbot", bot=True))
            case "GET", ["gateway", "bot"]:
                gateway = self.base_url.removesuffix(API_PREFIX).replace("http", "ws", 1)
                return _json(
                    {
                        "url": gateway + "/gateway",
                        "shards": 1,
                        "session_start_limit": {
                            "total": 1000,
                            "remaining": 1000,
                            "reset_after": 0,
                            "max_concurrency": 1,
                        },
                    }
                )
            case "GET", ["oauth2", "applications", "@me"]:
                return _json(payloads.application())
            case "PUT", ["applications", _, "commands"]:
                return self._sync("global", call.body)
            case "PUT", ["applications", _, "guilds", guild_id, "commands"]:
                return self._sync(guild_id, call.body)
            case "POST", ["interactions", _, token, "callback"]:
                return self._callback(token, call)
            case "POST", ["webhooks", _, token]:
                return self._followup(token, call)
            case "PATCH", ["webhooks", _, token, "messages", message_id]:
                return self._edit_webhook_message(token, message_id, call)
            case "DELETE", ["webhooks", _, token, "messages", message_id]:
                return self._delete_webhook_message(token, message_id)
            case "GET", ["webhooks", _, token, "messages", message_id]:
                return self._get_webhook_message(token, message_id)
            case "POST", ["channels", channel_id, "messages"]:
                return self._channel_post(channel_id, call)
            case "PATCH", ["channels", channel_id, "messages", message_id]:
                return self._channel_edit(channel_id, message_id, call)
            case "POST", ["users", "@me", "channels"]:
                return self._open_dm(call.body)
        return _error(404, 0, f"fake Discord has no route {call.method} {call.path}")

    # -- handlers ----------------------------------------------------------------------

    def _sync(self, scope: str, commands: Any) -> web.Response:
        self.synced_commands[scope] = list(commands)
        answer = [
            {**command, "id": self.new_id(), "application_id": payloads.APP_ID, "version": "1"}
            for command in commands
        ]
        return _json(answer)

    def _token_dead(self, token: str) -> web.Response | None:
        if token in self.expired_tokens:
            return _error(401, 50027, "Invalid Webhook Token")
        return None

    def _callback(self, token: str, call: Call) -> web.Response:
        # `expired_tokens` models the 15-minute followup window: the initial response
        # (within 3 s) always works.
        kind = call.body["type"]
        data = call.body.get("data") or {}
        interaction: dict[str, Any] = {"id": call.path.split("/")[2], "type": 2}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5, 7):
            message = self._store(payloads.CHANNEL_ID, data, webhook=True)
            if kind == 5:
                message["flags"] = message.get("flags", 0) | 128
            self.originals[token] = message["id"]
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = kind == 5
            interaction["response_message_ephemeral"] = bool(data.get("flags", 0) & 64)
            resource["message"] = message
        return _json({"interaction": interaction, "resource": resource})

    def _followup(self, token: str, call: Call) -> web.Response:
        if (dead := self._token_dead(token)) is not None:
            return dead
        return _json(self._store(payloads.CHANNEL_ID, call.body, call.files, webhook=True))

    def _edit_webhook_message(self, token: str, message_id: str, call: Call) -> web.Response:
        if (dead := self._token_dead(token)) is not None:
            return dead
        if message_id == "@original":
            message_id = self.originals.get(token, "")
        return self._edit(message_id, call)

    def _delete_webhook_message(self, token: str, message_id: str) -> web.Response:
        if (dead := self._token_dead(token)) is not None:
            return dead
        if message_id == "@original":
            message_id = self.originals.get(token, "")
        if self.messages.pop(message_id, None) is None:
            return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)

    def _get_webhook_message(self, token: str, message_id: str) -> web.Response:
        if (dead := self._token_dead(token)) is not None:
            return dead
        if message_id == "@original":
            message_id = self.originals.get(token, "")
        message = self.messages.get(message_id)
        return _json(message) if message else _error(404, 10008, "Unknown Message")

    def _channel_post(self, channel_id: str, call: Call) -> web.Response:
        if channel_id in self.forbidden_channels:
            return _error(403, 50013, "Missing Permissions")
        dm_user = next((u for u, c in self.dm_channels.items() if c == channel_id), None)
        if dm_user in self.closed_dms:
            return _error(403, 50007, "Cannot send messages to this user")
        return _json(self._store(channel_id, call.body, call.files))

    def _channel_edit(self, channel_id: str, message_id: str, call: Call) -> web.Response:
        if channel_id in self.forbidden_channels:
            return _error(403, 50013, "Missing Permissions")
        return self._edit(message_id, call)

    def _open_dm(self, body: dict[str, Any]) -> web.Response:
        user_id = str(body["recipient_id"])
        channel_id = self.dm_channels.setdefault(user_id, self.new_id())
        channel = {
            "id": channel_id,
            "type": 1,
            "last_message_id": None,
            "recipients": [payloads.user(user_id, "someone")],
        }
        return _json(channel)

    def _edit(self, message_id: str, call: Call) -> web.Response:
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        for key in ("content", "embeds", "components", "flags"):
            if key in call.body:
                message[key] = call.body[key]
        if call.files:
            message["attachments"] = self._attachments(call.files)
        message["edited_timestamp"] = datetime.now(UTC).isoformat()
        return _json(message)

    # -- messages ----------------------------------------------------------------------

    def _attachments(self, files: list[Upload]) -> list[dict[str, Any]]:
        return [
            {
                "id": self.new_id(),
                "filename": upload.filename,
                "size": len(upload.data),
                "url": f"https://cdn.example/{upload.filename}",
                "proxy_url": f"https://cdn.example/{upload.filename}",
            }
            for upload in files
        ]

    def _store(
        self,
        channel_id: str,
        body: dict[str, Any],
        files: list[Upload] | None = None,
        *,
        webhook: bool = False,
    ) -> dict[str, Any]:
        message_id = self.new_id()
        message: dict[str, Any] = {
            "id": message_id,
            "channel_id": channel_id,
            "type": 0,
            "content": body.get("content") or "",
            "author": payloads.user(payloads.BOT_ID, "songbot", bot=True),
            "attachments": self._attachments(files or []),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": body.get("flags") or 0,
        }
        if webhook:
            message["webhook_id"] = payloads.APP_ID
            message["application_id"] = payloads.APP_ID
        self.messages[message_id] = message
        return message
