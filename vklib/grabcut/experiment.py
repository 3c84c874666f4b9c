"""The chapter's experiments: scene sets with ground truth, error rates over settings, the benchmark.

Chapter 3 measures GrabCut on three kinds of input, all with exact ground-truth masks:

- the book's synthetic scenes (:func:`vklib.data.make_scenes`), as drawn;
- the same scenes made *noisy*: the generator's largest texture noise (0.05) plus
  Gaussian noise of standard deviation 0.08 on top, clipped to [0, 1];
- *two-colour* scenes (:func:`two_colour_scenes`): the shape is painted in the average
  of two very different background colours, the case where one Gaussian per label fails.

Every image is rounded to 8-bit values first, so that ``vklib.grabcut`` and
``cv2.grabCut`` see the same numbers, and the rectangle is the shape's bounding box
grown by ``margin`` pixels (clipped to the image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import as_checked_array, check_array, check_positive
from ..data import make_scenes
from .compare import error_rate, iou, opencv_grabcut, scene_rect
from .core import grabcut

__all__ = ["SceneSet", "quantise", "synthetic_set", "two_colour_scenes", "foregrounds", "error_rates",
           "found_fractions", "summarise", "benchmark"]


@dataclass(frozen=True)
class SceneSet:
    """Images with ground truth and the rectangle GrabCut starts from.

    Attributes
    ----------
    images : (N, H, W, 3) float64 in [0, 1]
        Rounded to multiples of 1/255.
    masks : (N, H, W) bool
        True on the object.
    rects : list of N (x, y, w, h)
        The object's bounding box grown by ``margin`` pixels.
    captions : list of N str
    """

    images: np.ndarray
    masks: np.ndarray
    rects: list
    captions: list

    def __len__(self) -> int:
        return len(self.rects)


def quantise(image: np.ndarray) -> np.ndarray:
    """Round to 8-bit values, :math:`\\operatorname{round}(255 x) / 255`: the numbers cv2.grabCut sees.

    Elementwise on a float array of any shape, returned as float64; integer images (already
    8-bit), NaN, infinity and complex values are rejected (``TypeError`` / ``ValueError``).
    """
    check_array(image, "image", dtype="floating", nonempty=False)
    return np.round(np.asarray(image, dtype=np.float64) * 255) / 255


def _rects(masks_boxes, shape, margin):
    return [scene_rect(b, shape, margin=margin) for b in masks_boxes]


def synthetic_set(n: int, *, seed: int, noisy: bool = False, size: int = 96, margin: int = 6,
                  noise_seed: int = 0) -> SceneSet:
    """``n`` of the book's synthetic scenes, as drawn or noisy.

    Parameters
    ----------
    n, seed, size
        Passed to :func:`vklib.data.make_scenes`.
    noisy : bool
        Draw with texture noise 0.05 (the generator's largest) and add Gaussian noise
        of standard deviation 0.08 from ``np.random.default_rng(noise_seed)``, then clip
        to [0, 1].
    margin : int
        Pixels added around each bounding box to make the rectangle.
    noise_seed : int
        Seed of the added Gaussian noise.
    """
    check_positive(n, "n", integer=True)
    scenes = make_scenes(n, size=size, seed=seed, noise=0.05 if noisy else 0.03)
    images = scenes.images
    if noisy:
        extra = np.random.default_rng(noise_seed).normal(0, 0.08, images.shape)
        images = np.clip(images + extra, 0, 1)
    images = quantise(images)
    return SceneSet(images, scenes.masks, _rects(scenes.boxes, images.shape[1:3], margin), list(scenes.captions))


def two_colour_scenes(n: int, *, seed: int, size: int = 96, margin: int = 6) -> SceneSet:
    """Shapes painted in the average colour of a background of stripes in two very different colours.

    Each background alternates between colours :math:`a` and :math:`b = 1 - a`, where every
    channel of :math:`a` lies in [0.1, 0.3] or [0.7, 0.9] (so :math:`a` and :math:`b` differ
    by at least 0.4 in every channel), in vertical or horizontal stripes of 4 to 9 pixels.
    The shape (from :func:`vklib.data.make_scenes`, without distractors) is painted in
    :math:`(a + b)/2` plus up to ±0.05 per channel, a grey that no background pixel has;
    every pixel then gets uniform noise of ±0.03. A single Gaussian fitted to the
    background has its mean at that grey. The captions name the size, shape and position
    drawn, e.g. ``"a small grey star at the bottom on horizontal two-colour stripes"``.

    Returns
    -------
    SceneSet
    """
    check_positive(n, "n", integer=True)
    scenes = make_scenes(n, size=size, seed=seed, backgrounds=["plain"], max_distractors=0)
    rng = np.random.default_rng([seed, 3])
    y, x = np.mgrid[:size, :size]
    images = np.empty(scenes.images.shape, np.float64)
    captions = []
    for i in range(n):
        a = np.where(rng.random(3) < 0.5, rng.uniform(0.1, 0.3, 3), rng.uniform(0.7, 0.9, 3))
        b = 1.0 - a
        period, vertical = int(rng.integers(4, 10)), bool(rng.integers(2))
        stripe = (((x if vertical else y) // period) % 2)[..., None]
        image = a + (b - a) * stripe
        grey = 0.5 * (a + b) + rng.uniform(-0.05, 0.05, 3)
        image = np.where(scenes.masks[i][..., None], grey, image) + rng.uniform(-0.03, 0.03, image.shape)
        images[i] = np.clip(image, 0, 1)
        attrs = scenes.attributes(i)  # the generator's colour word no longer applies: the shape is grey
        captions.append(f"a {attrs['size']} grey {attrs['shape']} {attrs['position']} "
                        f"on {'vertical' if vertical else 'horizontal'} two-colour stripes")
    images = quantise(images)
    return SceneSet(images, scenes.masks, _rects(scenes.boxes, images.shape[1:3], margin), captions)


def foregrounds(scene_set: SceneSet, *, n_iter: int = 5, **options) -> np.ndarray:
    """GrabCut's foreground on every scene of a set, from the set's rectangles.

    ``options`` go to :func:`vklib.grabcut.grabcut` (``gamma``, ``n_components``, ...).

    Returns
    -------
    (N, H, W) bool
    """
    if not isinstance(scene_set, SceneSet):
        raise TypeError(f"scene_set must be a SceneSet, got {type(scene_set).__name__}")
    return np.array([grabcut(im, rect=r, n_iter=n_iter, **options).foreground
                     for im, r in zip(scene_set.images, scene_set.rects)], dtype=bool)


def error_rates(scene_set: SceneSet, *, n_iter: int = 5, foreground: np.ndarray | None = None,
                **options) -> np.ndarray:
    """GrabCut's error rate (% of the rectangle wrong) on every scene of a set.

    ``options`` go to :func:`vklib.grabcut.grabcut` (``gamma``, ``n_components``, ...);
    pass ``foreground`` (from :func:`foregrounds`) instead to score results already computed.

    Returns
    -------
    (N,) float64
    """
    if foreground is None:
        foreground = foregrounds(scene_set, n_iter=n_iter, **options)
    elif options:
        raise TypeError("give either foreground or GrabCut options, not both")
    return np.array([error_rate(f, m, r) for f, m, r in zip(foreground, scene_set.masks, scene_set.rects)])


def found_fractions(scene_set: SceneSet, foreground: np.ndarray) -> np.ndarray:
    """The fraction of each object's pixels that GrabCut labelled foreground (its recall).

    Parameters
    ----------
    scene_set : SceneSet
    foreground : (N, H, W) bool
        From :func:`foregrounds`.

    Returns
    -------
    (N,) float64 in [0, 1]: 0 when the object is lost entirely.
    """
    if not isinstance(scene_set, SceneSet):
        raise TypeError(f"scene_set must be a SceneSet, got {type(scene_set).__name__}")
    check_array(foreground, "foreground", dtype="bool")  # NaN or numbers would be cast to True
    if foreground.shape != scene_set.masks.shape:
        raise ValueError(f"foreground must have shape {scene_set.masks.shape}, got {foreground.shape}")
    return (foreground & scene_set.masks).sum(axis=(1, 2)) / scene_set.masks.sum(axis=(1, 2))


def summarise(errors: np.ndarray, *, fail_above: float = 2.0) -> str:
    """``"mean ± sd (failed)"`` for error rates of shape (seeds, scenes).

    The mean and the sample standard deviation (ddof 1) are over the per-seed mean
    errors; *failed* counts the scenes, over all seeds, with more than ``fail_above``
    percent of the rectangle wrong. ``errors`` must be finite real numbers (a list is accepted).
    """
    errors = as_checked_array(errors, "errors", integers=True)  # lists accepted; NaN, complex rejected
    if errors.ndim != 2 or errors.shape[0] < 2:
        raise ValueError(f"errors must have shape (seeds >= 2, scenes), got {errors.shape}")
    per_seed = errors.mean(axis=1)
    return f"{per_seed.mean():5.2f} ± {per_seed.std(ddof=1):4.2f} ({int((errors > fail_above).sum()):2d})"


def benchmark(scene_set: SceneSet, *, n_iter: int = 5) -> np.ndarray:
    """``vklib.grabcut.grabcut`` and ``cv2.grabCut`` on every scene of a set, scored.

    Returns
    -------
    (N, 5) float64
        Per scene: error rate of vklib and of cv2 (% of the rectangle), IoU of each with
        the truth, and the IoU of the two results.
    """
    if not isinstance(scene_set, SceneSet):
        raise TypeError(f"scene_set must be a SceneSet, got {type(scene_set).__name__}")
    rows = []
    for image, r, truth in zip(scene_set.images, scene_set.rects, scene_set.masks):
        mine = grabcut(image, rect=r, n_iter=n_iter).mask
        theirs = opencv_grabcut(image, rect=r, n_iter=n_iter)
        rows.append([error_rate(mine, truth, r), error_rate(theirs, truth, r),
                     iou(mine, truth), iou(theirs, truth), iou(mine, theirs)])
    return np.array(rows)
