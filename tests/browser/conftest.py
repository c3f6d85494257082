"""A real browser for the admin: Debian's headless Chromium driven by Playwright's sync API.

Tests here carry the `browser` marker (skipped without /usr/bin/chromium, an error in CI) and run
against pytest-django's `live_server`. On a failure every open page is saved as a screenshot under
the test's tmp_path, and the paths are printed. The `screenshot` fixture keeps the pages a flow shows
(the officer's and the expert's workbench) as artifacts: PNGs under `$SCREENSHOT_DIR`, by default
`var/screenshots/` (CI prints where they are).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def chromium() -> Iterator[object]:
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
    # meanwhile (building data, checking the access log) are still plain synchronous code. With that
    # loop running, Django keeps this thread's database connections per async context rather than per
    # thread, so the loop lives for one test only: a session-long one would hide the connection that
    # holds the serialized database from the next transactional test, which would then start empty.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")


def _file_name(text: str) -> str:
    return re.sub(r"[^\w-]+", "_", text)


@pytest.fixture
def screenshot(request) -> Callable[..., Path]:  # type: ignore[no-untyped-def]
    """screenshot(page, "step") → the whole page saved as <test name>-<nn>-<step>.png in SCREENSHOT_DIR."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = _file_name(request.node.name)
    taken: list[Path] = []

    def take(page, step: str) -> Path:  # type: ignore[no-untyped-def]
        path = SCREENSHOT_DIR / f"{test_name}-{len(taken) + 1:02d}-{_file_name(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return take


@pytest.fixture
def new_page(chromium, live_server, request, tmp_path):  # type: ignore[no-untyped-def]
    """new_page() → a page in a fresh browser context (its own cookies: one per user), on the live server."""
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = chromium.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for number, context in enumerate(contexts):
            for page_number, page in enumerate(context.pages):
                path = tmp_path / f"failure-{number}-{page_number}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of {page.url}: {path}")
    for context in contexts:
        context.close()
