"""vklib's widgets under ipywidgets 7.7, the major version Colab has shipped.

vklib accepts ``ipywidgets>=7.7`` so that installing it in Colab does not upgrade the
preinstalled ipywidgets. This test creates a virtual environment over the system's packages,
installs ipywidgets 7.7 into it (from the package registry; pip's cache serves it after the first
run), and drives the explorer and the GrabCut widget through the Python side of the widget
protocol: controls move, the explorer redraws, mouse events on the ipycanvas canvas become a
session that replays to the widget's mask. What is drawn in a browser is not checked here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import os
import ipywidgets, numpy as np
assert ipywidgets.__version__.startswith("7.7"), ipywidgets.__version__
import vklib
assert os.path.dirname(os.path.dirname(vklib.__file__)) == os.environ["VKLIB_ROOT"], vklib.__file__
from vklib.widgets import build_explorer, static_mode
assert not static_mode()
calls = []
slider = ipywidgets.IntSlider(value=1, min=0, max=9, description="k")
choice = ipywidgets.Dropdown(options=["a", "b"], value="a", description="c")
box = build_explorer(lambda k, c: calls.append((k, c)), {"k": slider, "c": choice})
assert isinstance(box, ipywidgets.VBox) and slider in box.children[0].children
slider.value = 5
choice.value = "b"
assert calls[-1] == (5, "b"), calls

from vklib.data import make_scenes
from vklib.grabcut import replay
from vklib.grabcut.widget import GrabCutWidget
image = np.round(make_scenes(1, size=48, seed=3).images[0] * 255) / 255
w = GrabCutWidget(image, n_iter=1, scale=2.0)
w.mouse_down(10, 10); w.mouse_move(40, 40); w.mouse_up(80, 80)
w.run_button.click()
w.mode.value = "bg"
w.mouse_down(12, 12); w.mouse_move(70, 12); w.mouse_up(70, 12)
w.run_button.click()
assert [e["type"] for e in w.session["events"]] == ["rect", "run", "stroke", "run"], w.session["events"]
np.testing.assert_array_equal(replay(image, w.session).mask, w.state.mask)
w.reset_button.click()
assert w.session["events"] == []
print("ok", ipywidgets.__version__)
"""


@pytest.mark.timeout(900)
def test_explorer_and_grabcut_widget_work_with_ipywidgets_7(tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True, timeout=300)
    python = str(env_dir / "bin" / "python")
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "ipywidgets==7.7.5",
                              "ipython-genutils==0.2.0"], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    env = dict(os.environ, VKLIB_STATIC_WIDGETS="0", PYTHONPATH=str(ROOT), VKLIB_ROOT=str(ROOT),
               OMP_NUM_THREADS="1")
    result = subprocess.run([python, "-c", SCRIPT], capture_output=True, text=True, timeout=600, env=env,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-6000:]
    assert result.stdout.splitlines()[-1] == "ok 7.7.5", result.stdout[-2000:]
