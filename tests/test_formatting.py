"""What every channel's formatting shares (channels/formatting.py), as cheap table-driven unit tests."""

from __future__ import annotations

import pytest

from botox_bot.channels.formatting import emergency_heading, listing, site, topic_choices
from botox_bot.core.models import Reply


@pytest.mark.parametrize(
    ("emergency", "urgency", "heading"),
    [
        (True, "call_now", "Emergency: get help now"),
        (True, "urgent", "Urgent: get care today"),
        (True, None, "Emergency: get help now"),  # a level nobody mapped reads as the most urgent
        (False, None, None),
        (False, "crisis", None),  # not an emergency answer: no red heading
    ],
)
def test_the_emergency_heading_follows_the_typed_urgency(emergency, urgency, heading):
    reply = Reply(intent="x", confidence=1.0, text="t", emergency=emergency, urgency=urgency)
    assert emergency_heading(reply) == heading


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.nhs.uk/medicines/botulinum-toxin/", "nhs.uk"),
        ("https://pubmed.ncbi.nlm.nih.gov/31791824/", "pubmed.ncbi.nlm.nih.gov"),
        ("not a url", "not a url"),
    ],
)
def test_a_source_is_named_by_its_site(url, name):
    assert site(url) == name


@pytest.mark.parametrize(
    ("titles", "last", "words"),
    [
        ([], "and", ""),
        (["Safety"], "or", "safety"),
        (["How Botox works", "Medical uses"], "or", "how Botox works or medical uses"),
        (["A", "Bee", "Safety and side effects"], "or", "a, bee, or safety and side effects"),
    ],
)
def test_titles_read_as_a_sentence(titles, last, words):
    assert listing(titles, last) == words


def test_topics_come_from_the_content_in_its_order(engine):
    content = engine.content
    choices = topic_choices(content)
    assert [c.payload for c in choices] == [f"/{t}" for t in content.topics]
    assert [c.title for c in choices] == [content.title(t) for t in content.topics]
    assert topic_choices(None) == []  # before the content is loaded: nothing to list
