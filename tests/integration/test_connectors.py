"""Ingest connectors against real local servers and real Kafka: an RSS feed (real articles,
one item linking to a real article page), the push endpoint, and archive replay."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import httpx2
import pytest
from pydantic import SecretStr

from newsmon.connectors.feeds import FeedConfig, FeedPoller, FeedStateFile
from newsmon.connectors.kafka import article_sender, make_producer
from newsmon.models.article import parse_article
from newsmon.settings import ApiSettings
from tests.helpers import shared_file
from tests.integration.conftest import World
from tests.integration.servers import ApiServer, Site

TOKEN = "ingest-token-22af"


def _provenance(count: int) -> list[dict[str, str]]:
    """Real articles, given URLs of their own (the corpus has none)."""
    lines = shared_file("provenance/provenance_articles.jsonl").read_text().splitlines()
    rows = [row for row in (json.loads(line) for line in lines) if row.get("text")][:count]
    return [{**row, "url": f"https://wire.example/{n}"} for n, row in enumerate(rows)]


def _ap_page() -> tuple[bytes, dict[str, object]]:
    lines = shared_file("fundus/fundus_articles.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    row = next(r for r in rows if r["publisher"] == "APNews")
    return gzip.decompress(shared_file(f"fundus/{row['html_file']}").read_bytes()), row


def _rss(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Test wire</title><link>http://wire.example/</link><language>en</language>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _item(guid: str, title: str, link: str, summary: str, content: str | None = None) -> str:
    published = format_datetime(datetime(2018, 7, 16, 9, 30, tzinfo=UTC))
    body = f"<content:encoded>{escape(content)}</content:encoded>" if content else ""
    return (
        f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<pubDate>{published}</pubDate><description>{escape(summary)}</description>{body}</item>"
    )


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site({})
    yield server
    server.close()


def _topic_articles(world: World, expected: int) -> list[tuple[bytes | None, dict[str, object]]]:
    messages = world.read_topic(world.settings.kafka.articles_topic, expected)
    return [(m.key, parse_article(m.value).model_dump()) for m in messages]  # type: ignore[attr-defined]


def test_feed_items_become_articles_with_pages_fetched_and_nothing_sent_twice(
    world: World, site: Site, tmp_path: Path
) -> None:
    full, other = _provenance(2)
    page, ap = _ap_page()
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in full["text"].split("\n") if p.strip())
    items = [
        _item("full-1", full["title"], full["url"], "Short teaser.", paragraphs),
        _item("link-only-2", str(ap["title"]), f"{site.url}/ap/mexico-economy", "Mexico's economy grew."),
        _item("teaser-3", other["title"], f"{site.url}/gone", other["text"][:300] + " <b>more</b>"),
    ]
    site.pages["/feed.xml"] = (200, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}, _rss(items))
    site.pages["/ap/mexico-economy"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page)
    site.pages["/broken.xml"] = (500, {}, b"oops")
    feed = FeedConfig(url=f"{site.url}/feed.xml", source="wire.example", interval_s=60)
    broken = FeedConfig(url=f"{site.url}/broken.xml", interval_s=60)
    state_file = tmp_path / "feeds.json"
    producer = make_producer(world.settings.kafka)
    send = article_sender(producer, world.settings.kafka.articles_topic)
    try:
        poller = FeedPoller([feed, broken], FeedStateFile(state_file), send)
        first = poller.poll(feed)
        assert (first.new, first.pages_fetched, first.error) == (3, 1, None)
        failed = poller.poll(broken)
        assert failed.error and "HTTP 500" in failed.error
        assert poller.state.get(broken.url).failures == 1
        assert poller.state.get(broken.url).next_due > poller.state.get(feed.url).next_due  # backed off

        # Polled again: a conditional GET answered 304, nothing sent.
        assert poller.poll(feed).not_modified
        assert site.requests[-1][1].get("If-None-Match") == '"v1"'

        # A restart (new poller, same state file); the feed changed: only the new item goes out.
        new_item = _item("new-4", "Fresh item", "http://wire.example/4", "A fresh item. " * 60)
        site.pages["/feed.xml"] = (200, {"ETag": '"v2"'}, _rss([new_item, *items]))
        restarted = FeedPoller([feed], FeedStateFile(state_file), send)
        assert restarted.poll(feed).new == 1
    finally:
        producer.close()

    articles = {a["url"]: (key, a) for key, a in _topic_articles(world, 4)}
    assert len(articles) == 4
    key, from_content = articles[full["url"]]
    assert key == str(from_content["id"]).encode()
    assert str(from_content["body"]).startswith(full["text"].split("\n")[0].strip()[:60])
    assert from_content["source"] == "wire.example" and from_content["language"] == "en"
    _, from_page = articles[f"{site.url}/ap/mexico-economy"]
    assert "Mexico’s National Statistics Institute said Friday" in str(from_page["body"])
    _, from_teaser = articles[f"{site.url}/gone"]  # page 404: the feed's own text is kept, as text
    assert "<b>" not in str(from_teaser["body"]) and str(from_teaser["body"]).endswith("more")


def test_push_endpoint_validates_and_produces(world: World) -> None:
    world.settings = world.settings.model_copy(update={"api": ApiSettings(token=SecretStr(TOKEN))})
    server = ApiServer(world.settings, world.engine)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    url = server.url + "/api/ingest"
    try:
        good = [{"title": a["title"], "body": a["text"], "url": a["url"]} for a in _provenance(2)]
        assert httpx2.post(url, json={"articles": good}).status_code == 401
        refused = httpx2.post(url, json={"articles": [*good, {"title": "no body"}]}, headers=auth)
        assert refused.status_code == 422
        assert refused.json()["problems"] == ["articles[2]: invalid article: body: Field required"]
        accepted = httpx2.post(url, json={"articles": good}, headers=auth)
        assert accepted.status_code == 202 and accepted.json()["accepted"] == 2
        single = httpx2.post(url, json={**good[0], "url": "https://partner.example/x"}, headers=auth)
        assert single.status_code == 202
    finally:
        server.close()
    received = _topic_articles(world, 3)
    assert {key.decode() for key, _ in received if key} == {*accepted.json()["ids"], *single.json()["ids"]}


def test_replay_of_a_csv_archive(world: World) -> None:
    archive = shared_file("gnad10k/test.csv")
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "replay", str(archive), "--limit", "12", "--rate", "50",
         "--csv-columns", "label,body", "--delimiter", ";", "--quotechar", "'"],
        env=world.env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "replayed 12 articles" in result.stdout
    received = _topic_articles(world, 12)
    assert len(received) == 12 and all(a["body"] for _, a in received)
