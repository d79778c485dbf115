"""Small assertions and lookups over the fake's recorded calls."""

from __future__ import annotations

import re
from typing import Any

from tests.discord.fake_discord import Call

JOB_ID = re.compile(r"Job `([a-z0-9]+)`")


def job_id_in(text: str) -> str:
    match = JOB_ID.search(text)
    assert match, f"no job id in {text!r}"
    return match.group(1)


def is_followup(token: str) -> Any:
    def check(call: Call) -> bool:
        return (
            call.method == "POST"
            and call.path.startswith("/webhooks/")
            and call.path.endswith(f"/{token}")
        )

    return check


def status_edits(calls: list[Call], token: str) -> list[str]:
    return [
        call.content
        for call in calls
        if call.method == "PATCH" and f"/{token}/messages/" in call.path
    ]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [
        item["custom_id"]
        for row in message.get("components", [])
        for item in row.get("components", [])
        if "custom_id" in item
    ]


def no_pings(call: Call) -> None:
    """The request explicitly allows no mentions at all."""
    assert call.allowed_mentions == {"parse": []} or call.allowed_mentions == {
        "parse": [],
        "replied_user": False,
    }, call.allowed_mentions
