"""Integration tests run against the real Kafka and search engine.

The session fixture starts the local services (idempotent: reuses running ones) unless
``NEWSMON_KAFKA_BOOTSTRAP`` / ``NEWSMON_ES_URL`` point at existing ones; to run the
suite against a real Elasticsearch, set ``NEWSMON_ES_URL=https://...`` (and credentials
through ``NEWSMON_SEARCH__USERNAME``/``__PASSWORD`` or ``__API_KEY``). Each test gets
its own topics, consumer group and index, deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from kafka import KafkaConsumer

from newsmon.connectors.kafka import delete_topics, ensure_topics, make_producer
from newsmon.connectors.search import SearchEngine, connect_search_engine, install_index_templates
from newsmon.services.manager import ServicesManager
from newsmon.settings import Settings, load_settings


@pytest.fixture(scope="session")
def services() -> Settings:
    settings = load_settings()
    ServicesManager(settings).up()
    return settings


@dataclass
class World:
    """One test's private topics, group and index on the shared services."""

    settings: Settings
    engine: SearchEngine
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """Environment for a `newsmon` subprocess that works in this world."""
        k, s = self.settings.kafka, self.settings.search
        return {
            **os.environ,
            "NEWSMON_KAFKA__ARTICLES_TOPIC": k.articles_topic,
            "NEWSMON_KAFKA__DEAD_LETTER_TOPIC": k.dead_letter_topic,
            "NEWSMON_KAFKA__ALERTS_TOPIC": k.alerts_topic,
            **s.index_environment(),
            **(
                {"NEWSMON_ALERTS__RULES_DIR": str(self.settings.alerts.rules_dir)}
                if self.settings.alerts.rules_dir
                else {}
            ),
            "NEWSMON_KAFKA__CONSUMER_GROUP": k.consumer_group,
            "NEWSMON_SEARCH__BULK_MAX_DOCS": str(s.bulk_max_docs),
            **self.extra_env,
        }

    def settings_from_env(self) -> Settings:
        """The settings a `newsmon` subprocess of this world builds (channels included)."""
        saved = dict(os.environ)
        try:
            os.environ.update(self.env)
            return load_settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def produce(self, values: list[bytes], keys: list[bytes | None] | None = None) -> None:
        producer = make_producer(self.settings.kafka)
        try:
            for i, value in enumerate(values):
                producer.send(self.settings.kafka.articles_topic, key=keys[i] if keys else None, value=value)
            producer.flush()
        finally:
            producer.close()

    def run_pipeline(self, idle_timeout: float = 4.0, timeout: float = 240.0, *args: str) -> str:
        """Run `newsmon run` (with ``args``) until every partition is idle; return its output."""
        result = subprocess.run(
            [sys.executable, "-m", "newsmon", "run", "--idle-timeout", str(idle_timeout), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    def count(self) -> int:
        try:
            self.engine.refresh(self.settings.search.articles_index)
            return self.engine.count(self.settings.search.articles_index)
        except Exception as e:
            # Right after the pipeline creates the index (or the engine restarts), its shard
            # may still be starting and search answers 503: nothing indexed is visible yet.
            if getattr(e, "status_code", None) == 503:
                return 0
            raise

    def read_topic(
        self, topic: str, expected: int, timeout: float = 30.0, committed_only: bool = False
    ) -> list[object]:
        """Every message of ``topic`` once ``expected`` arrived (or the deadline passed);
        with ``committed_only``, as a ``read_committed`` consumer sees them."""
        consumer = KafkaConsumer(
            topic,
            **self.settings.kafka.client_config(),
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            isolation_level="read_committed" if committed_only else "read_uncommitted",
        )
        messages: list[object] = []
        deadline = time.monotonic() + timeout
        try:
            while len(messages) < expected and time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=500).values():
                    messages.extend(batch)
            # Anything beyond the expected count would be a bug: give it a moment to show.
            for batch in consumer.poll(timeout_ms=1000).values():
                messages.extend(batch)
        finally:
            consumer.close()
        return messages


@pytest.fixture
def world(services: Settings) -> Iterator[World]:
    with private_world(services) as created:
        yield created


@contextlib.contextmanager
def private_world(services: Settings) -> Iterator[World]:
    """Topics, group and indices of one test (or one module), deleted afterwards."""
    uid = uuid.uuid4().hex[:10]
    settings = services.model_copy(
        update={
            "kafka": services.kafka.model_copy(
                update={
                    "articles_topic": f"test-{uid}-articles",
                    "dead_letter_topic": f"test-{uid}-dlq",
                    "alerts_topic": f"test-{uid}-alerts",
                    "consumer_group": f"test-{uid}",
                }
            ),
            "search": services.search.with_index_prefix(f"test-{uid}").model_copy(
                update={"bulk_max_docs": 40}
            ),
        }
    )
    ensure_topics(settings.kafka)
    engine = connect_search_engine(settings.search)
    install_index_templates(engine, settings.search)
    try:
        yield World(settings, engine)
    finally:
        for index in settings.search.indexes().values():
            engine.delete_index(index)
            engine.delete_index_template(f"{index}-template")
        engine.close()
        delete_topics(
            settings.kafka,
            [settings.kafka.articles_topic, settings.kafka.dead_letter_topic, settings.kafka.alerts_topic],
        )


@contextlib.contextmanager
def pipeline_process(
    world: World, idle_timeout: float | None = None, *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`newsmon run` (with ``args``) in the background, its log in a file (a pipe could fill and block it)."""
    command = [sys.executable, "-m", "newsmon", "run", *args]
    if idle_timeout is not None:
        command += ["--idle-timeout", str(idle_timeout)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=world.env, stdout=log, stderr=subprocess.STDOUT)
        process.log = log  # type: ignore[attr-defined]
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


def finish_pipeline(process: subprocess.Popen[bytes], timeout: float) -> str:
    """Wait for a `pipeline_process` to stop by itself; assert it succeeded; return its log."""
    process.wait(timeout=timeout)
    log = process.log  # type: ignore[attr-defined]
    log.seek(0)
    output: str = log.read().decode(errors="replace")
    assert process.returncode == 0, output[-3000:]
    return output
