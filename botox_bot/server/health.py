"""``/healthz`` (the process lives), ``/readyz`` (questions can be answered) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from aiohttp import web

from botox_bot.channels.base import Channel, Route
from botox_bot.server.runtime import BotRuntime


class HealthRoutes(Channel):
    name = "system"

    def __init__(self, runtime: BotRuntime, prefix: str = "", live: list[Channel] | None = None):
        super().__init__(runtime, prefix)
        self.live = live or []

    def routes(self) -> list[Route]:
        return [
            Route("GET", self.path("/healthz"), self.healthz),
            Route("GET", self.path("/readyz"), self.readyz),
            Route("GET", self.path("/metrics"), self.metrics),
        ]

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        channels = [c.name for c in self.live]
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
