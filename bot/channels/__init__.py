"""One module per channel. ``configured_channels`` picks the ones whose settings (credentials) are present."""

from __future__ import annotations

from bot.channels.base import Channel, Route
from bot.channels.rest import RestChannel
from bot.channels.web import WebChatChannel
from bot.server.runtime import BotRuntime


def configured_channels(runtime: BotRuntime, prefix: str = "") -> list[Channel]:
    """The channels to mount: the patient webhook always, the others when their settings allow."""
    channels: list[Channel] = [RestChannel(runtime, prefix)]
    if runtime.settings.web_chat:
        channels.append(WebChatChannel(runtime, prefix))
    from bot.channels.slack import SlackChannel  # imported only here: Bolt is not needed by the others

    if SlackChannel.configured(runtime.settings):
        channels.append(SlackChannel(runtime, prefix))
    if runtime.settings.teams_client_id or runtime.settings.teams_allow_anonymous_unsafe:
        from bot.channels.teams import TeamsChannel

        channels.append(TeamsChannel(runtime, prefix))
    if runtime.settings.twilio_auth_token:
        from bot.channels.twilio import SmsChannel, VoiceChannel

        channels += [SmsChannel(runtime, prefix), VoiceChannel(runtime, prefix)]
    return channels


__all__ = ["Channel", "Route", "configured_channels"]
