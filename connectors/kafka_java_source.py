"""Reading Kafka on Flink with Beam's Java KafkaIO, through Beam's cross-language API.

``ReadFromKafkaWithJava`` expands, at submission, into Java KafkaIO by way of the
expansion service that ``newsmon services up --flink`` runs inside the Flink job server
(``services/java/NewsmonFlinkJobServer.java``). That service expands KafkaIO into Beam's
primitive unbounded Read, which Flink executes natively as a source: each source subtask
reads its share of the partitions, and the consumer-group offsets are committed when a
Flink checkpoint completes (``commit_offset_in_finalize``), that is after every stage has
processed what was read before the checkpoint. The few Java transforms around the read
run in the job server's JVM (an EMBEDDED environment): no Docker, no SDK container.

The Python side only turns KafkaIO's rows into :class:`KafkaRecord`. kafka-python stays
for the local runner (``connectors/kafka_source.py``), producers, admin and ingest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import apache_beam as beam
from apache_beam.io.kafka import ReadFromKafka
from apache_beam.pvalue import PBegin, PCollection

from newsmon.connectors.metrics import RECORDS_READ
from newsmon.models.messages import KafkaRecord
from newsmon.settings import KafkaSettings

_LOGIN_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}


def java_consumer_config(settings: KafkaSettings, group_id: str, auto_offset_reset: str) -> dict[str, str]:
    """The Java consumer properties equivalent to kafka-python's ``client_config`` plus the
    reader's own (group, offset reset, no auto commit, the message size limit)."""
    config = {
        "bootstrap.servers": settings.bootstrap_servers,
        "security.protocol": settings.security_protocol,
        "group.id": group_id,
        "auto.offset.reset": auto_offset_reset,
        "enable.auto.commit": "false",
        "max.partition.fetch.bytes": str(settings.max_message_bytes),
    }
    if settings.sasl_mechanism:
        module = _LOGIN_MODULES.get(settings.sasl_mechanism)
        if module is None:
            raise ValueError(
                f"kafka.sasl_mechanism {settings.sasl_mechanism!r}: the Java reader knows "
                f"{', '.join(sorted(_LOGIN_MODULES))}"
            )
        password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        config["sasl.mechanism"] = settings.sasl_mechanism
        config["sasl.jaas.config"] = (
            f'{module} required username="{_jaas_quoted(settings.sasl_username or "")}" '
            f'password="{_jaas_quoted(password)}";'
        )
    if settings.ssl_cafile:
        # Java's Kafka client reads PEM trust stores since 2.7, the same file kafka-python takes.
        config["ssl.truststore.type"] = "PEM"
        config["ssl.truststore.location"] = str(settings.ssl_cafile)
    return config


def _jaas_quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def record_of_row(row: Any) -> KafkaRecord:
    """KafkaIO's row (topic, partition, offset, timestamp, key, value, headers, ...) as the
    pipeline's :class:`KafkaRecord`."""
    return KafkaRecord(
        topic=str(row.topic),
        partition=int(row.partition),
        offset=int(row.offset),
        key=None if row.key is None else bytes(row.key),
        value=None if row.value is None else bytes(row.value),
        timestamp_ms=int(row.timestamp),
    )


class _RecordOfRowFn(beam.DoFn):
    def process(self, row: Any) -> Any:
        record = record_of_row(row)
        RECORDS_READ.labels(record.topic, str(record.partition)).inc()
        yield record


class ReadFromKafkaWithJava(beam.PTransform[PBegin, PCollection[KafkaRecord]]):
    """Unbounded read of ``topic`` with Beam's Java KafkaIO (Flink), as :class:`KafkaRecord`.

    Args:
      consumer_config: Java consumer properties (:func:`java_consumer_config`).
      topic: the topic to read.
      expansion_service: ``host:port`` of the expansion service that knows KafkaIO.
      redistribute: spread the records over the parallel slots after the read.
    """

    def __init__(
        self,
        consumer_config: Mapping[str, str],
        topic: str,
        expansion_service: str,
        redistribute: bool = False,
    ) -> None:
        super().__init__()
        self._consumer_config = dict(consumer_config)
        self._topic = topic
        self._expansion_service = expansion_service
        self._redistribute = redistribute

    def expand(self, pbegin: PBegin) -> PCollection[KafkaRecord]:
        # Keys and values stay bytes (ReadFromKafka's default deserializers); parsing is
        # the parse stage's, where a bad record becomes a dead letter.
        rows = pbegin | "KafkaIO" >> ReadFromKafka(
            consumer_config=self._consumer_config,
            topics=[self._topic],
            commit_offset_in_finalize=True,
            timestamp_policy=ReadFromKafka.processing_time_policy,
            with_metadata=True,
            expansion_service=self._expansion_service,
        )
        records: PCollection[KafkaRecord] = rows | "ToKafkaRecord" >> beam.ParDo(_RecordOfRowFn())
        if self._redistribute:
            records = records | "SpreadRecords" >> beam.Reshuffle()
        return records
