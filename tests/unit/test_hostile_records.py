"""One hostile record never stops the pipeline: regressions of the crash loops and defects
found by attacking a running desk (each of these failed on the code before the fix)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import apache_beam as beam
import pytest
from apache_beam.pipeline import Pipeline
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from newsmon.api.queries import (
    CURSOR_SHAPES,
    BadCursorError,
    BadRequestError,
    bounded_time,
    decode_cursor,
    encode_cursor,
)
from newsmon.connectors.failures import isolated
from newsmon.connectors.kafka import limit_problems
from newsmon.connectors.search.bulk import TransientBulkError
from newsmon.dedup.check import check_duplicate
from newsmon.dedup.fingerprint import fingerprint
from newsmon.dedup.store import MemoryFingerprintStore
from newsmon.models.article import Article, ArticleLimits, parse_article
from newsmon.models.messages import DeadLetter, KafkaRecord
from newsmon.pipelines.stages.dedup import MarkDuplicates
from newsmon.pipelines.stages.parse import parse_record
from newsmon.settings import DedupSettings, KafkaSettings
from tests.helpers import real_article_lines

NOW = datetime.now(UTC).replace(microsecond=0)


def _record(value: bytes | None) -> KafkaRecord:
    return KafkaRecord("articles", 0, 7, None, value, 0)


@pytest.mark.parametrize(
    "published_at",
    [
        "9999-12-31T00:00:00Z",
        "0001-01-03T00:00:00Z",
        "Fri, 31 Dec 9999 23:00:00 -0500",
        "0001-01-01T00:00:00+05:00",
        "1899-12-31T23:59:59Z",
        (NOW + timedelta(days=2, hours=6)).isoformat(),
    ],
)
def test_a_publication_time_outside_the_window_is_refused_with_the_reason(published_at: str) -> None:
    raw = json.dumps({"body": "x", "published_at": published_at}).encode()
    letter = parse_record(_record(raw), ArticleLimits())
    # parse_record uses the clock; parse_article with a fixed clock says the same.
    assert isinstance(letter, DeadLetter)
    assert "published_at" in letter.reason
    with pytest.raises(Exception, match="published_at"):
        parse_article(raw, now=NOW)


@pytest.mark.parametrize(
    "published_at", ["26-FEB-1987 15:01:01.79", "1900-01-01T00:00:00Z", (NOW + timedelta(days=1)).isoformat()]
)
def test_a_publication_time_inside_the_window_is_kept(published_at: str) -> None:
    article = parse_article(json.dumps({"body": "x", "published_at": published_at}).encode(), now=NOW)
    assert article.published_at is not None and article.published_at.tzinfo is not None


def test_the_window_is_configurable() -> None:
    limits = ArticleLimits(earliest_published_at=datetime(1980, 1, 1, tzinfo=UTC), max_ahead=timedelta(0))
    raw = json.dumps({"body": "x", "published_at": "1979-12-31T00:00:00Z"}).encode()
    with pytest.raises(Exception, match="1980-01-01"):
        parse_article(raw, limits, now=NOW)


@pytest.mark.parametrize(
    "given", ["9999-12-31T00:00:00Z", "0001-01-03T00:00:00Z", "2001-01-01T00:00:00Z", 17]
)
def test_ingested_at_is_the_pipelines_clock_never_the_input(given: object) -> None:
    article = parse_article(json.dumps({"body": "x", "ingested_at": given}).encode(), now=NOW)
    assert article.ingested_at == NOW
    assert article.event_time == NOW


def test_a_tombstone_is_dead_lettered_with_a_reason_not_an_internal_error() -> None:
    letter = parse_record(_record(None))
    assert isinstance(letter, DeadLetter)
    assert letter.reason == "empty message (a tombstone: null value)"
    assert letter.payload is None
    assert "TypeError" not in letter.reason


def test_bodies_without_a_word_are_nobodys_copy() -> None:
    store = MemoryFingerprintStore()
    window = timedelta(days=7)
    for n, body in enumerate(
        ["\U0001f600\U0001f600\U0001f389", "\u200b\u200b\u200d", "\U0001f525 \U0001f525"]
    ):
        fp = fingerprint(f"a{n}", NOW, body)
        assert check_duplicate(fp, store, window) is None
    # Texts with words still are.
    first = fingerprint("w1", NOW, "The minister resigned on Tuesday after the vote.")
    again = fingerprint("w2", NOW, "The minister resigned on Tuesday after the vote.")
    assert check_duplicate(first, store, window) is None
    duplicate = check_duplicate(again, store, window)
    assert duplicate is not None and duplicate.kind == "exact"


def test_a_stage_dead_letters_the_record_it_raises_on_and_passes_the_rest() -> None:
    good = [parse_article(raw) for raw in real_article_lines(3)]
    # A date the window arithmetic overflows on, as the duplicate check met it before
    # parse bounded publication times (model_copy skips validation).
    bad = good[0].model_copy(update={"published_at": datetime(9999, 12, 31, tzinfo=UTC), "id": "poison"})
    with Pipeline(runner=FnApiRunner()) as pipeline:
        marked = pipeline | beam.Create([good[1], bad, good[2]]) | MarkDuplicates(DedupSettings())
        ids = marked.articles | "Ids" >> beam.Map(lambda a: a.id)
        letters = marked.dead_letters | "Letters" >> beam.Map(
            lambda d: (d.stage, d.key, d.reason.split(":")[0])
        )
        assert_that(ids, equal_to([good[1].id, good[2].id]), label="passed")
        assert_that(letters, equal_to([("dedup", b"poison", "OverflowError")]), label="dead-lettered")


def test_isolation_lets_a_dependency_failure_end_the_bundle() -> None:
    article = Article(body="x")

    def engine_down() -> None:
        raise TransientBulkError("connection refused (after the retries)")

    def bug() -> None:
        raise KeyError("surprise")

    letter = isolated("dedup", article, article.id, bug)
    assert isinstance(letter, DeadLetter) and letter.reason == "KeyError: 'surprise'"
    with pytest.raises(TransientBulkError):
        isolated("dedup", article, article.id, engine_down)


def test_a_reduced_dead_letter_keeps_what_identifies_the_original() -> None:
    value = b"A" * 600 + bytes(range(256)) * 40 + b"Z" * 600
    letter = DeadLetter("parse", "message too large", value, b"k" * 5000, "articles", 1, 42)
    reduced = letter.reduced("MessageSizeTooLargeError")
    summary = json.loads(reduced.payload or b"")
    assert summary["size"] == len(value)
    assert summary["sha256"] == hashlib.sha256(value).hexdigest()
    assert base64.b64decode(summary["head"]) == value[:1024]
    assert base64.b64decode(summary["tail"]) == value[-1024:]
    assert summary["key_sha256"] == hashlib.sha256(b"k" * 5000).hexdigest()
    headers = dict(reduced.headers())
    assert headers["newsmon.reduced"] == str(len(value)).encode()
    assert headers["newsmon.source.offset"] == b"42"
    assert headers["newsmon.reason"] == b"message too large"
    assert (
        len(reduced.payload or b"") + sum(len(v) for v in headers.values()) + len(reduced.key or b"") < 8000
    )


def test_size_limits_that_do_not_fit_are_named() -> None:
    kafka = KafkaSettings()
    fitting = {
        kafka.articles_topic: kafka.max_message_bytes,
        kafka.dead_letter_topic: kafka.dead_letter_max_bytes,
    }
    assert limit_problems(kafka, 2 * 1024 * 1024, fitting) == []
    # A dead-letter topic as large as the articles topic cannot take a letter of the
    # largest article with its headers: the crash loop of a message just under the limit.
    same = {**fitting, kafka.dead_letter_topic: kafka.max_message_bytes}
    (problem,) = limit_problems(kafka, 2 * 1024 * 1024, same)
    assert "newsmon init" in problem
    assert len(limit_problems(kafka, kafka.max_message_bytes + 1, fitting)) == 1
    bigger_topic = {**fitting, kafka.articles_topic: kafka.max_message_bytes * 2}
    assert len(limit_problems(kafka, 2 * 1024 * 1024, bigger_topic)) == 2


@pytest.mark.parametrize(
    "values", [[None], [{}], [], ["a", 1, 2, 3, 4], [1.0, "x", "y"], [True, 1, "x"], [1e400]]
)
def test_a_tampered_cursor_is_refused(values: list[object]) -> None:
    with pytest.raises(BadCursorError):
        decode_cursor(encode_cursor(values), CURSOR_SHAPES["relevance"])
    with pytest.raises(BadCursorError):
        decode_cursor("not base64 at all!", CURSOR_SHAPES["newest"])
    assert decode_cursor(encode_cursor([1.5, 1700000000000, "id"]), CURSOR_SHAPES["relevance"])


def test_query_times_are_bounded_and_made_utc() -> None:
    odd = datetime.fromisoformat("2020-01-01T00:00:00+23:59")
    assert bounded_time(odd, "since") == datetime(2019, 12, 31, 0, 1, tzinfo=UTC)
    for extreme in (datetime.fromisoformat("0001-01-01T00:00:00+00:00"), datetime(9999, 12, 31, tzinfo=UTC)):
        with pytest.raises(BadRequestError):
            bounded_time(extreme, "now")
    with pytest.raises(BadRequestError):
        bounded_time(datetime.fromisoformat("0001-01-01T00:00:00+05:00"), "since")
