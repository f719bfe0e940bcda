"""The dashboard end to end in real headless Chromium (Debian's, driven by Selenium):
create a rule, watch articles and the alert arrive live while the pipeline runs, see
hostile article text stay text, acknowledge, search, open an article, draw a trend.
Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from newsmon.settings import AlertSettings, ApiSettings
from tests.helpers import shared_file
from tests.integration.browsing import chromium, click, shot, until
from tests.integration.conftest import World
from tests.integration.servers import ApiServer

pytestmark = pytest.mark.browser

TOKEN = "browser-token-91c4"
HOSTILE_TITLE = '<img src=x onerror="window.__xss=1">Putin <b>bold</b> claim'


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    yield from chromium()


def test_the_desk_in_a_real_browser(world: World, browser: WebDriver, tmp_path: Path) -> None:
    world.settings = world.settings.model_copy(
        update={"alerts": AlertSettings(rules_dir=tmp_path), "api": ApiSettings(token=SecretStr(TOKEN))}
    )
    server = ApiServer(world.settings, world.engine)
    try:
        browser.get(server.url + "/")
        until(browser, lambda d: d.find_element(By.ID, "live-status").text == "live", "live stream connected")

        # Create a rule through the form (with the token).
        browser.find_element(By.ID, "token").send_keys(TOKEN)
        browser.find_element(By.ID, "save-token").click()
        browser.find_element(By.CSS_SELECTOR, '.tabs button[data-tab="rules"]').click()
        browser.find_element(By.ID, "rule-id").send_keys("ui-putin-quoted")
        browser.find_element(By.ID, "rule-name").send_keys("Putin quoted (from the UI)")
        Select(browser.find_element(By.ID, "rule-severity")).select_by_visible_text("high")
        Select(browser.find_element(By.ID, "rule-condition")).select_by_value("quoted")
        browser.find_element(By.ID, "rule-value").send_keys("Vladimir Putin")
        browser.find_element(By.CSS_SELECTOR, "#rule-form button[type=submit]").click()
        until(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, '#rules li[data-id="ui-putin-quoted"]'),
            "rule listed",
        )
        shot(browser, "1-rule-created")
        # Edit it: the stored rule comes back as JSON; a bad change is refused with the problem.
        browser.find_element(By.CSS_SELECTOR, '#rules li[data-id="ui-putin-quoted"] button.edit').click()
        editor = browser.find_element(By.ID, "rule-json")
        stored = json.loads(editor.get_attribute("value") or "{}")
        assert stored["when"] == {"quoted": "Vladimir Putin"} and stored["severity"] == "high"
        editor.clear()
        editor.send_keys(json.dumps({**stored, "when": {"phrase": {"regex": "(unclosed"}}}))
        browser.find_element(By.ID, "rule-submit").click()
        until(browser, lambda d: "bad regex" in d.find_element(By.ID, "rule-error").text, "problem shown")
        editor.clear()
        editor.send_keys(json.dumps({**stored, "name": "Putin quoted (from the UI)", "owner": "russia-desk"}))
        browser.find_element(By.ID, "rule-submit").click()
        until(browser, lambda d: not d.find_element(By.ID, "rule-json").get_attribute("value"), "rule saved")

        # Articles go through the real pipeline; the page is watching.
        seed = {
            "title": "Johnson and Putin discuss Ukraine",
            "body": shared_file("seed-article.txt").read_text(),
        }
        hostile = {
            "title": HOSTILE_TITLE,
            "body": '<script>window.__xss=2</script> "We will not allow it," Vladimir Putin said on Tuesday.',
            "source": "hostile.example",
        }
        world.produce([json.dumps({**seed, "source": "seed"}).encode(), json.dumps(hostile).encode()])
        world.run_pipeline()
        browser.find_element(By.CSS_SELECTOR, '.front-tabs button[data-front="articles"]').click()
        until(
            browser,
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#live-articles li")) >= 2,
            "live articles",
        )
        alert_item = '#alerts li.new[class*="sev-high"]'
        until(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, alert_item),
            "new alert",
        )
        shot(browser, "2-live-articles-and-alert")

        # Hostile text stayed text: no element was created from it, no script ran.
        titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#live-articles li .title")]
        assert HOSTILE_TITLE in titles
        assert not browser.find_elements(By.CSS_SELECTOR, "#live-articles img, #live-articles b, #alerts img")
        assert browser.execute_script("return window.__xss === undefined")
        # The same in the stories list (live), the story view and the hostile article's
        # entity page.
        browser.find_element(By.CSS_SELECTOR, '.front-tabs button[data-front="stories"]').click()

        def hostile_story(d: WebDriver) -> bool:
            for row in d.find_elements(By.CSS_SELECTOR, "#stories li.story-row > .title"):
                if row.text == HOSTILE_TITLE:
                    row.click()
                    return True
            return False

        until(browser, hostile_story, "hostile story listed and opened")
        until(browser, lambda d: d.find_element(By.ID, "story-headline").text == HOSTILE_TITLE, "story view")
        browser.execute_script("openEntity('Vladimir Putin')")
        until(browser, lambda d: d.find_element(By.ID, "entity-name").text == "Vladimir Putin", "entity page")
        for view in ("#stories", "#story-view", "#entity-view", "#map"):
            assert not browser.find_elements(By.CSS_SELECTOR, f"{view} img, {view} b, {view} script")
        assert browser.execute_script("return window.__xss === undefined")
        browser.find_element(By.CSS_SELECTOR, '.front-tabs button[data-front="articles"]').click()

        # Acknowledge the seed's alert.
        seed_alert = next(
            e for e in browser.find_elements(By.CSS_SELECTOR, "#alerts li") if "Johnson and Putin" in e.text
        )
        assert "quoted: Vladimir Putin" in seed_alert.find_element(By.CSS_SELECTOR, ".why").text
        seed_alert.find_element(By.CSS_SELECTOR, "button.ack").click()
        until(browser, lambda d: "acknowledged" in (seed_alert.get_attribute("class") or ""), "acknowledged")

        # Search, with facets; open the seed article with its entities and quotes marked.
        search_box = browser.find_element(By.ID, "q")
        search_box.send_keys("Johnson Putin", Keys.ENTER)
        until(
            browser, lambda d: "Johnson and Putin" in d.find_element(By.ID, "results").text, "search results"
        )
        assert browser.find_elements(By.CSS_SELECTOR, '#facets [data-facet="entities"] button')
        shot(browser, "3-search")
        browser.find_element(By.CSS_SELECTOR, "#results li .title").click()
        until(
            browser,
            lambda d: d.find_element(By.ID, "article-title").text.startswith("Johnson"),
            "article open",
        )
        marked = browser.find_elements(By.CSS_SELECTOR, "#article-body span.entity-PERSON")
        assert {"Putin", "Boris Johnson"} & {m.text for m in marked}
        assert browser.find_elements(By.CSS_SELECTOR, "#article-body span.quote")
        assert "Boris Johnson" in browser.find_element(By.ID, "article-quotes").text
        assert "Putin quoted (from the UI)" in browser.find_element(By.ID, "article-alerts").text
        shot(browser, "4-article")
        # The article's story: one click filters the search on it.
        story_chip = browser.find_element(
            By.XPATH, '//div[@id="article-lineage"]/button[contains(., "all articles of this story")]'
        )
        story_chip.click()
        until(browser, lambda d: "story:" in d.find_element(By.ID, "filters").text, "story filter")
        until(
            browser, lambda d: "Johnson and Putin" in d.find_element(By.ID, "results").text, "story results"
        )

        # A trend chart for an entity.
        browser.find_element(By.CSS_SELECTOR, '.tabs button[data-tab="trends"]').click()
        browser.find_element(By.ID, "trend-entities").send_keys("Vladimir Putin", Keys.ENTER)
        until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#trend-chart canvas"), "trend chart")
        shot(browser, "5-trends")
    finally:
        server.close()


def _fundus_page(name: str) -> dict[str, str]:
    rows = [json.loads(line) for line in shared_file("fundus/fundus_articles.jsonl").read_text().splitlines()]
    row = next(r for r in rows if name in r["html_file"])
    return {"title": row["title"], "body": row["text"], "url": row["url"], "source": row["publisher"]}


def test_the_language_facet_and_a_german_article_marked(world: World, browser: WebDriver) -> None:
    """A German page (ZDF, on Putin's nationalities policy) and the English seed article:
    the search's language facet narrows to the German one, which opens with its entities
    and quotes marked and Putin as a quote's speaker."""
    german = _fundus_page("ZDF_2025_11_07")
    seed = {"title": "Johnson and Putin discuss Ukraine", "body": shared_file("seed-article.txt").read_text()}
    world.produce([json.dumps({**seed, "source": "seed"}).encode(), json.dumps(german).encode()])
    world.run_pipeline()
    server = ApiServer(world.settings, world.engine)
    try:
        browser.get(server.url + "/")
        browser.find_element(By.ID, "q").send_keys("Putin", Keys.ENTER)
        language = '#facets [data-facet="languages"] button'
        # The facets are drawn anew on each search and live update: read and click them
        # inside the waits (a stale element is retried).
        until(
            browser,
            lambda d: (
                sorted(b.text for b in d.find_elements(By.CSS_SELECTOR, language)) == ["de (1)", "en (1)"]
            ),
            "language facet",
        )
        german_chip = '//div[@data-facet="languages"]//button[.="de (1)"]'
        until(browser, lambda d: click(d, By.XPATH, german_chip), "German chosen")
        until(browser, lambda d: "language: de" in d.find_element(By.ID, "filters").text, "language filter")
        until(
            browser,
            lambda d: (
                [e.text for e in d.find_elements(By.CSS_SELECTOR, "#results li .title")] == [german["title"]]
            ),
            "only the German article",
        )
        shot(browser, "6-language-facet")
        until(browser, lambda d: click(d, By.CSS_SELECTOR, "#results li .title"), "opened")
        until(
            browser, lambda d: d.find_element(By.ID, "article-title").text == german["title"], "article open"
        )
        assert "de" in browser.find_element(By.ID, "article-meta").text.split(" · ")
        people = {m.text for m in browser.find_elements(By.CSS_SELECTOR, "#article-body span.entity-PERSON")}
        assert people & {"Putin", "Wladimir Putin", "Putins"}
        places = {
            m.get_attribute("title")
            for m in browser.find_elements(By.CSS_SELECTOR, "#article-body span.entity-GPE")
        }
        assert "Russia (GPE)" in places and "Ukraine (GPE)" in places
        assert browser.find_elements(By.CSS_SELECTOR, "#article-body span.quote")
        assert "Vladimir Putin" in browser.find_element(By.ID, "article-quotes").text
        browser.execute_script("document.getElementById('article').scrollIntoView()")
        shot(browser, "7-german-article")
    finally:
        server.close()
