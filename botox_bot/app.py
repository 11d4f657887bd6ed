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
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from botox_bot.channels import Channel, Route, channel_names, configured_channels
from botox_bot.core.engine import Engine
from botox_bot.runtime import BotRuntime
from botox_bot.server.errors import json_errors
from botox_bot.server.observe import observed
from botox_bot.settings import Settings, load_settings
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
    for channel in live:
        for route in channel.routes():
            handler = observed(channel.name, route.handler, runtime.metrics, timeout=timeout)
            app.router.add_route(route.method, route.path, handler)
    if health:
        for route in HealthRoutes(runtime, prefix, live).routes():  # probes every few seconds: logged at DEBUG
            handler = observed(HealthRoutes.name, route.handler, runtime.metrics, quiet=True, timeout=timeout)
            app.router.add_route(route.method, route.path, handler)
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
    app = web.Application(middlewares=[json_errors], client_max_size=max(settings.max_body_bytes, 1024 * 1024))
    mount(app, runtime, health=True)
    return app


class HealthRoutes:
    """``/healthz``, ``/readyz`` and ``/metrics``: routes of the server, not a channel (no messages come here)."""

    name = "system"  # the channel label of their requests in the metrics

    def __init__(self, runtime: BotRuntime, prefix: str, live: list[Channel]):
        self.runtime = runtime
        self.prefix = prefix.rstrip("/")
        self.live = live

    def routes(self) -> list[Route]:
        return [
            Route("GET", f"{self.prefix}/healthz", self.healthz),
            Route("GET", f"{self.prefix}/readyz", self.readyz),
            Route("GET", f"{self.prefix}/metrics", self.metrics),
        ]

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
        response = web.Response(body=self.runtime.metrics.render())
        response.content_type = "text/plain"
        response.headers["Content-Type"] = self.runtime.metrics.content_type
        return response


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

    aiohttp's runner does the draining (``shutdown_timeout``); this adds the signal handling, a log line
    with the address actually bound (``--port 0`` picks a free one), and ``/readyz`` saying ``stopping`` while
    draining. ``reuse_port``: one of several workers sharing the port (``botox_bot.workers``).
    """
    # keep-alive as nginx does (75 s), not aiohttp's hour: idle connections do not pile up; and after a
    # refusal that left a body unread (408, 413), 2 s of draining it, not 10, before the connection closes
    runner = web.AppRunner(
        app,
        access_log=None,
        shutdown_timeout=shutdown_timeout,
        handle_signals=False,
        keepalive_timeout=75,
        lingering_time=2.0,
    )
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = app.get(RUNTIME)
    try:
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
        await site.start()
        for address in runner.addresses:
            log.info("listening", extra={"url": f"http://{address[0]}:{address[1]}", "pid": os.getpid()})
        if runtime is not None and runtime.ready:  # handed a loaded engine (a worker): ready as it listens
            log.info("ready", extra={"pid": os.getpid()})
        await stop.wait()
        if runtime is not None:
            runtime.stopping = True
        log.info("stopping: no new requests; finishing those in flight", extra={"timeout_s": shutdown_timeout})
    finally:
        await runner.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        log.info("stopped")
