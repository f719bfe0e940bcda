"""Soak: a continuous pipeline fed real articles for a long time, at half its capacity
with bursts above it, on the real local services.

    .venv/bin/python -m bench.soak --runner flink:2 --minutes 30     # or: make soak
    .venv/bin/python -m bench.soak --runner local --minutes 30

First the capacity is measured (a backlog of ``--capacity-articles`` drained by the
running pipeline); then articles arrive at ``--rate`` of it, with a burst at ``--burst``
of it for one minute every ``--burst-every`` minutes. Every article gets its own id
(Reuters articles, the corpus cycled: a later pass's text is a near copy the duplicate
check finds). Every 30 s a row: produced, indexed, consumer lag, RSS of each worker. At the
end: articles in / indexed / copies / dead-lettered / alerts, produce -> indexed p50 and
p99 (sampled articles, real-time gets), lag after each burst, RSS growth (the median of
each worker's rows over ``--rss-window-min`` minutes from minute ``--rss-start-min``, once
the workers are warm, against the median over the last as many minutes), and PASS/FAIL:
every article indexed exactly once, no alert twice, lag back near zero after each burst
(``--lag-tolerance-s`` seconds of the steady input), RSS growth under 10%.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import SHARED_DATA, BenchWorld, bench_world, valid_articles
from bench.throughput import _rss_mib, _runner_kind, _runner_processes, _worker_pids
from newsmon.connectors.kafka import make_producer, partition_lags
from newsmon.models.article import parse_article
from newsmon.services.process import wait_until

DEFAULT_CORPUS = SHARED_DATA / "reuters21578" / "reuters21578.jsonl"
SAMPLE_EVERY = 25
ROW_EVERY_S = 30.0


@dataclass
class Feed:
    """Articles with fresh ids from a corpus, cycled."""

    lines: list[bytes]
    produced: int = 0
    _cycle: Iterator[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self._cycle = itertools.cycle(self.lines)

    def next(self) -> tuple[str, bytes]:
        article = json.loads(next(self._cycle))
        # Reuters items have no URL: the pipeline would derive the id from the text, the
        # same for each pass over the corpus. A URL of its own gives each its own id, and a
        # later pass changes the text a little (a near copy, still enriched).
        article["url"] = f"https://soak.invalid/{self.produced}"
        passes = self.produced // len(self.lines)
        if passes:
            article["text"] = f"{article.get('text', '')}\n(Pass {passes}.)"
        self.produced += 1
        raw = json.dumps(article).encode()
        return parse_article(raw).id, raw  # the pipeline's derived id


@dataclass
class Latencies:
    """Produce -> indexed of sampled articles, seen by real-time gets (no refresh needed)."""

    world: BenchWorld
    pending: dict[str, float] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def sent(self, article_id: str) -> None:
        with self.lock:
            self.pending[article_id] = time.monotonic()

    def watch(self) -> None:
        while not self.stop.wait(0.5):
            with self.lock:
                ids = list(self.pending)
            if not ids:
                continue
            try:
                found = self.world.engine.get_many(self.world.search.articles_index, ids)
            except Exception:  # engine busy: try again
                continue
            now = time.monotonic()
            with self.lock:
                for article_id, doc in found.items():
                    if doc is not None and article_id in self.pending:
                        self.seconds.append(now - self.pending.pop(article_id))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _lag(world: BenchWorld) -> int:
    try:
        return sum(partition_lags(world.kafka).values())
    except Exception:
        return -1


def _rss(pids: list[int]) -> dict[int, float]:
    return {pid: _rss_mib(pid) for pid in pids}


def measure_capacity(world: BenchWorld, feed: Feed, count: int, producer: object) -> float:
    """Articles/s of the running pipeline draining a backlog of ``count``."""
    before = world.indexed()
    started = time.monotonic()
    for _ in range(count):
        _, raw = feed.next()
        producer.send(world.kafka.articles_topic, value=raw)  # type: ignore[attr-defined]
    producer.flush()  # type: ignore[attr-defined]
    drained = wait_until(lambda: world.indexed() >= before + count, 1800, 0.5)
    assert drained, "the capacity backlog did not drain"
    return count / (time.monotonic() - started)


def soak(args: argparse.Namespace) -> bool:
    kind, _slots = _runner_kind(args.runner)
    lines = valid_articles(args.corpus, args.corpus_articles)
    with bench_world(partitions=args.partitions) as world, _runner_processes(world, args.runner) as extra:
        producer = make_producer(world.kafka, linger_ms=5)
        feed = Feed(lines)
        pipeline = world.start_pipeline()  # continuous: no idle timeout
        try:
            # Warm-up: the pipeline is up once one article per partition is indexed.
            for _ in range(args.partitions):
                _, raw = feed.next()
                producer.send(world.kafka.articles_topic, value=raw)
            producer.flush()
            assert wait_until(lambda: world.indexed() >= args.partitions, 300, 0.5), "pipeline did not start"
            capacity = measure_capacity(world, feed, args.capacity_articles, producer)
            workers = _worker_pids([pipeline.pid], extra)
            print(
                f"runner {args.runner}: capacity {capacity:.1f} articles/s; soak {args.minutes} min at "
                f"{args.rate:.0%} ({args.rate * capacity:.1f}/s), bursts of 1 min at {args.burst:.0%} "
                f"every {args.burst_every} min",
                flush=True,
            )
            print(f"{'min':>6} {'produced':>9} {'indexed':>8} {'lag':>6}  RSS MiB", flush=True)
            latencies = Latencies(world)
            watcher = threading.Thread(target=latencies.watch, daemon=True)
            watcher.start()
            started = time.monotonic()
            end = started + args.minutes * 60
            next_row = started + ROW_EVERY_S
            burst_lags: list[tuple[int, int]] = []
            burst_ended_at: float | None = None
            rss_rows: list[tuple[float, dict[int, float]]] = []
            sent_at_rate = 0.0
            last = started
            while (now := time.monotonic()) < end:
                minute = (now - started) / 60
                bursting = args.burst_every > 0 and minute % args.burst_every >= args.burst_every - 1
                rate = capacity * (args.burst if bursting else args.rate)
                sent_at_rate += rate * (now - last)
                last = now
                while sent_at_rate >= 1:
                    article_id, raw = feed.next()
                    producer.send(world.kafka.articles_topic, value=raw)
                    if feed.produced % SAMPLE_EVERY == 0:
                        latencies.sent(article_id)
                    sent_at_rate -= 1
                if bursting:
                    burst_ended_at = None
                elif burst_ended_at is None and minute > args.burst_every:
                    burst_ended_at = now
                if burst_ended_at is not None and now - burst_ended_at >= args.recovery_s:
                    burst_lags.append((round(minute), _lag(world)))
                    burst_ended_at = float("inf")  # once per burst
                if now >= next_row:
                    rss = _rss(workers)
                    rss_rows.append((minute, rss))
                    print(
                        f"{minute:6.1f} {feed.produced:9d} {world.indexed():8d} {_lag(world):6d}  "
                        f"{', '.join(f'{v:.0f}' for v in rss.values())}",
                        flush=True,
                    )
                    next_row += ROW_EVERY_S
                time.sleep(0.05)
            producer.flush()
            total = feed.produced
            drained = wait_until(lambda: world.indexed() >= total, 900, 1.0)
            time.sleep(2)  # let the last sampled gets land
            latencies.stop.set()
        finally:
            pipeline.terminate()  # stops a Flink job too
            pipeline.wait(timeout=120)
            producer.close()
        rss_start, rss_end = rss_medians(rss_rows, args.rss_start_min, args.rss_window_min)
        first = rss_rows[0][1] if rss_rows else {}
        print("RSS per worker at the first row: " + ", ".join(f"{v:.0f} MiB" for v in first.values()))
        steady = args.rate * capacity
        return report(world, total, drained, latencies, burst_lags, rss_start, rss_end, args, kind, steady)


def rss_medians(
    rows: list[tuple[float, dict[int, float]]], start_min: float, window_min: float
) -> tuple[dict[int, float], dict[int, float]]:
    """Each worker's median RSS over ``window_min`` minutes from ``start_min`` ("start",
    once warm: spaCy's caches and the overlays fill in the first minutes) and over the last
    ``window_min`` minutes ("end"). Medians, because one row catches a bundle in flight."""
    if not rows:
        return {}, {}
    last = rows[-1][0]
    early = [rss for minute, rss in rows if start_min <= minute < start_min + window_min]
    late = [rss for minute, rss in rows if minute > last - window_min]
    pids = rows[0][1].keys()
    return (
        {p: statistics.median(r[p] for r in early) for p in pids} if early else {},
        {p: statistics.median(r[p] for r in late) for p in pids},
    )


def report(
    world: BenchWorld,
    total: int,
    drained: bool,
    latencies: Latencies,
    burst_lags: list[tuple[int, int]],
    rss_start: dict[int, float],
    rss_end: dict[int, float],
    args: argparse.Namespace,
    kind: str,
    steady_rate: float,
) -> bool:
    search = world.search
    world.engine.refresh(search.articles_index)
    world.engine.refresh(search.alerts_index)
    indexed = world.engine.count(search.articles_index)
    copies = world.engine.count(search.articles_index, {"exists": {"field": "duplicate.of"}})
    alerts = world.engine.count(search.alerts_index)
    dead = _topic_size(world, world.kafka.dead_letter_topic)
    on_topic = _committed_messages(world, world.kafka.alerts_topic)
    sent = [headers.get("X-Newsmon-Alert-Id") for headers, _ in world.receiver.requests]
    growth = max((rss_end[p] - rss_start[p]) / rss_start[p] for p in rss_start) if rss_start else 0.0
    print(
        f"in {total}, indexed {indexed}, copies {copies}, dead-lettered {dead}, alerts {alerts} "
        f"(indexed; on the alerts topic {on_topic}; webhook deliveries {len(sent)}, "
        f"distinct {len(set(sent))})"
    )
    print(
        f"produce -> indexed: p50 {_percentile(latencies.seconds, 0.5):.1f} s, "
        f"p99 {_percentile(latencies.seconds, 0.99):.1f} s ({len(latencies.seconds)} sampled)"
    )
    # The committed offsets trail what was read by what is in flight (on Flink, until the
    # next checkpoint), so "near zero" is a few seconds of the steady input.
    tolerance = args.lag_tolerance_s * steady_rate
    print(
        f"lag {args.recovery_s:.0f} s after each burst (minute, lag): {burst_lags} "
        f"(near zero: at most {tolerance:.0f}, {args.lag_tolerance_s:.0f} s of the steady input)"
    )
    print(
        "RSS per worker, start -> end: "
        + ", ".join(f"{rss_start[p]:.0f} -> {rss_end[p]:.0f} MiB" for p in rss_start)
        + f" (growth {growth:+.1%})"
    )
    checks = {
        "every article indexed exactly once": drained and indexed == total,
        "no alert delivered or published twice": len(sent) == len(set(sent)) and on_topic == alerts,
        "lag near zero after each burst": all(0 <= lag <= tolerance for _, lag in burst_lags),
        "RSS growth under 10%": growth < 0.10,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    print(f"soak on {kind}: {'PASS' if all(checks.values()) else 'FAIL'}")
    return all(checks.values())


def _topic_size(world: BenchWorld, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**world.kafka.client_config())
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        end, begin = consumer.end_offsets(tps), consumer.beginning_offsets(tps)
        return sum(end[tp] - begin[tp] for tp in tps)
    finally:
        consumer.close()


def _committed_messages(world: BenchWorld, topic: str) -> int:
    """Messages a ``read_committed`` consumer reads from ``topic`` (offsets also count
    transaction markers and aborted writes)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**world.kafka.client_config(), isolation_level="read_committed")
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(tps)
        count = 0
        deadline = time.monotonic() + 120
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=1000, max_records=5000)
            count += sum(len(records) for records in batch.values())
        return count
    finally:
        consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runner", default="flink:2", help="local or flink:N (as bench.throughput)")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=0.5, help="steady rate, a fraction of capacity")
    parser.add_argument("--burst", type=float, default=1.5, help="burst rate, a fraction of capacity")
    parser.add_argument("--burst-every", type=int, default=10, help="minutes; 0: no bursts")
    parser.add_argument("--recovery-s", type=float, default=120, help="when the lag is read after a burst")
    parser.add_argument(
        "--lag-tolerance-s", type=float, default=5, help="'near zero' lag, in seconds of the steady input"
    )
    parser.add_argument("--rss-start-min", type=float, default=3, help="minute the 'start' RSS window opens")
    parser.add_argument("--rss-window-min", type=float, default=3, help="minutes of each RSS median")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--capacity-articles", type=int, default=300)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--corpus-articles", type=int, default=20000)
    args = parser.parse_args()
    raise SystemExit(0 if soak(args) else 1)


if __name__ == "__main__":
    main()
