"""Latency from article produced to searchable and to alert delivered, at given rates.

    .venv/bin/python -m bench.latency [--rates 0.75 1.5] [--articles 40]

Uses the real local services (started if needed), its own topics, index and consumer
group, a rule that matches every English article, and a local webhook receiver. For each
rate, runs the streaming pipeline, produces real articles at that rate, and prints
p50/p95/p99 of produce -> indexed (the document's ``indexed_at``; searchable within the
index refresh interval, 1 s, after that) and produce -> webhook received.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from newsmon.article import parse_article
from newsmon.connectors.kafka import delete_topics, ensure_topics, make_producer
from newsmon.connectors.search import connect_search_engine, install_index_templates
from newsmon.services.manager import ServicesManager
from newsmon.services.process import wait_until
from newsmon.settings import load_settings
from tests.integration.servers import Receiver

DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[1].parent / "shared/data/provenance/provenance_articles.jsonl"
)


def _percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {statistics.median(ordered):6.2f}s  p95 {pick(0.95):6.2f}s  p99 {pick(0.99):6.2f}s"


def run_at(rate: float, lines: list[bytes]) -> tuple[list[float], list[float]]:
    base = load_settings()
    uid = uuid.uuid4().hex[:8]
    kafka = base.kafka.model_copy(
        update={
            "articles_topic": f"bench-{uid}",
            "dead_letter_topic": f"bench-{uid}-dlq",
            "alerts_topic": f"bench-{uid}-alerts",
            "consumer_group": f"bench-{uid}",
        }
    )
    search = base.search.model_copy(
        update={"articles_index": f"bench-{uid}", "alerts_index": f"bench-{uid}-alerts"}
    )
    ensure_topics(kafka)
    engine = connect_search_engine(search)
    install_index_templates(engine, search)
    receiver = Receiver([])
    rules = Path(tempfile.mkdtemp()) / "bench.yaml"
    rules.write_text("rules:\n  - id: everything\n    channels: [webhook:bench]\n    when: {language: en}\n")
    env = {
        **os.environ,
        "NEWSMON_KAFKA__ARTICLES_TOPIC": kafka.articles_topic,
        "NEWSMON_KAFKA__DEAD_LETTER_TOPIC": kafka.dead_letter_topic,
        "NEWSMON_KAFKA__ALERTS_TOPIC": kafka.alerts_topic,
        "NEWSMON_KAFKA__CONSUMER_GROUP": kafka.consumer_group,
        "NEWSMON_SEARCH__ARTICLES_INDEX": search.articles_index,
        "NEWSMON_SEARCH__ALERTS_INDEX": search.alerts_index,
        "NEWSMON_ALERTS__RULES_DIR": str(rules.parent),
        "NEWSMON_ALERTS__CHANNELS__BENCH__TYPE": "webhook",
        "NEWSMON_ALERTS__CHANNELS__BENCH__URL": receiver.url,
        "NEWSMON_PIPELINE__POLL_TIMEOUT_MS": "200",
    }
    pipeline = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    produced: dict[str, float] = {}
    try:
        # Warm-up: the pipeline loads spaCy; measure only once it indexed a first article.
        producer = make_producer(kafka, linger_ms=0)
        warm = lines[0]
        producer.send(kafka.articles_topic, key=b"warm", value=warm).get(timeout=30)
        wait_until(lambda: engine.count(search.articles_index) >= 1, 180, 0.5)
        for raw in lines[1:]:
            article_id = parse_article(raw).id
            produced[article_id] = time.time()
            producer.send(kafka.articles_topic, key=article_id.encode(), value=raw).get(timeout=30)
            time.sleep(1.0 / rate)  # the load itself: articles arrive at `rate` per second
        producer.close()
        wait_until(lambda: len(receiver.requests) >= len(lines), 300, 0.5)
        engine.refresh(search.articles_index)
        indexed = []
        for article_id, sent in produced.items():
            doc = engine.get(search.articles_index, article_id)
            if doc is not None:
                indexed.append(datetime.fromisoformat(doc["indexed_at"]).timestamp() - sent)
        delivered = []
        for headers, body in receiver.requests:
            article_id = json.loads(body)["alert"]["article_id"]
            if article_id in produced:
                delivered.append(float(headers.get("X-Received-At", 0)) - produced[article_id])
        return indexed, delivered
    finally:
        pipeline.kill()
        pipeline.wait(timeout=30)
        receiver.close()
        for index in (search.articles_index, search.alerts_index):
            engine.delete_index(index)
            engine.delete_index_template(f"{index}-template")
        engine.close()
        delete_topics(kafka, [kafka.articles_topic, kafka.dead_letter_topic, kafka.alerts_topic])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[0.75, 1.5])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    ServicesManager(load_settings()).up()
    with args.corpus.open("rb") as handle:
        lines = [line.strip() for _, line in zip(range(args.articles + 1), handle, strict=False)]
    print(f"{args.articles} provenance articles per rate; rule matching every article; webhook on loopback")
    for rate in args.rates:
        indexed, delivered = run_at(rate, lines)
        print(f"rate {rate:4.2f}/s  produce->indexed  {_percentiles(indexed)}  (n={len(indexed)})")
        print(f"rate {rate:4.2f}/s  produce->alerted  {_percentiles(delivered)}  (n={len(delivered)})")


if __name__ == "__main__":
    main()
