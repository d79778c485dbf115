"""Budgets through the real core and storage: a burst of concurrent requests never
overspends, users see the cost up front, and holds survive a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core import SongBot, build_core
from bot.models import Origin
from bot.settings import Settings
from storage.ledger import Balance
from tests.support import BUDGETED, RecordingNotifier, settings_for

ALICE = Origin(platform="console", user_id="alice")
SONG = "/song lofi, chill duration: 60"  # 60 s × $0.0002 = $0.012
GUILD = "900000000000000009"


def settings(tmp_path: Path, **overrides: object) -> Settings:
    fair = {"songbot_max_jobs_per_user": 100, "songbot_cooldown_seconds": 0}
    return settings_for(tmp_path, **{**BUDGETED, **fair, **overrides})


async def started(core: SongBot, *platforms: str) -> SongBot:
    for platform in platforms:
        core.add_notifier(RecordingNotifier(platform))
    await core.start()
    return core


async def test_200_concurrent_requests_from_one_user_get_exactly_what_the_budget_allows(
    tmp_path: Path,
) -> None:
    core = await started(build_core(settings(tmp_path)), "console")
    try:
        replies = await asyncio.gather(*(core.handle_text(ALICE, SONG) for _ in range(200)))
        accepted = [reply for reply in replies if reply.ok]
        rejected = [reply for reply in replies if not reply.ok]
        assert len(accepted) == 41  # $0.50 // $0.012
        assert all("Cost: **$0.012**" in reply.text for reply in accepted)
        assert len({reply.job.id for reply in accepted if reply.job}) == 41
        for reply in rejected:
            assert "would cost **$0.012**" in reply.text
            assert "**$0.008** left" in reply.text
            assert "resets" in reply.text
        ledger = core.budgets.ledger
        quota = await core.budgets.quota(ALICE.user_key)
        assert quota.user.balance.used_micros == 41 * 12_000
        assert await ledger.balances() == await ledger.balances_from_entries()
    finally:
        await core.stop()

    # After a restart the holds of unfinished songs still count.
    core = await started(build_core(settings(tmp_path)), "console")
    try:
        assert not (await core.handle_text(ALICE, SONG)).ok
        text = (await core.handle_text(ALICE, "/quota")).text
        assert "left: **$0.008**" in text
    finally:
        await core.stop()


async def test_a_server_cap_holds_against_a_crowd(tmp_path: Path) -> None:
    core = await started(
        build_core(settings(tmp_path, songbot_server_budget_usd="0.10")), "discord"
    )
    members = [
        Origin(platform="discord", user_id=f"{10**17 + n}", server_id=GUILD) for n in range(20)
    ]
    try:
        replies = await asyncio.gather(
            *(core.handle_text(members[n % 20], SONG) for n in range(200))
        )
        assert sum(reply.ok for reply in replies) == 8  # $0.10 // $0.012
        server = (await core.budgets.quota(members[0].user_key, f"discord:{GUILD}")).server
        assert server is not None
        assert server.balance == Balance(held_micros=8 * 12_000)
    finally:
        await core.stop()


async def test_delivery_captures_and_cancel_releases(tmp_path: Path) -> None:
    core = await started(build_core(settings(tmp_path, songbot_max_concurrent_jobs=1)), "console")
    try:
        first = await core.handle_text(ALICE, "/song lofi duration: 5")
        second = await core.handle_text(ALICE, "/song jazz duration: 10")
        assert first.job is not None and second.job is not None
        cancelled = await core.handle_text(ALICE, f"/cancel {second.job.id}")
        assert cancelled.ok and "not charged" in cancelled.text
        await asyncio.wait_for(core.wait_idle(), 60)
        ledger = core.budgets.ledger
        assert await ledger.hold_state(first.job.id) == "capture"
        assert await ledger.hold_state(second.job.id) == "release"
        quota = await core.budgets.quota(ALICE.user_key)
        assert quota.user.balance == Balance(held_micros=0, spent_micros=1_000, songs=1)
    finally:
        await core.stop()
