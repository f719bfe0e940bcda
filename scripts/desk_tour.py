"""The README's screenshot and tour, taken from a running desk (after ``make demo``, on
its real articles; never from test fixtures) in headless Chromium:

    .venv/bin/python scripts/desk_tour.py [--url http://127.0.0.1:8080/]

Writes docs/images/dashboard.png (the front page at the moment of the demo's first
breaking story) and docs/images/tour-1-story.png, tour-2-entity.png, tour-3-wall-screen.png.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def _get(url: str, path: str, **params: Any) -> Any:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    # The desk URL is the operator's own (--url), http(s) only.
    with urllib.request.urlopen(url.rstrip("/") + path + query, timeout=30) as response:  # noqa: S310
        return json.load(response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8080/")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    breaking = _get(url, "/api/alerts", rule="breaking-news", size=100)["alerts"]
    until = min((a["window_end"] for a in breaking), default=None)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1600,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )
    wait = WebDriverWait(driver, 60, poll_frequency=0.25)
    try:
        driver.get(url + "/" + (f"?until={urllib.parse.quote(until)}" if until else ""))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#stories li.story-row"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map path.country.level-5"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#stories .spark canvas"))
        time.sleep(0.5)  # a screenshot, not a test: let the charts finish drawing
        IMAGES.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(IMAGES / "dashboard.png"))
        driver.find_element(By.CSS_SELECTOR, "#stories li.story-row > .title").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#story-sources li.source-group"))
        driver.save_screenshot(str(IMAGES / "tour-1-story.png"))
        driver.execute_script("openEntity('Vladimir Putin')")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#entity-chart canvas"))
        time.sleep(0.5)
        driver.save_screenshot(str(IMAGES / "tour-2-entity.png"))
        driver.find_element(By.TAG_NAME, "body").send_keys("L")
        driver.find_element(By.TAG_NAME, "body").send_keys("j")
        time.sleep(0.5)
        driver.save_screenshot(str(IMAGES / "tour-3-wall-screen.png"))
    finally:
        driver.quit()
    print(f"screenshots in {IMAGES} (front page at {until or 'the newest article'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
