"""Scaling out without Flink: N `newsmon run` processes split a topic's partitions
(`--share K/N`), with real Kafka and OpenSearch. Between them every article is indexed
once and the consumer group commits every partition to its end."""

from __future__ import annotations

import re

from newsmon.connectors.kafka import consumer_lag
from newsmon.models.article import parse_article
from tests.helpers import real_article_lines
from tests.integration.conftest import World, finish_pipeline, pipeline_process

REUTERS = "reuters21578/reuters21578.jsonl"


def _partitions_read(log: str) -> set[int]:
    return {int(n) for n in re.findall(r"reading topic=\S+ partition=(\d+)", log)}


def test_two_processes_split_the_partitions_and_index_every_article_once(world: World) -> None:
    articles = real_article_lines(240, REUTERS)
    world.produce(articles, keys=[parse_article(raw).id.encode() for raw in articles])
    partitions = world.settings.kafka.partitions
    assert partitions >= 2

    with (
        pipeline_process(world, 6.0, "--share", "1/2") as first,
        pipeline_process(world, 6.0, "--share", "2/2") as second,
    ):
        first_log = finish_pipeline(first, timeout=600)
        second_log = finish_pipeline(second, timeout=600)

    read_by_first, read_by_second = _partitions_read(first_log), _partitions_read(second_log)
    assert read_by_first and read_by_second and not read_by_first & read_by_second
    assert read_by_first | read_by_second == set(range(partitions))
    assert world.count() == len(articles)
    assert consumer_lag(world.settings.kafka) == 0
