"""The Rasa-compatible REST webhook over real HTTP on loopback: format, choices, signatures, bad input, limits."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from pydantic import SecretStr

from botox_bot.server import signing
from tests.conftest import CONSULT

HOOK = "/webhooks/rest/webhook"
CHOICE_QUESTION = "repeat treatment side effects"  # repeat_treatment first, safety second: the bot asks when told to
CLOSE = {"choice_margin": 1.0}  # every close call offers choices, whatever the model's exact scores


async def ask(client, message, sender="patient-1", **extra):
    return await client.post(HOOK, json={"sender": sender, "message": message, **extra})


async def error_of(response) -> dict:
    body = await response.json()
    assert set(body) == {"error", "request_id"}
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body["error"]


# -- the Rasa format ---------------------------------------------------------------------------------
async def test_answer_in_rasa_format(serve):
    client = await serve()
    response = await ask(client, "How long does Botox last?", metadata={"page": "/prices"})
    assert response.status == 200
    assert response.content_type == "application/json"
    messages = await response.json()
    assert len(messages) == 1
    (message,) = messages
    assert message["recipient_id"] == "patient-1"
    assert "3 to 4 months" in message["text"]
    assert CONSULT in message["text"] and "555-0100" in message["text"]
    assert "buttons" not in message
    custom = message["custom"]
    assert custom["intent"] == "duration" and custom["emergency"] is False and custom["urgency"] is None
    assert 0.5 < custom["confidence"] <= 1
    assert custom["sources"] and all(s.startswith(("https://", "http://")) for s in custom["sources"])
    assert message["text"] == f"{custom['answer']}\n\n{custom['consult']}"


async def test_emergency_is_flagged(serve):
    client = await serve()
    (message,) = await (await ask(client, "my throat feels tight and I can't swallow since the botox")).json()
    assert message["custom"]["emergency"] is True
    assert message["custom"]["urgency"] == "call_now"
    assert message["text"].startswith("Call 911 now.") and "Then let Riverside Skin know." in message["text"]
    assert CONSULT not in message["text"]  # no "not medical advice" diluting the instruction


async def test_buttons_and_their_payloads(serve):
    client = await serve(**CLOSE)
    (message,) = await (await ask(client, CHOICE_QUESTION)).json()
    buttons = message["buttons"]
    assert [b["payload"] for b in buttons] == ["/repeat_treatment", "/safety"]
    assert all(b["title"] for b in buttons)
    assert CONSULT in message["text"]

    (picked,) = await (await ask(client, buttons[1]["payload"])).json()
    assert picked["custom"]["intent"] == "safety" and picked["custom"]["confidence"] == 1.0
    assert "buttons" not in picked


async def test_a_choice_by_its_number(serve):
    client = await serve(**CLOSE)
    await ask(client, CHOICE_QUESTION, sender="p2")
    (picked,) = await (await ask(client, "1", sender="p2")).json()
    assert picked["custom"]["intent"] == "repeat_treatment"


async def test_no_sender_gets_a_fresh_id_and_no_shared_context(serve):
    client = await serve(**CLOSE)
    first = (await (await client.post(HOOK, json={"message": CHOICE_QUESTION})).json())[0]
    second = (await (await client.post(HOOK, json={"message": "1"})).json())[0]
    assert first["recipient_id"].startswith("anonymous-")
    assert first["recipient_id"] != second["recipient_id"]
    assert second["custom"]["intent"] != "repeat_treatment"


# -- languages ---------------------------------------------------------------------------------------
async def test_the_reply_carries_its_language(serve):
    client = await serve()
    (english,) = await (await ask(client, "How long does Botox last?")).json()
    (spanish,) = await (await ask(client, "¿cuánto dura el bótox?", sender="p2")).json()
    assert english["custom"]["language"] == "en"
    assert spanish["custom"]["language"] == "es" and "3 a 4 meses" in spanish["text"]


@pytest.mark.parametrize(
    "extra",
    [{"language": "es"}, {"language": "es-MX"}, {"metadata": {"language": "es_US"}}],
    ids=["top-level", "a locale", "metadata"],
)
async def test_a_request_may_say_the_persons_language(serve, asked, extra):
    client = await serve()
    (message,) = await (await ask(client, "ok", **extra)).json()  # too short to tell: the client's word decides
    assert message["custom"]["language"] == "es"
    assert asked[-1].language == extra.get("language") or asked[-1].language == extra["metadata"]["language"]


async def test_the_words_decide_over_the_clients_language(serve):
    client = await serve()
    (message,) = await (await ask(client, "How long does Botox last?", language="es")).json()
    assert message["custom"]["language"] == "en" and "3 to 4 months" in message["text"]


async def test_a_malformed_metadata_language_is_ignored_not_refused(serve, asked):
    client = await serve()
    response = await ask(client, "How long does Botox last?", metadata={"language": ["es"]})
    assert response.status == 200 and asked[-1].language is None
    await ask(client, "How long does Botox last?", metadata={"language": "x" * 40})
    assert asked[-1].language is None
    (both,) = await (await ask(client, "ok", sender="p3", language="es", metadata={"language": "en"})).json()
    assert both["custom"]["language"] == "es"  # the top-level field wins


# -- bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'["a list"]', "must be a JSON object"),
        (b'{"sender": "x"}', "'message': field required"),
        (b'{"sender": "x", "message": 42}', "'message': input should be a valid string"),
        (b'{"sender": "x", "message": null}', "'message'"),
        (b'{"sender": 7, "message": "hi"}', "'sender'"),
        (b'{"sender": "", "message": "hi"}', "'sender'"),
        (b'{"message": "hi", "language": "espa\\u00f1ol!"}', "'language': value error, must be a language tag"),
        (b'{"message": "hi", "language": 3}', "'language'"),
        (b'{"message": "hi", "language": "es\\n"}', "'language'"),
    ],
)
async def test_bad_bodies_get_400_saying_what_is_wrong(serve, body, fragment):
    client = await serve()
    response = await client.post(HOOK, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    error = await error_of(response)
    assert error["code"] in {"invalid_json", "invalid_request"}
    assert fragment in error["message"]


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_wrong_content_type_gets_415(serve, ctype):
    client = await serve()
    headers = {"Content-Type": ctype} if ctype else {}
    response = await client.post(
        HOOK, data=b'{"sender": "a", "message": "hi"}', headers=headers, skip_auto_headers=["Content-Type"]
    )
    assert response.status == 415
    assert (await error_of(response))["code"] == "unsupported_media_type"


async def test_json_with_charset_is_fine(serve):
    client = await serve()
    response = await client.post(
        HOOK,
        data=json.dumps({"sender": "a", "message": "hi"}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status == 200


async def test_oversized_body_gets_413_declared_or_streamed(serve):
    client = await serve(max_body_bytes=1000)
    big = json.dumps({"sender": "a", "message": "x" * 2000}).encode()
    response = await client.post(HOOK, data=big, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert "limit of 1000" in (await error_of(response))["message"] or "1000" in (await error_of(response))["message"]

    async def chunks():  # no Content-Length: the limit holds while reading
        for i in range(0, len(big), 100):
            yield big[i : i + 100]

    response = await client.post(HOOK, data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert (await error_of(response))["code"] == "body_too_large"
    assert (await ask(client, "still answering?")).status == 200


async def test_unknown_path_and_method_are_json(serve):
    client = await serve()
    response = await client.get("/nowhere")
    assert response.status == 404 and (await error_of(response))["code"] == "not_found"
    response = await client.get(HOOK)
    assert response.status == 405 and (await error_of(response))["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


async def test_a_failing_handler_is_a_500_without_traceback_and_the_server_goes_on(serve, monkeypatch):
    from botox_bot.runtime import BotRuntime

    client = await serve()
    real = BotRuntime.answer

    async def broken(self, message, *args, **kwargs):
        if message.text == "boom":
            raise RuntimeError("secret internals")
        return await real(self, message, *args, **kwargs)

    monkeypatch.setattr(BotRuntime, "answer", broken)
    response = await ask(client, "boom")
    assert response.status == 500
    text = await response.text()
    assert "Traceback" not in text and "secret internals" not in text
    assert (await ask(client, "how long does it last")).status == 200


# -- signatures --------------------------------------------------------------------------------------
SECRET = "test-shared-secret"


async def signed_post(client, payload: dict, secret=SECRET, now=None, tamper=False):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **signing.signature_headers(secret, body, now)}
    if tamper:
        body = body.replace(b"last", b"LAST")
    return await client.post(HOOK, data=body, headers=headers)


async def test_signed_request_is_answered(serve):
    client = await serve(webhook_secret=SecretStr(SECRET))
    response = await signed_post(client, {"sender": "s", "message": "how long does it last"})
    assert response.status == 200
    assert (await response.json())[0]["custom"]["intent"] == "duration"


@pytest.mark.parametrize("case", ["missing", "wrong secret", "tampered body", "stale", "future", "bad timestamp"])
async def test_bad_signatures_get_401(serve, case):
    client = await serve(webhook_secret=SecretStr(SECRET), signature_max_age_seconds=300)
    payload = {"sender": "s", "message": "how long does it last"}
    if case == "missing":
        response = await ask(client, "how long does it last")
    elif case == "bad timestamp":
        body = json.dumps(payload).encode()
        response = await client.post(
            HOOK,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Botox-Timestamp": "yesterday",
                "X-Botox-Signature": signing.sign(SECRET, body, 0),
            },
        )
    else:
        response = await signed_post(
            client,
            payload,
            secret="other" if case == "wrong secret" else SECRET,
            now=time.time() + {"stale": -301, "future": 301}.get(case, 0),
            tamper=case == "tampered body",
        )
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "HMAC-SHA256"
    assert (await error_of(response))["code"] == "bad_signature"


async def test_signature_is_checked_before_the_body_is_parsed(serve):
    client = await serve(webhook_secret=SecretStr(SECRET))
    response = await client.post(HOOK, data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 401


async def test_a_replayed_request_is_refused(serve):
    client = await serve(webhook_secret=SecretStr(SECRET))
    body = json.dumps({"sender": "s", "message": "hello"}).encode()
    headers = {"Content-Type": "application/json", **signing.signature_headers(SECRET, body)}
    assert (await client.post(HOOK, data=body, headers=headers)).status == 200
    again = await client.post(HOOK, data=body, headers=headers)
    assert again.status == 401 and (await error_of(again))["code"] == "replayed"


async def test_the_webhook_takes_signatures_not_the_chat_pages_web_token(serve):
    client = await serve(webhook_secret=SecretStr(SECRET))
    token = signing.issue_web_token(SECRET, "web-abc", 60)
    response = await client.post(
        HOOK, json={"sender": "web-abc", "message": "hi"}, headers={signing.WEB_TOKEN_HEADER: token}
    )
    assert response.status == 401  # the token is for the page's own route (tests/test_web_chat.py)


# -- rate limiting -----------------------------------------------------------------------------------
async def test_a_fast_sender_gets_429_with_retry_after(serve):
    client = await serve(rate_limit=3)
    for _ in range(3):
        assert (await ask(client, "hello", sender="fast")).status == 200
    response = await ask(client, "hello", sender="fast")
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await error_of(response))["code"] == "rate_limited"
    assert (await ask(client, "hello", sender="someone-else")).status == 200


async def test_rate_limit_zero_turns_it_off(serve):
    client = await serve(rate_limit=0)
    statuses = {(await ask(client, "hello", sender="busy")).status for _ in range(40)}
    assert statuses == {200}


@pytest.mark.slow  # openssl and curl, in a shell
async def test_the_documented_shell_signing_recipe_works(serve):
    """The documented openssl + curl lines (docs/channels/webhook.md), run as written, against the live server."""
    import re
    import shutil
    import subprocess

    from tests.conftest import REPO

    if not (shutil.which("openssl") and shutil.which("curl")):
        pytest.skip("needs openssl and curl (.ci/run installs them)")
    page = (REPO / "docs" / "channels" / "webhook.md").read_text(encoding="utf-8")
    script = re.search(r"```sh\n(body=.*?)```", page, re.S)[1]
    client = await serve(webhook_secret=SecretStr(SECRET))
    script = script.replace("localhost:3000", f"127.0.0.1:{client.port}")
    result = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env={"BOTOX_BOT_WEBHOOK_SECRET": SECRET, "PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    (message,) = json.loads(result.stdout)
    assert message["custom"]["intent"] == "duration"


# -- Rasa's extras: the status route and CORS for widgets on a clinic's own site ---------------------------
async def test_rasa_status_route(serve):
    client = await serve()
    response = await client.get("/webhooks/rest/")
    assert response.status == 200 and await response.json() == {"status": "ok"}


async def test_cors_for_configured_origins_only(serve):
    client = await serve(cors_origins=["https://riverside.example"])
    preflight = await client.options(
        HOOK,
        headers={
            "Origin": "https://riverside.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://riverside.example"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    answer = await client.post(
        HOOK, json={"sender": "c", "message": "hi"}, headers={"Origin": "https://riverside.example"}
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "https://riverside.example"
    refused = await client.post(
        HOOK, data=b"{", headers={"Origin": "https://riverside.example", "Content-Type": "application/json"}
    )
    assert refused.status == 400 and refused.headers["Access-Control-Allow-Origin"] == "https://riverside.example"
    stranger = await client.options(HOOK, headers={"Origin": "https://evil.example"})
    assert stranger.status == 403
    other = await client.post(HOOK, json={"sender": "c", "message": "hi"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_origins_from_the_environment(monkeypatch):
    from botox_bot.settings import SettingsError, load_settings

    monkeypatch.setenv("BOTOX_BOT_CORS_ORIGINS", "https://a.example, https://b.example/")
    assert load_settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("BOTOX_BOT_CORS_ORIGINS", "a.example")
    with pytest.raises(SettingsError, match="BOTOX_BOT_CORS_ORIGINS"):
        load_settings()


async def test_a_client_that_stalls_mid_body_gets_408_and_others_are_served(serve):
    client = await serve(request_timeout_seconds=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    writer.write(
        f"POST {HOOK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".encode()
        + b'{"sender": "slow", "message": "how lo'
    )
    await writer.drain()
    started = time.monotonic()
    assert (await ask(client, "how long does botox last", sender="other")).status == 200
    assert time.monotonic() - started < 0.4  # the stalled one holds nothing
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 408")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    assert json.loads(await reader.readexactly(length))["error"]["code"] == "request_timeout"
    writer.close()


async def test_deeply_nested_json_is_a_400_not_a_crash(serve):
    client = await serve()
    body = b'{"sender": "a", "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await client.post(HOOK, data=body, headers={"Content-Type": "application/json"})
    assert response.status in (400, 413)
    client = await serve(max_body_bytes=1_000_000)
    response = await client.post(HOOK, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400 and "nested too deeply" in (await error_of(response))["message"]


async def test_the_rate_limit_never_silences_an_emergency(serve):
    client = await serve(rate_limit=1)
    assert (await ask(client, "hello", sender="busy")).status == 200
    assert (await ask(client, "hello again", sender="busy")).status == 429
    urgent = await ask(client, "my throat is swelling since the botox this morning", sender="busy")
    assert urgent.status == 200 and (await urgent.json())[0]["custom"]["emergency"] is True
