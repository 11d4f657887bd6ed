"""One shape for every error the server returns: JSON that says what is wrong, with the request id."""

from __future__ import annotations

from aiohttp import web

from botox_bot.server.logs import new_request_id, request_id


class Problem(Exception):
    """Raised by a handler to refuse a request; the wrapper in ``observe`` turns it into a JSON response."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message}, "request_id": request_id.get()}
    return web.json_response(body, status=status, headers=headers)


def problem_response(problem: Problem) -> web.Response:
    return error_response(problem.status, problem.code, problem.message, problem.headers)


_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}


def from_http_exception(exc: web.HTTPException) -> web.Response:
    """aiohttp's own refusals (an unknown path, a body over ``client_max_size``) as JSON too."""
    code = _CODES.get(exc.status, "http_error")
    headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "retry-after"}}
    return error_response(exc.status, code, exc.reason.lower() if exc.reason else code, headers)


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """For the standalone app: routes that no channel owns (404, 405) answer in JSON as well."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        rid = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        try:
            response = from_http_exception(exc)
            response.headers["X-Request-ID"] = rid
            response.headers["Server"] = "botox-bot"
            return response
        finally:
            request_id.reset(token)
