"""Slack over real HTTP on loopback, against a mock Slack (tests/slack_mock.py): mounting, URL verification,
mentions, DMs, thread follow-ups, what is ignored, Block Kit replies (emergency header, choices, feedback),
button clicks, ``/botox``, retries, signatures, staff escalations from the patient webhook, Socket Mode.

Every request is signed with Slack's own signer; payloads have the shapes Slack documents.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from tests.conftest import CONSULT
from tests.slack_mock import (
    BOT_USER_ID,
    SlackWebAPIMock,
    SocketModeMock,
    app_mention,
    block_actions,
    bot_message,
    channel_message,
    dm,
    edited_message,
    event_callback,
    signed_headers,
    slash_command,
    url_verification,
)

SECRET = "slack-signing-secret"
EVENTS = "/slack/events"
HOOK = "/webhooks/rest/webhook"
CHOICE_QUESTION = "repeat treatment side effects"  # repeat_treatment first, safety second: the bot asks when told to
CLOSE = {"choice_margin": 1.0}  # every close call offers choices, whatever the model's exact scores
TOPICS = ("how_it_works", "duration", "repeat_treatment", "medical_uses", "safety")


@pytest.fixture
async def api():
    async with SlackWebAPIMock() as mock:
        yield mock


@pytest.fixture
def slack(api, serve):
    """Start the bot with Slack over HTTP; ``api`` (set up first) outlives the app."""

    async def start(**overrides):
        conf = dict(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_base_url=api.base_url,
            staff_channel="C0STAFF",
        )
        return await serve(**{**conf, **overrides})

    return start


async def post_json(client, payload, secret=SECRET, timestamp=None, headers=None):
    body = json.dumps(payload).encode()
    return await client.post(
        EVENTS, data=body, headers={**signed_headers(secret, body, "application/json", timestamp), **(headers or {})}
    )


async def post_form(client, fields):
    body = urlencode(fields).encode()
    return await client.post(
        EVENTS, data=body, headers=signed_headers(SECRET, body, "application/x-www-form-urlencoded")
    )


async def click(client, payload):
    return await post_form(client, {"payload": json.dumps(payload)})


async def ask(client, api, event, count=1):
    """Deliver an event, check the ack, and return the ``count``-th chat.postMessage and what Slack answered."""
    response = await post_json(client, event_callback(event))
    assert response.status == 200
    posts = await api.wait_for("chat.postMessage", count)
    return posts[count - 1], api.answers_to("chat.postMessage")[count - 1]


def buttons(blocks, prefix="botox_"):
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"].startswith(prefix)]


def context_text(blocks):
    return " ".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])


def samples(text):
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


# -- mounting ------------------------------------------------------------------------------------
async def test_mounted_only_with_token_and_signing_secret(serve, api):
    for overrides in ({}, {"slack_bot_token": SecretStr("xoxb-test")}, {"slack_signing_secret": SecretStr(SECRET)}):
        client = await serve(slack_api_base_url=api.base_url, **overrides)
        assert (await client.post(EVENTS, json={})).status == 404, overrides
        assert "slack" not in (await (await client.get("/readyz")).json())["channels"]
    client = await serve(
        slack_bot_token=SecretStr("xoxb-test"), slack_signing_secret=SecretStr(SECRET), slack_api_base_url=api.base_url
    )
    assert (await (await client.get("/readyz")).json())["channels"] == ["rest", "web", "slack"]
    assert (await post_json(client, url_verification("abc"))).status == 200


async def test_url_verification_challenge(slack):
    client = await slack()
    response = await post_json(client, url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
    assert response.status == 200
    assert await response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


# -- mentions, DMs, threads ----------------------------------------------------------------------
async def test_mention_is_answered_in_a_thread_with_blocks(slack, api):
    client = await slack()
    mention = app_mention(f"<@{BOT_USER_ID}> how long does botox last?", channel="C0FRONT")
    post, _ = await ask(client, api, mention)
    assert post["channel"] == "C0FRONT" and post["thread_ts"] == mention["ts"]
    assert "3 to 4 months" in post["text"] and CONSULT in post["text"] and "<@" not in post["text"]
    blocks = post["blocks"]
    assert blocks[0]["type"] == "section" and "3 to 4 months" in blocks[0]["text"]["text"]
    assert CONSULT in context_text(blocks) and "Sources:" in context_text(blocks) and "https://" in context_text(blocks)
    feedback = buttons(blocks, "botox_feedback")
    assert [(b["action_id"], b["value"]) for b in feedback] == [
        ("botox_feedback_yes", "duration"),
        ("botox_feedback_no", "duration"),
    ]
    assert not buttons(blocks, "botox_choice")
    assert set(api.authorizations) == {"Bearer xoxb-test"}
    assert not api.calls("chat.postEphemeral")


async def test_the_mention_is_removed_and_slack_escaping_undone_before_answering(slack, api, asked):
    client = await slack()
    await ask(client, api, app_mention(f"<@{BOT_USER_ID}> botox &amp; pregnancy: is it safe?"))
    (message,) = asked
    assert message.text == "botox & pregnancy: is it safe?" and message.channel == "slack"


async def test_mention_inside_a_thread_answers_in_that_thread(slack, api):
    client = await slack()
    post, _ = await ask(client, api, app_mention(f"<@{BOT_USER_ID}> is it safe?", thread_ts="1700000000.000100"))
    assert post["thread_ts"] == "1700000000.000100"


async def test_dm_is_answered_in_the_dm(slack, api):
    client = await slack()
    post, _ = await ask(client, api, dm("how long does botox last", channel="D0DM"))
    assert post["channel"] == "D0DM" and "3 to 4 months" in post["text"]
    assert not post.get("thread_ts")


async def test_thread_follow_ups_and_what_is_left_alone(slack, api):
    client = await slack()
    mention = app_mention(f"<@{BOT_USER_ID}> what is botox?", channel="C0FRONT")
    await ask(client, api, mention)
    await asyncio.sleep(0.2)  # a person replies later than the bot's own bookkeeping

    # a plain message in that thread: answered there
    post, _ = await ask(
        client, api, channel_message("and how long does it last?", "C0FRONT", thread_ts=mention["ts"]), count=2
    )
    assert post["channel"] == "C0FRONT" and post["thread_ts"] == mention["ts"] and "3 to 4 months" in post["text"]

    # a mention in the thread arrives twice (app_mention and message): one answer, not two
    text, ts = f"<@{BOT_USER_ID}> is it safe while pregnant?", "1700000001.000200"
    assert (await post_json(client, event_callback(channel_message(text, "C0FRONT", ts, mention["ts"])))).status == 200
    await ask(client, api, app_mention(text, channel="C0FRONT", ts=ts, thread_ts=mention["ts"]), count=3)

    # plain channel talk outside the thread, or in another channel's thread of the same ts: ignored
    for event in (
        channel_message("how long does botox last?", "C0FRONT"),
        channel_message("how long does botox last?", "C0OTHER", thread_ts=mention["ts"]),
    ):
        assert (await post_json(client, event_callback(event))).status == 200
    await asyncio.sleep(0.5)
    assert len(api.calls("chat.postMessage")) == 3


async def test_bots_edits_and_the_bots_own_messages_are_ignored(slack, api):
    client = await slack()
    mention = app_mention(f"<@{BOT_USER_ID}> what is botox?")
    await ask(client, api, mention)
    thread = mention["ts"]
    ignored = [
        bot_message("how long does botox last?", "C0FRONT", thread_ts=thread),
        bot_message("how long does botox last?", "D0DM", channel_type="im"),
        edited_message("how long does botox last?", "how long does it lst?", channel="D0DM"),
        edited_message("how long does it last?", channel="C0FRONT", channel_type="channel", original_ts=thread),
        channel_message("how long does botox last?", "C0FRONT", thread_ts=thread, user=BOT_USER_ID),
        {
            **channel_message("how long does botox last?", "C0FRONT", thread_ts=thread, user=BOT_USER_ID),
            "bot_id": "B0BOT",
        },
        dm("how long does botox last?", user=BOT_USER_ID),
    ]
    for event in ignored:
        assert (await post_json(client, event_callback(event))).status == 200
    await ask(client, api, dm("is it safe?", channel="D0SENTINEL"), count=2)  # answered: the others were seen
    await asyncio.sleep(0.5)
    assert [p["channel"] for p in api.calls("chat.postMessage")] == ["C0FRONT", "D0SENTINEL"]


# -- what replies look like ----------------------------------------------------------------------
async def test_emergency_has_a_header_and_the_emergency_number_and_is_not_escalated(slack, api):
    client = await slack(staff_channel="C0STAFF")
    post, _ = await ask(
        client, api, app_mention(f"<@{BOT_USER_ID}> patient called, can't swallow since her botox yesterday")
    )
    header = [b for b in post["blocks"] if b["type"] == "header"]
    assert header and ("Emergency" in header[0]["text"]["text"] or "Urgent" in header[0]["text"]["text"])
    assert post["text"].startswith("Staff: tell the patient to call 911 now")  # written for staff to act on
    assert "Then let Riverside Skin know" in post["text"] and CONSULT not in post["text"]
    assert not buttons(post["blocks"], "botox_feedback")
    await asyncio.sleep(0.5)  # staff asked on Slack: nothing goes to the staff channel
    assert [p["channel"] for p in api.calls("chat.postMessage")] == ["C0FRONT"]


async def test_choice_buttons_and_a_click_answer_in_the_same_thread(slack, api):
    client = await slack(**CLOSE)
    mention = app_mention(f"<@{BOT_USER_ID}> {CHOICE_QUESTION}", channel="C0FRONT")
    post, posted = await ask(client, api, mention)
    choices = buttons(post["blocks"], "botox_choice")
    assert [b["value"] for b in choices] == ["/repeat_treatment", "/safety"]
    assert all(b["text"]["text"] for b in choices) and CONSULT in post["text"]
    assert not buttons(post["blocks"], "botox_feedback")

    safety = choices[1]
    response = await click(
        client,
        block_actions(
            safety["action_id"],
            safety["value"],
            api.response_url("c1"),
            "C0FRONT",
            posted["ts"],
            thread_ts=mention["ts"],
            message_blocks=post["blocks"],
            message_text=post["text"],
        ),
    )
    assert response.status == 200
    picked = (await api.wait_for("chat.postMessage", 2))[1]
    assert picked["channel"] == "C0FRONT" and picked["thread_ts"] == mention["ts"]
    assert [b["value"] for b in buttons(picked["blocks"], "botox_feedback")] == ["safety", "safety"]

    # a button on a top-level channel message: the answer threads under that message
    response = await click(
        client,
        block_actions(
            choices[0]["action_id"], "/repeat_treatment", api.response_url("c2"), "C0FRONT", "1700000002.000300"
        ),
    )
    assert response.status == 200
    top = (await api.wait_for("chat.postMessage", 3))[2]
    assert top["thread_ts"] == "1700000002.000300"
    assert [b["value"] for b in buttons(top["blocks"], "botox_feedback")] == ["repeat_treatment"] * 2


async def test_feedback_click_is_counted(slack, api):
    client = await slack()
    post, posted = await ask(client, api, app_mention(f"<@{BOT_USER_ID}> how long does botox last"))
    yes = buttons(post["blocks"], "botox_feedback_yes")[0]
    response = await click(
        client,
        block_actions(
            yes["action_id"], yes["value"], api.response_url("fb"), "C0FRONT", posted["ts"], thread_ts=post["thread_ts"]
        ),
    )
    assert response.status == 200
    (thanks,) = await api.wait_for_response("fb")
    assert thanks["text"] and thanks.get("replace_original") is False
    got = samples(await (await client.get("/metrics")).text())
    assert got[("botox_bot_feedback_total", (("channel", "slack"), ("helpful", "yes"), ("intent", "duration")))] == 1
    assert len(api.calls("chat.postMessage")) == 1


# -- /botox --------------------------------------------------------------------------------------
async def command(client, api, text):
    started = time.perf_counter()
    response = await post_form(client, slash_command(text, api.response_url("cmd")))
    body = await response.json()
    elapsed = time.perf_counter() - started
    assert response.status == 200 and elapsed < 3, elapsed  # Slack gives up on a command after 3 seconds
    return body


async def test_slash_command_answers_in_its_ack(slack, api):
    client = await slack()
    asked = await command(client, api, "how long does botox last")
    assert asked["response_type"] == "ephemeral"
    assert "3 to 4 months" in asked["text"] and CONSULT in asked["text"]
    assert "3 to 4 months" in asked["blocks"][0]["text"]["text"] and CONSULT in context_text(asked["blocks"])

    shared = await command(client, api, "share how long does it last")
    assert shared["response_type"] == "in_channel" and "3 to 4 months" in shared["text"]

    topic = await command(client, api, "duration")
    assert topic["response_type"] == "ephemeral" and "3 to 4 months" in topic["text"]
    assert [b["value"] for b in buttons(topic["blocks"], "botox_feedback")] == ["duration", "duration"]
    assert not api.calls("chat.postMessage")  # all of it in the acks


@pytest.mark.parametrize("text", ["help", ""])
async def test_slash_command_help_lists_the_topics(slack, api, text):
    client = await slack()
    body = await command(client, api, text)
    assert body["response_type"] == "ephemeral"
    assert all(topic in body["text"] for topic in TOPICS)


async def test_choice_under_a_private_command_answer_goes_to_the_response_url(slack, api):
    client = await slack(**CLOSE)
    asked = await command(client, api, CHOICE_QUESTION)
    safety = buttons(asked["blocks"], "botox_choice")[1]
    assert safety["value"] == "/safety"
    response = await click(
        client,
        block_actions(
            safety["action_id"],
            safety["value"],
            api.response_url("eph"),
            "C0FRONT",
            "1700000003.000400",
            container_is_ephemeral=True,
        ),
    )
    assert response.status == 200
    (answer,) = await api.wait_for_response("eph")
    assert answer["response_type"] == "ephemeral" and CONSULT in answer["text"]
    assert [b["value"] for b in buttons(answer["blocks"], "botox_feedback")] == ["safety", "safety"]
    assert not api.calls("chat.postMessage")


# -- delivery: retries and signatures --------------------------------------------------------------
async def test_a_retried_event_is_answered_once(slack, api):
    client = await slack()
    payload = event_callback(app_mention(f"<@{BOT_USER_ID}> how long does botox last"), event_id="Ev0RETRY01")
    assert (await post_json(client, payload)).status == 200
    retry = await post_json(client, payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status == 200
    await api.wait_for("chat.postMessage")
    await asyncio.sleep(0.5)
    assert len(api.calls("chat.postMessage")) == 1


@pytest.mark.parametrize("case", ["wrong secret", "tampered", "stale", "missing"])
async def test_bad_signatures_get_401_and_no_answer(slack, api, case):
    client = await slack()
    payload = event_callback(app_mention(f"<@{BOT_USER_ID}> how long does botox last"))
    body = json.dumps(payload).encode()
    headers = signed_headers(
        "not-the-secret" if case == "wrong secret" else SECRET,
        body,
        "application/json",
        int(time.time()) - 6 * 60 if case == "stale" else None,
    )
    if case == "tampered":
        body = body.replace(b"how long", b"HOW LONG")
    if case == "missing":
        headers = {"Content-Type": "application/json"}
    response = await client.post(EVENTS, data=body, headers=headers)
    assert response.status == 401
    await asyncio.sleep(0.3)
    assert not api.calls("chat.postMessage")


# -- escalations to staff ----------------------------------------------------------------------------
async def test_emergency_on_the_webhook_tells_staff_without_the_message(slack, api):
    client = await slack(staff_channel="C0STAFF")
    response = await client.post(HOOK, json={"sender": "p1", "message": "I can't breathe after my botox"})
    assert response.status == 200 and (await response.json())[0]["custom"]["emergency"] is True
    (post,) = await api.wait_for("chat.postMessage")
    assert post["channel"] == "C0STAFF"
    assert "Emergency" in post["text"] and "on the webhook" in post["text"]
    assert "breathe" not in post["text"] and "breathe" not in json.dumps(post.get("blocks"))
    assert "p1" not in json.dumps(post)


async def test_escalation_carries_the_message_when_message_text_logging_is_on(slack, api):
    client = await slack(staff_channel="C0STAFF", log_message_text=True)
    await client.post(HOOK, json={"sender": "p1", "message": "I can't breathe after my botox"})
    (post,) = await api.wait_for("chat.postMessage")
    assert post["channel"] == "C0STAFF" and "breathe" in json.dumps(post)


async def test_a_request_for_a_person_on_the_webhook_tells_staff(slack, api):
    client = await slack(staff_channel="C0STAFF")
    response = await client.post(HOOK, json={"sender": "p2", "message": "can I talk to a real person"})
    assert (await response.json())[0]["custom"]["intent"] == "handoff"
    (post,) = await api.wait_for("chat.postMessage")
    assert post["channel"] == "C0STAFF" and "person" in post["text"] and "real person" not in json.dumps(post)


async def test_an_ordinary_webhook_question_does_not_tell_staff(slack, api):
    client = await slack(staff_channel="C0STAFF")
    await client.post(HOOK, json={"sender": "p3", "message": "how long does botox last"})
    await asyncio.sleep(0.5)
    assert not api.calls("chat.postMessage")


# -- Socket Mode ---------------------------------------------------------------------------------
@pytest.fixture
async def socket_mode(api):
    async with SocketModeMock() as mock:
        api.socket_mode = mock
        yield mock


async def test_socket_mode_events_and_commands(api, socket_mode, serve):
    client = await serve(
        slack_bot_token=SecretStr("xoxb-test"), slack_app_token=SecretStr("xapp-test"), slack_api_base_url=api.base_url
    )
    await socket_mode.wait_connected()
    assert api.authorizations[api.recorded.index(("apps.connections.open", {}))] == "Bearer xapp-test"
    assert "slack" in (await (await client.get("/readyz")).json())["channels"]
    assert (await client.post(EVENTS, json={})).status == 404  # no public URL without a signing secret

    mention = app_mention(f"<@{BOT_USER_ID}> how long does botox last?", channel="C0FRONT")
    envelope_id = await socket_mode.send_envelope(event_callback(mention))
    assert (await socket_mode.wait_ack(envelope_id))["envelope_id"] == envelope_id
    (post,) = await api.wait_for("chat.postMessage")
    assert post["channel"] == "C0FRONT" and post["thread_ts"] == mention["ts"] and "3 to 4 months" in post["text"]

    command_id = await socket_mode.send_envelope(
        slash_command("how long does botox last", api.response_url("sm")), type="slash_commands"
    )
    ack = await socket_mode.wait_ack(command_id)
    assert ack["payload"]["response_type"] == "ephemeral" and "3 to 4 months" in ack["payload"]["text"]


async def test_an_event_answered_after_its_ack_still_logs_its_reply(slack, api):
    """The access line is written at the ack; the answer comes later and gets a line of its own."""
    import io
    import logging

    from botox_bot.server.logs import configure_logging

    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        client = await slack()
        await ask(client, api, app_mention(f"<@{BOT_USER_ID}> how long does botox last?"))
        await asyncio.sleep(0.1)
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()  # lines are written by a thread of the handler's own
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (access,) = [line for line in lines if line["message"] == "request" and line.get("channel") == "slack"]
    (reply,) = [line for line in lines if line["message"] == "reply"]
    assert reply["channel"] == "slack" and reply["intent"] == "duration" and reply["emergency"] is False
    assert reply["request_id"] == access["request_id"]
    assert "how long" not in json.dumps(reply)  # text stays out of the logs by default


async def test_who_the_bot_is_is_asked_at_start_up_not_before_the_first_ack(slack, api):
    """Bolt calls auth.test on the first event before acking it; with a slow Slack API that ack missed Slack's
    3 s. The bot asks at start-up, once, and every event is acked without a Web API call first."""
    client = await slack()
    await api.wait_for("auth.test")  # before any event arrived
    for n in range(1, 3):
        post, _ = await ask(client, api, app_mention(f"<@{BOT_USER_ID}> how long does botox last?"), n)
        assert post["thread_ts"]
    assert len(api.calls("auth.test")) == 1
    assert [name for name, _ in api.recorded][0] == "auth.test"
