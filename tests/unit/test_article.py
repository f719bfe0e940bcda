import json
from datetime import UTC, datetime

import pytest

from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import (
    MAX_ARTICLE_BYTES,
    derive_article_id,
    normalise_url,
    parse_article,
    parse_timestamp,
)
from tests.helpers import real_article_lines, shared_file


def _raw(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_real_corpora_parse_with_their_own_field_names() -> None:
    provenance = parse_article(real_article_lines(1)[0])
    assert provenance.source == "nytimes.com" and provenance.source_id == "prov:helsinki:6"
    assert provenance.published_at is not None and provenance.published_at.utcoffset() is not None
    with shared_file("reuters21578/reuters21578.jsonl").open("rb") as handle:
        reuters = parse_article(handle.readline())
    assert reuters.published_at == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)
    with shared_file("bbc-news/bbc-news-dev.jsonl").open("rb") as handle:
        bbc = parse_article(handle.readline())
    assert bbc.source_id == "bbc-business-001"
    assert bbc.body.startswith(bbc.body.strip()[:10])


def test_id_is_stable_across_redelivery_and_tracking_parameters() -> None:
    first = parse_article(_raw(url="https://Example.com/a/?utm_source=x#top", body="Text"))
    again = parse_article(_raw(url="https://example.com/a", body="Text edited later"))
    assert first.id == again.id
    assert len(first.id) == 32


def test_id_falls_back_to_source_id_then_text() -> None:
    by_source = derive_article_id(url=None, source="BBC", source_id="7", title="t", body="b")
    assert by_source == derive_article_id(url=None, source="bbc", source_id="7", title="x", body="y")
    by_text = derive_article_id(url=None, source=None, source_id=None, title="T", body="Some  body")
    assert by_text == derive_article_id(url=None, source=None, source_id=None, title="t", body="some body")
    assert by_text != by_source


def test_input_id_is_kept_as_source_id_never_as_document_id() -> None:
    article = parse_article(_raw(id="../../etc/passwd", body="x", source="wire"))
    assert article.source_id == "../../etc/passwd"
    assert article.id != article.source_id and article.id.isalnum()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b"\xff\xfe\x00", "not valid UTF-8"),
        (_raw(title="no body"), "body: Field required"),
        (_raw(body="   "), "body"),
        (_raw(body=5), "body: Input should be a valid string"),
        (_raw(body="x", url="javascript:alert(1)"), "url"),
        (_raw(body="x", published_at="yesterday-ish"), "published_at"),
        (_raw(body="x", published_at=12), "timestamp must be a string"),
    ],
)
def test_bad_input_is_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidArticleError) as caught:
        parse_article(raw)
    assert reason in caught.value.reason


def test_oversized_message_is_refused_before_decoding() -> None:
    raw = _raw(body="x" * (MAX_ARTICLE_BYTES + 10))
    with pytest.raises(InvalidArticleError, match="exceeds"):
        parse_article(raw)


def test_control_characters_are_removed_from_text() -> None:
    article = parse_article(_raw(title="A\x00B", body="line\x07one\nline two"))
    assert article.title == "AB"
    assert article.body == "lineone\nline two"


def test_timestamps_in_feed_formats() -> None:
    assert parse_timestamp("2022-02-01T10:00:00Z") == datetime(2022, 2, 1, 10, tzinfo=UTC)
    assert parse_timestamp("Tue, 01 Feb 2022 10:00:00 +0000") == datetime(2022, 2, 1, 10, tzinfo=UTC)
    naive = parse_article(_raw(body="x", published_at="2022-02-01 10:00:00"))
    assert naive.published_at == datetime(2022, 2, 1, 10, tzinfo=UTC)


def test_normalise_url_keeps_meaningful_query() -> None:
    assert normalise_url("HTTPS://News.Example/x?id=3&utm_medium=rss") == "https://news.example/x?id=3"


def test_invalid_article_error_survives_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(InvalidArticleError("why")))
    assert error.reason == "why"
