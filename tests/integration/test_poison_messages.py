"""Hostile input: every kind of poison goes to the dead-letter topic, whole, with a reason,
and the real articles around it are indexed."""

from __future__ import annotations

import json

from newsmon.connectors.kafka import consumer_lag
from tests.helpers import real_article_lines
from tests.integration.conftest import World

POISON: dict[str, bytes] = {
    "invalid JSON": b'{"title": "half an object", "body": ',
    "wrong types": json.dumps({"title": ["a", "list"], "body": {"not": "text"}}).encode(),
    "missing body": json.dumps({"title": "Headline only", "url": "https://example.com/a"}).encode(),
    "empty body": json.dumps({"title": "Empty", "body": "   \n\t "}).encode(),
    "10 MB body": json.dumps({"title": "Huge", "body": "word " * (2 * 1024 * 1024)}).encode(),
    "invalid UTF-8": b'{"title": "caf\xe9", "body": "broken \xff\xfe encoding"}',
    "HTML soup": b"<html><body><div><p>Breaking: <b>unclosed <i>tags</body>",
    "binary": bytes(range(256)) * 4,
    "JSON array": b"[1, 2, 3]",
    "bad url": json.dumps({"body": "text", "url": "javascript:alert(1)"}).encode(),
}
EXPECTED_REASON = {
    "invalid JSON": "not JSON",
    "wrong types": "invalid article",
    "missing body": "body: Field required",
    "empty body": "body",
    "10 MB body": "exceeds",
    "invalid UTF-8": "not valid UTF-8",
    "HTML soup": "not JSON",
    "binary": "not valid UTF-8",
    "JSON array": "expected a JSON object",
    "bad url": "url",
}


def test_poison_is_dead_lettered_whole_and_the_stream_goes_on(world: World) -> None:
    articles = real_article_lines(12)
    world.produce(articles[:6])
    world.produce(list(POISON.values()), keys=[name.encode() for name in POISON])
    world.produce(articles[6:])

    world.run_pipeline()

    assert world.count() == 12
    letters = world.read_topic(world.settings.kafka.dead_letter_topic, expected=len(POISON))
    by_key = {m.key.decode(): m for m in letters}  # type: ignore[attr-defined]
    assert set(by_key) == set(POISON)
    for name, payload in POISON.items():
        message = by_key[name]
        headers = dict(message.headers)  # type: ignore[attr-defined]
        assert message.value == payload, f"{name}: original bytes not kept"  # type: ignore[attr-defined]
        assert headers["newsmon.stage"] == b"parse"
        assert EXPECTED_REASON[name].encode() in headers["newsmon.reason"], (name, headers["newsmon.reason"])
    assert consumer_lag(world.settings.kafka) == 0
