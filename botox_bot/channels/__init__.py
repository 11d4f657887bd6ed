"""One module per channel. ``configured_channels`` picks the ones whose settings (credentials) are present."""

from __future__ import annotations

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.rest import RestChannel
from botox_bot.channels.web import WebChatChannel
from botox_bot.runtime import BotRuntime


def configured_channels(runtime: BotRuntime, prefix: str = "") -> list[Channel]:
    """The channels to mount: the patient webhook always, the others when their settings allow."""
    channels: list[Channel] = [RestChannel(runtime, prefix)]
    if runtime.settings.web_chat:
        channels.append(WebChatChannel(runtime, prefix))
    from botox_bot.channels.slack import SlackChannel  # imported only here: Bolt is not needed by the others

    if SlackChannel.configured(runtime.settings):
        channels.append(SlackChannel(runtime, prefix))
    if runtime.settings.teams_client_id or runtime.settings.teams_allow_anonymous_unsafe:
        from botox_bot.channels.teams import TeamsChannel

        channels.append(TeamsChannel(runtime, prefix))
    if runtime.settings.twilio_auth_token:
        from botox_bot.channels.twilio.sms import SmsChannel
        from botox_bot.channels.twilio.voice import VoiceChannel

        channels += [SmsChannel(runtime, prefix), VoiceChannel(runtime, prefix)]
    return channels


__all__ = ["Channel", "Route", "configured_channels"]
