"""The channel registry: every channel declares who it is and whether patients write there, in one place."""

from __future__ import annotations

from pydantic import SecretStr

from botox_bot.channels import REGISTRY, TERMINAL, channel_names, configured_channels
from botox_bot.runtime import BotRuntime


def test_every_registered_channel_declares_itself():
    names = [channel.name for channel in REGISTRY]
    assert len(names) == len(set(names)), "two channels share a name"
    for channel in REGISTRY:
        assert channel.name and channel.name == channel.name.lower()
        assert channel.label and isinstance(channel.patient, bool)


def test_patients_write_on_the_webhook_the_web_chat_sms_and_the_phone_line():
    assert {c.name for c in REGISTRY if c.patient} == {"rest", "web", "sms", "voice"}
    assert {c.name for c in REGISTRY if not c.patient} == {"slack", "teams"}


def test_channel_names_are_the_registry_and_the_terminal():
    assert channel_names() == {TERMINAL, *(c.name for c in REGISTRY)}
    assert "web" in channel_names()  # the chat page's messages are the web channel's (POST /chat/messages)


def test_only_configured_channels_are_mounted(settings):
    plain = configured_channels(BotRuntime(settings))
    assert [c.name for c in plain] == ["rest", "web"]
    everything = settings.model_copy(
        update=dict(
            slack_bot_token=SecretStr("xoxb-1"),
            slack_signing_secret=SecretStr("s"),
            teams_allow_anonymous_unsafe=True,
            twilio_auth_token=SecretStr("tw"),
            web_chat=False,
        )
    )
    assert [c.name for c in configured_channels(BotRuntime(everything))] == ["rest", "slack", "teams", "sms", "voice"]
