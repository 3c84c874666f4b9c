"""Build the website from the committed outputs and open every page in headless Chromium.

Each page must load with no console errors and no failed requests, render its maths
(MathJax, served from the site itself), show every image, and have internal links that
resolve to an existing page and anchor. Chromium is Debian's package (``.ci/run``
installs it); Playwright drives it, so no browser is downloaded.
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _chromium():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("VKLIB_SKIP_BROWSER") == "1":
        pytest.skip("VKLIB_SKIP_BROWSER=1 and no chromium")
    pytest.fail("the website test needs Debian's chromium: `apt-get install -y chromium` (.ci/run does this)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    exe = Path(sys.executable).with_name("jupyter-book")
    jb = [str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book")]
    result = subprocess.run(jb + ["build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    assert "WARNING" not in log, f"the build printed warnings:\n{log[-6000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _pages(html):
    return sorted(p.relative_to(html).as_posix() for p in (html / "chapters").glob("*.html"))


def test_build_contains_the_pages_of_the_toc(site):
    html, _ = site
    pages = _pages(html)
    assert "chapters/intro.html" in pages and "chapters/00_getting_started.html" in pages
    assert (html / "_static" / "mathjax" / "tex-svg.js").exists()


def test_no_empty_index_page_and_no_link_to_one(site):
    # The book defines no index entries, so Sphinx's general index would be an empty page.
    html, _ = site
    assert not (html / "genindex.html").exists(), "the empty Index page is built"
    linking = [p.relative_to(html).as_posix() for p in html.rglob("*.html") if "genindex" in p.read_text()]
    assert not linking, f"pages link to the (absent) Index page: {linking}"


def test_every_page_loads_cleanly_in_chromium(site):
    playwright = pytest.importorskip("playwright.sync_api")
    html, base = site
    pages = _pages(html)
    problems = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        current = {}
        page.on("console", lambda m: m.type == "error" and problems.append(f"{current['page']}: console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"{current['page']}: page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"{current['page']}: request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{current['page']}: HTTP {r.status}: {r.url}"))
        for rel in pages:
            current["page"] = rel
            response = page.goto(base + rel, wait_until="networkidle")
            assert response.status == 200, rel
            source = (html / rel).read_text()
            if re.search(r'class="math', source):
                # "attached", not "visible": maths in a heading also sits in the page-contents
                # sidebar, which a narrow window hides.
                page.wait_for_selector("mjx-container", state="attached", timeout=20000)
                raw = page.evaluate("""() => [...document.querySelectorAll('.math')]
                    .filter(e => !e.querySelector('mjx-container')).length""")
                if raw:
                    problems.append(f"{rel}: {raw} maths elements were not rendered by MathJax")
            broken = page.evaluate("""() => [...document.images]
                .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
            problems += [f"{rel}: image not shown: {src}" for src in broken]
            for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"):
                problems += _check_link(html, rel, href)
        browser.close()
    assert not problems, "\n".join(problems[:50])


@functools.lru_cache(maxsize=None)
def _ids(path):
    return set(re.findall(r'id="([^"]+)"', path.read_text()))


def _check_link(html, rel, href):
    if href.startswith(("http://", "https://", "mailto:", "javascript:")):
        return []
    url = urlparse(urljoin("http://site/" + rel, href))
    target = html / unquote(url.path.lstrip("/"))
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return [f"{rel}: link {href!r} points to a missing file"]
    if url.fragment and target.suffix == ".html" and url.fragment not in _ids(target):
        return [f"{rel}: link {href!r} points to a missing anchor"]
    return []


VISIBLE = """sel => [...document.querySelectorAll(sel)].filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
        && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
}).length"""


def _open(browser, base, width, height=800):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "chapters/01_color.html", wait_until="networkidle")
    return page, errors


def _visible(page, selector):
    return page.evaluate(VISIBLE, selector)


def test_phone_navigation_and_contents_buttons_open_their_panels(site):
    playwright = pytest.importorskip("playwright.sync_api")
    _, base = site
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page, errors = _open(browser, base, 390)
        chapter_link = "a.reference.internal[href='02_edges.html']"
        assert _visible(page, chapter_link) == 0, "the chapter list shows before the menu is opened"
        assert _visible(page, ".search-button-field, .search-button") == 1, "one search control per page"
        page.locator(".primary-toggle").locator("visible=true").click()
        page.wait_for_selector("#pst-primary-sidebar-modal[open]", timeout=5000)
        assert _visible(page, chapter_link) >= 1, "the menu opened but shows no chapter links"
        page.keyboard.press("Escape")
        page.wait_for_selector("#pst-primary-sidebar-modal:not([open])", state="attached", timeout=5000)
        toc_link = "#pst-page-toc-nav a"
        assert _visible(page, toc_link) == 0
        page.locator(".secondary-toggle").locator("visible=true").click()
        page.wait_for_selector("#pst-secondary-sidebar-modal[open]", timeout=5000)
        assert _visible(page, toc_link) >= 3, "the contents panel opened without the page's sections"
        assert not errors, errors
        browser.close()


def test_desktop_sidebar_toggle_hides_and_shows_the_navigation(site):
    playwright = pytest.importorskip("playwright.sync_api")
    _, base = site
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page, errors = _open(browser, base, 1280)
        chapter_link = "#pst-primary-sidebar a.reference.internal[href='02_edges.html']"
        assert _visible(page, chapter_link) == 1
        assert _visible(page, ".search-button-field, .search-button") == 1, "one search control per page"
        assert _visible(page, "#pst-page-toc-nav a") >= 3, "the page's contents show on a desktop"
        toggle = page.locator(".primary-toggle").locator("visible=true")
        toggle.click()
        page.wait_for_timeout(500)
        assert _visible(page, chapter_link) == 0, "the sidebar toggle did not hide the navigation"
        toggle.click()
        page.wait_for_timeout(500)
        assert _visible(page, chapter_link) == 1, "the sidebar toggle did not bring the navigation back"
        assert not errors, errors
        browser.close()
