"""Drawing a saliency map over its image."""

from __future__ import annotations

import numpy as np

from vklib.checks import check_array, check_image, check_range

__all__ = ["overlay"]


def overlay(image, saliency, *, alpha: float = 0.5, cmap: str = "jet") -> np.ndarray:
    """Blend a colour-mapped saliency map over an image: ``(1 - alpha) * image + alpha * cmap(saliency)``.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float RGB in [0, 1].
    saliency : numpy.ndarray or torch.Tensor
        ``(H, W)`` map in [0, 1].
    alpha : float, keyword-only
        Opacity of the heat map, in [0, 1].
    cmap : str, keyword-only
        A matplotlib colormap name.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` float32 RGB in [0, 1].
    """
    import matplotlib

    if hasattr(saliency, "detach"):
        check_array(saliency, "saliency", ndim=2, dtype="floating")  # a meta tensor has no values to copy
        saliency = saliency.detach().cpu().numpy()
    check_image(image, "image")
    check_array(saliency, "saliency", ndim=2, dtype="floating")
    if saliency.shape != image.shape[:2]:
        raise ValueError(f"saliency must be (H, W) = {image.shape[:2]}, got {saliency.shape}")
    check_range(saliency, "saliency")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    heat = matplotlib.colormaps[cmap](np.clip(saliency, 0, 1))[..., :3]
    return ((1 - alpha) * image + alpha * heat).astype(np.float32)
