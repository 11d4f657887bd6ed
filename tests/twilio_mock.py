"""Twilio's REST API for sending SMS, on 127.0.0.1, for tests: ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

Records each message (form fields and the basic-auth user) and answers as Twilio does: 201 with the message
resource (``sid``, ``status: queued``), or, with ``refuse`` set, 400 with Twilio's error shape, e.g. code 21610
("Attempt to send to unsubscribed recipient"). Nothing here reaches Twilio.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from typing import Any

from aiohttp import web

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
FROM_NUMBER = "+15550100999"
_ids = itertools.count(1)


class TwilioRestMock:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refuse: tuple[int, str] | None = None
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)
        self._app, self._runner, self.port = app, None, 0

    async def __aenter__(self) -> TwilioRestMock:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _messages(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        user = base64.b64decode(encoded).decode().split(":", 1)[0] if scheme == "Basic" else None
        if self.refuse:
            code, message = self.refuse
            return web.json_response({"code": code, "message": message, "status": 400}, status=400)
        sid = f"SM{next(_ids):032x}"
        self.sent.append({**form, "account": request.match_info["sid"], "auth_user": user, "sid": sid})
        return web.json_response(
            {"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body")}, status=201
        )

    async def wait_for(self, count: int = 1, timeout: float = 5) -> list[dict[str, Any]]:
        for _ in range(int(timeout / 0.02)):
            if len(self.sent) >= count:
                return self.sent
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} SMS, got {self.sent}")
