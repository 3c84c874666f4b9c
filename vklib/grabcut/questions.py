"""Checks of the chapter's predict-and-interpret exercises (chapter 3, "The effect of γ and K").

Each question compares the learner's choice with the right option and, for a wrong one,
names the misconception that leads to it (:func:`vklib.exercises.check_choice`). The
feedback lives here, not in the notebook, so that reading the check cell does not give
the answer away.

Examples
--------
>>> check("why these scenes fail", "d").passed
False
>>> check("one Gaussian on two colours", "b").passed
True
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ..exercises import CheckResult, check_choice

__all__ = ["FAILURE_FEEDBACK", "ONE_GAUSSIAN_FEEDBACK", "QUESTIONS", "check"]

#: Exercise 5: why GrabCut with its default settings fails on some of the book's scenes.
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

#: Exercise 6: what one Gaussian per label does when the background has two far-apart colours.
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


def _failure(answer: Any) -> CheckResult:
    return check_choice(answer, "b", feedback=dict(FAILURE_FEEDBACK), name="why these scenes fail")


def _one_gaussian(answer: Any) -> CheckResult:
    return check_choice(answer, "b", feedback=dict(ONE_GAUSSIAN_FEEDBACK), name="one Gaussian on two colours")


#: The chapter's questions, by name, and the function that checks an answer to each.
QUESTIONS = MappingProxyType({"why these scenes fail": _failure, "one Gaussian on two colours": _one_gaussian})


def check(question: str, answer: Any) -> CheckResult:
    """Check an answer to one of the chapter's questions (a key of :data:`QUESTIONS`).

    Parameters
    ----------
    question : str
        ``"why these scenes fail"`` (Exercise 5) or ``"one Gaussian on two colours"``
        (Exercise 6).
    answer : str
        One letter, ``"a"`` to ``"d"`` (case and spaces ignored); ``None`` or ``...``
        means "not answered yet".

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
