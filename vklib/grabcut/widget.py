"""Draw a GrabCut rectangle and strokes with the mouse (ipycanvas), run, and save the session.

``cv2.selectROI`` and ``cv2.imshow`` open desktop windows, which do not exist in a
notebook served by a browser (JupyterLab, Notebook 7) or in Colab. This widget draws
on an HTML canvas instead. Every action becomes an event of a *session* (see
:mod:`vklib.grabcut.strokes`) and is applied with the same :func:`~vklib.grabcut.strokes.step`
that :func:`~vklib.grabcut.strokes.replay` uses, so a saved session replays exactly
what the user saw.

In Colab, third-party widgets such as ipycanvas need
``google.colab.output.enable_custom_widget_manager()``; :meth:`GrabCutWidget.show`
calls it when it runs in Colab.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..checks import check_image, check_positive
from .compare import to_uint8
from .core import check_rect
from .strokes import ReplayResult, save_session, step

__all__ = ["GrabCutWidget", "STROKE_COLOURS"]

#: Colours of the drawn rectangle and strokes.
STROKE_COLOURS = {"rect": "#ffd600", "fg": "#00e676", "bg": "#ff1744"}


class GrabCutWidget:
    """An interactive GrabCut session on one image.

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
    image_name : str, optional
        Stored in the session (e.g. the name for :func:`vklib.data.load_photo`).
    n_iter : int
        Iterations per press of *run*.
    brush_radius : int
        Initial stroke radius in image pixels.
    scale : float
        Display magnification of the canvas: display pixels per image pixel (less when the
        output area is narrower than the canvas).
    path : str
        Default file name for *save JSON*.

    Attributes
    ----------
    session : dict
        The recorded events (JSON-able).
    state : ReplayResult
        The current mask and the runs so far.
    """

    def __init__(self, image: np.ndarray, *, image_name: str | None = None, n_iter: int = 5,
                 brush_radius: int = 5, scale: float = 1.0, path: str = "grabcut_session.json"):
        import ipywidgets as W
        from ipycanvas import MultiCanvas

        check_image(image, "image", channels=3)
        check_positive(n_iter, "n_iter", integer=True)
        check_positive(scale, "scale")
        self.image = image
        self.height, self.width = image.shape[:2]
        self.scale = float(scale)
        self._pixels = to_uint8(image)
        self.session: dict[str, Any] = {"version": 1, "image": image_name, "shape": [self.height, self.width],
                                        "n_iter": int(n_iter), "gamma": 50.0, "seed": 0, "events": []}
        self.state = ReplayResult()
        self._drag: list[list[float]] | None = None

        canvas_width, canvas_height = int(round(self.width * scale)), int(round(self.height * scale))
        # Shown at its own size (``scale`` display pixels per image pixel; narrower only when the output
        # area is). Left to itself the widget box stretches it to the output's full width, often past
        # the window's lower edge; a press focuses the canvas (ipycanvas does), the browser then scrolls
        # it into view and the image moves under the pointer in the middle of the drag.
        self.canvas = MultiCanvas(2, width=canvas_width, height=canvas_height,
                                  layout=W.Layout(width=f"{canvas_width}px", height="auto", max_width="100%"))
        self.mode = W.ToggleButtons(options=[("rectangle", "rect"), ("foreground stroke", "fg"),
                                             ("background stroke", "bg")], value="rect", description="draw")
        self.radius = W.IntSlider(value=int(brush_radius), min=1, max=30, description="brush radius")
        self.run_button = W.Button(description="run", icon="play", button_style="primary")
        self.reset_button = W.Button(description="reset", icon="undo")
        self.save_button = W.Button(description="save JSON", icon="save")
        self.path = W.Text(value=path, description="file")
        self.status = W.Label(value="Drag a rectangle around the object, then press run.")
        self.run_button.on_click(lambda _: self.run())
        self.reset_button.on_click(lambda _: self.reset())
        self.save_button.on_click(lambda _: self.save())
        self.canvas.on_mouse_down(self.mouse_down)
        self.canvas.on_mouse_move(self.mouse_move)
        self.canvas.on_mouse_up(self.mouse_up)
        self.canvas.on_mouse_out(self.mouse_out)
        self.widget = W.VBox([
            W.HBox([self.mode, self.radius]),
            self.canvas,
            W.HBox([self.run_button, self.reset_button, self.save_button, self.path]),
            self.status,
        ])
        self.redraw()

    # ---- mouse -------------------------------------------------------------------------
    def _to_image(self, x: float, y: float) -> list[float]:
        """Canvas coordinates -> image coordinates, kept inside the image."""
        return [float(np.clip(x / self.scale, 0, self.width - 1)), float(np.clip(y / self.scale, 0, self.height - 1))]

    def mouse_down(self, x: float, y: float) -> None:
        self._drag = [self._to_image(x, y)]

    def mouse_move(self, x: float, y: float) -> None:
        if self._drag is None:
            return
        point = self._to_image(x, y)
        if self.mode.value == "rect":
            self._drag = [self._drag[0], point]
        elif point != self._drag[-1]:
            self._drag.append(point)
        self._draw_overlay(preview=self._drag)

    def mouse_up(self, x: float, y: float) -> None:
        if self._drag is None:
            return
        self.mouse_move(x, y)
        points, self._drag = self._drag, None
        if self.mode.value == "rect":
            (xa, ya), (xb, yb) = points[0], points[-1]
            x0, y0 = int(round(min(xa, xb))), int(round(min(ya, yb)))
            x1, y1 = int(round(max(xa, xb))) + 1, int(round(max(ya, yb))) + 1
            event = {"type": "rect", "rect": [x0, y0, x1 - x0, y1 - y0]}
            try:
                check_rect(event["rect"], self.height, self.width)
            except ValueError as error:
                self.status.value = f"rectangle ignored: {error}"
                self._draw_overlay()
                return
        else:
            if self.state.mask is None:
                self.status.value = "Draw a rectangle first."
                self._draw_overlay()
                return
            event = {"type": "stroke", "label": self.mode.value, "radius": float(self.radius.value),
                     "points": [[round(px, 2), round(py, 2)] for px, py in points]}
        self.apply(event)

    def mouse_out(self, x: float, y: float) -> None:
        """The pointer left the canvas: a drag in progress ends where it left (clipped to the image).

        A button released outside the canvas sends no mouse-up to it, so without this the drag
        would go on when the pointer comes back with the button up.
        """
        self.mouse_up(x, y)

    # ---- actions -----------------------------------------------------------------------
    def apply(self, event: dict) -> None:
        """Record ``event`` in the session and apply it (exactly as :func:`replay` would)."""
        self.state = step(self.image, self.state, event, self.session)
        self.session["events"].append(event)
        if event["type"] == "run":
            result = self.state.runs[-1]
            self.status.value = (f"run {len(self.state.runs)}: {100 * result.foreground.mean():.1f}% foreground, "
                                 f"energy {result.energies[-1]:.4g}. Add strokes and run again, or save.")
        else:
            self.status.value = f"{event['type']} recorded ({len(self.session['events'])} events)."
        self.redraw()

    def run(self) -> None:
        if self.state.mask is None:
            self.status.value = "Draw a rectangle first."
            return
        self.status.value = "running GrabCut ..."
        self.apply({"type": "run"})

    def reset(self) -> None:
        self.session["events"] = []
        self.state = ReplayResult()
        self.status.value = "Reset. Drag a rectangle around the object."
        self.redraw()

    def save(self) -> None:
        save_session(self.session, self.path.value)
        self.status.value = f"saved {len(self.session['events'])} events to {self.path.value}"

    # ---- drawing -----------------------------------------------------------------------
    def redraw(self) -> None:
        """The image (background dimmed once a run has happened), then rectangle and strokes."""
        from ipycanvas import hold_canvas

        pixels = self._pixels
        if self.state.runs:
            fg = self.state.foreground[..., None]
            pixels = np.where(fg, pixels, (pixels * 0.3).astype(np.uint8))
        with hold_canvas():
            base = self.canvas[0]
            base.clear()
            if self.scale == 1.0:
                base.put_image_data(pixels, 0, 0)
            else:
                import cv2

                size = (self.canvas.width, self.canvas.height)
                base.put_image_data(cv2.resize(pixels, size, interpolation=cv2.INTER_NEAREST), 0, 0)
        self._draw_overlay()

    def _draw_overlay(self, preview: list[list[float]] | None = None) -> None:
        from ipycanvas import hold_canvas

        s = self.scale
        with hold_canvas():
            layer = self.canvas[1]
            layer.clear()
            events = list(self.session["events"])
            if preview is not None:
                if self.mode.value == "rect":
                    (xa, ya), (xb, yb) = preview[0], preview[-1]
                    events.append({"type": "rect", "rect": [min(xa, xb), min(ya, yb), abs(xb - xa) + 1, abs(yb - ya) + 1]})
                else:
                    events.append({"type": "stroke", "label": self.mode.value,
                                   "radius": float(self.radius.value), "points": preview})
            for event in events:
                if event["type"] == "rect":
                    x, y, w, h = event["rect"]
                    layer.stroke_style = STROKE_COLOURS["rect"]
                    layer.line_width = 2
                    layer.stroke_rect(x * s, y * s, w * s, h * s)
                elif event["type"] == "stroke":
                    pts = np.asarray(event["points"], dtype=float) * s
                    layer.stroke_style = layer.fill_style = STROKE_COLOURS[event["label"]]
                    layer.line_width = 2 * event["radius"] * s
                    layer.line_cap = "round"
                    layer.line_join = "round"
                    if len(pts) > 1:
                        layer.stroke_lines(pts.tolist())
                    else:
                        layer.fill_circle(pts[0, 0], pts[0, 1], event["radius"] * s)

    def show(self) -> None:
        """Display the widget (enabling Colab's custom widget manager when in Colab)."""
        from IPython.display import display

        if "google.colab" in sys.modules:  # Colab renders ipycanvas only with this switched on
            from google.colab import output

            output.enable_custom_widget_manager()
        display(self.widget)
