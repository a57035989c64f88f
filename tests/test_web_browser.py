"""The review pages in a real browser: Debian's headless chromium through chromedriver.

``.ci/ensure-chromium.sh`` installs both where they are absent; without them these
tests skip and say why. No browser is ever downloaded. Set
``PROVENANCE_SCREENSHOTS=docs`` to refresh the screenshots the README shows.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app as cli
from provenance.ingest import ingest
from provenance.store import Store
from provenance.web import create_app
from tests.support import SAMPLES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="chromium and chromium-driver are not installed "
        "(bash .ci/ensure-chromium.sh installs them)",
    ),
]


@pytest.fixture
def server(store: Store) -> Iterator[str]:
    """The demo database served on 127.0.0.1 at a free port, from a thread."""
    import uvicorn

    assert ingest(store, [SAMPLES]).ok
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(store), log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must not fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1150",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(driver: object, condition: object, what: str) -> None:
    """Wait for the page a click loads (a click returns before the navigation ends)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(
        driver,
        20,
        ignored_exceptions=(  # type: ignore[arg-type]
            NoSuchElementException,
            StaleElementReferenceException,
        ),
    ).until(condition, what)


def _shot(driver: object, tmp_path: Path, name: str) -> None:
    target = Path(os.environ.get("PROVENANCE_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    driver.save_screenshot(str(target / f"web-{name}.png"))  # type: ignore[attr-defined]


def test_review_a_quote_and_dismiss_a_flag_in_the_browser(
    server: str, browser: object, store: Store, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "/")  # type: ignore[attr-defined]
    _shot(d, tmp_path, "home")
    box = d.find_element(By.NAME, "q")  # type: ignore[attr-defined]
    box.send_keys("Gov. Ramires")  # misspelt, with a title: still the governor
    box.submit()
    _wait(d, lambda d: "/speakers?q=" in d.current_url, "speaker search")
    d.find_element(By.LINK_TEXT, "Alicia Ramírez").click()  # type: ignore[attr-defined]
    _wait(d, lambda d: "Alicia Ramírez" in d.find_element(By.TAG_NAME, "h1").text, "speaker page")
    _shot(d, tmp_path, "speaker")

    # Open a document from the speaker's quotes; its spans are highlighted by kind.
    d.find_element(By.CSS_SELECTOR, "td.small a").click()  # type: ignore[attr-defined]
    _wait(d, lambda d: "/documents/" in d.current_url, "document page")
    marks = d.find_elements(By.CSS_SELECTOR, "div.text mark")  # type: ignore[attr-defined]
    assert marks and all(m.is_displayed() for m in marks[:5])
    speaker_marks = [m for m in marks if "r-speaker" in m.get_attribute("class")]
    assert speaker_marks and "speaker: " in speaker_marks[0].get_attribute("title")
    colour = marks[0].value_of_css_property("background-color")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
    _shot(d, tmp_path, "document")

    # Click a quote's highlight, review it through the form.
    direct = next(m for m in marks if "k-direct r-content" in m.get_attribute("class"))
    qid = direct.get_attribute("data-quote")
    direct.click()
    _wait(d, lambda d: "/quotes/" in d.current_url, "quote page")
    d.find_element(By.NAME, "by").send_keys("Ana Ruiz")  # type: ignore[attr-defined]
    d.find_element(By.NAME, "note").send_keys("Matches the broadcast.")  # type: ignore[attr-defined]
    d.find_element(By.CSS_SELECTOR, "button[value=verified]").click()  # type: ignore[attr-defined]
    _wait(d, lambda d: "verified" in d.find_element(By.TAG_NAME, "h2").text, "review saved")
    assert "Matches the broadcast." in d.page_source  # type: ignore[attr-defined]
    _shot(d, tmp_path, "quote")

    # The conflicts queue: dismiss the most confident flag (the reviewer name is remembered).
    d.get(server + "/conflicts")  # type: ignore[attr-defined]
    card = d.find_element(By.CSS_SELECTOR, "div.card")  # type: ignore[attr-defined]
    flag = card.get_attribute("id").removeprefix("flag-")
    assert card.find_element(By.NAME, "by").get_attribute("value") == "Ana Ruiz"
    card.find_element(By.NAME, "note").send_keys("Different events, not a misquote.")
    card.find_element(By.CSS_SELECTOR, "button[value=dismissed]").click()
    # A dismissed flag leaves the queue (it stays down until its evidence changes).
    _wait(
        d,
        lambda d: "/conflicts" in d.current_url and not d.find_elements(By.ID, f"flag-{flag}"),
        "flag decision saved",
    )
    _shot(d, tmp_path, "conflicts")
    d.get(server + "/clusters")  # type: ignore[attr-defined]
    _shot(d, tmp_path, "clusters")

    db = store.url.removeprefix("sqlite:///")
    ok = CliRunner().invoke(cli, ["verify", "--db", db])
    assert ok.exit_code == 0 and ok.stdout.startswith("ok:"), ok.output
    listed = CliRunner().invoke(cli, ["reviews", "--db", db, "--format", "json"])
    rows = {(r["of"], r["id"]): r for r in json.loads(listed.stdout)}
    assert rows[("quote", qid)]["status"] == "verified"
    assert rows[("quote", qid)]["by"] == "Ana Ruiz"
    assert rows[("flag", flag)]["status"] == "dismissed"
    assert rows[("flag", flag)]["note"] == "Different events, not a misquote."
