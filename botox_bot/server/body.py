"""Reading a JSON body safely: the content type, a size limit enforced while reading, then parsing."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import orjson
from aiohttp import HttpVersion11, web
from pydantic import BaseModel, ValidationError

from botox_bot.server.errors import Problem, error_response

M = TypeVar("M", bound=BaseModel)
_CHUNK = 16_384
_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def encoded_body(request: web.BaseRequest) -> bool:
    """The request says its body is compressed (``Content-Encoding`` other than ``identity``).

    No client of the bot compresses what it sends (Rasa widgets, Slack, Twilio, the Bot Connector), and a
    megabyte of gzip inflates to a gigabyte: such a body is refused unread. The server runs with aiohttp's
    ``auto_decompress`` off (``botox_bot.server.listen``), so nothing inflates it before this check either.
    """
    encoding = request.headers.get("Content-Encoding")
    return encoding is not None and encoding.strip().lower() not in ("", "identity")


def refuse_encoded_body() -> web.Response:
    """415, and the connection closed: the rest of a compressed body is never read, let alone inflated."""
    response = error_response(
        415, "unsupported_media_type", "send the body uncompressed: Content-Encoding is not accepted here"
    )
    response.force_close()
    return response


def expectation_failed() -> web.Response:
    """417 for an expectation the server does not understand (anything but ``100-continue``); the connection
    closes, as the client may send its body anyway."""
    response = error_response(417, "expectation_failed", "only 'Expect: 100-continue' is understood")
    response.force_close()
    return response


def expect_handler(limit: int):
    """``Expect: 100-continue`` answered only when the declared body fits: 413 before the client uploads it.

    aiohttp's own handler says ``100 Continue`` to any length, so a client starts sending 100 MB only to be
    refused after the first 16 KB.
    """

    async def expect(request: web.Request) -> web.StreamResponse | None:
        expectation = request.headers.get("Expect", "").strip().lower()
        if request.version != HttpVersion11 or not expectation:
            return None
        if expectation != "100-continue":
            return expectation_failed()
        if encoded_body(request):
            response = refuse_encoded_body()
        elif request.content_length is not None and request.content_length > limit:
            response = error_response(
                413, "body_too_large", f"the body is {request.content_length} bytes; the limit is {limit}"
            )
        else:
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # as aiohttp's own handler: the response proper has not started
            return None
        response.force_close()  # the client may send the body anyway; it is not waited for
        return response

    return expect


def require_json(request: web.Request) -> None:
    ctype = request.content_type
    if ctype != "application/json" and not (ctype.startswith("application/") and ctype.endswith("+json")):
        raise Problem(
            415, "unsupported_media_type", f"send the body as application/json (got {ctype or 'no Content-Type'})"
        )


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The raw body, refusing more than ``limit`` bytes before reading them all (a declared or a chunked body)."""
    if request.content_length is not None and request.content_length > limit:
        raise Problem(413, "body_too_large", f"the body is {request.content_length} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Problem(413, "body_too_large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """orjson reads what it can (a fifth of the stdlib's time); the stdlib reads what orjson refuses, and numbers of
    19 digits or more, which orjson reads as floats: the same values and errors as the stdlib alone (tested)."""
    if not _LONG_NUMBER.search(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Problem(400, "invalid_json", "the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise Problem(
            400, "invalid_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise Problem(400, "invalid_json", "the body's JSON is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise Problem(400, "invalid_json", f"the body's JSON cannot be read: {str(exc)[:80]}") from None


def parse_model(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model``; every problem named by its field, in one message."""
    if not isinstance(data, dict):
        raise Problem(400, "invalid_request", f"the body must be a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(p) for p in err["loc"]) or "body"
            problems.append(f"'{field}': {err['msg'].lower()}")
        raise Problem(400, "invalid_request", "; ".join(problems)) from None
