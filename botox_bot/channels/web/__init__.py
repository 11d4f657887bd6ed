"""The web chat page at ``/``: one HTML page, one script, one stylesheet, served from the package.

No CDN and no build step. The page talks to the REST webhook like any other Rasa client. Each page load gets
its own sender id, and, when a webhook secret is set, a web token for that sender (see ``botox_bot.server.signing``).
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from importlib import resources

from aiohttp import web

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.rest import WEBHOOK_PATH
from botox_bot.server import signing

WEB_TOKEN_TTL_SECONDS = 12 * 3600
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
_SECURITY_HEADERS = {
    # everything from this origin, nothing inline, nothing from elsewhere; framing allowed (clinic sites embed it)
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> str:
    return resources.files("botox_bot.channels.web").joinpath("static", name).read_text(encoding="utf-8")


class WebChatChannel(Channel):
    name = "web"

    def __init__(self, runtime, prefix: str = ""):
        super().__init__(runtime, prefix)
        self._page = _read("index.html")
        self._assets = {name: _read(name).encode("utf-8") for name in _ASSETS}
        # in the asset URLs, so a browser never runs last release's script with this release's page
        self._version = hashlib.sha256(b"".join(self._assets.values())).hexdigest()[:12]

    def routes(self) -> list[Route]:
        return [
            Route("GET", self.path("/"), self.page),
            *(Route("GET", self.path(f"/chat/{name}"), self._asset_handler(name)) for name in _ASSETS),
        ]

    async def page(self, request: web.Request) -> web.Response:
        sender = f"web-{uuid.uuid4().hex}"
        secret = self.settings.webhook_secret
        token = signing.issue_web_token(secret.get_secret_value(), sender, WEB_TOKEN_TTL_SECONDS) if secret else ""
        values = {
            "clinic_name": self.settings.clinic_name,
            "webhook_url": self.path(WEBHOOK_PATH),
            "asset_prefix": self.path("/chat/"),
            "sender": sender,
            "token": token,
            "emergency_number": self.settings.emergency_number,
            "asset_version": self._version,
        }
        # one pass: a value that itself looks like {{name}} is never expanded again
        text = _PLACEHOLDER.sub(lambda m: html.escape(values.get(m[1], ""), quote=True), self._page)
        headers = {**_SECURITY_HEADERS, "Cache-Control": "no-store"}  # the page carries a per-visit token
        return web.Response(text=text, content_type="text/html", headers=headers)

    def _asset_handler(self, name: str):
        body, ctype = self._assets[name], _ASSETS[name]

        async def asset(request: web.Request) -> web.Response:
            headers = {**_SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
            return web.Response(body=body, content_type=ctype, charset="utf-8", headers=headers)

        return asset
