"""Edges: derivative kernels, gradients, Laplacian zero crossings and Canny (chapter 2).

The package follows the chapter's sections:

=========================  ==============================================================
:mod:`.kernels`            difference, Sobel/Prewitt/Scharr and Laplacian kernels; the
                           sampled Gaussian and its derivatives; border modes; a kernel's
                           frequency response
:mod:`.correlate`          correlation (loops and fast paths), convolution, separability,
                           Gaussian smoothing
:mod:`.gradient`           finite differences, Sobel/Prewitt/Scharr, magnitude, orientation
:mod:`.laplacian`          Laplacian, Laplacian of Gaussian, zero crossings
:mod:`.canny`              non-maximum suppression, hysteresis, Canny
:mod:`.scoring`            ground-truth boundaries, precision / recall / F1
:mod:`.experiment`         the noise experiment's sweep (imported only when used)
:mod:`.questions`          checks of the chapter's predict-and-interpret exercises
:mod:`.plot`               the chapter's figures (matplotlib, imported only when used)
=========================  ==============================================================

Every name below is importable from ``vklib.edges`` directly.

Everything here is *correlation* of a grey image with a small kernel,

.. math:: (K \\star I)(y, x) = \\sum_{i=-r}^{r} \\sum_{j=-r}^{r} K(i, j)\\, I(y + i, x + j),

with the kernel's centre as its anchor. Convolution is the same sum with the kernel
flipped in both axes (:func:`convolve2d`). OpenCV's ``filter2D``, ``Sobel`` and
``Laplacian`` and SciPy's ``ndimage.correlate``/``sobel``/``prewitt`` compute
correlation too, so vklib's kernels need no flip to match them.

Conventions
-----------
* Images: a grey NumPy ``(H, W)`` float32 or float64 array, or a torch ``(B, 1, H, W)``
  float tensor on any device (the fast path is ``torch.nn.functional.conv2d``; outputs
  keep the input's device and dtype). Colour images are rejected: convert first
  (``vklib.data.load_photo(name, as_gray=True)`` or ``skimage.color.rgb2gray``).
* Axes: ``x`` is the column index (growing to the right), ``y`` the row index
  (growing *downwards*). ``gx > 0`` where the image gets brighter to the right,
  ``gy > 0`` where it gets brighter downwards, as in ``cv2.Sobel(img, cv2.CV_64F, 1, 0)``
  and ``scipy.ndimage.sobel(img, axis=1)``. Orientations ``atan2(gy, gx)`` therefore
  turn *clockwise* on the screen.
* Kernels are integer-valued and unnormalised by default (as in OpenCV and SciPy):
  Sobel = ``[1, 2, 1]^T ⊗ [-1, 0, 1]``, so a ramp of slope 1 per pixel gives
  ``gx = 4 * 2 = 8``. ``normalize=True`` divides by the smoothing sum and by 2
  (the central difference's span), so that a ramp of slope 1 gives exactly 1.
* Border modes (:data:`BORDER_MODES`), named as :func:`numpy.pad` names them:

  ============  ===================  ====================  =================  ==============
  vklib         pixels beyond 0      ``scipy.ndimage``     OpenCV             ``torch``
  ============  ===================  ====================  =================  ==============
  "reflect"     ``c b | a b c``      ``"mirror"``          BORDER_REFLECT_101  ``"reflect"``
  "symmetric"   ``b a | a b c``      ``"reflect"``         BORDER_REFLECT     (index map)
  "edge"        ``a a | a b c``      ``"nearest"``         BORDER_REPLICATE   ``"replicate"``
  "constant"    ``0 0 | a b c``      ``"constant"``        BORDER_CONSTANT    ``"constant"``
  "wrap"        ``b c | a b c``      ``"wrap"``            (not supported)    ``"circular"``
  ============  ===================  ====================  =================  ==============

  The default, ``"reflect"``, is OpenCV's default (BORDER_REFLECT_101). Beware the
  name clash: SciPy's ``"reflect"`` (its default) is vklib's ``"symmetric"``.

Relation to the libraries people use (``I`` a float image, default arguments):

* ``sobel(I)[0] == cv2.Sobel(I, cv2.CV_64F, 1, 0, ksize=3)`` and
  ``== scipy.ndimage.sobel(I, axis=1, mode="mirror")``; same for Prewitt
  (``scipy.ndimage.prewitt``), Scharr (``cv2.Scharr``) and ``laplacian(I)`` (4-neighbour)
  ``== cv2.Laplacian(I, cv2.CV_64F, ksize=1) == scipy.ndimage.laplace(I, mode="mirror")``.
* scikit-image normalises: ``skimage.filters.sobel_v(I) == sobel(I, border="symmetric")[0] / 4``,
  ``sobel_h`` is ``gy / 4``, ``prewitt_v`` is Prewitt ``gx / 3``, ``scharr_v`` is Scharr
  ``gx / 16``, and ``skimage.filters.sobel(I) == gradient_magnitude(*sobel(I)) / (4 * sqrt(2))``
  (the root *mean* square of the two normalised derivatives);
  ``skimage.filters.laplace(I) == -laplacian(I, border="symmetric")``.
* ``cv2.Laplacian(ksize=3)`` is **not** the 8-neighbour Laplacian: it is
  ``[[2, 0, 2], [0, -8, 0], [2, 0, 2]]``.

References
----------
.. [1] Marr, D., & Hildreth, E. (1980). Theory of edge detection. Proceedings of the
   Royal Society of London B, 207(1167), 187-217. https://doi.org/10.1098/rspb.1980.0020
.. [2] Canny, J. (1986). A computational approach to edge detection. IEEE Transactions
   on Pattern Analysis and Machine Intelligence, 8(6), 679-698.
   https://doi.org/10.1109/TPAMI.1986.4767851
"""

# Each module's ``__all__`` is its public list; the package re-exports them all, in the
# order of the table above.
from . import canny as _canny, correlate as _correlate, gradient as _gradient, kernels as _kernels
from . import laplacian as _laplacian, scoring as _scoring
from .canny import *  # noqa: F403
from .correlate import *  # noqa: F403
from .gradient import *  # noqa: F403
from .kernels import *  # noqa: F403
from .laplacian import *  # noqa: F403
from .scoring import *  # noqa: F403

__all__ = [name for module in (_kernels, _correlate, _gradient, _laplacian, _canny, _scoring) for name in module.__all__]
