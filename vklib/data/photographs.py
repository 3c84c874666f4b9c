"""Photographs that ship inside scikit-image (chapter 0, section "Photographs").

Nothing here downloads anything: :func:`load_photo` reads one of :data:`PHOTOS` from the
scikit-image package and returns it as a float image in [0, 1].
"""

from __future__ import annotations

import numpy as np

from ..checks import check_in
from ..images import as_float_image

__all__ = ["PHOTOS", "load_photo"]

#: Photographs that ship inside scikit-image (no download), by name.
PHOTOS = (
    "astronaut",
    "camera",
    "cat",
    "chelsea",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "rocket",
    "moon",
    "page",
    "text",
    "brick",
    "grass",
    "gravel",
)


def load_photo(name: str, *, as_gray: bool = False) -> np.ndarray:
    """Load a photograph that ships with scikit-image, as a float image in [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`PHOTOS` (e.g. ``"astronaut"``, ``"chelsea"``, ``"coffee"``).
    as_gray : bool
        Return ``(H, W)`` luminance (scikit-image's ``rgb2gray`` weights, applied to the
        encoded sRGB values as scikit-image does) instead of ``(H, W, 3)`` RGB.

    Returns
    -------
    numpy.ndarray, float32
        ``(H, W, 3)`` sRGB-encoded values for colour photographs, ``(H, W)`` for the
        grey ones (camera, coins, moon, page, text, brick, grass, gravel) and whenever
        ``as_gray`` is set.

    Examples
    --------
    >>> load_photo("chelsea").shape
    (300, 451, 3)
    """
    check_in(name, "name", PHOTOS)
    import skimage.data

    image = as_float_image(getattr(skimage.data, name)())
    if image.ndim == 3 and image.shape[-1] == 4:  # never for the listed photos; be explicit
        raise ValueError(f"photo {name!r} has an alpha channel")
    if as_gray and image.ndim == 3:
        from skimage.color import rgb2gray

        image = rgb2gray(image).astype(np.float32)
    return image
