"""Checks of the chapter's predict-and-interpret exercises (chapter 1, "Exercises").

Each question compares the learner's answer with a value computed here by
:mod:`vklib.color` or with the right option, and names the misconception behind a
typical wrong answer (:func:`vklib.exercises.check_value`,
:func:`vklib.exercises.check_choice`).

Examples
--------
>>> check("half the light", 0.5)
✘ half the light: 0.5 is too low (the tolerance is ±0.005). Encoded sRGB values are not amounts of light: the transfer curve bends them, and code 0.5 gives only 0.214 of white's light.
>>> check("half the light", 0.735).passed
True
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from ..exercises import CheckResult, check_choice, check_value
from .srgb import linear_to_srgb, srgb_to_linear

__all__ = ["half_light_code", "HALF_LIGHT_ATOL", "HALF_LIGHT_MISCONCEPTIONS", "METAMER_FEEDBACK", "QUESTIONS", "check"]


def half_light_code() -> float:
    """The encoded sRGB value whose linear light is half of white's: ``linear_to_srgb(0.5)`` ≈ 0.7354."""
    return float(linear_to_srgb(np.array(0.5)))


_DECODED_HALF = float(srgb_to_linear(np.array(0.5)))
_GAMMA_22 = 0.5 ** (1 / 2.2)      # 0.7297: the pure gamma-2.2 approximation
_POWER_24 = 0.5 ** (1 / 2.4)      # 0.7492: the exponent 2.4 without the offset and the linear segment

#: Tolerance of "half the light": two decimals of the true 0.7354 (0.74 passes), and tight enough
#: that the pure power laws 0.730 and 0.749 fail and get their own message.
HALF_LIGHT_ATOL = 0.005

#: Typical wrong answers to "which code gives half of white's light" and the misconception behind each.
HALF_LIGHT_MISCONCEPTIONS = MappingProxyType({
    0.5: "Encoded sRGB values are not amounts of light: the transfer curve bends them, and code 0.5 gives "
         f"only {_DECODED_HALF:.3f} of white's light.",
    _DECODED_HALF: f"That is the other direction: {_DECODED_HALF:.3f} is the light that code 0.5 gives (decoding). "
                   "The code that gives light 0.5 comes from the inverse curve, the encoding.",
    0.25: "Squaring is neither curve: decoding raises (C + 0.055)/1.055 to the power 2.4, and the question "
          "asks for the inverse, which raises to the power 1/2.4.",
    1.0: "Code 1 is white itself, all of its light; half the light needs a smaller code.",
    _GAMMA_22: f"{_GAMMA_22:.3f} = 0.5^(1/2.2) is the pure power law with gamma 2.2, a common approximation "
               "of sRGB; the exact curve (a power 2.4 with a scale and an offset, plus a linear segment "
               "near black) gives a slightly higher code.",
    _POWER_24: f"{_POWER_24:.3f} = 0.5^(1/2.4) takes the exponent 2.4 alone, without the scale and offset "
               "(1.055 and 0.055) that join the power branch to the linear segment near black; with them "
               "the curve is close to a gamma of 2.2 overall, and the code is lower.",
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
    return check_value(answer, half_light_code(), rtol=0.0, atol=HALF_LIGHT_ATOL,
                       misconceptions=dict(HALF_LIGHT_MISCONCEPTIONS),
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
        white's light, ±0.005) or ``'metamers under A'`` (one of ``'a'``-``'d'``).
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
