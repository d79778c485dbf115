"""`songbot fake-wavespeed`: run the fake WaveSpeed server from the command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.fake_wavespeed.config import FAULT_HELP, FakeConfig, FaultRule
from bot.fake_wavespeed.server import FakeWaveSpeed

DESCRIPTION = """\
A local stand-in for the WaveSpeed API (https://api.wavespeed.ai): same paths and answers,
tasks that finish after --latency seconds with real audio, bearer auth, 429 above
--concurrency, signed webhooks, /balance, uploads, and injectable faults. Point songbot at it
with WAVESPEED_BASE_URL=http://127.0.0.1:PORT and any WAVESPEED_API_KEY."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = FAULT_HELP
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    add("--public-url", help="base of the output URLs it hands out (default http://HOST:PORT)")
    add("--api-key", help="accept only this key (default: any non-empty bearer key)")
    add("--latency", type=float, default=5.0, help="seconds a task takes to finish (default 5)")
    add(
        "--queue-time",
        type=float,
        help="seconds a task stays 'created' (default 10%% of latency, ≤1)",
    )
    add("--fail-rate", type=float, default=0.0, help="fraction of tasks that end 'failed' (0..1)")
    add("--fail-message", default=FakeConfig.fail_message, help="the error of failed tasks")
    add(
        "--nsfw-rate", type=float, default=0.0, help="fraction of outputs flagged has_nsfw_contents"
    )
    add(
        "--concurrency",
        type=int,
        default=0,
        help="unfinished tasks allowed before 429 (0 = no limit)",
    )
    add("--retry-after", type=float, default=1.0, help="Retry-After seconds sent with 429/503")
    add(
        "--error-body",
        choices=("json", "html"),
        default="json",
        help="body of injected status faults: WaveSpeed's JSON or a proxy's HTML page",
    )
    add(
        "--balance",
        type=float,
        default=100.0,
        help="account balance in USD (0 = every submit refused)",
    )
    add(
        "--output-format",
        choices=("wav", "mp3"),
        default="wav",
        help="output audio format (default wav)",
    )
    add("--output-seconds", type=float, help="render at most this many seconds of audio")
    add("--sample-rate", type=int, default=48000, help="output sample rate (default 48000)")
    add("--slow-seconds", type=float, default=5.0, help="delay of 'slow' faults (default 5)")
    add(
        "--oversized-mb",
        type=float,
        default=150.0,
        help="size of 'oversized' outputs (default 150)",
    )
    add(
        "--fault",
        action="append",
        default=[],
        metavar="ENDPOINT:KIND[:RATE[:TIMES]]",
        help="inject a fault (repeatable; see below)",
    )
    add("--webhook-secret", help="webhook signing secret (default: random whsec_…)")
    add("--seed", type=int, help="seed for the fault and failure dice")
    add("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))


def config_from_args(args: argparse.Namespace) -> FakeConfig:
    config = FakeConfig(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        api_key=args.api_key,
        latency=args.latency,
        queue_time=args.queue_time,
        fail_rate=args.fail_rate,
        fail_message=args.fail_message,
        nsfw_rate=args.nsfw_rate,
        max_concurrency=args.concurrency,
        retry_after=args.retry_after,
        error_body=args.error_body,
        balance=args.balance,
        output_format=args.output_format,
        output_seconds=args.output_seconds,
        sample_rate=args.sample_rate,
        slow_seconds=args.slow_seconds,
        oversized_mb=args.oversized_mb,
        faults=[FaultRule.parse(text) for text in args.fault],
        seed=args.seed,
    )
    if args.webhook_secret:
        config.webhook_secret = args.webhook_secret
    return config


async def serve(config: FakeConfig) -> None:
    fake = FakeWaveSpeed(config)
    base_url = await fake.start()
    print(f"fake WaveSpeed listening on {base_url}", flush=True)
    print(f"  export WAVESPEED_BASE_URL={base_url} WAVESPEED_API_KEY=anything", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config))
    return 0
