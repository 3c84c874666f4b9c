"""The predict-and-interpret question of chapter 5, with feedback for every answer."""

from __future__ import annotations

from vklib.exercises import CheckResult, check_choice

__all__ = ["LOWEST_BACKGROUND_OPTIONS", "LOWEST_BACKGROUND_ANSWER", "check_lowest_background_prediction"]

#: Option -> the row it names (rows of ``data/simclr/ablation.json``).
LOWEST_BACKGROUND_OPTIONS = {"a": "random encoder", "b": "crop only", "c": "colour only",
                             "d": "crop + colour (recipe)"}

#: The row whose background-hue probe is lowest in the committed ablation (a test checks it).
LOWEST_BACKGROUND_ANSWER = "c"

_FEEDBACK = {
    "a": ("A random network is not blind to colour: its random convolutions and pooling average the "
          "colours of the image, so a linear probe can still read the background's hue from them. "
          "'Untrained' does not mean 'knows nothing about the input'."),
    "b": ("That is the row you should expect to be among the *highest*: two crops of one scene share its "
          "colours, so matching views by colour keeps the background's hue. The question asks for the lowest."),
    "c": ("Right (0.23 against about 0.83 for crop only and about 0.82 for the recipe). The chapter's "
          "explanation, not tested separately: colour distortion makes colour an unreliable cue for matching "
          "the two views, and without crops the shape sits at the same place and size in both views, a "
          "reliable one; an encoder that matches by shape has no reason to keep the background's hue."),
    "d": ("This is the paper's argument (colour distortion removes the colour shortcut), but the probe reads "
          "the background's hue from the recipe's representation almost as well as crop only does (about "
          "0.82), although it learned the shape. Colour distortion changes what the loss matches views by "
          "(the chapter measures it with the neighbours in z), not whether a linear probe can still find "
          "colour in h: its distortion turns all hues of a view by one angle, skips the jitter for one view in "
          "five and turns only one in five grey (independently, so about one view in six, 0.2 x 0.8, is left "
          "undistorted), so colour stays in the image."),
}


def check_lowest_background_prediction(answer) -> CheckResult:
    """Check a prediction (``"a"``-``"d"``) of the row with the lowest background-hue probe."""
    return check_choice(answer, LOWEST_BACKGROUND_ANSWER, feedback=_FEEDBACK,
                        name="lowest background-hue probe")
