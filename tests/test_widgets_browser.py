"""vklib's widgets in a real browser, under both major versions of ipywidgets.

A small notebook (written into a temporary folder) builds an explorer whose render function
prints the slider's value, and the GrabCut widget on a 48-pixel scene. Headless Chromium opens
it in a live Jupyter front end, runs the cells, and checks what a reader would see and do: the
slider is drawn, dragging its handle with the mouse changes the printed value (the kernel re-rendered),
the ipycanvas canvas is drawn at its own size (192 px: 48 image pixels at scale 4), a mouse drag on
it becomes a rectangle that the kernel records, and so does a drag released outside the canvas (it
ends where the pointer left, at the image's edge). The widget's status line says so, and a later
cell prints the recorded rectangles.

* ipywidgets 8 (the system's): JupyterLab 4.
* ipywidgets 7.7 (what Colab has shipped): the classic Notebook 6.5 with Colab's widget stack
  (``IPYWIDGETS7_PINS``) in a virtual environment over the system's packages, built once per
  session from the package registry (pip's cache serves it after the first run; about 10 s).
  The cells run once the classic widget manager has restored the kernel's widgets (a cell run
  the moment the kernel connects can leave its widget views empty, as a reader's early click
  could).

Both front ends put a widget box's children at the output's full width, so a canvas left alone
is stretched (to about 965 px here in the classic Notebook, past the window's lower edge). ipycanvas
focuses the canvas on a press, the browser then scrolls it into view (514 px in the classic
Notebook), the image moves under the pointer, the rest of the drag falls below the canvas and the
release reaches the page instead of the canvas: no mouse-up is sent to the kernel. The widget
therefore gives the canvas its own size, and ends a drag when the pointer leaves the canvas.
"""

from __future__ import annotations

import json
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
pytestmark = pytest.mark.browser

CELLS = [
    # 0: the explorer; its render prints the value so the test can read it.
    "import ipywidgets\n"
    "from vklib.widgets import explore\n"
    "print('ipywidgets', ipywidgets.__version__)\n"
    "explore(lambda k: print(f'k squared is {k * k}'),\n"
    "        {'k': ipywidgets.IntSlider(value=3, min=0, max=9, description='k')})",
    # 1: the GrabCut canvas on a small scene, four canvas pixels per image pixel.
    "import numpy as np\n"
    "from vklib.data import make_scenes\n"
    "from vklib.grabcut.widget import GrabCutWidget\n"
    "image = np.round(make_scenes(1, size=48, seed=3).images[0] * 255) / 255\n"
    "w = GrabCutWidget(image, n_iter=1, scale=4.0)\n"
    "w.show()",
    # 2: what the kernel recorded from the browser's mouse events.
    "print('rects', [e['rect'] for e in w.session['events'] if e['type'] == 'rect'])",
]


def _notebook(folder: Path) -> str:
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                     "source": src} for i, src in enumerate(CELLS)],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (folder / "widgets.ipynb").write_text(json.dumps(nb))
    return "widgets.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, argv: list[str], env: dict, token: str):
    """Start a Jupyter server (argv without port/token); returns (process, base url, log path)."""
    port = _free_port()
    log_path = tmp_path / "server.log"
    log = open(log_path, "w")
    server = subprocess.Popen(argv + ["--no-browser", f"--port={port}", "--ip=127.0.0.1"]
                              + (["--allow-root"] if os.geteuid() == 0 else []),
                              cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5) as response:
                if response.status == 200:
                    return server, base, log, log_path
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            log.close()
            pytest.fail("Jupyter server did not start:\n" + log_path.read_text()[-4000:])
        time.sleep(0.5)


def _stop(server, log) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def _base_env(tmp_path: Path, path_first: str) -> dict:
    home = tmp_path / "jupyter"
    return dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                VKLIB_STATIC_WIDGETS="0", PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
                PATH=f"{path_first}{os.pathsep}{os.environ.get('PATH', '')}")


# Where each front end puts a code cell, its output text, the kernel's idle state.
LAB = {"cell": ".jp-NotebookPanel .jp-CodeCell", "text": ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']",
       "error": "[data-mime-type='application/vnd.jupyter.stderr'], [data-mime-type='application/vnd.jupyter.error']"}
CLASSIC = {"cell": "#notebook .cell.code_cell", "text": ".output_subarea.output_text, .output_subarea.output_stream",
           "error": ".output_subarea.output_stderr, .output_subarea.output_error"}


def _drive(page, sel: dict, run_cell, major: str) -> dict:
    """The checks common to both front ends; returns what was seen (for the recorded check)."""
    cells = page.locator(sel["cell"])
    seen = {}

    def text(i):
        return cells.nth(i).locator(sel["text"]).all_inner_texts()

    def wait_text(i, needle, timeout=60000):
        page.wait_for_function(
            """([cell, text, i, needle]) => {
                 const c = document.querySelectorAll(cell)[i];
                 return c && [...c.querySelectorAll(text)].some(e => e.textContent.includes(needle)); }""",
            arg=[sel["cell"], sel["text"], i, needle], timeout=timeout)

    run_cell(0)
    wait_text(0, "k squared is 9")
    wait_text(0, f"ipywidgets {major}")
    slider = cells.nth(0).locator(".widget-slider").first
    slider.wait_for(state="visible", timeout=30000)
    readout = cells.nth(0).locator(".widget-readout").first
    # Drag the handle (noUiSlider in 8, jQuery UI in 7) past the track's right end: 3 -> 9. The handle
    # is measured again on each try (noUiSlider animates it into place after rendering).
    for attempt in range(5):
        time.sleep(0.5)
        handle = cells.nth(0).locator(".noUi-handle, .ui-slider-handle").first.bounding_box()
        track = cells.nth(0).locator(".noUi-target, .ui-slider").first.bounding_box()
        x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for k in range(1, 11):
            page.mouse.move(x + k * (track["x"] + track["width"] + 20 - x) / 10, y)
            time.sleep(0.03)
        page.mouse.up()
        time.sleep(0.5)
        if readout.inner_text().strip() == "9":
            break
    seen["slider_tries"] = attempt + 1
    assert readout.inner_text().strip() == "9", (readout.inner_text(), handle, track)
    wait_text(0, "k squared is 81")  # the kernel re-rendered from the browser's value
    seen["slider"] = " | ".join(t.strip() for t in text(0))

    run_cell(1)
    canvas = cells.nth(1).locator("canvas").last
    canvas.wait_for(state="visible", timeout=60000)
    # ipycanvas composes the layers into one canvas of 48 px x scale 4, shown at that size (a widget
    # box would stretch it to the output's width, past the window's lower edge in the classic Notebook).
    assert canvas.evaluate("e => [e.width, e.height]") == [192, 192]
    box = canvas.bounding_box()
    assert box and abs(box["width"] - 192) < 2 and abs(box["height"] - 192) < 2, box
    page.wait_for_function(
        """([cell]) => [...document.querySelectorAll(cell)[1].querySelectorAll('.widget-label')]
                          .some(e => e.textContent.includes('Drag a rectangle'))""", arg=[sel["cell"]], timeout=30000)
    f = box["width"] / 192  # display pixels per canvas pixel
    x0, y0 = box["x"], box["y"]

    def drag(start, step, events):
        """Drag diagonally from canvas pixel ``start`` in five moves of ``step``; wait for the label."""
        page.mouse.move(x0 + start * f, y0 + start * f)
        page.mouse.down()
        for k in range(1, 6):
            page.mouse.move(x0 + (start + step * k) * f, y0 + (start + step * k) * f)
            time.sleep(0.2)
        page.mouse.up()
        page.wait_for_function(
            """([cell, label]) => [...document.querySelectorAll(cell)[1].querySelectorAll('.widget-label')]
                                     .some(e => e.textContent.includes(label))""",
            arg=[sel["cell"], f"rect recorded ({events} events)"], timeout=30000)

    drag(40, 24, 1)
    seen["canvas"] = f"192x192 canvas shown at {round(box['width'])}x{round(box['height'])} px"
    # A second drag released outside the canvas (no mouse-up reaches it): leaving the canvas ends the
    # drag, at the image's edge.
    drag(100, 30, 2)

    run_cell(2)
    wait_text(2, "rects [[")
    seen["session"] = " ".join(t.strip() for t in text(2))
    first, second = json.loads(seen["session"].split("rects ", 1)[1])
    # Dragged from canvas pixel 40 to 160 at scale 4: image pixels 10 to 40 (+-1 for rounding).
    assert abs(first[0] - 10) <= 1 and abs(first[1] - 10) <= 1 and abs(first[2] - 31) <= 2 and abs(first[3] - 31) <= 2, first
    # From canvas pixel 100 (image 25) out past the canvas: the rectangle reaches the last image pixel, 47.
    assert abs(second[0] - 25) <= 1 and abs(second[1] - 25) <= 1 and second[0] + second[2] == 48 \
        and second[1] + second[3] == 48, second
    errors = page.locator(sel["cell"] + " " + sel["error"]).all_inner_texts()
    assert not errors, errors
    return seen


def _browser(p):
    return p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)


@pytest.mark.timeout(180)
def test_explorer_and_grabcut_canvas_in_jupyterlab_with_ipywidgets_8(tmp_path):
    pytest.importorskip("jupyterlab", reason="requirements.txt installs JupyterLab")
    playwright = pytest.importorskip("playwright.sync_api")
    import ipywidgets

    assert ipywidgets.__version__.startswith("8."), ipywidgets.__version__
    name = _notebook(tmp_path)
    token = secrets.token_hex(16)
    env = _base_env(tmp_path, str(Path(sys.executable).parent))
    jupyter = shutil.which("jupyter", path=env["PATH"])
    server, base, log, log_path = _serve(
        tmp_path, [jupyter, "lab", f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"], env, token)
    try:
        with playwright.sync_playwright() as p:
            browser = _browser(p)
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page_errors = []
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(f"{base}lab/tree/{name}?token={token}")
            page.wait_for_selector(LAB["cell"], timeout=60000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60000)

            def run_cell(i):
                prompt = page.locator(LAB["cell"]).nth(i).locator(".jp-InputArea-prompt")
                for _ in range(5):  # a key press while the page is still settling can be lost: retry
                    page.locator(LAB["cell"]).nth(i).locator(".jp-InputArea-editor").click()
                    page.keyboard.press("Control+Enter")
                    for _ in range(20):
                        if prompt.inner_text().strip() not in ("[ ]:", ""):
                            return
                        time.sleep(0.25)
                raise AssertionError(f"cell {i} did not start")

            try:
                _drive(page, LAB, run_cell, "8.")
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))
                raise AssertionError("cells: " + repr(page.locator(LAB["cell"]).all_inner_texts())[-3000:]
                                     + f"\nscreenshot: {tmp_path / 'failure.png'}")
            assert not page_errors, page_errors
            browser.close()
    finally:
        _stop(server, log)


# Colab's widget stack (ipywidgets 7.7.1, widgetsnbextension 3.6.1, ipykernel 6.17.1). Two newer
# combinations fail in the browser before vklib is involved: widgetsnbextension 3.6.10 with any 7.7
# kernel ("_deserialize_state is not a function" for every model), and ipywidgets 7.7.5 with
# ipykernel 6.17 when the `comm` package is importable (its widgets open dummy comms).
IPYWIDGETS7_PINS = ["ipywidgets==7.7.1", "widgetsnbextension==3.6.1", "jupyterlab_widgets>=1,<2", "ipykernel==6.17.1"]


def _ipywidgets7_env(root: Path) -> Path:
    """A venv over the system's packages with ipywidgets 7.7 and the classic Notebook 6.5."""
    venv = root / "venv-ipywidgets7"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "notebook>=6.5,<7",
                              *IPYWIDGETS7_PINS],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr[-4000:]
    return venv


@pytest.fixture(scope="session")
def ipywidgets7_venv(tmp_path_factory):
    return _ipywidgets7_env(tmp_path_factory.mktemp("ipywidgets7"))


def run_classic(tmp_path: Path, venv: Path) -> dict:
    """Open the notebook in the classic Notebook 6.5 of ``venv`` and drive it; returns what was seen."""
    from playwright.sync_api import sync_playwright

    name = _notebook(tmp_path)
    token = secrets.token_hex(16)
    env = _base_env(tmp_path, str(venv / "bin"))  # the kernel spec's `python` is the venv's
    # The venv's data first (widgetsnbextension 3.6), then the system's (ipycanvas's nbextension).
    env["JUPYTER_PATH"] = os.pathsep.join([str(venv / "share" / "jupyter"), str(Path(sys.prefix) / "share" / "jupyter")])
    nbconfig = Path(env["JUPYTER_CONFIG_DIR"]) / "nbconfig"
    nbconfig.mkdir(parents=True)
    (nbconfig / "notebook.json").write_text(json.dumps(
        {"load_extensions": {"jupyter-js-widgets/extension": True, "ipycanvas/extension": True}}))
    server, base, log, log_path = _serve(
        tmp_path, [str(venv / "bin" / "python"), "-m", "notebook", f"--NotebookApp.token={token}"], env, token)
    try:
        with sync_playwright() as p:
            browser = _browser(p)
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page_errors = []
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(f"{base}notebooks/{name}?token={token}")
            page.wait_for_function("() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                                   " && Jupyter.notebook.kernel.is_connected()", timeout=60000)
            # The widget manager first restores the kernel's widgets (a fallback when ipywidgets 7's
            # control comm is not open yet); views displayed before that finishes stay empty.
            page.wait_for_function("() => Jupyter.WidgetManager && Jupyter.WidgetManager._managers.length > 0",
                                   timeout=30000)
            time.sleep(3)
            seen = {"notebook": page.evaluate("() => Jupyter.version")}

            def run_cell(i):
                page.evaluate(f"() => Jupyter.notebook.execute_cells([{i}])")

            try:
                seen.update(_drive(page, CLASSIC, run_cell, "7.7"))
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))
                raise AssertionError("cells: " + repr(page.locator(CLASSIC["cell"]).all_inner_texts())[-3000:]
                                     + f"\nscreenshot: {tmp_path / 'failure.png'}")
            assert not page_errors, page_errors
            browser.close()
        return seen
    finally:
        _stop(server, log)


@pytest.mark.timeout(300)
def test_explorer_and_grabcut_canvas_in_classic_notebook_with_ipywidgets_7(tmp_path, ipywidgets7_venv):
    pytest.importorskip("playwright.sync_api")
    run_classic(tmp_path, ipywidgets7_venv)
