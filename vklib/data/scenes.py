"""The seeded synthetic scenes (chapter 0, section "Synthetic scenes").

One coloured shape on a textured, cluttered background, with its ground truth: a per-pixel
mask, the class label, the named attributes and a caption. Subsections of chapter 0 that
this module implements: "Reproducible to the last bit" (scene ``i`` of
``make_scenes(n, seed=s)`` depends only on ``(s, i)``) and "Holding out combinations"
(``exclude``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..checks import check_array, check_in
from .batch import SceneBatch
from .drawing import BACKGROUNDS, SHAPES, SceneParameters, muted_colour, render

__all__ = ["SHAPES", "COLORS", "SIZES", "POSITIONS", "BACKGROUNDS", "Scenes", "bounding_boxes", "make_scenes"]

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

# Scenes are rendered this many at a time, so that the work arrays stay in the CPU cache.
_CHUNK = 32


@dataclass(frozen=True)
class Scenes(SceneBatch):
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

    sizes: np.ndarray
    positions: np.ndarray
    backgrounds: np.ndarray
    centers: np.ndarray
    radii: np.ndarray
    captions: list

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


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------

def check_count(n) -> int:
    """``n`` as an int >= 0, or a TypeError/ValueError."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return int(n)


def check_size(size, *, minimum: int = 16) -> tuple[int, int]:
    """``size`` (an int or an ``(H, W)`` tuple of ints, each >= ``minimum``) as ``(H, W)``."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        height = width = int(size)
    elif isinstance(size, tuple) and len(size) == 2 and all(isinstance(s, (int, np.integer)) for s in size):
        height, width = (int(s) for s in size)
    else:
        raise TypeError(f"size must be an int or a (height, width) tuple of ints, got {size!r}")
    if min(height, width) < minimum:
        raise ValueError(f"size must be at least {minimum} pixels, got {(height, width)}")
    return height, width


def check_scene_options(n, size, seed, *, noise, max_distractors) -> tuple[int, int, int, int]:
    """Check the options every cluttered-scene maker shares; return ``(n, height, width, seed)``."""
    n = check_count(n)
    height, width = check_size(size)
    seed = check_seed(seed)
    if not 0 <= noise <= 0.05:
        raise ValueError(f"noise must lie in [0, 0.05], got {noise!r}")
    if isinstance(max_distractors, bool) or not isinstance(max_distractors, (int, np.integer)) or max_distractors < 0:
        raise ValueError(f"max_distractors must be a non-negative integer, got {max_distractors!r}")
    return n, height, width, seed


def check_seed(seed) -> int:
    """``seed`` as a non-negative int, or a ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def names_to_indices(names: Iterable[str] | None, options: Sequence[str], what: str) -> np.ndarray:
    """Indices into ``options`` of a list of names (all of them for ``None``)."""
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


def allowed_colours(shape_ids, colour_ids, exclude) -> dict:
    """For each allowed shape, the allowed colour indices once the ``exclude`` pairs are removed."""
    colour_names = list(COLORS)
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
    return allowed


# --------------------------------------------------------------------------------------
# Drawing the parameters
# --------------------------------------------------------------------------------------

def empty_parameters(n: int, height: int, width: int, max_distractors: int) -> SceneParameters:
    """Parameter arrays for ``n`` scenes of ``height x width`` with up to ``max_distractors`` blobs (none drawn yet)."""
    return SceneParameters(
        labels=np.empty(n, np.int64), shape_rgb=np.empty((n, 3), np.float32), backgrounds=np.empty(n, np.int64),
        background_rgb=np.empty((n, 2, 3), np.float64), background_params=np.empty((n, 4), np.int64),
        centers=np.empty((n, 2), np.float64), radii=np.empty(n, np.float64), rotations=np.empty((n, 2), np.float64),
        n_blobs=np.zeros(n, np.int64), blobs=np.zeros((n, max(max_distractors, 1), 7), np.float64),
        noise=np.empty((n, height, width, 3), np.float32))


def _draw_scene(rng, i, p, attrs, *, height, width, shape_ids, allowed, background_ids, max_distractors):
    """Draw scene ``i``'s parameters from its generator, into row ``i`` of ``p`` and ``attrs``.

    The order of the draws is part of the format: changing it changes every scene.
    """
    side = min(height, width)
    label = shape_ids[rng.integers(len(shape_ids))]
    options = allowed[int(label)]
    colour = options[rng.integers(len(options))]
    size = rng.integers(3)
    cell = rng.integers(9)
    p.labels[i] = label
    p.backgrounds[i] = background_ids[rng.integers(len(background_ids))]
    attrs["colors"][i], attrs["sizes"][i], attrs["positions"][i] = colour, size, cell
    # Radius from the size class; centre inside the grid cell and >= r + 1 px from every border.
    lo, hi = list(SIZES.values())[size]
    r = side * rng.uniform(lo, hi)
    p.radii[i] = r
    row, col = divmod(int(cell), 3)
    x_lo, x_hi = max(col * width / 3, r + 1), min((col + 1) * width / 3, width - r - 1)
    y_lo, y_hi = max(row * height / 3, r + 1), min((row + 1) * height / 3, height - r - 1)
    p.centers[i] = rng.uniform(x_lo, x_hi), rng.uniform(y_lo, y_hi)
    angle = 0.0 if SHAPES[label] == "circle" else rng.uniform(-0.5, 0.5)
    p.rotations[i] = math.cos(angle), math.sin(angle)
    draw_clutter(rng, i, p, height=height, width=width, max_distractors=max_distractors)


def draw_clutter(rng, i, p, *, height, width, max_distractors) -> None:
    """Draw scene ``i``'s background colours and texture, distractor blobs and texture noise into ``p``.

    These are the last draws of a scene's generator, in this order (part of the format).
    """
    side = min(height, width)
    p.background_rgb[i, 0] = muted_colour(rng)
    p.background_rgb[i, 1] = muted_colour(rng)
    p.background_params[i] = rng.integers(4, 10), rng.integers(4), rng.integers(16), rng.integers(16)
    p.n_blobs[i] = rng.integers(max_distractors + 1)
    for d in range(p.n_blobs[i]):
        p.blobs[i, d, :4] = rng.uniform(0, width), rng.uniform(0, height), *(side * rng.uniform(0.05, 0.14, 2))
        p.blobs[i, d, 4:] = muted_colour(rng)
    p.noise[i] = rng.random((height, width, 3), dtype=np.float32)


def render_in_chunks(p: SceneParameters, height: int, width: int, *, seed: int, noise: float):
    """Render all scenes of ``p``, :data:`_CHUNK` at a time: ``(images, masks)``."""
    n = len(p.labels)
    images = np.empty((n, height, width, 3), np.float32)
    masks = np.zeros((n, height, width), dtype=bool)
    for lo in range(0, n, _CHUNK):
        sl = slice(lo, min(lo + _CHUNK, n))
        images[sl], masks[sl] = render(p[sl], height, width, seed=seed, first=lo, noise=noise)
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
    n, height, width, seed = check_scene_options(n, size, seed, noise=noise, max_distractors=max_distractors)
    shape_ids = names_to_indices(shapes, SHAPES, "shapes")
    colour_ids = names_to_indices(colors, list(COLORS), "colors")
    background_ids = names_to_indices(backgrounds, BACKGROUNDS, "backgrounds")
    allowed = allowed_colours(shape_ids, colour_ids, exclude)

    # 1. Per-scene parameters, each scene from its own generator PCG64([seed, i]).
    p = empty_parameters(n, height, width, max_distractors)
    attrs = {k: np.empty(n, np.int64) for k in ("colors", "sizes", "positions")}
    for i in range(n):
        rng = np.random.Generator(np.random.PCG64([seed, i]))
        _draw_scene(rng, i, p, attrs, height=height, width=width, shape_ids=shape_ids, allowed=allowed,
                    background_ids=background_ids, max_distractors=max_distractors)
    p.shape_rgb[:] = np.array(list(COLORS.values()), dtype=np.float32)[attrs["colors"]]

    # 2-5. Pixels.
    images, masks = render_in_chunks(p, height, width, seed=seed, noise=noise)
    return Scenes(
        images=images,
        masks=masks,
        labels=p.labels,
        colors=attrs["colors"],
        sizes=attrs["sizes"],
        positions=attrs["positions"],
        backgrounds=p.backgrounds,
        centers=p.centers.astype(np.float32),
        radii=p.radii.astype(np.float32),
        captions=_captions(p.labels, attrs, p.backgrounds),
    )


def _captions(labels, attrs, backgrounds) -> list:
    colour_names, size_names = list(COLORS), list(SIZES)
    return [
        f"a {size_names[attrs['sizes'][i]]} {colour_names[attrs['colors'][i]]} {SHAPES[labels[i]]} "
        f"{POSITIONS[attrs['positions'][i]]} on a {BACKGROUNDS[backgrounds[i]]} background"
        for i in range(len(labels))
    ]
