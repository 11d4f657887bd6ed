"""The HTTP toolkit the channels use: errors, body limits, signing, the observing wrapper, logs and metrics.

It imports nothing above it (no channel, no runtime, no settings). The application itself is put together in
``botox_bot.app``.
"""
