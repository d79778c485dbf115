"""The `songbot` command: run, console, fake-wavespeed, admin."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.backends.base import BackendError
from bot.ports import ChatAdapter
from bot.settings import Settings, SettingsError, load_settings
from storage.errors import StorageError

log = logging.getLogger("songbot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="songbot", description="Make songs with ACE-Step from Discord, Slack or a console."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", help="start every adapter with credentials configured (the console when none)"
    )
    console = commands.add_parser("console", help="make songs from this terminal")
    console.add_argument("--user", default=None, help="your user name (default: login name)")
    console.add_argument("--out", type=Path, default=None, help="folder for finished MP3s")
    console.add_argument("--db", type=Path, default=None, help="SQLite database path")
    console.add_argument("--verbose", action="store_true", help="show log messages")

    from bot.fake_wavespeed import cli as fake_cli

    fake_cli.configure(
        commands.add_parser("fake-wavespeed", help="run a local fake of the WaveSpeed API")
    )

    from bot import admin_cli

    admin_cli.configure(commands.add_parser("admin", help="budgets and usage (admins)"))
    return parser


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command == "fake-wavespeed":
            from bot.fake_wavespeed import cli as fake_cli

            return fake_cli.run(args)
        if command == "admin":
            from bot import admin_cli

            return admin_cli.run(args)
        if command == "console":
            overrides = {"songbot_out_dir": args.out, "songbot_db": args.db}
            settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
            setup_logging(settings.songbot_log_level if args.verbose else "WARNING")
            user = args.user or _login_name()
            return _run_async(lambda stop: run_console(settings, user, stop))
        settings = load_settings()
        setup_logging(settings.songbot_log_level)
        return _run_async(lambda stop: run_bot(settings, stop))
    except SettingsError as exc:
        print(f"songbot: {exc}", file=sys.stderr)
        return 2


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "you"


def _run_async(body: Callable[[asyncio.Event], Awaitable[int]]) -> int:
    async def wrapper() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        try:
            return await body(stop)
        except BackendError as exc:
            print(f"songbot: {exc.user_message}", file=sys.stderr)
            return 1
        except StorageError as exc:
            print(f"songbot: {exc} (set SONGBOT_DB or --db)", file=sys.stderr)
            return 1

    return asyncio.run(wrapper())


async def _until_stopped(work: Awaitable[int], stop: asyncio.Event) -> int:
    """Run `work` until it finishes or a stop signal arrives (then 130, like Ctrl-C)."""
    work_task = asyncio.ensure_future(work)
    stop_task = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({work_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    for task in (work_task, stop_task):
        if task not in done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return work_task.result() if work_task in done else 130


async def _until_stopped_or_failed(adapters: list[ChatAdapter], stop: asyncio.Event) -> int:
    """Wait for a stop signal (exit 0) or an adapter failing for good (exit 1, loudly, so a
    supervisor restarts songbot rather than it running on without a platform)."""
    stopped = asyncio.ensure_future(stop.wait())
    watchers = [asyncio.ensure_future(adapter.wait_failed()) for adapter in adapters]
    done, _ = await asyncio.wait([stopped, *watchers], return_when=asyncio.FIRST_COMPLETED)
    failure = None
    if stopped not in done:
        failure = next(
            (a, w.result()) for a, w in zip(adapters, watchers, strict=True) if w in done
        )
    for task in (stopped, *watchers):
        task.cancel()
    await asyncio.gather(stopped, *watchers, return_exceptions=True)
    if failure is not None:
        adapter, cause = failure
        print(f"songbot: the {adapter.platform} adapter stopped: {cause}", file=sys.stderr)
        return 1
    log.info("shutting down")
    return 0


async def run_console(settings: Settings, user: str, stop: asyncio.Event) -> int:
    from adapters.console import ConsoleAdapter
    from bot.core import build_core

    core = build_core(settings)
    console = ConsoleAdapter(core, user=user)
    core.add_notifier(console)
    await core.start()
    try:
        await console.start()
        code = await _until_stopped(console.run(), stop)
        if code == 130:
            console.say("\nStopped. Unfinished songs resume the next time songbot starts.")
        return code
    finally:
        await console.stop()
        await core.stop()


async def run_bot(settings: Settings, stop: asyncio.Event) -> int:
    """Start every configured chat adapter on one shared core; the console when none is."""
    from bot.core import build_core

    core = build_core(settings)
    adapters: list[ChatAdapter] = []
    if settings.discord_token:
        from adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(core, settings, files_base_url=settings.songbot_files_url))
    if settings.slack_bot_token:
        from adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(core, settings))
    if not adapters:
        log.info("no chat credentials configured: starting the console")
        return await run_console(settings, _login_name(), stop)
    for adapter in adapters:
        core.add_notifier(adapter)
    await core.start()
    started: list[ChatAdapter] = []
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter running", adapter.platform)
        return await _until_stopped_or_failed(started, stop)
    finally:
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        await core.stop()
