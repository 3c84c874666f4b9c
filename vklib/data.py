"""The book's offline data: scikit-image photographs and seeded synthetic scenes.

Nothing here downloads anything. The photographs ship inside scikit-image; the
synthetic scenes are drawn by :func:`make_scenes` from a seed, with ground truth
(per-pixel masks, class labels, attributes, captions) that the chapters use:

* GrabCut (chapter 3) segments the shape, scored against its mask;
* the CAM model (chapter 4) classifies the shape, its maps are scored by the masks;
* SimCLR (chapter 5) learns features from the images alone, probed with the labels;
* the tiny CLIP (chapter 6) learns from the captions and is tested zero-shot on
  colour-shape pairs held out with ``exclude``.

Reproducibility: scene ``i`` of ``make_scenes(n, seed=s)`` depends only on ``(s, i)``
(each scene has its own ``PCG64([s, i])`` generator), so the first ten scenes of a
batch of a hundred equal a batch of ten. The drawing uses only integer arithmetic,
comparisons and IEEE-exact float operations (``+ - * /``), so a seed gives identical
bytes on any machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Iterable, Sequence

import numpy as np

from .checks import check_array, check_in
from .images import as_float_image

__all__ = [
    "PHOTOS",
    "SHAPES",
    "COLORS",
    "SIZES",
    "POSITIONS",
    "BACKGROUNDS",
    "Scenes",
    "bounding_boxes",
    "load_photo",
    "make_scenes",
]

# --------------------------------------------------------------------------------------
# Photographs
# --------------------------------------------------------------------------------------

#: Photographs that ship inside scikit-image (no download), by name.
PHOTOS = (
    "astronaut",
    "camera",
    "cat",
    "chelsea",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "rocket",
    "moon",
    "page",
    "text",
    "brick",
    "grass",
    "gravel",
)


def load_photo(name: str, *, as_gray: bool = False) -> np.ndarray:
    """Load a photograph that ships with scikit-image, as a float image in [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`PHOTOS` (e.g. ``"astronaut"``, ``"chelsea"``, ``"coffee"``).
    as_gray : bool
        Return ``(H, W)`` luminance (scikit-image's ``rgb2gray`` weights, applied to the
        encoded sRGB values as scikit-image does) instead of ``(H, W, 3)`` RGB.

    Returns
    -------
    numpy.ndarray, float32
        ``(H, W, 3)`` sRGB-encoded values for colour photographs, ``(H, W)`` for the
        grey ones (camera, coins, moon, page, text, brick, grass, gravel) and whenever
        ``as_gray`` is set.

    Examples
    --------
    >>> load_photo("chelsea").shape
    (300, 451, 3)
    """
    check_in(name, "name", PHOTOS)
    import skimage.data

    image = as_float_image(getattr(skimage.data, name)())
    if image.ndim == 3 and image.shape[-1] == 4:  # never for the listed photos; be explicit
        raise ValueError(f"photo {name!r} has an alpha channel")
    if as_gray and image.ndim == 3:
        from skimage.color import rgb2gray

        image = rgb2gray(image).astype(np.float32)
    return image


# --------------------------------------------------------------------------------------
# Synthetic scenes
# --------------------------------------------------------------------------------------

#: Shape classes; a scene's label is the index of its shape in this tuple.
SHAPES = ("circle", "square", "triangle", "diamond", "star", "cross")

#: Named shape colours, sRGB in [0.05, 0.95] so that the texture noise never leaves [0, 1].
COLORS = {
    "red": (0.86, 0.10, 0.10),
    "orange": (0.95, 0.52, 0.06),
    "yellow": (0.93, 0.86, 0.10),
    "green": (0.12, 0.68, 0.20),
    "blue": (0.12, 0.28, 0.90),
    "purple": (0.56, 0.18, 0.74),
    "pink": (0.95, 0.45, 0.72),
}

#: Sizes with the shape's circumradius as a fraction of the image side.
SIZES = {"small": (0.10, 0.14), "medium": (0.16, 0.20), "large": (0.22, 0.27)}

#: The nine cells of a 3 x 3 grid, row by row, and how a caption names them.
POSITIONS = (
    "at the top left", "at the top", "at the top right",
    "on the left", "in the centre", "on the right",
    "at the bottom left", "at the bottom", "at the bottom right",
)

#: Background textures.
BACKGROUNDS = ("plain", "striped", "checked", "noisy", "gradient")

_SQRT3_2 = math.sqrt(3.0) / 2.0
_SQRT1_2 = math.sqrt(0.5)
_CROSS_REACH = math.sqrt(1.0 - 0.34**2)
# Unit normals of the sides of an upward-pointing equilateral triangle (y grows downwards).
_TRIANGLE_NORMALS = ((0.0, 1.0), (_SQRT3_2, -0.5), (-_SQRT3_2, -0.5))
# Unit normals of the five lines of a pentagram: angles -90 + 72 k degrees, exact to the last bit
# because they are computed once with the correctly rounded scalar math library.
_STAR_NORMALS = tuple(
    (math.cos(math.radians(-90.0 + 72.0 * k)), math.sin(math.radians(-90.0 + 72.0 * k))) for k in range(5)
)
# Distance of a pentagram line from the centre, as a fraction of the outer radius: cos(72°).
_STAR_OFFSET = math.cos(math.radians(72.0))


@dataclass(frozen=True)
class Scenes:
    """A batch of synthetic scenes with their ground truth.

    Attributes
    ----------
    images : (N, H, W, 3) float32 in [0, 1]
    masks : (N, H, W) bool, True exactly on the shape's pixels
    labels : (N,) int64, index into :data:`SHAPES`
    colors : (N,) int64, index into ``list(COLORS)``
    sizes : (N,) int64, index into ``list(SIZES)``
    positions : (N,) int64, index into :data:`POSITIONS` (3 x 3 grid, row by row)
    backgrounds : (N,) int64, index into :data:`BACKGROUNDS`
    centers : (N, 2) float32, the shape's centre (x, y) in pixels
    radii : (N,) float32, the shape's circumradius in pixels
    captions : list of N str, e.g. ``"a small red triangle at the top left on a striped background"``
    """

    images: np.ndarray
    masks: np.ndarray
    labels: np.ndarray
    colors: np.ndarray
    sizes: np.ndarray
    positions: np.ndarray
    backgrounds: np.ndarray
    centers: np.ndarray
    radii: np.ndarray
    captions: list

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index) -> "Scenes":
        """A subset of the scenes (an int, slice, index array or boolean mask)."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        idx = np.arange(len(self))[index]
        values = {}
        for f in fields(self):
            v = getattr(self, f.name)
            values[f.name] = [v[i] for i in idx] if isinstance(v, list) else v[idx]
        return Scenes(**values)

    def attributes(self, i: int) -> dict:
        """The named attributes of scene ``i``."""
        return {
            "shape": SHAPES[self.labels[i]],
            "color": list(COLORS)[self.colors[i]],
            "size": list(SIZES)[self.sizes[i]],
            "position": POSITIONS[self.positions[i]],
            "background": BACKGROUNDS[self.backgrounds[i]],
            "caption": self.captions[i],
        }

    @property
    def boxes(self) -> np.ndarray:
        """(N, 4) int64 bounding boxes ``(x0, y0, x1, y1)`` of the masks, ends exclusive."""
        return bounding_boxes(self.masks)


def bounding_boxes(masks: np.ndarray) -> np.ndarray:
    """Bounding boxes of boolean masks.

    Parameters
    ----------
    masks : (H, W) or (N, H, W) bool
        Each mask must contain at least one True pixel.

    Returns
    -------
    (4,) or (N, 4) int64
        ``(x0, y0, x1, y1)`` with exclusive ends: the mask's pixels lie in
        ``mask[y0:y1, x0:x1]``.
    """
    check_array(masks, "masks", ndim=(2, 3), dtype="bool")
    single = masks.ndim == 2
    m = masks[None] if single else masks
    rows = m.any(axis=2)
    cols = m.any(axis=1)
    if not rows.any(axis=1).all():
        raise ValueError("every mask must contain at least one True pixel")
    h, w = m.shape[1:]
    y0 = rows.argmax(axis=1)
    y1 = h - rows[:, ::-1].argmax(axis=1)
    x0 = cols.argmax(axis=1)
    x1 = w - cols[:, ::-1].argmax(axis=1)
    boxes = np.stack([x0, y0, x1, y1], axis=1).astype(np.int64)
    return boxes[0] if single else boxes


def _names_to_indices(names: Iterable[str] | None, options: Sequence[str], what: str) -> np.ndarray:
    if names is None:
        return np.arange(len(options))
    if isinstance(names, str):
        raise TypeError(f"{what} must be a list of names, got the string {names!r}")
    names = list(names)
    if not names:
        raise ValueError(f"{what} must name at least one of {list(options)}")
    for name in names:
        check_in(name, what[:-1] if what.endswith("s") else what, options)
    return np.array([list(options).index(n) for n in names])


def _shape_masks(cls: int, du: np.ndarray, dv: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Rasterise shape class ``cls`` for offsets (u, v) from the centre, radius r (broadcast)."""
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


def _muted_colour(rng: np.random.Generator) -> np.ndarray:
    grey = rng.uniform(0.25, 0.8)
    return np.clip(grey + rng.uniform(-0.08, 0.08, 3), 0.1, 0.9)


_CHUNK = 32


def _render(height, width, seed, first, labels, colour_rgb, bgs, centers, radii, rot, bg_colours, bg_params,
            n_dist, dist, noises, noise):
    """Draw a chunk of scenes from their parameters (steps 2-4 of :func:`make_scenes`)."""
    n = len(labels)
    y = np.arange(height, dtype=np.int64)[None, :, None]
    x = np.arange(width, dtype=np.int64)[None, None, :]

    # 2. Background: a blend weight t between two muted colours, by texture.
    t = np.zeros((n, height, width), np.float32)
    period, direction, ox, oy = (bg_params[:, k][:, None, None] for k in range(4))
    for b, name in enumerate(BACKGROUNDS):
        sel = np.flatnonzero(bgs == b)
        if sel.size == 0 or name == "plain":
            continue
        p, dr, xo, yo = period[sel], direction[sel], ox[sel], oy[sel]
        if name == "striped":  # directions: vertical, horizontal, and the two diagonals
            a = np.where(dr == 1, 0, 1)
            c = np.where(dr == 0, 0, np.where(dr == 3, -1, 1))
            t[sel] = ((a * (x + xo) + c * (y + yo) + 64) // p) % 2
        elif name == "checked":
            t[sel] = ((x + xo) // p + (y + yo) // p) % 2
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
    # Work channels-first so that every broadcast runs over contiguous rows.
    t = t[:, None]
    c0 = bg_colours[:, 0, :, None, None].astype(np.float32)
    c1 = bg_colours[:, 1, :, None, None].astype(np.float32)
    images = c0 + (c1 - c0) * t

    # 3. Distractor blobs (axis-aligned ellipses), then the shape on top.
    yc = (y + 0.5).astype(np.float32)
    xc = (x + 0.5).astype(np.float32)
    for d in range(dist.shape[1]):
        sel = np.flatnonzero(n_dist > d)
        if sel.size == 0:
            continue
        p = dist[sel, d].astype(np.float32)
        ex = (xc - p[:, 0, None, None]) / p[:, 2, None, None]
        ey = (yc - p[:, 1, None, None]) / p[:, 3, None, None]
        blob = ex * ex + ey * ey <= 1.0
        sub = images[sel]
        np.copyto(sub, np.broadcast_to(p[:, 4:, None, None], sub.shape), where=blob[:, None])
        images[sel] = sub

    masks = np.empty((n, height, width), dtype=bool)
    dx = xc - centers[:, 0, None, None].astype(np.float32)
    dy = yc - centers[:, 1, None, None].astype(np.float32)
    cos = rot[:, 0, None, None].astype(np.float32)
    sin = rot[:, 1, None, None].astype(np.float32)
    du = cos * dx + sin * dy
    dv = cos * dy - sin * dx
    rr = radii[:, None, None].astype(np.float32)
    for s in np.unique(labels):
        sel = np.flatnonzero(labels == s)
        masks[sel] = _shape_masks(int(s), du[sel], dv[sel], rr[sel])
    np.copyto(images, np.broadcast_to(colour_rgb[:, :, None, None], images.shape), where=masks[:, None])

    # 4. Texture noise. Every colour lies in [0.05, 0.95], so no clipping is needed.
    images = images.transpose(0, 2, 3, 1) + (noises * np.float32(2.0) - np.float32(1.0)) * np.float32(noise)
    return images, masks



def make_scenes(
    n: int,
    *,
    size: int | tuple[int, int] = 64,
    seed: int = 0,
    shapes: Iterable[str] | None = None,
    colors: Iterable[str] | None = None,
    backgrounds: Iterable[str] | None = None,
    exclude: Iterable[tuple[str, str]] = (),
    max_distractors: int = 3,
    noise: float = 0.03,
) -> Scenes:
    """Draw ``n`` synthetic scenes: one coloured shape on a textured, cluttered background.

    Parameters
    ----------
    n : int
        Number of scenes (0 is allowed and gives empty arrays).
    size : int or (H, W)
        Image size in pixels (at least 16).
    seed : int
        Scene ``i`` is drawn by the generator ``PCG64([seed, i])``.
    shapes, colors, backgrounds : list of str, optional
        Restrict the draw to these names (defaults: all of :data:`SHAPES`,
        :data:`COLORS`, :data:`BACKGROUNDS`). Labels still index the full tuples.
    exclude : iterable of (colour, shape)
        Colour-shape pairs that never occur (for held-out zero-shot tests). A scene
        that would draw an excluded pair redraws its colour from the allowed ones.
    max_distractors : int
        Each scene gets 0..max_distractors muted elliptical blobs under the shape.
    noise : float
        Amplitude of the uniform per-pixel texture noise, in [0, 0.05].

    Returns
    -------
    Scenes
        Images, masks, labels, attributes and captions; see :class:`Scenes`.

    Notes
    -----
    Drawing a scene:

    1. attributes: shape, colour, size (circumradius ``r`` from :data:`SIZES` times the
       shorter side), 3 x 3 grid cell, rotation (except circles), background;
    2. the centre is drawn inside the grid cell and at least ``r + 1`` pixels from every border, so
       the whole shape is visible;
    3. background: ``plain``, ``striped`` (period 4-9 px, horizontal, vertical or
       diagonal), ``checked``, ``noisy`` (4 x 4-pixel blocks) or ``gradient``, in two
       muted colours, then the distractor blobs;
    4. the shape is painted where its mask is True, with its named colour;
    5. uniform noise in ``[-noise, noise]`` is added to every pixel; colours are kept
       inside ``[0.05, 0.95]`` so the result stays in [0, 1] without clipping.

    Examples
    --------
    >>> s = make_scenes(2, seed=0)
    >>> s.images.shape, s.masks.shape
    ((2, 64, 64, 3), (2, 64, 64))
    >>> s.captions[0]  # doctest: +SKIP
    'a medium blue cross at the bottom on a noisy background'
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        height = width = int(size)
    elif isinstance(size, tuple) and len(size) == 2 and all(isinstance(s, (int, np.integer)) for s in size):
        height, width = (int(s) for s in size)
    else:
        raise TypeError(f"size must be an int or a (height, width) tuple of ints, got {size!r}")
    if min(height, width) < 16:
        raise ValueError(f"size must be at least 16 pixels, got {(height, width)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not 0 <= noise <= 0.05:
        raise ValueError(f"noise must lie in [0, 0.05], got {noise!r}")
    if isinstance(max_distractors, bool) or not isinstance(max_distractors, (int, np.integer)) or max_distractors < 0:
        raise ValueError(f"max_distractors must be a non-negative integer, got {max_distractors!r}")
    shape_ids = _names_to_indices(shapes, SHAPES, "shapes")
    colour_names = list(COLORS)
    colour_ids = _names_to_indices(colors, colour_names, "colors")
    background_ids = _names_to_indices(backgrounds, BACKGROUNDS, "backgrounds")
    excluded = set()
    for pair in exclude:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"exclude must hold (colour, shape) tuples, got {pair!r}")
        colour, shape = pair
        check_in(colour, "excluded colour", colour_names)
        check_in(shape, "excluded shape", SHAPES)
        excluded.add((colour_names.index(colour), SHAPES.index(shape)))
    allowed = {int(s): [int(c) for c in colour_ids if (int(c), int(s)) not in excluded] for s in shape_ids}
    for s, cs in allowed.items():
        if not cs:
            raise ValueError(f"exclude leaves no colour for the shape {SHAPES[s]!r}")

    side = min(height, width)
    size_ranges = list(SIZES.values())
    colour_table = np.array([COLORS[c] for c in colour_names], dtype=np.float32)

    # 1. Per-scene parameters, each scene from its own generator.
    labels = np.empty(n, np.int64)
    cols = np.empty(n, np.int64)
    sizes = np.empty(n, np.int64)
    cells = np.empty(n, np.int64)
    bgs = np.empty(n, np.int64)
    centers = np.empty((n, 2), np.float64)
    radii = np.empty(n, np.float64)
    rot = np.empty((n, 2), np.float64)  # (cos, sin)
    bg_colours = np.empty((n, 2, 3), np.float64)
    bg_params = np.empty((n, 4), np.int64)  # period, direction, offset x, offset y
    n_dist = np.empty(n, np.int64)
    dist = np.zeros((n, max(max_distractors, 1), 7), np.float64)  # cx, cy, rx, ry, r, g, b
    noises = np.empty((n, height, width, 3), np.float32)
    for i in range(n):
        rng = np.random.Generator(np.random.PCG64([int(seed), i]))
        labels[i] = shape_ids[rng.integers(len(shape_ids))]
        options = allowed[int(labels[i])]
        cols[i] = options[rng.integers(len(options))]
        sizes[i] = rng.integers(3)
        cells[i] = rng.integers(9)
        bgs[i] = background_ids[rng.integers(len(background_ids))]
        lo, hi = size_ranges[sizes[i]]
        r = side * rng.uniform(lo, hi)
        radii[i] = r
        row, col = divmod(int(cells[i]), 3)
        x_lo, x_hi = max(col * width / 3, r + 1), min((col + 1) * width / 3, width - r - 1)
        y_lo, y_hi = max(row * height / 3, r + 1), min((row + 1) * height / 3, height - r - 1)
        centers[i] = rng.uniform(x_lo, x_hi), rng.uniform(y_lo, y_hi)
        angle = 0.0 if SHAPES[labels[i]] == "circle" else rng.uniform(-0.5, 0.5)
        rot[i] = math.cos(angle), math.sin(angle)
        bg_colours[i, 0] = _muted_colour(rng)
        bg_colours[i, 1] = _muted_colour(rng)
        bg_params[i] = rng.integers(4, 10), rng.integers(4), rng.integers(16), rng.integers(16)
        n_dist[i] = rng.integers(max_distractors + 1)
        for d in range(n_dist[i]):
            dist[i, d, :4] = rng.uniform(0, width), rng.uniform(0, height), *(side * rng.uniform(0.05, 0.14, 2))
            dist[i, d, 4:] = _muted_colour(rng)
        noises[i] = rng.random((height, width, 3), dtype=np.float32)

    # 2-4. Render in chunks that stay in the CPU cache.
    images = np.empty((n, height, width, 3), np.float32)
    masks = np.zeros((n, height, width), dtype=bool)
    colour_rgb = colour_table[cols]
    for lo in range(0, n, _CHUNK):
        sl = slice(lo, min(lo + _CHUNK, n))
        images[sl], masks[sl] = _render(
            height, width, int(seed), lo, labels[sl], colour_rgb[sl], bgs[sl], centers[sl], radii[sl], rot[sl],
            bg_colours[sl], bg_params[sl], n_dist[sl], dist[sl], noises[sl], noise,
        )

    size_names = list(SIZES)
    captions = [
        f"a {size_names[sizes[i]]} {colour_names[cols[i]]} {SHAPES[labels[i]]} "
        f"{POSITIONS[cells[i]]} on a {BACKGROUNDS[bgs[i]]} background"
        for i in range(n)
    ]
    return Scenes(
        images=images,
        masks=masks,
        labels=labels,
        colors=cols,
        sizes=sizes,
        positions=cells,
        backgrounds=bgs,
        centers=centers.astype(np.float32),
        radii=radii.astype(np.float32),
        captions=captions,
    )
