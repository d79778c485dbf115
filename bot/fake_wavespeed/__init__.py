"""A fake WaveSpeed server for developing and testing against songbot without an account.

Run it with `python -m bot.fake_wavespeed --help` (or `songbot fake-wavespeed`), or from Python:
`base_url = await FakeWaveSpeed(FakeConfig(latency=0.2)).start()`.
"""

from bot.fake_wavespeed.config import FakeConfig, FaultRule
from bot.fake_wavespeed.server import FakeTask, FakeWaveSpeed, WebhookDelivery

__all__ = ["FakeConfig", "FakeTask", "FakeWaveSpeed", "FaultRule", "WebhookDelivery"]
