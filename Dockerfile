# songbot: slim, non-root, runs `songbot run`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SONGBOT_DB=/data/songbot.sqlite3 \
    SONGBOT_OUT_DIR=/data/songs

RUN useradd --create-home --uid 10001 songbot \
    && mkdir -p /data && chown songbot:songbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
RUN pip install .

USER songbot
VOLUME ["/data"]
# HTTP port for WaveSpeed webhooks (SONGBOT_HTTP_PORT) and Slack HTTP mode (SLACK_PORT).
EXPOSE 8080 3000
CMD ["songbot", "run"]
