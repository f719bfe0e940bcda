"""Faults with real services: the pipeline killed, the search engine down, the broker
restarted. Each test stops by itself; after each, the index holds every article once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from newsmon.services.manager import ServicesManager
from newsmon.services.process import wait_until
from newsmon.settings import AlertSettings
from tests.helpers import real_article_lines
from tests.integration.conftest import World, finish_pipeline, pipeline_process
from tests.integration.servers import Receiver

pytestmark = pytest.mark.slow

REUTERS = "reuters21578/reuters21578.jsonl"
# The articles a rule on every English article alerts on: copies of an earlier one raise none.
ENGLISH_FIRST_REPORTS = {
    "bool": {
        "filter": [{"term": {"language": "en"}}],
        "must_not": [{"exists": {"field": "duplicate.of"}}],
    }
}


def test_sigkill_mid_stream_then_restart_indexes_every_article_once(world: World, tmp_path: Path) -> None:
    # Every English article raises an alert, indexed, on the alerts topic and sent to a webhook
    # (each alert its own notification: group_by article).
    rule = (
        "  - id: every-article\n    channels: [index, kafka, webhook:desk]\n    group_by: article\n"
        "    when: {language: en}\n"
    )
    (tmp_path / "rules.yaml").write_text("rules:\n" + rule)
    receiver = Receiver([])
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    world.extra_env = {
        "NEWSMON_ALERTS__CHANNELS__DESK__TYPE": "webhook",
        "NEWSMON_ALERTS__CHANNELS__DESK__URL": receiver.url,
    }
    articles = real_article_lines(1500, REUTERS)
    world.produce(articles)
    try:
        with pipeline_process(world) as first:
            assert wait_until(lambda: world.count() >= 200, timeout=240, interval=0.5), (
                "pipeline made no progress"
            )
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        partial = world.count()
        assert 200 <= partial < 1500, "the kill should land mid-stream"

        with pipeline_process(world, idle_timeout=6) as second:
            finish_pipeline(second, timeout=600)
    finally:
        receiver.close()
    assert world.count() == 1500

    # Alerts: one per English article that is not a copy of an earlier one (copies raise
    # none), none lost on the topic or the webhook.
    search = world.settings.search
    world.engine.refresh(search.alerts_index)
    english = world.engine.count(search.articles_index, ENGLISH_FIRST_REPORTS)
    alerts = world.engine.count(search.alerts_index)
    assert alerts == english > 1000
    # Exactly once on the topic: the alerts of the bundle in flight at the kill were in an
    # open transaction, aborted when the second run took over its transactional id.
    on_topic = world.read_topic(
        world.settings.kafka.alerts_topic, expected=alerts, timeout=60, committed_only=True
    )
    assert len({m.key for m in on_topic}) == alerts  # type: ignore[attr-defined]
    assert len(on_topic) == alerts, f"{len(on_topic) - alerts} alerts twice on the topic"
    sent = [headers["X-Newsmon-Alert-Id"] for headers, _ in receiver.requests]
    assert len(set(sent)) == alerts
    # At-least-once delivery: only the bundle in flight at the kill may be sent twice.
    assert len(sent) - alerts <= world.settings.pipeline.max_poll_records


def test_search_engine_down_for_30_seconds_loses_nothing(world: World, services: object) -> None:
    manager = ServicesManager(world.settings)
    if world.settings.search.external:
        pytest.skip("cannot stop an external search engine")
    articles = real_article_lines(400, REUTERS)
    world.produce(articles)
    with pipeline_process(world, idle_timeout=10) as process:
        assert wait_until(lambda: world.count() >= 40, timeout=240, interval=0.5)
        manager.opensearch.stop()
        try:
            outage_ends = time.monotonic() + 30
            # The outage itself: the pipeline must ride it out, retrying, not die.
            while time.monotonic() < outage_ends:
                assert process.poll() is None, "pipeline died while the engine was down"
                time.sleep(1)
        finally:
            manager.opensearch.start()
        finish_pipeline(process, timeout=600)
    assert world.count() == 400


def test_kafka_broker_restart_loses_nothing(world: World) -> None:
    manager = ServicesManager(world.settings)
    if world.settings.kafka.external:
        pytest.skip("cannot restart an external broker")
    articles = real_article_lines(600, REUTERS)
    world.produce(articles)
    with pipeline_process(world, idle_timeout=30) as process:
        assert wait_until(lambda: world.count() >= 40, timeout=240, interval=0.5)
        manager.kafka.stop()
        manager.kafka.start()
        finish_pipeline(process, timeout=600)
    assert world.count() == 600
