"""RSS/Atom feeds into Kafka: many feeds, each on its own interval, with conditional GET
(ETag / Last-Modified), a memory of what was sent that survives restarts (a JSON state
file), backoff on errors, and the article page fetched and extracted when an item only
carries a link or a summary.

Nothing is marked seen before Kafka acknowledged it (at-least-once; the article id is
derived from the URL, so a repeat overwrites itself in the index).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from newsmon.connectors import pages
from newsmon.exceptions import ConfigurationError, NewsmonError

_LOG = logging.getLogger(__name__)
MAX_BACKOFF_S = 3600.0
MAX_SEEN = 5000  # per feed: far more than a feed ever lists


class FeedConfig(BaseModel):
    """One feed of ``configs/feeds.yaml``."""

    model_config = ConfigDict(extra="forbid")
    url: str
    source: str | None = Field(default=None, description="Source name; default: the feed's domain")
    interval_s: float = Field(default=300, ge=1, description="Seconds between two polls")
    fetch_pages: bool = Field(default=True, description="Fetch the page when an item has little text")
    min_body_chars: int = Field(default=500, ge=0, description="Shorter item text means: fetch the page")
    language: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url!r}")
        return url


def load_feeds(path: Path) -> list[FeedConfig]:
    """The feeds of a YAML file (``feeds: [{url: ...}, ...]``), validated."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [FeedConfig.model_validate(item) for item in data.get("feeds") or []]
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise ConfigurationError(f"cannot read feeds from {path}: {e}") from e


@dataclass
class FeedState:
    etag: str | None = None
    modified: str | None = None
    seen: list[str] = field(default_factory=list)
    failures: int = 0
    next_due: float = 0.0
    last_error: str | None = None


class FeedStateFile:
    """Per-feed state in one JSON file, replaced atomically on each save."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.states: dict[str, FeedState] = {}
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.states = {url: FeedState(**state) for url, state in raw.items()}

    def get(self, url: str) -> FeedState:
        return self.states.setdefault(url, FeedState())

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({url: asdict(s) for url, s in self.states.items()}, indent=1)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".feeds-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(payload)
        os.replace(temporary, self.path)


class _TextOnly(HTMLParser):
    """Plain text of an HTML fragment (an item's summary or content)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("p", "br", "div", "li", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(fragment: str) -> str:
    parser = _TextOnly()
    parser.feed(fragment)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


@dataclass
class PollReport:
    url: str
    new: int = 0
    not_modified: bool = False
    pages_fetched: int = 0
    error: str | None = None


def entry_id(entry: Any) -> str:
    return str(entry.get("id") or entry.get("link") or entry.get("title") or "")


class FeedPoller:
    """Polls feeds and hands each new item, as an article dict, to ``send`` (which must
    return only once Kafka acknowledged it)."""

    def __init__(
        self,
        feeds: list[FeedConfig],
        state: FeedStateFile,
        send: Callable[[dict[str, Any]], object],
        timeout: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.feeds = feeds
        self.state = state
        self._send = send
        self._timeout = timeout
        self._clock = clock

    def poll(self, feed: FeedConfig) -> PollReport:
        """Poll one feed now; never raises (the error is in the report and the state)."""
        import feedparser

        report = PollReport(feed.url)
        state = self.state.get(feed.url)
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.modified:
            headers["If-Modified-Since"] = state.modified
        try:
            status, response_headers, body = pages.fetch(feed.url, self._timeout, headers)
            if status == 304:
                report.not_modified = True
            else:
                parsed = feedparser.parse(body)
                if parsed.get("bozo") and not parsed.entries:
                    raise NewsmonError(f"not a feed: {parsed.get('bozo_exception')}")
                language = feed.language or parsed.feed.get("language")
                seen = set(state.seen)
                for entry in parsed.entries:
                    key = entry_id(entry)
                    if not key or key in seen:
                        continue
                    article = self._article(feed, entry, language, report)
                    if article is not None:
                        self._send(article)
                        report.new += 1
                    state.seen.append(key)
                    seen.add(key)
                state.seen = state.seen[-MAX_SEEN:]
                lower = {k.lower(): v for k, v in response_headers.items()}
                state.etag, state.modified = lower.get("etag"), lower.get("last-modified")
            state.failures, state.last_error = 0, None
            state.next_due = self._clock() + feed.interval_s
        except NewsmonError as e:
            state.failures += 1
            state.last_error = report.error = str(e)
            # Exponential backoff on a failing feed, never longer than an hour.
            state.next_due = self._clock() + min(MAX_BACKOFF_S, feed.interval_s * 2**state.failures)
            _LOG.warning("feed failed url=%s failures=%d error=%s", feed.url, state.failures, e)
        self.state.save()
        return report

    def _article(
        self, feed: FeedConfig, entry: Any, language: str | None, report: PollReport
    ) -> dict[str, Any] | None:
        link = entry.get("link")
        contents = entry.get("content") or []
        html = contents[0].get("value", "") if contents else entry.get("summary", "")
        body = html_text(html or "")
        title = html_text(entry.get("title", ""))
        published = entry.get("published") or entry.get("updated")
        authors = [entry["author"]] if entry.get("author") else []
        if link and feed.fetch_pages and len(body) < feed.min_body_chars:
            try:
                page = pages.fetch_article(link, self._timeout)
                report.pages_fetched += 1
                body, title = page.text, title or page.title
                published = published or page.published
                authors = authors or page.authors
            except pages.PageError as e:
                _LOG.warning("page not fetched url=%s error=%s; keeping the feed's text", link, e)
        if not body.strip():
            return None
        return {
            "title": title,
            "body": body,
            "url": link,
            "source": feed.source or urlparse(link or feed.url).hostname,
            "published_at": published,
            "authors": authors,
            "language": language,
        }

    def poll_due(self) -> list[PollReport]:
        """Poll every feed whose time has come."""
        now = self._clock()
        return [self.poll(feed) for feed in self.feeds if self.state.get(feed.url).next_due <= now]

    def seconds_to_next(self) -> float:
        now = self._clock()
        return max(0.0, min((self.state.get(f.url).next_due - now for f in self.feeds), default=60.0))

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set, sleeping until the next feed is due."""
        while not stop.is_set():
            for report in self.poll_due():
                _LOG.info(
                    "feed polled url=%s new=%d not_modified=%s", report.url, report.new, report.not_modified
                )
            stop.wait(self.seconds_to_next())
