"""The check of chapter 6's predict exercise: which chance level does a pair accuracy beat?

The feedback lives here rather than in the notebook, so that reading the check cell does not
give the answer away.

:func:`check_colour_only_pair_accuracy`: a model that always names the right colour but
guesses the shape uniformly among the six: what pair accuracy does it reach among the 42
colour-shape classes? (1/6: with the colour right, the pair is right exactly when the shape
guess is, which happens with probability 1/6.)
"""

from __future__ import annotations

from vklib.exercises import CheckResult, check_value

__all__ = ["check_colour_only_pair_accuracy"]

_MISCONCEPTIONS = {
    1 / 42: "1/42 is the chance of a model that guesses colour AND shape. This one never gets the colour "
            "wrong, so only the shape is left to chance.",
    1 / 7: "1/7 is the chance level of the colour alone. Here the colour is always right; the pair is right "
           "when the shape guess is.",
    1 / 36: "1/36 would be a uniform guess among the 36 pairs seen in training; the classifier chooses among "
            "all 42 names, and this model's colour is never wrong.",
    1.0: "Knowing the colour does not tell the shape: each colour goes with six shapes.",
}


def check_colour_only_pair_accuracy(answer) -> CheckResult:
    """Check the learner's predicted pair accuracy (a number in [0, 1]) of a colour-only model.

    The right value is 1/6; the typical wrong values (1/42, 1/7, 1/36, 1) each get a sentence
    naming the misconception.
    """
    return check_value(answer, 1 / 6, rtol=0.03, misconceptions=_MISCONCEPTIONS,
                       name="pair accuracy of a colour-only model")
