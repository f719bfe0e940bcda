"""Generated hostile records through the real pipeline on real Kafka and OpenSearch, with
real articles between them: the run never ends early, every valid article is indexed
once, every other record is dead-lettered with a reason."""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import MAX_ARTICLE_BYTES, parse_article
from newsmon.settings import Settings
from tests.helpers import real_article_lines
from tests.integration.conftest import World, private_world

FIELDS = [
    "title",
    "body",
    "text",
    "url",
    "source",
    "outlet",
    "source_id",
    "id",
    "published_at",
    "date",
    "ingested_at",
    "language",
    "authors",
    "duplicate",
    "story_id",
]
EDGE_TIMES = [
    "9999-12-31T00:00:00Z",
    "0001-01-03T00:00:00Z",
    "Fri, 31 Dec 9999 23:00:00 -0500",
    "0001-01-01T00:00:00+05:00",
    "1899-12-31T23:59:59Z",
    "1900-01-01T00:00:00Z",
    "2999-01-01T00:00:00Z",
    "26-FEB-1987 15:01:01.79",
    "2020-01-01T00:00:00+23:59",
    "",
    "now",
    "1e309",
]
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
_CONTROL = st.text(
    st.sampled_from(["\x00", "\x07", "\x1b", "\u200b", "\u202e", "\ufeff", "\r", "\t", " ", "a"]), max_size=30
)
_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
_BODY = st.one_of(
    st.just("The minister resigned after the vote on Tuesday."), _TEXT, _CONTROL, st.just("   \n\t")
)
HOSTILE = st.one_of(
    st.fixed_dictionaries({"body": _BODY, "published_at": st.sampled_from(EDGE_TIMES)}),
    st.fixed_dictionaries({"body": _BODY, "ingested_at": st.sampled_from(EDGE_TIMES)}),
    st.dictionaries(st.sampled_from(FIELDS), _JSON, max_size=4).map(lambda d: {"body": "word", **d}),
    st.dictionaries(st.sampled_from(FIELDS), _JSON, max_size=4),
    st.fixed_dictionaries({"body": _CONTROL, "title": _CONTROL}),
    st.dates(min_value=date(1, 1, 1)).map(lambda d: {"body": "a b c", "date": d.isoformat()}),
).map(lambda record: json.dumps(record, ensure_ascii=False).encode("utf-8"))


def _sized(size: int) -> bytes:
    """An article message of exactly ``size`` bytes."""
    empty = len(json.dumps({"title": "sized", "body": ""}).encode())
    return json.dumps({"title": "sized", "body": "w" * (size - empty)}).encode()


def _verdicts(world: World, hostile: list[bytes]) -> None:
    real = real_article_lines(10)
    sizes = [_sized(MAX_ARTICLE_BYTES - 2), _sized(MAX_ARTICLE_BYTES), _sized(MAX_ARTICLE_BYTES + 3)]
    near_topic_limit = b"{" + b" " * (world.settings.kafka.max_message_bytes - 400) + b"}"
    records = [*hostile, *sizes, near_topic_limit, b"null", b"", b"[]", b'"text"', b"12"]
    world.produce(real[:5])
    world.produce(records, keys=[f"h{n}".encode() for n in range(len(records))])
    world.produce(real[5:])

    world.run_pipeline(idle_timeout=5)  # asserts the run ended by itself, status 0

    valid: dict[str, str] = {}
    for n, raw in enumerate(records):
        with contextlib.suppress(InvalidArticleError):
            valid[f"h{n}"] = parse_article(raw).id
    real_ids = {parse_article(raw).id for raw in real}
    world.engine.refresh(world.settings.search.articles_index)
    indexed = {
        hit["_id"]
        for hit in world.engine.search(
            world.settings.search.articles_index, {"size": 1000, "_source": False, "query": {"match_all": {}}}
        )["hits"]["hits"]
    }
    expected_letters = len(records) - len(valid)
    letters = world.read_topic(world.settings.kafka.dead_letter_topic, expected=expected_letters, timeout=60)
    reasons = {}
    for letter in letters:
        headers = dict(letter.headers)  # type: ignore[attr-defined]
        assert headers["newsmon.reason"], headers
        reasons[(letter.key or b"").decode(errors="replace")] = (headers["newsmon.stage"], letter)  # type: ignore[attr-defined]

    later = {key for key, (stage, _) in reasons.items() if stage != b"parse"}
    assert not real_ids & later, "a real article was dead-lettered"
    assert indexed == (real_ids | set(valid.values())) - later
    assert world.count() == len(indexed)
    for n, raw in enumerate(records):
        key = f"h{n}"
        if key not in valid:
            assert key in reasons, (raw[:200], "invalid and not dead-lettered")
            stage, letter = reasons[key]
            assert stage == b"parse"
            assert letter.value == raw, f"the dead letter of {raw[:80]!r} is not whole"  # type: ignore[attr-defined]


@settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(hostile=st.lists(HOSTILE, min_size=60, max_size=60))
def test_generated_hostile_records_never_stop_the_pipeline(services: Settings, hostile: list[bytes]) -> None:
    with private_world(services) as world:
        _verdicts(world, hostile)
