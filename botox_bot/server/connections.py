"""Open connections, kept within bounds, so that clients that connect and stall cannot push a patient out.

aiohttp serves every connection it accepts for as long as the keep-alive timer allows (75 s) and has no cap of
its own; at the process's descriptor limit ``accept()`` fails, and a patient's request waits behind a thousand
stalled sockets. The guard here watches the connections of one ``aiohttp.web.Server`` (through its public
``connection_made``/``connection_lost`` callbacks and its ``request_handler``) and applies three rules:

- **a header deadline**: a connection that has not delivered a complete request head within
  ``header_timeout`` seconds of connecting is closed (a slow-loris client gives up its socket in seconds, not 75);
- **a cap per client address** (a peer that is not a trusted proxy): past it, that address's own idle
  connections make room, else the new one is refused;
- **a global cap**, kept below the descriptor limit: past it, the oldest *idle* connection makes room (one that
  never sent a request head first, then an idle keep-alive one), so a flood of stalled connections cannot keep a
  new client out. Only when every connection is busy answering is a new one refused (503, closed).

``quiet_accept_errors`` keeps asyncio's "socket.accept() out of system resource" (logged once per failed accept,
tens of thousands a second at the descriptor limit) to one line every few seconds.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from botox_bot.server.body import expectation_failed

log = logging.getLogger("botox_bot.server")
LISTEN_BACKLOG = 128  # aiohttp's default; asyncio accepts up to this many sockets before the guard sees any
RESERVED_DESCRIPTORS = 64 + LISTEN_BACKLOG  # Redis, outbound calls, logs, the model cache; and one accept burst
REFUSAL = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 1000
    per_address: int = 64
    header_timeout: float = 10.0
    trusted: Sequence[Network] = ()
    """Peers (a reverse proxy) that carry many clients: no cap per address for them (the proxy has its own)."""


@dataclass(eq=False)
class _Connection:
    transport: asyncio.Transport
    peer: str | None
    opened: float
    requests: int = 0  # request heads received
    busy: int = 0  # requests being answered now
    idle_since: float = field(default=0.0)


class ConnectionGuard:
    def __init__(self, limits: ConnectionLimits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.clock = clock
        self.cap = limits.max_connections
        self._open: dict[Any, _Connection] = {}
        self.refused = 0
        self.evicted = 0
        self.timed_out = 0

    # -- wiring --------------------------------------------------------------------------------------
    def install(self, server: web.Server) -> None:
        """Watch ``server``'s connections; call before it accepts any (its handlers copy ``request_handler``)."""
        made, lost, handle = server.connection_made, server.connection_lost, server.request_handler

        def connection_made(handler: Any, transport: asyncio.Transport) -> None:
            made(handler, transport)
            self._admit(handler, transport)

        def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
            self._open.pop(handler, None)
            lost(handler, exc)

        async def request_handler(request: web.BaseRequest) -> web.StreamResponse:
            if not request.headers.get("Expect", "").isascii():
                return expectation_failed()  # not text: aiohttp's own handler (404, 405) fails on it with a 500
            conn = self._open.get(request.protocol)
            if conn is None:
                return await handle(request)
            conn.requests += 1
            conn.busy += 1
            try:
                return await handle(request)
            finally:
                conn.busy -= 1
                conn.idle_since = self.clock()

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]
        server.request_handler = request_handler

    @property
    def open(self) -> int:
        return len(self._open)

    # -- the rules -----------------------------------------------------------------------------------
    def _admit(self, handler: Any, transport: asyncio.Transport) -> None:
        peer = _host(transport.get_extra_info("peername"))
        now = self.clock()
        conn = _Connection(transport, peer if not self._trusted(peer) else None, now, idle_since=now)
        if conn.peer is not None:
            same = [c for c in self._open.values() if c.peer == conn.peer]
            if len(same) >= self.limits.per_address and not self._evict(same):
                self._refuse(transport, "too many connections from one address")
                return
        if len(self._open) >= self.cap and not self._evict(list(self._open.values())):
            self._refuse(transport, "connection limit reached and every connection busy")
            return
        self._open[handler] = conn
        if self.limits.header_timeout > 0:
            asyncio.get_running_loop().call_later(self.limits.header_timeout, self._deadline, handler, conn)

    def _deadline(self, handler: Any, conn: _Connection) -> None:
        """No request head within the deadline: close (the client is stalling, or never meant to send one)."""
        if self._open.get(handler) is conn and conn.requests == 0 and conn.busy == 0:
            self.timed_out += 1
            self._close(handler, conn)

    def _evict(self, candidates: list[_Connection]) -> bool:
        """Close the idle connection that matters least: one that never sent a request head, oldest first; else
        the longest-idle keep-alive connection. False when every candidate is busy answering."""
        idle = [c for c in candidates if c.busy == 0]
        if not idle:
            return False
        victim = min(idle, key=lambda c: (c.requests > 0, c.opened if c.requests == 0 else c.idle_since))
        handler = next(h for h, c in self._open.items() if c is victim)
        self.evicted += 1
        self._close(handler, victim)
        return True

    def _close(self, handler: Any, conn: _Connection) -> None:
        self._open.pop(handler, None)
        conn.transport.close()

    def _refuse(self, transport: asyncio.Transport, why: str) -> None:
        self.refused += 1
        if self.refused == 1 or self.refused % 1000 == 0:  # a line, not a flood
            log.warning("connection refused", extra={"reason": why, "refused": self.refused, "open": self.open})
        transport.write(REFUSAL)
        transport.close()

    def _trusted(self, peer: str | None) -> bool:
        if peer is None or not self.limits.trusted:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.limits.trusted)


def _host(peername: Any) -> str | None:
    return peername[0] if isinstance(peername, tuple) and peername else None


def descriptor_budget(wanted: int) -> int:
    """Raise the soft descriptor limit to the hard one, and return how many connections fit under it.

    Over the limit ``accept()`` fails and nobody, patient or not, gets in; a cap below it turns that into a
    decision the guard makes (evict an idle connection) instead.
    """
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    except (ValueError, OSError):  # not allowed here: keep what there is
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_DESCRIPTORS))


def quiet_accept_errors(loop: asyncio.AbstractEventLoop, every_seconds: float = 10.0) -> None:
    """At the descriptor limit asyncio logs a failed ``accept()`` each time it retries: many thousand lines a
    second, enough to fill a disk. Keep one line every ``every_seconds`` (with how many were held back)."""
    previous = loop.get_exception_handler()
    state = {"last": float("-inf"), "held": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if "accept" in str(context.get("message", "")) and "resource" in str(context.get("message", "")):
            now = time.monotonic()
            if now - state["last"] < every_seconds:
                state["held"] += 1
                return
            state["last"] = now
            held, state["held"] = state["held"], 0
            log.error(
                "accept() failed: out of file descriptors; new connections wait",
                extra={"error": type(context.get("exception")).__name__, "repeats_not_logged": held},
            )
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


RUNNER_OPTIONS: dict[str, Any] = {
    "access_log": None,  # the bot's own access line replaces aiohttp's
    "handle_signals": False,
    # keep-alive as nginx does (75 s), not aiohttp's hour: idle connections do not pile up
    "keepalive_timeout": 75,
    # after a refusal that left a body unread (408, 413), 2 s of draining it, not 10, before the connection closes
    "lingering_time": 2.0,
    # a compressed body is refused (415), never inflated: not before routing, not while lingering
    "auto_decompress": False,
}


async def start_site(
    app: web.Application,
    host: str,
    port: int,
    limits: ConnectionLimits,
    shutdown_timeout: float = 60.0,
    reuse_port: bool = False,
) -> tuple[web.AppRunner, ConnectionGuard]:
    """Serve ``app`` on ``host:port`` with the options above and the guard on its connections.

    ``reuse_port``: one of several workers sharing the port (``botox_bot.workers``); each guards its own."""
    runner = web.AppRunner(app, shutdown_timeout=shutdown_timeout, **RUNNER_OPTIONS)
    await runner.setup()
    guard = ConnectionGuard(limits)
    guard.cap = descriptor_budget(limits.max_connections)
    assert runner.server is not None
    guard.install(runner.server)
    try:
        await web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG, reuse_port=reuse_port or None).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, guard
