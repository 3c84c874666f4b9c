"""Captioned scenes for the tiny CLIP: one large named-colour shape, captions in several phrasings.

:func:`vklib.data.make_scenes` draws shapes whose circumradius is 10-27 % of the side, anywhere
on a 3 x 3 grid. At the 32-48 pixels a CPU can afford, a small star and a small cross then
differ in a handful of pixels. :func:`make_caption_scenes` draws the same kind of scene
(the same shapes, the seven named colours of :data:`vklib.data.COLORS`, the same textured
backgrounds, distractor blobs and noise, rendered by the same code) with a *larger* shape,
18-34 % of the side, anywhere it fits, and a caption that names its size, colour, shape and
background (not its position), written in one of several phrasings
(:data:`vklib.clip.captions.PHRASINGS`).

Reproducibility as in :mod:`vklib.data`: scene ``i`` of ``make_caption_scenes(n, seed=s)``
is drawn by its own generator ``PCG64([s, i, 6])`` and depends only on ``(s, i)``; the pixels
use the exactly rounded drawing code of :mod:`vklib.data.drawing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..data.drawing import BACKGROUNDS, SHAPES
from ..data.scenes import (COLORS, SceneBatch, allowed_colours, check_scene_options, draw_clutter, empty_parameters,
                           names_to_indices, render_in_chunks)
from .captions import PHRASINGS, phrase

__all__ = ["CAPTION_SIZES", "CaptionScenes", "make_caption_scenes"]

#: Size classes of the captioned scenes: the circumradius as a fraction of the image side.
CAPTION_SIZES = {"small": (0.18, 0.22), "medium": (0.24, 0.28), "large": (0.30, 0.34)}


@dataclass(frozen=True)
class CaptionScenes(SceneBatch):
    """A batch of captioned scenes (see :func:`make_caption_scenes`).

    Attributes
    ----------
    images : (N, H, W, 3) float32 in [0, 1]
    masks : (N, H, W) bool, True exactly on the shape's pixels
    labels : (N,) int64, index into :data:`vklib.data.SHAPES`
    colors : (N,) int64, index into ``list(vklib.data.COLORS)``
    sizes : (N,) int64, index into ``list(CAPTION_SIZES)``
    backgrounds : (N,) int64, index into :data:`vklib.data.BACKGROUNDS`
    phrasings : (N,) int64, index into ``list(PHRASINGS)`` of the caption's phrasing
    captions : list of N str
    """

    sizes: np.ndarray
    backgrounds: np.ndarray
    phrasings: np.ndarray
    captions: list

    @property
    def pairs(self) -> np.ndarray:
        """(N,) int64 colour-shape class ``colour * len(SHAPES) + shape`` (42 classes)."""
        return self.colors * len(SHAPES) + self.labels

    def attributes(self, i: int) -> dict:
        """The named attributes of scene ``i``."""
        return {"shape": SHAPES[self.labels[i]], "color": list(COLORS)[self.colors[i]],
                "size": list(CAPTION_SIZES)[self.sizes[i]], "background": BACKGROUNDS[self.backgrounds[i]],
                "phrasing": list(PHRASINGS)[self.phrasings[i]], "caption": self.captions[i]}


def make_caption_scenes(n: int, *, size: int = 32, seed: int = 0, colors: Iterable[str] | None = None,
                        shapes: Iterable[str] | None = None, exclude: Iterable[tuple[str, str]] = (),
                        phrasings: Iterable[str] | None = ("plain",), max_distractors: int = 2,
                        noise: float = 0.03) -> CaptionScenes:
    """Draw ``n`` captioned scenes: one large shape of a named colour on a textured background.

    Parameters
    ----------
    n : int
        Number of scenes (0 gives empty arrays).
    size : int, keyword-only
        Image side in pixels (at least 16).
    seed : int, keyword-only
        Scene ``i`` is drawn by the generator ``PCG64([seed, i, 6])``.
    colors, shapes : list of str, keyword-only, optional
        Restrict the draw (defaults: all seven colours and six shapes).
    exclude : iterable of (colour, shape), keyword-only
        Colour-shape pairs that never occur; a scene that would draw one redraws its colour
        among the allowed ones (as :func:`vklib.data.make_scenes`).
    phrasings : list of str or None, keyword-only
        Names from :data:`~vklib.clip.captions.PHRASINGS`; each caption uses one drawn
        uniformly (``None``: all of them). Default: only ``"plain"``.
    max_distractors : int, keyword-only
        Each scene gets 0..max_distractors muted blobs under the shape.
    noise : float, keyword-only
        Amplitude of the uniform per-pixel noise, in [0, 0.05].

    Returns
    -------
    CaptionScenes

    Notes
    -----
    Per scene, in this order: shape, colour, size class, background, phrasing, circumradius
    ``r`` (from :data:`CAPTION_SIZES` times the side), centre (uniform where the whole
    shape stays at least one pixel inside the image), rotation ``U(-0.5, 0.5)`` rad (none
    for circles), the two background colours, texture parameters, blobs, noise.

    Examples
    --------
    >>> s = make_caption_scenes(2, seed=0)
    >>> s.images.shape, s.captions[0]  # doctest: +SKIP
    ((2, 32, 32, 3), 'a large green triangle on a striped background')
    """
    n, height, width, seed = check_scene_options(n, size, seed, noise=noise, max_distractors=max_distractors)
    shape_ids = names_to_indices(shapes, SHAPES, "shapes")
    colour_ids = names_to_indices(colors, list(COLORS), "colors")
    phrase_ids = names_to_indices(phrasings, list(PHRASINGS), "phrasings")
    allowed = allowed_colours(shape_ids, colour_ids, exclude)

    side = min(height, width)
    p = empty_parameters(n, height, width, max_distractors)
    colours, sizes, said = (np.empty(n, np.int64) for _ in range(3))
    for i in range(n):
        rng = np.random.Generator(np.random.PCG64([seed, i, 6]))
        label = shape_ids[rng.integers(len(shape_ids))]
        options = allowed[int(label)]
        p.labels[i], colours[i] = label, options[rng.integers(len(options))]
        sizes[i] = rng.integers(len(CAPTION_SIZES))
        p.backgrounds[i] = rng.integers(len(BACKGROUNDS))
        said[i] = phrase_ids[rng.integers(len(phrase_ids))]
        r = side * rng.uniform(*list(CAPTION_SIZES.values())[sizes[i]])
        p.radii[i] = r
        p.centers[i] = rng.uniform(r + 1, width - r - 1), rng.uniform(r + 1, height - r - 1)
        angle = 0.0 if SHAPES[label] == "circle" else rng.uniform(-0.5, 0.5)
        p.rotations[i] = math.cos(angle), math.sin(angle)
        draw_clutter(rng, i, p, height=height, width=width, max_distractors=max_distractors)
    p.shape_rgb[:] = np.array(list(COLORS.values()), dtype=np.float32)[colours]
    images, masks = render_in_chunks(p, height, width, seed=seed, noise=noise)
    names = list(PHRASINGS)
    captions = [phrase(names[said[i]], thing=f"{list(COLORS)[colours[i]]} {SHAPES[p.labels[i]]}",
                       size=list(CAPTION_SIZES)[sizes[i]], background=BACKGROUNDS[p.backgrounds[i]])
                for i in range(n)]
    return CaptionScenes(images=images, masks=masks, labels=p.labels, colors=colours, sizes=sizes,
                         backgrounds=p.backgrounds, phrasings=said, captions=captions)
