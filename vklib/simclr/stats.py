"""Seeds and error bars: summarising repeated runs and judging a claim from paired differences.

Every row of the chapter's ablation is trained with several seeds. A row is summarised by
its mean and sample standard deviation over seeds; a claim "A beats B" compares two rows
*seed by seed* (the same seed gives both runs the same initial weights and data order), so
its uncertainty is the standard error of the paired differences ``d_s = A_s - B_s``:

.. math::

    \\bar d = \\frac{1}{n}\\sum_s d_s, \\qquad
    \\mathrm{se}(\\bar d) = \\frac{1}{\\sqrt n}\\sqrt{\\frac{1}{n-1}\\sum_s (d_s - \\bar d)^2}.

A claim is called *reproduced* when ``d̄ > 2 se`` in the paper's direction, *not reproduced*
when ``d̄ < -2 se`` (the opposite holds beyond the noise), and *within noise* otherwise (with 3 seeds, 2 standard errors is a
loose, not a strict, test: the t distribution with 2 degrees of freedom needs 4.3 for 95 %).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["mean_sd", "paired_difference", "verdict"]


def _values(x, name):
    kind = np.asarray(x).dtype.kind
    if kind not in "biuf":
        raise TypeError(f"{name} must be a 1-D sequence of real numbers, got dtype {np.asarray(x).dtype}")
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite, got {x!r}")
    return a


def mean_sd(values):
    """``(mean, sample standard deviation)`` of per-seed values (sd 0 for a single value)."""
    a = _values(values, "values")
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def paired_difference(a, b):
    """Mean and standard error of the per-seed differences ``a_s - b_s``: ``(d̄, se)``.

    ``a`` and ``b`` must list the same seeds in the same order; at least two seeds.
    """
    a, b = _values(a, "a"), _values(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have one value per seed each, got {a.size} and {b.size}")
    if a.size < 2:
        raise ValueError("a paired difference needs at least two seeds")
    d = a - b
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


def verdict(mean, se, *, threshold=2.0):
    """``"reproduced"`` if ``mean > threshold * se``, ``"not reproduced"`` if ``mean < -threshold * se``, else ``"within noise"``.

    ``mean`` is oriented so that positive is the paper's direction. A zero standard error
    with a non-zero mean counts as beyond the noise.
    """
    if mean > threshold * se and mean > 0:
        return "reproduced"
    if mean < -threshold * se and mean < 0:
        return "not reproduced"
    return "within noise"
