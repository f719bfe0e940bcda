import apache_beam as beam
from apache_beam.pipeline import Pipeline
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from newsmon.models.article import Article
from newsmon.models.messages import DeadLetter, KafkaRecord
from newsmon.pipelines.stages.parse import STAGE, ParseArticles, parse_record
from tests.helpers import real_article_lines


def _record(value: bytes, offset: int = 0) -> KafkaRecord:
    return KafkaRecord("articles", 2, offset, b"k", value, 0)


def test_core_returns_article_for_a_real_article() -> None:
    result = parse_record(_record(real_article_lines(1)[0]))
    assert isinstance(result, Article)
    assert "Putin" in result.title


def test_core_returns_dead_letter_with_original_bytes_and_coordinates() -> None:
    poison = b"\x00\x01binary\xff"
    letter = parse_record(_record(poison, offset=41))
    assert isinstance(letter, DeadLetter)
    assert letter.payload == poison
    assert letter.stage == STAGE
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        "articles",
        2,
        41,
    )
    headers = dict(letter.headers())
    assert headers["newsmon.stage"] == b"parse"
    assert b"UTF-8" in headers["newsmon.reason"]
    assert headers["newsmon.source.offset"] == b"41"


def test_dead_letter_reason_header_is_capped() -> None:
    letter = DeadLetter(stage="parse", reason="x" * 5000, payload=b"")
    assert len(dict(letter.headers())["newsmon.reason"]) == 1000


def test_stage_splits_articles_from_dead_letters_in_beam() -> None:
    good = real_article_lines(3)
    records = [_record(raw, i) for i, raw in enumerate([*good, b"{", b"[]"])]
    with Pipeline(runner=FnApiRunner()) as pipeline:
        parsed = pipeline | beam.Create(records) | ParseArticles()
        ids = parsed.articles | "Ids" >> beam.Map(lambda a: a.id)
        offsets = parsed.dead_letters | "Offsets" >> beam.Map(lambda d: d.source_offset)
        expected_ids = [parse_record(_record(raw)).id for raw in good]  # type: ignore[union-attr]
        assert_that(ids, equal_to(expected_ids), label="articles")
        assert_that(offsets, equal_to([3, 4]), label="dead letters")
