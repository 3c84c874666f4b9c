"""The common part of every batch of synthetic scenes: images, masks, labels, colours, indexing.

:class:`SceneBatch` is the base of :class:`vklib.data.Scenes`, :class:`vklib.data.CentredScenes`
and :class:`vklib.clip.CaptionScenes`; it checks the four shared fields when a batch is made.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..checks import check_array

__all__ = ["SceneBatch"]


@dataclass(frozen=True)
class SceneBatch:
    """What every batch of synthetic scenes holds first, and how a batch is indexed.

    :class:`Scenes`, :class:`~vklib.data.CentredScenes` and
    :class:`~vklib.clip.CaptionScenes` add their own ground truth after these fields.

    Attributes
    ----------
    images : (N, H, W, 3) float32 in [0, 1]
    masks : (N, H, W) bool, True exactly on the shape's pixels
    labels : (N,) int64, index into :data:`vklib.data.SHAPES`
    colors : (N,) int64, the shape's colour class

    These four are checked when a batch is made: a float ``(N, H, W, 3)`` image array
    without NaN or infinity, and masks, labels and colours of the matching shapes and
    dtypes (``TypeError`` / ``ValueError`` otherwise).
    """

    images: np.ndarray
    masks: np.ndarray
    labels: np.ndarray
    colors: np.ndarray

    def __post_init__(self) -> None:
        """Check the shared fields when a batch is made (``TypeError`` / ``ValueError``, naming the field)."""
        if not isinstance(self.images, np.ndarray):
            raise TypeError(f"images must be a numpy array (N, H, W, 3), got {type(self.images).__name__}")
        check_array(self.images, "images", ndim=4, dtype="floating", nonempty=False)  # NaN, complex rejected
        n, h, w, c = self.images.shape
        if c != 3:
            raise ValueError(f"images must be (N, H, W, 3) RGB, got shape {self.images.shape}")
        for name, dtype, shape in (("masks", "bool", (n, h, w)), ("labels", "integer", (n,)),
                                   ("colors", "integer", (n,))):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray):
                raise TypeError(f"{name} must be a numpy array of shape {shape}, got {type(value).__name__}")
            check_array(value, name, shape=shape, dtype=dtype, nonempty=False)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index):
        """The scenes at ``index`` (an int, slice, index array or boolean mask), as a batch of the same class."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        idx = np.arange(len(self))[index]
        values = {}
        for f in fields(self):
            v = getattr(self, f.name)
            values[f.name] = [v[i] for i in idx] if isinstance(v, list) else v[idx]
        return type(self)(**values)
