"""When a drain run's partition read may finish (idle long enough, its last commit done), and
how long an empty partition's poll may wait."""

from kafka import TopicPartition

from newsmon.connectors.kafka_source import KafkaReadOptions, _ReadPartitionFn
from newsmon.settings import KafkaSettings

TP = TopicPartition("articles", 0)


def reader(idle_timeout_s: float | None = 10.0) -> _ReadPartitionFn:
    fn = _ReadPartitionFn(
        KafkaSettings(), KafkaReadOptions("articles", "g", idle_timeout_s=idle_timeout_s, commit_wait_s=30.0)
    )
    fn.setup()  # no connection is made before a partition is read
    return fn


def test_a_streaming_read_never_finishes() -> None:
    assert not reader(idle_timeout_s=None)._drained(TP, idle_for=10_000)


def test_an_idle_partition_with_nothing_to_commit_finishes_after_the_timeout() -> None:
    fn = reader()
    assert not fn._drained(TP, idle_for=9.9)
    assert fn._drained(TP, idle_for=10.0)


def test_an_idle_partition_waits_for_its_last_commit_to_run() -> None:
    fn = reader()
    fn._awaiting_commit[TP] = 42
    assert not fn._drained(TP, idle_for=12.0)  # a runner may finalize late (Flink: on checkpoints)
    del fn._awaiting_commit[TP]  # what the commit callback does once it committed offset 42
    assert fn._drained(TP, idle_for=12.0)


def test_a_commit_that_never_runs_delays_the_end_by_the_commit_wait_only() -> None:
    fn = reader()
    fn._awaiting_commit[TP] = 42
    assert not fn._drained(TP, idle_for=39.0)
    assert fn._drained(TP, idle_for=40.0)


def test_an_empty_partition_does_not_hold_up_the_others_backlog() -> None:
    fn = reader()
    other = TopicPartition("articles", 1)
    assert fn._poll_timeout_ms(TP) == 1000  # all quiet: wait for records the full poll timeout
    fn._busy.add(other)  # the last poll of partition 1 returned records
    assert fn._poll_timeout_ms(TP) == 10
    assert fn._poll_timeout_ms(other) == 1000  # its own backlog does not shorten its wait
    fn._busy.discard(other)
    assert fn._poll_timeout_ms(TP) == 1000
