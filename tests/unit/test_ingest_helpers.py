"""Pure helpers of the ingest connectors: pacing, CSV rows, feed item text, feed config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmon.connectors.feeds import FeedConfig, html_text, load_feeds
from newsmon.connectors.file_ingest import in_event_time, paced, read_csv
from newsmon.exceptions import ConfigurationError
from tests.helpers import shared_file


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_paced_keeps_a_fixed_schedule() -> None:
    clock = FakeClock()
    sent = []
    for item in paced(range(5), rate=10, clock=clock, sleep=clock.sleep):
        sent.append((item, round(clock.now - 100.0, 3)))
        clock.now += 0.03  # each send takes 30 ms: the schedule absorbs it
    assert sent == [(0, 0.0), (1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4)]
    assert list(paced(range(3), rate=None)) == [0, 1, 2]


def test_csv_rows_become_json_articles() -> None:
    rows = read_csv(shared_file("gnad10k/test.csv"), ["label", "body"], delimiter=";", quotechar="'")
    first = json.loads(next(rows))
    assert first["label"] == "Wirtschaft" and first["body"].startswith("Die Gewerkschaft GPA-djp")


def test_feed_item_html_becomes_text_only() -> None:
    html = "<p>First <b>bold</b> line.</p><script>alert(1)</script><p>Second&nbsp;line &amp; more</p>"
    assert html_text(html) == "First bold line.\nSecond\xa0line & more".replace("\xa0", " ")


def test_feed_configuration_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "feeds.yaml"
    good.write_text("feeds:\n  - url: https://example.org/rss\n    interval_s: 60\n")
    assert load_feeds(good) == [FeedConfig(url="https://example.org/rss", interval_s=60)]
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - url: file:///etc/passwd\n")
    with pytest.raises(ConfigurationError, match="http"):
        load_feeds(bad)


def test_an_archive_replayed_in_publication_order() -> None:
    lines = [
        json.dumps({"body": "later", "published_at": "2018-07-15T12:00:00Z"}).encode(),
        json.dumps({"body": "no time"}).encode(),
        b"not json",
        json.dumps({"body": "earliest", "published_at": "2018-07-15T07:00:00-04:00"}).encode(),
        json.dumps({"body": "then", "published_at": "2018-07-15T11:30:00Z"}).encode(),
    ]
    ordered = [json.loads(line)["body"] if line != b"not json" else "bad" for line in in_event_time(lines)]
    assert ordered == ["earliest", "then", "later", "no time", "bad"]  # 07:00-04:00 is 11:00 UTC
