"""The desk's API on a real uvicorn server over real OpenSearch, with real articles run
through the whole pipeline once for the module: search, facets, pagination, article
detail, trends, alerts with acknowledgement, live events with resume, JSON errors."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from newsmon.api.queries import encode_cursor
from newsmon.settings import AlertSettings, ApiSettings, Settings
from tests.helpers import real_article_lines, shared_file
from tests.integration.conftest import World, private_world
from tests.integration.servers import ApiServer

TOKEN = "desk-token-5b1e"
RULES = """
rules:
  - id: putin-quoted
    severity: high
    when: {quoted: Putin}
"""


@dataclass
class Desk:
    world: World
    server: ApiServer
    seed_id: str

    def get(self, path: str, **params: Any) -> httpx2.Response:
        return httpx2.get(self.server.url + path, params=params, timeout=30)


@pytest.fixture(scope="module")
def desk(services: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    rules_dir: Path = tmp_path_factory.mktemp("rules")
    (rules_dir / "desk.yaml").write_text(RULES)
    with private_world(services) as world:
        world.settings = world.settings.model_copy(
            update={"alerts": AlertSettings(rules_dir=rules_dir), "api": ApiSettings(token=SecretStr(TOKEN))}
        )
        seed = {
            "title": "Johnson and Putin discuss Ukraine",
            "body": shared_file("seed-article.txt").read_text(),
        }
        world.produce(
            [json.dumps({**seed, "source": "seed"}).encode(), *real_article_lines(30), *_standing_title()]
        )
        world.run_pipeline()
        world.engine.refresh(world.settings.search.articles_index)
        world.engine.refresh(world.settings.search.alerts_index)
        server = ApiServer(world.settings, world.engine)
        try:
            hits = server_get(server, "/api/articles", source="seed")["articles"]
            yield Desk(world, server, hits[0]["id"])
        finally:
            server.close()


STANDING_TITLE = "Special report"
INDEXED = 1 + 30 + 3
"""The seed article, 30 of the provenance set, three under one standing title."""
STANDING_SOURCE = "standing-title.example"


def _standing_title() -> list[bytes]:
    """Three real articles of unrelated stories (Spotify, Novichok, the census) that one
    source gave the same standing title, words of which their texts contain."""
    rows = {
        row["id"]: row
        for row in map(
            json.loads, shared_file("provenance/provenance_articles.jsonl").read_text().splitlines()
        )
    }
    return [
        json.dumps(
            {
                "title": STANDING_TITLE,
                "body": rows[i]["text"],
                "source": STANDING_SOURCE,
                "url": f"https://{STANDING_SOURCE}/{n}",
            }
        ).encode()
        for n, i in enumerate(("prov:spotify:1256", "prov:helsinki:1179", "prov:census:967"))
    ]


def server_get(server: ApiServer, path: str, **params: Any) -> Any:
    response = httpx2.get(server.url + path, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_full_text_search_with_highlights_and_facets(desk: Desk) -> None:
    page = desk.get("/api/articles", q="Putin").json()
    assert page["total"] >= 1
    for article in page["articles"]:
        hits = [s["text"] for field in article["highlights"].values() for f in field for s in f if s["hit"]]
        assert any("Putin" in h for h in hits), article["title"]
    entities = {b["value"] for b in page["facets"]["entities"]}
    assert "Vladimir Putin" in entities
    assert page["facets"]["speakers"] and page["facets"]["topics"] and page["facets"]["regions"]


def test_filters_narrow_the_results(desk: Desk) -> None:
    everything = desk.get("/api/articles").json()["total"]
    assert everything == INDEXED
    on_putin = desk.get("/api/articles", entity="Vladimir Putin").json()
    assert 1 <= on_putin["total"] < everything
    assert all("Vladimir Putin" in a["entity_names"] for a in on_putin["articles"])
    quoted = desk.get("/api/articles", speaker="Boris Johnson", region="Eastern Europe").json()
    assert [a["id"] for a in quoted["articles"]] == [desk.seed_id]
    assert desk.get("/api/articles", region="Eastern Europe", source="nowhere.example").json()["total"] == 0
    future = desk.get("/api/articles", since="2100-01-01T00:00:00Z").json()
    assert future["total"] == 0


def test_deep_pagination_visits_every_article_once(desk: Desk) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"size": 7, "sort": "newest"}
        if cursor:
            params["cursor"] = cursor
        page = desk.get("/api/articles", **params).json()
        seen += [a["id"] for a in page["articles"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == INDEXED


def test_one_row_per_story_with_its_sources(desk: Desk) -> None:
    page = desk.get("/api/articles", by_story="true", size=100, sort="newest").json()
    stories = [a["story_id"] for a in page["articles"]]
    assert len(stories) == len(set(stories)) < page["total"]  # the corpus reprints wire stories
    assert sum(a["story"]["articles"] for a in page["articles"]) == page["total"]
    for row in page["articles"]:
        assert row["id"] in {s["id"] for s in row["story"]["sources"]} or row["story"]["articles"] > 10
    assert page["next"] is None
    assert desk.get("/api/articles", by_story="true", cursor="abc").status_code == 422


def test_article_detail_with_entities_quotes_and_alerts(desk: Desk) -> None:
    article = desk.get(f"/api/articles/{desk.seed_id}").json()
    body = article["body"]
    putin = next(e for e in article["entities"] if e["canonical"] == "Vladimir Putin")
    assert all(body[m["start"] : m["end"]] == m["text"] for m in putin["mentions"])
    assert any(q["speaker"] == "Boris Johnson" for q in article["quotes"])
    assert all(body[q["start"] : q["end"]] == q["text"] for q in article["quotes"])
    assert [a["rule_id"] for a in article["alerts"]] == ["putin-quoted"]
    assert desk.get("/api/articles/no-such-article").status_code == 404


def test_trends_and_movers(desk: Desk) -> None:
    trends = desk.get("/api/trends", entity="Vladimir Putin", topic="conflict_defence", interval="7d").json()
    putin, conflict = trends["series"]
    assert putin["total"] == desk.get("/api/articles", entity="Vladimir Putin").json()["total"]
    assert sum(b["count"] for b in putin["buckets"]) == putin["total"]
    assert conflict["kind"] == "topic" and conflict["total"] >= 1
    movers = desk.get("/api/trends/movers", facet="entities", window="1h").json()["movers"]
    assert movers and movers[0]["recent"] >= 1  # everything arrived just now
    assert desk.get("/api/trends").status_code == 422


def test_alert_feed_and_acknowledgement(desk: Desk) -> None:
    feed = desk.get("/api/alerts").json()
    (alert,) = [a for a in feed["alerts"] if a["article_id"] == desk.seed_id]
    url = f"{desk.server.url}/api/alerts/{alert['id']}/ack"
    assert httpx2.post(url, json={}).status_code == 401
    acked = httpx2.post(url, json={"by": "night desk"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == "night desk"
    desk.world.engine.refresh(desk.world.settings.search.alerts_index)
    assert alert["id"] in {a["id"] for a in desk.get("/api/alerts", acknowledged="true").json()["alerts"]}
    assert alert["id"] not in {
        a["id"] for a in desk.get("/api/alerts", acknowledged="false").json()["alerts"]
    }
    missing = httpx2.post(
        f"{desk.server.url}/api/alerts/nope/ack", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert missing.status_code == 404


FURNITURE = {"share", "Enter City and State or Zip Code", "powered by Ask", "CBS News", "comments", "Print"}


def test_stories_newest_activity_first_with_sources_sparkline_and_readable_headlines(desk: Desk) -> None:
    answer = desk.get("/api/stories", hours=24 * 365 * 10)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    stories = page["stories"]
    total = desk.get("/api/articles", size=1).json()["total"]
    assert sum(s["articles"] for s in stories) == total
    calm = [s["last_update"] for s in stories if not s["breaking"]]
    assert calm == sorted(calm, reverse=True)  # breaking stories first, then newest activity
    assert all(s["breaking"] for s in stories[: len(stories) - len(calm)])
    assert page["until"] == max(s["last_update"] for s in stories)  # opens on the newest news
    grown = [s for s in stories if s["articles"] > 1]
    assert grown, "the corpus reprints wire stories: some story has several articles"
    for story in stories:
        assert story["headline"] and story["headline"] not in FURNITURE
        assert 1 <= story["sources"] <= story["articles"]
        assert len(story["sparkline"]) >= 1 and sum(story["sparkline"]) <= story["articles"]
        assert story["first_seen"] <= story["last_update"]
    # The default window is the last day of news in the index, not an empty "now".
    assert desk.get("/api/stories").json()["stories"]
    # Filters narrow the stories as they narrow the articles.
    only = desk.get("/api/stories", entity="Vladimir Putin", hours=24 * 365 * 10).json()["stories"]
    assert (
        sum(s["articles"] for s in only) == desk.get("/api/articles", entity="Vladimir Putin").json()["total"]
    )


def test_a_title_one_source_gives_unrelated_stories_is_furniture(desk: Desk) -> None:
    found = desk.get("/api/articles", source=STANDING_SOURCE, size=10).json()["articles"]
    assert len(found) == 3 and len({a["story_id"] for a in found}) == 3
    assert all(a["title"] == STANDING_TITLE for a in found)  # the given title stays
    assert all(a["headline_derived"] and a["headline"] != STANDING_TITLE for a in found)
    one = desk.get(f"/api/articles/{found[0]['id']}").json()
    assert one["headline"] == found[0]["headline"] and one["title_problem"].startswith("shared")
    rows = desk.get("/api/stories", source=STANDING_SOURCE, hours=24 * 365 * 10).json()["stories"]
    assert rows and not {r["headline"] for r in rows} & {STANDING_TITLE}


def test_a_story_lists_its_articles_by_source_with_copies_folded(desk: Desk) -> None:
    stories = desk.get("/api/stories", hours=24 * 365 * 10).json()["stories"]
    biggest = max(stories, key=lambda s: s["articles"])
    story = desk.get(f"/api/stories/{biggest['story_id']}").json()
    shown = [a for group in story["by_source"] for a in group["articles"]]
    copies = [c for a in shown for c in a["copies"]]
    assert len(shown) + len(copies) == story["articles"] == biggest["articles"]
    assert all(c["duplicate"]["of"] == a["id"] for a in shown for c in a["copies"])
    assert len(story["by_source"]) == len({a.get("source") for a in shown})
    assert story["entities"] and story["headline"] == biggest["headline"]
    assert desk.get("/api/stories/no-such-story").status_code == 404


def test_an_entity_page_with_quotes_company_sources_and_rules(desk: Desk) -> None:
    page = desk.get("/api/entities/Vladimir Putin").json()
    assert page["type"] == "PERSON" and page["quoted_in"] >= 1 and "Putin" in page["aliases"]
    assert page["articles"] == desk.get("/api/articles", entity="Vladimir Putin").json()["total"]
    quote = page["latest_quotes"][0]
    article = desk.get(f"/api/articles/{quote['article_id']}").json()
    assert any(q["text"] == quote["text"] and q["speaker"] == "Vladimir Putin" for q in article["quotes"])
    times = [q["event_time"] for q in page["latest_quotes"]]
    assert times == sorted(times, reverse=True)
    # Who he appears with: the summit's other leader first.
    assert page["appears_with"][0]["value"] == "Donald Trump"
    assert "Vladimir Putin" not in [b["value"] for b in page["appears_with"]]
    assert sum(b["count"] for b in page["over_time"]) == page["articles"]
    assert page["sources"] and page["countries"]
    assert {"when": {"quoted": "Vladimir Putin"}} in [{"when": r["when"]} for r in page["rules"]]
    # A suggested rule is one the rules API takes as it is.
    rule = {**page["rules"][0], "id": "from-entity-page"}
    created = httpx2.post(
        f"{desk.server.url}/api/rules", json=rule, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert created.status_code == 201, created.text
    assert desk.get("/api/entities/Nobody Atall").status_code == 404


def test_alerts_fold_into_one_group_per_rule_and_story_and_acknowledge_together(desk: Desk) -> None:
    everything = desk.get("/api/alerts", size=100).json()
    answer = desk.get("/api/alerts/groups", size=100)
    assert answer.status_code == 200, answer.text
    groups = answer.json()["groups"]
    assert sum(g["alerts"] for g in groups) == everything["total"]
    assert len(groups) < everything["total"], "several articles of one story matched one rule"
    for group in groups:
        rule_id, _, story = group["group"].partition("|")
        assert group["first"]["rule_id"] == group["latest"]["rule_id"] == rule_id
        assert group["first"]["created_at"] <= group["latest"]["created_at"]
        assert group["first"]["story_id"] == group["latest"]["story_id"] == story
        assert 1 <= group["sources"] <= group["articles"] <= group["alerts"]
        assert group["first"]["matched"], "each alert says why it fired"
    big = next(g for g in groups if g["alerts"] > 1 and g["first"]["article_id"] != desk.seed_id)
    url = f"{desk.server.url}/api/alerts/groups/{big['group']}/ack"
    assert httpx2.post(url, json={}).status_code == 401
    acked = httpx2.post(url, json={"by": "day desk"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert acked.status_code == 200 and acked.json()["alerts"] == big["alerts"]
    members = desk.get("/api/alerts", size=100).json()["alerts"]
    assert all(a["acknowledged"] for a in members if a["group"] == big["group"])
    still_open = desk.get("/api/alerts/groups", acknowledged="false", size=100).json()["groups"]
    assert big["group"] not in {g["group"] for g in still_open}
    assert still_open and all(not g["acknowledged"] for g in still_open)


def test_errors_are_json_with_clear_messages(desk: Desk) -> None:
    bad_cursor = desk.get("/api/articles", cursor="not-a-cursor")
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.json()["error"]
    too_big = desk.get("/api/articles", size=1000)
    assert too_big.status_code == 422 and "at most" in too_big.json()["error"]
    bad_sort = desk.get("/api/articles", sort="random")
    assert bad_sort.status_code == 422 and any("sort" in p for p in bad_sort.json()["problems"])
    # Query syntax the engine's strict parser would refuse is answered, not a 500.
    assert desk.get("/api/articles", q='"(( -Putin OR ]] \\').status_code == 200
    assert desk.get("/openapi.json").json()["paths"]["/api/live"]


def _events(
    desk: Desk, count: int, last_event_id: str | None = None, **params: str
) -> list[tuple[str, dict[str, Any]]]:
    """Read ``count`` events of the live stream (default: articles; deadline: 30 s)."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    params = params or {"stream": "articles"}
    events: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + 30
    with httpx2.stream("GET", desk.server.url + "/api/live", params=params, headers=headers, timeout=30) as r:
        event_id = None
        for line in r.iter_lines():
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                events.append((event_id or "", json.loads(line[6:])))
                if len(events) == count:
                    break
            assert time.monotonic() < deadline, f"only {len(events)} live events"
    return events


def _index_now(desk: Desk, n: int) -> str:
    now = datetime.now(UTC).isoformat()
    doc = {
        "id": f"live-{n}-{time.time_ns()}",
        "title": f"Live article {n}",
        "body": "text",
        "indexed_at": now,
    }
    desk.world.engine.index_document(desk.world.settings.search.articles_index, doc["id"], doc)
    return doc["id"]


def test_live_events_resume_after_a_reconnect(desk: Desk) -> None:
    first = _index_now(desk, 1)
    ((event_id, article),) = _events(desk, 1)
    assert article["id"] == first
    # Disconnected; two more land; a reconnect with Last-Event-ID gets exactly those.
    later = [_index_now(desk, 2), _index_now(desk, 3)]
    resumed = _events(desk, 2, last_event_id=event_id)
    assert [a["id"] for _, a in resumed] == later


def test_live_alerts_matching_a_filter(desk: Desk) -> None:
    index = desk.world.settings.search.alerts_index
    now = datetime.now(UTC).isoformat()
    for severity in ("low", "critical"):
        alert = {
            "id": f"live-{severity}-{time.time_ns()}",
            "rule_id": "r",
            "severity": severity,
            "indexed_at": now,
        }
        desk.world.engine.index_document(index, alert["id"], alert)
    ((_, alert),) = _events(desk, 1, stream="alerts", severity="critical")
    assert alert["severity"] == "critical"


def _json_error(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["error"]
    return body


@pytest.mark.parametrize("values", [[None], [{}], [], "base64", [1, 2, 3, 4, 5]])
def test_a_tampered_cursor_is_a_json_422_not_an_engine_500(desk: Desk, values: object) -> None:
    cursor = "eyJhIjogMX0" if values == "base64" else encode_cursor(values)  # type: ignore[arg-type]
    for path in ("/api/articles", "/api/alerts"):
        assert "cursor" in _json_error(desk.get(path, cursor=cursor), 422)["error"]


def test_times_at_the_edges_are_json_errors_or_normalised(desk: Desk) -> None:
    # An offset the engine refuses (beyond +18:00) is the same instant in UTC.
    assert desk.get("/api/articles", since="2020-01-01T00:00:00+23:59").status_code == 200
    error = _json_error(desk.get("/api/trends/movers", now="0001-01-01T00:00:00Z"), 422)["error"]
    assert error.startswith("now:")
    started = time.monotonic()
    buckets = desk.get(
        "/api/trends",
        entity="Vladimir Putin",
        interval="5m",
        since="1900-01-01T00:00:00Z",
        until="2199-01-01T00:00:00Z",
    )
    assert "intervals" in _json_error(buckets, 422)["error"]
    assert time.monotonic() - started < 2
    # Open ranges are bounded by the articles' own span.
    assert desk.get("/api/trends", entity="Vladimir Putin", interval="1d").status_code == 200


def test_a_tampered_last_event_id_is_a_clean_json_error(desk: Desk) -> None:
    for tampered in (
        "garbage!",
        encode_cursor([["x", {}], None]),
        encode_cursor([1, 2]),
        encode_cursor([[1e400, "a"], None]),
    ):
        response = httpx2.get(desk.server.url + "/api/live", headers={"Last-Event-ID": tampered}, timeout=10)
        assert "Last-Event-ID" in _json_error(response, 422)["error"]


def test_a_huge_body_is_refused_before_it_is_read(desk: Desk) -> None:
    # 200 MB announced, a few bytes sent: the answer comes at once, nothing is buffered.
    with socket.create_connection(("127.0.0.1", desk.server.port), timeout=5) as connection:
        connection.sendall(
            b"POST /api/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 200000000\r\n\r\n{"body": "'
        )
        answer = b""
        while b"limit" not in answer and (chunk := connection.recv(4096)):
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413"), head
    assert "content-type: application/json" in head and "x-frame-options: DENY" in head
    assert "limit" in json.loads(body)["error"]

    # Without a Content-Length (chunked), the limit holds as the bytes arrive.
    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(20):
            yield b"x" * 1024 * 1024

    chunked = httpx2.post(desk.server.url + "/api/ingest", content=chunks(), timeout=30)
    assert chunked.status_code == 413, chunked.text[:200]


def test_security_headers_on_the_desk_and_the_api(desk: Desk) -> None:
    for path in ("/", "/api/articles", "/api/nowhere"):
        headers = desk.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_VALUE = st.one_of(
    _TEXT,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(
        [
            "",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+23:59",
            "2018-07-16T00:00:00Z",
            "nan",
            "-1",
            "1e309",
        ]
    ),
    st.lists(st.one_of(st.none(), st.integers(), _TEXT, st.just({})), max_size=5).map(encode_cursor),
)
_PARAMS = {
    "/api/articles": [
        "q",
        "entity",
        "speaker",
        "topic",
        "region",
        "country",
        "source",
        "language",
        "since",
        "until",
        "copies",
        "story",
        "sort",
        "size",
        "cursor",
        "facets",
        "by_story",
    ],
    "/api/alerts": ["rule", "severity", "acknowledged", "article", "size", "cursor"],
    "/api/trends": ["entity", "topic", "region", "interval", "since", "until"],
    "/api/trends/movers": ["facet", "window", "baseline", "now"],
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_api_fuzz_no_500_every_error_json_every_answer_within_2s(desk: Desk, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(sorted(_PARAMS)))
    names = data.draw(st.lists(st.sampled_from(_PARAMS[path]), max_size=5))
    params: list[tuple[str, str | int | float | bool | None]] = [(name, data.draw(_VALUE)) for name in names]
    started = time.monotonic()
    response = httpx2.get(desk.server.url + path, params=params, timeout=10)
    elapsed = time.monotonic() - started
    assert response.status_code < 500, (path, params, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), (path, params)
    if response.status_code >= 400:
        assert response.json()["error"], (path, params)
    assert elapsed < 2, (path, params, elapsed)


def test_the_desk_serves_its_metrics(desk: Desk) -> None:
    desk.get("/api/articles", q="Putin")
    desk.get("/api/articles/nothing-here")
    response = desk.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'newsmon_api_requests_total{method="GET",route="/api/articles",status="200"}' in response.text
    assert 'route="/api/articles/{article_id}",status="404"' in response.text
