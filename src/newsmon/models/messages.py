"""Typed messages that travel between pipeline stages (besides the Article itself)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, replace
from typing import Protocol

REDUCED_EDGE_BYTES = 1024
"""A reduced dead letter keeps this much of the start and of the end of the original value."""


class JsonMessage(Protocol):
    """A typed message that serialises itself (articles, enriched articles, alerts)."""

    def model_dump_json(self) -> str: ...


@dataclass(frozen=True)
class KafkaRecord:
    """One message read from Kafka, with its coordinates."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None  # None: a tombstone
    timestamp_ms: int


@dataclass(frozen=True)
class DeadLetter:
    """A message the pipeline could not process, with why and where it failed.

    ``payload`` holds the original bytes untouched, so nothing is lost and the message
    can be replayed after a fix. A letter the dead-letter topic cannot take whole is
    written :meth:`reduced` instead.
    """

    stage: str
    reason: str
    payload: bytes | None
    key: bytes | None = None
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    reduced_from: int | None = None
    """Set on a :meth:`reduced` letter: the size of the original value."""

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
    def of_model(cls, stage: str, reason: str, model: JsonMessage, key: str) -> DeadLetter:
        """A dead letter carrying a typed message (an article, an alert) as JSON."""
        return cls(
            stage=stage,
            reason=reason,
            payload=model.model_dump_json().encode("utf-8"),
            key=key.encode("utf-8"),
        )

    def reduced(self, why: str) -> DeadLetter:
        """This letter small enough for any topic: the same stage, reason and source, and a
        JSON value with the original's size, SHA-256, and its first and last KB (base64)."""
        payload = self.payload or b""
        key = self.key
        summary = {
            "reduced": why[:500],
            "size": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "head": base64.b64encode(payload[:REDUCED_EDGE_BYTES]).decode("ascii"),
            "tail": base64.b64encode(
                payload[-REDUCED_EDGE_BYTES:] if len(payload) > REDUCED_EDGE_BYTES else b""
            ).decode("ascii"),
        }
        if key is not None and len(key) > REDUCED_EDGE_BYTES:
            summary["key_sha256"] = hashlib.sha256(key).hexdigest()
            key = key[:REDUCED_EDGE_BYTES]
        return replace(self, payload=json.dumps(summary).encode("ascii"), key=key, reduced_from=len(payload))

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers describing the failure; the message value stays the original bytes."""
        headers = [
            ("newsmon.stage", self.stage.encode()),
            # Reasons may quote input; cap them so a header never dwarfs the message.
            ("newsmon.reason", self.reason[:1000].encode("utf-8", "replace")),
        ]
        if self.reduced_from is not None:
            headers.append(("newsmon.reduced", str(self.reduced_from).encode()))
        if self.source_topic is not None:
            headers += [
                ("newsmon.source.topic", self.source_topic.encode()),
                ("newsmon.source.partition", str(self.source_partition).encode()),
                ("newsmon.source.offset", str(self.source_offset).encode()),
            ]
        return headers
