"""Score-CAM (Wang et al., 2020): channel weights from masked forward passes, no gradients."""

from __future__ import annotations

import bisect
import collections
import contextlib
import copy
import itertools

import torch
import torch.fx as fx
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from vklib.checks import check_array, check_in, check_model_images, check_positive, model_errors

from .base import BaseCAM, check_images, interpolation_matrix, minmax_normalize, minmax_normalize_unchecked, upsample
from .targets import class_scores

__all__ = ["ScoreCAM", "channel_masks", "masked_scores", "channel_increase_of_confidence", "fold_batchnorm",
           "inference_copy", "auto_chunk_size"]


def channel_masks(activations: torch.Tensor, size: tuple[int, int], *, align_corners: bool = False) -> torch.Tensor:
    r"""The masks :math:`H_l^k = s(\mathrm{Up}(A_l^k))`, ``(B, K, H, W)`` in [0, 1].

    ``Up`` is bilinear upsampling to the input size and ``s`` the min-max normalisation of
    each channel (Wang et al., Eq. 5 / Algorithm 1); a constant channel gives an all-zero mask.
    """
    return minmax_normalize(upsample(activations, size, align_corners=align_corners))


def _foldable(module: nn.Module) -> list[int]:
    """Indices ``i`` of an ``nn.Sequential`` whose ``Conv2d`` at ``i`` feeds the ``BatchNorm2d`` at ``i + 1``."""
    if not isinstance(module, nn.Sequential):
        return []
    return [i for i in range(len(module) - 1) if _fusable(module[i], module[i + 1])]


def _fusable(conv: nn.Module, bn: nn.Module) -> bool:
    """A plain ``Conv2d`` and an eval-mode ``BatchNorm2d`` with running statistics, neither hooked."""
    return (type(conv) is nn.Conv2d and type(bn) is nn.BatchNorm2d and not conv.training and not bn.training
            and bn.running_mean is not None and bn.num_features == conv.out_channels
            and not _hooked(conv) and not _hooked(bn))


class _Tracer(fx.Tracer):
    """``torch.fx`` tracer that enters submodules through ``forward``, so no module hook runs."""

    def call_module(self, m, forward, args, kwargs):
        path = self.path_of_module(m)
        if self.is_leaf_module(m, path):
            return self.create_proxy("call_module", path, args, kwargs)
        return m.forward(*args, **kwargs)


def _traced_pairs(model: nn.Module) -> list[tuple[str, str]] | None:
    """``(conv, bn)`` module names where a convolution's output goes only into a batch norm.

    Found by tracing ``model.forward`` symbolically with ``torch.fx`` (no tensor is computed,
    no hook runs), so this also sees the pairs that a ``forward`` wires by attribute, e.g.
    ``conv1``/``bn1`` inside torchvision's residual blocks. A module called more than once
    is left alone (folding it would change its other calls too). ``None`` when the model
    cannot be traced (data-dependent control flow, for example).
    """
    try:
        graph = _Tracer().trace(model)
    except Exception:  # noqa: BLE001 - any tracing failure: fall back to the Sequential rule
        return None
    modules = dict(model.named_modules())
    calls = collections.Counter(node.target for node in graph.nodes if node.op == "call_module")
    pairs = []
    for node in graph.nodes:
        if node.op != "call_module" or not node.args:
            continue
        source = node.args[0]
        if not (isinstance(source, fx.Node) and source.op == "call_module"):
            continue
        if len(source.users) != 1 or calls[source.target] != 1 or calls[node.target] != 1:
            continue
        if _fusable(modules[source.target], modules[node.target]):
            pairs.append((source.target, node.target))
    return pairs


def _conv_bn_pairs(model: nn.Module) -> list[tuple[str, str]]:
    """The ``(conv, bn)`` pairs to fold: traced with ``torch.fx``, else those inside ``nn.Sequential``."""
    pairs = _traced_pairs(model)
    if pairs is not None:
        return pairs
    return [(f"{name}.{i}" if name else str(i), f"{name}.{i + 1}" if name else str(i + 1))
            for name, seq in model.named_modules() for i in _foldable(seq)]


def _replace(model: nn.Module, name: str, new: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, new)


def _hooked(module: nn.Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks)


def _relus_to_run_in_place(module: nn.Module) -> list[int]:
    """Indices of the ``nn.ReLU`` in a Sequential whose input is a fresh output no one else sees.

    That input comes straight from a ``Conv2d``, ``BatchNorm2d`` or ``Linear`` (possibly
    through ``Identity``), and none of these modules, nor the ReLU, has a hook that could
    have kept the tensor: overwriting it in place then changes nothing but the memory used.
    """
    if not isinstance(module, nn.Sequential):
        return []
    found = []
    for i in range(1, len(module)):
        if type(module[i]) is not nn.ReLU or module[i].inplace or _hooked(module[i]):
            continue
        j = i - 1
        while j >= 0 and type(module[j]) is nn.Identity and not _hooked(module[j]):
            j -= 1
        if j >= 0 and type(module[j]) in (nn.Conv2d, nn.BatchNorm2d, nn.Linear) and not _hooked(module[j]):
            found.append(i)
    return found


def _fold_in_place(model: nn.Module, pairs: list[tuple[str, str]]) -> None:
    for conv, bn in pairs:
        _replace(model, conv, fuse_conv_bn_eval(model.get_submodule(conv), model.get_submodule(bn)))
        _replace(model, bn, nn.Identity())


def _copy(model: nn.Module) -> nn.Module | None:
    try:
        return copy.deepcopy(model)
    except Exception:  # a model holding something that cannot be copied: score it as it is
        return None


def fold_batchnorm(model: nn.Module) -> nn.Module:
    r"""An inference copy of ``model`` with batch norm folded into the convolution before it.

    In eval mode ``BatchNorm2d`` is the per-channel affine map
    :math:`\gamma (z - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta` of the convolution's output
    :math:`z = W * x + b`, so it can be merged into the convolution's weights and bias
    (``torch.nn.utils.fusion.fuse_conv_bn_eval``): the same function up to float rounding,
    one pass over the activations fewer. The pairs are found by tracing the model's
    ``forward`` with ``torch.fx``: a ``Conv2d`` whose output goes only into a
    ``BatchNorm2d``, wherever the ``forward`` wires them (inside an ``nn.Sequential`` or by
    attribute, as ``conv1``/``bn1`` in torchvision's ResNet blocks); a model that cannot be
    traced has its ``nn.Sequential`` pairs folded. Modules with hooks and modules called
    more than once are left alone. The batch norm's slot gets an ``nn.Identity``.
    ``model`` itself is not changed; it is returned as is when there is nothing to fold (or
    it cannot be copied). The copy keeps the model's forward (pre-)hooks, so
    :func:`~vklib.cam.metrics.count_forward_passes` still counts its passes.
    """
    pairs = _conv_bn_pairs(model)
    if not pairs:
        return model
    folded = _copy(model)
    if folded is None:
        return model
    _fold_in_place(folded, pairs)
    return folded


def inference_copy(model: nn.Module, *, channels_last: bool = True) -> nn.Module:
    r"""A copy of ``model`` that computes the same function with less memory traffic.

    What Score-CAM (and :func:`~vklib.cam.metrics.deletion_insertion_curves`) score their
    images with: :func:`fold_batchnorm`'s folding; then every ``nn.ReLU`` whose input is the
    fresh output of the convolution (or batch norm or linear layer) before it, in the same
    ``nn.Sequential``, runs in place (a ReLU that writes a new tensor costs a memory
    allocation and a pass over it, a quarter of the chapter's CNN's time on a CPU); and with
    ``channels_last`` (default) the convolution weights are stored channels-last, the
    layout of the batches Score-CAM builds and of oneDNN's fast CPU convolutions. Modules
    with hooks are left as they are (a hook may keep the tensor), as is ``model`` itself; it
    is returned as is when there is nothing to change (or it cannot be copied). The numbers
    are those of the model up to float rounding.
    """
    pairs = _conv_bn_pairs(model)
    relus = any(_relus_to_run_in_place(m) for m in model.modules() if isinstance(m, nn.Sequential))
    layout = channels_last and any(p.ndim == 4 for p in model.parameters())
    if not (pairs or relus or layout):
        return model
    fast = _copy(model)
    if fast is None:
        return model
    _fold_in_place(fast, pairs)
    for seq in [m for m in fast.modules() if isinstance(m, nn.Sequential)]:
        for i in _relus_to_run_in_place(seq):
            seq[i] = nn.ReLU(inplace=True)
    if layout:
        fast = fast.to(memory_format=torch.channels_last)
    return fast


#: Pixels per masked batch that :func:`auto_chunk_size` aims for (measured on one CPU core, ResNet-18
#: at 224 x 224: 10 images per forward pass take about 15 % less time per image than 64, whose activations
#: no longer fit in the caches; 64 x 64 scenes still get 64).
CHUNK_PIXELS = 2 ** 19


def auto_chunk_size(height: int, width: int, *, most: int = 64) -> int:
    """Masked images per forward pass for ``height x width`` inputs: about ``CHUNK_PIXELS`` pixels, 1 to ``most``."""
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
        (64 images of 64 x 64, 10 of 224 x 224).
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
        convolution weights channels-last): the same scores up to float rounding, in less
        time on a CNN with batch norm (see ``benchmarks/bench_cam.py``). ``False`` uses the
        model as it is.
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
    the model (batch norm folded, ReLUs in place, channels-last weights); the masks are made chunk by chunk by the
    separable upsampling of :func:`~vklib.cam.base.upsample` and multiplied into the batch
    image by image; scores stay on the device (no ``.item()`` per sample).
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
