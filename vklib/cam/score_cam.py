"""Score-CAM (Wang et al., 2020): channel weights from masked forward passes, no gradients."""

from __future__ import annotations

import bisect
import contextlib
import itertools

import torch
from torch import nn

from vklib.checks import check_array, check_in, check_model_images, check_positive, model_errors

from .base import BaseCAM, check_images, interpolation_matrix, minmax_normalize, minmax_normalize_unchecked, upsample
from .inference import fold_batchnorm, inference_copy
from .targets import class_scores

__all__ = ["ScoreCAM", "channel_masks", "masked_scores", "channel_increase_of_confidence", "fold_batchnorm",
           "inference_copy", "auto_chunk_size"]


def channel_masks(activations: torch.Tensor, size: tuple[int, int], *, align_corners: bool = False) -> torch.Tensor:
    r"""The masks :math:`H_l^k = s(\mathrm{Up}(A_l^k))`, ``(B, K, H, W)`` in [0, 1].

    ``Up`` is bilinear upsampling to the input size and ``s`` the min-max normalisation of
    each channel (Wang et al., Eq. 5 / Algorithm 1); a constant channel gives an all-zero mask.
    """
    return minmax_normalize(upsample(activations, size, align_corners=align_corners))


#: Pixels per masked batch that :func:`auto_chunk_size` aims for (measured on one CPU core, ResNet-18
#: at 224 x 224: 10 images per forward pass take about 15 % less time per image than 64, whose activations
#: no longer fit in the caches).
CHUNK_PIXELS = 2 ** 19

#: The most images per masked batch :func:`auto_chunk_size` gives (measured on one CPU core, the chapter's
#: SceneCNN at 64 x 64, 256 channels: chunks of 32 to 48 scenes took 25 to 40 % less time per image than
#: 64, and 16 or 8 more again; a small network does little work per byte, so its batch must stay in cache).
CHUNK_MOST = 32


def auto_chunk_size(height: int, width: int, *, most: int = CHUNK_MOST) -> int:
    """Masked images per forward pass for ``height x width`` inputs: about ``CHUNK_PIXELS`` pixels, 1 to ``most``.

    >>> auto_chunk_size(224, 224), auto_chunk_size(64, 64), auto_chunk_size(4000, 4000)
    (10, 32, 1)
    """
    return max(1, min(most, CHUNK_PIXELS // max(1, height * width)))


def _autocast(device: torch.device, dtype: torch.dtype | None):
    """``torch.autocast`` on ``device`` with ``dtype``, or a context that does nothing when ``dtype`` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def _scores_of_masked(model: nn.Module, images: torch.Tensor, masks_of, active: torch.Tensor, k: int,
                      targets: torch.Tensor, *, chunk_size: int, score: str,
                      autocast_dtype: torch.dtype | None = None) -> torch.Tensor:
    """``(B, K)`` scores of ``images[b] * masks_of(n)`` for the flat indices ``n = b * K + k``.

    ``masks_of(sel)`` returns the ``(len(sel), 1, H, W)`` masks of the flat indices ``sel``;
    ``active`` ``(B * K,)`` says which masks are not all zero. The inactive ones give the black
    image whatever the image, which is scored once for the whole batch.
    """
    batch, channels, height, width = images.shape
    image_of = torch.arange(batch, device=images.device).repeat_interleave(k)
    # Image b's active masks are todo[first[b] : first[b + 1]] (todo is sorted by image).
    first = [0] + list(itertools.accumulate(active.view(batch, k).sum(dim=1).tolist()))  # one host sync
    with torch.inference_mode():
        black = class_scores(model(torch.zeros_like(images[:1])).expand(batch, -1), targets, score=score)
        out = black[image_of].to(images.dtype)  # start from f^c(0) everywhere
        todo = active.nonzero().squeeze(1)
        for start in range(0, first[-1], chunk_size):
            stop = min(start + chunk_size, first[-1])
            sel = todo[start:stop]
            masks = masks_of(sel)
            # X o H^k (Hadamard product), written image by image (a broadcast, no gather of
            # the images) into a channels-last batch: the memory layout of the convolutions'
            # fast path on CPUs (oneDNN). The same numbers, in less time.
            masked = torch.empty((stop - start, channels, height, width), dtype=images.dtype,
                                 device=images.device, memory_format=torch.channels_last)
            b = bisect.bisect_right(first, start) - 1
            while b < batch and first[b] < stop:
                lo, hi = max(first[b], start) - start, min(first[b + 1], stop) - start
                if lo < hi:
                    torch.mul(images[b], masks[lo:hi], out=masked[lo:hi])
                b += 1
            with _autocast(images.device, autocast_dtype):
                logits = model(masked).to(images.dtype)  # scores and softmax in the images' precision
            out[sel] = class_scores(logits, targets[image_of[sel]], score=score).to(out.dtype)
    return out.view(batch, k)


def masked_scores(model: nn.Module, images: torch.Tensor, masks: torch.Tensor, targets: torch.Tensor, *,
                  chunk_size: int = 64, score: str = "logit") -> torch.Tensor:
    r"""``(B, K)`` scores :math:`f^c(X \circ H^k)` of the ``B * K`` masked images.

    ``images`` are ``(B, C, H, W)``, ``masks`` ``(B, K, H, W)``. The masked images are built
    chunk by chunk (``chunk_size`` images per forward pass) on the images' device, and the
    scores stay tensors there (no ``.item()``, no NumPy round trip); each chunk is laid out
    channels-last, the layout CPU convolutions are fastest with. A mask that is all zeros (a
    channel with a constant activation, e.g. a dead ReLU) gives the black image
    :math:`X \circ 0` whatever the image, so it is scored once for the whole batch instead of
    once per channel: the result is the same, with fewer forward passes.

    ``images`` must suit the model (float, its weights' dtype and device, finite, see
    :func:`~vklib.checks.check_model_images`) and ``masks`` must be finite floats of shape
    ``(B, K, H, W)`` with the images' ``B``, ``H`` and ``W``, on their device; ``TypeError`` /
    ``ValueError`` otherwise.
    """
    _check_images_and_masks(model, images, masks)
    with model_errors(images):
        return _masked_scores_unchecked(model, images, masks, targets, chunk_size=chunk_size, score=score)


def _check_images_and_masks(model: nn.Module, images, masks) -> None:
    """Images ``(B, C, H, W)`` for ``model`` (:func:`~vklib.checks.check_model_images`) and finite float
    masks ``(B, K, H, W)`` of the images' ``B``, ``H``, ``W`` on their device."""
    check_model_images(model, images)
    if not torch.is_tensor(masks):
        raise TypeError(f"masks must be a torch.Tensor (B, K, H, W), got {type(masks).__name__}")
    check_array(masks, "masks", ndim=4, dtype="floating")
    b, _, h, w = images.shape
    if masks.shape[0] != b or tuple(masks.shape[2:]) != (h, w):
        raise ValueError(f"masks must be (B, K, H, W) = ({b}, K, {h}, {w}) to match the images, "
                         f"got shape {tuple(masks.shape)}")
    if masks.device != images.device:
        raise ValueError(f"masks must be on the images' device {images.device}, got {masks.device}")


def _masked_scores_unchecked(model, images, masks, targets, *, chunk_size, score):
    batch, k = masks.shape[:2]
    flat_masks = masks.reshape(batch * k, 1, *masks.shape[-2:])
    active = flat_masks.flatten(1).amax(dim=1) > 0
    return _scores_of_masked(model, images, lambda sel: flat_masks[sel], active, k, targets,
                             chunk_size=chunk_size, score=score)


def channel_increase_of_confidence(model: nn.Module, images: torch.Tensor, masks: torch.Tensor,
                                   targets: torch.Tensor, *, baseline: torch.Tensor | None = None,
                                   chunk_size: int = 64, score: str = "logit") -> torch.Tensor:
    r"""Channel-wise increase of confidence (Wang et al., Eq. 4), ``(B, K)``.

    .. math:: C(A_l^k) = f^c(X \circ H_l^k) - f^c(X_b)

    with the baseline image :math:`X_b` all zeros unless ``baseline`` ``(B, C, H, W)`` is given.
    ``images``, ``masks`` and ``baseline`` are checked as by :func:`masked_scores`.
    """
    _check_images_and_masks(model, images, masks)
    if baseline is None:
        baseline = torch.zeros_like(images)
    else:
        check_model_images(model, baseline, "baseline")
        if baseline.shape != images.shape:
            raise ValueError(f"baseline must have the images' shape {tuple(images.shape)}, "
                             f"got {tuple(baseline.shape)}")
    with torch.no_grad(), model_errors(images):
        base = class_scores(model(baseline), targets, score=score)
        scores = _masked_scores_unchecked(model, images, masks, targets, chunk_size=chunk_size, score=score)
    return scores - base[:, None]


class ScoreCAM(BaseCAM):
    r"""Score-CAM: weight each channel by how much its mask alone raises the class score.

    For every channel :math:`k` of the layer: upsample :math:`A_l^k` to the input size,
    min-max normalise it to a mask :math:`H_l^k`, score the masked image
    :math:`X \circ H_l^k`, and weight the channel by its increase of confidence
    (Wang et al., Eq. 4 and Algorithm 1):

    .. math:: \alpha_k^c = \operatorname{softmax}_k\big(f^c(X \circ H_l^k) - f^c(X_b)\big),
              \qquad L^c = \mathrm{ReLU}\Big(\sum_k \alpha_k^c A_l^k\Big).

    The softmax is over channels, so the baseline term :math:`f^c(X_b)` (the same for all
    :math:`k`) cancels and needs no forward pass. Up to ``B * K`` masked forward passes in
    chunks of ``chunk_size`` (channels with a constant activation share one), plus one to
    get the activations; no gradients.

    Parameters
    ----------
    model, layer : see :class:`~vklib.cam.base.BaseCAM`.
    chunk_size : int or None, keyword-only
        Masked images per forward pass (memory vs speed; the maps do not depend on it). ``None``
        (default): :func:`auto_chunk_size` of the input, about half a million pixels per pass
        and at most ``CHUNK_MOST`` images (32 of 64 x 64, 10 of 224 x 224).
    score : {"logit", "probability"}, keyword-only
        :math:`f^c`: the class logit (default; what Algorithm 1 of the paper feeds to its softmax,
        and what pytorch-grad-cam uses) or the class's softmax probability over the classes (what
        the authors' reference code uses).
    weighting : {"softmax", "raw"}, keyword-only
        ``"softmax"``: Algorithm 1 of the paper (a softmax over the channels' scores).
        ``"raw"``: :math:`\alpha_k^c = f^c(X \circ H^k)`
        with no softmax over channels; with ``score="probability"`` this is what the
        authors' reference code does.
    align_corners : bool, keyword-only
        Upsampling of the masks; ``False`` as the reference code (``F.interpolate``),
        ``True`` as pytorch-grad-cam (``nn.UpsamplingBilinear2d``).
    fuse : bool, keyword-only
        Score the masked images with :func:`inference_copy`'s copy of the model (default
        ``True``: batch norm folded into the convolutions wherever ``torch.fx`` finds a
        convolution feeding one, also inside torchvision's ResNet blocks; ReLUs in place;
        2 x 2 max pooling as strided maxima; convolution weights channels-last): the same
        scores up to float rounding, in less time on a CNN with batch norm (see
        ``benchmarks/bench_cam.py``). ``False`` uses the model as it is.
    autocast_dtype : torch.dtype or None, keyword-only
        ``None`` (default): the masked forward passes run in the model's own precision. A dtype
        such as ``torch.bfloat16`` runs them under ``torch.autocast`` with it: about twice as fast
        on CPUs with bfloat16 instructions (AVX512-BF16, AMX) and on GPUs, at the price of
        rounding the scores (bfloat16 keeps 8 significant bits), so the maps are close to, not
        equal to, the float32 ones; ``benchmarks/bench_cam.py`` prints their correlation.

    Notes
    -----
    Where the time goes: the masked forward passes. They run in batches that mix channels
    of different images, in channels-last layout, through :func:`inference_copy`'s copy of
    the model (batch norm folded, ReLUs in place, 2 x 2 pooling by strided maxima,
    channels-last weights); the masks are made chunk by chunk by the separable upsampling
    of :func:`~vklib.cam.base.upsample` and multiplied into the batch image by image;
    scores stay on the device (no ``.item()`` per sample).
    ``benchmarks/bench_cam.py`` times it against pytorch-grad-cam's ``ScoreCAM`` on the same
    model, layer and inputs.

    References
    ----------
    Wang, H., Wang, Z., Du, M., Yang, F., Zhang, Z., Ding, S., Mardziel, P., Hu, X. (2020).
    Score-CAM: score-weighted visual explanations for convolutional neural networks.
    CVPR Workshops. https://doi.org/10.1109/CVPRW50498.2020.00020
    """

    uses_gradients = False

    def __init__(self, model: nn.Module, layer: nn.Module | str, *, chunk_size: int | None = None,
                 score: str = "logit", weighting: str = "softmax", align_corners: bool = False, fuse: bool = True,
                 autocast_dtype: torch.dtype | None = None):
        super().__init__(model, layer)
        self.chunk_size = None if chunk_size is None else check_positive(chunk_size, "chunk_size", integer=True)
        if autocast_dtype is not None and not (isinstance(autocast_dtype, torch.dtype)
                                               and autocast_dtype.is_floating_point):
            raise TypeError(f"autocast_dtype must be None or a floating torch.dtype such as torch.bfloat16, "
                            f"got {autocast_dtype!r}")
        self.autocast_dtype = autocast_dtype
        self.score = check_in(score, "score", ("logit", "probability"))
        self.weighting = check_in(weighting, "weighting", ("softmax", "raw"))
        self.align_corners = bool(align_corners)
        self.fuse = bool(fuse)

    def channel_weights(self, images, activations, logits, targets, grads) -> torch.Tensor:
        check_images(images)
        b, k, h, w = activations.shape
        size = images.shape[-2:]
        flat = activations.reshape(b * k, 1, h, w).to(images.dtype)
        # The masks H^k are made chunk by chunk, never all B * K at once (for a ResNet-50 that
        # would be 2048 x 224 x 224 floats, 400 MB per image): the same numbers as channel_masks.
        rows = interpolation_matrix(size[0], h, align_corners=self.align_corners, device=flat.device,
                                    dtype=flat.dtype)
        cols = interpolation_matrix(size[1], w, align_corners=self.align_corners, device=flat.device,
                                    dtype=flat.dtype)

        def masks_of(sel):
            # s(Up(A^k)), Eq. 5 / Algorithm 1 (the activations come from finite images)
            return minmax_normalize_unchecked(rows @ flat[sel] @ cols.T)

        # A constant channel has a constant upsampled map, hence an all-zero mask. (When the
        # input is smaller than the layer, a non-constant channel may still give an all-zero
        # mask; it is then scored as the black image, which is what that mask gives anyway.)
        lo_res = flat.flatten(1)
        active = lo_res.amax(dim=1) > lo_res.amin(dim=1)
        scorer = inference_copy(self.model) if self.fuse else self.model  # a fresh copy per call
        chunk = self.chunk_size or auto_chunk_size(*size)
        scores = _scores_of_masked(scorer, images, masks_of, active, k, targets, chunk_size=chunk, score=self.score,
                                   autocast_dtype=self.autocast_dtype)
        if self.weighting == "softmax":
            return scores.softmax(dim=1).to(activations.dtype)  # Algorithm 1 (f^c(X_b) cancels)
        return scores.to(activations.dtype)
