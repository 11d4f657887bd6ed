"""HTTP/1.1 over a bare socket, for what no client library sends: header bytes that are not text, pipelined
requests in one write, ``Expect: 100-continue`` waited on, bodies that stop half way.

``exchange`` writes bytes and reads back as many responses as asked for (interim ``100 Continue`` included,
as a response of its own), parsing just enough HTTP/1.1 for the bot's answers: ``Content-Length`` or chunked
bodies, or a body that ends when the server closes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    method: str,
    path: str,
    headers: dict[str, str | bytes] | list[tuple[str, str | bytes]] | None = None,
    body: bytes = b"",
    *,
    content_length: bool = True,
) -> bytes:
    """One request as bytes; header values given as bytes go out exactly as they are."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    for name, value in items:
        lines.append(name.encode("ascii") + b": " + (value if isinstance(value, bytes) else value.encode("utf-8")))
    named = {name.lower() for name, _ in items}
    if content_length and "content-length" not in named and "transfer-encoding" not in named:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body: bytes, size: int = 7) -> bytes:
    """``body`` in chunks of ``size`` bytes, as ``Transfer-Encoding: chunked`` sends it."""
    parts = [
        f"{len(body[i : i + size]):x}\r\n".encode() + body[i : i + size] + b"\r\n" for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


async def _read_response(reader: asyncio.StreamReader) -> RawResponse:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    response = RawResponse(int(status_line.split()[1]))
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            response.headers[name.strip().lower()] = value.strip()
    if response.status < 200 or response.status in (204, 304):
        return response
    if response.headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        response.body = b"".join(c[:-2] for c in chunks)
    elif "content-length" in response.headers:
        response.body = await reader.readexactly(int(response.headers["content-length"]))
    else:
        response.body = await reader.read()
    return response


async def exchange(
    port: int, data: bytes, responses: int = 1, timeout: float = 20, then: bytes | None = None
) -> list[RawResponse]:
    """Send ``data``, read ``responses`` responses (fewer if the server closes); ``then`` is sent after the
    first response (the body after a ``100 Continue``)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    got: list[RawResponse] = []
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(timeout):
            while len(got) < responses:
                try:
                    got.append(await _read_response(reader))
                except (asyncio.IncompleteReadError, ConnectionResetError):
                    break
                if then is not None and len(got) == 1:
                    writer.write(then)
                    await writer.drain()
    finally:
        writer.close()
    return got


async def closed_by_server(port: int, data: bytes, timeout: float = 20) -> bool:
    """Whether the server closes a connection that sent ``data`` and then nothing, within ``timeout``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(timeout):
            while await reader.read(4096):
                pass
        return True
    except TimeoutError:
        return False
    finally:
        writer.close()


def exchange_sync(port: int, data: bytes, responses: int = 1, timeout: float = 30) -> list[RawResponse]:
    """``exchange`` for synchronous callers (the fuzz tests drive a server running in another thread): send
    ``data``, read up to ``responses`` final responses (a ``100 Continue`` is read and kept, but not counted)."""
    import socket

    got: list[RawResponse] = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        stream = sock.makefile("rb")
        while sum(r.status >= 200 for r in got) < responses:
            response = _read_response_sync(stream)
            if response is None:
                break
            got.append(response)
    return got


def _read_response_sync(stream) -> RawResponse | None:
    status_line = stream.readline()
    if not status_line:
        return None
    response = RawResponse(int(status_line.split()[1]))
    while (line := stream.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        response.headers[name.strip().lower()] = value.strip()
    if response.status < 200 or response.status in (204, 304):
        return response
    if response.headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while (size := int(stream.readline().split(b";")[0], 16)) > 0:
            chunks.append(stream.read(size))
            stream.readline()
        stream.readline()
        response.body = b"".join(chunks)
    elif "content-length" in response.headers:
        response.body = stream.read(int(response.headers["content-length"]))
    else:
        response.body = stream.read()
    return response
