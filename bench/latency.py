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
import statistics
import time
from datetime import datetime
from pathlib import Path

from bench.harness import bench_world, valid_articles
from newsmon.connectors.kafka import make_producer
from newsmon.models.article import parse_article
from newsmon.services.process import wait_until

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
    with bench_world() as world:
        pipeline = world.start_pipeline()
        produced: dict[str, float] = {}
        try:
            # Warm-up: the pipeline loads spaCy; measure only once it indexed a first article.
            producer = make_producer(world.kafka, linger_ms=0)
            producer.send(world.kafka.articles_topic, key=b"warm", value=lines[0]).get(timeout=30)
            wait_until(lambda: world.indexed() >= 1, 180, 0.5)
            for raw in lines[1:]:
                article_id = parse_article(raw).id
                produced[article_id] = time.time()
                producer.send(world.kafka.articles_topic, key=article_id.encode(), value=raw).get(timeout=30)
                time.sleep(1.0 / rate)  # the load itself: articles arrive at `rate` per second
            producer.close()
            # Deliveries run in the bundle that indexes their article: all indexed, all sent.
            wait_until(lambda: world.indexed() >= len(lines), 300, 0.5)
        finally:
            pipeline.kill()
            pipeline.wait(timeout=30)
        indexed = []
        for article_id, sent in produced.items():
            doc = world.engine.get(world.search.articles_index, article_id)
            if doc is not None:
                indexed.append(datetime.fromisoformat(doc["indexed_at"]).timestamp() - sent)
        delivered = []
        for headers, body in world.receiver.requests:
            article_id = json.loads(body)["alert"]["article_id"]
            if article_id in produced:
                delivered.append(float(headers.get("X-Received-At", 0)) - produced[article_id])
        return indexed, delivered


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[0.75, 1.5])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    lines = valid_articles(args.corpus, args.articles + 1)
    print(
        f"{args.articles} articles of {args.corpus.name} per rate; a rule matching every article "
        "(copies of an earlier article raise none); webhook on loopback"
    )
    for rate in args.rates:
        indexed, delivered = run_at(rate, lines)
        print(f"rate {rate:4.2f}/s  produce->indexed  {_percentiles(indexed)}  (n={len(indexed)})")
        print(f"rate {rate:4.2f}/s  produce->alerted  {_percentiles(delivered)}  (n={len(delivered)})")


if __name__ == "__main__":
    main()
