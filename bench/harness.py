"""A private world for one benchmark run on the real local services: its own topics,
consumer group and indices (deleted afterwards), the environment for a `newsmon run`
subprocess working in it, and a webhook receiver for alerts."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsmon.connectors.kafka import delete_topics, ensure_topics
from newsmon.connectors.search import SearchEngine, connect_search_engine, install_index_templates
from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import parse_article
from newsmon.services.manager import ServicesManager
from newsmon.settings import KafkaSettings, SearchSettings, load_settings
from tests.integration.servers import Receiver

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
EVERY_ENGLISH_ARTICLE = (
    "rules:\n  - id: everything\n    channels: [webhook:bench]\n    when: {language: en}\n"
)


@dataclass
class BenchWorld:
    kafka: KafkaSettings
    search: SearchSettings
    engine: SearchEngine
    receiver: Receiver
    env: dict[str, str]

    def start_pipeline(self, idle_timeout: float | None = None, *args: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "newsmon", "run", *args]
        if idle_timeout is not None:
            command += ["--idle-timeout", str(idle_timeout)]
        return subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def indexed(self) -> int:
        try:
            return self.engine.count(self.search.articles_index)
        except Exception:  # a shard still starting answers 503: nothing visible yet
            return 0


@contextmanager
def bench_world(rules: str = EVERY_ENGLISH_ARTICLE, partitions: int | None = None) -> Iterator[BenchWorld]:
    """Private topics (``partitions`` each, default the settings'), indices, rules and a
    webhook receiver on the local services."""
    base = load_settings()
    ServicesManager(base).up()
    uid = uuid.uuid4().hex[:8]
    kafka = base.kafka.model_copy(
        update={
            "articles_topic": f"bench-{uid}",
            "dead_letter_topic": f"bench-{uid}-dlq",
            "alerts_topic": f"bench-{uid}-alerts",
            "consumer_group": f"bench-{uid}",
            "partitions": partitions or base.kafka.partitions,
        }
    )
    search = base.search.with_index_prefix(f"bench-{uid}")
    ensure_topics(kafka)
    engine = connect_search_engine(search)
    install_index_templates(engine, search)
    receiver = Receiver([])
    rules_dir = Path(tempfile.mkdtemp())
    (rules_dir / "bench.yaml").write_text(rules)
    env = {
        **os.environ,
        "NEWSMON_KAFKA__ARTICLES_TOPIC": kafka.articles_topic,
        "NEWSMON_KAFKA__DEAD_LETTER_TOPIC": kafka.dead_letter_topic,
        "NEWSMON_KAFKA__ALERTS_TOPIC": kafka.alerts_topic,
        "NEWSMON_KAFKA__CONSUMER_GROUP": kafka.consumer_group,
        **search.index_environment(),
        "NEWSMON_ALERTS__RULES_DIR": str(rules_dir),
        "NEWSMON_ALERTS__CHANNELS__BENCH__TYPE": "webhook",
        "NEWSMON_ALERTS__CHANNELS__BENCH__URL": receiver.url,
        "NEWSMON_PIPELINE__POLL_TIMEOUT_MS": "200",
    }
    try:
        yield BenchWorld(kafka, search, engine, receiver, env)
    finally:
        receiver.close()
        for index in search.indexes().values():
            engine.delete_index(index)
            engine.delete_index_template(f"{index}-template")
        engine.close()
        delete_topics(kafka, [kafka.articles_topic, kafka.dead_letter_topic, kafka.alerts_topic])


def valid_articles(corpus: Path, count: int) -> list[bytes]:
    """The first ``count`` lines of a JSONL corpus that are valid articles with distinct ids
    (some corpora hold items without text)."""
    lines: list[bytes] = []
    seen: set[str] = set()
    with corpus.open("rb") as handle:
        for raw in handle:
            try:
                article_id = parse_article(raw.strip()).id
            except InvalidArticleError:
                continue
            if article_id not in seen:
                seen.add(article_id)
                lines.append(raw.strip())
            if len(lines) == count:
                break
    return lines
