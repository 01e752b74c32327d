"""Browser tests: Playwright drives Debian's Chromium, headless, against pytest-django's live
server; axe-core checks the pages' accessibility.

- ``page``: a fresh browser context and page per test, at the ``viewport`` ("laptop" unless the
  test parametrizes it: ``@pytest.mark.parametrize("viewport", ["phone", "laptop"])``); its
  addresses are relative to the live server (``page.goto("/events/ga-2025/")``). A full-page
  screenshot of the last state is saved when the test ends. The pages' Content-Security-Policy
  is enforced, and the test fails when the browser reports a violation of it.
- ``login(user)``: the user is signed in in the browser, without typing a password.
- ``screenshot(label)``: a full-page screenshot of the page now, under ``$SCREENSHOT_DIR``.
- ``assert_accessible(page)``: axe-core finds no serious or critical WCAG 2.1 A/AA violation.
- ``assert_fits_viewport(page)``: the page does not scroll sideways.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import real_worker

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The machine's network is closed: no background connections, nothing to update or sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1366, "height": 900}}
# Runs in every document before its own scripts (injected by the browser, not the page, so
# the policy does not stop it) and reports each violation of the policy to the test.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation(
  `${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile || location.href}:${e.lineNumber}`));"""


@pytest.fixture(scope="package")
def _async_unsafe_allowed() -> Iterator[None]:
    """While Playwright's sync API is started it keeps an event loop running in this thread,
    which Django takes for an async context and refuses database queries in. The guard is
    relaxed for the browser tests only, for as long as Playwright runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_async_unsafe_allowed: None) -> Iterator[Browser]:
    """Debian's Chromium (``make test`` installs it), once for the browser tests: for the
    package, not the session, so that Playwright's event loop stops before the other tests."""
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    assert Path(executable).is_file(), f"{executable} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _server_cache_of_its_own(_cache_of_its_own: None, settings: Any) -> None:
    """The live server's threads make their own cache connections, which the suite's per-test
    key prefix (set on the test thread's) does not reach: the settings carry the prefix
    instead, for every thread, so that nothing cached by an earlier test or run (on Redis,
    a feed's token state under the same id) is read back."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"e2e-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(scope="package")
def worker() -> Iterator[object]:
    """A real Celery worker for the browser tests that need one (the e-mailed sign-in link,
    imports), stopped after the last browser test."""
    with real_worker() as running:
        yield running


@pytest.fixture
def viewport() -> str:
    return "laptop"


def _screenshot_path(request: pytest.FixtureRequest, label: str = "") -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    return folder / f"{name}{'-' + label if label else ''}.png"


@pytest.fixture
def page(browser: Browser, live_server, viewport: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page of its own browser context (no cookies yet), at the test's viewport; the test
    fails if a page violates its Content-Security-Policy."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport], locale="en-GB")
    context.set_default_timeout(10_000)
    violations: list[str] = []
    context.expose_binding("__cspViolation", lambda source, text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    opened = context.new_page()
    yield opened
    opened.screenshot(path=_screenshot_path(request), full_page=True)
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """``screenshot(label)`` saves the whole page now, named after the test, viewport and label."""

    def take(label: str) -> Path:
        path = _screenshot_path(request, label)
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def login(page: Page, live_server) -> Callable[[object], None]:
    """``login(user)`` signs the user in in the browser: the session of a test client's
    ``force_login``, handed to the browser as its session cookie."""

    def sign_in(user: object) -> None:
        client = Client()
        client.force_login(user)
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
            "httpOnly": True,
            "sameSite": "Lax",
        }
        page.context.add_cookies([cookie])

    return sign_in


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """``assert_accessible(page)`` fails on any serious or critical axe-core violation of WCAG
    2.1 A and AA on the page as it is now, listing each with the elements concerned.

    ``known=("rule-id",)`` tolerates a violation already reported against the page, and fails
    once it is gone, so that the exception is removed with the fix.
    """

    def check(page: Page, known: tuple[str, ...] = ()) -> None:
        # Evaluated by the browser's debugging protocol, which the page's policy does not
        # govern (a <script> tag added to the page would be refused by it).
        page.evaluate(AXE.read_text(encoding="utf-8"))
        results = page.evaluate("rules => axe.run(document, {runOnly: rules})", AXE_RULES)
        serious = {v["id"]: v for v in results["violations"] if v["impact"] in ("serious", "critical")}
        found = [
            f"{v['impact']} {rule}: {v['help']} at {', '.join(' '.join(map(str, n['target'])) for n in v['nodes'])}"
            for rule, v in serious.items()
            if rule not in known
        ]
        found += [f"{rule} is known but no longer found: take it out of known" for rule in known if rule not in serious]
        if found:
            pytest.fail(f"axe-core on {page.url}:\n" + "\n".join(found), pytrace=False)

    return check


@pytest.fixture
def assert_fits_viewport() -> Callable[[Page], None]:
    """``assert_fits_viewport(page)``: nothing makes the page scroll sideways."""

    def check(page: Page) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"

    return check
