"""The wrapper around every channel handler: request id, access log line, metrics, and no traceback ever.

A wrapper, not an app middleware, so that channels mounted into a clinic's own aiohttp app bring their
observability with them without touching the clinic's other routes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from botox_bot.server.body import encoded_body, refuse_encoded_body
from botox_bot.server.errors import Problem, error_response, from_http_exception, problem_response
from botox_bot.server.logs import LINE_WRITTEN, log_fields, new_request_id, request_fields, request_id
from botox_bot.server.metrics import Metrics

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = logging.getLogger("botox_bot.http")
SERVER = "botox-bot"


def observed(
    channel: str, handler: Handler, metrics: Metrics, quiet: bool = False, timeout: float | None = None
) -> Handler:
    """Wrap ``handler``; ``quiet`` logs its requests at DEBUG (health probes every few seconds are noise).

    ``timeout`` bounds the whole request: a client that sends half a body and stalls gets 408 and lets go of
    its handler, instead of holding it for ever.
    """

    async def wrapper(request: web.Request) -> web.StreamResponse:
        rid = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        fields: dict = {}
        fields_token = request_fields.set(fields)
        started = time.perf_counter()
        try:
            response = await _safely(handler, request, timeout)
            response.headers["X-Request-ID"] = rid
            response.headers["Server"] = SERVER  # not aiohttp's banner with its version and Python's
            elapsed = time.perf_counter() - started
            metrics.requests.labels(channel, str(response.status)).inc()
            metrics.latency.labels(channel).observe(elapsed)
            log_fields(
                log,
                logging.DEBUG if quiet else logging.INFO,
                "request",
                {
                    "channel": channel,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status,
                    "duration_ms": round(elapsed * 1000, 2),
                    **fields,
                },
            )
            fields[LINE_WRITTEN] = True
            return response
        finally:
            request_fields.reset(fields_token)
            request_id.reset(token)

    wrapper.__name__ = getattr(handler, "__name__", "handler")
    wrapper.__doc__ = handler.__doc__
    return wrapper


async def _safely(handler: Handler, request: web.Request, timeout: float | None) -> web.StreamResponse:
    if encoded_body(request):
        return refuse_encoded_body()
    try:
        async with asyncio.timeout(timeout):
            return await handler(request)
    except TimeoutError:
        log.warning("request timed out", extra={"timeout_s": timeout})
        response = error_response(408, "request_timeout", f"the request was not complete within {timeout} seconds")
        response.force_close()  # do not wait for the rest of a body that may never come
        return response
    except Problem as problem:
        return problem_response(problem)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return from_http_exception(exc)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error")  # the traceback goes to the log, never to the person
        return error_response(500, "internal_error", "the bot could not answer this request; it has been logged")
