"""Running the book locally: ``jupyter lab chapters`` (the README's command) works.

The README's set-up installs JupyterLab from ``requirements.txt``. This starts ``jupyter lab``
on a copy of ``chapters/`` (so that nothing it saves lands in the checkout), opens a chapter in
headless Chromium, and runs its first code cells with Shift+Enter in the default kernel, one after
another: they must get the kernel's execution counts 1, 2, 3 and print no error. Offline:
JupyterLab's news and update checks are off, and everything else is served from the local server.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from test_site import CHROMIUM_FLAGS, _chromium

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "00_getting_started.ipynb"
RUN_CELLS = 3

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    pytest.importorskip("jupyterlab", reason="requirements.txt installs JupyterLab: pip install -r requirements.txt")
    shutil.copytree(ROOT / "chapters", tmp_path / "chapters", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # The chapter opens without its committed outputs, as after "Clear All Outputs".
    nb = nbformat.read(tmp_path / "chapters" / CHAPTER, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, tmp_path / "chapters" / CHAPTER)
    port, token = _free_port(), secrets.token_hex(16)
    home = tmp_path / "jupyter"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    jupyter = shutil.which("jupyter", path=env["PATH"])
    assert jupyter, "JupyterLab is installed but the `jupyter` command is not on PATH"
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen([jupyter, "lab", "chapters", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                               f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
                               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
                              + (["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
                              cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "lab.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "jupyter lab did not start within 120 s"
            time.sleep(1)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


#: The prompt of code cell ``k`` contains ``text`` (JavaScript for ``page.wait_for_function``).
PROMPT_SHOWS = """([k, texts]) => {
    const prompt = document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')[k].querySelector('.jp-InputArea-prompt');
    return texts.some(text => prompt.textContent.includes(text));
}"""


def _run_cell(page, code, k: int) -> None:
    """Shift+Enter on code cell ``k``; its prompt must then show the kernel's count ``k + 1``.

    A key press can be lost while a busy machine is still laying out the page. The prompt
    says whether it arrived: ``[*]`` (queued or running) or a count. Only when it still shows
    neither after 30 s, with the kernel idle, is the press repeated (at most twice), so a cell
    never runs twice and the counts still have to be 1, 2, 3.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    prompt = code.nth(k).locator(".jp-InputArea-prompt")
    for attempt in range(3):
        prompt.click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function(PROMPT_SHOWS, arg=[k, ["*", f"[{k + 1}]"]], timeout=30000)
            break
        except PlaywrightTimeout:
            idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count() > 0
            assert idle and attempt < 2, (f"code cell {k}: Shift+Enter did not start it ({attempt + 1} tries); "
                                          f"prompt {prompt.text_content()!r}, kernel idle: {idle}")
    try:
        page.wait_for_function(PROMPT_SHOWS, arg=[k, [f"[{k + 1}]"]], timeout=180000)
    except PlaywrightTimeout:
        raise AssertionError(f"code cell {k} did not finish as execution {k + 1} within 180 s: "
                             f"prompt {prompt.text_content()!r}") from None


def test_jupyter_lab_opens_a_chapter_and_runs_it_in_the_default_kernel(lab):
    playwright = pytest.importorskip("playwright.sync_api")
    base, token = lab
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}lab/tree/{CHAPTER}?token={token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90000)
        # The kernel the notebook asks for (python3) starts without a "select kernel" dialog.
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90000)
        assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").inner_text()
        # One code cell at a time, each waited for: its prompt must show the kernel's next count
        # (the copy has no outputs, so every count seen here comes from this kernel).
        code = page.locator(".jp-NotebookPanel .jp-CodeCell")
        for k in range(RUN_CELLS):
            _run_cell(page, code, k)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120000)
        failed = page.locator(".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert failed.count() == 0, failed.first.inner_text()
        assert page.locator(".jp-NotebookPanel .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0
        assert not errors, errors
        browser.close()
