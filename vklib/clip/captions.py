"""Captions in several phrasings, and zero-shot prompt templates shaped like them.

Web captions are not regular: the same picture is "a photo of ...", "a drawing of ...", or
starts with the background. The captioned scenes of :func:`vklib.clip.scenes.make_caption_scenes`
are written in the :data:`PHRASINGS` below (one drawn at random per scene), so that the text
tower sees the same content in several word orders. :func:`caption_templates` writes the
matching zero-shot templates (``{}`` is where a class name such as ``"red star"`` goes), with
what each one mentions, so that the accuracies of single templates can be grouped.
"""

from __future__ import annotations

from ..checks import check_in

__all__ = ["PHRASINGS", "SHORT_TEMPLATES", "phrase", "caption_templates"]

#: Caption phrasings by name. ``{thing}`` is ``"{colour} {shape}"``; ``{size}`` and
#: ``{background}`` are the scene's size and background names.
PHRASINGS = {
    "plain": "a {size} {thing} on a {background} background",
    "photo": "a photo of a {size} {thing} on a {background} background",
    "drawing": "a drawing of a {size} {thing} on a {background} background",
    "background first": "a {background} background with a {size} {thing}",
    "thing first": "{thing}, {size}, on a {background} background",
}

#: Short templates that name no size and no background.
SHORT_TEMPLATES = ("a {}", "a photo of a {}", "a drawing of a {}")


def phrase(phrasing: str, *, thing: str, size: str, background: str) -> str:
    """One caption: the phrasing ``PHRASINGS[phrasing]`` filled in.

    >>> phrase("background first", thing="red star", size="small", background="plain")
    'a plain background with a small red star'
    """
    check_in(phrasing, "phrasing", tuple(PHRASINGS))
    return PHRASINGS[phrasing].format(thing=thing, size=size, background=background)


def caption_templates(*, phrasings=None, sizes=None, backgrounds=None, short: bool = True) -> list[dict]:
    """Zero-shot templates: the short ones, then one per phrasing, size and background.

    Returns a list of dicts ``{"template", "group", "phrasing", "size", "background"}``.
    ``group`` is ``"short"`` for :data:`SHORT_TEMPLATES` (``phrasing``, ``size`` and
    ``background`` are then ``None``) and ``"caption"`` for the templates shaped like a
    caption (phrasings outermost, then sizes, then backgrounds). The template has ``{}``
    where the class name goes:

    >>> caption_templates(phrasings=["photo"], sizes=["small"], backgrounds=["plain"], short=False)[0]["template"]
    'a photo of a small {} on a plain background'

    Raises
    ------
    TypeError
        A bare string where a list of names is expected.
    ValueError
        An unknown name or an empty list.
    """
    from ..data import BACKGROUNDS
    from .scenes import CAPTION_SIZES

    chosen = []
    for label, values, options in (("phrasings", phrasings, tuple(PHRASINGS)), ("sizes", sizes, tuple(CAPTION_SIZES)),
                                   ("backgrounds", backgrounds, BACKGROUNDS)):
        values = options if values is None else values
        if isinstance(values, str):
            raise TypeError(f"{label} must be a list of names, got the string {values!r}")
        if len(values) == 0:
            raise ValueError(f"{label} must hold at least one name, got an empty {type(values).__name__}")
        for v in values:
            check_in(v, label[:-1], options)
        chosen.append(list(values))
    out = [{"template": t, "group": "short", "phrasing": None, "size": None, "background": None}
           for t in (SHORT_TEMPLATES if short else ())]
    out += [{"template": phrase(p, thing="{}", size=z, background=b), "group": "caption", "phrasing": p, "size": z,
             "background": b} for p in chosen[0] for z in chosen[1] for b in chosen[2]]
    return out
