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

References
----------
.. [1] T. Chen, S. Kornblith, M. Norouzi, G. Hinton, "A simple framework for contrastive
   learning of visual representations", ICML 2020. https://doi.org/10.48550/arXiv.2002.05709
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vklib.checks import check_array, check_positive

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

#: ITU-R BT.601 luma weights (the ones torchvision's ``rgb_to_grayscale`` uses).
LUMA = (0.299, 0.587, 0.114)


def _check_batch(images, name="images"):
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, 3, H, W), got {type(images).__name__}")
    if images.device.type == "meta":
        raise TypeError(f"{name} must hold data, got a meta tensor of shape {tuple(images.shape)}")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"{name} must have shape (B, 3, H, W), got {tuple(images.shape)}")
    if not images.dtype.is_floating_point:
        raise TypeError(f"{name} must be floating point with values in [0, 1], got dtype {images.dtype}")
    if images.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one image, got an empty batch")
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} must be finite, got NaN or inf values")


def _check_probability(p, name="p"):
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{name} must be a probability (a float in [0, 1]), got {type(p).__name__}")
    if not 0 <= p <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p}")


def _check_generator(generator):
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")


def _uniform(generator, n, low, high, like):
    """``n`` draws from U(low, high) on the generator's device, moved to ``like``'s device and dtype."""
    u = torch.rand(n, generator=generator, device=generator.device)
    return (low + (high - low) * u).to(device=like.device, dtype=like.dtype)


def _bernoulli(generator, n, p, like):
    u = torch.rand(n, generator=generator, device=generator.device)
    return (u < p).to(device=like.device)


def _as_batch(images, name="images"):
    """``(B, 3, H, W)`` float view of a batch or of one ``(3, H, W)`` image, and whether it was one image.

    Integer images are rejected rather than reinterpreted: convert them explicitly, e.g.
    ``images.float() / 255``; so are meta tensors, empty batches, NaN and infinity.
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, 3, H, W) or (3, H, W), "
                        f"got {type(images).__name__}")
    if not images.dtype.is_floating_point:
        raise TypeError(f"{name} must be floating point with values in [0, 1], got dtype {images.dtype} "
                        f"(convert integer images explicitly, e.g. images.float() / 255)")
    if images.ndim == 3 and images.shape[0] == 3:
        return check_array(images, name).unsqueeze(0), True  # meta, empty, NaN and inf rejected by name
    if images.ndim == 4 and images.shape[1] == 3:
        return check_array(images, name), False
    raise ValueError(f"{name} must have shape (B, 3, H, W) or (3, H, W), got {tuple(images.shape)}")


def _single(out, single):
    return out[0] if single else out


def rgb_to_grayscale(images):
    """Luma ``Y = 0.299 R + 0.587 G + 0.114 B``: ``(B, 3, H, W)`` -> ``(B, 1, H, W)``, ``(3, H, W)`` -> ``(1, H, W)``.

    Float images only (integer images raise a ``TypeError``: convert them explicitly).
    """
    x, single = _as_batch(images)
    return _single(_luma(x), single)


def _luma(x):
    w = x.new_tensor(LUMA).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


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


def _rgb_to_hsv(x):
    r, g, b = x.unbind(1)
    maxc, _ = x.max(1)
    minc, _ = x.min(1)
    delta = maxc - minc
    s = torch.where(maxc > 0, delta / maxc.clamp(min=1e-12), torch.zeros_like(maxc))
    d = delta.clamp(min=1e-12)
    h = torch.where(maxc == r, ((g - b) / d) % 6, torch.where(maxc == g, (b - r) / d + 2, (r - g) / d + 4))
    h = torch.where(delta > 0, h / 6, torch.zeros_like(h))
    return torch.stack([h, s, maxc], 1)


def _hsv_to_rgb(x):
    h, s, v = x.unbind(1)
    k = torch.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], 1)
    return v.unsqueeze(1) - (v * s).unsqueeze(1) * torch.clamp(torch.minimum(k, 4 - k), 0, 1)


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

    ``images``: float ``(B, 3, H, W)`` or one ``(3, H, W)`` image in [0, 1]; the result has the same shape.
    """
    x, single = _as_batch(images)
    hsv = _rgb_to_hsv(x)
    hsv = torch.cat([(hsv[:, :1] + _per_image(delta, x)) % 1.0, hsv[:, 1:]], 1)
    return _single(_hsv_to_rgb(hsv).clamp(0, 1), single)


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
    t = torch.arange(k, device=images.device, dtype=images.dtype) - (k - 1) / 2
    kern = torch.exp(-(t.view(1, -1) ** 2) / (2 * sig.view(-1, 1) ** 2))
    kern = kern / kern.sum(1, keepdim=True)
    chosen = blur.nonzero().squeeze(1)  # only the images drawn for blurring are convolved
    m = chosen.numel()
    out = images.clone()
    if m == 0:
        return out
    kern = kern[chosen].repeat_interleave(c, 0)  # (m*C, k)
    x = images[chosen].reshape(1, m * c, height, width)
    pad = k // 2
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
