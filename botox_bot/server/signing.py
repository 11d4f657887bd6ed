"""HMAC-SHA256 request signing for the REST webhook, with a timestamp and a replay window.

A client that holds the shared secret sends two headers::

    X-Botox-Timestamp: 1767225600                     (Unix time, seconds)
    X-Botox-Signature: v1=<hex HMAC-SHA256 of b"v1:" + timestamp + b":" + raw body>

the scheme Slack uses, so any client library that signs Slack-style requests adapts in a line. The check is
constant-time; a timestamp outside the window, or a signature already seen inside it, is refused.

A browser cannot keep a secret, so the web chat page gets a *web token* instead: the server's own HMAC over a
sender id and an expiry, issued with the page. It proves the request came through the page the server served
and pins the sender id, nothing more. Each page load mints a new sender, so the limits that hold a client who
reloads are per client address (``botox_bot.server.clients``): on page loads and on messages.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Botox-Signature"
TIMESTAMP_HEADER = "X-Botox-Timestamp"
WEB_TOKEN_HEADER = "X-Botox-Web-Token"
_VERSION = "v1"


class SignatureError(Exception):
    """Why a request's signature was refused (said in the 401 body: it helps an integrator, not an attacker)."""


def _mac(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    return f"{_VERSION}=" + _mac(secret, f"{_VERSION}:{timestamp}:".encode() + body)


def signature_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The two headers a client sends with ``body`` (used by the tests and the load script, and by clients)."""
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, body, timestamp)}


def verify(secret: str, body: bytes, headers: Mapping[str, str], max_age: int, now: float | None = None) -> str:
    """Return the checked signature (for the replay check) or raise ``SignatureError``."""
    signature = headers.get(SIGNATURE_HEADER)
    stamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not stamp:
        raise SignatureError(f"the request must be signed: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}")
    if not (signature.isascii() and stamp.isascii()):  # bytes that are not text (aiohttp keeps them as surrogates)
        raise SignatureError(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} must be ASCII")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix time in seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > max_age:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {max_age}-second window; sign again")
    if not hmac.compare_digest(sign(secret, body, timestamp).encode(), signature.strip().encode()):
        raise SignatureError("the signature does not match the body")
    return signature.strip()


def issue_web_token(secret: str, sender: str, ttl_seconds: int, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + ttl_seconds)
    return f"{sender}.{expires}.{_mac(secret, f'web:{sender}:{expires}'.encode())}"


def check_web_token(secret: str, token: str, now: float | None = None) -> str:
    """The sender id ``token`` was issued for; ``SignatureError`` unless this server issued it and it is current."""
    parts = token.rsplit(".", 2)
    if len(parts) != 3 or not token.isascii():  # a token this server issued is ASCII: the sender is a uuid
        raise SignatureError("the web token is malformed; reload the page")
    owner, expires, mac = parts
    if not hmac.compare_digest(_mac(secret, f"web:{owner}:{expires}".encode()).encode(), mac.encode()):
        raise SignatureError("the web token is not valid; reload the page")
    if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
        raise SignatureError("the web token has expired; reload the page")
    return owner
