"""Log lines: one JSON object a line, written by a thread of the handler's own (the event loop never waits on
stderr), in order, whole, with a bound on what may wait."""

from __future__ import annotations

import io
import json
import logging
import os

from botox_bot.server.logs import BackgroundLineHandler, JsonLineFormatter, configure_logging, log_fields, request_id


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test-logs-{id(handler)}")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    return logger


def test_lines_are_json_in_order_with_the_request_id_and_extra_fields():
    stream = io.StringIO()
    handler = BackgroundLineHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    handler.addFilter(lambda record: setattr(record, "request_id", request_id.get()) or True)
    log = _logger(handler)
    token = request_id.set("req-1")
    try:
        for i in range(500):
            log.info("request", extra={"n": i, "status": 200})
    finally:
        request_id.reset(token)
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        log.exception("failed")
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["n"] for line in lines[:500]] == list(range(500))
    assert lines[0]["request_id"] == "req-1" and lines[0]["level"] == "INFO" and "time" in lines[0]
    assert "ZeroDivisionError" in lines[-1]["exc_info"]


def test_a_stalled_stream_bounds_what_waits_and_says_how_much_was_dropped():
    stream = io.StringIO()
    handler = BackgroundLineHandler(stream, max_pending=10)
    handler.setFormatter(JsonLineFormatter())
    log = _logger(handler)
    with handler._write_lock:  # the writer is stuck (a full pipe): lines pile up, up to the bound
        for i in range(25):
            log.info("line", extra={"n": i})
        assert len(handler._pending) == 10
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["n"] for line in lines[:10]] == list(range(10))
    assert lines[-1]["message"] == "log lines dropped" and lines[-1]["count"] == 15


def test_lines_to_a_pipe_are_written_whole_in_pipe_sized_writes():
    read, write = os.pipe()
    handler = BackgroundLineHandler(os.fdopen(write, "w"))
    handler.setFormatter(JsonLineFormatter())
    log = _logger(handler)
    for i in range(200):
        log.info("x" * 100, extra={"n": i})
    handler.flush()
    os.close(write)
    with os.fdopen(read) as pipe:
        lines = [json.loads(line) for line in pipe.read().splitlines()]
    assert [line["n"] for line in lines] == list(range(200))


def test_the_access_line_made_straight_is_the_line_logging_makes_and_a_clinic_handler_still_sees_it():
    """``log_fields`` skips the LogRecord when the line handler is the only place a record goes; the line must be
    the one ``logging`` would write, and any handler a clinic adds must still get the record."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        handler = configure_logging("INFO", stream)
        log = logging.getLogger("botox_bot.http")
        fields = {"channel": "rest", "status": 200, "duration_ms": 0.4, "intent": "duration", "emergency": False}
        token = request_id.set("req-9")
        try:
            log_fields(log, logging.INFO, "request", fields)
            log.info("request", extra=fields)
            log_fields(log, logging.DEBUG, "request", fields)  # below the level: no line
        finally:
            request_id.reset(token)
        handler.flush()
        straight, through_logging = (json.loads(line) for line in stream.getvalue().splitlines())
        assert straight.pop("time") and through_logging.pop("time")
        assert straight == through_logging and straight["request_id"] == "req-9"
        assert list(straight) == list(through_logging)  # same key order: collectors diff lines too

        seen: list[logging.LogRecord] = []
        clinic = logging.Handler()
        clinic.emit = seen.append  # type: ignore[method-assign]
        root.addHandler(clinic)
        log_fields(log, logging.INFO, "request", fields)
        assert len(seen) == 1 and seen[0].intent == "duration"
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def test_a_line_with_a_string_that_is_not_valid_unicode_is_still_written():
    """With message-text logging on, a lone surrogate from a JSON escape reaches the access line: the line is
    written (escaped), the request never fails for it."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        handler = configure_logging("INFO", stream)
        log_fields(logging.getLogger("botox_bot.http"), logging.INFO, "request", {"text": "a\ud800b"})
        logging.getLogger("botox_bot.runtime").info("reply", extra={"text": "c\udfffd"})
        handler.flush()
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert [line["text"] for line in lines] == ["a\ud800b", "c\udfffd"]
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
