"""vklib: the companion library of *vklib-book*, an executable computer-vision textbook.

Each chapter of the book has its own module (``vklib.color``, ``vklib.edges``,
``vklib.grabcut``, ``vklib.cam``, ``vklib.simclr``, ``vklib.clip``); the core modules
below serve them all:

``vklib.checks``     input validation with messages that say what was expected
``vklib.images``     ``as_float_image`` and NumPy (H, W, C) <-> torch (B, C, H, W) layouts
``vklib.device``     picking the torch device
``vklib.data``       scikit-image photographs and the seeded synthetic scenes
``vklib.pretrained`` the one switch that may download weights, with SHA-256 checks
``vklib.exercises``  checks that compare a learner's function with the reference
``vklib.widgets``    ipywidgets explorers that leave a static picture in the book
``vklib.notebooks``  re-executing chapters and writing the student edition

``import vklib`` imports nothing heavy: torch is imported only by the modules that need it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
