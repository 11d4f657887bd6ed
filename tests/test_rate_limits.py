"""Limits one client cannot sidestep (M1): inventing a sender per message, or loading the page for a new sender
and web token each time, still counts against the client's address; behind a trusted proxy each client has its
own budget (and nobody else's ``X-Forwarded-For`` is believed). A red flag is always answered."""

from __future__ import annotations

from pydantic import SecretStr

from botox_bot.server import signing

HOOK = "/webhooks/rest/webhook"
QUESTION = "how long does botox last?"
RED_FLAG = "my throat is swelling after botox"
SECRET = "rate-limit-test-webhook-secret-0123456789"


async def _ask(client, sender: str, text: str = QUESTION, headers: dict | None = None) -> int:
    return (await client.post(HOOK, json={"sender": sender, "message": text}, headers=headers or {})).status


async def test_a_client_inventing_a_sender_per_message_is_held_to_its_address_limit(serve):
    client = await serve(rate_limit=20, address_rate_limit=5)
    statuses = [await _ask(client, f"sender-{i}") for i in range(12)]
    assert statuses == [200] * 5 + [429] * 7
    refused = await client.post(HOOK, json={"sender": "sender-new", "message": QUESTION})
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert await _ask(client, "sender-new", RED_FLAG) == 200  # an emergency is answered over every limit


async def test_without_a_sender_the_address_is_the_only_count(serve):
    client = await serve(rate_limit=3, address_rate_limit=100)
    statuses = [(await client.post(HOOK, json={"message": QUESTION})).status for _ in range(5)]
    assert statuses == [200] * 3 + [429] * 2


async def test_minting_web_tokens_is_limited_per_address(serve):
    client = await serve(webhook_secret=SecretStr(SECRET), address_rate_limit=4)
    pages = [await client.get("/") for _ in range(6)]
    assert [p.status for p in pages] == [200] * 4 + [429] * 2
    assert "Retry-After" in pages[-1].headers


async def test_fresh_web_tokens_do_not_buy_fresh_message_budgets(serve):
    """The review's bypass: each page load's token for a new sender, 21 messages each, against a limit of 20."""
    client = await serve(webhook_secret=SecretStr(SECRET), rate_limit=20, address_rate_limit=6)
    answered = 0
    for visit in range(3):
        sender = f"web-{visit:032x}"
        token = signing.issue_web_token(SECRET, sender, 600)
        for _ in range(4):
            response = await client.post(
                "/chat/messages",
                json={"sender": sender, "message": QUESTION},
                headers={signing.WEB_TOKEN_HEADER: token},
            )
            answered += response.status == 200
    assert answered == 6


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget(serve):
    client = await serve(rate_limit=100, address_rate_limit=2, trusted_proxies=["127.0.0.1/32"])
    for patient in ("203.0.113.7", "203.0.113.8"):
        headers = {"X-Forwarded-For": f"198.51.100.1, {patient}"}  # the left part is the client's own claim
        statuses = [await _ask(client, f"s{patient}{i}", headers=headers) for i in range(3)]
        assert statuses == [200, 200, 429], patient


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(serve):
    client = await serve(rate_limit=100, address_rate_limit=2, trusted_proxies=[])
    statuses = [await _ask(client, f"s{i}", headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_the_client_address_is_read_from_the_right(monkeypatch):
    from aiohttp.test_utils import make_mocked_request

    from botox_bot.server.clients import client_address, networks

    trusted = networks(["10.0.0.0/8", "127.0.0.1"])

    def address(peer: str, forwarded: str | None) -> str:
        headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
        request = make_mocked_request("GET", "/", headers=headers)
        monkeypatch.setattr(type(request), "remote", property(lambda self: peer))
        return client_address(request, trusted)

    assert address("127.0.0.1", "1.2.3.4, 10.0.0.5") == "1.2.3.4"  # nginx, behind a load balancer
    assert address("127.0.0.1", "6.6.6.6, 1.2.3.4") == "1.2.3.4"  # the client's own claim on the left: ignored
    assert address("127.0.0.1", "not-an-ip, 1.2.3.4") == "1.2.3.4"
    assert address("127.0.0.1", "garbage") == "127.0.0.1"
    assert address("127.0.0.1", None) == "127.0.0.1"
    assert address("192.0.2.9", "1.2.3.4") == "192.0.2.9"  # not a trusted proxy: its header means nothing
    assert address("127.0.0.1", "10.0.0.7, 10.0.0.5") == "10.0.0.7"
    assert address("127.0.0.1", "2001:db8::1") == "2001:db8::1"
