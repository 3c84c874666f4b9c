"""HSV and HSL: the hexcone models of sRGB-encoded colours (Smith 1978).

Both are cylindrical re-parametrisations of the *encoded* sRGB cube, not colour
spaces of their own: hue is an angle around the grey axis, and saturation and
value (HSV) or lightness (HSL) are measured in the cube's own, non-perceptual
units.

Convention (the same as OpenCV's float32 HSV/HLS): hue ``H`` is in **degrees**,
in [0, 360) (360 wraps to 0, any real hue is accepted on input and taken modulo
360); ``S``, ``V`` and ``L`` are in [0, 1]; the RGB side is sRGB-encoded in [0, 1].
Greys (max = min) get ``H = 0`` and ``S = 0``, as in Python's :mod:`colorsys`.
The channel order of an HSL array is ``(H, S, L)`` (``colorsys`` returns
``(h, l, s)`` and OpenCV ``HLS``: mind the order when comparing).
"""

from __future__ import annotations

from typing import Any

from . import _array as A

__all__ = ["srgb_to_hsv", "hsv_to_srgb", "srgb_to_hsl", "hsl_to_srgb"]


def _hue_and_range(rgb: Any) -> tuple[Any, Any, Any, Any]:
    """Hue in degrees, max, min and chroma ``C = max - min`` of RGB triples (last axis)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    maxc = A.amax(rgb)
    minc = A.amin(rgb)
    chroma = maxc - minc
    grey = chroma == 0
    safe = A.where(grey, 1.0, chroma) if not A.is_tensor(chroma) else A.where(grey, chroma.new_ones(()), chroma)
    # Which sextant of the hexagon: the largest component decides (ties: R before G before B, as colorsys).
    h_r = ((g - b) / safe) % 6.0
    h_g = (b - r) / safe + 2.0
    h_b = (r - g) / safe + 4.0
    h = A.where(r == maxc, h_r, A.where(g == maxc, h_g, h_b))
    h = (h * 60.0) % 360.0
    h = A.where(grey, 0.0 * h, h)
    return h, maxc, minc, chroma


def srgb_to_hsv(rgb: Any, *, channel_axis: int = -1) -> Any:
    r"""sRGB-encoded colours to HSV (hue in degrees).

    .. math::

        V = \max(R, G, B), \quad C = V - \min(R, G, B), \quad S = C / V \ (0 \text{ if } V = 0),

        H = 60^\circ \times \begin{cases}
            ((G - B)/C) \bmod 6 & \text{if } V = R \\
            (B - R)/C + 2 & \text{if } V = G \\
            (R - G)/C + 4 & \text{if } V = B
        \end{cases} \quad (H = 0 \text{ if } C = 0).

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3) with the default ``channel_axis``
        sRGB-encoded (gamma-encoded) values, nominally in [0, 1]; values outside are
        converted by the same formulas (nothing is clipped). Float dtype.
    channel_axis : int, keyword-only
        The axis that holds the three channels, ``-1`` by default. For a torch image
        batch ``(B, 3, H, W)`` pass ``channel_axis=1``; the output has the same layout.

    Returns
    -------
    hsv : same type, shape, dtype and device as ``rgb``
        ``H`` in [0, 360) degrees, ``S`` and ``V`` in [0, 1] for in-gamut input.

    Raises
    ------
    TypeError
        ``rgb`` is not a float NumPy array or torch tensor.
    ValueError
        Empty, contains NaN or infinity, or the channel axis does not have size 3.

    References
    ----------
    .. [1] A. R. Smith, "Color gamut transform pairs", SIGGRAPH 1978,
       :doi:`10.1145/965139.807361`.

    Examples
    --------
    >>> import numpy as np
    >>> srgb_to_hsv(np.array([1.0, 0.5, 0.0])).tolist()   # orange: hue 30 degrees
    [30.0, 1.0, 1.0]
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.blockwise(_srgb_to_hsv_kernel, x), channel_axis)


def _srgb_to_hsv_kernel(x: Any) -> Any:
    h, v, _, chroma = _hue_and_range(x)
    s = A.where(v == 0, 0.0 * v, chroma / A.where(v == 0, 1.0 + 0.0 * v, v))
    return A.stack([h, s, v])


def hsv_to_srgb(hsv: Any, *, channel_axis: int = -1) -> Any:
    r"""HSV (hue in degrees) to sRGB-encoded colours.

    The closed form used here (each channel is the value minus a clipped ramp):

    .. math::

        f(n) = V - V S \max\bigl(0, \min(k, 4 - k, 1)\bigr), \quad
        k = (n + H / 60^\circ) \bmod 6, \quad (R, G, B) = (f(5), f(3), f(1)).

    Parameters
    ----------
    hsv : numpy.ndarray or torch.Tensor, shape (..., 3) with the default ``channel_axis``
        ``H`` in degrees (any real value, taken modulo 360, so 360 is 0), ``S`` and
        ``V`` nominally in [0, 1]. Float dtype.
    channel_axis : int, keyword-only
        The axis that holds ``(H, S, V)``, ``-1`` by default; for a torch batch
        ``(B, 3, H, W)`` pass ``channel_axis=1``.

    Returns
    -------
    rgb : same type, shape, dtype and device as ``hsv``
        sRGB-encoded values, in [0, 1] when ``S`` and ``V`` are.

    Raises
    ------
    TypeError, ValueError
        As :func:`srgb_to_hsv`.

    Examples
    --------
    >>> import numpy as np
    >>> hsv_to_srgb(np.array([30.0, 0.5, 1.0])).tolist()   # the orange at half saturation
    [1.0, 0.75, 0.5]
    """
    x = A.prepare(hsv, "hsv", channel_axis)
    return A.finish(A.blockwise(_hsv_to_srgb_kernel, x), channel_axis)


def _hsv_to_srgb_kernel(x: Any) -> Any:
    h, s, v = x[..., 0] % 360.0, x[..., 1], x[..., 2]
    hh = h / 60.0
    vs = v * s

    def f(n: float) -> Any:
        k = (n + hh) % 6.0
        ramp = A.maximum(A.minimum(A.minimum(k, 4.0 - k), 1.0), 0.0)
        return v - vs * ramp

    return A.stack([f(5.0), f(3.0), f(1.0)])


def srgb_to_hsl(rgb: Any, *, channel_axis: int = -1) -> Any:
    r"""sRGB-encoded colours to HSL ``(H, S, L)`` (hue in degrees).

    .. math::

        L = \frac{\max + \min}{2}, \quad
        S = \begin{cases} C / (\max + \min) & L \le 1/2 \\ C / (2 - \max - \min) & L > 1/2 \end{cases}
        \quad (S = 0 \text{ if } C = 0),

    with the same hue ``H`` as :func:`srgb_to_hsv` and ``C = max - min``.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3) with the default ``channel_axis``
        sRGB-encoded values, nominally in [0, 1]. Float dtype.
    channel_axis : int, keyword-only
        The colour axis, ``-1`` by default (``1`` for a torch batch ``(B, 3, H, W)``).

    Returns
    -------
    hsl : same type, shape, dtype and device as ``rgb``; channels ``(H, S, L)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`srgb_to_hsv`.

    Examples
    --------
    >>> import numpy as np
    >>> srgb_to_hsl(np.array([1.0, 0.5, 0.0])).tolist()
    [30.0, 1.0, 0.5]
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.blockwise(_srgb_to_hsl_kernel, x), channel_axis)


def _srgb_to_hsl_kernel(x: Any) -> Any:
    h, maxc, minc, chroma = _hue_and_range(x)
    total = maxc + minc
    lightness = total / 2.0
    denominator = A.where(lightness <= 0.5, total, 2.0 - maxc - minc)
    grey = chroma == 0
    s = A.where(grey, 0.0 * chroma, chroma / A.where(grey, 1.0 + 0.0 * chroma, denominator))
    return A.stack([h, s, lightness])


def hsl_to_srgb(hsl: Any, *, channel_axis: int = -1) -> Any:
    r"""HSL ``(H, S, L)`` (hue in degrees) to sRGB-encoded colours.

    .. math::

        f(n) = L - a \max\bigl(-1, \min(k - 3, 9 - k, 1)\bigr), \quad
        k = (n + H / 30^\circ) \bmod 12, \quad a = S \min(L, 1 - L),

    and ``(R, G, B) = (f(0), f(8), f(4))``.

    Parameters
    ----------
    hsl : numpy.ndarray or torch.Tensor, shape (..., 3) with the default ``channel_axis``
        ``H`` in degrees (taken modulo 360), ``S`` and ``L`` nominally in [0, 1].
    channel_axis : int, keyword-only
        The colour axis, ``-1`` by default (``1`` for a torch batch ``(B, 3, H, W)``).

    Returns
    -------
    rgb : same type, shape, dtype and device as ``hsl``.

    Raises
    ------
    TypeError, ValueError
        As :func:`srgb_to_hsv`.

    Examples
    --------
    >>> import numpy as np
    >>> hsl_to_srgb(np.array([30.0, 1.0, 0.5])).tolist()
    [1.0, 0.5, 0.0]
    """
    x = A.prepare(hsl, "hsl", channel_axis)
    return A.finish(A.blockwise(_hsl_to_srgb_kernel, x), channel_axis)


def _hsl_to_srgb_kernel(x: Any) -> Any:
    h, s, lightness = x[..., 0] % 360.0, x[..., 1], x[..., 2]
    a = s * A.minimum(lightness, 1.0 - lightness)
    hh = h / 30.0

    def f(n: float) -> Any:
        k = (n + hh) % 12.0
        ramp = A.maximum(A.minimum(A.minimum(k - 3.0, 9.0 - k), 1.0), -1.0)
        return lightness - a * ramp

    return A.stack([f(0.0), f(8.0), f(4.0)])
