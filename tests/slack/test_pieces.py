"""The adapter's pure pieces: command mapping, safe text, modal plumbing, payload reading."""

from __future__ import annotations

import pytest

from adapters.slack import SlackAdapter, blocks, modals
from adapters.slack.channels import Asker
from adapters.slack.handlers import command_line
from adapters.slack.mrkdwn import escape, mention, to_mrkdwn, to_plain
from bot.core import build_core
from bot.settings import SettingsError
from tests.slack.fake_slack import FakeSlack
from tests.support import settings_for


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("lofi, chill duration: 30", "/song lofi, chill duration: 30"),
        ("quota", "/quota"),
        ("History please", "/history please"),
        ("cancel ab12cd", "/cancel ab12cd"),
        ("HELP", "/help"),
        ("admin budget <@U1> 2", "/admin budget <@U1> 2"),
        ("helpful, jazz", "/song helpful, jazz"),
    ],
)
def test_first_word_picks_the_command(text: str, line: str) -> None:
    assert command_line(text) == line


def test_text_is_escaped_and_bold_converted() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
    assert to_mrkdwn("**tags** are `<!channel>`") == "*tags* are `&lt;!channel&gt;`"
    assert to_plain("**tags** are missing") == "tags are missing"
    assert blocks.slack_text("Try `/cancel ab12` or `/help`.") == (
        "Try `/song cancel ab12` or `/song help`."
    )


def test_mentions_only_for_real_user_ids() -> None:
    assert mention("U0ABC123") == "<@U0ABC123>"
    assert mention("!channel>") == "!channel&gt;"


def test_modal_context_survives_the_round_trip_and_junk() -> None:
    context = modals.ModalContext("C1", "https://hooks.slack.com/commands/x")
    assert modals.ModalContext.load(context.dump()) == context
    assert modals.ModalContext.load("not json") == modals.ModalContext()
    assert modals.ModalContext.load("[1, 2]") == modals.ModalContext()


def test_field_errors_land_on_known_blocks() -> None:
    errors = modals.field_errors({"tags": "**tags** are missing", "other": "x" * 500})
    assert errors["tags"].startswith("tags are missing")
    assert len(errors["tags"]) < 400


def test_asker_reads_commands_and_interactions() -> None:
    command = {"user_id": "U1", "user_name": "ann", "team_id": "T1", "channel_id": "C1"}
    action = {
        "user": {"id": "U2", "username": "bob"},
        "team": {"id": "T1"},
        "channel": {"id": "C2"},
    }
    view = {"user": {"id": "U3", "name": "cy", "team_id": "T9"}}
    assert Asker.from_payload(command) == Asker("U1", "ann", "T1", "C1")
    assert Asker.from_payload(action) == Asker("U2", "bob", "T1", "C2")
    assert Asker.from_payload(view, channel_id="C3") == Asker("U3", "cy", "T9", "C3")
    origin = Asker("U1", "ann", "T1", "C1").origin({"k": "v"})
    assert (origin.platform, origin.server_key, origin.reply) == ("slack", "slack:T1", {"k": "v"})


def test_settings_problems_fail_clearly(tmp_path) -> None:
    settings = settings_for(tmp_path, slack_bot_token="xoxb-test")
    with pytest.raises(SettingsError, match=r"SLACK_APP_TOKEN .* or SLACK_SIGNING_SECRET"):
        SlackAdapter(build_core(settings), settings)


async def test_a_refused_token_fails_at_start(tmp_path, fake_slack: FakeSlack) -> None:
    settings = settings_for(tmp_path, slack_bot_token="xoxb-wrong", slack_signing_secret="s")
    adapter = SlackAdapter(build_core(settings), settings, client_base_url=fake_slack.api_url)
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN was refused by Slack"):
        await adapter.start()
