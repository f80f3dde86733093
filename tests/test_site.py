"""The course website: built from the executed notebooks, then checked in headless Chromium.

Needs the ``site`` extra (Sphinx, MyST-NB, the book theme, selenium) and Debian's ``chromium`` and
``chromium-driver`` (CI installs both in ``.ci/run``); without them the check is skipped, saying why.
"""
import importlib.util
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
MISSING = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme", "selenium") if importlib.util.find_spec(name) is None]
MISSING += [tool for tool in ("chromium", "chromedriver") if shutil.which(tool) is None]
if MISSING and os.environ.get("SSL_COURSE_REQUIRE_SITE_CHECK"):  # CI (.ci/run): a missing tool is a failure
    raise RuntimeError(f"the website check needs {', '.join(MISSING)}")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(MISSING), reason=f"website check needs {', '.join(MISSING)}")]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "build" / "site-screenshots"


def load_script():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site's folder and what Sphinx warned while building it."""
    out = tmp_path_factory.mktemp("site")
    warnings = tmp_path_factory.mktemp("log") / "warnings.txt"
    assert load_script().build(out, stage=tmp_path_factory.mktemp("stage"), warnings=warnings) == 0
    return out, warnings.read_text() if warnings.exists() else ""


@pytest.fixture(scope="module")
def site(built):
    return built[0]


def test_the_site_builds_without_a_single_warning(built):
    assert built[1].strip() == "", "Sphinx / docutils warnings:\n" + built[1]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def test_every_page_the_course_promises_is_built(site):
    for page in ["index", "reference_runs", "instructors", "api", "theory", "results", "measurements"]:
        assert (site / f"{page}.html").exists(), page
    for stem in NOTEBOOKS:
        assert (site / "notebooks" / f"{stem}.html").exists(), stem
    index = (site / "index.html").read_text()
    assert all(f"notebooks/{stem}.html" in index for stem in NOTEBOOKS)  # the course table links every notebook
    words = re.sub(r"<[^>]+>", "", index)  # the highlighted commands are split into spans
    assert "ssl-course demo" in words and "jupyter lab notebooks/" in words and "Where to go next" in words
    assert not re.search(r"20\d\d-\d\d-\d\d", index), "dated measurements belong on the measurements page"
    assert "ssl_course.theory.wen_li" in (site / "api.html").read_text()
    assert "phase-w" in (site / "reference_runs.html").read_text() or "simsiam" in (site / "reference_runs.html").read_text()


def check_page(driver, site: Path, path: str) -> list[str]:
    """Open ``path`` of the built site; every problem found on it, one line each."""
    driver.get((site / path).as_uri())
    problems = []
    broken = driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    problems += [f"{path}: image does not load: {src}" for src in broken]
    problems += [f"{path}: console: {entry['message']}" for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    for href in driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
        url = urlparse(urldefrag(href)[0])
        if url.scheme == "file" and not Path(url.path).exists():
            problems.append(f"{path}: link to a missing page: {url.path}")
    return problems


PLUMBING = ("NBVAL", "BEGIN SOLUTION", "END SOLUTION", "/content/ssl_course", "git clone", "course install failed")  # the install cell


def test_notebook_pages_show_the_course_not_its_plumbing(site, browser):
    """What a reader sees: no test directives, no nbgrader markers, no install code, no bare ``True`` under a
    checker's message; every exercise has its solution folded away."""
    problems = []
    for stem in NOTEBOOKS:
        browser.get((site / "notebooks" / f"{stem}.html").as_uri())
        text = browser.execute_script("return document.body.innerText")
        problems += [f"{stem}: shows {word!r}" for word in PLUMBING if word in text]
        problems += [f"{stem}: a checker's message is followed by True" for _ in re.finditer(r"Well (done|predicted)![^\n]*\n+True\b", text)]
        exercises = len(re.findall(r"### BEGIN SOLUTION", (ROOT / "notebooks" / f"{stem}.ipynb").read_text()))
        folded = browser.execute_script("return document.querySelectorAll('details.hide.above-input, details.above-input').length")
        if folded < exercises:
            problems.append(f"{stem}: {exercises} exercises but {folded} folded solutions")
    assert not problems, "\n".join(problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.get((site / "notebooks" / "03_simsiam.html").as_uri())
    assert browser.save_screenshot(str(SCREENSHOTS / "notebook03_first_screen.png"))  # what a reader sees first


def test_pages_render_in_chromium_with_images_and_links(site, browser):
    pages = ["index.html", "reference_runs.html"] + [f"notebooks/{stem}.html" for stem in NOTEBOOKS]
    problems = [problem for page in pages for problem in check_page(browser, site, page)]
    assert not problems, "\n".join(problems)
    images = browser.execute_script("return document.images.length")  # the last page: a notebook with figures
    assert images >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page, name in (("index.html", "index.png"), ("notebooks/05_substitution_acceleration.html", "notebook05.png")):
        browser.get((site / page).as_uri())
        assert browser.save_screenshot(str(SCREENSHOTS / name))
