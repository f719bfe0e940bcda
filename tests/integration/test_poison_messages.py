"""Hostile input: every kind of poison goes to the dead-letter topic, whole, with a reason,
and the real articles around it are indexed."""

from __future__ import annotations

import hashlib
import json

import apache_beam as beam
from apache_beam.pipeline import Pipeline
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from kafka.admin import ConfigResource, ConfigResourceType

from newsmon.connectors.kafka import consumer_lag, make_admin, make_producer
from newsmon.connectors.kafka_sink import WriteDeadLetters
from newsmon.models.messages import DeadLetter
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


def test_a_message_just_under_the_topic_limit_is_dead_lettered_whole(world: World) -> None:
    # As large as the articles topic takes (the record's own overhead is about 80 bytes):
    # its dead letter with headers used to be larger than the dead-letter topic took, and the
    # run ended on it, again at every restart.
    limit = world.settings.kafka.max_message_bytes
    huge = b'{"body": "' + b"x" * (limit - 90 - 12) + b'"}'
    producer = make_producer(
        world.settings.kafka, max_request_size=world.settings.kafka.dead_letter_max_bytes
    )
    try:
        producer.send(world.settings.kafka.articles_topic, value=huge).get(timeout=60)
    finally:
        producer.close()
    world.produce(real_article_lines(3))

    world.run_pipeline()

    assert world.count() == 3
    (letter,) = world.read_topic(world.settings.kafka.dead_letter_topic, expected=1, timeout=60)
    assert letter.value == huge  # type: ignore[attr-defined]
    assert b"exceeds" in dict(letter.headers)["newsmon.reason"]  # type: ignore[attr-defined]


def test_a_dead_letter_the_topic_refuses_is_written_reduced(world: World) -> None:
    # A dead-letter topic made smaller by hand than a letter: the sink writes the letter
    # reduced instead of failing the bundle.
    kafka = world.settings.kafka
    admin = make_admin(kafka)
    try:
        resource = ConfigResource(
            ConfigResourceType.TOPIC, kafka.dead_letter_topic, configs={"max.message.bytes": "100000"}
        )
        admin.alter_configs([resource])
    finally:
        admin.close()
    big = DeadLetter("index", "search engine refused the document", b"y" * 300_000, b"article-1", None)
    small = DeadLetter("parse", "not JSON", b"{", b"k2", "articles", 0, 5)
    with Pipeline(runner=FnApiRunner()) as pipeline:
        _ = pipeline | beam.Create([big, small]) | WriteDeadLetters(kafka)

    letters = {m.key: m for m in world.read_topic(kafka.dead_letter_topic, expected=2)}  # type: ignore[attr-defined]
    assert letters[b"k2"].value == b"{"  # type: ignore[attr-defined]
    reduced = letters[b"article-1"]
    summary = json.loads(reduced.value)  # type: ignore[attr-defined]
    assert summary["size"] == 300_000 and summary["sha256"] == hashlib.sha256(b"y" * 300_000).hexdigest()
    assert "MessageSizeTooLarge" in summary["reduced"]
    headers = dict(reduced.headers)  # type: ignore[attr-defined]
    assert headers["newsmon.stage"] == b"index" and headers["newsmon.reduced"] == b"300000"
