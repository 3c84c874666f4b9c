"""Running the book locally: ``jupyter lab chapters`` (the README's command) works.

The README's set-up installs JupyterLab from ``requirements.txt``. This starts ``jupyter lab``
on a copy of ``chapters/`` (so that nothing it saves lands in the checkout), opens a chapter in
headless Chromium, and runs its first code cells with Shift+Enter in the default kernel: they
must get execution counts and print no error. Offline: JupyterLab's news and update checks are
off, and everything else is served from the local server.
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
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()
        page.keyboard.press("Escape")  # command mode: Shift+Enter runs a cell and moves on
        code_cells = 0
        for _ in range(40):
            if code_cells == RUN_CELLS:
                break
            active = page.locator(".jp-NotebookPanel .jp-Cell.jp-mod-active")
            if "jp-CodeCell" in (active.get_attribute("class") or ""):
                code_cells += 1
            page.keyboard.press("Shift+Enter")
        page.wait_for_function(
            """n => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]
                  .filter(e => /\\[\\d+\\]/.test(e.textContent)).length >= n""", arg=RUN_CELLS, timeout=120000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120000)
        failed = page.locator(".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert failed.count() == 0, failed.first.inner_text()
        assert page.locator(".jp-NotebookPanel .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0
        assert not errors, errors
        browser.close()
