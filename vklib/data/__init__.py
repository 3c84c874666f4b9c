"""The book's offline data: scikit-image photographs and seeded synthetic scenes.

Nothing here downloads anything. The photographs ship inside scikit-image; the
synthetic scenes are drawn by :func:`make_scenes` from a seed, with ground truth
(per-pixel masks, class labels, attributes, captions) that the chapters use:

* GrabCut (chapter 3) segments the shape, scored against its mask;
* the CAM model (chapter 4) classifies the shape, its maps are scored by the masks;
* SimCLR (chapter 5) learns features from the object-centred scenes of
  :func:`make_centred_scenes`, probed with their labels;
* the tiny CLIP (chapter 6) learns from the captions and is tested zero-shot on
  colour-shape pairs held out with ``exclude``.

Modules, in the order of chapter 0:

* :mod:`vklib.data.photographs` -- section "Photographs": :data:`PHOTOS`, :func:`load_photo`;
* :mod:`vklib.data.scenes` -- section "Synthetic scenes": :func:`make_scenes`, :class:`Scenes`;
* :mod:`vklib.data.drawing` -- how a scene's parameters become pixels (section "Reproducible
  to the last bit");
* :mod:`vklib.data.centred` -- one large shape in the middle, continuous colours and a tint
  (chapter 5, section "Two views of every image").

Reproducibility: scene ``i`` of ``make_scenes(n, seed=s)`` depends only on ``(s, i)``
(each scene has its own ``PCG64([s, i])`` generator), so the first ten scenes of a
batch of a hundred equal a batch of ten. The drawing uses only integer arithmetic,
comparisons and IEEE-exact float operations (``+ - * /``), so a seed gives identical
bytes on any machine.
"""

from .drawing import BACKGROUNDS, SHAPES
from .photographs import PHOTOS, load_photo
from .scenes import COLORS, POSITIONS, SIZES, Scenes, bounding_boxes, make_scenes
from .centred import HUES, CentredScenes, make_centred_scenes

__all__ = [
    "PHOTOS",
    "SHAPES",
    "COLORS",
    "SIZES",
    "POSITIONS",
    "BACKGROUNDS",
    "Scenes",
    "bounding_boxes",
    "load_photo",
    "make_scenes",
    "HUES",
    "CentredScenes",
    "make_centred_scenes",
]
