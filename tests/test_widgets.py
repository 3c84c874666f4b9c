import ipywidgets
import pytest

from vklib.widgets import build_explorer, explore, static_mode


def test_static_mode_draws_the_default_setting_once(monkeypatch, capsys):
    monkeypatch.setenv("VKLIB_STATIC_WIDGETS", "1")
    calls = []
    explore(lambda a, b: calls.append((a, b)), {
        "a": ipywidgets.IntSlider(value=3, description="alpha"),
        "b": ipywidgets.Dropdown(options=["x", "y"], value="y"),
    })
    assert calls == [(3, "y")]
    assert "run the notebook to move: alpha, b" in capsys.readouterr().out


def test_live_explorer_redraws_when_a_control_moves(monkeypatch):
    monkeypatch.setenv("VKLIB_STATIC_WIDGETS", "0")
    assert not static_mode()
    calls = []
    slider = ipywidgets.IntSlider(value=1)
    box = build_explorer(lambda k: calls.append(k), {"k": slider})
    assert isinstance(box, ipywidgets.VBox) and slider in box.children[0].children
    slider.value = 5
    assert calls[-1] == 5


def test_explorer_rejects_bad_controls():
    with pytest.raises(ValueError, match="at least one widget"):
        build_explorer(lambda: None, {})
    with pytest.raises(TypeError, match="value widget"):
        build_explorer(lambda k: None, {"k": 3})
