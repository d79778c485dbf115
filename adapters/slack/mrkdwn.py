"""Turning the core's markdown subset into Slack mrkdwn that can never ping anyone.

Slack only turns `<!channel>`, `<!here>`, `<@U…>` and `<#C…>` into mentions when they are
written with angle brackets (we never send `link_names`), so escaping `&`, `<` and `>` as
`&amp;`, `&lt;` and `&gt;` is enough to make any user text inert.
"""

from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def escape(text: str) -> str:
    """User text made inert: the three characters Slack's control sequences use."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text as the user typed it: Slack sends `&`, `<` and `>` in message and command text as
    `&amp;`, `&lt;` and `&gt;` (`&amp;` last, so a typed `&lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_mrkdwn(markdown: str) -> str:
    """The core's `**bold**` / `code` subset as Slack mrkdwn, with every `<`/`>` escaped."""
    return _BOLD.sub(r"*\1*", escape(markdown))


def to_plain(markdown: str) -> str:
    """For plain_text fields (modal errors): the bold markers dropped, nothing escaped."""
    return _BOLD.sub(r"\1", markdown)


def mention(user_id: str) -> str:
    """A mention of a Slack user id we got from Slack itself (never from user text)."""
    return f"<@{user_id}>" if re.fullmatch(r"[UW][A-Z0-9]+", user_id) else escape(user_id)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
