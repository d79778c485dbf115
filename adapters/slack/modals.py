"""The song modal: building the view, reading a submission, and mapping field errors.

Block ids are the `bot.grammar.validate_fields` field names, so its errors go straight into
`ack(response_action="errors", errors=…)` and show under the right input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adapters.slack.mrkdwn import to_plain, truncate
from bot.models import MAX_TAGS_CHARS, SongRequest

CALLBACK_ID = "song_modal"
SLACK_TEXT_INPUT_LIMIT = 3000
"""Slack's plain_text_input maximum (Discord allows 4000; the grammar accepts up to that)."""
FIELDS = ("tags", "duration", "seed", "lyrics", "private")
_VALUE = "value"
_PRIVATE_OPTION = "private"
_ERROR_LIMIT = 300


@dataclass(frozen=True)
class ModalContext:
    """Where the modal was opened, carried through Slack in `private_metadata`."""

    channel_id: str | None = None
    response_url: str | None = None

    def dump(self) -> str:
        return json.dumps({"c": self.channel_id, "r": self.response_url})

    @classmethod
    def load(cls, metadata: str) -> ModalContext:
        try:
            data = json.loads(metadata or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        channel, url = data.get("c"), data.get("r")
        return cls(
            channel_id=channel if isinstance(channel, str) else None,
            response_url=url if isinstance(url, str) else None,
        )


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    placeholder: str = "",
    hint: str = "",
    optional: bool = True,
    multiline: bool = False,
    max_length: int | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": _VALUE}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    if max_length:
        element["max_length"] = max_length
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def song_modal(
    context: ModalContext, prefill: SongRequest | None = None, seed: int | None = None
) -> dict[str, Any]:
    """The `/song` form; `prefill` (and the seed actually used) for "Edit lyrics"."""
    private_box: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": _VALUE,
        "options": [
            {
                "text": _plain("Private"),
                "description": _plain("Send the song to me by direct message"),
                "value": _PRIVATE_OPTION,
            }
        ],
    }
    if prefill is not None and prefill.private:
        private_box["initial_options"] = private_box["options"]
    lyrics = prefill.lyrics if prefill else ""
    lyrics_hint = "Blank for an instrumental."
    if len(lyrics) > SLACK_TEXT_INPUT_LIMIT:
        lyrics = lyrics[:SLACK_TEXT_INPUT_LIMIT]
        lyrics_hint = (
            f"These lyrics were cut to their first {SLACK_TEXT_INPUT_LIMIT} characters, "
            "Slack's limit for this field. " + lyrics_hint
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain("Edit lyrics" if prefill else "New song"),
        "submit": _plain("Make it"),
        "close": _plain("Cancel"),
        "private_metadata": context.dump(),
        "blocks": [
            _text_input(
                "tags",
                "Tags",
                initial=prefill.tags_text if prefill else "",
                placeholder="lofi, chill, piano",
                hint="Comma-separated styles.",
                optional=False,
                max_length=MAX_TAGS_CHARS,
            ),
            _text_input(
                "duration",
                "Duration",
                initial=str(prefill.duration) if prefill else "",
                placeholder="60",
                hint="Seconds (90, 1:30, 2m); default 60.",
            ),
            _text_input(
                "seed",
                "Seed",
                initial="" if seed is None else str(seed),
                placeholder="random",
                hint="The same seed and settings make the same song; blank for random.",
            ),
            _text_input(
                "lyrics",
                "Lyrics",
                initial=lyrics,
                placeholder="[verse]\n…\n[chorus]\n…",
                hint=lyrics_hint,
                multiline=True,
                max_length=SLACK_TEXT_INPUT_LIMIT,
            ),
            {
                "type": "input",
                "block_id": "private",
                "optional": True,
                "label": _plain("Delivery"),
                "element": private_box,
            },
        ],
    }


def submitted_fields(view: dict[str, Any]) -> dict[str, Any]:
    """`validate_fields` keyword arguments from a view_submission's `view.state`."""
    values: dict[str, Any] = view.get("state", {}).get("values", {})

    def text(block_id: str) -> str | None:
        value = values.get(block_id, {}).get(_VALUE, {}).get("value")
        return value if isinstance(value, str) else None

    chosen = values.get("private", {}).get(_VALUE, {}).get("selected_options") or []
    private = any(option.get("value") == _PRIVATE_OPTION for option in chosen)
    return {
        "tags": text("tags"),
        "duration": text("duration"),
        "seed": text("seed"),
        "lyrics": text("lyrics"),
        "private": private,
    }


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """Grammar messages as Slack input errors (plain text, short, on a known block)."""
    shown: dict[str, str] = {}
    for name, message in errors.items():
        block = name if name in FIELDS else "tags"
        text = truncate(to_plain(message), _ERROR_LIMIT)
        shown[block] = f"{shown[block]} {text}" if block in shown else text
    return shown
