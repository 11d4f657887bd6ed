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

Off the event loop, bounded in time. MSAL is synchronous: the SDK builds its client (tenant discovery over
``requests``) on the event loop on first use, and again after each failure, so Microsoft's login endpoint
hanging froze every channel for 50 s. ``OffLoopTokenProvider`` runs the provider in threads of its own with a
deadline (``TOKEN_TIMEOUT_SECONDS``); a token not had in time, or refused, is ``TokenUnavailable`` (the route's
502). Inbound, ``TokenChecks`` runs each validation in threads of its own too (the SDK fetches key sets with
``asyncio.to_thread``, in the default executor that aiohttp's DNS lookups share), at most a few at a time.

Where replies go. The SDK replies to the activity's ``serviceUrl``, with the bot's own outbound token: a request
naming another URL would take the token there. ``may_reply_to``: the token's ``serviceurl`` claim must name the
same origin (scheme, host, port); a Bot Framework token always carries that claim, so one without it is
refused; another issuer's token without it may only name a Bot Connector host (``BOTOX_BOT_TEAMS_SERVICE_HOSTS``,
Microsoft's documented hosts by default), over https.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
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
from yarl import URL

from botox_bot.server.errors import Problem
from botox_bot.settings import TeamsSettings

log = logging.getLogger("botox_bot.teams")

SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the connection replies use
LEEWAY_SECONDS = 300  # the SDK's clock leeway
TOKEN_TIMEOUT_SECONDS = 10.0  # an outbound token not had by then: 502 (within the 15 s request timeout)
CHECK_TIMEOUT_SECONDS = 10.0  # an inbound token not checked by then (a key set that hangs): 401
CHECK_WORKERS = 2  # threads checking inbound tokens (a key-set fetch holds one)
CHECKS_WAITING = 16  # checks running or queued; beyond, 429 at once
BOT_FRAMEWORK_ISSUERS = frozenset({"https://api.botframework.com", "https://api.botframework.us"})
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


def connections(
    config: AgentAuthConfiguration,
    provider_factory: ProviderFactory = MsalAuth,
    timeout: float = TOKEN_TIMEOUT_SECONDS,
) -> ConnectionManager:
    """Where the adapter gets outbound tokens: ``MsalConnectionManager``, with the factory as a parameter, each
    provider run off the event loop with a deadline."""

    def off_loop(configuration: AgentAuthConfiguration) -> AccessTokenProviderBase:
        return OffLoopTokenProvider(provider_factory, configuration, timeout)

    return ConnectionManager(off_loop, connections_configurations={SERVICE_CONNECTION: config})


class TokenUnavailable(Exception):
    """No outbound token in time, or none at all (Microsoft's login hanging, refusing, or unreachable)."""


_TOKEN_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="botox-teams-token")


class OffLoopTokenProvider(AccessTokenProviderBase):
    """The provider (MSAL) built and called in threads of its own, each call with a deadline.

    Each call runs the provider's coroutine in a short-lived event loop of the worker thread, so whatever it
    does synchronously (MSAL's tenant discovery, its HTTP) blocks that thread, never the server's loop.
    """

    def __init__(self, factory: ProviderFactory, configuration: AgentAuthConfiguration, timeout: float):
        self._factory = factory
        self._configuration = configuration
        self._timeout = timeout
        self._inner: AccessTokenProviderBase | None = None
        self._lock = threading.Lock()

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    def _provider(self) -> AccessTokenProviderBase:
        with self._lock:
            if self._inner is None:
                self._inner = self._factory(self._configuration)
            return self._inner

    async def _call(self, method: str, *args: Any) -> Any:
        def run() -> Any:
            return asyncio.run(getattr(self._provider(), method)(*args))

        work = asyncio.get_running_loop().run_in_executor(_TOKEN_THREADS, run)
        try:
            async with asyncio.timeout(self._timeout):
                return await work
        except TimeoutError:
            raise TokenUnavailable(f"no token within {self._timeout} s") from None
        except Exception as exc:  # MSAL's requests errors, ValueError "failed to acquire token", ...
            raise TokenUnavailable(type(exc).__name__) from None

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return await self._call("get_access_token", resource_url, scopes, force_refresh)

    def get_token_credential(self) -> Any:
        return self._provider().get_token_credential()

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        return await self._call("acquire_token_on_behalf_of", scopes, user_assertion)

    async def get_agentic_application_token(self, tenant_id: str, agent_app_instance_id: str) -> str | None:
        return await self._call("get_agentic_application_token", tenant_id, agent_app_instance_id)

    async def get_agentic_instance_token(self, tenant_id: str, agent_app_instance_id: str) -> tuple[str, str]:
        return await self._call("get_agentic_instance_token", tenant_id, agent_app_instance_id)

    async def get_agentic_user_token(
        self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str, scopes: list[str]
    ) -> str | None:
        return await self._call("get_agentic_user_token", tenant_id, agent_app_instance_id, agentic_user_id, scopes)


def may_reply_to(claims: Mapping[str, Any], service_url: str, hosts: Collection[str]) -> bool:
    """Whether a request with these (verified) token claims may have its reply sent to ``service_url``."""
    claimed = claims.get("serviceurl")
    if claimed is not None:
        return isinstance(claimed, str) and _same_origin(claimed, service_url)
    issuer = claims.get("iss")
    if isinstance(issuer, str) and issuer.lower().rstrip("/") in BOT_FRAMEWORK_ISSUERS:
        return False  # the Bot Connector's own tokens always name their serviceUrl
    try:
        url = URL(service_url)
    except ValueError:
        return False
    return url.scheme == "https" and url.port == 443 and (url.host or "").lower().rstrip(".") in hosts


def _same_origin(a: str, b: str) -> bool:
    try:
        x, y = URL(a), URL(b)
    except ValueError:
        return False
    return (x.scheme, (x.host or "").lower(), x.port) == (y.scheme, (y.host or "").lower(), y.port) and bool(x.host)


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


class TokenChecks:
    """Inbound token checks in threads of their own, a few at a time, each with a deadline.

    The SDK's validator fetches key sets with ``asyncio.to_thread``: in the default executor, which aiohttp's
    DNS lookups (a staff escalation's) share. Twelve tokens naming made-up keys, with Microsoft's key endpoint
    hanging, held all of it for 30 s. Here a check runs in a worker of this pool (in a short-lived event loop,
    so the validator's own ``to_thread`` stays in that thread's loop), at most ``waiting`` are running or queued
    (beyond, 429 at once), and one not done within ``timeout`` is refused (401).
    """

    def __init__(
        self, workers: int = CHECK_WORKERS, waiting: int = CHECKS_WAITING, timeout: float = CHECK_TIMEOUT_SECONDS
    ):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="botox-teams-keys")
        self.waiting = waiting
        self.timeout = timeout
        self.pending = 0

    async def validate(self, validator: JwtTokenValidator, token: str) -> ClaimsIdentity:
        if self.pending >= self.waiting:
            raise Problem(429, "busy", "too many token checks at once; retry", {"Retry-After": "1"})
        self.pending += 1
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self.pool, lambda: asyncio.run(validator.validate_token(token)))
        work.add_done_callback(lambda _: self._done())  # when the thread is free, not at the deadline
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.shield(work)
        except TimeoutError:
            log.warning("teams token check timed out", extra={"timeout_s": self.timeout})
            raise unauthorized("bad_token", "the token could not be checked in time") from None

    def _done(self) -> None:
        self.pending -= 1

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


async def authorize(
    request: web.Request, validator: JwtTokenValidator, checks: TokenChecks | None = None
) -> ClaimsIdentity:
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
        if checks is None:
            return await validator.validate_token(token)
        return await checks.validate(validator, token)
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
