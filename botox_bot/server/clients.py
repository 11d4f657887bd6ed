"""The client's address, for limits that count per client: the peer, or what a *trusted* proxy says it is.

Behind nginx every request comes from nginx, so a limit per peer address would hold every patient to one
budget; nginx names the client in ``X-Forwarded-For`` (``proxy_set_header X-Forwarded-For
$proxy_add_x_forwarded_for``). That header is read only when the peer is one of ``BOTOX_BOT_TRUSTED_PROXIES``,
and then from the right: the last address no trusted proxy wrote is the client, since anything to its left
came from the client itself and may be made up. From anyone else the header is ignored.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache

from aiohttp import web

log = logging.getLogger("botox_bot.server")
_warned: set[str] = set()
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks(specs: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.0/8", "127.0.0.1"]`` as networks (the settings checked them already)."""
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def client_address(request: web.BaseRequest, trusted: Sequence[Network]) -> str:
    peer = request.remote or "unknown"
    if not trusted or not _trusted_peer(peer, tuple(trusted)):
        if "X-Forwarded-For" in request.headers:
            _untrusted_proxy_once(peer)
        return peer
    hops = [hop.strip() for value in request.headers.getall("X-Forwarded-For", []) for hop in value.split(",")]
    client = peer
    for hop in reversed(hops):
        parsed = _parse(hop)
        if parsed is None:  # not an address: nothing further left can be believed
            break
        client = str(parsed)
        if not _within(parsed, trusted):
            break
    return client


@lru_cache(maxsize=4096)
def _trusted_peer(peer: str, trusted: tuple[Network, ...]) -> bool:
    """Whether the peer is a trusted proxy: asked on every request, mostly of the same few peers (parsing an
    address each time was 3% of a request)."""
    address = _parse(peer)
    return address is not None and _within(address, trusted)


def _parse(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _within(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)


def _untrusted_proxy_once(peer: str) -> None:
    """Behind a proxy that is not trusted, every patient shares the proxy's budget: say so, once per peer."""
    if peer in _warned or len(_warned) >= 16:
        return
    _warned.add(peer)
    log.warning(
        "X-Forwarded-For from a peer that is not a trusted proxy: ignored, so limits count that peer as one "
        "client; if it is your reverse proxy, add it to BOTOX_BOT_TRUSTED_PROXIES"
    )
