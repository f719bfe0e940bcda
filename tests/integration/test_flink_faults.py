"""Faults during a continuous Flink run (Java KafkaIO read): an SDK worker killed with
SIGKILL, the job server restarted, the broker restarted. After each, every article is
indexed once and each alert is in the alerts index once and on the alerts topic once (the
delivery records of ``pipelines/stages/publish.py``: a run that reads again what the last
checkpoint did not cover does not publish its alerts again)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsmon.connectors.kafka import consumer_lag
from newsmon.services.manager import ServicesManager
from newsmon.services.process import wait_until
from newsmon.services.workers import worker_pool
from newsmon.settings import AlertSettings, Settings
from tests.helpers import real_article_lines
from tests.integration.conftest import World, finish_pipeline, pipeline_process
from tests.integration.test_faults import ENGLISH_FIRST_REPORTS, REUTERS
from tests.integration.test_flink import running_job

pytestmark = pytest.mark.slow

ARTICLES = 300


@pytest.fixture
def flink_world(world: World, services: Settings, tmp_path: Path) -> Iterator[World]:
    """A world whose pipeline runs on the local Flink job server, every English article alerting."""
    manager = ServicesManager(services)
    manager.flink.start()
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - id: every-article\n    channels: [index, kafka]\n    when: {language: en}\n"
    )
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    world.extra_env.update(
        {
            "NEWSMON_PIPELINE__RUNNER": "flink",
            "NEWSMON_PIPELINE__FLINK__JOB_ENDPOINT": services.pipeline.flink.job_endpoint,
            "NEWSMON_PIPELINE__FLINK__ENVIRONMENT_TYPE": "LOOPBACK",
            "NEWSMON_PIPELINE__FLINK__CHECKPOINTING_INTERVAL_MS": "2000",
        }
    )
    world.produce(real_article_lines(ARTICLES, REUTERS))
    yield world


def assert_each_article_and_alert_once(world: World) -> None:
    assert world.count() == ARTICLES
    assert consumer_lag(world.settings.kafka) == 0
    search = world.settings.search
    world.engine.refresh(search.alerts_index)
    alerts = world.engine.count(search.alerts_index)
    first_reports = world.engine.count(search.articles_index, ENGLISH_FIRST_REPORTS)
    english = world.engine.count(search.articles_index, {"term": {"language": "en"}})
    # Every first report alerted. A near copy processed beside its original on the other
    # worker, then again after the kill, can be found a copy only on the replay: it keeps
    # the alert it raised as a first report (the duplicate check is not transactional with
    # the writes downstream; docs/flink.md).
    assert ARTICLES // 2 < first_reports <= alerts <= english
    on_topic = world.read_topic(world.settings.kafka.alerts_topic, expected=alerts, timeout=60)
    keys = [m.key for m in on_topic]  # type: ignore[attr-defined]
    print(f"alerts {alerts}, on the topic {len(keys)} ({len(keys) - alerts} repeats)")
    assert len(set(keys)) == alerts, "an alert is missing from the alerts topic"
    assert len(keys) == alerts, "an alert was published twice"


def _sdk_workers(pool_pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pool_pid)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


def test_an_sdk_worker_killed_mid_stream_loses_nothing(flink_world: World, services: Settings) -> None:
    world = flink_world
    with worker_pool() as pool:
        world.extra_env.update(
            {
                "NEWSMON_PIPELINE__FLINK__ENVIRONMENT_TYPE": "EXTERNAL",
                "NEWSMON_PIPELINE__FLINK__ENVIRONMENT_CONFIG": pool.address,
                "NEWSMON_PIPELINE__FLINK__PARALLELISM": "2",
            }
        )
        with pipeline_process(world, 15) as process:
            assert wait_until(lambda: world.count() >= 40, 240, interval=0.5), "no progress"
            workers = _sdk_workers(pool.pid)
            assert workers, "the worker pool has no SDK worker"
            os.kill(workers[0], signal.SIGKILL)
            finish_pipeline(process, timeout=600)
    assert_each_article_and_alert_once(world)


def test_the_job_server_restarted_mid_stream_then_a_new_run_loses_nothing(
    flink_world: World, services: Settings
) -> None:
    """The job server is the whole runner here: its restart ends the run (a dependency
    down), and the next run resumes from the offsets the last checkpoint committed."""
    world = flink_world
    manager = ServicesManager(services)
    with pipeline_process(world) as process:
        running_job(world, services, timeout=120)
        assert wait_until(lambda: world.count() >= 40, 240, interval=0.5), "no progress"
        manager.flink.stop()
        manager.flink.start()
        process.wait(timeout=120)
        assert process.returncode != 0, "the run should end when its job server goes"
    assert world.count() < ARTICLES, "the restart should land mid-stream"
    with pipeline_process(world, 15) as second:
        finish_pipeline(second, timeout=600)
    assert_each_article_and_alert_once(world)


def test_the_broker_restarted_mid_stream_loses_nothing(flink_world: World, services: Settings) -> None:
    world = flink_world
    if world.settings.kafka.external:
        pytest.skip("cannot restart an external broker")
    manager = ServicesManager(services)
    with pipeline_process(world, 30) as process:
        assert wait_until(lambda: world.count() >= 40, 240, interval=0.5), "no progress"
        manager.kafka.stop()
        manager.kafka.start()
        finish_pipeline(process, timeout=600)
    assert_each_article_and_alert_once(world)
