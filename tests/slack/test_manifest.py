"""The shipped manifest asks for exactly the scopes the adapter's Web API calls need (the fake
enforces them in every other test), and matches the adapter's wiring."""

from __future__ import annotations

from adapters.slack.adapter import EVENTS_PATH
from adapters.slack.handlers import SLASH_COMMAND
from tests.slack.fake_slack import MANIFEST, SCOPES, manifest_bot_scopes


def test_manifest_scopes_are_exactly_the_needed_ones() -> None:
    needed = {scope for scope in SCOPES.values() if scope is not None} | {"commands"}
    assert manifest_bot_scopes() == needed


def test_manifest_declares_the_command_interactivity_and_socket_mode() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert f"- command: {SLASH_COMMAND}\n" in text
    assert "should_escape: true" in text
    assert text.count(f"https://YOUR-PUBLIC-HOST{EVENTS_PATH}") == 2
    assert "interactivity:\n    is_enabled: true" in text
    assert "socket_mode_enabled: true" in text
    assert "messages_tab_enabled: true" in text
