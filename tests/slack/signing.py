"""Building Slack's HTTP payloads, signed the way Slack signs them (v0 HMAC-SHA256)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.slack.fake_slack import TEAM

SECRET = "test-signing-secret"


def signed_headers(body: str, *, secret: str = SECRET, age: float = 0.0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def command_body(
    text: str, *, user: str, channel: str, response_url: str, trigger_id: str = "trigger-1"
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": "/song",
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_action(
    action_id: str, value: str, *, user: str, channel: str, response_url: str
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A1",
        "trigger_id": "trigger-button",
        "container": {"type": "message", "message_ts": "1.0", "channel_id": channel},
        "channel": {"id": channel, "name": channel.lower()},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "buttons",
                "value": value,
                "action_ts": "1.1",
            }
        ],
    }


def view_submission(
    *,
    user: str,
    metadata: str,
    tags: str = "",
    duration: str = "",
    seed: str = "",
    lyrics: str = "",
    private: bool = False,
) -> dict[str, Any]:
    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value or None}}

    chosen = [{"value": "private", "text": {"type": "plain_text", "text": "Private"}}]
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A1",
        "trigger_id": "trigger-view",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "song_modal",
            "private_metadata": metadata,
            "state": {
                "values": {
                    "tags": text(tags),
                    "duration": text(duration),
                    "seed": text(seed),
                    "lyrics": text(lyrics),
                    "private": {
                        "value": {
                            "type": "checkboxes",
                            "selected_options": chosen if private else [],
                        }
                    },
                }
            },
        },
    }
