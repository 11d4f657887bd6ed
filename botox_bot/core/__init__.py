"""The answering core: content, understanding and replies. It knows no platform."""
