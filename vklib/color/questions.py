"""Checks of the chapter's predict-and-interpret exercises (chapter 1, "Exercises").

Each question compares the learner's answer with a value computed here by
:mod:`vklib.color` or with the right option, and names the misconception behind a
typical wrong answer (:func:`vklib.exercises.check_value`,
:func:`vklib.exercises.check_choice`).

Examples
--------
>>> check("half the light", 0.5)
✘ half the light: 0.5 is too low (the tolerance is ±0.015). Encoded sRGB values are not amounts of light: the transfer curve bends them, and code 0.5 gives only 0.214 of white's light.
>>> check("half the light", 0.735).passed
True
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from ..exercises import CheckResult, check_choice, check_value
from .srgb import linear_to_srgb, srgb_to_linear

__all__ = ["half_light_code", "HALF_LIGHT_MISCONCEPTIONS", "METAMER_FEEDBACK", "QUESTIONS", "check"]


def half_light_code() -> float:
    """The encoded sRGB value whose linear light is half of white's: ``linear_to_srgb(0.5)`` ≈ 0.7354."""
    return float(linear_to_srgb(np.array(0.5)))


_DECODED_HALF = float(srgb_to_linear(np.array(0.5)))

#: Typical wrong answers to "which code gives half of white's light" and the misconception behind each.
HALF_LIGHT_MISCONCEPTIONS = MappingProxyType({
    0.5: "Encoded sRGB values are not amounts of light: the transfer curve bends them, and code 0.5 gives "
         f"only {_DECODED_HALF:.3f} of white's light.",
    _DECODED_HALF: f"That is the other direction: {_DECODED_HALF:.3f} is the light that code 0.5 gives (decoding). "
                   "The code that gives light 0.5 comes from the inverse curve, the encoding.",
    0.25: "Squaring is neither curve: decoding raises (C + 0.055)/1.055 to the power 2.4, and the question "
          "asks for the inverse, which raises to the power 1/2.4.",
    1.0: "Code 1 is white itself, all of its light; half the light needs a smaller code.",
})

#: The options of "the two metamers under incandescent light (illuminant A)" and their feedback.
METAMER_FEEDBACK = MappingProxyType({
    "a": "No: equal XYZ under one light is not a property of the two spectra alone. XYZ sums the reflectance "
         "times the illuminant times the CMFs; the added part was made invisible for D65's weights, and A "
         "weights the wavelengths differently, so under A it is no longer invisible.",
    "b": "Right: the added part is a metameric black only for the light it was computed with. Under A, which "
         "has far more red and less blue than D65, it shows: the two surfaces no longer match.",
    "c": "No: adapting to the light (white balance) scales the three responses of both surfaces by the same "
         "factors, so it cannot make two different responses equal, nor two equal ones different: the "
         "mismatch comes from the spectra, before any adaptation.",
    "d": "No: the CIE 1931 observer is exactly a rule for predicting matches: compute XYZ with A in the "
         "weights and compare. It predicts the average observer, not every individual, but it does predict.",
})


def _half_light(answer: Any) -> CheckResult:
    return check_value(answer, half_light_code(), rtol=0.02, misconceptions=dict(HALF_LIGHT_MISCONCEPTIONS),
                       name="half the light")


def _metamers(answer: Any) -> CheckResult:
    return check_choice(answer, "b", feedback=dict(METAMER_FEEDBACK), name="metamers under illuminant A")


#: The chapter's questions, by name, and the function that checks an answer to each.
QUESTIONS = MappingProxyType({"half the light": _half_light, "metamers under A": _metamers})


def check(question: str, answer: Any) -> CheckResult:
    """Check an answer to one of the chapter's questions (a key of :data:`QUESTIONS`).

    Parameters
    ----------
    question : str
        ``'half the light'`` (a number: the encoded sRGB value that gives half of
        white's light, 2 % tolerance) or ``'metamers under A'`` (one of ``'a'``-``'d'``).
    answer : float or str
        The learner's answer; ``None`` or ``...`` means "not answered yet".

    Returns
    -------
    CheckResult
        Its message names the misconception behind a typical wrong answer.

    Raises
    ------
    ValueError
        Unknown question.
    """
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {sorted(QUESTIONS)}, got {question!r}")
    return QUESTIONS[question](answer)
