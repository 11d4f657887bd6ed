"""Who may post to ``/api/messages``, and how replies get their token: the Agents SDK, plus two small seams.

Inbound, by default: the SDK's own check. Every request needs ``Authorization: Bearer <token>`` and the token
goes to ``microsoft_agents.hosting.core.authorization.JwtTokenValidator``, the public class that the SDK's
``jwt_authorization_decorator`` runs (RS256, keys from Microsoft, audience = the app's client id, 5 minutes of
clock leeway, tid-to-issuer binding), with the SDK's issuer allow-list switched on (``VALIDATE_ISSUER``). The
route calls the validator rather than wrapping itself in the decorator because the decorator reads its
configuration from ``request.app["agent_configuration"]``: a string key on the whole aiohttp application, and
the channel mounts into applications it may not own (``botox_bot.app.mount``), so it must not claim one.
``authorize`` below is the decorator's few lines of header handling, kept in step with the SDK's.

Inbound, seam 1: ``BOTOX_BOT_TEAMS_JWKS_URL``. The SDK picks the key-set URL in a private function
(``jwt_token_validator._build_jwks_uri``: ``https://login.botframework.com/v1/.well-known/keys`` for the issuer
``https://api.botframework.com``, ``https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys``
otherwise) and fetches it through a private class attribute (``JwtTokenValidator._jwk_client_manager``), with
PyJWT's ``PyJWKClient``, whose ``fetch_data`` builds its own urllib opener. Nothing public points it at another
key set, and this project reads and writes no private SDK attribute. So, only when that setting is given,
``KeySetTokenValidator`` (a ``JwtTokenValidator`` subclass) applies the same rules with PyJWT to keys from
that URL, a little stricter where that costs nothing (an expiry is required; only the connection's own issuers
are accepted, not the SDK's extra first-party ones). It is for tests (a key set on 127.0.0.1) and for private
clouds; unset, the SDK's class runs.

Outbound: replies need a token from Microsoft Entra ID. The adapter gets it from a ``Connections``; this is the
SDK's ``ConnectionManager`` with ``MsalAuth`` as the provider factory, which is exactly
``MsalConnectionManager``. Seam 2: the factory is a parameter (``TeamsChannel.token_provider_factory``), so
tests hand in a provider that never leaves the machine (MSAL insists on https and on instance discovery at
login.microsoftonline.com, so it cannot be pointed at a local token endpoint).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import jwt
from aiohttp import web
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import ConnectionManager
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ClaimsIdentity,
    JwtTokenValidator,
)

from botox_bot.server.errors import Problem
from botox_bot.settings import TeamsSettings

log = logging.getLogger("botox_bot.teams")

SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the connection replies use
LEEWAY_SECONDS = 300  # the SDK's clock leeway
ProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]
_ENTRA_ISSUER = re.compile(
    r"^https://(?:sts\.windows\.net/([^/]+)/|login\.microsoftonline\.(?:com|us)/([^/]+)/v2\.0)$", re.IGNORECASE
)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def auth_configuration(teams: TeamsSettings) -> AgentAuthConfiguration:
    """The SDK's configuration from the bot's settings. Anonymous requests only when no client id is set."""
    secret = teams.client_secret.get_secret_value() if teams.client_secret else None
    return AgentAuthConfiguration(
        client_id=teams.client_id,
        tenant_id=teams.tenant_id,
        client_secret=secret,
        connection_name=SERVICE_CONNECTION,
        validate_issuer=True,
        anonymous_allowed=teams.allow_anonymous_unsafe and not teams.client_id,
    )


def connections(config: AgentAuthConfiguration, provider_factory: ProviderFactory = MsalAuth) -> ConnectionManager:
    """Where the adapter gets outbound tokens: ``MsalConnectionManager``, with the factory as a parameter."""
    return ConnectionManager(provider_factory, connections_configurations={SERVICE_CONNECTION: config})


def token_validator(config: AgentAuthConfiguration, jwks_url: str | None) -> JwtTokenValidator:
    """The SDK's validator; ``KeySetTokenValidator`` only when a key-set URL is configured."""
    return KeySetTokenValidator(config, jwks_url) if jwks_url else JwtTokenValidator(config)


class KeySetTokenValidator(JwtTokenValidator):
    """The SDK's rules, checked with PyJWT against the key set at ``jwks_url`` (seam 1 above).

    RS256 only; a key with the token's ``kid``; ``aud`` a string equal to the client id; ``exp`` required and,
    with ``nbf``, checked with 5 minutes of leeway; ``iss`` on the connection's allow-list
    (``AgentAuthConfiguration.ISSUERS``: ``https://api.botframework.com`` and the tenant's Entra issuers); an
    Entra issuer's tenant equal to the ``tid`` claim when both are there.
    """

    def __init__(self, configuration: AgentAuthConfiguration, jwks_url: str):
        super().__init__(configuration)
        self.jwks_url = jwks_url
        self._keys = jwt.PyJWKClient(jwks_url, timeout=10)
        self._lock = threading.Lock()  # PyJWKClient's cache is not safe across threads

    async def validate_token(self, token: str) -> ClaimsIdentity:
        def signing_key() -> jwt.PyJWK:
            with self._lock:
                return self._keys.get_signing_key_from_jwt(token)

        key = await asyncio.to_thread(signing_key)
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            leeway=LEEWAY_SECONDS,
            options={"verify_aud": False, "require": ["exp", "iss", "aud"]},
        )
        client_id = self.configuration.CLIENT_ID
        if not isinstance(claims["aud"], str) or not client_id or claims["aud"].lower() != client_id.lower():
            raise ValueError("Invalid audience.")
        issuer = claims["iss"]
        if not isinstance(issuer, str) or issuer.lower() not in {i.lower() for i in self.configuration.ISSUERS}:
            raise ValueError("Invalid issuer.")
        entra = _ENTRA_ISSUER.match(issuer)
        tenant = (entra.group(1) or entra.group(2)) if entra else None
        tid = claims.get("tid")
        if tenant and _GUID.match(tenant) and isinstance(tid, str) and tid.lower() != tenant.lower():
            raise ValueError("Invalid issuer.")
        return ClaimsIdentity(claims, security_token=token)


async def authorize(request: web.Request, validator: JwtTokenValidator) -> ClaimsIdentity:
    """The identity behind a request, or a 401 ``Problem``: the SDK's ``jwt_authorization_decorator`` rules.

    No ``Authorization`` header: anonymous claims when the configuration allows it, else 401. A header that is
    not ``Bearer <token>``, or a token that does not validate: 401. Why a token failed goes to the log (its
    exception type, as the SDK logs it), never to the caller.
    """
    config = validator.configuration
    header = request.headers.get("Authorization")
    if header is None:
        if config.ANONYMOUS_ALLOWED:
            return validator.get_anonymous_claims()
        raise unauthorized("missing_token", "send the Bot Connector's token as 'Authorization: Bearer <token>'")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        raise unauthorized("malformed_token", "the Authorization header must be 'Bearer <token>'")
    if not config.CLIENT_ID:  # no client id: no audience any token could be for (and no key fetch to find out)
        raise unauthorized("bad_token", "this bot has no client id configured, so no token can be valid")
    if not _signed_with_a_key(token):
        log.warning("teams token refused", extra={"error": "no RS256 key id"})
        raise unauthorized("bad_token", "the token is not valid for this bot")
    try:
        return await validator.validate_token(token)
    except (jwt.PyJWTError, ValueError) as exc:
        log.warning("teams token refused", extra={"error": type(exc).__name__})
        raise unauthorized("bad_token", "the token is not valid for this bot") from None


def _signed_with_a_key(token: str) -> bool:
    """A token whose header names an RS256 key (``kid``), read before any check and any key-set fetch.

    The SDK's validator looks the ``kid`` up without asking whether there is one (a ``KeyError``: a 500), and a
    token that names no key, or another algorithm, can never pass; so it is refused here, without a fetch.
    """
    try:
        header = jwt.get_unverified_header(token)  # bytes that are not ASCII: a ValueError
    except (jwt.PyJWTError, ValueError):
        return False
    kid = header.get("kid")
    return header.get("alg") == "RS256" and isinstance(kid, str) and 0 < len(kid) <= 256


def unauthorized(code: str, message: str) -> Problem:
    return Problem(401, code, message, {"WWW-Authenticate": "Bearer"})
