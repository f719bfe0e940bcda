"""The desk a monitoring team keeps open, in real headless Chromium over real articles
(the provenance corpus's Helsinki summit coverage, run once through the whole pipeline
with the example rules): stories first, a story with its copies folded, alerts folded per
story with why they fired, an entity page that becomes a rule, the chart and the map,
headlines instead of page furniture, watchlists, large text and the keyboard.
Screenshots land in test-artifacts/screenshots/ (8- to 14-)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from newsmon.settings import AlertSettings, ApiSettings, Settings
from tests.helpers import REPO, real_articles_in_event_time
from tests.integration.browsing import chromium, click, page_errors, shot, until
from tests.integration.conftest import World, private_world
from tests.integration.servers import ApiServer

pytestmark = pytest.mark.browser

TOKEN = "views-token-3d7a"
ARTICLES = 80
SUMMIT_MORNING = datetime(2018, 7, 15, 10, 0, tzinfo=UTC)
"""The provenance set's coverage of the Helsinki summit from this hour on, in event time."""
FURNITURE = {"share", "Enter City and State or Zip Code", "powered by Ask", "CBS News", "comments", "Print"}


@dataclass
class Desk:
    world: World
    server: ApiServer

    def get(self, path: str, **params: Any) -> Any:
        response = httpx2.get(self.server.url + path, params=params, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def desk(services: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    rules: Path = tmp_path_factory.mktemp("rules")
    shutil.copy(REPO / "configs" / "rules" / "examples.yaml", rules / "examples.yaml")
    with private_world(services) as world:
        world.settings = world.settings.model_copy(
            update={"alerts": AlertSettings(rules_dir=rules), "api": ApiSettings(token=SecretStr(TOKEN))}
        )
        world.produce(real_articles_in_event_time(ARTICLES, SUMMIT_MORNING))
        world.run_pipeline(4.0, 240.0, "--replay")  # the archive as if live: breaking news too
        for index in (world.settings.search.articles_index, world.settings.search.alerts_index):
            world.engine.refresh(index)
        server = ApiServer(world.settings, world.engine)
        try:
            yield Desk(world, server)
        finally:
            server.close()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    yield from chromium()


def _open(browser: WebDriver, desk: Desk) -> None:
    browser.get(desk.server.url + "/")
    until(browser, lambda d: d.find_element(By.ID, "live-status").text == "live", "live stream connected")


def _sign_in(browser: WebDriver) -> None:
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.ID, "save-token").click()


def _once_listed(browser: WebDriver, selector: str, count: int) -> list[Any]:
    """The elements matching ``selector`` once there are ``count`` of them."""
    until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, selector)) == count, selector)
    return browser.find_elements(By.CSS_SELECTOR, selector)


def _texts(browser: WebDriver, selector: str) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_stories_first_then_a_story_with_its_sources_and_copies(desk: Desk, browser: WebDriver) -> None:
    api = desk.get("/api/stories")["stories"]
    _open(browser, desk)
    # On load, without any new article arriving: the stories, biggest ones visible.
    rows = _once_listed(browser, "#stories li.story-row", len(api))
    assert [r.get_attribute("data-story") for r in rows] == [s["story_id"] for s in api]
    first = rows[0]
    story = api[0]
    assert f"{story['articles']} article" in first.text and f"{story['sources']} source" in first.text
    assert not FURNITURE & set(_texts(browser, "#stories li.story-row > .title"))
    # Sparklines are uPlot canvases.
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#stories .spark canvas"), "sparklines")
    shot(browser, "8-stories-first")

    biggest = max(api, key=lambda s: s["articles"])
    detail = desk.get(f"/api/stories/{biggest['story_id']}")
    row = f'#stories li[data-story="{biggest["story_id"]}"] > .title'
    until(browser, lambda d: click(d, By.CSS_SELECTOR, row), "story opened")
    until(browser, lambda d: d.find_element(By.ID, "story-headline").text == detail["headline"], "story view")
    groups = browser.find_elements(By.CSS_SELECTOR, "#story-sources > li.source-group")
    assert [g.get_attribute("data-source") for g in groups] == [g["source"] for g in detail["by_source"]]
    folded = sum(len(a["copies"]) for g in detail["by_source"] for a in g["articles"])
    summaries = _texts(browser, "#story-sources details.copies summary")
    assert sum(int(s.split()[0]) for s in summaries) == folded
    assert not page_errors(browser)
    shot(browser, "9-story")


def test_alerts_fold_per_story_say_why_and_acknowledge_with_the_keyboard(
    desk: Desk, browser: WebDriver
) -> None:
    groups = desk.get("/api/alerts/groups", size=40)["groups"]
    alerts = desk.get("/api/alerts", size=1)["total"]
    assert len(groups) < alerts, "the example rules fire on many articles of one story"
    _open(browser, desk)
    _sign_in(browser)
    cards = _once_listed(browser, "#alerts li.alert-group", len(groups))
    assert [c.get_attribute("data-group") for c in cards] == [g["group"] for g in groups]
    biggest = max(groups, key=lambda g: g["alerts"])
    card = browser.find_element(By.CSS_SELECTOR, f'#alerts li[data-group="{biggest["group"]}"]')
    assert f"{biggest['alerts']} articles" in card.text
    why = card.find_element(By.CSS_SELECTOR, ".why").text
    assert all(m.split(":")[0] in why for m in biggest["first"]["matched"])
    assert not FURNITURE & set(_texts(browser, "#alerts li > .title"))
    shot(browser, "10-alerts-by-story")

    # Keyboard: j selects the first card, a acknowledges it (and every alert of its story).
    browser.find_element(By.TAG_NAME, "body").send_keys("j")
    until(browser, lambda d: "selected" in (cards[0].get_attribute("class") or ""), "first card selected")
    browser.find_element(By.TAG_NAME, "body").send_keys("a")
    until(browser, lambda d: "acknowledged" in (cards[0].get_attribute("class") or ""), "acknowledged")
    desk.world.engine.refresh(desk.world.settings.search.alerts_index)
    acked = desk.get("/api/alerts", size=100)["alerts"]
    assert all(a["acknowledged"] for a in acked if a["group"] == groups[0]["group"])
    # Large text for a wall screen, kept across reloads.
    browser.find_element(By.TAG_NAME, "body").send_keys("L")
    until(
        browser,
        lambda d: "large" in (d.find_element(By.TAG_NAME, "body").get_attribute("class") or ""),
        "large",
    )
    shot(browser, "11-wall-screen")
    _open(browser, desk)
    assert "large" in (browser.find_element(By.TAG_NAME, "body").get_attribute("class") or "")
    browser.find_element(By.ID, "large-text").click()
    assert not page_errors(browser)


def test_an_entity_page_from_a_click_that_becomes_a_rule(desk: Desk, browser: WebDriver) -> None:
    page = desk.get("/api/entities/Vladimir Putin")
    _open(browser, desk)
    _sign_in(browser)
    chip = '//ol[@id="stories"]//button[contains(@class, "entity-link") and .="Vladimir Putin"]'
    until(browser, lambda d: click(d, By.XPATH, chip), "entity chip clicked")
    until(browser, lambda d: d.find_element(By.ID, "entity-name").text == "Vladimir Putin", "entity page")
    quotes = _texts(browser, "#entity-quotes li q")
    assert quotes == [q["text"] for q in page["latest_quotes"]]
    assert _texts(browser, "#entity-with button")[0].startswith(page["appears_with"][0]["value"])
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#entity-chart canvas"), "mentions chart")
    shot(browser, "12-entity-page")
    quoted_rule = next(r for r in page["rules"] if r["when"] == {"quoted": "Vladimir Putin"})
    browser.find_element(By.CSS_SELECTOR, f'#entity-rules button[data-rule="{quoted_rule["id"]}"]').click()
    until(browser, lambda d: "created" in d.find_element(By.ID, "entity-rule-status").text, "rule created")
    stored = desk.get(f"/api/rules/{quoted_rule['id']}")
    assert stored["when"] == {"quoted": "Vladimir Putin"}
    # A quote opens its article.
    browser.find_element(By.CSS_SELECTOR, "#entity-quotes li button.title").click()
    until(
        browser,
        lambda d: (
            d.find_element(By.ID, "article").get_attribute("data-id")
            == page["latest_quotes"][0]["article_id"]
        ),
        "quote's article",
    )


def test_the_chart_and_the_map_filter_the_desk_and_headlines_replace_furniture(
    desk: Desk, browser: WebDriver
) -> None:
    counts = desk.get("/api/articles", size=1)["countries"]
    _open(browser, desk)
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#overview-chart canvas"), "articles over time")
    until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map path.country")) > 150, "world map")
    shaded = {
        e.get_attribute("data-code")
        for e in browser.find_elements(By.CSS_SELECTOR, "#map path.country:not(.level-0)")
    }
    assert shaded == {code for code in counts if code in shaded} and {"RU", "US", "FI"} <= shaded
    russia = browser.find_element(By.CSS_SELECTOR, '#map path[data-code="RU"] title')
    assert russia.get_attribute("textContent") == f"Russia: {counts['RU']} articles"
    shot(browser, "13-chart-and-map")
    browser.find_element(By.CSS_SELECTOR, '#map path[data-code="FI"]').click()
    until(browser, lambda d: "country: FI" in d.find_element(By.ID, "active-filters").text, "country filter")
    finnish = desk.get("/api/stories", country="FI")["stories"]
    until(
        browser,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#stories li.story-row")) == len(finnish),
        "stories of Finland",
    )

    # Headlines: an article whose scraped title is furniture shows its lead, marked, and
    # keeps the given title in view.
    listed = desk.get("/api/articles", size=100, sort="oldest", facets="false")["articles"]
    derived = [a for a in listed if a["headline_derived"] and a["title"] in FURNITURE]
    assert derived, "the summit coverage has scraped titles that are page furniture"
    article = desk.get(f"/api/articles/{derived[0]['id']}")
    browser.execute_script("openArticle(arguments[0])", article["id"])
    until(
        browser, lambda d: d.find_element(By.ID, "article").get_attribute("data-id") == article["id"], "open"
    )
    title = browser.find_element(By.ID, "article-title").text
    assert title.startswith(article["headline"]) and "from lead" in title.lower()
    assert article["title"] in browser.find_element(By.ID, "article-given-title").text
    assert not page_errors(browser)


def test_a_watchlist_counts_new_articles_and_becomes_a_rule(desk: Desk, browser: WebDriver) -> None:
    _open(browser, desk)
    _sign_in(browser)
    browser.find_element(By.ID, "q").send_keys("Kremlin", Keys.ENTER)
    until(browser, lambda d: "articles" in d.find_element(By.ID, "total").text, "searched")
    browser.find_element(By.ID, "watch-name").send_keys("Kremlin")
    browser.find_element(By.ID, "watch-add").click()
    until(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#watch-tabs button[data-watch="Kremlin"]'), "tab"
    )
    # New articles on the watched words arrive: the tab counts them.
    more = [
        json.dumps(
            {"title": f"Kremlin statement {n}", "body": f"The Kremlin said on day {n} that talks go on."}
        )
        for n in range(3)
    ]
    desk.world.produce([m.encode() for m in more])
    desk.world.run_pipeline()
    badge = '#watchlists [data-badge="Kremlin"]'
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, badge).text == "3", "three new", timeout=90)
    shot(browser, "14-watchlist")
    browser.find_element(By.CSS_SELECTOR, "#watch-tabs .watch-rule").click()
    until(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, '#rules li[data-id="watch-kremlin"]'),
        "rule listed",
    )
    assert desk.get("/api/rules/watch-kremlin")["when"]["phrase"]["text"] == "Kremlin"


def test_breaking_news_alerts_once_per_story_and_tops_the_desk_at_that_moment(
    desk: Desk, browser: WebDriver
) -> None:
    breaking = desk.get("/api/alerts", rule="breaking-news", size=100)["alerts"]
    assert breaking, "the summit coverage, replayed in event time, breaks"
    assert len({a["story_id"] for a in breaking}) == len(breaking)  # once per story
    first = min(breaking, key=lambda a: a["window_end"])
    assert first["kind"] == "story_growth" and first["matched"][0].startswith("story_growth:")
    at = first["window_end"]
    stories = desk.get("/api/stories", until=at)["stories"]
    marked = [s["story_id"] for s in stories if s["breaking"]]
    assert first["story_id"] in marked and stories[: len(marked)] == [s for s in stories if s["breaking"]]
    browser.get(f"{desk.server.url}/?until={at}")
    row = f'#stories li.story-row.breaking[data-story="{first["story_id"]}"]'
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, row), "the breaking story marked")
    rows = browser.find_elements(By.CSS_SELECTOR, "#stories li.story-row")
    assert [r.get_attribute("data-story") for r in rows[: len(marked)]] == marked  # breaking first
    assert all(
        r.find_element(By.CSS_SELECTOR, ".breaking-mark").text.startswith("BREAKING")
        for r in rows[: len(marked)]
    )
    # Its alert card says why.
    card = f'#alerts li[data-group="{first["group"]}"] .why'
    until(browser, lambda d: "story_growth" in d.find_element(By.CSS_SELECTOR, card).text, "why it broke")
    shot(browser, "15-breaking-news")
