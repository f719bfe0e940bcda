import json

import pytest

from newsmon.connectors.search.bulk import (
    IndexAction,
    ItemResult,
    RetryPolicy,
    TransientBulkError,
    chunk_actions,
    index_chunk,
    parse_bulk_response,
)
from newsmon.exceptions import BulkIndexError


def _actions(n: int, size: int = 10) -> list[IndexAction]:
    return [IndexAction(f"d{i}", {"body": "x" * size}) for i in range(n)]


def test_chunks_are_bounded_by_count() -> None:
    chunks = list(chunk_actions(_actions(7), "idx", max_docs=3, max_bytes=10**6))
    assert [len(c) for c in chunks] == [3, 3, 1]


def test_chunks_are_bounded_by_bytes_but_a_big_document_still_goes_alone() -> None:
    actions = [
        *_actions(2, size=100),
        IndexAction("big", {"body": "y" * 5000}),
        *_actions(1, size=100),
    ]
    chunks = list(chunk_actions(actions, "idx", max_docs=100, max_bytes=400))
    assert [[a.doc_id for a, _, _ in c] for c in chunks] == [["d0", "d1"], ["big"], ["d0"]]


def test_action_lines_carry_stable_ids() -> None:
    action_line, source_line = IndexAction("abc", {"title": "Kyiv"}).to_lines("articles")
    assert json.loads(action_line) == {"index": {"_index": "articles", "_id": "abc"}}
    assert json.loads(source_line) == {"title": "Kyiv"}


class FakeBulk:
    """Stands in for the HTTP call only: answers scripted per-item statuses."""

    def __init__(self, script: list[dict[str, int] | Exception]) -> None:
        self.script = script
        self.calls: list[list[str]] = []

    def __call__(self, lines: list[bytes]) -> list[ItemResult]:
        ids = [json.loads(line)["index"]["_id"] for line in lines[::2]]
        self.calls.append(ids)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return [ItemResult(i, step.get(i, 201), None if step.get(i, 201) < 300 else "boom") for i in ids]


def test_only_429_items_are_retried_with_growing_capped_backoff() -> None:
    chunk = next(iter(chunk_actions(_actions(3), "idx", max_docs=10, max_bytes=10**6)))
    send = FakeBulk([{"d1": 429, "d2": 400}, {"d1": 429}, {}])
    sleeps: list[float] = []
    report = index_chunk(
        chunk, send, RetryPolicy(max_retries=5, initial_backoff=1, max_backoff=1.5), sleeps.append
    )
    assert send.calls == [["d0", "d1", "d2"], ["d1"], ["d1"]]
    assert sorted(report.indexed) == ["d0", "d1"]
    assert [f.doc_id for f in report.failed] == ["d2"]
    assert sleeps == [1, 1.5]
    assert report.retries == 2


def test_429_beyond_the_retry_budget_is_a_failure_not_a_loop() -> None:
    chunk = next(iter(chunk_actions(_actions(1), "idx", max_docs=10, max_bytes=10**6)))
    send = FakeBulk([{"d0": 429}] * 3)
    report = index_chunk(chunk, send, RetryPolicy(max_retries=2, initial_backoff=0.1), lambda _: None)
    assert [f.status for f in report.failed] == [429]
    assert len(send.calls) == 3


def test_transient_request_failures_are_retried_then_raised() -> None:
    chunk = next(iter(chunk_actions(_actions(2), "idx", max_docs=10, max_bytes=10**6)))
    recovered = index_chunk(chunk, FakeBulk([TransientBulkError("down"), {}]), RetryPolicy(), lambda _: None)
    assert sorted(recovered.indexed) == ["d0", "d1"]
    with pytest.raises(TransientBulkError):
        index_chunk(
            chunk,
            FakeBulk([TransientBulkError("down")] * 3),
            RetryPolicy(max_retries=2),
            lambda _: None,
        )


def test_parse_bulk_response_reports_reasons() -> None:
    results = parse_bulk_response(
        {
            "items": [
                {"index": {"_id": "a", "status": 201}},
                {
                    "index": {
                        "_id": "b",
                        "status": 400,
                        "error": {"type": "mapper_parsing_exception", "reason": "bad date"},
                    }
                },
            ]
        }
    )
    assert results[0].ok and not results[1].ok
    assert results[1].error == "mapper_parsing_exception: bad date"


def test_bulk_index_error_pickles_with_its_payload() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(BulkIndexError("failed", [{"id": "x", "status": 400}])))
    assert error.errors == [{"id": "x", "status": 400}]
