"""SimCLR's data augmentations, batched in torch with per-image random parameters.

Every function takes a batch ``images`` of shape ``(B, C, H, W)`` (float, values in
[0, 1], any device) and a ``torch.Generator``; each image of the batch gets its own
random parameters, drawn from the generator, so one call augments the whole batch with
a handful of tensor operations instead of a Python loop over images. The same
generator state gives the same views (on the generator's device).

The composition and its constants follow Chen et al. (2020), appendix A:

1. random resized crop (area fraction ``U(0.08, 1)``, log aspect ratio uniform in
   ``[log 3/4, log 4/3]``), resized back to the output size, and a horizontal flip
   with probability 1/2;
2. colour distortion of strength ``s``: with probability 0.8 a colour jitter of
   brightness ``0.8 s``, contrast ``0.8 s``, saturation ``0.8 s`` and hue ``0.2 s``
   applied in a random order, then random grayscale with probability 0.2;
3. Gaussian blur with probability 1/2, sigma ``U(0.1, 2.0)`` and a kernel about 10 %
   of the image side.

The colour operations (step 2) live in :mod:`vklib.simclr.distortion` and are re-exported
here; the checks and random draws they share, in :mod:`vklib.simclr._draws`.

References
----------
.. [1] T. Chen, S. Kornblith, M. Norouzi, G. Hinton, "A simple framework for contrastive
   learning of visual representations", ICML 2020. https://doi.org/10.48550/arXiv.2002.05709
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from vklib.edges.kernels import gaussian_kernel1d
from vklib.simclr._draws import _bernoulli, _check_batch, _check_generator, _check_probability, _uniform
from vklib.simclr.distortion import (adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation,
                                     color_distortion, color_jitter, random_grayscale, rgb_to_grayscale)

__all__ = [
    "random_resized_crop",
    "random_flip",
    "color_jitter",
    "color_distortion",
    "random_grayscale",
    "gaussian_blur",
    "rgb_to_grayscale",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "adjust_hue",
    "simclr_augment",
    "two_views",
    "TwoViews",
]


def random_resized_crop(images, *, generator, size=None, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), flip_p=0.0):
    """Crop a random box from every image and resize it to ``size`` (bilinear, one ``grid_sample``).

    Parameters
    ----------
    images : torch.Tensor, shape (B, 3, H, W)
    generator : torch.Generator
    size : int or (int, int), optional
        Output size (default: the input size).
    scale : (float, float)
        Range of the box's area as a fraction of the image area, in (0, 1].
    ratio : (float, float)
        Range of the box's aspect ratio width / height; drawn uniformly in log space.
    flip_p : float
        Probability of also flipping each crop horizontally (free: it negates a scale).

    Returns
    -------
    torch.Tensor, shape (B, 3, size, size)

    Notes
    -----
    For area fraction ``a`` and ratio ``r`` the box is ``w = sqrt(a r)``, ``h = sqrt(a / r)``
    (fractions of the width and height, each capped at 1), its centre is uniform over the
    positions that keep it inside the image, and the affine map from output coordinates
    ``(u, v)`` in [-1, 1] to input coordinates is ``x = ±w u + c_x``, ``y = h v + c_y``.
    """
    _check_batch(images)
    _check_generator(generator)
    lo, hi = float(scale[0]), float(scale[1])
    if not 0 < lo <= hi <= 1:
        raise ValueError(f"scale must satisfy 0 < scale[0] <= scale[1] <= 1, got {scale}")
    if not 0 < ratio[0] <= ratio[1]:
        raise ValueError(f"ratio must satisfy 0 < ratio[0] <= ratio[1], got {ratio}")
    _check_probability(flip_p, "flip_p")
    b, _, height, width = images.shape
    out_h, out_w = (height, width) if size is None else ((size, size) if isinstance(size, int) else tuple(size))
    area = _uniform(generator, b, lo, hi, images)
    log_r = _uniform(generator, b, math.log(ratio[0]), math.log(ratio[1]), images)
    r = torch.exp(log_r)
    w = torch.sqrt(area * r).clamp(max=1.0)
    h = torch.sqrt(area / r).clamp(max=1.0)
    cx = (1 - w) * (2 * _uniform(generator, b, 0.0, 1.0, images) - 1)
    cy = (1 - h) * (2 * _uniform(generator, b, 0.0, 1.0, images) - 1)
    sign = 1 - 2 * _bernoulli(generator, b, flip_p, images).to(images.dtype)
    theta = torch.zeros(b, 2, 3, device=images.device, dtype=images.dtype)
    theta[:, 0, 0] = w * sign
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, [b, 3, out_h, out_w], align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def random_flip(images, *, generator, p=0.5):
    """Flip each image left-right with probability ``p``."""
    _check_batch(images)
    _check_generator(generator)
    _check_probability(p)
    flip = _bernoulli(generator, images.shape[0], p, images).view(-1, 1, 1, 1)
    return torch.where(flip, images.flip(-1), images)


def gaussian_blur(images, *, generator, sigma=(0.1, 2.0), p=0.5, kernel_size=None):
    """Blur each image with probability ``p`` by a Gaussian of its own ``sigma ~ U(sigma)`` (pixels).

    The kernel is separable, odd, about 10 % of the image side (at least 3 taps), with
    reflect padding; the per-image kernels run as one grouped convolution.
    """
    _check_batch(images)
    _check_generator(generator)
    if not 0 < sigma[0] <= sigma[1]:
        raise ValueError(f"sigma must satisfy 0 < sigma[0] <= sigma[1], got {sigma}")
    _check_probability(p)
    b, c, height, width = images.shape
    k = kernel_size or max(3, int(0.1 * min(height, width)) // 2 * 2 + 1)
    sig = _uniform(generator, b, sigma[0], sigma[1], images)
    blur = _bernoulli(generator, b, p, images)
    chosen = blur.nonzero().squeeze(1)  # only the images drawn for blurring are convolved
    m = chosen.numel()
    out = images.clone()
    if m == 0:
        return out
    pad = k // 2
    # The sampled, normalised Gaussian of vklib.edges (the one the edges and CAM chapters use), with
    # its radius fixed at k // 2 taps: truncate = radius / sigma.
    kern = np.stack([gaussian_kernel1d(s, truncate=pad / s) for s in sig[chosen].tolist()])
    kern = torch.as_tensor(kern, dtype=images.dtype, device=images.device).repeat_interleave(c, 0)  # (m*C, k)
    x = images[chosen].reshape(1, m * c, height, width)
    x = F.conv2d(F.pad(x, (pad, pad, 0, 0), mode="reflect"), kern.view(m * c, 1, 1, k), groups=m * c)
    x = F.conv2d(F.pad(x, (0, 0, pad, pad), mode="reflect"), kern.view(m * c, 1, k, 1), groups=m * c)
    out[chosen] = x.view(m, c, height, width)
    return out


def simclr_augment(images, *, generator, size=None, crop=True, crop_scale=(0.08, 1.0), flip_p=0.5, color=True,
                   strength=1.0, jitter_p=0.8, grayscale_p=0.2, blur=True, blur_p=0.5):
    """One random view of every image: crop + flip, colour distortion, blur (Chen et al. 2020, app. A).

    Parameters
    ----------
    images : torch.Tensor, shape (B, 3, H, W), values in [0, 1]
    generator : torch.Generator
        Source of every random parameter; the same state gives the same views.
    size : int, optional
        Output side (default: the input size).
    crop, color, blur : bool
        Switch each family of augmentations on or off (for the ablations). With ``crop``
        off the images are only resized (and flipped with ``flip_p``).
    crop_scale : (float, float)
        Area fraction range of the random resized crop.
    strength : float
        Colour distortion strength ``s``.

    Returns
    -------
    torch.Tensor, shape (B, 3, size, size), same device and dtype as ``images``.
    """
    _check_batch(images)
    _check_generator(generator)
    x = random_resized_crop(images, generator=generator, size=size, scale=crop_scale if crop else (1.0, 1.0),
                            ratio=(3 / 4, 4 / 3) if crop else (1.0, 1.0), flip_p=flip_p)
    if color:
        x = color_distortion(x, generator=generator, strength=strength, jitter_p=jitter_p, grayscale_p=grayscale_p)
    if blur:
        x = gaussian_blur(x, generator=generator, p=blur_p)
    return x


def two_views(images, *, generator, **options):
    """Two independent views ``(x_i, x_j)`` of every image (the positive pairs), each ``(B, 3, H, W)``."""
    return simclr_augment(images, generator=generator, **options), simclr_augment(images, generator=generator, **options)


class TwoViews:
    """Callable two-view wrapper: ``TwoViews(strength=0.5)(images, generator=g)`` -> ``(x_i, x_j)``."""

    def __init__(self, **options):
        self.options = dict(options)

    def __call__(self, images, *, generator):
        return two_views(images, generator=generator, **self.options)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"TwoViews({args})"
