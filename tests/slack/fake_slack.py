"""A fake Slack Web API on 127.0.0.1, in the spirit of bolt-python's mock_web_api_server.

It answers the Web API methods the adapter uses (arguments may arrive as query params, form
fields or JSON, as slack_sdk sends them), the files_upload_v2 upload URL, and `response_url`
webhooks. It models just enough of Slack to test the rules that matter: the bot must be a
member of a channel to post or upload there; `conversations.join` works on public channels
only; DMs come from `conversations.open`. Every call is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

BOT_USER = "UBOT"
TEAM = "T1"
TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"

MANIFEST = Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yml"

Handler = Callable[[dict[str, Any]], dict[str, Any]]

SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "apps.connections.open": None,  # app-level token (connections:write), not a bot scope
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "views.open": None,  # needs only a trigger_id
    "conversations.join": "channels:join",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
"""Every Web API method the fake answers, with the bot scope Slack requires for it."""


def manifest_bot_scopes(path: Path = MANIFEST) -> set[str]:
    """The `oauth_config.scopes.bot` list of the shipped manifest (a tiny reader for our own
    file's layout, so the tests need no YAML library)."""
    scopes: set[str] = set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == "bot:":
            inside = True
        elif inside and (item := re.match(r"\s+- ([\w:.]+)", line)):
            scopes.add(item.group(1))
        elif inside and line.strip() and not line.strip().startswith("#"):
            break
    return scopes


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class Channel:
    id: str
    kind: str  # "public" | "private" | "im"
    members: set[str] = field(default_factory=set)


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    history: list[str] = field(default_factory=list)
    deleted: bool = False


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.webhooks: list[tuple[str, dict[str, Any]]] = []
        self.uploads: dict[str, bytes] = {}
        self.messages: dict[str, Message] = {}
        self.channels: dict[str, Channel] = {}
        self.admins: set[str] = set()
        self.granted_scopes = manifest_bot_scopes()
        """Calls needing any other scope fail with `missing_scope`, as on a real install."""
        self.fail_next: dict[str, str] = {}
        """method -> error code returned once (e.g. `{"files.completeUploadExternal": "…"}`)."""
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._methods: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "views.open": lambda args: {"view": {"id": f"V{next(self._ids)}"}},
            "conversations.join": self._join,
            "conversations.open": self._open_dm,
            "users.info": self._user_info,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": lambda args: {"url": f"ws://127.0.0.1:{self.port}/socket"},
        }

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._receive_upload)
        app.router.add_post("/hooks/{hook_id}", self._webhook)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, hook_id: str = "cmd") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{hook_id}"

    # -- the world ----------------------------------------------------------------------

    def add_channel(
        self, channel_id: str, kind: str = "public", *, bot_member: bool = False
    ) -> None:
        members = {BOT_USER} if bot_member else set()
        self.channels[channel_id] = Channel(channel_id, kind, members)

    def is_member(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is not None and BOT_USER in channel.members

    # -- waiting ------------------------------------------------------------------------

    def posted(self, channel: str) -> list[Message]:
        """Messages posted in `channel`, oldest first (edits are in each one's `history`)."""
        return [m for m in self.messages.values() if m.channel == channel]

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == method]

    async def wait_until(self, check: Callable[[], Any], within: float = 20) -> Any:
        """Wait until `check()` returns something truthy (re-checked after every call)."""

        async def poll() -> Any:
            async with self._changed:
                while not (result := check()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(poll(), within)

    async def wait_for(self, method: str, count: int = 1) -> list[dict[str, Any]]:
        """The arguments of every `method` call, once there have been at least `count`."""
        await self.wait_until(lambda: len(self.called(method)) >= count)
        return self.called(method)

    async def wait_webhook(self, count: int = 1) -> list[dict[str, Any]]:
        """Bodies posted to response_url hooks, once there have been at least `count`."""
        await self.wait_until(lambda: len(self.webhooks) >= count)
        return [body for _, body in self.webhooks]

    async def _record(self, call: Call | None = None) -> None:
        async with self._changed:
            if call is not None:
                self.calls.append(call)
            self._changed.notify_all()

    # -- HTTP ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = APP_TOKEN if method == "apps.connections.open" else TOKEN
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"ok": False, "error": "not_authed"})
        args = await _arguments(request)
        handler = self._methods.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        scope = SCOPES[method]
        if scope is not None and scope not in self.granted_scopes:
            await self._record(Call(method, args))
            return web.json_response({"ok": False, "error": "missing_scope", "needed": scope})
        body: dict[str, Any] = {"ok": False, "error": self.fail_next.pop(method, "")}
        if not body["error"]:
            try:
                body = {"ok": True, **handler(args)}
            except _Error as exc:
                body = {"ok": False, "error": str(exc)}
        await self._record(Call(method, args))
        return web.json_response(body)

    async def _receive_upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        await self._record()
        return web.Response(text="OK")

    async def _webhook(self, request: web.Request) -> web.Response:
        self.webhooks.append((request.match_info["hook_id"], await request.json()))
        await self._record()
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record the app's acks of the envelopes we push."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        await self._record()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                await self._record()
        return ws

    async def push_envelope(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a Socket Mode envelope ("slash_commands", "interactive") and return the
        app's ack (`{"envelope_id": …, "payload": …}`)."""
        await self.wait_until(lambda: self.sockets)
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
        }
        await self.sockets[-1].send_json(envelope)
        acks = await self.wait_until(
            lambda: [a for a in self.socket_acks if a.get("envelope_id") == envelope_id]
        )
        return dict(acks[0])

    # -- methods (each returns the body after `"ok": true`, or raises _Error) ------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM, "user": "songbot"}

    def _new_ts(self) -> str:
        return f"1700000000.{next(self._ids):06d}"

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        self._check_member(channel)
        ts = self._new_ts()
        blocks = _json_list(args.get("blocks"))
        self.messages[ts] = Message(channel, ts, str(args.get("text", "")), blocks)
        return {"channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_member(str(args.get("channel")))
        return {"message_ts": self._new_ts()}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(str(args.get("ts")))
        if message is None or message.channel != args.get("channel") or message.deleted:
            raise _Error("message_not_found")
        message.history.append(message.text)
        message.text = str(args.get("text", ""))
        message.blocks = _json_list(args.get("blocks"))
        return {"channel": message.channel, "ts": message.ts, "text": message.text}

    def _delete(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(str(args.get("ts")))
        if message is None or message.deleted:
            raise _Error("message_not_found")
        message.deleted = True
        return {"channel": message.channel, "ts": message.ts}

    def _join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            raise _Error("channel_not_found")
        if channel.kind != "public":
            raise _Error("method_not_supported_for_channel_type")
        channel.members.add(BOT_USER)
        return {"channel": {"id": channel.id, "is_channel": True}}

    def _open_dm(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("users"))
        dm = f"D{user}"
        self.channels.setdefault(dm, Channel(dm, "im", {BOT_USER, user}))
        return {"channel": {"id": dm}}

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user"))
        return {"user": {"id": user, "name": user.lower(), "is_admin": user in self.admins}}

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids)}"
        url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
        return {"upload_url": url, "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_member(str(args.get("channel_id")))
        files = _json_list(args.get("files"))
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _check_member(self, channel_id: str) -> None:
        if channel_id not in self.channels:
            raise _Error("channel_not_found")
        if not self.is_member(channel_id):
            raise _Error("not_in_channel")


class _Error(Exception):
    pass


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        args.update(await request.post())
    return args


def _json_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])
