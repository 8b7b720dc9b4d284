"""The storyboard page in headless Chromium (Debian's chromium + chromedriver, driven
by Selenium): one card per shot, clicking plays the MP4 from the shot's time, and a
screenshot shows the thumbnails."""

from __future__ import annotations

import io
import shutil
import time

import numpy as np
import pytest

from previzkit.edit.storyboard import write_storyboard
from previzkit.edit.timeline import cut_events, load_cut

pytestmark = pytest.mark.media


@pytest.fixture(scope="module")
def board(cut_file, rendered, tmp_path_factory):
    out = tmp_path_factory.mktemp("board")
    return write_storyboard(cut_file, out, video=rendered)


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver")
    if not chromium or not driver_bin:
        pytest.skip("needs Debian's chromium and chromium-driver (scripts/setup.d/50-chromium.sh)")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1200,900",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
    yield driver
    driver.quit()


def test_page_files(board, cut_file):
    clips = [e for e in cut_events(load_cut(cut_file)) if e.slate is None]
    html = board.read_text()
    assert html.count('class="card"') == len(clips)
    assert len(list((board.parent / "thumbs").glob("*.jpg"))) == len(clips)
    assert "Jonas? The crew wrapped an hour ago." in html
    assert 'class="slate">Scene 2: INT. WAREHOUSE - NIGHT' in html


def _wait(driver, script, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_click_plays_from_the_shot(browser, board, cut_file):
    from selenium.webdriver.common.by import By

    browser.get(board.as_uri())
    _wait(browser, "return document.getElementById('player').readyState >= 1")
    cards = browser.find_elements(By.CSS_SELECTOR, ".card")
    clips = [e for e in cut_events(load_cut(cut_file)) if e.slate is None]
    assert len(cards) == len(clips)
    k = 3
    start = clips[k].record_in / 24
    assert float(cards[k].get_attribute("data-start")) == pytest.approx(start, abs=1e-3)
    cards[k].click()
    t = _wait(
        browser,
        f"const p = document.getElementById('player');"
        f"return p.currentTime >= {start - 0.01} && p.currentTime;",
    )
    assert start - 0.01 <= t < start + 2.0
    assert "playing" in cards[k].get_attribute("class")
    err = browser.execute_script(
        "const e = document.getElementById('player').error; return e && e.code"
    )
    assert err is None


def test_screenshot_shows_the_thumbnails(browser, board):
    from PIL import Image
    from selenium.webdriver.common.by import By

    browser.get(board.as_uri())
    _wait(browser, "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    img = browser.find_elements(By.CSS_SELECTOR, ".card img")[0]
    browser.execute_script("arguments[0].scrollIntoView()", img)
    shot = np.asarray(
        Image.open(io.BytesIO(img.screenshot_as_png)).convert("RGB").resize((320, 180))
    )
    thumb = np.asarray(Image.open(board.parent / "thumbs" / "000.jpg").convert("RGB"))
    assert np.abs(shot.astype(int) - thumb.astype(int)).mean() < 12
    page = np.asarray(Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB"))
    assert page.std() > 10  # not a blank page


def test_headset_snapshots_are_shown_by_shot(cut_file, rendered, tmp_path):
    import json

    from tests.helpers import ASSETS

    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    shutil.copy(ASSETS / "images" / "grace_hopper.jpg", snaps / "1-B_001.jpg")
    meta = {"shot": "1-B", "camera": "1-B", "focal_mm": 85.0, "aspect": 16 / 9}
    (snaps / "1-B_001.json").write_text(json.dumps(meta))
    index = write_storyboard(cut_file, tmp_path / "board", video=rendered, snapshots=snaps)
    html = index.read_text()
    assert "Headset snapshots" in html and "Sh 1-B · 85 mm · 1.78:1 · camera 1-B" in html
    assert (index.parent / "snapshots" / "1-B_001.jpg").is_file()
