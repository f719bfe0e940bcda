"""The alerts transaction on real Kafka: a bundle that outlives the transaction timeout."""

from __future__ import annotations

import uuid

from kafka import KafkaConsumer, TopicPartition

from newsmon.connectors.kafka_transactions import BundleTransaction
from newsmon.services.process import wait_until
from tests.integration.conftest import World


def _committed_end(world: World, topic: str) -> int:
    """The sum of the partitions' ends as a ``read_committed`` reader sees them (the last
    stable offsets: an open transaction holds them back, an abort marker moves them on)."""
    consumer = KafkaConsumer(
        **world.settings.kafka.client_config(), group_id=None, isolation_level="read_committed"
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def test_a_transaction_the_broker_aborted_is_reopened_and_commits_each_alert_once(world: World) -> None:
    kafka = world.settings.kafka
    articles = TopicPartition(kafka.articles_topic, 0)
    transaction = BundleTransaction(kafka, f"test-{uuid.uuid4().hex[:8]}", timeout_ms=2000)
    try:
        transaction.send(kafka.alerts_topic, b"alert-1", b"first", [])
        transaction.flush()
        # The bundle runs on past the timeout, and the broker aborts its transaction: the
        # abort marker moves the committed end past the first alert.
        assert wait_until(lambda: _committed_end(world, kafka.alerts_topic) >= 2, 60)
        transaction.send(kafka.alerts_topic, b"alert-2", b"second", [])
        transaction.note_offsets(articles, 7)
        assert transaction.commit(kafka.consumer_group)
        assert transaction.reopened >= 1
    finally:
        transaction.close()
    messages = world.read_topic(kafka.alerts_topic, 2, committed_only=True)
    assert sorted(m.value for m in messages) == [b"first", b"second"]  # type: ignore[attr-defined]
    reader = KafkaConsumer(**kafka.client_config(), group_id=kafka.consumer_group, enable_auto_commit=False)
    try:
        assert reader.committed(articles) == 7
    finally:
        reader.close()
