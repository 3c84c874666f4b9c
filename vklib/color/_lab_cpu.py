"""sRGB -> CIELAB for torch tensors on the CPU, with no temporary allocated per step.

The generic kernel of :mod:`vklib.color.lab` writes every intermediate result to a
fresh tensor. On the CPU a fresh block of a few hundred kB is new memory from the
operating system, and touching its pages for the first time costs more than the
arithmetic (measured on a 2-core AMD EPYC: ``x * 2.0`` on 196,608 float32 values took
over 20 times as long as ``torch.mul(x, 2.0, out=buffer)``). This kernel computes the
same formulas block by block into one set of buffers, reused for every block, with
in-place and ``out=`` operations only, and without ``torch.where`` (slow on the CPU
even with ``out=``): both piecewise functions become exact arithmetic on clamped values.

* sRGB decoding, with ``h(c) = ((c + 0.055) / 1.055)^2.4`` and ``ε = 0.04045``::

      lin = h(max(c, ε)) + (min(c, ε) - ε) / 12.92 - δ [c <= ε],   δ = h(ε) - ε / 12.92

  For ``c > ε`` the second term is exactly 0; for ``c <= ε`` the first is ``h(ε)``, and
  the sum is ``c / 12.92`` (δ ≈ 2.3e-9 is the standard's own jump at the break).
* CIELAB's ``f``: the line ``(κ t + 16) / 116`` is the tangent of the concave ``t^(1/3)``
  at ``t = ε``, so it lies above the cube root everywhere and::

      f(t) = min(max(t, ε)^(1/3), (κ t + 16) / 116)

  is the cube root above ε and the line below it.

Per pixel that is one read of the input and one write of the output, each a single pass
between the interleaved triples and three contiguous planes (so that no other step reads
or writes with a stride); the work is six base-2 logarithms and exponentials (the powers 2.4 and
1/3 as ``2^(p log2 u)``: on the 2-core AMD EPYC we measured, torch's ``log2``/``exp2`` took about
two thirds of the time of ``log``/``exp`` or ``pow``, to the same float32 accuracy), plus
about seventy cheap elementwise steps on buffers that stay in cache. Used by
:func:`vklib.color.srgb_to_lab` for CPU tensors that do not require gradients; the
results equal the generic kernel's to rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array as A
from .lab import LAB_EPSILON, LAB_KAPPA, _SRGB_TO_NORMALISED_XYZ
from .srgb import SRGB_EPSILON

__all__ = ["srgb_to_lab_cpu"]

#: Pixels per block: about 75 in-place steps run on each block, and each step on more than 32,768
#: values is a parallel region of torch's thread pool. With blocks of 2**19 pixels (16 MB of float32
#: buffers, which still fit a server CPU's last-level cache) there are 8 times fewer regions than with
#: 2**16 at the same speed on an idle machine, and 3 to 4 times less time when the pool's threads sleep
#: between regions (``OMP_WAIT_POLICY=PASSIVE``, as in the book's tests; measured on a 2-core AMD EPYC).
LAB_BLOCK_PIXELS = 1 << 19

_DELTA = ((SRGB_EPSILON + 0.055) / 1.055) ** 2.4 - SRGB_EPSILON / 12.92
_ROWS = [[float(v) for v in row] for row in np.asarray(_SRGB_TO_NORMALISED_XYZ)]


def srgb_to_lab_cpu(x: Any, block_pixels: int = LAB_BLOCK_PIXELS) -> Any:
    """CIELAB of sRGB-encoded colours ``x`` (a CPU float tensor, colour on the last axis).

    Returns a new tensor of the same shape, strides, dtype and values (to rounding) as
    the generic kernel's result. No gradients flow through it.
    """
    import torch

    out = torch.empty_like(x)
    indices = A.block_indices(tuple(x.shape[:-1]), block_pixels)
    largest = max(x[index][..., 0].numel() for index in indices)
    # rows 0-2: linear RGB, then L*, a*, b*; rows 3-5: the block's R, G, B, then X/Xn, Y/Yn, Z/Zn;
    # row 6: the linear segment's term; row 7: the indicator of c <= ε
    work = torch.empty((8, largest), dtype=x.dtype)
    # the float just above ε in x's dtype: c <= ε  <=>  min(c, above) - above < 0
    above = float(torch.nextafter(torch.tensor(SRGB_EPSILON, dtype=x.dtype), torch.tensor(1.0, dtype=x.dtype)))
    with torch.no_grad():
        for index in indices:
            block, result = x[index], out[index]
            shape, n = block.shape[:-1], block[..., 0].numel()
            planes = work[:, :n].view(8, *shape)
            # One pass in and one pass out between the interleaved triples (R, G, B, R, ...) and
            # contiguous planes: every other step then reads and writes contiguous memory.
            planes[3:6].copy_(block.movedim(-1, 0))
            _block(planes, above)
            result.movedim(-1, 0).copy_(planes[0:3])
    return out


def _block(planes: Any, above: float) -> None:
    import torch

    lin, t, low, below = planes[0:3], planes[3:6], planes[6], planes[7]
    for k in range(3):                       # decode: h(max(c, ε)) + (min(c, ε) - ε)/12.92 - δ[c <= ε]
        c, h = t[k], lin[k]
        torch.clamp(c, min=SRGB_EPSILON, out=h)
        h.add_(0.055).mul_(1.0 / 1.055).log2_().mul_(2.4).exp2_()     # u^2.4 = 2^(2.4 log2 u)
        torch.clamp(c, max=SRGB_EPSILON, out=low)
        h.add_(low.sub_(SRGB_EPSILON), alpha=1.0 / 12.92)
        torch.clamp(c, max=above, out=below).sub_(above).sign_()     # -1 where c <= ε, else 0
        h.add_(below, alpha=_DELTA)
    for k, row in enumerate(_ROWS):           # X/Xn, Y/Yn, Z/Zn: one weighted sum per plane
        torch.mul(lin[0], row[0], out=t[k]).add_(lin[1], alpha=row[1]).add_(lin[2], alpha=row[2])
    for k in range(3):                       # f(t) = min(max(t, ε)^(1/3), (κ t + 16)/116)
        line = lin[k]                        # the decoded plane is no longer needed
        torch.mul(t[k], LAB_KAPPA / 116.0, out=line).add_(16.0 / 116.0)
        torch.minimum(t[k].clamp_min_(LAB_EPSILON).log2_().mul_(1.0 / 3.0).exp2_(), line, out=t[k])  # cube root
    fx, fy, fz = t
    torch.mul(fy, 116.0, out=lin[0]).sub_(16.0)
    torch.sub(fx, fy, out=lin[1]).mul_(500.0)
    torch.sub(fy, fz, out=lin[2]).mul_(200.0)
