"""Checks of the chapter's predict-and-interpret exercises (chapter 3, Exercises 4, 6 and 7).

Each question compares the learner's answer with the right value or option and, for a
typical wrong one, names the misconception that leads to it
(:func:`vklib.exercises.check_value`, :func:`vklib.exercises.check_choice`). The feedback
lives here, not in the notebook, so that reading the check cell does not give the answer
away.

Examples
--------
>>> check("why these scenes fail", "d").passed
False
>>> check("one Gaussian on two colours", "b").passed
True
>>> check("flow without smoothness", 6.2991).passed
False
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from ..exercises import CheckResult, check_choice, check_value
from .graph import compute_beta, dense_capacities, edmonds_karp, nlink_weights

__all__ = ["six_pixel_costs", "flow_without_smoothness", "FAILURE_FEEDBACK", "ONE_GAUSSIAN_FEEDBACK",
           "QUESTIONS", "check"]


def six_pixel_costs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chapter's six-pixel example: ``cost_fg``, ``cost_bg`` (2, 3) and n-links (4, 2, 3) with gamma = 2.

    The data costs are squared distances to a red and a blue colour divided by
    :math:`2 \\sigma^2` with :math:`\\sigma = 60` (8-bit units).
    """
    tiny = np.array([[[220, 40, 40], [200, 60, 70], [90, 60, 160]],
                     [[210, 50, 50], [120, 70, 150], [40, 50, 210]]], float)
    red, blue, sigma = np.array([220, 40, 40]), np.array([40, 50, 210]), 60.0
    cost_fg = ((tiny - red) ** 2).sum(axis=2) / (2 * sigma ** 2)
    cost_bg = ((tiny - blue) ** 2).sum(axis=2) / (2 * sigma ** 2)
    return cost_fg, cost_bg, nlink_weights(tiny, compute_beta(tiny), 2.0)


def flow_without_smoothness() -> float:
    """The maximum flow of the six-pixel graph with every n-link set to 0 (gamma = 0)."""
    cost_fg, cost_bg, weights = six_pixel_costs()
    return float(edmonds_karp(dense_capacities(cost_fg, cost_bg, 0.0 * weights), 6, 7)[0])


def _flow_misconceptions() -> dict:
    cost_fg, cost_bg, weights = six_pixel_costs()
    with_gamma = float(edmonds_karp(dense_capacities(cost_fg, cost_bg, weights), 6, 7)[0])
    return {
        with_gamma: "That is the flow with gamma = 2. With gamma = 0 every n-link has capacity 0: a boundary "
                    "costs nothing, so the cut no longer pays for one, and the flow drops.",
        0.0: "Each pixel must still be cut from s or from t: it pays the data cost of the label it gets. Only "
             "the boundary became free, not the labels.",
        float((cost_fg + cost_bg).sum()): "A cut severs one t-link per pixel, not both: the pixel pays the cost "
                                          "of the one label it takes.",
        float(np.maximum(cost_fg, cost_bg).sum()): "That gives every pixel its more expensive label. The minimum "
                                                   "cut gives each pixel the cheaper one.",
    }

#: Exercise 6: why GrabCut with its default settings fails on some of the book's scenes.
FAILURE_FEEDBACK = MappingProxyType({
    "a": "No: the cut is exact. PyMaxflow returns a true minimum cut, as the six-pixel example showed; "
         "the error is in the energy (the colour models), not in its minimisation.",
    "b": "Right: every wrong pixel is a background pixel kept as foreground, and its colour is one the "
         "background mixture never saw. A stroke on it (code 0) is the cure.",
    "c": "No: then pixels of the shape would be lost, but the counts show none lost, only background "
         "kept; the shapes' saturated colours are far from the muted background colours.",
    "d": "No: the labels stop changing after a few iterations; twenty iterations leave the same error "
         "(try it with n_iter=20). GrabCut has reached a local minimum of its energy.",
})

#: Exercise 7: what one Gaussian per label does when the background has two far-apart colours.
ONE_GAUSSIAN_FEEDBACK = MappingProxyType({
    "a": "No: a colour that no background pixel has can still be the background model's favourite. One "
         "Gaussian fitted to two far-apart colours has its mean, its most probable colour, halfway "
         "between them: exactly the shape's colour.",
    "b": "Right: the single background Gaussian peaks at the average of the two stripe colours, so the "
         "shape's colour is the most typical background colour there is, and in most scenes the shape is lost.",
    "c": "No: that is what several components do on some of these scenes (the foreground mixture gets a "
         "component for each stripe colour). With K = 1 the background Gaussian claims the shape itself.",
    "d": "No: k-means has nothing to choose with K = 1 (one cluster is all the pixels), and its seed is "
         "fixed anyway (rng=0): the result is the same on every run.",
})


def _flow(answer: Any) -> CheckResult:
    return check_value(answer, flow_without_smoothness(), rtol=0.01, misconceptions=_flow_misconceptions(),
                       name="flow without smoothness")


def _failure(answer: Any) -> CheckResult:
    return check_choice(answer, "b", feedback=dict(FAILURE_FEEDBACK), name="why these scenes fail")


def _one_gaussian(answer: Any) -> CheckResult:
    return check_choice(answer, "b", feedback=dict(ONE_GAUSSIAN_FEEDBACK), name="one Gaussian on two colours")


#: The chapter's questions, by name, and the function that checks an answer to each.
QUESTIONS = MappingProxyType({"flow without smoothness": _flow, "why these scenes fail": _failure,
                              "one Gaussian on two colours": _one_gaussian})


def check(question: str, answer: Any) -> CheckResult:
    """Check an answer to one of the chapter's questions (a key of :data:`QUESTIONS`).

    Parameters
    ----------
    question : str
        ``"flow without smoothness"`` (Exercise 4), ``"why these scenes fail"``
        (Exercise 6) or ``"one Gaussian on two colours"`` (Exercise 7).
    answer : float or str
        A number for Exercise 4 (it passes within 1 %); one letter, ``"a"`` to ``"d"``
        (case and spaces ignored), for the others. ``None`` or ``...`` means "not
        answered yet".

    Returns
    -------
    CheckResult
        Passed only for the right option; its message says why the chosen option is
        right or which misconception leads to it.

    Raises
    ------
    ValueError
        An unknown question.
    """
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {sorted(QUESTIONS)}, got {question!r}")
    return QUESTIONS[question](answer)
