"""The smallest channel there is: plain text in, the reply's text out, at ``POST /echo``.

A whole channel in one folder. Registering it is one line (``REGISTRY.append(EchoChannel)``); rate limit,
metrics, logs and staff escalations then come from the runtime's pipeline, as for every other channel.
"""

from __future__ import annotations

from aiohttp import web

from botox_bot.channels.base import Channel, Route
from botox_bot.core.models import Message
from botox_bot.runtime import RateLimited


class EchoChannel(Channel):
    name = "echo"
    label = "the echo line"
    patient = True  # so the pipeline limits it and tells staff of its emergencies

    def routes(self) -> list[Route]:
        return [Route("POST", self.path("/echo"), self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        sender = request.headers.get("X-Sender", "anonymous")
        message = Message(text=await request.text(), sender_id=sender, channel=self.name)
        try:
            reply = await self.answer(message)
        except RateLimited as limited:
            return web.Response(status=429, text=f"wait {limited.retry_after} s")
        return web.Response(text=reply.text)
