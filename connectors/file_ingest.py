"""Feed a JSON-lines file of articles into the articles topic (``newsmon ingest``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kafka import KafkaProducer

from newsmon.article import parse_article
from newsmon.connectors.kafka import IngestReport
from newsmon.exceptions import InvalidArticleError, NewsmonError


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
        try:
            key: bytes | None = parse_article(raw).id.encode("ascii")
        except InvalidArticleError:
            key = None
            report.invalid += 1
        future = producer.send(topic, key=key, value=raw)
        future.add_errback(failures.append)
        report.produced += 1
        if on_sent is not None:
            on_sent()
    producer.flush()
    if failures:
        raise NewsmonError(
            f"Kafka refused {len(failures)} of {report.produced} messages; "
            f"first error: {failures[0]}"
        )
    return report
