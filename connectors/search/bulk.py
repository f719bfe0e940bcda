"""Bulk indexing core, independent of the client library.

The habits of elasticsearch-py's ``streaming_bulk``: chunks bounded by count and bytes,
stable ``_id`` per document (a retried chunk overwrites instead of duplicating), only
per-item 429s (and whole-request transport failures) retried with capped exponential
backoff, and a result per document. The HTTP call itself is injected as ``send`` and the
pause as ``sleep``, so tests drive every branch without a server or a real clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

RETRYABLE_STATUSES = frozenset({429})


@dataclass(frozen=True)
class IndexAction:
    """One document to write: ``doc_id`` makes the write idempotent."""

    doc_id: str
    document: dict[str, Any]

    def to_lines(self, index: str) -> tuple[bytes, bytes]:
        """The action line and source line of the bulk API's NDJSON body."""
        action = json.dumps({"index": {"_index": index, "_id": self.doc_id}})
        source = json.dumps(self.document, ensure_ascii=False, separators=(",", ":"))
        return action.encode("utf-8"), source.encode("utf-8")


@dataclass(frozen=True)
class ItemResult:
    """What the engine said about one document of a bulk request."""

    doc_id: str
    status: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class BulkReport:
    """Outcome of indexing a set of documents: which succeeded, which failed for good."""

    indexed: list[str] = field(default_factory=list)
    failed: list[ItemResult] = field(default_factory=list)
    retries: int = 0

    def merge(self, other: BulkReport) -> None:
        self.indexed.extend(other.indexed)
        self.failed.extend(other.failed)
        self.retries += other.retries


SendBulk = Callable[[list[bytes]], list[ItemResult]]
"""Posts NDJSON lines to the bulk API, returns one result per action in order."""


class TransientBulkError(Exception):
    """The whole bulk request failed in a way worth retrying (connection lost, 5xx, 429)."""


def chunk_actions(
    actions: Iterable[IndexAction], index: str, *, max_docs: int, max_bytes: int
) -> Iterator[list[tuple[IndexAction, bytes, bytes]]]:
    """Split actions into chunks of at most ``max_docs`` documents and about ``max_bytes``.

    A single document larger than ``max_bytes`` still goes out, alone in its chunk.
    """
    chunk: list[tuple[IndexAction, bytes, bytes]] = []
    size = 0
    for action in actions:
        action_line, source_line = action.to_lines(index)
        item_size = len(action_line) + len(source_line) + 2
        if chunk and (len(chunk) >= max_docs or size + item_size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append((action, action_line, source_line))
        size += item_size
    if chunk:
        yield chunk


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff: ``initial * 2**attempt`` seconds, never above ``maximum``."""

    max_retries: int = 8
    initial_backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.initial_backoff * (2**attempt)))


def index_chunk(
    chunk: Sequence[tuple[IndexAction, bytes, bytes]],
    send: SendBulk,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
) -> BulkReport:
    """Send one chunk, retrying only the items (or whole requests) that may succeed later."""
    report = BulkReport()
    pending = list(chunk)
    attempt = 0
    while pending:
        lines = [line for _, action_line, source_line in pending for line in (action_line, source_line)]
        try:
            results = send(lines)
        except TransientBulkError:
            if attempt >= policy.max_retries:
                raise
            sleep(policy.delay(attempt))
            attempt += 1
            report.retries += 1
            continue
        if len(results) != len(pending):
            raise ValueError(f"bulk answered {len(results)} items for {len(pending)} actions")
        retry: list[tuple[IndexAction, bytes, bytes]] = []
        for item, result in zip(pending, results, strict=True):
            if result.ok:
                report.indexed.append(result.doc_id)
            elif result.status in RETRYABLE_STATUSES and attempt < policy.max_retries:
                retry.append(item)
            else:
                report.failed.append(result)
        if retry:
            sleep(policy.delay(attempt))
            attempt += 1
            report.retries += 1
        pending = retry
    return report


def parse_bulk_response(response: dict[str, Any]) -> list[ItemResult]:
    """Turn a bulk API response body into per-document results (same for both engines)."""
    results = []
    for item in response.get("items", []):
        (outcome,) = item.values()
        error = outcome.get("error")
        reason = None
        if error is not None:
            reason = (
                f"{error.get('type', 'error')}: {error.get('reason', '')}"
                if isinstance(error, dict)
                else str(error)
            )
        results.append(ItemResult(str(outcome.get("_id")), int(outcome.get("status", 500)), reason))
    return results
