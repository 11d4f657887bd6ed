"""The Teams app package: ``manifest.json`` and the two icons, zipped, ready to upload to Teams.

``botox-bot teams-package`` writes it. The manifest follows the Teams app manifest schema v1.17: the app and
its bot share the Entra app registration's client id, the clinic's name goes into the name and description,
and the bot works in personal chats, teams (channels) and group chats. The icons are drawn here with the
standard library (a tiny PNG writer), so the package needs no image files or imaging library: a 192x192 colour
icon (a white speech bubble on the accent colour) and a 32x32 outline icon (white on transparent), the sizes
Teams requires.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from botox_bot import __version__
from botox_bot.channels.formatting import listing
from botox_bot.settings import TEAMS_CLIENT_ID as CLIENT_ID_SETTING
from botox_bot.settings import Settings, SettingsError

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.17"
ACCENT = (0x2B, 0x6C, 0xB0)
SCOPES = ["personal", "team", "groupChat"]
MAX_COMMANDS = 10  # Teams shows at most ten suggestions a list
Pixel = Callable[[float, float], tuple[int, int, int, int]]


def build(
    settings: Settings,
    topics: list[str],
    version: str | None = None,
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> bytes:
    """The zipped package; ``SettingsError`` names what is missing (the client id, a https website)."""
    files = {
        "manifest.json": json.dumps(
            manifest(settings, topics, version, website_url, privacy_url, terms_url), indent=2, ensure_ascii=False
        ).encode(),
        "color.png": color_icon(),
        "outline.png": outline_icon(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def write(path: Path, settings: Settings, topics: list[str], **options: Any) -> Path:
    data = build(settings, topics, **options)  # build first: a refusal leaves no half-written file behind
    path.write_bytes(data)
    return path


def manifest(
    settings: Settings,
    topics: list[str],
    version: str | None = None,
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> dict[str, Any]:
    app_id = settings.teams_client_id
    if not app_id:
        raise SettingsError(
            f"teams-package: set {CLIENT_ID_SETTING} to the client id of the bot's Entra app "
            "registration (see docs/channels/teams.md)"
        )
    website = website_url or _origin(settings.booking_link) or _origin(settings.public_url or "")
    if not website:
        raise SettingsError(
            "teams-package: give --website-url (the clinic's https site), or set BOTOX_BOT_BOOKING_LINK"
        )
    urls = {"--website-url": website, "--privacy-url": privacy_url or website, "--terms-url": terms_url or website}
    for flag, url in urls.items():
        if not url.startswith("https://"):
            raise SettingsError(f"teams-package: {flag} must be an https URL (Teams refuses others): {url}")
    clinic = settings.clinic_name or "our clinic"
    short = f"{clinic} Botox Q&A"
    about = f" {listing(topics)}." if topics else " common questions."
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version or __version__,
        "id": app_id,
        "developer": {
            "name": clinic[:32],
            "websiteUrl": urls["--website-url"],
            "privacyUrl": urls["--privacy-url"],
            "termsOfUseUrl": urls["--terms-url"],
        },
        "name": {
            "short": short if len(short) <= 30 else "Botox Q&A",
            "full": f"Botox questions, answered for {clinic}"[:100],
        },
        "description": {
            "short": "Answers common questions about Botox, with sources; knows the warning signs.",
            "full": (
                f"Ask {clinic}'s assistant about Botox:{about} Chat with it directly, or mention it in a "
                "channel or group chat. It gives general information, not medical advice, and always "
                "suggests talking to your provider; it recognises warning signs and says when to get "
                "help at once."
            )[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": SCOPES, "commands": commands(topics)}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def commands(topics: list[str]) -> list[dict[str, str]]:
    """The compose box's suggestions: the content's topic titles (a click sends the title as the question)."""
    return [
        {"title": title[:32], "description": f"General information: {title[:1].lower()}{title[1:]}"[:128]}
        for title in topics[:MAX_COMMANDS]
    ]


def color_icon(size: int = 192) -> bytes:
    """Full-bleed accent colour with a white speech bubble inside Teams' safe area (the middle 120 of 192)."""
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    return png(size, size, lambda x, y: white if _bubble(x / size, y / size) else accent)


def outline_icon(size: int = 32) -> bytes:
    """The same bubble as a white outline on transparent, as Teams wants its 32x32 icon."""
    line = 2.5 / size

    def pixel(x: float, y: float) -> tuple[int, int, int, int]:
        u, v = x / size, y / size
        return (255, 255, 255, 255) if _bubble(u, v) and not _bubble(u, v, line) else (0, 0, 0, 0)

    return png(size, size, pixel)


_TAIL = ((0.36, 0.60), (0.56, 0.70), (0.24, 0.84))  # a triangle from the bubble's lower left to its tip


def _bubble(u: float, v: float, inset: float = 0.0) -> bool:
    """Inside a round bubble with a tail (unit coordinates), shrunk by ``inset`` on every side."""
    if math.hypot(u - 0.5, v - 0.45) <= 0.30 - inset:
        return True
    for (ax, ay), (bx, by) in zip(_TAIL, _TAIL[1:] + _TAIL[:1]):
        # signed distance to each edge; the points run clockwise on screen, so inside is positive
        if ((bx - ax) * (v - ay) - (by - ay) * (u - ax)) / math.hypot(bx - ax, by - ay) < inset:
            return False
    return True


def png(width: int, height: int, pixel: Pixel) -> bytes:
    """An 8-bit RGBA PNG; ``pixel`` gets each pixel's centre and returns its colour."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x + 0.5, y + 0.5)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _origin(url: str) -> str | None:
    """The origin of a URL (``https://clinic.example``), or ``None``."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
