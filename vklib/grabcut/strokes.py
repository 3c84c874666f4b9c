"""User strokes and recorded sessions: what the drawing widget produces, replayed as a pure function.

A *session* is a JSON-able dict that records what the user did, in order::

    {"version": 1, "n_iter": 5, "gamma": 50.0, "seed": 0,
     "events": [
        {"type": "rect", "rect": [x, y, w, h]},
        {"type": "run"},
        {"type": "stroke", "label": "bg", "radius": 4.0, "points": [[x, y], [x, y], ...]},
        {"type": "run", "n_iter": 2}
     ]}

Coordinates are image pixels (x to the right, y down; a pixel's centre has integer
coordinates). A ``rect`` starts over from OpenCV's rectangle mask; a ``stroke`` fixes
the pixels within ``radius`` of its polyline to sure foreground (``"fg"``, code 1) or
sure background (``"bg"``, code 0); a ``run`` iterates GrabCut from the current mask,
resuming from the previous run's mixtures (OpenCV's ``GC_EVAL``). :func:`replay`
repeats a session on an image and is what the live widget calls too, so a recorded
session gives exactly what the user saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import as_checked_array, check_array, check_image, check_positive
from .core import GC_BGD, GC_FGD, GrabCutResult, grabcut, rect_to_mask
from .masks import check_mask

__all__ = ["rasterize_stroke", "apply_stroke", "ReplayResult", "replay", "check_session",
           "load_session", "save_session", "STROKE_CODES"]

#: Mask code written by a stroke of each label.
STROKE_CODES = {"fg": GC_FGD, "bg": GC_BGD}


def rasterize_stroke(shape: tuple[int, int], points: Any, radius: float) -> np.ndarray:
    """The pixels covered by a brush of ``radius`` dragged along a polyline.

    A pixel is covered when the distance from its centre to the nearest segment of
    the polyline is at most ``radius`` (a chain of capsules; one point gives a disc).

    Parameters
    ----------
    shape : (H, W)
        The image size.
    points : (P, 2) array-like of float
        The polyline's vertices ``(x, y)``, inside the image: ``0 <= x <= W - 1``,
        ``0 <= y <= H - 1``.
    radius : float > 0
        Brush radius in pixels.

    Returns
    -------
    (H, W) bool

    Raises
    ------
    ValueError
        No point, a point outside the image, or a non-positive radius.
    """
    height, width = int(shape[0]), int(shape[1])
    pts = as_checked_array(points, "points", integers=True, ndim=2, last_dim=2)
    check_positive(radius, "radius")
    outside = (pts[:, 0] < 0) | (pts[:, 0] > width - 1) | (pts[:, 1] < 0) | (pts[:, 1] > height - 1)
    if outside.any():
        x, y = pts[np.argmax(outside)]
        raise ValueError(f"stroke point (x, y) = ({x:g}, {y:g}) lies outside the image of "
                         f"{width} x {height} pixels (need 0 <= x <= {width - 1}, 0 <= y <= {height - 1})")
    covered = np.zeros((height, width), dtype=bool)
    segments = np.concatenate([pts[:-1], pts[1:]], axis=1) if len(pts) > 1 else np.concatenate([pts, pts], axis=1)
    for ax, ay, bx, by in segments:  # a loop over segments; the pixels are handled as arrays
        x0 = max(0, int(np.floor(min(ax, bx) - radius)))
        x1 = min(width, int(np.ceil(max(ax, bx) + radius)) + 1)
        y0 = max(0, int(np.floor(min(ay, by) - radius)))
        y1 = min(height, int(np.ceil(max(ay, by) + radius)) + 1)
        px, py = np.meshgrid(np.arange(x0, x1), np.arange(y0, y1))
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = np.zeros(px.shape) if length2 == 0 else np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1)
        d2 = (px - (ax + t * dx)) ** 2 + (py - (ay + t * dy)) ** 2
        covered[y0:y1, x0:x1] |= d2 <= radius * radius
    return covered


def apply_stroke(mask: np.ndarray, stroke: dict) -> np.ndarray:
    """A copy of ``mask`` with the stroke's pixels set to code 1 (``"fg"``) or 0 (``"bg"``).

    ``mask`` is an integer ``(H, W)`` array of mask codes 0..3 (``TypeError`` / ``ValueError``
    otherwise); the copy is uint8.
    """
    check_array(mask, "mask", ndim=2, dtype="integer")
    mask = check_mask(mask, *mask.shape)
    label = stroke.get("label")
    if label not in STROKE_CODES:
        raise ValueError(f"stroke label must be 'fg' or 'bg', got {label!r}")
    out = np.array(mask, dtype=np.uint8, copy=True)  # check_mask's result may be the caller's own array
    out[rasterize_stroke(out.shape, stroke.get("points", []), stroke.get("radius", 0))] = STROKE_CODES[label]
    return out


@dataclass
class ReplayResult:
    """The state after replaying a session.

    Attributes
    ----------
    mask : (H, W) uint8 or None
        The current mask codes (None before any rectangle).
    runs : list of GrabCutResult
        One per ``run`` event.
    masks_before_run : list of (H, W) uint8
        The mask each run started from (the rectangle and strokes so far).
    fresh : bool
        True when the next run starts from k-means (no run since the last rectangle).
    """

    mask: np.ndarray | None = None
    runs: list[GrabCutResult] = field(default_factory=list)
    masks_before_run: list[np.ndarray] = field(default_factory=list)
    fresh: bool = True

    @property
    def foreground(self) -> np.ndarray:
        return (self.mask == 1) | (self.mask == 3)


_EVENT_KEYS = {"rect": {"rect"}, "stroke": {"label", "radius", "points"}, "run": set()}


def check_session(session: Any) -> dict:
    """Check a session's structure (not yet its coordinates, which need the image size)."""
    if not isinstance(session, dict):
        raise TypeError(f"session must be a dict, got {type(session).__name__}")
    events = session.get("events")
    if not isinstance(events, list):
        raise ValueError("session must have a list of 'events'")
    for k, event in enumerate(events):
        kind = event.get("type") if isinstance(event, dict) else None
        if kind not in _EVENT_KEYS:
            raise ValueError(f"event {k} must have a type 'rect', 'stroke' or 'run', got {event!r}")
        missing = _EVENT_KEYS[kind] - set(event)
        if missing:
            raise ValueError(f"event {k} ({kind}) lacks {sorted(missing)}")
    return session


def step(image: np.ndarray, state: ReplayResult, event: dict, session: dict) -> ReplayResult:
    """Apply one event to the state (used by :func:`replay` and by the live widget)."""
    kind = event["type"]
    if kind == "rect":
        state.mask = rect_to_mask(image.shape[:2], [int(v) for v in event["rect"]])
        state.fresh = True
    elif state.mask is None:
        raise ValueError(f"a {kind!r} event needs a rectangle first")
    elif kind == "stroke":
        state.mask = apply_stroke(state.mask, event)
    else:
        models = None if state.fresh else state.runs[-1].models
        state.masks_before_run.append(state.mask.copy())
        result = grabcut(image, mask=state.mask, n_iter=int(event.get("n_iter", session.get("n_iter", 5))),
                         gamma=float(session.get("gamma", 50.0)), models=models, rng=int(session.get("seed", 0)))
        state.runs.append(result)
        state.mask = result.mask
        state.fresh = False
    return state


def replay(image: np.ndarray, session: dict) -> ReplayResult:
    """Replay a recorded session on ``image``: a pure function of its inputs.

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
    session : dict
        As described in the module docstring (e.g. from :func:`load_session`).

    Returns
    -------
    ReplayResult
    """
    check_image(image, "image", channels=3)
    check_session(session)
    state = ReplayResult()
    for event in session["events"]:
        state = step(image, state, event, session)
    return state


def save_session(session: dict, path: str | Path) -> None:
    """Write a session as indented JSON."""
    check_session(session)
    Path(path).write_text(json.dumps(session, indent=1) + "\n")


def load_session(path: str | Path) -> dict:
    """Read and check a session written by :func:`save_session` or the widget."""
    return check_session(json.loads(Path(path).read_text()))
