"""Kafka plumbing shared by the CLI, the Beam connectors and the tests: topics and producers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from newsmon.settings import KafkaSettings


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


def make_admin(settings: KafkaSettings) -> KafkaAdminClient:
    return KafkaAdminClient(**settings.client_config(), request_timeout_ms=15000)


def ensure_topics(settings: KafkaSettings, topics: Iterable[str] | None = None) -> list[str]:
    """Create the pipeline's topics if missing; returns those created."""
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
                            topic_configs={"max.message.bytes": str(settings.max_message_bytes)},
                        )
                    ],
                    timeout_ms=15000,
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass
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
    from kafka import KafkaConsumer, TopicPartition

    topic = topic or settings.articles_topic
    consumer = KafkaConsumer(
        **settings.client_config(),
        group_id=group or settings.consumer_group,
        enable_auto_commit=False,
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return 0
        end = consumer.end_offsets(tps)
        beginning = consumer.beginning_offsets(tps)
        lag = 0
        for tp in tps:
            committed = consumer.committed(tp)
            lag += end[tp] - (committed if committed is not None else beginning[tp])
        return lag
    finally:
        consumer.close()


def article_key(raw: bytes) -> bytes | None:
    """The Kafka key of an article message: its id; None for an invalid article, which is
    produced anyway so that the pipeline dead-letters it with the reason."""
    from newsmon.article import parse_article
    from newsmon.exceptions import InvalidArticleError

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
