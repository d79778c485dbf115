"""HTTP mode rejects forged and stale signatures; Socket Mode works with no public URL."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from adapters.slack.modals import ModalContext
from tests.slack import signing
from tests.slack.conftest import PUBLIC, USER, SlackWorld, World
from tests.slack.fake_slack import APP_TOKEN


async def test_forged_signature_is_rejected(world: SlackWorld) -> None:
    body = signing.command_body(
        "lofi duration: 5", user=USER, channel=PUBLIC, response_url=world.fake.response_url()
    )
    forged = await world.post(body, signing.signed_headers(body, secret="not-the-secret"))
    unsigned = await world.post(body, {"Content-Type": "application/x-www-form-urlencoded"})

    assert forged.status == 401
    assert unsigned.status == 401
    assert _acted(world) == []


async def test_stale_signature_is_rejected(world: SlackWorld) -> None:
    body = signing.command_body(
        "lofi duration: 5", user=USER, channel=PUBLIC, response_url=world.fake.response_url()
    )
    replayed = await world.post(body, signing.signed_headers(body, age=6 * 60))

    assert replayed.status == 401
    assert _acted(world) == []


async def test_tampered_body_is_rejected(world: SlackWorld) -> None:
    body = signing.command_body(
        "lofi duration: 5", user=USER, channel=PUBLIC, response_url=world.fake.response_url()
    )
    headers = signing.signed_headers(body)
    tampered = body.replace(f"user_id={USER}", "user_id=UADMIN")

    assert (await world.post(tampered, headers)).status == 401


async def test_socket_mode_command_and_modal_errors(make_world: World) -> None:
    world = await make_world(slack_app_token=APP_TOKEN, slack_signing_secret="")
    fake = world.fake
    assert world.adapter.mode == "socket"
    url = fake.response_url("cmd")
    command = dict(
        parse_qsl(
            signing.command_body("lofi duration: 5", user=USER, channel=PUBLIC, response_url=url)
        )
    )

    ack = await fake.push_envelope("slash_commands", command)

    assert "payload" not in ack or not ack["payload"]
    (done,) = await fake.wait_for("files.completeUploadExternal")
    assert done["channel_id"] == PUBLIC

    metadata = ModalContext(PUBLIC, url).dump()
    submission = signing.view_submission(user=USER, metadata=metadata, tags="", duration="9000")
    ack = await fake.push_envelope("interactive", submission)
    assert ack["payload"]["response_action"] == "errors"
    assert set(ack["payload"]["errors"]) == {"tags", "duration"}
    assert json.dumps(ack)  # plain JSON all the way


def _acted(world: SlackWorld) -> list[str]:
    """Web API calls other than the adapter's start-up `auth.test`."""
    return [call.method for call in world.fake.calls if call.method != "auth.test"]
