"""Helpers shared by unit and integration tests: real data, deadlines."""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest

from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import parse_article

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NEWSMON_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_file(relative: str) -> Path:
    """A file of the shared real-data folder. When it is absent the test is skipped, and
    the run's summary names it (``-rs``); with ``NEWSMON_REQUIRE_SHARED_DATA=1`` (CI) it
    fails instead."""
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"real data {path} not present (set NEWSMON_SHARED_DATA)"
        if os.environ.get("NEWSMON_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@cache
def polnear_text(stem: str, split: str = "dev") -> str:
    """The text of the PolNeAR article of ``split`` whose file name starts with ``stem``."""
    folder = shared_file(f"polnear/{split}/text")
    return next(folder.glob(f"{stem}*.txt")).read_text(encoding="utf-8")


def real_article_lines(count: int, relative: str = "provenance/provenance_articles.jsonl") -> list[bytes]:
    """``count`` raw JSON lines of real articles with distinct derived ids."""
    seen: set[str] = set()
    lines: list[bytes] = []
    with shared_file(relative).open("rb") as handle:
        for line in handle:
            raw = line.strip()
            if not raw:
                continue
            try:
                article_id = parse_article(raw).id
            except InvalidArticleError:
                continue  # some corpus items have no text
            if article_id in seen:
                continue
            seen.add(article_id)
            lines.append(raw)
            if len(lines) == count:
                return lines
    raise AssertionError(f"only {len(lines)} distinct articles in {relative}")


def real_articles_in_event_time(
    count: int, since: datetime, relative: str = "provenance/provenance_articles.jsonl"
) -> list[bytes]:
    """The first ``count`` real articles published at or after ``since``, in event time
    (a wire replayed as it happened), with distinct derived ids."""
    found: dict[str, tuple[datetime, bytes]] = {}
    with shared_file(relative).open("rb") as handle:
        for line in handle:
            raw = line.strip()
            try:
                article = parse_article(raw) if raw else None
            except InvalidArticleError:
                continue
            if article is not None and article.published_at is not None and article.published_at >= since:
                found.setdefault(article.id, (article.published_at, raw))
    ordered = [raw for _, raw in sorted(found.values(), key=lambda pair: pair[0])]
    assert len(ordered) >= count, f"only {len(ordered)} articles in {relative} since {since}"
    return ordered[:count]
