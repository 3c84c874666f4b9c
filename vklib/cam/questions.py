r"""The checks of chapter 4's predict-and-interpret exercises.

The feedback for each option lives here rather than in the notebook, so that reading the
check cell does not give the answer away.

- :func:`check_max_pool_prediction`: replace the global *average* pooling of a GAP + linear
  network by global *max* pooling; do Grad-CAM's weights still equal CAM's up to a factor?
  (Yes: the gradient of channel :math:`k` is :math:`w_k^c` at the channel's maximum and 0
  elsewhere, so its average over the :math:`hw` positions is :math:`w_k^c / (hw)` again.)
- :func:`max_pool_grad_cam_pp_weight`: the reference for the exercise that derives the
  Grad-CAM++ weights of such a network, computed by :func:`~vklib.cam.grad_cam_pp_weights`
  on the gradient that max pooling gives; :func:`max_pool_pp_cases` the inputs of its check.
"""

from __future__ import annotations

import torch

from vklib.checks import as_checked_array, check_array
from vklib.exercises import CheckResult, check_choice

from .grad_cam_pp import grad_cam_pp_weights

__all__ = ["MAX_POOL_OPTIONS", "check_max_pool_prediction", "max_pool_grad_cam_pp_weight", "max_pool_pp_cases"]

#: The options of the max-pooling question, as the chapter lists them.
MAX_POOL_OPTIONS = {
    "a": "Yes: Grad-CAM's weights are still proportional to the linear layer's row, so the maps are CAM's.",
    "b": "No: the gradient is zero except at each channel's maximum, so Grad-CAM's map keeps only those peaks.",
    "c": "No: Grad-CAM's weights become w_k^c itself, hw times larger than before, which changes the map.",
    "d": "It depends on the image: where the channels peak decides which weights survive.",
}

_FEEDBACK = {
    "a": "The gradient of channel k is w_k^c at the channel's maximum and 0 at the other hw - 1 positions; "
         "Grad-CAM averages it over all hw positions, which gives w_k^c / (hw), as with average pooling. "
         "The map sum_k alpha_k A^k still uses every position of A^k.",
    "b": "That confuses the gradient at one position with the channel's weight. Grad-CAM averages the gradient "
         "over the positions to get ONE number per channel, w_k^c / (hw), and then weights the WHOLE map A^k "
         "with it: the zeros lower the average, they do not cut the map.",
    "c": "The average of a gradient that is w_k^c at one position and 0 at the others is w_k^c / (hw), not w_k^c. "
         "And even a factor common to all channels would not change the map: the min-max normalisation "
         "removes it.",
    "d": "Each channel has exactly one maximum (ties aside), wherever it is, so the average gradient is "
         "w_k^c / (hw) for every image: the position of the peak does not enter the weight.",
}


def check_max_pool_prediction(answer) -> CheckResult:
    """Check the learner's choice (``"a"`` to ``"d"``) for the max-pooling question.

    Every option gets its own explanation; a wrong one names the misconception behind it
    (e.g. ``"b"``: confusing the per-position gradient with the channel's weight).
    """
    return check_choice(answer, "a", feedback=_FEEDBACK, name="Grad-CAM with global max pooling")


def _float64(x, name: str) -> torch.Tensor:
    """A float tensor or array-like of finite floats as a float64 tensor (``TypeError`` / ``ValueError`` otherwise)."""
    if torch.is_tensor(x):
        return check_array(x, name, dtype="floating").detach().to(torch.float64)
    return torch.from_numpy(as_checked_array(x, name))


def max_pool_grad_cam_pp_weight(w, total, *, size: int = 8) -> torch.Tensor:
    r"""Grad-CAM++'s weights of channels pooled by global max pooling, from the library's formula.

    The gradient of :math:`y^c = \sum_k w_k^c \max_{ij} A^k_{ij} + b^c` is :math:`w_k^c` at
    channel :math:`k`'s maximum and 0 elsewhere; the channel's activations sum to
    ``total[k]``. The weights are :func:`~vklib.cam.grad_cam_pp_weights` of that gradient on
    ``size x size`` maps whose activations sum to ``total`` (only the sum enters its Eq. 19).

    Parameters
    ----------
    w, total : torch.Tensor
        ``(K,)`` floating-point: the linear layer's weights :math:`w_k^c` and the sums
        :math:`S_k = \sum_{a,b} A^k_{ab} \ge 0` (activations after a ReLU).

    Returns
    -------
    torch.Tensor
        ``(K,)`` weights, float64.
    """
    w, total = _float64(w, "w"), _float64(total, "total")
    if w.ndim != 1 or w.shape != total.shape:
        raise ValueError(f"w and total must be (K,) of the same shape, got {tuple(w.shape)} and {tuple(total.shape)}")
    if bool((total < 0).any()):
        raise ValueError("total must be >= 0 (activations after a ReLU)")
    grads = torch.zeros(1, len(w), size, size, dtype=torch.float64)
    acts = torch.zeros_like(grads)
    grads[0, :, 0, 0] = w
    acts[0, :, 0, 0] = total  # the maximum; the others are 0, so the sum is `total`
    return grad_cam_pp_weights(acts, grads)[0]


def max_pool_pp_cases(n_random: int = 5, *, seed: int = 3) -> list:
    """The inputs ``(w, total)`` of exercise 5's check: each case holds positive and negative
    weights, so that neither an all-zero answer nor one that forgets the ReLU passes any case."""
    f64 = torch.float64
    cases = [(torch.tensor([0.5, -0.3, 0.02], dtype=f64), torch.tensor([16.0, 10.0, 0.0], dtype=f64)),
             (torch.tensor([1.5, -1.0], dtype=f64), torch.tensor([40.0, 0.0], dtype=f64))]
    rng = torch.Generator().manual_seed(seed)
    for _ in range(n_random):
        k = int(torch.randint(2, 9, (1,), generator=rng))
        w = torch.rand(k, generator=rng, dtype=torch.float64) * 2 - 1
        w[0], w[1] = w[0].abs() + 0.05, -w[1].abs() - 0.05  # at least one of each sign
        cases.append((w, torch.rand(k, generator=rng, dtype=torch.float64) * 50))
    return cases
