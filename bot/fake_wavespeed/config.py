"""What the fake WaveSpeed server does: timing, limits, outputs and injected faults."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Literal

ENDPOINTS = ("submit", "result", "output", "balance", "secret", "upload", "webhook")
KINDS = {
    "submit": ("status", "drop", "slow", "malformed", "trickle"),
    "result": ("status", "drop", "slow", "malformed", "trickle"),
    "output": ("status", "drop", "slow", "oversized", "garbage"),
    "balance": ("status", "drop", "slow", "malformed"),
    "secret": ("status", "drop", "slow", "malformed"),
    "upload": ("status", "drop", "slow", "malformed"),
    "webhook": ("drop", "forge", "stale", "slow"),
}
FAULT_HELP = """\
A fault is ENDPOINT:KIND[:RATE[:TIMES]] — RATE is the probability per request (default 1),
TIMES the most requests it hits (default unlimited). Endpoints and kinds:
  submit, result, balance, secret, upload: an HTTP status (429, 500, 502, 503, 504, 400, …),
      drop (close the connection with no answer; on submit AFTER the task was created),
      slow (answer after --slow-seconds; on submit the task is created first),
      malformed (HTTP 200 with broken JSON; on submit the task was created),
      trickle (submit, result: the answer one byte per --slow-seconds, so no single read
      times out; on submit the task is created first)
  output: a status (404, 500, …), drop (close mid-body), slow, oversized (pad the file to
      --oversized-mb), garbage (bytes that are no audio format)
  webhook: drop (never deliver), forge (wrong signature), stale (10-minute-old timestamp),
      slow (deliver --slow-seconds late)
Examples: --fault submit:429:1:2  --fault result:503:0.3  --fault output:404"""


@dataclass
class FaultRule:
    endpoint: str
    kind: str
    """An HTTP status as text ("503") or one of the named kinds above."""
    rate: float = 1.0
    times: int | None = None
    fired: int = 0

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        parts = text.split(":")
        if not 2 <= len(parts) <= 4:
            raise ValueError(f"fault {text!r}: expected ENDPOINT:KIND[:RATE[:TIMES]]")
        endpoint, kind = parts[0].strip().lower(), parts[1].strip().lower()
        if endpoint not in KINDS:
            raise ValueError(f"fault {text!r}: endpoint must be one of {', '.join(ENDPOINTS)}")
        allowed = KINDS[endpoint]
        if not (
            (kind.isdigit() and "status" in allowed and 400 <= int(kind) <= 599) or kind in allowed
        ):
            raise ValueError(f"fault {text!r}: {endpoint} faults are {', '.join(allowed)}")
        rate = float(parts[2]) if len(parts) > 2 and parts[2] else 1.0
        times = int(parts[3]) if len(parts) > 3 and parts[3] else None
        if not 0 <= rate <= 1:
            raise ValueError(f"fault {text!r}: rate must be within 0..1")
        return cls(endpoint, kind, rate, times)


@dataclass
class FakeConfig:
    host: str = "127.0.0.1"
    port: int = 0
    """0 picks a free port (see `FakeWaveSpeed.start`)."""
    public_url: str | None = None
    """Base of the output/upload URLs it hands out; default: the address it listens on."""
    api_key: str | None = None
    """Only this key is accepted; default: any non-empty bearer key."""
    latency: float = 5.0
    """Seconds from submit to a finished task."""
    queue_time: float | None = None
    """Seconds a task stays `created` before `processing`; default 10 % of latency (≤ 1 s)."""
    fail_rate: float = 0.0
    fail_message: str = "Inference failed: the model returned no audio"
    nsfw_rate: float = 0.0
    max_concurrency: int = 0
    """Unfinished tasks allowed at once (over it: 429); 0 = unlimited."""
    retry_after: float | str = 1.0
    """Retry-After sent with 429/503: seconds, or a header value sent as is (an HTTP date)."""
    error_body: Literal["json", "html"] = "json"
    """Body of injected status faults: WaveSpeed's JSON, or the HTML page a proxy or CDN in
    front of the API answers with."""
    balance: float = 100.0
    """USD; each task costs duration × price; below the cost a submit is refused."""
    price_per_second: float = 0.0002
    output_format: Literal["wav", "mp3"] = "wav"
    output_seconds: float | None = None
    """Render at most this many seconds of audio (keeps big benchmarks light)."""
    sample_rate: int = 48000
    slow_seconds: float = 5.0
    oversized_mb: float = 150.0
    faults: list[FaultRule] = field(default_factory=list)
    seed: int | None = None
    """Seed for fault/failure dice, for reproducible runs."""
    webhook_secret: str = field(default_factory=lambda: "whsec_" + secrets.token_hex(24))

    @property
    def effective_queue_time(self) -> float:
        return self.queue_time if self.queue_time is not None else min(1.0, self.latency * 0.1)
