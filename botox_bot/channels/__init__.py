"""The channels, and the one list of them: ``REGISTRY``.

A channel is a module or a folder with a ``Channel`` subclass that declares its name, its label for people,
whether patients write there, and whether the settings configure it (``channels/base.py``). Adding one means
that folder plus one line below; nothing else in the bot keeps a list of channel names. (Rasa's
``input_channel_classes`` is the same idea.)
"""

from __future__ import annotations

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.rest import RestChannel
from botox_bot.channels.slack import SlackChannel
from botox_bot.channels.teams import TeamsChannel
from botox_bot.channels.twilio.sms import SmsChannel
from botox_bot.channels.twilio.voice import VoiceChannel
from botox_bot.channels.web import WebChatChannel
from botox_bot.runtime import BotRuntime

REGISTRY: list[type[Channel]] = [RestChannel, WebChatChannel, SlackChannel, TeamsChannel, SmsChannel, VoiceChannel]
"""Every channel the bot has, in mounting order. Tests may append to it (see tests/test_new_channel.py)."""

TERMINAL = "cli"
"""The channel name of ``botox-bot ask`` and ``shell``: answered by the engine directly, with no HTTP channel."""


def configured_channels(runtime: BotRuntime, prefix: str = "") -> list[Channel]:
    """The channels to mount: every registered one that the settings configure."""
    settings = runtime.settings
    return [channel.from_settings(runtime, settings, prefix) for channel in REGISTRY if channel.configured(settings)]


def channel_names() -> frozenset[str]:
    """Every name a ``Message.channel`` can carry: for checking ``channel:`` in content variations."""
    return frozenset({TERMINAL, *(channel.name for channel in REGISTRY)})


__all__ = ["REGISTRY", "TERMINAL", "Channel", "Route", "channel_names", "configured_channels"]
