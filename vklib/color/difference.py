"""Colour differences in CIELAB: ΔE*ab (CIE 1976) and ΔE00 (CIEDE2000)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _array as A
from ..checks import as_checked_array

__all__ = ["delta_e_1976", "delta_e_2000", "delta_e_2000_reference"]


def _pair(lab1: Any, lab2: Any, channel_axis: int) -> tuple[Any, Any]:
    a = A.prepare(lab1, "lab1", channel_axis)
    b = A.prepare(lab2, "lab2", channel_axis)
    if A.is_tensor(a) != A.is_tensor(b):
        raise TypeError("lab1 and lab2 must both be numpy arrays or both torch tensors")
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"lab1 and lab2 must have the same shape, got {tuple(lab1.shape)} and {tuple(lab2.shape)}")
    return a, b


def delta_e_1976(lab1: Any, lab2: Any, *, channel_axis: int = -1) -> Any:
    r"""CIE 1976 colour difference: the Euclidean distance in CIELAB.

    .. math:: \Delta E^*_{ab} = \sqrt{(\Delta L^*)^2 + (\Delta a^*)^2 + (\Delta b^*)^2}

    A difference of about 2.3 is often quoted as "just noticeable"; CIELAB is only
    approximately uniform, which is what CIEDE2000 corrects.

    Parameters
    ----------
    lab1, lab2 : numpy.ndarray or torch.Tensor, same shape (..., 3)
        CIELAB colours (both NumPy or both torch).
    channel_axis : int, keyword-only
        The axis holding (L*, a*, b*), ``-1`` by default (``1`` for (B, 3, H, W)).

    Returns
    -------
    The differences, shape of the inputs without the channel axis; >= 0.

    Raises
    ------
    TypeError
        Not float arrays, or one NumPy and one torch.
    ValueError
        Different shapes, empty, NaN or infinity, no size-3 channel axis, or values so large
        (far outside CIELAB's range, e.g. 1e300) that the difference overflows.

    References
    ----------
    CIE 15:2004, *Colorimetry*, 3rd edition, section 8.2.1.

    Examples
    --------
    >>> import numpy as np
    >>> float(delta_e_1976(np.array([50.0, 0.0, 0.0]), np.array([50.0, 3.0, 4.0])))
    5.0
    """
    a, b = _pair(lab1, lab2, channel_axis)
    d = a - b
    return A.check_overflow(A.sqrt((d * d).sum(-1)), "lab1 - lab2")


def _degrees(x: Any) -> Any:
    return x * (180.0 / math.pi)


def _radians(x: Any) -> Any:
    return x * (math.pi / 180.0)


def delta_e_2000(lab1: Any, lab2: Any, *, k_L: float = 1.0, k_C: float = 1.0, k_H: float = 1.0,
                 channel_axis: int = -1) -> Any:
    r"""CIEDE2000 colour difference ΔE00, following Sharma, Wu & Dalal (2005).

    .. math::

        \Delta E_{00} = \sqrt{\left(\frac{\Delta L'}{k_L S_L}\right)^2
            + \left(\frac{\Delta C'}{k_C S_C}\right)^2
            + \left(\frac{\Delta H'}{k_H S_H}\right)^2
            + R_T \frac{\Delta C'}{k_C S_C} \frac{\Delta H'}{k_H S_H}}

    with ``a'`` rescaled by ``1 + G`` to fix the near-neutral blues, hue-dependent
    weights ``S_H`` (through ``T``) and the rotation term ``R_T`` for blue.
    Equation numbers below refer to Sharma et al.'s eqs. (2)-(22).

    Parameters
    ----------
    lab1, lab2 : numpy.ndarray or torch.Tensor, same shape (..., 3)
        CIELAB colours (both NumPy or both torch).
    k_L, k_C, k_H : float, keyword-only
        Parametric weights, 1 for the reference conditions.
    channel_axis : int, keyword-only
        The axis holding (L*, a*, b*), ``-1`` by default.

    Returns
    -------
    ΔE00, shape of the inputs without the channel axis; >= 0.

    Raises
    ------
    TypeError, ValueError
        As :func:`delta_e_1976`.

    References
    ----------
    G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula:
    implementation notes, supplementary test data, and mathematical observations",
    Color Res. Appl. 30 (2005) 21-30, doi:10.1002/col.20070.

    Examples
    --------
    >>> import numpy as np   # Sharma et al.'s pair 24: designed to give exactly 1
    >>> round(float(delta_e_2000(np.array([50.0, 2.5, 0.0]), np.array([50.0, 3.2592, 0.335]))), 4)
    1.0
    """
    x1, x2 = _pair(lab1, lab2, channel_axis)
    L1, a1, b1 = x1[..., 0], x1[..., 1], x1[..., 2]
    L2, a2, b2 = x2[..., 0], x2[..., 1], x2[..., 2]
    C1 = A.sqrt(a1 * a1 + b1 * b1)  # (2)
    C2 = A.sqrt(a2 * a2 + b2 * b2)
    C_bar7 = ((C1 + C2) / 2.0) ** 7  # (3)
    G = 0.5 * (1.0 - A.sqrt(C_bar7 / (C_bar7 + 25.0 ** 7)))  # (4)
    a1p, a2p = (1.0 + G) * a1, (1.0 + G) * a2  # (5)
    C1p, C2p = A.sqrt(a1p * a1p + b1 * b1), A.sqrt(a2p * a2p + b2 * b2)  # (6)
    h1p = _degrees(A.atan2(b1, a1p)) % 360.0  # (7): atan2(0, 0) = 0 as the paper asks
    h2p = _degrees(A.atan2(b2, a2p)) % 360.0
    dLp = L2 - L1  # (8)
    dCp = C2p - C1p  # (9)
    product = C1p * C2p
    dh = h2p - h1p
    dhp = A.where(dh > 180.0, dh - 360.0, A.where(dh < -180.0, dh + 360.0, dh))  # (10)
    dhp = A.where(product == 0, 0.0 * dh, dhp)
    dHp = 2.0 * A.sqrt(product) * A.sin(_radians(dhp) / 2.0)  # (11)
    Lbp = (L1 + L2) / 2.0  # (12)
    Cbp = (C1p + C2p) / 2.0  # (13)
    hsum = h1p + h2p
    far = A.absolute(h1p - h2p) > 180.0
    hbp = A.where(far, A.where(hsum < 360.0, (hsum + 360.0) / 2.0, (hsum - 360.0) / 2.0), hsum / 2.0)  # (14)
    hbp = A.where(product == 0, hsum, hbp)
    T = (1.0 - 0.17 * A.cos(_radians(hbp - 30.0)) + 0.24 * A.cos(_radians(2.0 * hbp))
         + 0.32 * A.cos(_radians(3.0 * hbp + 6.0)) - 0.20 * A.cos(_radians(4.0 * hbp - 63.0)))  # (15)
    dtheta = 30.0 * A.exp(-(((hbp - 275.0) / 25.0) ** 2))  # (16)
    Cbp7 = Cbp ** 7
    R_C = 2.0 * A.sqrt(Cbp7 / (Cbp7 + 25.0 ** 7))  # (17)
    Lb50 = (Lbp - 50.0) ** 2
    S_L = 1.0 + 0.015 * Lb50 / A.sqrt(20.0 + Lb50)  # (18)
    S_C = 1.0 + 0.045 * Cbp  # (19)
    S_H = 1.0 + 0.015 * Cbp * T  # (20)
    R_T = -A.sin(_radians(2.0 * dtheta)) * R_C  # (21)
    tL, tC, tH = dLp / (k_L * S_L), dCp / (k_C * S_C), dHp / (k_H * S_H)
    return A.check_overflow(A.sqrt(tL * tL + tC * tC + tH * tH + R_T * tC * tH), "lab1, lab2")  # (22)


def delta_e_2000_reference(lab1: Any, lab2: Any) -> float:
    """CIEDE2000 of one pair, a plain-Python loop-free transcription of Sharma et al.
    (2005) with :mod:`math`, for tests and for reading next to the paper.

    ``lab1`` and ``lab2`` are single CIELAB colours (shape (3,), finite floats; lists are
    accepted): ``TypeError`` / ``ValueError`` otherwise, and ``ValueError`` for values so
    large (e.g. 1e300) that the formula overflows.
    """
    L1, a1, b1 = (float(v) for v in as_checked_array(lab1, "lab1", shape=(3,)))
    L2, a2, b2 = (float(v) for v in as_checked_array(lab2, "lab2", shape=(3,)))
    try:
        return _delta_e_2000_scalar(L1, a1, b1, L2, a2, b2)
    except OverflowError:
        raise ValueError(f"lab1, lab2 are too large for CIEDE2000: got {lab1!r} and {lab2!r}; "
                         "CIELAB values are expected within a few hundred") from None


def _delta_e_2000_scalar(L1: float, a1: float, b1: float, L2: float, a2: float, b2: float) -> float:
    C1, C2 = math.hypot(a1, b1), math.hypot(a2, b2)
    Cb = (C1 + C2) / 2
    G = 0.5 * (1 - math.sqrt(Cb ** 7 / (Cb ** 7 + 25 ** 7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = 0.0 if (a1p == 0 and b1 == 0) else math.degrees(math.atan2(b1, a1p)) % 360
    h2p = 0.0 if (a2p == 0 and b2 == 0) else math.degrees(math.atan2(b2, a2p)) % 360
    dLp, dCp = L2 - L1, C2p - C1p
    if C1p * C2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    elif h2p - h1p > 180:
        dhp = h2p - h1p - 360
    else:
        dhp = h2p - h1p + 360
    dHp = 2 * math.sqrt(C1p * C2p) * math.sin(math.radians(dhp) / 2)
    Lbp, Cbp = (L1 + L2) / 2, (C1p + C2p) / 2
    if C1p * C2p == 0:
        hbp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbp = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hbp = (h1p + h2p + 360) / 2
    else:
        hbp = (h1p + h2p - 360) / 2
    T = (1 - 0.17 * math.cos(math.radians(hbp - 30)) + 0.24 * math.cos(math.radians(2 * hbp))
         + 0.32 * math.cos(math.radians(3 * hbp + 6)) - 0.20 * math.cos(math.radians(4 * hbp - 63)))
    dtheta = 30 * math.exp(-(((hbp - 275) / 25) ** 2))
    R_C = 2 * math.sqrt(Cbp ** 7 / (Cbp ** 7 + 25 ** 7))
    S_L = 1 + 0.015 * (Lbp - 50) ** 2 / math.sqrt(20 + (Lbp - 50) ** 2)
    S_C = 1 + 0.045 * Cbp
    S_H = 1 + 0.015 * Cbp * T
    R_T = -math.sin(math.radians(2 * dtheta)) * R_C
    return math.sqrt((dLp / S_L) ** 2 + (dCp / S_C) ** 2 + (dHp / S_H) ** 2 + R_T * (dCp / S_C) * (dHp / S_H))
