"""Typed messages that travel between pipeline stages (besides the Article itself)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class KafkaRecord:
    """One message read from Kafka, with its coordinates."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int


@dataclass(frozen=True)
class DeadLetter:
    """A message the pipeline could not process, with why and where it failed.

    ``payload`` holds the original bytes untouched, so nothing is lost and the message
    can be replayed after a fix.
    """

    stage: str
    reason: str
    payload: bytes
    key: bytes | None = None
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None

    @classmethod
    def from_record(cls, record: KafkaRecord, stage: str, reason: str) -> DeadLetter:
        return cls(
            stage=stage,
            reason=reason,
            payload=record.value,
            key=record.key,
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
        )

    @classmethod
    def of_model(cls, stage: str, reason: str, model: BaseModel, key: str) -> DeadLetter:
        """A dead letter carrying a typed message (an article, an alert) as JSON."""
        return cls(
            stage=stage,
            reason=reason,
            payload=model.model_dump_json().encode("utf-8"),
            key=key.encode("ascii"),
        )

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers describing the failure; the message value stays the original bytes."""
        headers = [
            ("newsmon.stage", self.stage.encode()),
            # Reasons may quote input; cap them so a header never dwarfs the message.
            ("newsmon.reason", self.reason[:1000].encode("utf-8", "replace")),
        ]
        if self.source_topic is not None:
            headers += [
                ("newsmon.source.topic", self.source_topic.encode()),
                ("newsmon.source.partition", str(self.source_partition).encode()),
                ("newsmon.source.offset", str(self.source_offset).encode()),
            ]
        return headers
