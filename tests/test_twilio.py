"""SMS and voice through Twilio's webhooks, over real HTTP, signed exactly as Twilio signs.

Twilio computes ``X-Twilio-Signature`` over the URL it called and the form fields; the ``twilio`` package's
``RequestValidator`` computes the same here. Replies are TwiML, read as XML, never as substrings.
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET

import pytest
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from tests.conftest import CONSULT

TOKEN = "twilio-test-auth-token"
CALLER = "+15555550123"


@pytest.fixture
def twilio(serve, settings):
    async def start(**overrides):
        return await serve(twilio_auth_token=SecretStr(TOKEN), **overrides)

    return start


def sms_form(body: str, sender: str = CALLER, sid: str | None = None) -> dict[str, str]:
    """The fields Twilio posts for an incoming SMS (the set grows; the bot must not mind); each message has its
    own ``MessageSid``, as each real one has."""
    sid = sid or "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "94105",
        "SmsSid": sid,
        "FromState": "CA",
        "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO",
        "Body": body,
        "FromCountry": "US",
        "To": "+15555550100",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def call_form(speech: str | None = None, **extra: str) -> dict[str, str]:
    form = {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "CallSid": "CA" + "1" * 32,
        "CallStatus": "in-progress",
        "Called": "+15555550100",
        "Caller": CALLER,
        "Direction": "inbound",
        "From": CALLER,
        "To": "+15555550100",
    }
    if speech is not None:
        form.update(SpeechResult=speech, Confidence="0.92")
    return {**form, **extra}


async def post_signed(client, path: str, form: dict[str, str], url_base: str | None = None, token: str = TOKEN):
    url = f"{url_base or str(client.make_url(''))}{path}".replace("//twilio", "/twilio")
    signature = RequestValidator(token).compute_signature(url, form)
    return await client.post(path, data=form, headers={"X-Twilio-Signature": signature})


async def twiml(response) -> ET.Element:
    assert response.status == 200, await response.text()
    assert response.content_type == "text/xml"
    root = ET.fromstring(await response.text())
    assert root.tag == "Response"
    return root


def sms_body(root: ET.Element) -> str | None:
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def says(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter("Say")]


# -- SMS -------------------------------------------------------------------------------------------
async def test_a_question_by_sms(twilio):
    client = await twilio()
    body = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("how long does botox last?"))))
    assert "3 to 4 months" in body
    assert "555-0100" in body and body.rstrip().endswith("555-0100")  # the SMS consult prompt ends the reply
    assert "<" not in body and "**" not in body and "http" not in body


async def test_a_numbered_choice_by_sms(twilio):
    client = await twilio(choice_margin=1.0)  # every close call offers choices, whatever the model's exact scores
    question = sms_form("repeat treatment side effects")
    first = sms_body(await twiml(await post_signed(client, "/twilio/sms", question)))
    assert "Reply 1 for" in first and "Reply 2 for" in first
    second = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("2"))))
    assert "side effect" in second.lower() and "Reply 1 for" not in second  # the safety answer


async def test_stop_start_help(twilio):
    client = await twilio()
    stop = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("STOP"))))
    assert "START" in stop
    silent = await twiml(await post_signed(client, "/twilio/sms", sms_form("how long does botox last?")))
    assert sms_body(silent) is None and list(silent) == []  # no reply to a number that sent STOP
    help_ = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("help"))))
    assert "STOP" in help_ and "911" in help_ and "555-0100" in help_
    start = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("Start"))))
    assert "resubscribed" in start
    again = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("how long does botox last?"))))
    assert "3 to 4 months" in again
    other = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("hi", sender="+15555550999"))))
    assert other  # STOP from one number says nothing about another


async def test_a_long_reply_is_cut_at_a_sentence_and_keeps_the_consult_prompt(twilio, monkeypatch):
    from botox_bot.channels.twilio import phone_text

    monkeypatch.setattr(phone_text, "SMS_LIMIT", 400)
    monkeypatch.setattr(phone_text.sms_text, "__defaults__", (400,))
    client = await twilio()
    body = sms_body(
        await twiml(await post_signed(client, "/twilio/sms", sms_form("what medical conditions can botox treat?")))
    )
    assert len(body) <= 400
    answer, _, consult = body.partition("\n\n")
    assert answer.endswith((".", "!", "?")) and consult.endswith("555-0100")


async def test_an_emergency_sms_leads_with_the_instruction_and_tells_staff(twilio):
    client = await twilio()
    body = sms_body(
        await twiml(
            await post_signed(client, "/twilio/sms", sms_form("cant swallow properly since my botox yesterday"))
        )
    )
    assert body.splitlines()[0].startswith(("Call 911", "If you have trouble breathing or swallowing, call 911"))


async def test_a_bad_or_missing_signature_is_403(twilio):
    client = await twilio()
    form = sms_form("how long does botox last?")
    assert (await post_signed(client, "/twilio/sms", form, token="wrong-token")).status == 403
    assert (await client.post("/twilio/sms", data=form)).status == 403
    signed_for_other_url = await post_signed(client, "/twilio/sms", form, url_base="https://elsewhere.example")
    assert signed_for_other_url.status == 403
    assert (await post_signed(client, "/twilio/voice", call_form(), token="wrong-token")).status == 403


async def test_behind_a_proxy_the_public_url_is_what_is_signed(twilio):
    client = await twilio(public_url="https://bot.clinic.example")
    form = sms_form("how long does botox last?")
    assert (await post_signed(client, "/twilio/sms", form, url_base="https://bot.clinic.example")).status == 200
    assert (await post_signed(client, "/twilio/sms", form)).status == 403


async def test_not_mounted_without_the_auth_token(serve):
    client = await serve()
    assert (await client.post("/twilio/sms", data=sms_form("hi"))).status == 404


# -- voice -----------------------------------------------------------------------------------------
def gather_of(root: ET.Element) -> ET.Element:
    (gather,) = root.findall("Gather")
    return gather


async def test_a_call_greeting_question_answer_and_another_question(twilio):
    client = await twilio()
    greeting = await twiml(await post_signed(client, "/twilio/voice", call_form()))
    gather = gather_of(greeting)
    assert gather.get("input") == "dtmf speech" and gather.get("action") == "/twilio/voice"  # a key: the language
    assert gather.get("language") == "en-US"
    assert "Botox information line" in " ".join(says(greeting)) and "9 1 1" in " ".join(says(greeting))
    assert greeting.find("Redirect") is not None  # silence falls through to a retry

    answer = await twiml(await post_signed(client, "/twilio/voice", call_form("how long does botox last")))
    spoken = " ".join(says(answer))
    assert "3 to 4 months" in spoken and "http" not in spoken and "5 5 5, 0 1 0 0" in spoken
    assert not any(ch in spoken for ch in "<>*#/")
    assert gather_of(answer).get("action") == "/twilio/voice"  # another question
    assert answer.find("Hangup") is not None  # or, after silence, goodbye

    second = await twiml(await post_signed(client, "/twilio/voice", call_form("is it safe when pregnant")))
    assert "pregnan" in " ".join(says(second)).lower()


async def test_silence_gets_one_retry_then_goodbye(twilio):
    client = await twilio()
    retry = await twiml(await post_signed(client, "/twilio/voice?attempt=1", call_form()))
    assert "didn't hear" in " ".join(says(retry))
    assert gather_of(retry).get("action") == "/twilio/voice?attempt=1"
    assert retry.find("Redirect").text == "/twilio/voice?attempt=2"
    goodbye = await twiml(await post_signed(client, "/twilio/voice?attempt=2", call_form()))
    assert goodbye.find("Gather") is None and goodbye.find("Hangup") is not None
    assert "Goodbye" in " ".join(says(goodbye))


async def test_an_unplaceable_question_gets_one_retry(twilio):
    client = await twilio()
    first = await twiml(await post_signed(client, "/twilio/voice", call_form("what's the weather in Paris")))
    assert gather_of(first).get("action") == "/twilio/voice?attempt=1"
    assert CONSULT in " ".join(says(first))
    assert "You can ask about " in " ".join(says(first))  # the content's titles follow
    second = await twiml(
        await post_signed(client, "/twilio/voice?attempt=1", call_form("who won the football last night"))
    )
    assert second.find("Gather") is None and second.find("Hangup") is not None


async def test_a_call_now_caller_is_told_to_hang_up_and_call_and_never_offered_the_clinic(twilio):
    client = await twilio()
    root = await twiml(
        await post_signed(client, "/twilio/voice", call_form("I had botox and now I can't breathe properly"))
    )
    first = root[0]
    assert first.tag == "Say" and "9 1 1" in first.text and "hang up" in first.text.lower()
    assert root.find("Gather") is None and root.find("Hangup") is not None  # no "press 1": it would delay 911
    assert "press 1" not in " ".join(says(root)).lower()


async def test_an_emergency_department_call_is_spoken_first_and_offers_the_clinic(twilio):
    client = await twilio()
    root = await twiml(
        await post_signed(client, "/twilio/voice", call_form("since my botox last week i have double vision"))
    )
    first = root[0]
    assert first.tag == "Say" and "emergency room" in first.text.lower()
    gather = gather_of(root)
    assert gather.get("action") == "/twilio/voice/connect" and "dtmf" in gather.get("input")
    connect = await twiml(await post_signed(client, "/twilio/voice/connect", call_form(Digits="1")))
    assert connect.find("Dial").text == "555-0100"
    declined = await twiml(await post_signed(client, "/twilio/voice/connect", call_form(Digits="2")))
    assert declined.find("Dial") is None and declined.find("Hangup") is not None


async def test_an_emergency_call_without_a_clinic_number_offers_no_dial(twilio):
    client = await twilio(clinic_phone="")
    root = await twiml(await post_signed(client, "/twilio/voice", call_form("my throat is closing after botox")))
    assert root.find("Gather") is None and root.find("Hangup") is not None
    assert "9 1 1" in root[0].text
    assert "let Riverside Skin know" in says(root)[-1]  # the emergency's own provider line ends the reply


async def test_an_emergency_by_sms_or_call_is_escalated_to_staff(twilio):
    from tests.slack_mock import SlackWebAPIMock

    async with SlackWebAPIMock() as slack:
        client = await twilio(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr("s"),
            slack_api_base_url=slack.base_url,
            staff_channel="C0STAFF",
        )
        await post_signed(client, "/twilio/sms", sms_form("cant swallow properly since my botox yesterday"))
        await post_signed(client, "/twilio/voice", call_form("I had botox and now I can't breathe properly"))
        await post_signed(client, "/twilio/sms", sms_form("how long does botox last?"))
        posts = await slack.wait_for("chat.postMessage", 2)
        assert {p["channel"] for p in posts} == {"C0STAFF"}
        assert "SMS" in posts[0]["text"] and "phone line" in posts[1]["text"]
        assert all("swallow" not in p["text"] and CALLER not in p["text"] for p in posts)
        await asyncio.sleep(0.2)
        assert len(slack.calls("chat.postMessage")) == 2  # the ordinary question told nobody


async def test_a_number_that_sent_stop_gets_no_reply_but_its_emergency_reaches_staff(twilio):
    from tests.slack_mock import SlackWebAPIMock

    async with SlackWebAPIMock() as slack:
        client = await twilio(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr("s"),
            slack_api_base_url=slack.base_url,
            staff_channel="C0STAFF",
        )
        await post_signed(client, "/twilio/sms", sms_form("STOP"))
        silent = await twiml(
            await post_signed(client, "/twilio/sms", sms_form("I cant breathe properly since my botox"))
        )
        assert sms_body(silent) is None
        (post,) = await slack.wait_for("chat.postMessage")
        assert post["channel"] == "C0STAFF" and "SMS" in post["text"]


# -- the rate limit, the same pipeline as every patient channel ---------------------------------------
async def test_an_sms_flood_gets_silence_but_an_emergency_still_gets_its_answer(twilio):
    client = await twilio(rate_limit=1)
    first = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("how long does botox last?"))))
    assert "3 to 4 months" in first
    flooded = await twiml(await post_signed(client, "/twilio/sms", sms_form("is it safe?")))
    assert sms_body(flooded) is None
    urgent = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("I can't breathe after botox"))))
    assert urgent and "911" in urgent


async def test_the_phone_line_is_rate_limited_too_but_never_an_emergency(twilio):
    client = await twilio(rate_limit=1)
    answer = await twiml(await post_signed(client, "/twilio/voice", call_form("how long does botox last")))
    assert "3 to 4 months" in " ".join(says(answer))
    limited = await twiml(await post_signed(client, "/twilio/voice", call_form("is it safe")))
    assert "too many questions" in " ".join(says(limited)) and limited.find("Hangup") is not None
    assert limited.find("Gather") is None
    urgent = await twiml(await post_signed(client, "/twilio/voice", call_form("I had botox and now I can't breathe")))
    assert "9 1 1" in urgent[0].text  # over the limit, and answered first all the same
    metrics = await (await client.get("/metrics")).text()
    assert 'botox_bot_rate_limited_total{channel="voice"} 1.0' in metrics


# -- Spanish: SMS -----------------------------------------------------------------------------------
async def sms(client, body: str, sender: str = CALLER, **extra: str) -> str | None:
    return sms_body(await twiml(await post_signed(client, "/twilio/sms", {**sms_form(body, sender), **extra})))


async def test_a_spanish_question_by_sms_is_answered_in_spanish(twilio, asked):
    from botox_bot.channels.twilio.phone_text import sms_segments

    client = await twilio()
    body = await sms(client, "¿cuánto dura el bótox?")
    assert "3 a 4 meses" in body and body.rstrip().endswith("555-0100")
    assert sms_segments(body).encoding == "UCS-2"  # accents kept: counted as what they cost
    assert asked[-1].language is None  # SMS knows nothing of the language: the engine tells from the words


async def test_parar_opts_out_in_spanish_and_iniciar_opts_back_in(twilio):
    client = await twilio()
    stop = await sms(client, "PARAR")
    assert "INICIAR" in stop and "Riverside Skin" in stop and "START" not in stop
    assert await sms(client, "¿cuánto dura el bótox?") is None
    start = await sms(client, "Iniciar")
    assert "AYUDA" in start and "PARAR" in start
    assert "3 a 4 meses" in await sms(client, "¿cuánto dura el bótox?")


@pytest.mark.parametrize("word", ["Alto", "¡CANCELAR!", "detener.", "Baja", " parar "])
async def test_every_spanish_stop_word_opts_out(twilio, word):
    client = await twilio()
    assert "INICIAR" in await sms(client, word)
    assert await sms(client, "how long does botox last?") is None
    assert "AYUDA" in await sms(client, "COMENZAR")


async def test_a_sentence_with_a_keyword_in_it_is_a_question(twilio):
    client = await twilio()
    assert "INICIAR" not in await sms(client, "parar el botox es peligroso?")
    assert await sms(client, "how long does botox last?")  # not opted out


async def test_ayuda_is_answered_in_spanish_and_help_in_the_senders_language(twilio):
    client = await twilio()
    ayuda = await sms(client, "ayuda")
    assert "911" in ayuda and "555-0100" in ayuda and "PARAR" in ayuda and "respuesta general" in ayuda
    english = await sms(client, "HELP", sender="+15555550111")
    assert "STOP" in english and "Botox helpline" in english
    await sms(client, "¿el bótox es seguro?", sender="+15555550122")
    spanish = await sms(client, "HELP", sender="+15555550122")  # a standard word, after a Spanish conversation
    assert "PARAR" in spanish and "911" in spanish
    stop = await sms(client, "STOP", sender="+15555550122")
    assert "INICIAR" in stop


async def test_spanish_opt_out_works_where_the_clinic_serves_only_english(twilio):
    client = await twilio(languages=["en"])
    assert "INICIAR" in await sms(client, "PARAR")
    assert await sms(client, "how long does botox last?") is None


async def test_unset_clinic_details_read_as_the_content_says_them_in_spanish(twilio):
    client = await twilio(clinic_name=None, emergency_number=None, country=None, clinic_phone="")
    ayuda = await sms(client, "AYUDA")
    assert "nuestra clínica" in ayuda and "número local de emergencias" in ayuda and "Llame al" not in ayuda
    assert "our clinic" in await sms(client, "HELP", sender="+15555550111")


async def test_a_keyword_twilio_already_answered_changes_the_opt_out_without_a_second_reply(twilio):
    client = await twilio()
    assert await sms(client, "BASTA", OptOutType="STOP") is None  # a word the clinic added in Twilio's settings
    assert await sms(client, "how long does botox last?") is None  # opted out all the same
    assert await sms(client, "VOLVER", OptOutType="START") is None
    assert "3 to 4 months" in await sms(client, "how long does botox last?")
    assert await sms(client, "AYUDA", OptOutType="HELP") is None


# -- Spanish: the phone line ------------------------------------------------------------------------
def spoken(root: ET.Element, language: str) -> str:
    return " ".join(el.text or "" for el in root.iter("Say") if el.get("language") == language)


async def test_the_greeting_offers_spanish_in_spanish(twilio):
    client = await twilio()
    greeting = await twiml(await post_signed(client, "/twilio/voice", call_form()))
    spanish = [el for el in gather_of(greeting).iter("Say") if el.get("language") == "es-US"]
    assert len(spanish) == 1 and spanish[0].get("voice") == "Polly.Lupe"
    assert "Para español, oprima 2" in spanish[0].text and "9 1 1" in spanish[0].text
    assert gather_of(greeting).get("numDigits") == "1"


async def test_pressing_2_moves_the_call_to_spanish(twilio):
    client = await twilio()
    root = await twiml(await post_signed(client, "/twilio/voice", call_form(Digits="2")))
    gather = gather_of(root)
    assert gather.get("language") == "es-US" and gather.get("action") == "/twilio/voice?lang=es"
    assert "Hola" in spoken(root, "es-US") and "Riverside Skin" in spoken(root, "es-US")
    assert "¿Qué le gustaría saber sobre el Botox?" in spoken(root, "es-US")
    assert "For English, press 1" in spoken(root, "en-US")  # the way back, in English
    assert root.find("Redirect").text == "/twilio/voice?attempt=1&lang=es"
    back = await twiml(await post_signed(client, "/twilio/voice?lang=es", call_form(Digits="1")))
    assert gather_of(back).get("language") == "en-US" and gather_of(back).get("action") == "/twilio/voice"


async def test_a_spanish_caller_is_asked_heard_and_answered_in_spanish(twilio, asked):
    client = await twilio()
    root = await twiml(await post_signed(client, "/twilio/voice?lang=es", call_form("cuánto dura el bótox")))
    assert asked[-1].language == "es"
    answer = spoken(root, "es-US")
    assert "meses" in answer and "5 5 5, 0 1 0 0" in answer and "Puede hacer otra pregunta" in answer
    assert spoken(root, "en-US") == ""  # not a word in the English voice
    assert gather_of(root).get("language") == "es-US" and gather_of(root).get("action") == "/twilio/voice?lang=es"
    assert "Adiós" in says(root)[-1]


async def test_spanish_words_on_an_english_call_are_answered_in_spanish_and_the_call_follows(twilio):
    client = await twilio()
    root = await twiml(await post_signed(client, "/twilio/voice", call_form("¿cuánto tiempo dura el bótox?")))
    assert "meses" in spoken(root, "es-US")
    assert gather_of(root).get("action") == "/twilio/voice?lang=es"


async def test_spanish_silence_gets_one_retry_in_spanish_then_goodbye(twilio):
    client = await twilio()
    retry = await twiml(await post_signed(client, "/twilio/voice?attempt=1&lang=es", call_form()))
    text = spoken(retry, "es-US")
    assert "no le escuché" in text and "Puede preguntar sobre" in text and "usos médicos" in text
    assert retry.find("Redirect").text == "/twilio/voice?attempt=2&lang=es"
    goodbye = await twiml(await post_signed(client, "/twilio/voice?attempt=2&lang=es", call_form()))
    assert goodbye.find("Hangup") is not None and "Adiós" in spoken(goodbye, "es-US")


async def test_a_spanish_call_now_emergency_is_said_in_spanish_first_and_offers_nothing(twilio):
    client = await twilio()
    root = await twiml(
        await post_signed(client, "/twilio/voice?lang=es", call_form("no puedo respirar después del bótox"))
    )
    first = root[0]
    assert first.tag == "Say" and first.get("language") == "es-US" and "9 1 1" in first.text
    assert "cuelgue" in first.text.lower()
    assert root.find("Gather") is None and root.find("Hangup") is not None


async def test_a_spanish_urgent_caller_is_offered_the_clinic_in_spanish(twilio):
    client = await twilio()
    root = await twiml(
        await post_signed(client, "/twilio/voice?lang=es", call_form("desde el bótox de la semana pasada veo doble"))
    )
    assert root[0].get("language") == "es-US"
    gather = gather_of(root)
    assert gather.get("action") == "/twilio/voice/connect?lang=es" and gather.get("language") == "es-US"
    assert "oprima 1 o diga sí" in " ".join(says(gather))
    yes = await twiml(await post_signed(client, "/twilio/voice/connect?lang=es", call_form("Sí.")))
    assert yes.find("Dial").text == "555-0100" and "Le comunico" in spoken(yes, "es-US")
    no = await twiml(await post_signed(client, "/twilio/voice/connect?lang=es", call_form("no, gracias")))
    assert no.find("Dial") is None and "Adiós" in spoken(no, "es-US")


async def test_too_many_questions_is_said_in_spanish(twilio):
    client = await twilio(rate_limit=1)
    await post_signed(client, "/twilio/voice?lang=es", call_form("cuánto dura el bótox"))
    limited = await twiml(await post_signed(client, "/twilio/voice?lang=es", call_form("es seguro")))
    assert "demasiadas preguntas" in spoken(limited, "es-US") and limited.find("Hangup") is not None


async def test_an_english_only_clinic_offers_no_language_choice(twilio):
    client = await twilio(languages=["en"])
    greeting = await twiml(await post_signed(client, "/twilio/voice", call_form()))
    assert gather_of(greeting).get("input") == "speech" and spoken(greeting, "es-US") == ""
    ignored = await twiml(await post_signed(client, "/twilio/voice?lang=es", call_form()))  # not served: English
    assert gather_of(ignored).get("language") == "en-US"


async def test_the_spanish_greeting_without_clinic_details_says_them_in_spanish(twilio):
    client = await twilio(clinic_name=None, emergency_number=None, country=None)
    root = await twiml(await post_signed(client, "/twilio/voice", call_form(Digits="2")))
    text = spoken(root, "es-US")
    assert "nuestra clínica" in text and "número local de emergencias" in text
    english = await twiml(await post_signed(client, "/twilio/voice", call_form()))
    assert "your local emergency number" in spoken(english, "en-US")
    assert "y o u r" not in spoken(english, "en-US")  # a number in words is not spelled out


async def test_a_replayed_sms_is_taken_once(twilio):
    """Twilio's signature has no timestamp: a captured STOP would opt the patient out again whenever replayed.
    Each MessageSid is taken once; a new message (a new sid) is answered as ever."""
    client = await twilio()
    stop = sms_form("STOP")
    await twiml(await post_signed(client, "/twilio/sms", stop))
    await twiml(await post_signed(client, "/twilio/sms", sms_form("START")))
    replayed = await twiml(await post_signed(client, "/twilio/sms", stop))
    assert sms_body(replayed) is None
    answered = sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form("how long does botox last?"))))
    assert answered and "3 to 4 months" in answered  # still subscribed: the replayed STOP changed nothing
    question = sms_form("is it safe?")
    assert sms_body(await twiml(await post_signed(client, "/twilio/sms", question)))
    assert sms_body(await twiml(await post_signed(client, "/twilio/sms", question))) is None
    metrics = await (await client.get("/metrics")).text()
    assert 'botox_bot_rejected_total{channel="sms",reason="replay"} 2.0' in metrics
