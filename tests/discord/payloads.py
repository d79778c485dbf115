"""Raw Discord gateway payloads (INTERACTION_CREATE and friends) for the offline tests.

Shapes follow discord-api-docs; only what discord.py reads is filled in. Each builder returns
a fresh dict, with a new interaction id and token.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

APP_ID = "1100000000000000001"
BOT_ID = APP_ID
GUILD_ID = "1200000000000000002"
CHANNEL_ID = "1300000000000000003"
OWNER_ID = "1400000000000000004"
ALICE_ID = "1500000000000000005"
BOB_ID = "1500000000000000006"

MANAGE_GUILD = 1 << 5
EVERYDAY_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 15) | (1 << 14) | (1 << 31)
"""View Channel, Send Messages, Attach Files, Embed Links, Use Application Commands."""
DEFAULT_SIZE_LIMIT = 10 * 1024 * 1024

_ids = itertools.count(1_600_000_000_000_000_000)


def _next_id() -> str:
    return str(next(_ids))


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def application() -> dict[str, Any]:
    return {
        "id": APP_ID,
        "name": "songbot",
        "icon": None,
        "description": "makes songs",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(OWNER_ID, "owner"),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
    }


def guild_channel(channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD_ID,
        "name": "music",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
    }


def interaction(
    kind: int,
    data: dict[str, Any] | None,
    *,
    user_id: str = ALICE_ID,
    user_name: str = "alice",
    permissions: int = EVERYDAY_PERMISSIONS,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    channel_id: str = CHANNEL_ID,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A guild interaction of `kind` (2 command, 3 component, 4 autocomplete, 5 modal)."""
    payload: dict[str, Any] = {
        "id": _next_id(),
        "application_id": APP_ID,
        "type": kind,
        "token": f"token-{_next_id()}",
        "version": 1,
        "guild_id": GUILD_ID,
        "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
        "channel_id": channel_id,
        "channel": guild_channel(channel_id),
        "member": {
            "user": user(user_id, user_name),
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "permissions": str(permissions),
        },
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": str(EVERYDAY_PERMISSIONS),
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "attachment_size_limit": size_limit,
    }
    if data is not None:
        payload["data"] = data
    if message is not None:
        payload["message"] = message
    return payload


@dataclass(frozen=True)
class UserRef:
    """A USER option value (the member is sent in `resolved`)."""

    user_id: str
    name: str


def _options(values: dict[str, Any], focused: str | None = None) -> list[dict[str, Any]]:
    kinds = {bool: 5, int: 4, str: 3}
    options = []
    for name, value in values.items():
        if isinstance(value, UserRef):
            options.append({"name": name, "type": 6, "value": value.user_id})
            continue
        option: dict[str, Any] = {"name": name, "type": kinds[type(value)], "value": value}
        if name == focused:
            option["focused"] = True
        options.append(option)
    return options


def slash(name: str, options: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    data = {
        "id": _next_id(),
        "name": name,
        "type": 1,
        "guild_id": GUILD_ID,
        "options": _options(options or {}),
    }
    return interaction(2, data, **kwargs)


def _resolved(values: dict[str, Any]) -> dict[str, Any]:
    refs = [v for v in values.values() if isinstance(v, UserRef)]
    if not refs:
        return {}
    return {"users": {ref.user_id: user(ref.user_id, ref.name) for ref in refs}}


def subcommand(
    group: str, name: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    data = {
        "id": _next_id(),
        "name": group,
        "type": 1,
        "guild_id": GUILD_ID,
        "options": [{"name": name, "type": 1, "options": _options(options or {})}],
        "resolved": _resolved(options or {}),
    }
    return interaction(2, data, **kwargs)


def autocomplete(name: str, options: dict[str, Any], focused: str, **kwargs: Any) -> dict[str, Any]:
    data = {
        "id": _next_id(),
        "name": name,
        "type": 1,
        "guild_id": GUILD_ID,
        "options": _options(options, focused),
    }
    return interaction(4, data, **kwargs)


def button_click(custom_id: str, message: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    data = {"custom_id": custom_id, "component_type": 2}
    return interaction(3, data, message=message, **kwargs)


def modal_submit(modal: dict[str, Any], values: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Answer the modal sent in a type-9 callback's `data` with `values` by input custom_id."""
    rows = []
    for row in modal["components"]:
        inputs = row["components"] if row["type"] == 1 else [row["component"]]
        answered = [
            {"type": 4, "custom_id": item["custom_id"], "value": values.get(item["custom_id"], "")}
            for item in inputs
        ]
        if row["type"] == 1:
            rows.append({"type": 1, "components": answered})
        else:
            rows.append({"type": 18, "id": row.get("id", 0), "component": answered[0]})
    return interaction(5, {"custom_id": modal["custom_id"], "components": rows}, **kwargs)
