"""Object-centred scenes: one large shape in the middle (chapter 5, section "Two views of every image").

SimCLR learns by matching two random crops of the same image. On the cluttered scenes of
:func:`vklib.data.make_scenes` a crop often misses the small shape altogether; here every
image is about its object. :func:`make_centred_scenes` draws one shape whose circumradius
is 20-30 % of the side (a square then spans 28-42 % of it), near the centre, with
*continuous* random colours: the shape's hue and the background's hue are uniform on the
colour circle, and a per-image tint multiplies every pixel. Two crops of one image
therefore share a colour histogram that no other image has, a shortcut the contrastive
task can use instead of the shape, unless colour distortion removes it.

Ground truth: the shape's mask and class, and the hue classes of the shape's and of the
background's colour (six named hues, :data:`HUES`), which the chapter's colour and
background-colour probes predict.

Reproducibility as in :mod:`vklib.data.scenes`: scene ``i`` of ``make_centred_scenes(n,
seed=s)`` is drawn by its own generator ``PCG64([s, i, 2])`` and depends only on ``(s, i)``;
the pixels use only exactly rounded operations, so a seed gives the same bytes anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..color.hsv import hsv_to_srgb
from .drawing import BACKGROUNDS, SHAPES
from .scenes import SceneBatch, check_count, check_seed, check_size, empty_parameters, names_to_indices, render_in_chunks

__all__ = ["HUES", "CentredScenes", "make_centred_scenes"]

#: Hue classes, centred on 0, 60, ..., 300 degrees: hue ``h`` belongs to class ``round(h / 60) mod 6``.
HUES = ("red", "yellow", "green", "cyan", "blue", "magenta")


@dataclass(frozen=True)
class CentredScenes(SceneBatch):
    """A batch of object-centred scenes (see :func:`make_centred_scenes`).

    Attributes
    ----------
    images : (N, H, W, 3) float32 in [0, 1]
    masks : (N, H, W) bool, True exactly on the shape's pixels
    labels : (N,) int64, index into :data:`SHAPES`
    colors : (N,) int64, hue class of the shape's colour, index into :data:`HUES`
    background_colors : (N,) int64, hue class of the background's colour, index into :data:`HUES`
    backgrounds : (N,) int64, background texture, index into :data:`BACKGROUNDS`
    shape_hsv, background_hsv : (N, 3) float64, the drawn colours (hue in degrees, S, V) before the tint
    tints : (N, 3) float64 in (0, 1], the per-channel gains applied to the whole image
    centers : (N, 2) float32, the shape's centre (x, y) in pixels
    radii : (N,) float32, the shape's circumradius in pixels
    """

    background_colors: np.ndarray
    backgrounds: np.ndarray
    shape_hsv: np.ndarray
    background_hsv: np.ndarray
    tints: np.ndarray
    centers: np.ndarray
    radii: np.ndarray


def _check_range(value, name, lo, hi):
    ok = (isinstance(value, tuple) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
    if not ok:
        raise TypeError(f"{name} must be a (low, high) tuple of numbers, got {value!r}")
    if not lo <= value[0] <= value[1] <= hi:
        raise ValueError(f"{name} must satisfy {lo} <= low <= high <= {hi}, got {value!r}")
    return float(value[0]), float(value[1])


def _check_fraction(value, name, hi):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not 0 <= value <= hi:
        raise ValueError(f"{name} must lie in [0, {hi}], got {value!r}")
    return float(value)


def hue_class(hue_degrees: np.ndarray) -> np.ndarray:
    """Index into :data:`HUES` of hues in degrees: ``round(h / 60) mod 6`` (int64)."""
    return (np.floor(np.asarray(hue_degrees, dtype=np.float64) / 60.0 + 0.5).astype(np.int64)) % 6


def make_centred_scenes(
    n: int,
    *,
    size: int | tuple[int, int] = 32,
    seed: int = 0,
    shapes: Iterable[str] | None = None,
    backgrounds: Iterable[str] | None = None,
    radius: tuple[float, float] = (0.2, 0.3),
    jitter: float = 0.06,
    tint: float = 0.25,
    noise: float = 0.03,
) -> CentredScenes:
    """Draw ``n`` object-centred scenes: one large shape near the middle, continuous colours, a tint.

    Parameters
    ----------
    n : int
        Number of scenes (0 gives empty arrays).
    size : int or (H, W)
        Image size in pixels (at least 16).
    seed : int
        Scene ``i`` is drawn by the generator ``PCG64([seed, i, 2])``.
    shapes, backgrounds : list of str, optional
        Restrict the shape classes / background textures (defaults: all of :data:`SHAPES`,
        :data:`BACKGROUNDS`). Labels still index the full tuples.
    radius : (float, float)
        Range of the circumradius as a fraction of the shorter side, within [0.05, 0.4].
    jitter : float
        The centre is ``(W/2, H/2)`` plus a uniform offset of at most ``jitter`` times the
        shorter side in each direction, in [0, 0.1].
    tint : float
        Each channel of the whole image is multiplied by a gain drawn from ``U(1 - tint, 1)``,
        ``tint`` in [0, 0.5].
    noise : float
        Amplitude of the uniform per-pixel noise, in [0, 0.05]; the result is clipped to [0, 1].

    Returns
    -------
    CentredScenes

    Notes
    -----
    Per scene, in this order: shape class, texture, radius, centre offset, rotation
    ``U(-0.5, 0.5)`` rad (none for circles), shape colour in HSV (hue ``U(0, 360)``, S
    ``U(0.6, 0.9)``, V ``U(0.65, 0.95)``), background colour (hue ``U(0, 360)``, S
    ``U(0.3, 0.7)``, V ``U(0.25, 0.55)``; the texture blends it with 0.75 times itself),
    texture parameters, the three tint gains and the noise. The shape is always brighter
    than the background, so it stays visible whatever the two hues.

    Examples
    --------
    >>> s = make_centred_scenes(3, seed=0)
    >>> s.images.shape, s.masks.shape, s.labels.shape
    ((3, 32, 32, 3), (3, 32, 32), (3,))
    """
    n = check_count(n)
    height, width = check_size(size)
    seed = check_seed(seed)
    r_lo, r_hi = _check_range(radius, "radius", 0.05, 0.4)
    jitter = _check_fraction(jitter, "jitter", 0.1)
    tint = _check_fraction(tint, "tint", 0.5)
    noise = _check_fraction(noise, "noise", 0.05)
    shape_ids = names_to_indices(shapes, SHAPES, "shapes")
    texture_ids = names_to_indices(backgrounds, BACKGROUNDS, "backgrounds")

    side = min(height, width)
    p = empty_parameters(n, height, width, max_distractors=0)  # no distractor blobs
    shape_hsv = np.empty((n, 3), np.float64)
    background_hsv = np.empty((n, 3), np.float64)
    tints = np.empty((n, 3), np.float64)
    for i in range(n):
        rng = np.random.Generator(np.random.PCG64([seed, i, 2]))
        p.labels[i] = shape_ids[rng.integers(len(shape_ids))]
        p.backgrounds[i] = texture_ids[rng.integers(len(texture_ids))]
        p.radii[i] = side * rng.uniform(r_lo, r_hi)
        offset = side * jitter * (2 * rng.random(2) - 1)
        p.centers[i] = width / 2 + offset[0], height / 2 + offset[1]
        angle = 0.0 if SHAPES[p.labels[i]] == "circle" else rng.uniform(-0.5, 0.5)
        p.rotations[i] = math.cos(angle), math.sin(angle)
        shape_hsv[i] = rng.uniform(0, 360), rng.uniform(0.6, 0.9), rng.uniform(0.65, 0.95)
        background_hsv[i] = rng.uniform(0, 360), rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.55)
        p.background_params[i] = rng.integers(4, 10), rng.integers(4), rng.integers(16), rng.integers(16)
        tints[i] = 1.0 - tint * rng.random(3)
        p.noise[i] = rng.random((height, width, 3), dtype=np.float32)
    # The tint multiplies every colour of the scene, which is the same as multiplying its pixels.
    if n:
        p.shape_rgb[:] = (hsv_to_srgb(shape_hsv) * tints).astype(np.float32)
        background_rgb = hsv_to_srgb(background_hsv) * tints
        p.background_rgb[:, 0] = background_rgb
        p.background_rgb[:, 1] = background_rgb * 0.75
    images, masks = render_in_chunks(p, height, width, seed=seed, noise=noise)
    np.clip(images, 0.0, 1.0, out=images)
    return CentredScenes(
        images=images, masks=masks, labels=p.labels, colors=hue_class(shape_hsv[:, 0]),
        background_colors=hue_class(background_hsv[:, 0]), backgrounds=p.backgrounds, shape_hsv=shape_hsv,
        background_hsv=background_hsv, tints=tints, centers=p.centers.astype(np.float32),
        radii=p.radii.astype(np.float32),
    )
