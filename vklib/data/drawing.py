"""Drawing the synthetic scenes: shapes, background textures, blobs and noise.

Chapter 0, section "Synthetic scenes" (and its subsection "Reproducible to the last bit"):
these functions turn per-scene parameters (drawn by :mod:`vklib.data.scenes`) into pixels. They use only integer arithmetic, comparisons and
IEEE-exact float operations (``+ - * /``), so the same parameters give the same bytes on
any machine.

Every function works on a chunk of ``n`` scenes at once, channels-first ``(n, 3, H, W)``
inside (so that broadcasts run over contiguous rows) and ``(n, H, W, 3)`` at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SHAPES", "BACKGROUNDS"]

#: Shape classes; a scene's label is the index of its shape in this tuple.
SHAPES = ("circle", "square", "triangle", "diamond", "star", "cross")

#: Background textures.
BACKGROUNDS = ("plain", "striped", "checked", "noisy", "gradient")

_SQRT3_2 = math.sqrt(3.0) / 2.0
_SQRT1_2 = math.sqrt(0.5)
_CROSS_REACH = math.sqrt(1.0 - 0.34**2)
# Unit normals of the sides of an upward-pointing equilateral triangle (y grows downwards).
_TRIANGLE_NORMALS = ((0.0, 1.0), (_SQRT3_2, -0.5), (-_SQRT3_2, -0.5))
# Unit normals of the five lines of a pentagram: angles -90 + 72 k degrees, computed once with
# Python's math module (the platform's C library; IEEE 754 does not require cos/sin to be correctly
# rounded, so another platform may differ in the last bit).
_STAR_NORMALS = tuple(
    (math.cos(math.radians(-90.0 + 72.0 * k)), math.sin(math.radians(-90.0 + 72.0 * k))) for k in range(5)
)
# Distance of a pentagram line from the centre, as a fraction of the outer radius: cos(72°).
_STAR_OFFSET = math.cos(math.radians(72.0))


@dataclass
class SceneParameters:
    """Everything needed to draw ``n`` scenes, one row per scene (see :func:`render`).

    Attributes
    ----------
    labels : (n,) int64, index into :data:`SHAPES`
    shape_rgb : (n, 3) float32, the shape's colour
    backgrounds : (n,) int64, index into :data:`BACKGROUNDS`
    background_rgb : (n, 2, 3) float64, the two colours the texture blends
    background_params : (n, 4) int64, texture period, direction, x offset, y offset
    centers : (n, 2) float64, the shape's centre (x, y) in pixels
    radii : (n,) float64, the shape's circumradius in pixels
    rotations : (n, 2) float64, (cos, sin) of the shape's rotation
    n_blobs : (n,) int64, how many distractor blobs each scene has
    blobs : (n, k, 7) float64, per blob: centre x, centre y, radius x, radius y, r, g, b
    noise : (n, H, W, 3) float32 in [0, 1), the texture noise before scaling
    """

    labels: np.ndarray
    shape_rgb: np.ndarray
    backgrounds: np.ndarray
    background_rgb: np.ndarray
    background_params: np.ndarray
    centers: np.ndarray
    radii: np.ndarray
    rotations: np.ndarray
    n_blobs: np.ndarray
    blobs: np.ndarray
    noise: np.ndarray

    def __getitem__(self, index: slice) -> "SceneParameters":
        return SceneParameters(**{k: v[index] for k, v in vars(self).items()})


def shape_masks(cls: int, du: np.ndarray, dv: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Rasterise shape class ``cls`` for offsets (u, v) from the centre, radius r (broadcast).

    Parameters
    ----------
    cls : int
        Index into :data:`SHAPES`.
    du, dv : float32 arrays
        Pixel-centre offsets from the shape's centre, in the shape's rotated frame.
    r : float32 array
        Circumradius in pixels (the shape's corners lie on the circle of radius ``r``).

    Returns
    -------
    bool array, the broadcast shape of ``du``, ``dv`` and ``r``
    """
    name = SHAPES[cls]
    if name == "circle":
        return du * du + dv * dv <= r * r
    if name == "square":  # corners on the circle of radius r
        half = r * np.float32(_SQRT1_2)
        return (np.abs(du) <= half) & (np.abs(dv) <= half)
    if name == "diamond":
        return np.abs(du) + np.abs(dv) <= r
    if name == "triangle":  # circumradius r, inradius r / 2
        inside = np.ones(np.broadcast_shapes(du.shape, dv.shape), dtype=bool)
        for a, b in _TRIANGLE_NORMALS:
            inside &= du * a + dv * b <= r * 0.5
        return inside
    if name == "star":  # filled pentagram: outside at most one of the five line half-planes
        outside = np.zeros(np.broadcast_shapes(du.shape, dv.shape), dtype=np.int8)
        for a, b in _STAR_NORMALS:
            outside += du * a + dv * b > r * _STAR_OFFSET
        return outside <= 1
    if name == "cross":  # arms of half-width 0.34 r whose outer corners lie on the circle of radius r
        arm = r * np.float32(0.34)
        reach = r * np.float32(_CROSS_REACH)
        a, b = np.abs(du), np.abs(dv)
        return ((a <= arm) & (b <= reach)) | ((b <= arm) & (a <= reach))
    raise AssertionError(name)  # pragma: no cover


def muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A greyish colour for backgrounds and blobs: a grey in [0.25, 0.8] plus ±0.08 per channel."""
    grey = rng.uniform(0.25, 0.8)
    return np.clip(grey + rng.uniform(-0.08, 0.08, 3), 0.1, 0.9)


def _grid(height: int, width: int):
    y = np.arange(height, dtype=np.int64)[None, :, None]
    x = np.arange(width, dtype=np.int64)[None, None, :]
    return y, x


def texture_weights(p: SceneParameters, height: int, width: int, *, seed: int, first: int) -> np.ndarray:
    """The blend weight ``t`` in [0, 1] between a scene's two background colours, ``(n, H, W)``.

    ``plain`` is 0 everywhere; ``striped`` (vertical, horizontal or diagonal) and ``checked``
    alternate 0 and 1 with the scene's period; ``noisy`` repeats 4 x 4-pixel random blocks
    (scene ``first + i`` draws them from ``PCG64([seed, first + i, 1])``); ``gradient`` ramps
    from 0 to 1 along one of four directions.
    """
    n = len(p.labels)
    y, x = _grid(height, width)
    t = np.zeros((n, height, width), np.float32)
    period, direction, ox, oy = (p.background_params[:, k][:, None, None] for k in range(4))
    for b, name in enumerate(BACKGROUNDS):
        sel = np.flatnonzero(p.backgrounds == b)
        if sel.size == 0 or name == "plain":
            continue
        per, dr, xo, yo = period[sel], direction[sel], ox[sel], oy[sel]
        if name == "striped":  # directions: vertical, horizontal, and the two diagonals
            a = np.where(dr == 1, 0, 1)
            c = np.where(dr == 0, 0, np.where(dr == 3, -1, 1))
            t[sel] = ((a * (x + xo) + c * (y + yo) + 64) // per) % 2
        elif name == "checked":
            t[sel] = ((x + xo) // per + (y + yo) // per) % 2
        elif name == "noisy":
            for i in sel:
                rng = np.random.Generator(np.random.PCG64([seed, first + int(i), 1]))
                blocks = rng.random(((height + 3) // 4, (width + 3) // 4), dtype=np.float32)
                t[i] = np.repeat(np.repeat(blocks, 4, axis=0), 4, axis=1)[:height, :width]
        elif name == "gradient":  # a linear ramp from 0 to 1 along one of four directions
            gx = np.where(dr % 2 == 0, 1.0, 0.0) * np.where(dr < 2, 1.0, -1.0)
            gy = np.where(dr % 2 == 1, 1.0, 0.5)
            ramp = gx * x + gy * y
            lo = ramp.min(axis=(1, 2), keepdims=True)
            hi = ramp.max(axis=(1, 2), keepdims=True)
            t[sel] = (ramp - lo) / (hi - lo)
    return t


def paint_background(p: SceneParameters, t: np.ndarray) -> np.ndarray:
    """Blend each scene's two background colours by ``t``: ``(n, 3, H, W)`` float32."""
    t = t[:, None]
    c0 = p.background_rgb[:, 0, :, None, None].astype(np.float32)
    c1 = p.background_rgb[:, 1, :, None, None].astype(np.float32)
    return c0 + (c1 - c0) * t


def _pixel_centres(height: int, width: int):
    y, x = _grid(height, width)
    return (y + 0.5).astype(np.float32), (x + 0.5).astype(np.float32)


def paint_blobs(images: np.ndarray, p: SceneParameters) -> None:
    """Paint each scene's distractor blobs (axis-aligned ellipses) into ``images`` in place."""
    yc, xc = _pixel_centres(*images.shape[2:])
    for d in range(p.blobs.shape[1]):
        sel = np.flatnonzero(p.n_blobs > d)
        if sel.size == 0:
            continue
        b = p.blobs[sel, d].astype(np.float32)
        ex = (xc - b[:, 0, None, None]) / b[:, 2, None, None]
        ey = (yc - b[:, 1, None, None]) / b[:, 3, None, None]
        blob = ex * ex + ey * ey <= 1.0
        sub = images[sel]
        np.copyto(sub, np.broadcast_to(b[:, 4:, None, None], sub.shape), where=blob[:, None])
        images[sel] = sub


def paint_shapes(images: np.ndarray, p: SceneParameters) -> np.ndarray:
    """Paint each scene's shape into ``images`` in place; returns the masks ``(n, H, W)`` bool."""
    n, _, height, width = images.shape
    yc, xc = _pixel_centres(height, width)
    masks = np.empty((n, height, width), dtype=bool)
    dx = xc - p.centers[:, 0, None, None].astype(np.float32)
    dy = yc - p.centers[:, 1, None, None].astype(np.float32)
    cos = p.rotations[:, 0, None, None].astype(np.float32)
    sin = p.rotations[:, 1, None, None].astype(np.float32)
    du = cos * dx + sin * dy
    dv = cos * dy - sin * dx
    rr = p.radii[:, None, None].astype(np.float32)
    for s in np.unique(p.labels):
        sel = np.flatnonzero(p.labels == s)
        masks[sel] = shape_masks(int(s), du[sel], dv[sel], rr[sel])
    np.copyto(images, np.broadcast_to(p.shape_rgb[:, :, None, None], images.shape), where=masks[:, None])
    return masks


def render(p: SceneParameters, height: int, width: int, *, seed: int, first: int, noise: float):
    """Draw a chunk of scenes from their parameters.

    Background texture, then the blobs, then the shape on top, then uniform noise in
    ``[-noise, noise]`` added to every pixel (no clipping: callers keep colours far enough
    from 0 and 1).

    Returns
    -------
    images : (n, H, W, 3) float32
    masks : (n, H, W) bool, True exactly on the shape's pixels
    """
    images = paint_background(p, texture_weights(p, height, width, seed=seed, first=first))
    paint_blobs(images, p)
    masks = paint_shapes(images, p)
    images = images.transpose(0, 2, 3, 1) + (p.noise * np.float32(2.0) - np.float32(1.0)) * np.float32(noise)
    return images, masks
