"""Logs as one JSON object a line, each carrying the id of the request it belongs to.

Patient messages are health information: nothing here logs message text or sender ids. Code that may log them
asks ``Settings.log_message_text`` first.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import os
import select
import sys
import threading
import time
import weakref
from collections import deque
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

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
    return f"{_ids.prefix}{next(_ids.counter):016x}"


class _Ids:
    """Request ids: 16 random hex digits a process, then a counter. As unique as uuid4 (the prefix is drawn
    anew in every process and worker) without a system call and a UUID object a request (2.2 µs to 0.2 µs)."""

    def __init__(self) -> None:
        self.prefix = os.urandom(8).hex()
        self.counter = itertools.count(1)


_ids = _Ids()


class _Clock:
    """ISO 8601 UTC times for log lines: the date and the second are formatted once a second, the rest a line."""

    def __init__(self) -> None:
        self.second = -1
        self.prefix = ""

    def iso(self, now: float) -> str:
        second, micro = divmod(round(now * 1_000_000), 1_000_000)
        if second != self.second:
            self.second, self.prefix = second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self.prefix}.{micro:06d}+00:00"  # always six digits, unlike isoformat at a whole second


_clock = _Clock()


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line: level, logger, message, request id, the record's extra fields, time (UTC).

    orjson, not python-json-logger: the request line is written once a request, and this formats it in about a
    fifth of the time (measured).
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and key != "request_id":
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        line["time"] = _clock.iso(record.created)
        return _json_line(line)


def _json_line(line: dict[str, Any]) -> str:
    try:
        return orjson.dumps(line, default=str).decode()
    except TypeError:  # a string that is not valid Unicode (a lone surrogate from a JSON escape): the stdlib escapes it
        return json.dumps(line, default=str)


class BackgroundLineHandler(logging.Handler):
    """Formats on the caller's thread (cheap) and writes from a thread of its own, in batches.

    The event loop never waits on stderr: a log collector that reads slowly, or a full pipe, holds up the writer
    thread, not the requests. Lines are written in order; ``flush()`` (called at exit by ``logging.shutdown``,
    and before a worker process ends) writes what is still queued. Past ``max_pending`` lines waiting, new lines
    are dropped and counted, and the count is written when the writer catches up: memory stays bounded.
    """

    def __init__(self, stream: TextIO, max_pending: int = 100_000):
        super().__init__()
        self.stream = stream
        self._pending: deque[str] = deque()
        self._max_pending = max_pending
        self._dropped = 0
        self._wake = threading.Event()
        self._write_lock = threading.Lock()
        self._start_writer()
        _HANDLERS.add(self)

    def _start_writer(self) -> None:
        self._writer = threading.Thread(target=self._run, name="botox-bot log writer", daemon=True)
        self._writer.start()

    def _after_fork(self) -> None:
        """In a forked worker: the parent's writer thread is gone and its lock may have been held; the lines
        queued are the parent's to write."""
        self._write_lock = threading.Lock()
        self._pending.clear()
        self._wake = threading.Event()
        self._start_writer()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        if len(self._pending) >= self._max_pending:
            self._dropped += 1
            return
        self._pending.append(line)
        if not self._wake.is_set():
            self._wake.set()

    def emit_fields(self, level: int, logger: str, message: str, fields: dict[str, Any]) -> None:
        """The line ``format`` would write for a record with these extra fields, without making the record: the
        access line is written once a request, and the LogRecord, its filter and its formatting were half of it."""
        line: dict[str, Any] = {
            "level": logging.getLevelName(level),
            "logger": logger,
            "message": message,
            "request_id": request_id.get(),
        }
        line.update(fields)
        line["time"] = _clock.iso(time.time())
        if len(self._pending) >= self._max_pending:
            self._dropped += 1
            return
        self._pending.append(_json_line(line))
        if not self._wake.is_set():
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(0.005)  # let a burst gather: one write for many lines
            self.flush()

    def flush(self) -> None:
        with self._write_lock:
            lines = []
            while self._pending:
                lines.append(self._pending.popleft())
            if self._dropped:
                lines.append(
                    orjson.dumps({"level": "WARNING", "message": "log lines dropped", "count": self._dropped}).decode()
                )
                self._dropped = 0
            if not lines:
                return
            try:
                self._write(lines)
            except (OSError, ValueError):  # stderr closed at exit: nothing left to tell
                pass

    def _write(self, lines: list[str]) -> None:
        """To a file descriptor, in writes of whole lines up to PIPE_BUF bytes: the workers of one server share
        stderr, and a pipe keeps writes that size whole, so no worker's line is ever cut by another's."""
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):  # a StringIO (tests) or a stream without a descriptor
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
            return
        self.stream.flush()  # whatever else was printed to it goes first
        chunk: list[bytes] = []
        size = 0
        for text in lines:
            line = text.encode("utf-8", "replace") + b"\n"
            if chunk and size + len(line) > select.PIPE_BUF:
                _write_all(fd, b"".join(chunk))
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            _write_all(fd, b"".join(chunk))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_HANDLERS: weakref.WeakSet[BackgroundLineHandler] = weakref.WeakSet()


def _reset_handlers_after_fork() -> None:
    global _ids
    _ids = _Ids()  # a forked worker must not repeat its parent's ids
    for handler in list(_HANDLERS):
        handler._after_fork()


os.register_at_fork(after_in_child=_reset_handlers_after_fork)


def log_fields(logger: logging.Logger, level: int, message: str, fields: dict[str, Any]) -> None:
    """``logger.log(level, message, extra=fields)``, the same line, made straight by the line handler when it is
    the only place the record would go (as ``configure_logging`` sets it up); through ``logging`` otherwise, so
    a clinic's own handlers and filters still see every record."""
    if not logger.isEnabledFor(level):
        return
    handler = _only_handler(logger, level)
    if handler is None:
        logger.log(level, message, extra=fields)
    else:
        handler.emit_fields(level, logger.name, message, fields)


def _only_handler(logger: logging.Logger, level: int) -> BackgroundLineHandler | None:
    root = logging.getLogger()
    node: logging.Logger | None = logger
    while node is not None and node is not root:  # nothing on the way up may see the record or stop it
        if node.handlers or node.filters or not node.propagate:
            return None
        node = node.parent
    if node is not root or root.filters:
        return None
    handlers = root.handlers
    if len(handlers) != 1 or not isinstance(handlers[0], BackgroundLineHandler):
        return None
    handler = handlers[0]
    plain = type(handler.formatter) is JsonLineFormatter and all(type(f) is _RequestIdFilter for f in handler.filters)
    return handler if plain and handler.level <= level else None


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> BackgroundLineHandler:
    """Send every logger's records to ``stream`` (stderr) as JSON lines. Called once, by ``botox-bot serve``."""
    handler = BackgroundLineHandler(stream or sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    for old in root.handlers:
        old.flush()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # our own access line replaces it
    return handler
