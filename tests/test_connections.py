"""Connections kept within bounds (``botox_bot.server.connections``), over real sockets to the server as
``botox-bot serve`` runs it: clients that connect and stall give their socket back in seconds, cannot hold more
than their share, and cannot keep a patient out however many of them there are."""

from __future__ import annotations

import asyncio
import json
import logging
import resource

import pytest

from botox_bot.server.connections import RESERVED_DESCRIPTORS, descriptor_budget, quiet_accept_errors
from tests.raw_http import closed_by_server, exchange, request

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

HOOK = "/webhooks/rest/webhook"
EMERGENCY = json.dumps({"sender": "patient", "message": "my throat is closing after botox"}).encode()
HALF_A_HEAD = b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic"
HALF_A_BODY = (
    b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
)


async def _open(port: int, data: bytes, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    conns = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        await writer.drain()
        conns.append((reader, writer))
        await asyncio.sleep(0.005)  # in order: the guard's "oldest" is the first opened
    return conns


async def _is_closed(reader: asyncio.StreamReader, within: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(within):
            while await reader.read(4096):
                pass
        return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def _close(conns) -> None:
    for _, writer in conns:
        writer.close()


async def _emergency_answered(port: int) -> bool:
    (response,) = await exchange(port, request("POST", HOOK, [("Content-Type", "application/json")], EMERGENCY))
    return response.status == 200 and response.json()[0]["custom"]["emergency"] is True


async def test_a_client_stalling_in_its_headers_is_closed_at_the_header_deadline(listen):
    port, guard = await listen(header_timeout_seconds=0.3)
    assert await closed_by_server(port, HALF_A_HEAD, timeout=5)  # not after the 75 s keep-alive timer
    assert guard.timed_out == 1
    assert await _emergency_answered(port)  # a whole request in time is of course answered


async def test_stalled_connections_past_the_cap_make_room_oldest_first_and_a_patient_gets_in(listen):
    port, guard = await listen(max_connections=10, max_connections_per_address=1000)
    stalled = await _open(port, HALF_A_HEAD, 25)
    assert guard.open <= 10
    assert await _is_closed(stalled[0][0]) and await _is_closed(stalled[14][0])  # the oldest were evicted
    assert not await _is_closed(stalled[-1][0], within=0.2)  # the newest still wait for their headers
    assert await _emergency_answered(port)  # one more new connection: room is made for it
    _close(stalled)


async def test_one_address_cannot_hold_more_than_its_share(listen):
    port, guard = await listen(max_connections_per_address=5, header_timeout_seconds=30, trusted_proxies=[])
    busy = await _open(port, HALF_A_BODY, 5)  # heads complete, bodies stalled: five requests being read
    await asyncio.sleep(0.1)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    refused = await reader.read(4096)  # the sixth is refused at once, before it sends anything
    assert refused.startswith(b"HTTP/1.1 503") and await _is_closed(reader)
    assert guard.refused == 1
    writer.close()
    _close(busy)


async def test_a_trusted_proxy_carries_many_clients_and_has_no_per_address_cap(listen):
    port, guard = await listen(
        max_connections_per_address=2, header_timeout_seconds=30, trusted_proxies=["127.0.0.1/32"]
    )
    busy = await _open(port, HALF_A_BODY, 4)
    await asyncio.sleep(0.1)
    assert await _emergency_answered(port)
    assert guard.refused == 0 and guard.evicted == 0
    _close(busy)


async def test_when_every_connection_is_busy_a_new_one_is_refused_not_queued(listen):
    port, guard = await listen(max_connections=3, max_connections_per_address=1000, header_timeout_seconds=30)
    busy = await _open(port, HALF_A_BODY, 3)
    await asyncio.sleep(0.1)
    (response,) = await exchange(port, request("GET", "/healthz"))
    assert response.status == 503 and guard.refused == 1
    _close(busy)
    await asyncio.sleep(0.2)
    (response,) = await exchange(port, request("GET", "/healthz"))
    assert response.status == 200


def test_the_cap_stays_below_the_descriptor_limit():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    budget = descriptor_budget(10**9)
    soft_now, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft_now >= soft  # raised to the hard limit where allowed
    assert budget == soft_now - RESERVED_DESCRIPTORS
    assert descriptor_budget(100) == 100


async def test_accept_errors_at_the_descriptor_limit_are_one_log_line_not_a_flood(caplog):
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    try:
        quiet_accept_errors(loop, every_seconds=60)
        for _ in range(5000):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
            )
        lines = [r for r in caplog.records if "accept" in r.getMessage()]
        assert len(lines) == 1 and lines[0].levelno == logging.ERROR
        loop.call_exception_handler({"message": "something else entirely"})  # other errors still reach the log
        assert any("something else" in r.getMessage() for r in caplog.records)
    finally:
        loop.set_exception_handler(previous)
