"""Scale-out that heals: three pipeline processes in the consumer group (`newsmon run
--group`), one killed with SIGKILL mid-stream; the others take its partitions over, every
article is indexed once and every alert is on the topic once."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from newsmon.services.process import wait_until
from newsmon.settings import AlertSettings
from tests.helpers import real_article_lines
from tests.integration.conftest import World, finish_pipeline, pipeline_process

pytestmark = pytest.mark.slow

REUTERS = "reuters21578/reuters21578.jsonl"
TAKEOVER_S = 30


def _offsets(world: World) -> tuple[dict[int, int], dict[int, int]]:
    """Per partition: the group's committed offset, and the end."""
    kafka = world.settings.kafka
    consumer = KafkaConsumer(**kafka.client_config(), group_id=kafka.consumer_group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(kafka.articles_topic, p) for p in range(kafka.partitions)]
        ends = consumer.end_offsets(tps)
        return {tp.partition: consumer.committed(tp) or 0 for tp in tps}, {
            tp.partition: ends[tp] for tp in tps
        }
    finally:
        consumer.close()


def test_a_killed_member_s_partitions_are_taken_over(world: World, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: every-article\n    when: {language: en}\n")
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    # Short bundles: a member rejoins the group at its next poll, so a takeover waits for
    # the session timeout and one bundle of each survivor.
    world.extra_env = {"NEWSMON_PIPELINE__MAX_POLL_RECORDS": "20", "NEWSMON_METRICS__PORT": "0"}
    articles = real_article_lines(450, REUTERS)
    world.produce(articles)

    with contextlib.ExitStack() as stack:
        members = [stack.enter_context(pipeline_process(world, 20, "--group")) for _ in range(3)]
        assert wait_until(lambda: world.count() >= 60, timeout=300, interval=0.5), "no progress"
        victim = members[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        killed_at = time.monotonic()
        at_kill, ends = _offsets(world)
        lagging = {p for p, offset in at_kill.items() if offset < ends[p]}
        assert lagging, "the kill should land mid-stream"

        def every_partition_moved_on() -> bool:
            now, _ = _offsets(world)
            return all(now[p] > at_kill[p] for p in lagging)

        assert wait_until(every_partition_moved_on, timeout=TAKEOVER_S + 60, interval=1), (
            at_kill,
            _offsets(world),
        )
        took_over_s = time.monotonic() - killed_at
        for survivor in members[1:]:
            finish_pipeline(survivor, timeout=600)

    print(f"partitions moved on {took_over_s:.1f} s after the kill")  # the figure in docs/flink.md
    assert took_over_s < TAKEOVER_S, f"partitions taken over after {took_over_s:.0f} s"
    assert world.count() == 450
    search = world.settings.search
    world.engine.refresh(search.alerts_index)
    alerts = world.engine.count(search.alerts_index)
    assert alerts > 300
    # The killed member's open transaction expires (60 s) before its alerts are dropped.
    on_topic = world.read_topic(
        world.settings.kafka.alerts_topic, expected=alerts, timeout=120, committed_only=True
    )
    assert len(on_topic) == len({m.key for m in on_topic}) == alerts  # type: ignore[attr-defined]
