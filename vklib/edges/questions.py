"""Checks of the chapter's predict-and-interpret exercises (chapter 2, "Exercises").

Each check compares the learner's answer with a value computed here from the chapter's
kernels or with the right option, and names the misconception behind a typical wrong
answer (:func:`vklib.exercises.check_value`, :func:`vklib.exercises.check_choice`).
:func:`check` dispatches by the question's name.

Examples
--------
>>> check("Prewitt noise", 0.41).passed
True
>>> print(check("LoG versus Sobel", "d").message)  # doctest: +ELLIPSIS
✘ LoG versus Sobel: 'd' is not it. No: every operator is scored with the same 1-pixel tolerance, ...
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from ..exercises import check_choice, check_value
from .kernels import PREWITT_X

__all__ = [
    "prewitt_noise_factor",
    "PREWITT_NOISE_MISCONCEPTIONS",
    "check_prewitt_noise",
    "LOG_VERSUS_SOBEL_FEEDBACK",
    "check_log_versus_sobel",
    "QUESTIONS",
    "check",
]


def prewitt_noise_factor() -> float:
    """Noise std of the normalised Prewitt ``g_x`` per unit of independent pixel noise std.

    The normalised kernel is ``[1, 1, 1]/3 ⊗ [-1, 0, 1]/2`` (:data:`PREWITT_X` / 6); the
    output's variance is the sum of its squared weights times the pixels' variance,
    ``6 / 36 = 1/6``, so the factor is :math:`1/\\sqrt{6} \\approx 0.408`.
    """
    return float(np.sqrt(np.sum((PREWITT_X / 6.0) ** 2)))


#: Typical wrong predictions of :func:`prewitt_noise_factor` and the misconception behind each.
PREWITT_NOISE_MISCONCEPTIONS = MappingProxyType({
    1 / np.sqrt(2): "That is the central difference alone: the box average [1, 1, 1]/3 runs across the "
                    "derivative, but it still averages three rows whose noise is independent, so it lowers the noise.",
    np.sqrt(3 / 8) / np.sqrt(2): "That is Sobel's [1, 2, 1]/4: its uneven weights keep more of the noise "
                                 "(sum of squares 6/16) than the box's equal weights (3/9).",
    1 / (3 * np.sqrt(2)): "Averaging n independent values divides the standard deviation by sqrt(n), not by n "
                          "(it is the variance that is divided by n).",
    1 / np.sqrt(3): "That is the box average alone: the derivative [-1, 0, 1]/2 multiplies the noise std by "
                    "a further sqrt(1/4 + 1/4) = 0.71.",
    1.0: "Noise adds in variance, not in standard deviation: the sum of the absolute weights (1) holds only for "
         "perfectly correlated noise; for independent pixels sum the squared weights, then take the square root.",
})


def check_prewitt_noise(answer):
    """Check a predicted noise factor of the normalised Prewitt ``g_x`` (3 % tolerance)."""
    return check_value(answer, prewitt_noise_factor(), rtol=0.03, misconceptions=PREWITT_NOISE_MISCONCEPTIONS,
                       name="Prewitt noise factor")


#: The options of the "why does the LoG at sigma = 2 beat Sobel" question and their feedback.
LOG_VERSUS_SOBEL_FEEDBACK = MappingProxyType({
    "a": "No: at the same scale a second derivative is noisier than a first one (the second difference "
         "multiplies the noise std by 2.45, the central difference by 0.71), and in the experiment the LoG at "
         "sigma = 1 does no better than the central difference.",
    "b": "Yes: Sobel averages only 3 pixels across the edge (an effective 2.7 for [1, 2, 1]/4), the Gaussian of "
         "sigma = 2 about 4 pi sigma^2 = 50 pixels; the scale of the smoothing matters more than the order of the "
         "derivative (and the larger scale costs accuracy at corners, visible without noise).",
    "c": "No: without a slope threshold the LoG of the photograph has zero crossings at half of its pixels; the "
         "experiment thresholds the LoG's slope exactly as it thresholds the gradient magnitude.",
    "d": "No: every operator is scored with the same 1-pixel tolerance, pooled over the same scenes, at its own "
         "best threshold.",
})


def check_log_versus_sobel(answer):
    """Check the choice of explanation for the LoG (sigma = 2) beating Sobel at high noise."""
    return check_choice(answer, "b", feedback=dict(LOG_VERSUS_SOBEL_FEEDBACK), name="LoG versus Sobel")


#: The chapter's predict-and-interpret questions, by name, and the function that checks each.
QUESTIONS = MappingProxyType({"Prewitt noise": check_prewitt_noise, "LoG versus Sobel": check_log_versus_sobel})


def check(question: str, answer: Any):
    """Check an answer to one of the chapter's questions (a key of :data:`QUESTIONS`).

    Parameters
    ----------
    question : str
        ``'Prewitt noise'`` (a number: the noise standard deviation of the normalised
        Prewitt ``g_x`` per unit of pixel noise, 3 % tolerance) or ``'LoG versus Sobel'``
        (one of ``'a'``-``'d'``).
    answer : float or str
        The learner's answer; ``None`` or ``...`` means "not answered yet".

    Returns
    -------
    vklib.exercises.CheckResult
        Its message names the misconception behind a typical wrong answer.

    Raises
    ------
    ValueError
        Unknown question.
    """
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {sorted(QUESTIONS)}, got {question!r}")
    return QUESTIONS[question](answer)
