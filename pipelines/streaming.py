"""The streaming pipeline: Kafka -> parse -> enrich -> search index, with a dead-letter topic.

This module only wires stages; each stage lives in its own module.

    articles topic --ReadFromKafkaTopic--> KafkaRecord
      --ParseArticles--> Article --MarkDuplicates--> Article (first copy, if a copy)
      --EnrichArticles--> EnrichedArticle --AssignStories--> (story id) --WriteToSearchIndex--> index
            |                          |                                     |
       invalid input          a core raised on it                 refused by the engine
            +-------------------------+-------------WriteDeadLetters--> dead-letter topic
      EnrichedArticle --MatchAlertRules--> Alert --> alerts index + alerts topic
                                                  --DeliverAlerts--> webhook / Slack / email
      (beside the pipeline, a thread sends the digest rules' digests)
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from apache_beam.metrics.metric import MetricsFilter
from apache_beam.pipeline import Pipeline
from apache_beam.pvalue import PCollection
from apache_beam.runners.runner import PipelineResult

from newsmon.connectors.digests import DigestScheduler, DigestSender
from newsmon.connectors.kafka import GroupOffsets, check_message_limits, make_producer
from newsmon.connectors.kafka_java_source import ReadFromKafkaWithJava, java_consumer_config
from newsmon.connectors.kafka_sink import WriteAlertsToKafka, WriteDeadLetters, dead_letter_message
from newsmon.connectors.kafka_source import KafkaReadOptions, ReadFromKafkaTopic
from newsmon.connectors.search import connect_search_engine
from newsmon.connectors.search_sink import WriteToSearchIndex
from newsmon.connectors.stores.rules import RuleStore
from newsmon.models.article import ArticleLimits
from newsmon.models.messages import DeadLetter, KafkaRecord
from newsmon.pipelines.flink_job import FlinkJobControl, supervise
from newsmon.pipelines.runners import make_runner_and_options
from newsmon.pipelines.stages.alerts import MatchAlertRules
from newsmon.pipelines.stages.dedup import MarkDuplicates
from newsmon.pipelines.stages.deliver import DeliverAlerts
from newsmon.pipelines.stages.enrich import EnrichArticles
from newsmon.pipelines.stages.parse import ParseArticles
from newsmon.pipelines.stages.publish import PublishAlertsOnce
from newsmon.pipelines.stages.stories import AssignStories
from newsmon.settings import InputSettings, Settings

_LOG = logging.getLogger(__name__)


def build_pipeline(pipeline: Pipeline, settings: Settings, idle_timeout_s: float | None = None) -> None:
    """Add the streaming graph to ``pipeline``."""
    read_options = KafkaReadOptions(
        topic=settings.kafka.articles_topic,
        group_id=settings.kafka.consumer_group,
        poll_timeout_ms=settings.pipeline.poll_timeout_ms,
        max_poll_records=settings.pipeline.max_poll_records,
        bundle_seconds=settings.pipeline.bundle_seconds,
        auto_offset_reset=settings.pipeline.auto_offset_reset,
        idle_timeout_s=idle_timeout_s,
        redistribute=settings.pipeline.runner == "flink" and settings.pipeline.flink.parallelism > 1,
        share=settings.pipeline.share_of_partitions,
        transactional_id=alerts_transactional_id(settings),
        assignment=settings.pipeline.assignment,
        session_timeout_ms=settings.pipeline.session_timeout_ms,
    )
    records: PCollection[KafkaRecord]
    if reads_with_java(settings):
        flink = settings.pipeline.flink
        records = pipeline | "ReadArticles" >> ReadFromKafkaWithJava(
            java_consumer_config(settings.kafka, read_options.group_id, read_options.auto_offset_reset),
            read_options.topic,
            flink.expansion_service,
            redistribute=read_options.redistribute,
        )
    else:
        records = pipeline | "ReadArticles" >> ReadFromKafkaTopic(settings.kafka, read_options)
    parsed = records | "ParseArticles" >> ParseArticles(article_limits(settings.input))
    # One dead-letter writer per producing stage, not a Flatten: the local runner may
    # run a Flatten as a separate stage after the source, which would let the source
    # commit offsets before the dead letters are written.
    parsed.dead_letters | "WriteParseDeadLetters" >> WriteDeadLetters(settings.kafka)
    articles = parsed.articles
    if settings.dedup.enabled:
        marked = articles | "MarkDuplicates" >> MarkDuplicates(settings.dedup, settings.search)
        marked.dead_letters | "WriteDedupDeadLetters" >> WriteDeadLetters(settings.kafka)
        articles = marked.articles
    enriched = articles | "EnrichArticles" >> EnrichArticles(settings.nlp)
    enriched.dead_letters | "WriteEnrichDeadLetters" >> WriteDeadLetters(settings.kafka)
    stories = enriched.enriched
    if settings.dedup.enabled:
        assigned = stories | "AssignStories" >> AssignStories(settings.dedup, settings.search)
        assigned.dead_letters | "WriteStoryDeadLetters" >> WriteDeadLetters(settings.kafka)
        stories = assigned.enriched
    indexed = stories | "WriteToSearchIndex" >> WriteToSearchIndex(settings.search)
    indexed.rejected | "WriteIndexDeadLetters" >> WriteDeadLetters(settings.kafka)
    if settings.alerts.enabled:
        matched = stories | "MatchAlertRules" >> MatchAlertRules(
            settings.alerts, settings.nlp, settings.search
        )
        matched.dead_letters | "WriteMatchDeadLetters" >> WriteDeadLetters(settings.kafka)
        alerts = matched.alerts
        if read_options.transactional_id is not None:
            # With the source's offsets, in one Kafka transaction: each alert once.
            alerts | "WriteAlertsToKafka" >> WriteAlertsToKafka(
                settings.kafka, transactional_id=read_options.transactional_id
            )
        else:
            alerts | "PublishAlertsOnce" >> PublishAlertsOnce(settings.kafka, settings.search)
        indexed_alerts = alerts | "IndexAlerts" >> WriteToSearchIndex(
            settings.search, settings.search.alerts_index
        )
        indexed_alerts.rejected | "WriteAlertDeadLetters" >> WriteDeadLetters(settings.kafka)
        delivered = alerts | "DeliverAlerts" >> DeliverAlerts(settings.alerts, settings.search)
        delivered.dead_letters | "WriteDeliveryDeadLetters" >> WriteDeadLetters(settings.kafka)


def reads_with_java(settings: Settings) -> bool:
    """True where the job reads Kafka with Beam's Java KafkaIO: on Flink, which runs it as a
    native source. Elsewhere newsmon's kafka-python read (``connectors/kafka_source.py``)."""
    return settings.pipeline.runner == "flink"


def alerts_transactional_id(settings: Settings) -> str | None:
    """The transactional id of this process's alerts (one per consumer group and share), or
    None where alerts are at-least-once (Flink, other runners, alerts off)."""
    pipeline = settings.pipeline
    if not (pipeline.exactly_once_alerts and pipeline.runner == "python" and settings.alerts.enabled):
        return None
    if pipeline.assignment == "group":
        # Members come and go: each process its own id (a dead one's open transaction
        # expires after the transaction timeout instead of being aborted by its restart).
        return f"newsmon-alerts-{settings.kafka.consumer_group}-{socket.gethostname()}-{os.getpid()}"
    part, count = pipeline.share_of_partitions
    return f"newsmon-alerts-{settings.kafka.consumer_group}-{part}of{count}"


def article_limits(settings: InputSettings) -> ArticleLimits:
    """What the parse stage accepts, from the ``input`` settings."""
    return ArticleLimits(
        max_bytes=settings.max_article_bytes,
        earliest_published_at=settings.earliest_published_at,
        max_ahead=timedelta(hours=settings.max_future_hours),
    )


@dataclass
class RunSummary:
    """Counters of one pipeline run, from Beam metrics."""

    counters: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.counters.get(name, 0)

    def __str__(self) -> str:
        return " ".join(f"{k}={v}" for k, v in sorted(self.counters.items()))


def summarise(result: PipelineResult) -> RunSummary:
    summary = RunSummary()
    try:
        counters = result.metrics().query(MetricsFilter())["counters"]
    except (NotImplementedError, KeyError):
        return summary
    for counter in counters:
        name = counter.key.metric.name
        summary.counters[name] = summary.counters.get(name, 0) + int(counter.committed or 0)
    return summary


@contextlib.contextmanager
def digests_beside(settings: Settings) -> Iterator[None]:
    """Send the digest rules' digests from a thread while the pipeline runs (a timer the
    local runner cannot offer in a streaming pipeline)."""
    if not settings.alerts.enabled:
        yield
        return
    engine = connect_search_engine(settings.search)
    producer = make_producer(settings.kafka)
    store = RuleStore(engine, settings.search.rules_index, settings.alerts)

    def dead_letter(letter: DeadLetter) -> None:
        key, value, headers = dead_letter_message(letter)
        producer.send(settings.kafka.dead_letter_topic, key=key, value=value, headers=headers)
        producer.flush()

    scheduler = DigestScheduler(
        DigestSender(settings, engine, dead_letter), lambda: [s.rule for s in store.all()[0]]
    )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.stop()
        producer.close()
        engine.close()


def run_pipeline(settings: Settings, idle_timeout_s: float | None = None) -> RunSummary:
    """Run the streaming pipeline until cancelled (or, with ``idle_timeout_s``, until drained)."""
    check_message_limits(settings.kafka, settings.input.max_article_bytes)
    job_name = f"newsmon-{settings.kafka.consumer_group}-{uuid.uuid4().hex[:12]}"
    runner, options = make_runner_and_options(settings.pipeline, idle_timeout_s, job_name)
    pipeline = Pipeline(runner=runner, options=options)
    build_pipeline(pipeline, settings, idle_timeout_s)
    with digests_beside(settings):
        result = pipeline.run()
        if reads_with_java(settings):
            control = FlinkJobControl(result, job_name, settings.pipeline.flink.rest_endpoints)
            topic = settings.kafka.articles_topic
            with GroupOffsets(settings.kafka, topic, settings.kafka.consumer_group) as offsets:
                supervise(control, offsets.read, topic, idle_timeout_s)
        else:
            try:
                result.wait_until_finish()
            except KeyboardInterrupt:
                # A job on a remote runner (Flink) outlives this process unless cancelled.
                _LOG.info("stopping: cancelling the pipeline")
                try:
                    result.cancel()
                except Exception as e:
                    _LOG.warning("could not cancel the pipeline: %r", e)
                raise
    summary = summarise(result)
    _LOG.info("pipeline finished %s", summary)
    return summary
