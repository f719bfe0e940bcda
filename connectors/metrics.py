"""What the pipeline does, for Prometheus: the metrics of this process and the endpoint
that serves them (``/metrics`` on ``metrics.port``).

The stages count here beside their Beam counters: Beam's counters reach the runner only
when a run ends (the local runner) or through the runner's own UI (Flink), while an
operator scrapes a running process. The metrics live in this process: on the local
runner that is the ``newsmon run`` process; on Flink, each SDK worker process of
``newsmon workers``.

Labels stay few: a stage, a dead letter's reason *class* (its text up to the first colon,
numbers blanked), an index, a rule, a channel, a topic partition.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from typing import TypeVar

from prometheus_client import Counter, Gauge, Histogram, start_http_server

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
_NUMBERS = re.compile(r"\d+")
_STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

RECORDS_READ = Counter("newsmon_records_read", "Kafka records read", ["topic", "partition"])
CONSUMER_LAG = Gauge(
    "newsmon_consumer_lag", "Records in the partition after the last one read", ["topic", "partition"]
)
ARTICLES = Counter("newsmon_articles", "Articles that passed a stage", ["stage"])
DEAD_LETTERS = Counter("newsmon_dead_letters", "Records sent to the dead-letter topic", ["stage", "reason"])
COPIES = Counter("newsmon_copies", "Articles found to repeat an earlier one", ["kind"])
DOCUMENTS_INDEXED = Counter("newsmon_documents_indexed", "Documents the search engine took", ["index"])
ENGINE_RETRIES = Counter("newsmon_search_retries", "Bulk requests or items sent again", ["index"])
ALERTS_FIRED = Counter("newsmon_alerts_fired", "Alerts raised", ["rule"])
DELIVERIES = Counter(
    "newsmon_alert_deliveries", "Deliveries to webhook, Slack and email", ["channel", "outcome"]
)
STAGE_SECONDS = Histogram(
    "newsmon_stage_seconds", "Time a stage spent on one batch", ["stage"], buckets=_STAGE_BUCKETS
)
ENRICH_SECONDS = Histogram(
    "newsmon_enrich_seconds_per_article",
    "NLP time per article (a batch's time over its articles)",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
BUNDLE_SECONDS = Histogram(
    "newsmon_bundle_seconds",
    "From a bundle's read to its offset commit (everything downstream done)",
    buckets=_STAGE_BUCKETS,
)


def gathered(stage: str, outputs: Iterable[T]) -> list[T]:
    """A batch's outputs, gathered before they go on (downstream stages run as they are
    yielded), and the stage's time on them observed."""
    with STAGE_SECONDS.labels(stage).time():
        return list(outputs)


def reason_class(reason: str) -> str:
    """The kind of a dead letter's reason, fit for a label: its text up to the first colon,
    numbers blanked (``message of N bytes exceeds the N-byte limit``, ``not JSON``)."""
    return _NUMBERS.sub("N", reason.split(":", 1)[0])[:60] or "unknown"


def count_dead_letter(stage: str, reason: str) -> None:
    DEAD_LETTERS.labels(stage, reason_class(reason)).inc()


WORKER_PORTS_VARIABLE = "NEWSMON_WORKER_METRICS_PORTS"
"""Set by ``newsmon workers`` for its SDK workers: ``host:first-last``."""
_worker_port: list[int] = []


def serve_worker_metrics() -> int | None:
    """In an SDK worker of ``newsmon workers`` (Flink, EXTERNAL): serve this process's
    metrics on the first free port of the pool's range, once per process; the port, or None
    (not a pool's worker, or no port free). Called from the parse stage's ``setup``."""
    if _worker_port:
        return _worker_port[0]
    spec = os.environ.get(WORKER_PORTS_VARIABLE)
    if not spec:
        return None
    host, _, ports = spec.rpartition(":")
    first, _, last = ports.partition("-")
    for port in range(int(first), int(last or first) + 1):
        try:
            start_http_server(port, addr=host or "127.0.0.1")
        except OSError:
            continue  # another worker of the pool has it
        _worker_port.append(port)
        _LOG.info("SDK worker metrics at http://%s:%d/metrics", host, port)
        return port
    _LOG.warning("SDK worker metrics not served: no free port in %s", spec)
    return None


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Serve this process's metrics at ``http://host:port/metrics`` (a daemon thread). A
    port already taken (another pipeline process on this host) costs the metrics, not the run."""
    try:
        start_http_server(port, addr=host)
    except OSError as e:
        _LOG.warning("metrics not served: %s:%d is taken (%s); set metrics.port per process", host, port, e)
        return
    _LOG.info("metrics at http://%s:%d/metrics", host, port)
