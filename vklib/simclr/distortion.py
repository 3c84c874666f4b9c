"""SimCLR's colour distortion (Chen et al. 2020, app. A), batched with per-image factors.

With probability 0.8 a colour jitter of brightness ``0.8 s``, contrast ``0.8 s``,
saturation ``0.8 s`` and hue ``0.2 s`` (strength ``s``) in a random order per image, then
random grayscale with probability 0.2. Every operation takes a float batch ``(B, 3, H, W)``
in [0, 1] (the ``adjust_*`` functions also one ``(3, H, W)`` image) and clips its result to
[0, 1], as torchvision's ``ColorJitter`` does.

References
----------
.. [1] T. Chen, S. Kornblith, M. Norouzi, G. Hinton, "A simple framework for contrastive
   learning of visual representations", ICML 2020. https://doi.org/10.48550/arXiv.2002.05709
"""

from __future__ import annotations

import torch

from vklib.checks import check_positive
from vklib.color.hsv import hsv_to_srgb, srgb_to_hsv
from vklib.simclr._draws import _as_batch, _bernoulli, _check_batch, _check_generator, _check_probability, _single, _uniform

__all__ = ["color_jitter", "color_distortion", "random_grayscale", "rgb_to_grayscale", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue"]

#: ITU-R BT.601 luma weights (the ones torchvision's ``rgb_to_grayscale`` uses).
LUMA = (0.299, 0.587, 0.114)


def rgb_to_grayscale(images):
    """Luma ``Y = 0.299 R + 0.587 G + 0.114 B``: ``(B, 3, H, W)`` -> ``(B, 1, H, W)``, ``(3, H, W)`` -> ``(1, H, W)``.

    Float images only (integer images raise a ``TypeError``: convert them explicitly).
    """
    x, single = _as_batch(images)
    return _single(_luma(x), single)


def _luma(x):
    w = x.new_tensor(LUMA).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def _per_image(factor, images):
    f = torch.as_tensor(factor, dtype=images.dtype, device=images.device)
    if f.ndim > 1 or (f.ndim == 1 and f.shape[0] not in (1, images.shape[0])):
        raise ValueError(f"factor must be a number or one per image, shape ({images.shape[0]},), got {tuple(f.shape)}")
    return f.expand(images.shape[0]).reshape(-1, 1, 1, 1)


def adjust_brightness(images, factor):
    """``x' = clip(b x)``: scale every pixel by ``b`` (a float, or one per image, shape (B,)).

    ``images``: float ``(B, 3, H, W)`` or one ``(3, H, W)`` image in [0, 1]; the result has the same shape.
    """
    x, single = _as_batch(images)
    return _single((x * _per_image(factor, x)).clamp(0, 1), single)


def adjust_contrast(images, factor):
    """``x' = clip(c (x - m) + m)`` with ``m`` the image's mean luma: blend with a flat grey image.

    ``images``: float ``(B, 3, H, W)`` or one ``(3, H, W)`` image in [0, 1]; the result has the same shape.
    """
    x, single = _as_batch(images)
    m = _luma(x).mean(dim=(2, 3), keepdim=True)
    return _single(((x - m) * _per_image(factor, x) + m).clamp(0, 1), single)


def adjust_saturation(images, factor):
    """``x' = clip(s (x - Y) + Y)`` with ``Y`` each pixel's luma: 0 gives grey, 1 the image, > 1 more vivid.

    ``images``: float ``(B, 3, H, W)`` or one ``(3, H, W)`` image in [0, 1]; the result has the same shape.
    """
    x, single = _as_batch(images)
    y = _luma(x)
    return _single(((x - y) * _per_image(factor, x) + y).clamp(0, 1), single)


def adjust_hue(images, delta):
    """Rotate the HSV hue by ``delta`` turns (in [-0.5, 0.5]), keeping saturation and value.

    The HSV conversions are :func:`vklib.color.srgb_to_hsv` and :func:`vklib.color.hsv_to_srgb`
    (hue in degrees), so the hue moves by ``360 delta`` degrees.

    ``images``: float ``(B, 3, H, W)`` or one ``(3, H, W)`` image in [0, 1]; the result has the same shape.
    """
    x, single = _as_batch(images)
    hsv = srgb_to_hsv(x, channel_axis=1)
    hue = (hsv[:, :1] + 360.0 * _per_image(delta, x)) % 360.0
    return _single(hsv_to_srgb(torch.cat([hue, hsv[:, 1:]], 1), channel_axis=1).clamp(0, 1), single)


def _jitter_ops(x, b, c, s, h):
    """The four colour operations with per-image factors ``b, c, s, h`` of shape (B,)."""
    return adjust_brightness(x, b), adjust_contrast(x, c), adjust_saturation(x, s), adjust_hue(x, h)


def color_jitter(images, *, generator, brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2, p=1.0):
    """Random brightness, contrast, saturation and hue changes, in a random order per image.

    Factors are drawn per image: brightness ``b ~ U(max(0, 1 - brightness), 1 + brightness)``
    multiplies the pixels; contrast ``c`` blends each image with its mean luma,
    ``x' = c (x - mean) + mean``; saturation ``s`` blends with the pixel's own luma,
    ``x' = s (x - Y) + Y``; hue adds ``δ ~ U(-hue, hue)`` turns to the HSV hue. Each result
    is clipped to [0, 1], as torchvision's ``ColorJitter`` does. With probability ``1 - p``
    an image is left unchanged.
    """
    _check_batch(images)
    _check_generator(generator)
    for name, value in (("brightness", brightness), ("contrast", contrast), ("saturation", saturation)):
        check_positive(value, name, strict=False)
    if not 0 <= hue <= 0.5:
        raise ValueError(f"hue must be in [0, 0.5] (a fraction of a turn), got {hue}")
    _check_probability(p)
    n = images.shape[0]
    factors = [
        _uniform(generator, n, max(0.0, 1 - brightness), 1 + brightness, images),
        _uniform(generator, n, max(0.0, 1 - contrast), 1 + contrast, images),
        _uniform(generator, n, max(0.0, 1 - saturation), 1 + saturation, images),
        _uniform(generator, n, -hue, hue, images),
    ]
    # A random permutation of the four operations for every image: argsort of uniform keys.
    keys = torch.rand(n, 4, generator=generator, device=generator.device)
    order = keys.argsort(dim=1).to(images.device)
    apply = _bernoulli(generator, n, p, images).view(-1, 1, 1, 1)
    ops = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
    chosen = apply.view(-1).nonzero().squeeze(1)  # only the images drawn for jitter are computed
    order = order[chosen]
    factors = [f[chosen] for f in factors]
    x = images[chosen]
    for step in range(4):
        # Step ``step`` applies operation ``order[i, step]`` to image ``i``: each operation runs
        # once, on the sub-batch of images that need it now (four batched calls per step).
        out = torch.empty_like(x)
        for op_id, op in enumerate(ops):
            sel = (order[:, step] == op_id).nonzero().squeeze(1)
            if sel.numel():
                out[sel] = op(x[sel], factors[op_id][sel])
        x = out
    result = images.clone()
    result[chosen] = x
    return result


def random_grayscale(images, *, generator, p=0.2):
    """Replace each image by its luma (repeated in 3 channels) with probability ``p``."""
    _check_batch(images)
    _check_generator(generator)
    _check_probability(p)
    gray = _bernoulli(generator, images.shape[0], p, images).view(-1, 1, 1, 1)
    return torch.where(gray, _luma(images).expand_as(images), images)


def color_distortion(images, *, generator, strength=1.0, jitter_p=0.8, grayscale_p=0.2):
    """The paper's colour distortion of strength ``s``: jitter (0.8s, 0.8s, 0.8s, 0.2s) with p=0.8, then grayscale with p=0.2.

    ``strength`` must lie in [0, 2.5] so that the hue range ``0.2 s`` stays within half a turn.
    """
    if not 0 <= strength <= 2.5:
        raise ValueError(f"strength must be in [0, 2.5] (hue 0.2 s must stay <= 0.5), got {strength}")
    s = float(strength)
    x = color_jitter(images, generator=generator, brightness=0.8 * s, contrast=0.8 * s, saturation=0.8 * s,
                     hue=0.2 * s, p=jitter_p)
    return random_grayscale(x, generator=generator, p=grayscale_p)
