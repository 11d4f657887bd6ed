"""The aiohttp application: a factory for the standalone server, and ``mount`` for a clinic's own app.

This is the composition root, the one module that imports the channels: settings, runtime and the configured
channels meet here. Besides the channels it serves ``/healthz`` (the process lives), ``/readyz`` (questions can
be answered) and ``/metrics`` (Prometheus).

``create_app`` builds everything (health, metrics, every configured channel) and is what ``botox-bot serve``
runs. ``mount`` adds the bot's channels to an application someone else owns, under an optional prefix, without
touching that application's other routes or middlewares.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from botox_bot.channels import Channel, Route, channel_names, configured_channels
from botox_bot.core.engine import Engine
from botox_bot.runtime import BotRuntime
from botox_bot.server.body import expect_handler
from botox_bot.server.connections import ConnectionLimits, quiet_accept_errors, start_site
from botox_bot.server.errors import error_response, json_errors
from botox_bot.server.observe import observed
from botox_bot.settings import ServerSettings, Settings, load_settings
from botox_bot.store import Store

log = logging.getLogger("botox_bot.server")  # the name operators filter on; kept
RUNTIME = web.AppKey("botox_bot_runtime", BotRuntime)
CHANNELS = web.AppKey("botox_bot_channels", list)


def mount(
    app: web.Application,
    runtime: BotRuntime,
    channels: Sequence[Channel] | None = None,
    prefix: str = "",
    health: bool = False,
) -> list[Channel]:
    """Add the bot's channels (and, with ``health``, its health and metrics routes) to ``app``.

    The engine loads when ``app`` starts; until then the channels answer 503 and ``/readyz`` says so.
    """
    live = list(channels) if channels is not None else configured_channels(runtime, prefix)
    timeout = runtime.settings.request_timeout_seconds
    largest = body_limit(runtime.settings)
    for channel in live:
        for route in channel.routes():
            handler = observed(channel.name, route.handler, runtime.metrics, timeout=timeout)
            expect = expect_handler(route.max_body_bytes or largest)
            app.router.add_route(route.method, route.path, handler, expect_handler=expect)
    if health:
        for route in HealthRoutes(runtime, prefix, live).routes():  # probes every few seconds: logged at DEBUG
            handler = observed(HealthRoutes.name, route.handler, runtime.metrics, quiet=True, timeout=timeout)
            app.router.add_route(route.method, route.path, handler, expect_handler=expect_handler(largest))
    app[RUNTIME] = runtime
    app[CHANNELS] = live
    app.cleanup_ctx.append(runtime.lifespan)
    app.cleanup_ctx.append(_channel_lifespan(live))
    return live


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, store: Store | None = None
) -> web.Application:
    """The whole bot as one aiohttp application. ``engine`` skips loading (tests, programs that have one)."""
    settings = settings or load_settings()
    runtime = BotRuntime(settings, engine=engine, store=store, channel_names=channel_names())
    app = web.Application(middlewares=[json_errors], client_max_size=body_limit(settings))
    mount(app, runtime, health=True)
    return app


def body_limit(settings: Settings) -> int:
    """The largest body any route reads (Slack's and Teams' payloads can be large; the webhook's limit is its own)."""
    return max(settings.max_body_bytes, 1024 * 1024)


def metrics_app(runtime: BotRuntime) -> web.Application:
    """``/metrics`` alone, for ``BOTOX_BOT_METRICS_PORT``: a port the proxy does not forward."""
    app = web.Application(middlewares=[json_errors])
    route = HealthRoutes(runtime, "", []).metrics_route()
    app.router.add_route(
        route.method, route.path, observed(HealthRoutes.name, route.handler, runtime.metrics, quiet=True)
    )
    return app


class HealthRoutes:
    """``/healthz``, ``/readyz`` and ``/metrics``: routes of the server, not a channel (no messages come here)."""

    name = "system"  # the channel label of their requests in the metrics

    def __init__(self, runtime: BotRuntime, prefix: str, live: list[Channel]):
        self.runtime = runtime
        self.prefix = prefix.rstrip("/")
        self.live = live

    def routes(self) -> list[Route]:
        routes = [
            Route("GET", f"{self.prefix}/healthz", self.healthz),
            Route("GET", f"{self.prefix}/readyz", self.readyz),
        ]
        if self.runtime.settings.metrics_port is None:  # else on a port of its own (``metrics_app``)
            routes.append(self.metrics_route())
        return routes

    def metrics_route(self) -> Route:
        return Route("GET", f"{self.prefix}/metrics", self.metrics)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        channels = [c.name for c in self.live]
        if self.runtime.stopping:  # draining after SIGTERM: finish what is in flight, take nothing new
            return web.json_response({"status": "stopping"}, status=503)
        if self.runtime.ready:
            store = await self.runtime.store.status()  # "degraded": answering, but not sharing state
            return web.json_response(
                {
                    "status": "ready",
                    "channels": channels,
                    "store": self.runtime.store.name,
                    "degraded": store == "degraded",
                }
            )
        if self.runtime.load_error:
            return web.json_response({"status": "failed", "error": self.runtime.load_error}, status=503)
        return web.json_response({"status": "loading"}, status=503, headers={"Retry-After": "1"})

    async def metrics(self, request: web.Request) -> web.Response:
        """Counts only, but their timing tells when emergencies happen: with a token set, only for its holder."""
        token = self.runtime.settings.metrics_token
        if token is not None and not _bearer_matches(request, token.get_secret_value()):
            return error_response(
                401,
                "unauthorized",
                "send 'Authorization: Bearer <BOTOX_BOT_METRICS_TOKEN>'",
                {"WWW-Authenticate": "Bearer"},
            )
        response = web.Response(body=self.runtime.metrics.render())
        response.content_type = "text/plain"
        response.headers["Content-Type"] = self.runtime.metrics.content_type
        return response


def _bearer_matches(request: web.Request, expected: str) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return scheme.lower() == "bearer" and token.isascii() and hmac.compare_digest(token.encode(), expected.encode())


def connection_limits(server: ServerSettings) -> ConnectionLimits:
    return ConnectionLimits(
        max_connections=server.max_connections,
        per_address=server.max_connections_per_address,
        header_timeout=server.header_timeout_seconds,
        trusted=tuple(ipaddress.ip_network(n) for n in server.trusted_proxies),
    )


def _channel_lifespan(channels: list[Channel]):
    async def lifespan(app: web.Application) -> AsyncIterator[None]:
        for channel in channels:
            await channel.start()
        for channel in channels:
            for route in channel.routes():
                log.info("channel live", extra={"channel": channel.name, "method": route.method, "path": route.path})
        yield
        for channel in reversed(channels):
            await channel.stop()

    return lifespan


async def run(app: web.Application, host: str, port: int, shutdown_timeout: float, reuse_port: bool = False) -> None:
    """Serve until SIGTERM or SIGINT, then stop listening and let requests in flight finish.

    aiohttp's runner does the draining (``shutdown_timeout``); this adds the signal handling, the bounds on
    connections (``botox_bot.server.connections``), ``/metrics`` on its own port when one is set, a log line
    with the address actually bound (``--port 0`` picks a free one), and ``/readyz`` saying ``stopping`` while
    draining. ``reuse_port``: one of several workers sharing the port (``botox_bot.workers``).
    """
    runtime = app[RUNTIME]
    server = runtime.settings.server
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    quiet_accept_errors(loop)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runners: list[web.AppRunner] = []
    try:
        limits = connection_limits(server)
        runner, guard = await start_site(app, host, port, limits, shutdown_timeout, reuse_port)
        runners.append(runner)
        if server.metrics_port is not None:  # with workers, whichever is scraped sums them all (multiprocess mode)
            metrics = metrics_app(runtime)
            metrics_runner, _ = await start_site(
                metrics, host, server.metrics_port, limits, shutdown_timeout, reuse_port
            )
            runners.append(metrics_runner)
        for each in runners:
            for address in each.addresses:
                log.info("listening", extra={"url": f"http://{address[0]}:{address[1]}", "pid": os.getpid()})
        log.info("connections", extra={"max": guard.cap, "per_address": server.max_connections_per_address})
        if runtime.ready:  # handed a loaded engine (a worker): ready as it listens
            log.info("ready", extra={"pid": os.getpid()})
        await stop.wait()
        if runtime is not None:
            runtime.stopping = True
        log.info("stopping: no new requests; finishing those in flight", extra={"timeout_s": shutdown_timeout})
    finally:
        for each in reversed(runners):
            await each.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        log.info("stopped")
