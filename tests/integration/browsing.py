"""Real headless Chromium (Debian's, driven by Selenium) for the desk's browser tests:
the driver fixture, waits on conditions with deadlines, and screenshots under
test-artifacts/screenshots/."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import REPO

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def _find(name: str, *candidates: str) -> str:
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail(
        f"{name} not found: run scripts/bootstrap-system.sh --test (Debian chromium, chromium-driver)"
    )


def chromium(width: int = 1600, height: int = 1000) -> Iterator[WebDriver]:
    """A headless Chromium session, closed afterwards (the body of the fixtures)."""
    options = webdriver.ChromeOptions()
    options.binary_location = _find("chromium", "chromium", "chromium-browser")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(_find("chromedriver", "chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def until(
    driver: WebDriver, condition: Callable[[WebDriver], object], what: str, timeout: float = 60
) -> object:
    """Wait for ``condition`` (retried while elements go stale), failing with ``what``."""
    return WebDriverWait(
        driver, timeout, poll_frequency=0.25, ignored_exceptions=(WebDriverException,)
    ).until(condition, message=what)


def click(driver: WebDriver, by: str, selector: str) -> bool:
    """Click the element now matching ``selector`` (for waits: a stale one is retried)."""
    driver.find_element(by, selector).click()
    return True


def shot(driver: WebDriver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def page_errors(driver: WebDriver) -> list[str]:
    """Severe console messages since the last call: script errors, CSP refusals."""
    entries: list[dict[str, str]] = driver.get_log("browser")  # type: ignore[attr-defined]  # Chrome only
    return [e["message"] for e in entries if e.get("level") == "SEVERE"]
