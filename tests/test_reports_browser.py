"""The report pages open from disk in headless Chromium: every chart draws, the console stays
clean, nothing is fetched from outside file://, and repo ids with markup stay text.

Chromium is started once for the module. Without /usr/bin/chromium and chromedriver the tests
skip (CI installs both: apt packages chromium and chromium-driver).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_reports_fixture as fx  # noqa: E402  (also makes `hubstudy` importable from src/)

from hubstudy.reports import PAGES  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# chrome:// and chrome-untrusted:// are the browser's own built-in pages (the start page can still be
# loading its resources when the first report opens): internal, never the network.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "chrome-untrusted:")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    return fx.built_reports(tmp_path_factory, "full")[1]


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # Browser console (level SEVERE = errors) and the network log (every request the page makes).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the page screenshots go (under pytest's tmp dir; see the test output's paths)."""
    return tmp_path_factory.mktemp("screenshots")


def _open(driver, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop anything left from the previous page
    driver.get_log("performance")
    driver.get(path.as_uri())
    charts = int(driver.find_element("css selector", "body").get_attribute("data-charts"))
    if charts:
        WebDriverWait(driver, 30).until(
            lambda d: d.find_element("css selector", "body").get_attribute("data-charts-done") == "true"
        )


def _requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat(performance.getEntriesByType('navigation').map(e => e.name));"
    )
    return urls + list(resources)


@pytest.mark.parametrize("slug", [slug for slug, _ in PAGES])
def test_every_page_renders_offline_with_a_clean_console(driver, report_dir, screenshots, slug):
    _open(driver, report_dir / f"{slug}.html")
    driver.save_screenshot(str(screenshots / f"{slug}.png"))

    containers = driver.find_elements("css selector", "div.vega[data-chart]")
    expected = int(driver.find_element("css selector", "body").get_attribute("data-charts"))
    assert len(containers) == expected
    for el in containers:
        assert el.get_attribute("data-rendered") == "true", el.get_attribute("id")
        assert el.find_elements("css selector", "svg, canvas"), f"no svg/canvas in {el.get_attribute('id')}"

    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []

    outside = [u for u in _requested_urls(driver) if not u.startswith(LOCAL_SCHEMES)]
    assert outside == []

    banner = driver.find_elements("css selector", "[data-generated='true']")
    assert banner and "synthetic" in banner[0].text


def test_markup_in_repo_ids_is_shown_as_text(driver, report_dir):
    from selenium.common.exceptions import NoAlertPresentException

    for slug in ("growth", "quality"):
        _open(driver, report_dir / f"{slug}.html")
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text
        body = driver.find_element("css selector", "body").text
        # Injected markup would show up as elements: a script whose whole text is the payload, or
        # the <img onerror> of the missing parent. (The chart data holds the ids too, but as JSON
        # in a non-executed script, with '<' escaped.)
        injected = driver.execute_script(
            "return Array.from(document.scripts).filter(s => s.textContent.trim() === 'alert(1)').length"
            " + document.querySelectorAll('img[onerror], img[src=x]').length;"
        )
        assert injected == 0
        if slug == "growth":
            assert fx.EVIL_ID in body
        else:
            assert fx.EVIL_MISSING in body


def test_chart_tooltip_shows_markup_as_text(driver, report_dir):
    from selenium.webdriver.common.action_chains import ActionChains

    _open(driver, report_dir / "growth.html")
    # A bar of the top-parents chart whose tooltip carries the markup-named parent.
    marks = [
        m for m in driver.find_elements("css selector", "#chart-top-parents path[aria-label]")
        if "alert(1)" in (m.get_attribute("aria-label") or "")
    ]
    assert marks, "no chart mark for the markup-named parent"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", marks[0])
    ActionChains(driver).move_to_element(marks[0]).perform()
    tooltip = driver.find_element("css selector", "#vg-tooltip-element")
    html = tooltip.get_attribute("innerHTML")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;/x" in html
    assert not tooltip.find_elements("css selector", "script")
