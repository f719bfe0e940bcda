"""Kafka plumbing shared by the CLI, the Beam connectors and the tests: topics and producers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import TopicAlreadyExistsError

from newsmon.exceptions import ConfigurationError
from newsmon.settings import KafkaSettings

_MAX_BYTES = "max.message.bytes"


def make_producer(settings: KafkaSettings, **overrides: object) -> KafkaProducer:
    """A producer that waits for every in-sync replica (``acks=all``) and retries sends."""
    config: dict[str, object] = {
        **settings.client_config(),
        "acks": "all",
        "retries": 10,
        "linger_ms": 20,
        "max_in_flight_requests_per_connection": 1,  # keep per-partition order under retries
        "max_request_size": settings.max_message_bytes,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def topic_max_bytes(settings: KafkaSettings, topic: str) -> int:
    """The ``max.message.bytes`` newsmon gives ``topic``: the dead-letter topic has room for
    the headers of a letter beyond the largest message."""
    return (
        settings.dead_letter_max_bytes if topic == settings.dead_letter_topic else settings.max_message_bytes
    )


def make_admin(settings: KafkaSettings) -> KafkaAdminClient:
    return KafkaAdminClient(**settings.client_config(), request_timeout_ms=15000)


def topic_max_bytes_now(admin: KafkaAdminClient, topics: list[str]) -> dict[str, int]:
    """The ``max.message.bytes`` in force for each of ``topics`` (set on it, or the broker's)."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, name, configs=[_MAX_BYTES]) for name in topics]
    found = admin.describe_configs(resources, config_filter="all").get("topic", {})
    return {
        name: int(found[name][_MAX_BYTES]["value"]) for name in topics if _MAX_BYTES in found.get(name, {})
    }


def limit_problems(settings: KafkaSettings, parse_max_bytes: int, in_force: dict[str, int]) -> list[str]:
    """Where the size limits do not fit together, each in a sentence (empty when they do).

    An article message may be as large as the articles topic takes; the parse stage refuses
    what is above its own limit, and its dead letter (the message whole, plus headers) must
    then fit the dead-letter topic and the producer; the consumer must take the largest.
    """
    problems = []
    articles = in_force.get(settings.articles_topic)
    letters = in_force.get(settings.dead_letter_topic)
    if parse_max_bytes > settings.max_message_bytes:
        problems.append(
            f"the parse limit ({parse_max_bytes} bytes) is above kafka.max_message_bytes "
            f"({settings.max_message_bytes}): lower input.max_article_bytes"
        )
    if articles is not None and articles > settings.max_message_bytes:
        problems.append(
            f"topic {settings.articles_topic} takes messages of {articles} bytes, more than newsmon's "
            f"producers and consumers handle (kafka.max_message_bytes {settings.max_message_bytes}): "
            "raise kafka.max_message_bytes or lower the topic's max.message.bytes"
        )
    largest = max(articles or 0, settings.max_message_bytes)
    if letters is not None and letters < largest + settings.dead_letter_envelope_bytes:
        problems.append(
            f"dead-letter topic {settings.dead_letter_topic} takes {letters} bytes, less than the "
            f"largest article ({largest}) with its headers ({settings.dead_letter_envelope_bytes}): "
            f"run `newsmon init`, which raises its max.message.bytes to "
            f"{largest + settings.dead_letter_envelope_bytes}"
        )
    return problems


def check_message_limits(settings: KafkaSettings, parse_max_bytes: int) -> None:
    """Raise :class:`ConfigurationError` at start-up if the size limits do not fit together."""
    admin = make_admin(settings)
    try:
        in_force = topic_max_bytes_now(admin, [settings.articles_topic, settings.dead_letter_topic])
    finally:
        admin.close()
    problems = limit_problems(settings, parse_max_bytes, in_force)
    if problems:
        raise ConfigurationError("message size limits do not fit: " + "; ".join(problems))


def ensure_topics(settings: KafkaSettings, topics: Iterable[str] | None = None) -> list[str]:
    """Create the pipeline's topics if missing, and raise the ``max.message.bytes`` of
    existing ones that take less than newsmon writes to them; returns those created."""
    names = (
        list(topics)
        if topics is not None
        else [settings.articles_topic, settings.dead_letter_topic, settings.alerts_topic]
    )
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        created = []
        for name in missing:
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name,
                            settings.partitions,
                            settings.replication_factor,
                            topic_configs={"max.message.bytes": str(topic_max_bytes(settings, name))},
                        )
                    ],
                    timeout_ms=15000,
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        present = [name for name in names if name not in created]
        if present:
            in_force = topic_max_bytes_now(admin, present)
            raise_to = {
                name: topic_max_bytes(settings, name)
                for name in present
                if in_force.get(name, 0) < topic_max_bytes(settings, name)
            }
            if raise_to:
                admin.alter_configs(
                    [
                        ConfigResource(ConfigResourceType.TOPIC, name, configs={_MAX_BYTES: str(size)})
                        for name, size in raise_to.items()
                    ]
                )
        return created
    finally:
        admin.close()


def delete_topics(settings: KafkaSettings, topics: Iterable[str]) -> None:
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        doomed = [name for name in topics if name in existing]
        if doomed:
            admin.delete_topics(doomed, timeout_ms=15000)
    finally:
        admin.close()


@dataclass
class IngestReport:
    """What ``newsmon ingest`` sent."""

    produced: int = 0
    invalid: int = 0
    skipped_blank: int = 0


def consumer_lag(settings: KafkaSettings, topic: str | None = None, group: str | None = None) -> int:
    """Messages in ``topic`` not yet committed by ``group`` (all of them if it never committed)."""
    return sum(partition_lags(settings, topic, group).values())


def partition_lags(
    settings: KafkaSettings, topic: str | None = None, group: str | None = None
) -> dict[int, int]:
    """Per partition of ``topic``: messages not yet committed by ``group``."""
    topic, group = topic or settings.articles_topic, group or settings.consumer_group
    with GroupOffsets(settings, topic, group) as offsets:
        return {partition: end - committed for partition, (end, committed) in offsets.read().items()}


class GroupOffsets:
    """Reads, as often as asked, where a consumer group stands on a topic: per partition
    the end offset and the group's committed offset (the beginning where it committed none).
    One consumer, kept open; use as a context manager."""

    def __init__(self, settings: KafkaSettings, topic: str, group: str) -> None:
        from kafka import KafkaConsumer

        self.topic = topic
        self._consumer = KafkaConsumer(**settings.client_config(), group_id=group, enable_auto_commit=False)

    def read(self) -> dict[int, tuple[int, int]]:
        from kafka import TopicPartition

        partitions = self._consumer.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        if not tps:
            return {}
        end = self._consumer.end_offsets(tps)
        beginning = self._consumer.beginning_offsets(tps)
        offsets = {}
        for tp in tps:
            committed = self._consumer.committed(tp)
            offsets[tp.partition] = (end[tp], committed if committed is not None else beginning[tp])
        return offsets

    def close(self) -> None:
        self._consumer.close()

    def __enter__(self) -> GroupOffsets:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def article_key(raw: bytes) -> bytes | None:
    """The Kafka key of an article message: its id; None for an invalid article, which is
    produced anyway so that the pipeline dead-letters it with the reason."""
    from newsmon.exceptions import InvalidArticleError
    from newsmon.models.article import parse_article

    try:
        return parse_article(raw).id.encode("ascii")
    except InvalidArticleError:
        return None


def article_sender(producer: KafkaProducer, topic: str) -> Callable[[dict[str, Any]], str | None]:
    """A function that produces one article (a dict), keyed by its id, and returns the id
    (None for an invalid article) once Kafka acknowledged it."""

    def send(article: dict[str, Any]) -> str | None:
        raw = json.dumps(article, ensure_ascii=False, default=str).encode("utf-8")
        key = article_key(raw)
        producer.send(topic, key=key, value=raw).get(timeout=60)
        return key.decode("ascii") if key else None

    return send
