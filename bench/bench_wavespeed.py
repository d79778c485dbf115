"""Benchmark: N concurrent song jobs through songbot's WaveSpeed backend vs the official SDK.

Run on demand (never from tests):

    .venv/bin/python bench/bench_wavespeed.py [--sizes 10,100,1000] [--latency 20]
                                              [--sdk-threads 1000]

The fake WaveSpeed server runs in its own process (its CPU is not counted) with tasks that take
`--latency` seconds and 1-second WAV outputs. Each (client, N) pair runs in a fresh worker
process that submits N jobs at once, waits for them and downloads every output, then reports
its wall time, CPU seconds (user + system, all threads), peak RSS, and the result GETs per job
(counted by the fake). songbot uses its production poll schedule; the SDK its default
`poll_interval` of 1 s, one thread per job (the SDK is synchronous) up to `--sdk-threads`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
MODEL = "wavespeed-ai/ace-step"
INPUT = {"tags": "lofi, chill", "lyrics": "[inst]", "duration": 30, "seed": 1}


def usage() -> tuple[float, float]:
    """(CPU seconds so far, peak RSS in MB) of this process."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime, own.ru_maxrss / 1024


def fake_stats(base_url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{base_url}/_fake/stats").json()
    return stats


# --- workers (one process each) --------------------------------------------------------------


async def run_songbot(base_url: str, jobs: int) -> int:
    from bot.backends.base import GenerationSpec
    from bot.backends.wavespeed import WaveSpeedBackend, WaveSpeedClient

    backend = WaveSpeedBackend(WaveSpeedClient("bench-key", base_url=base_url), check_account=False)
    spec = GenerationSpec(**INPUT)  # type: ignore[arg-type]

    async def progress(status: str) -> None:
        pass

    async def job() -> int:
        audio = await backend.wait(await backend.submit(spec), spec, progress)
        return len(audio.data)

    try:
        sizes = await asyncio.gather(*(job() for _ in range(jobs)), return_exceptions=True)
    finally:
        await backend.aclose()
    return sum(1 for size in sizes if isinstance(size, int) and size > 0)


def run_sdk(base_url: str, jobs: int, threads: int) -> int:
    import requests
    from wavespeed import Client

    def job(_: int) -> int:
        client = Client(api_key="bench-key", base_url=base_url)
        outputs = client.run(MODEL, INPUT)["outputs"]
        return len(requests.get(outputs[0], timeout=60).content)

    with ThreadPoolExecutor(max_workers=min(jobs, threads)) as pool:
        sizes = list(pool.map(job, range(jobs)))
    return sum(1 for size in sizes if size > 0)


def worker(args: argparse.Namespace) -> None:
    if args.worker == "sdk":
        import requests  # noqa: F401 - imported before the baseline, like songbot's modules
        import wavespeed  # noqa: F401
    else:
        import bot.backends.wavespeed  # noqa: F401
    cpu0, rss0 = usage()
    before = fake_stats(args.base_url)
    start = time.perf_counter()
    if args.worker == "sdk":
        ok = run_sdk(args.base_url, args.jobs, args.sdk_threads)
    else:
        ok = asyncio.run(run_songbot(args.base_url, args.jobs))
    wall = time.perf_counter() - start
    cpu1, rss1 = usage()
    after = fake_stats(args.base_url)
    gets = after["requests"].get("result", 0) - before["requests"].get("result", 0)
    print(
        json.dumps(
            {
                "client": args.worker,
                "jobs": args.jobs,
                "ok": ok,
                "wall_s": wall,
                "cpu_s": cpu1 - cpu0,
                "peak_rss_mb": rss1,
                "baseline_rss_mb": rss0,
                "gets_per_job": gets / args.jobs,
            }
        )
    )


# --- orchestration ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_fake(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "bot.fake_wavespeed", "--port", str(port)]
    command += ["--latency", str(latency), "--output-seconds", "1", "--log-level", "WARNING"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            fake_stats(base_url)
            return process, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the fake WaveSpeed server did not start")


def run_worker(client: str, jobs: int, base_url: str, sdk_threads: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", client, "--jobs", str(jobs)]
    command += ["--base-url", base_url, "--sdk-threads", str(sdk_threads)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{client} × {jobs} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--latency", type=float, default=20.0, help="seconds per fake task")
    parser.add_argument("--sdk-threads", type=int, default=1000, help="cap on SDK threads")
    parser.add_argument("--clients", default="songbot,sdk")
    parser.add_argument("--worker", choices=("songbot", "sdk"), help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    fake, base_url = start_fake(args.latency)
    rows = []
    try:
        for jobs in (int(n) for n in args.sizes.split(",")):
            for client in args.clients.split(","):
                row = run_worker(client, jobs, base_url, args.sdk_threads)
                rows.append(row)
                print(f"  {client} × {jobs}: done", file=sys.stderr)
    finally:
        fake.terminate()
        fake.wait()

    print(f"\n{args.latency:g}-second tasks, 1-second WAV outputs, all jobs submitted at once\n")
    print(
        "| client | jobs | ok | wall s | CPU s | CPU ms/job | peak RSS MB (after imports) "
        "| RSS KB/job | result GETs/job |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        per_job_kb = (r["peak_rss_mb"] - r["baseline_rss_mb"]) * 1024 / r["jobs"]
        name = "songbot" if r["client"] == "songbot" else "wavespeed SDK"
        print(
            f"| {name} | {r['jobs']} | {r['ok']} | {r['wall_s']:.1f} | {r['cpu_s']:.2f} "
            f"| {r['cpu_s'] * 1000 / r['jobs']:.1f} "
            f"| {r['peak_rss_mb']:.0f} ({r['baseline_rss_mb']:.0f}) | {per_job_kb:.0f} "
            f"| {r['gets_per_job']:.1f} |"
        )


if __name__ == "__main__":
    main()
