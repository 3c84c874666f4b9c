"""The part every CAM method shares: weight the channels, sum, ReLU, upsample, normalise.

A class activation map for class :math:`c` at layer :math:`l` is

.. math:: L^c = \\mathrm{ReLU}\\Big(\\sum_k \\alpha_k^c A_l^k\\Big),

where :math:`A_l^k` is channel :math:`k` of the layer's activation (an :math:`h \\times w`
map) and :math:`\\alpha_k^c` its weight. CAM, Grad-CAM, Grad-CAM++ and Score-CAM differ
*only* in how they compute :math:`\\alpha_k^c`, so a subclass overrides
:meth:`BaseCAM.channel_weights` and nothing else. :math:`L^c` is then upsampled bilinearly
to the input size and min-max normalised to [0, 1] per image, as in the papers.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from vklib.checks import check_array, check_image, check_model_images, model_errors

from .recorder import ActivationRecorder, resolve_layer
from .targets import resolve_targets

__all__ = ["BaseCAM", "upsample", "interpolation_matrix", "minmax_normalize", "check_images"]


def check_images(images, name: str = "images") -> torch.Tensor:
    """Check a torch batch ``(B, C, H, W)`` of finite floats: :func:`vklib.checks.check_image`
    with any channel count and no [0, 1] range warning (a network's input may be normalised).
    """
    if not torch.is_tensor(images):
        raise TypeError(f"{name} must be a torch.Tensor (B, C, H, W), got {type(images).__name__}; "
                        "convert NumPy images with vklib.images.to_tensor")
    check_array(images, name, ndim=4, finite=False, nonempty=False)  # C is known from here on
    return check_image(images, name, channels=images.shape[1], warn_range=False)


def interpolation_matrix(n_out: int, n_in: int, *, align_corners: bool = False, device=None,
                         dtype=torch.float32) -> torch.Tensor:
    r"""The ``(n_out, n_in)`` matrix :math:`R` of 1-D linear interpolation from ``n_in`` to ``n_out`` samples.

    Row :math:`i` holds the (at most two non-zero) weights that ``F.interpolate(mode="linear")``
    gives output sample :math:`i`; it is built by interpolating the unit vectors, so it matches
    PyTorch's convention (``align_corners``, clamping at the borders) by construction.
    """
    eye = torch.eye(n_in, device=device, dtype=dtype)[None]  # (1, n_in, n_in): row j = unit vector e_j
    return F.interpolate(eye, size=n_out, mode="linear", align_corners=align_corners)[0].T


def upsample(maps: torch.Tensor, size: tuple[int, int], *, align_corners: bool = False) -> torch.Tensor:
    r"""Bilinear resizing of ``(..., h, w)`` maps to ``size = (H, W)``.

    Bilinear interpolation is separable, :math:`\mathrm{Up}(A) = R_H\, A\, R_W^\top` with the 1-D
    matrices of :func:`interpolation_matrix`, so it is computed as two small matrix products:
    the same numbers as ``F.interpolate(mode="bilinear")`` up to float rounding (about 1e-7),
    and several times faster on a CPU for the many small maps of a layer (256 channels of
    8 x 8 -> 64 x 64: 3.5 ms against 24 ms on one core).

    ``maps`` must be a floating-point tensor with at least two dimensions, finite and not
    empty (``TypeError`` / ``ValueError`` otherwise); the result has ``maps``' dtype and device.
    """
    if not torch.is_tensor(maps):
        raise TypeError(f"maps must be a torch.Tensor (..., h, w), got {type(maps).__name__}")
    check_array(maps, "maps", min_ndim=2)
    h, w = maps.shape[-2:]
    rows = interpolation_matrix(size[0], h, align_corners=align_corners, device=maps.device, dtype=maps.dtype)
    cols = interpolation_matrix(size[1], w, align_corners=align_corners, device=maps.device, dtype=maps.dtype)
    return rows @ maps @ cols.T


def minmax_normalize(maps: torch.Tensor, *, dims: int = 2) -> torch.Tensor:
    """Map each of the last-``dims``-dimensional maps to [0, 1]: :math:`(M - \\min M) / (\\max M - \\min M)`.

    Parameters
    ----------
    maps : torch.Tensor
        ``(..., h, w)`` (for ``dims=2``) floating-point maps, any range.
    dims : int, keyword-only
        How many trailing dimensions form one map.

    Returns
    -------
    torch.Tensor
        The same shape and dtype, each map in [0, 1]. A constant map (max = min) becomes all
        zeros instead of dividing by zero.

    Raises
    ------
    TypeError
        ``maps`` is not a floating-point tensor (or is a meta tensor).
    ValueError
        Fewer than ``dims`` dimensions, empty, a map holding NaN or an infinite value (one
        NaN would make the whole map NaN: every pixel is divided by the NaN range), or a
        range that overflows the dtype.
    """
    if not torch.is_tensor(maps):
        raise TypeError(f"maps must be a torch.Tensor (..., h, w), got {type(maps).__name__}")
    check_array(maps, "maps", min_ndim=dims, finite=False)
    flat = maps.flatten(-dims)
    lo = flat.amin(dim=-1, keepdim=True)
    hi = flat.amax(dim=-1, keepdim=True)
    span = hi - lo
    if not bool(torch.isfinite(span).all()):
        what = "NaN" if bool(torch.isnan(span).any()) else "an infinite value (or a range that overflows)"
        raise ValueError(f"minmax_normalize: a map contains {what}; every pixel of it would become NaN. "
                         "Expected finite maps")
    return _minmax(flat, lo, span).view_as(maps)


def _minmax(flat: torch.Tensor, lo: torch.Tensor, span: torch.Tensor) -> torch.Tensor:
    # A constant map has M - min M = 0 everywhere, so any positive divisor gives 0.
    return (flat - lo) / span.clamp_min(torch.finfo(flat.dtype).tiny)


def minmax_normalize_unchecked(maps: torch.Tensor) -> torch.Tensor:
    """:func:`minmax_normalize` of ``(..., h, w)`` maps known to be finite (no host sync, for inner loops)."""
    flat = maps.flatten(-2)
    lo = flat.amin(dim=-1, keepdim=True)
    return _minmax(flat, lo, flat.amax(dim=-1, keepdim=True) - lo).view_as(maps)


class BaseCAM:
    """A class activation mapping method for ``model`` at ``layer``.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning ``(B, num_classes)`` logits, **in eval mode** (batch norm in
        training mode would mix the images of a batch and change the maps).
    layer : torch.nn.Module or str
        The layer whose output :math:`A_l` (``(B, K, h, w)``) is explained: the module
        itself or its dotted name in ``model.named_modules()``.

    Calling the method with ``images`` ``(B, C, H, W)`` and ``targets`` (``None`` = the
    predicted class, an int, or one class per image) returns ``(B, H, W)`` maps in [0, 1]
    on the images' device and in their dtype. The images must be finite floats in the dtype
    and on the device of the model's weights (``TypeError`` / ``ValueError`` otherwise, see
    :func:`check_model_images`), and a batch the model cannot take (wrong number of channels,
    too small) raises ``ValueError``. After a call, ``self.weights`` holds the
    ``(B, K)`` channel weights :math:`\\alpha_k^c`, ``self.activations`` the detached
    :math:`A_l`, ``self.logits`` the model's output and ``self.targets`` the classes used.
    """

    #: Whether :meth:`channel_weights` needs the gradient of the class score.
    uses_gradients = True

    def __init__(self, model: nn.Module, layer: nn.Module | str):
        self.model = model
        self.layer = resolve_layer(model, layer)
        self.weights = self.activations = self.logits = self.targets = None

    def channel_weights(self, images: torch.Tensor, activations: torch.Tensor, logits: torch.Tensor,
                        targets: torch.Tensor, grads: torch.Tensor | None) -> torch.Tensor:
        """``(B, K)`` weights :math:`\\alpha_k^c`; ``grads`` is :math:`\\partial y^c / \\partial A_l` or None."""
        raise NotImplementedError

    def low_resolution(self, images: torch.Tensor, targets=None) -> torch.Tensor:
        """The ``(B, h, w)`` map :math:`\\mathrm{ReLU}(\\sum_k \\alpha_k^c A_l^k)` before upsampling."""
        check_model_images(self.model, images)
        if self.model.training:
            raise ValueError("model is in training mode: call model.eval() first (batch norm and dropout "
                             "would change the maps)")
        grad_mode = torch.enable_grad() if self.uses_gradients else torch.no_grad()
        with ActivationRecorder(self.model, self.layer, require_grad=self.uses_gradients) as rec, grad_mode:
            with model_errors(images):
                logits = self.model(images)
            if rec.activation is None:
                raise ValueError(f"layer {type(self.layer).__name__} was not used by the model's forward pass")
            activations = rec.activation
        if logits.ndim != 2:
            raise ValueError(f"the model must return (B, num_classes) logits, got shape {tuple(logits.shape)}")
        if activations.ndim != 4:
            raise ValueError(f"the layer must output (B, K, h, w) maps, got shape {tuple(activations.shape)}")
        targets = resolve_targets(targets, logits)
        grads = None
        if self.uses_gradients:
            if not activations.requires_grad:
                raise ValueError("the layer's output does not require grad: does the model's forward "
                                 "run under torch.no_grad or inference_mode?")
            score = logits.gather(1, targets.view(-1, 1)).sum()  # images are independent in eval mode
            (grads,) = torch.autograd.grad(score, activations)
        activations = activations.detach()
        with torch.no_grad():
            weights = self.channel_weights(images, activations, logits.detach(), targets, grads)
            cam = torch.relu((weights[:, :, None, None] * activations).sum(dim=1))
        self.weights, self.activations, self.logits, self.targets = weights, activations, logits.detach(), targets
        return cam

    def __call__(self, images: torch.Tensor, targets: int | Sequence[int] | torch.Tensor | None = None
                 ) -> torch.Tensor:
        cam = self.low_resolution(images, targets)
        with torch.no_grad():
            cam = minmax_normalize(upsample(cam, images.shape[-2:]))
        return cam.to(dtype=images.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.model).__name__}, layer={type(self.layer).__name__})"
