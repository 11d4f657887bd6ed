"""Logs as one JSON object a line, each carrying the id of the request it belongs to.

Patient messages are health information: nothing here logs message text or sender ids. Code that may log them
asks ``Settings.log_message_text`` first.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import uuid

from pythonjsonlogger.json import JsonFormatter

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
"""The id of the request being handled; every log line written while handling it carries it."""

request_fields: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_fields", default=None)
"""Fields the handling adds to the request's one access line (intent, emergency...): one line a request.

Work that outlives the request (a Slack event is answered after its ack) finds the line already written,
marked by ``LINE_WRITTEN``, and logs a line of its own.
"""
LINE_WRITTEN = "_line_written"


def new_request_id(incoming: str | None = None) -> str:
    """Keep a proxy's ``X-Request-ID`` when it is a sane token, so logs join up across hops; else a new one."""
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").replace("_", "").isalnum():
        return incoming
    return uuid.uuid4().hex


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str = "INFO", stream=None) -> None:
    """Send every logger's records to ``stream`` (stderr) as JSON lines. Called once, by ``botox-bot serve``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        JsonFormatter(
            "{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601, UTC
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # our own access line replaces it
