"""Evaluating saliency maps: deletion / insertion curves, the pointing games, counting passes.

Deletion and insertion (Petsiuk et al., 2018) ask the *model*: removing the pixels a map
calls most important should make the class probability fall fast (low deletion AUC);
inserting them first into a blurred canvas should make it rise fast (high insertion AUC).
The pointing game (Zhang et al., 2018) and its energy-based version (Wang et al., 2020) ask
the *ground truth*: does the map's peak, or its mass, lie on the object?
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

from vklib.checks import check_array, check_in, check_positive
from vklib.edges import gaussian_kernel1d

from .base import check_images, check_model_images, model_errors
from .inference import inference_copy
from .targets import resolve_targets, scores_unchecked

__all__ = ["deletion_insertion_curves", "auc", "pointing_game", "energy_pointing_game",
           "count_forward_passes", "blur_baseline"]


def blur_baseline(images: torch.Tensor, *, sigma: float = 4.0) -> torch.Tensor:
    r"""A Gaussian-blurred copy of ``(B, C, H, W)`` images: the insertion canvas (Petsiuk et al.).

    Separable convolution with the sampled Gaussian :math:`g(x) \propto \exp(-x^2 / 2\sigma^2)`,
    :math:`|x| \le \lfloor 3\sigma + 1/2 \rfloor`, normalised to sum 1
    (:func:`vklib.edges.gaussian_kernel1d` with ``truncate=3``), with replicated borders. Returns the
    images' shape, dtype and device. float16 and bfloat16 images are blurred in float32 and
    cast back (PyTorch's CPU convolution in half precision can take minutes on a small batch).
    """
    check_images(images)
    sigma = check_positive(sigma, "sigma")
    if images.dtype in (torch.float16, torch.bfloat16):
        return blur_baseline(images.float(), sigma=sigma).to(images.dtype)
    g = torch.as_tensor(gaussian_kernel1d(sigma, truncate=3.0), device=images.device, dtype=images.dtype)
    radius = (g.numel() - 1) // 2
    c = images.shape[1]
    out = F.pad(images, (radius, radius, radius, radius), mode="replicate")
    out = F.conv2d(out, g.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(out, g.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def _check_saliency(saliency, images) -> None:
    if not torch.is_tensor(saliency):
        raise TypeError(f"saliency must be a torch.Tensor (B, H, W), got {type(saliency).__name__}")
    check_array(saliency, "saliency", ndim=3, dtype="floating")
    if saliency.shape != (images.shape[0], *images.shape[2:]):
        raise ValueError(f"saliency must be (B, H, W) = {(images.shape[0], *images.shape[2:])} to match the "
                         f"images, got {tuple(saliency.shape)}")


def deletion_insertion_curves(model: nn.Module, images: torch.Tensor, saliency: torch.Tensor, targets=None, *,
                              mode: str = "deletion", steps: int = 16, baseline: torch.Tensor | None = None,
                              chunk_size: int = 256) -> torch.Tensor:
    r"""Class probability as pixels are deleted from (or inserted into) the images, ``(B, steps + 1)``.

    Pixels are ranked by ``saliency`` (most salient first, ties by pixel index). At step
    :math:`t = 0, \dots, T` the first :math:`n_t = \mathrm{round}(t\,HW/T)` pixels are

    - ``"deletion"``: replaced by the baseline (default: zeros, black);
    - ``"insertion"``: copied from the image onto the baseline (default: the image blurred
      by :func:`blur_baseline`),

    and the model's softmax probability of the target class is recorded. All
    :math:`B (T + 1)` images go through the model in batches of ``chunk_size`` on the
    images' device, scored by :func:`~vklib.cam.inference.inference_copy` of the model (the
    same function up to float rounding; ``model`` itself is not changed).

    Parameters
    ----------
    model : torch.nn.Module
        Classifier in eval mode, ``(B, C, H, W) -> (B, num_classes)``.
    images : torch.Tensor
        ``(B, C, H, W)`` finite floats in the dtype and on the device of the model's weights.
    saliency : torch.Tensor
        ``(B, H, W)`` maps (any range; only their order matters).
    targets : None, int or sequence of int
        The class per image; ``None`` = the model's prediction on the intact image.
    mode : {"deletion", "insertion"}, keyword-only
    steps : int, keyword-only
        :math:`T`, the number of steps (each changes :math:`HW/T` pixels).
    baseline : torch.Tensor, optional, keyword-only
        ``(B, C, H, W)`` replacement / canvas, as described above.

    Returns
    -------
    torch.Tensor
        ``(B, steps + 1)`` probabilities; ``[:, 0]`` is the intact (deletion) or fully
        blurred (insertion) image, ``[:, -1]`` the fully deleted / fully inserted one.

    Raises
    ------
    TypeError
        ``images`` or ``saliency`` not float tensors, or ``images`` not in the model's dtype.
    ValueError
        Wrong shapes, NaN or infinity, images the model cannot take (wrong channels), or
        probabilities that come out NaN (huge pixel values overflow the logits).

    References
    ----------
    Petsiuk, V., Das, A., Saenko, K. (2018). RISE: randomized input sampling for explanation
    of black-box models. BMVC. https://doi.org/10.48550/arXiv.1806.07421
    """
    check_model_images(model, images)
    _check_saliency(saliency, images)
    check_in(mode, "mode", ("deletion", "insertion"))
    steps = check_positive(steps, "steps", integer=True)
    chunk_size = check_positive(chunk_size, "chunk_size", integer=True)
    b, c, h, w = images.shape
    if baseline is None:
        baseline = torch.zeros_like(images) if mode == "deletion" else blur_baseline(images)
    elif tuple(baseline.shape) != tuple(images.shape):
        raise ValueError(f"baseline must have the images' shape {tuple(images.shape)}, got {tuple(baseline.shape)}")
    start, source = (images, baseline) if mode == "deletion" else (baseline, images)
    # The B (T + 1) changed images are scored by an inference copy of the model (batch norm
    # folded, ReLUs in place): the same function up to float rounding, in less time.
    scorer = inference_copy(model)
    with torch.no_grad(), model_errors(images):
        if targets is None:
            targets = model(images).argmax(dim=1)
        else:
            targets = resolve_targets(targets, model(images[:1]).expand(b, -1))
        order = torch.argsort(saliency.reshape(b, -1), dim=1, descending=True, stable=True)
        rank = torch.empty_like(order)
        rank.scatter_(1, order, torch.arange(h * w, device=images.device).expand(b, -1))
        counts = torch.round(torch.arange(steps + 1, device=images.device, dtype=torch.float64) * (h * w / steps))
        counts = counts.to(torch.long)
        probs = torch.empty(b * (steps + 1), device=images.device, dtype=images.dtype)
        n_total = b * (steps + 1)
        for s in range(0, n_total, chunk_size):
            flat = torch.arange(s, min(s + chunk_size, n_total), device=images.device)
            i, t = flat // (steps + 1), flat % (steps + 1)
            changed = (rank[i] < counts[t][:, None]).view(-1, 1, h, w)
            x = torch.where(changed, source[i], start[i])
            probs[s : s + len(flat)] = scores_unchecked(scorer(x), targets[i], score="probability").to(probs.dtype)
    if not bool(torch.isfinite(probs).all()):
        raise ValueError(f"the model's probabilities are NaN for these images (values in "
                         f"[{float(images.min()):.3g}, {float(images.max()):.3g}]): its logits overflowed; "
                         "expected images in the range the model was trained on")
    return probs.view(b, steps + 1)


def auc(curve: torch.Tensor) -> torch.Tensor:
    r"""Area under ``(..., T + 1)`` curves sampled at :math:`t/T`, :math:`t = 0..T` (trapezoidal rule).

    .. math:: \mathrm{AUC} = \frac{1}{T} \Big(\sum_{t=0}^{T} p_t - \frac{p_0 + p_T}{2}\Big)

    Floating-point curves keep their dtype. Integer or bool curves (e.g. counts) are
    converted to float64 first, so the sum cannot wrap around; the values are not rescaled.
    Complex and meta tensors are rejected (``TypeError``), and so are NaN and infinity
    (``ValueError``).
    """
    if not torch.is_tensor(curve):
        raise TypeError(f"curve must be a torch.Tensor, got {type(curve).__name__}")
    check_array(curve, "curve", dtype="real", nonempty=False)  # complex, meta, NaN and inf rejected
    if not curve.is_floating_point():
        curve = curve.to(torch.float64)  # uint8 sums would wrap around at 256
    if curve.ndim == 0 or curve.shape[-1] < 2:
        raise ValueError(f"a curve needs at least 2 points, got shape {tuple(curve.shape)}")
    steps = curve.shape[-1] - 1
    return (curve.sum(-1) - 0.5 * (curve[..., 0] + curve[..., -1])) / steps


def _check_masks(saliency, masks) -> None:
    if not torch.is_tensor(saliency) or not torch.is_tensor(masks):
        raise TypeError("saliency and masks must be torch tensors")
    check_array(saliency, "saliency", ndim=3, dtype="floating")
    if masks.dtype != torch.bool:
        raise TypeError(f"masks must be a bool tensor (B, H, W), got dtype {masks.dtype}")
    check_array(masks, "masks", dtype="bool")  # a meta tensor has no values to point at
    if masks.shape != saliency.shape:
        raise ValueError(f"masks must have the saliency's shape {tuple(saliency.shape)}, got {tuple(masks.shape)}")


def pointing_game(saliency: torch.Tensor, masks: torch.Tensor, *, tolerance: int = 0,
                  rtol: float = 1e-5) -> torch.Tensor:
    """``(B,)`` bool: whether each map's maximum falls on the object (Zhang et al., 2018).

    A hit when the (first, in raster order) pixel of maximal saliency lies within
    ``tolerance`` pixels (Chebyshev distance) of the ground-truth mask. Zhang et al. use
    15 px on 224 px images; the book's 64 px scenes use 0 by default. A constant map has
    no peak and counts as a miss.

    Upsampled maps often have a plateau of equal maxima (an isolated peak between zeros
    gives 2 x 2 equal pixels after bilinear upsampling), which float rounding splits one
    way or another; so pixels within ``rtol`` of the map's range below its maximum count as
    the maximum, and the first of them in raster order is the peak. The result then does not
    depend on how the map was computed to the last bit.

    References
    ----------
    Zhang, J., Bargal, S. A., Lin, Z., Brandt, J., Shen, X., Sclaroff, S. (2018). Top-down
    neural attention by excitation backprop. IJCV. https://doi.org/10.1007/s11263-017-1059-x
    """
    _check_masks(saliency, masks)
    tolerance = check_positive(tolerance, "tolerance", strict=False, integer=True)
    b, h, w = saliency.shape
    if not 0.0 <= rtol < 1.0:
        raise ValueError(f"rtol must be in [0, 1), got {rtol}")
    flat = saliency.reshape(b, -1)
    hi, lo = flat.amax(dim=1, keepdim=True), flat.amin(dim=1, keepdim=True)
    at_max = flat >= hi - rtol * (hi - lo)
    peak = at_max.to(torch.uint8).argmax(dim=1)  # the first pixel (raster order) at the maximum
    region = masks[:, None].float()
    if tolerance:
        region = F.max_pool2d(region, 2 * tolerance + 1, stride=1, padding=tolerance)
    hit = region.reshape(b, -1).gather(1, peak[:, None]).squeeze(1) > 0
    return hit & (hi > lo).squeeze(1)


def energy_pointing_game(saliency: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    r"""``(B,)`` share of each map's energy inside the mask (Wang et al., 2020).

    .. math:: \mathrm{Proportion} = \frac{\sum_{(i,j) \in \text{mask}} L_{ij}}{\sum_{(i,j)} L_{ij}}

    for a non-negative map :math:`L`; an all-zero map scores 0.
    """
    _check_masks(saliency, masks)
    if bool((saliency < 0).any()):
        raise ValueError("saliency must be non-negative for the energy-based pointing game")
    total = saliency.sum(dim=(1, 2))
    inside = (saliency * masks).sum(dim=(1, 2))
    return torch.where(total > 0, inside / torch.where(total > 0, total, torch.ones_like(total)),
                       torch.zeros_like(total))


class _Counter:
    calls = 0
    images = 0


@contextlib.contextmanager
def count_forward_passes(model: nn.Module):
    """Count the model's forward calls and the images they processed, inside a ``with`` block.

    >>> with count_forward_passes(model) as n:          # doctest: +SKIP
    ...     ScoreCAM(model, layer)(x)
    >>> n.images / len(x)                                # forward passes per image  # doctest: +SKIP
    257.0
    """
    counter = _Counter()

    def hook(module, args):
        counter.calls += 1
        counter.images += int(args[0].shape[0]) if args and torch.is_tensor(args[0]) else 1

    handle = model.register_forward_pre_hook(hook)
    try:
        yield counter
    finally:
        handle.remove()
