"""Files of articles: feed them into Kafka (``newsmon ingest``, ``newsmon replay`` for
JSONL or CSV archives at a chosen rate) or enrich them offline (``newsmon enrich``)."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from kafka import KafkaProducer

from newsmon.connectors.kafka import IngestReport, article_key
from newsmon.exceptions import InvalidArticleError, NewsmonError
from newsmon.models.article import Article, parse_article
from newsmon.settings import NlpSettings

T = TypeVar("T")


def read_lines(path: Path, limit: int | None = None) -> Iterator[bytes]:
    """Non-blank lines of ``path`` as bytes (at most ``limit``)."""
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if limit is not None and count >= limit:
                return
            stripped = line.strip()
            if stripped:
                count += 1
                yield stripped


def in_event_time(lines: Iterable[bytes]) -> list[bytes]:
    """Archive lines in publication order (a wire replayed as it happened); lines without
    a readable time keep their place after the timed ones."""
    timed: list[tuple[datetime, int, bytes]] = []
    untimed: list[bytes] = []
    for n, line in enumerate(lines):
        try:
            article = parse_article(line)
        except InvalidArticleError:
            untimed.append(line)
            continue
        if article.published_at is None:
            untimed.append(line)
        else:
            timed.append((article.published_at, n, line))
    return [line for _, _, line in sorted(timed)] + untimed


def read_csv(
    path: Path, columns: list[str] | None = None, delimiter: str = ",", quotechar: str = '"'
) -> Iterator[bytes]:
    """Rows of a CSV archive as JSON articles: ``columns`` names the fields in order (a
    ``text`` or ``body`` column is the body); without it the first row is the header."""
    csv.field_size_limit(64 * 1024 * 1024)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar=quotechar)
        names = columns or next(reader, [])
        for row in reader:
            if row:
                yield json.dumps(dict(zip(names, row, strict=False)), ensure_ascii=False).encode("utf-8")


def paced(
    items: Iterable[T],
    rate: float | None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[T]:
    """``items`` at most ``rate`` per second (all at once when None), on a fixed schedule so
    that slow sends do not lower the average rate."""
    if rate is None:
        yield from items
        return
    start = clock()
    for n, item in enumerate(items):
        due = start + n / rate
        wait = due - clock()
        if wait > 0:
            sleep(wait)  # pacing a replay, not waiting for a condition
        yield item


def ingest_lines(
    lines: Iterable[bytes],
    producer: KafkaProducer,
    topic: str,
    on_sent: Callable[[], None] | None = None,
) -> IngestReport:
    """Produce each line, keyed by its article id, and wait until Kafka acknowledged all.

    Lines that are not valid articles are produced too, without a key: the pipeline
    routes them to the dead-letter topic with the reason, so nothing is lost silently.
    """
    report = IngestReport()
    failures: list[BaseException] = []
    for raw in lines:
        key = article_key(raw)
        if key is None:
            report.invalid += 1
        future = producer.send(topic, key=key, value=raw)
        future.add_errback(failures.append)
        report.produced += 1
        if on_sent is not None:
            on_sent()
    producer.flush()
    if failures:
        raise NewsmonError(
            f"Kafka refused {len(failures)} of {report.produced} messages; first error: {failures[0]}"
        )
    return report


@dataclass
class EnrichReport:
    """What ``newsmon enrich`` did."""

    enriched: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)


def enrich_file(
    settings: NlpSettings,
    input_file: Path,
    output_file: Path,
    limit: int | None = None,
    on_done: Callable[[], None] | None = None,
) -> EnrichReport:
    """Enrich a JSON-lines file of articles into another, with the pipeline's own stages."""
    from newsmon.nlp.enrich import Enricher

    enricher = Enricher.load(settings)
    report = EnrichReport()

    def articles() -> Iterator[Article]:
        for number, raw in enumerate(read_lines(input_file, limit), start=1):
            try:
                yield parse_article(raw)
            except InvalidArticleError as e:
                report.invalid.append((number, e.reason))

    with output_file.open("w", encoding="utf-8") as out:
        for enriched in enricher.enrich_many(articles(), settings.batch_size):
            out.write(json.dumps(enriched.to_document(), ensure_ascii=False) + "\n")
            report.enriched += 1
            if on_done is not None:
                on_done()
    return report
