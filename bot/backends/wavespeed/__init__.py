"""The hosted ACE-Step backend on WaveSpeed AI.

`WaveSpeedClient` speaks the REST API (one `httpx.AsyncClient`, one error mapping);
`WaveSpeedBackend` implements `bot.backends.base.Backend` on top of it (submit once, poll with
back-off, optional signed webhooks, capped download).
"""

from bot.backends.wavespeed.backend import WaveSpeedBackend
from bot.backends.wavespeed.client import ClientStats, WaveSpeedClient
from bot.backends.wavespeed.prediction import Prediction
from bot.backends.wavespeed.schedule import PollSchedule, SubmitRetry

__all__ = [
    "ClientStats",
    "PollSchedule",
    "Prediction",
    "SubmitRetry",
    "WaveSpeedBackend",
    "WaveSpeedClient",
]
