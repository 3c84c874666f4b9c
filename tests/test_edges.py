"""Tests of vklib.edges: kernels, correlation, gradients, Laplacian, zero crossings, Canny."""

import numpy as np
import pytest

from vklib import edges as E
from vklib.edges.correlate import _torch_correlate
from vklib.data import load_photo

ndimage = pytest.importorskip("scipy.ndimage")

BORDERS = tuple(E.BORDER_MODES)
PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "coins", "rocket")


@pytest.fixture(scope="module")
def photos():
    return {name: load_photo(name, as_gray=True).astype(np.float64) for name in PHOTOS}


def random_image(shape=(37, 41), seed=0, dtype=np.float64):
    return np.random.default_rng(seed).random(shape).astype(dtype)


def cv2_border(border):
    cv2 = pytest.importorskip("cv2")
    name = E.BORDER_MODES[border][1]
    return None if name is None else getattr(cv2, name)


# --------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------

def test_named_kernels_are_outer_products_of_their_parts():
    np.testing.assert_array_equal(E.SOBEL_X, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(E.SOBEL_Y, E.SOBEL_X.T)
    np.testing.assert_array_equal(E.PREWITT_X, [[-1, 0, 1]] * 3)
    np.testing.assert_array_equal(E.SCHARR_X, [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]])
    np.testing.assert_array_equal(E.CENTRAL_DIFFERENCE, (E.FORWARD_DIFFERENCE + E.BACKWARD_DIFFERENCE) / 2)
    # Laplacian 4 = second difference along x plus along y.
    second = np.convolve([-1, 1], [-1, 1])  # [1, -2, 1]
    lap = np.zeros((3, 3))
    lap[1, :] += second
    lap[:, 1] += second
    np.testing.assert_array_equal(E.LAPLACIAN_4, lap)
    assert E.LAPLACIAN_8.sum() == 0 and E.LAPLACIAN_4.sum() == 0
    with pytest.raises(ValueError):
        E.SOBEL_X[0, 0] = 5.0  # read-only constants


def test_kernels_match_opencv_derivative_kernels():
    cv2 = pytest.importorskip("cv2")
    kx, ky = cv2.getDerivKernels(1, 0, 3)
    np.testing.assert_array_equal(np.outer(ky, kx), E.SOBEL_X)
    kx, ky = cv2.getDerivKernels(1, 0, -1)  # Scharr
    np.testing.assert_array_equal(np.outer(ky, kx), E.SCHARR_X)


# --------------------------------------------------------------------------------------
# Correlation: loop reference = fast path = scipy = cv2 = torch
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("border", BORDERS)
def test_loop_reference_equals_fast_path_and_scipy(border):
    image = random_image((13, 17))
    kernel = np.random.default_rng(1).normal(size=(3, 5))
    ref = E.correlate2d_reference(image, kernel, border=border)
    np.testing.assert_allclose(E.correlate2d(image, kernel, border=border), ref, atol=1e-12)
    scipy_mode = E.BORDER_MODES[border][0]
    np.testing.assert_allclose(ndimage.correlate(image, kernel, mode=scipy_mode), ref, atol=1e-12)


def test_loop_reference_is_the_definition():
    image = np.arange(20.0).reshape(4, 5)
    kernel = np.zeros((3, 3))
    kernel[1, 2] = 1.0  # picks the right neighbour: O(y, x) = I(y, x + 1)
    out = E.correlate2d_reference(image, kernel, border="edge")
    np.testing.assert_array_equal(out[:, :-1], image[:, 1:])
    np.testing.assert_array_equal(out[:, -1], image[:, -1])
    # convolution flips the kernel: now O(y, x) = I(y, x - 1)
    conv = E.convolve2d(image, kernel, border="edge")
    np.testing.assert_array_equal(conv[:, 1:], image[:, :-1])


@pytest.mark.parametrize("border", [b for b in BORDERS if E.BORDER_MODES[b][1]])
def test_correlate2d_matches_cv2_filter2d(border):
    cv2 = pytest.importorskip("cv2")
    image = random_image((19, 23))
    kernel = np.random.default_rng(2).normal(size=(5, 3))
    expected = cv2.filter2D(image, cv2.CV_64F, kernel, borderType=cv2_border(border))
    np.testing.assert_allclose(E.correlate2d(image, kernel, border=border), expected, atol=1e-10)


@pytest.mark.parametrize("border", BORDERS)
def test_separable_equals_two_dimensional(border):
    image = random_image((16, 21))
    kx, ky = np.array([1.0, -2.0, 0.5]), np.array([0.25, 3.0, 1.0, 2.0, -1.0])
    two_d = E.correlate2d(image, np.outer(ky, kx), border=border)
    np.testing.assert_allclose(E.correlate_separable(image, kx, ky, border=border), two_d, atol=1e-12)


@pytest.mark.parametrize("border", BORDERS)
def test_torch_equals_numpy(border):
    torch = pytest.importorskip("torch")
    from vklib.images import to_numpy, to_tensor

    image = random_image((2, 11, 14))
    kernel = np.random.default_rng(3).normal(size=(3, 5))
    x = to_tensor(image[..., None], dtype=torch.float64)
    out = E.correlate2d(x, kernel, border=border)
    assert out.shape == x.shape and out.dtype == torch.float64
    for b in range(2):
        np.testing.assert_allclose(to_numpy(out)[b], E.correlate2d(image[b], kernel, border=border), atol=1e-12)
    for fn in (E.sobel, E.prewitt, E.scharr):
        tx, ty = fn(x, border=border)
        nx, ny = fn(image[1], border=border)
        np.testing.assert_allclose(tx[1, 0].numpy(), nx, atol=1e-12)
        np.testing.assert_allclose(ty[1, 0].numpy(), ny, atol=1e-12)
    for scheme in ("forward", "backward", "central"):
        tx, ty = E.finite_differences(x, scheme=scheme, border=border)
        nx, ny = E.finite_differences(image[0], scheme=scheme, border=border)
        np.testing.assert_allclose(tx[0, 0].numpy(), nx, atol=1e-12)
        np.testing.assert_allclose(ty[0, 0].numpy(), ny, atol=1e-12)
    np.testing.assert_allclose(E.gaussian_smooth(x, 1.2, border=border)[1, 0].numpy(),
                               E.gaussian_smooth(image[1], 1.2, border=border), atol=1e-12)
    np.testing.assert_allclose(E.laplacian(x, border=border)[0, 0].numpy(),
                               E.laplacian(image[0], border=border), atol=1e-12)
    np.testing.assert_allclose(E.laplacian_of_gaussian(x, 1.5, border=border)[0, 0].numpy(),
                               E.laplacian_of_gaussian(image[0], 1.5, border=border), atol=1e-12)


def test_torch_float32_keeps_dtype_and_pads_wider_than_the_image():
    torch = pytest.importorskip("torch")
    x = torch.rand(1, 1, 3, 4, generator=torch.Generator().manual_seed(0))
    gx, gy = E.sobel(x)
    assert gx.dtype == torch.float32 and gx.device == x.device
    # a 9 x 9 kernel on a 3 x 4 image: torch's own reflect padding would refuse this
    out = E.correlate2d(x, np.ones((9, 9)), border="reflect")
    ref = E.correlate2d_reference(x[0, 0].double().numpy(), np.ones((9, 9)), border="reflect")
    np.testing.assert_allclose(out[0, 0].numpy(), ref, atol=1e-5)


@pytest.mark.gpu
def test_cuda_equals_cpu():
    torch = pytest.importorskip("torch")
    x = torch.rand(2, 1, 32, 40, generator=torch.Generator().manual_seed(0))
    gx, gy = E.sobel(x.cuda())
    assert gx.is_cuda
    np.testing.assert_allclose(gx.cpu().numpy(), E.sobel(x)[0].numpy(), atol=1e-5)


# --------------------------------------------------------------------------------------
# Gradient operators vs OpenCV, SciPy and scikit-image (after the documented scaling)
# --------------------------------------------------------------------------------------

def _images(photos):
    yield "random", random_image((64, 80))
    yield "random32", random_image((50, 47), seed=5, dtype=np.float32).astype(np.float64)
    for name in PHOTOS:
        yield name, photos[name]


@pytest.mark.parametrize("border", BORDERS)
def test_sobel_prewitt_scharr_laplacian_match_scipy(photos, border):
    mode = E.BORDER_MODES[border][0]
    for _, image in _images(photos):
        gx, gy = E.sobel(image, border=border)
        np.testing.assert_allclose(gx, ndimage.sobel(image, axis=1, mode=mode), atol=1e-5)
        np.testing.assert_allclose(gy, ndimage.sobel(image, axis=0, mode=mode), atol=1e-5)
        px, py = E.prewitt(image, border=border)
        np.testing.assert_allclose(px, ndimage.prewitt(image, axis=1, mode=mode), atol=1e-5)
        np.testing.assert_allclose(py, ndimage.prewitt(image, axis=0, mode=mode), atol=1e-5)
        sx, _ = E.scharr(image, border=border)
        np.testing.assert_allclose(sx, ndimage.correlate(image, E.SCHARR_X, mode=mode), atol=1e-5)
        np.testing.assert_allclose(E.laplacian(image, border=border), ndimage.laplace(image, mode=mode), atol=1e-5)
        np.testing.assert_allclose(E.laplacian(image, neighbours=8, border=border),
                                   ndimage.correlate(image, E.LAPLACIAN_8, mode=mode), atol=1e-5)


@pytest.mark.parametrize("border", [b for b in BORDERS if E.BORDER_MODES[b][1]])
def test_sobel_prewitt_scharr_laplacian_match_cv2(photos, border):
    cv2 = pytest.importorskip("cv2")
    bt = cv2_border(border)
    for _, image in _images(photos):
        gx, gy = E.sobel(image, border=border)
        np.testing.assert_allclose(gx, cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3, borderType=bt), atol=1e-5)
        np.testing.assert_allclose(gy, cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3, borderType=bt), atol=1e-5)
        sx, sy = E.scharr(image, border=border)
        np.testing.assert_allclose(sx, cv2.Scharr(image, cv2.CV_64F, 1, 0, borderType=bt), atol=1e-5)
        np.testing.assert_allclose(sy, cv2.Scharr(image, cv2.CV_64F, 0, 1, borderType=bt), atol=1e-5)
        px, _ = E.prewitt(image, border=border)
        np.testing.assert_allclose(px, cv2.filter2D(image, cv2.CV_64F, E.PREWITT_X, borderType=bt), atol=1e-5)
        np.testing.assert_allclose(E.laplacian(image, border=border),
                                   cv2.Laplacian(image, cv2.CV_64F, ksize=1, borderType=bt), atol=1e-5)
        np.testing.assert_allclose(E.laplacian(image, neighbours=8, border=border),
                                   cv2.filter2D(image, cv2.CV_64F, E.LAPLACIAN_8, borderType=bt), atol=1e-5)


def test_float32_photograph_matches_cv2_float32(photos):
    cv2 = pytest.importorskip("cv2")
    image = photos["camera"].astype(np.float32)
    gx, _ = E.sobel(image)
    assert gx.dtype == np.float32
    np.testing.assert_allclose(gx, cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3), atol=1e-5)


def test_scikit_image_scale_factors(photos):
    filters = pytest.importorskip("skimage.filters")
    image = photos["astronaut"]
    gx, gy = E.sobel(image, border="symmetric")
    np.testing.assert_allclose(filters.sobel_v(image), gx / 4, atol=1e-6)
    np.testing.assert_allclose(filters.sobel_h(image), gy / 4, atol=1e-6)
    np.testing.assert_allclose(filters.sobel(image), E.gradient_magnitude(gx, gy) / (4 * np.sqrt(2)), atol=1e-6)
    np.testing.assert_allclose(filters.prewitt_v(image), E.prewitt(image, border="symmetric")[0] / 3, atol=1e-6)
    np.testing.assert_allclose(filters.scharr_v(image), E.scharr(image, border="symmetric")[0] / 16, atol=1e-6)
    np.testing.assert_allclose(filters.laplace(image), -E.laplacian(image, border="symmetric"), atol=1e-6)


def test_normalised_derivatives_recover_the_slope_of_a_ramp():
    y, x = np.mgrid[0:20, 0:30].astype(np.float64)
    ramp = 0.02 * x - 0.01 * y
    for op in ("sobel", "prewitt", "scharr"):
        gx, gy = E.gradient(ramp, operator=op, normalize=True)
        np.testing.assert_allclose(gx[1:-1, 1:-1], 0.02, atol=1e-12)
        np.testing.assert_allclose(gy[1:-1, 1:-1], -0.01, atol=1e-12)
    gx, _ = E.sobel(ramp)
    np.testing.assert_allclose(gx[1:-1, 1:-1], 0.02 * 8, atol=1e-12)
    for scheme in ("forward", "backward", "central"):
        gx, gy = E.finite_differences(ramp, scheme=scheme)
        np.testing.assert_allclose(gx[1:-1, 1:-1], 0.02, atol=1e-12)
        np.testing.assert_allclose(gy[1:-1, 1:-1], -0.01, atol=1e-12)


def test_finite_differences_known_values():
    row = np.array([[0.0, 1.0, 4.0, 9.0, 16.0]])  # x^2
    image = np.repeat(row, 3, axis=0)
    fwd, _ = E.finite_differences(image, scheme="forward")
    bwd, _ = E.finite_differences(image, scheme="backward")
    cen, gy = E.finite_differences(image, scheme="central")
    np.testing.assert_array_equal(fwd[1, 1:4], [3, 5, 7])
    np.testing.assert_array_equal(bwd[1, 1:4], [1, 3, 5])
    np.testing.assert_array_equal(cen[1, 1:4], [2, 4, 6])  # exact 2x for a quadratic
    np.testing.assert_array_equal(gy, 0)
    # the central difference is np.gradient in the interior
    image = random_image((9, 12))
    cx, cy = E.finite_differences(image)
    ny, nx = np.gradient(image)
    np.testing.assert_allclose(cx[:, 1:-1], nx[:, 1:-1], atol=1e-12)
    np.testing.assert_allclose(cy[1:-1], ny[1:-1], atol=1e-12)


def test_orientation_and_magnitude_known_values():
    gx = np.array([[1.0, 0.0, -1.0, 0.0, 3.0]])
    gy = np.array([[0.0, 1.0, 0.0, -1.0, 4.0]])
    np.testing.assert_allclose(E.gradient_orientation(gx, gy)[0, :4], [0, np.pi / 2, np.pi, -np.pi / 2])
    np.testing.assert_allclose(E.gradient_magnitude(gx, gy)[0, 4], 5.0)
    # a vertical step bright on the right: gx > 0, gy = 0
    step = np.zeros((5, 6))
    step[:, 3:] = 1.0
    gx, gy = E.sobel(step)
    assert gx[2, 2] == 4.0 and gx[2, 3] == 4.0 and np.all(gy == 0)


def test_orientation_to_rgb_uses_hsv():
    color = pytest.importorskip("vklib.color")
    gx = np.array([[1.0, 0.0, -2.0, 0.0]])
    gy = np.array([[0.0, 1.0, 0.0, 0.0]])
    rgb = E.orientation_to_rgb(gx, gy)
    assert rgb.shape == (1, 4, 3)
    np.testing.assert_allclose(rgb[0, 0], [0.5, 0.0, 0.0], atol=1e-6)  # hue 0 = red, value 1/2
    np.testing.assert_allclose(rgb[0, 2], [0.0, 1.0, 1.0], atol=1e-6)  # hue 180 = cyan, value 1
    np.testing.assert_allclose(rgb[0, 3], 0.0, atol=1e-6)  # no gradient: black
    hsv = np.array([[[90.0, 1.0, 0.5]]])
    np.testing.assert_allclose(rgb[0, 1], color.hsv_to_srgb(hsv)[0, 0], atol=1e-6)


# --------------------------------------------------------------------------------------
# Gaussian, LoG, zero crossings
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("sigma", [0.7, 1.0, 2.5])
def test_gaussian_and_log_match_scipy(photos, sigma):
    image = photos["coins"][:120, :150]
    for border in BORDERS:
        mode = E.BORDER_MODES[border][0]
        np.testing.assert_allclose(E.gaussian_smooth(image, sigma, border=border),
                                   ndimage.gaussian_filter(image, sigma, mode=mode), atol=1e-7)
        np.testing.assert_allclose(E.laplacian_of_gaussian(image, sigma, border=border),
                                   ndimage.gaussian_laplace(image, sigma, mode=mode), atol=1e-7)
    g1 = E.gaussian_kernel1d(sigma, order=1)
    impulse = np.zeros(41)
    impulse[20] = 1.0
    # correlation with our order-1 kernel = scipy's order-1 filter (a convolution)
    np.testing.assert_allclose(np.correlate(np.pad(impulse, len(g1) // 2), g1, mode="valid"),
                               ndimage.gaussian_filter1d(impulse, sigma, order=1, mode="constant"), atol=1e-12)
    assert abs(E.gaussian_kernel1d(sigma).sum() - 1) < 1e-12


def test_zero_crossings_locate_the_middle_of_a_ramp():
    x = np.arange(40.0)
    profile = np.clip((x - 15) / 10, 0, 1)  # ramp from x = 15 to x = 25
    image = np.repeat(profile[None], 9, axis=0)
    log = E.laplacian_of_gaussian(image, 3.0, border="edge")
    crossings = E.zero_crossings(log, threshold=1e-4)
    cols = np.flatnonzero(crossings[4])
    assert cols.size and np.all(np.abs(cols - 20) <= 1)
    # without a slope threshold a flat noisy image is full of crossings; with one, none
    noisy = 0.5 + 1e-3 * np.random.default_rng(0).normal(size=(30, 30))
    assert E.zero_crossings(E.laplacian(noisy)).mean() > 0.3
    assert not E.zero_crossings(E.laplacian(noisy), threshold=0.1).any()


def test_zero_crossings_brute_force():
    r = np.random.default_rng(4).normal(size=(8, 9))
    t = 0.8
    out = E.zero_crossings(r, threshold=t)
    expected = np.zeros_like(out)
    for y in range(1, 7):
        for x in range(1, 8):
            for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
                a, b = r[y + dy, x + dx], r[y - dy, x - dx]
                if a * b < 0 and abs(a - b) > t:
                    expected[y, x] = True
    np.testing.assert_array_equal(out, expected)


# --------------------------------------------------------------------------------------
# Canny
# --------------------------------------------------------------------------------------

def _nms_loop(m, gx, gy):
    """Non-maximum suppression written pixel by pixel from the geometry."""
    out = np.zeros_like(m)
    h, w = m.shape

    def at(yf, xf):  # bilinear interpolation of m at a point on the 3 x 3 square
        y0, x0 = int(np.floor(yf)), int(np.floor(xf))
        ty, tx = yf - y0, xf - x0
        total = 0.0
        for yy, wy in ((y0, 1 - ty), (y0 + 1, ty)):
            for xx, wx in ((x0, 1 - tx), (x0 + 1, tx)):
                if wy * wx:
                    total += wy * wx * m[yy, xx]
        return total

    for y in range(1, h - 1):
        for x in range(1, w - 1):
            big = max(abs(gx[y, x]), abs(gy[y, x]))
            if big == 0:
                continue
            dx, dy = gx[y, x] / big, gy[y, x] / big
            if m[y, x] >= at(y + dy, x + dx) and m[y, x] >= at(y - dy, x - dx):
                out[y, x] = m[y, x]
    return out


def test_non_maximum_suppression_equals_loop(photos):
    image = E.gaussian_smooth(photos["camera"][100:160, 200:270], 1.0)
    gx, gy = E.sobel(image)
    m = np.hypot(gx, gy)
    np.testing.assert_allclose(E.non_maximum_suppression(m, gx, gy), _nms_loop(m, gx, gy), atol=1e-12)


def _hysteresis_loop(m, low, high):
    """Hysteresis by flood fill from every strong pixel through 8-connected candidates."""
    candidate = (m >= low) & (m > 0)
    out = np.zeros_like(candidate)
    stack = [tuple(p) for p in np.argwhere(candidate & (m >= high))]
    while stack:
        y, x = stack.pop()
        if out[y, x]:
            continue
        out[y, x] = True
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                yy, xx = y + dy, x + dx
                if 0 <= yy < m.shape[0] and 0 <= xx < m.shape[1] and candidate[yy, xx] and not out[yy, xx]:
                    stack.append((yy, xx))
    return out


def test_hysteresis_equals_flood_fill_and_relates_to_scikit_image():
    filters = pytest.importorskip("skimage.filters")
    m = np.random.default_rng(0).random((60, 60)) ** 3
    ours = E.hysteresis_threshold(m, 0.3, 0.7)
    assert ours.any() and not ours.all()
    np.testing.assert_array_equal(ours, _hysteresis_loop(m, 0.3, 0.7))
    # skimage's apply_hysteresis_threshold links 4-connected pixels only (its canny uses 8),
    # so it keeps a subset of vklib's 8-connected result
    theirs = filters.apply_hysteresis_threshold(m, 0.3, 0.7)
    assert np.all(ours[theirs]) and ours.sum() > theirs.sum()


@pytest.mark.parametrize("name", PHOTOS)
def test_canny_agrees_with_scikit_image(photos, name):
    feature = pytest.importorskip("skimage.feature")
    image = photos[name].astype(np.float32)
    for sigma, low, high in ((1.0, 0.1, 0.2), (2.0, 0.05, 0.1)):
        ours = E.canny(image, sigma, low_threshold=low, high_threshold=high)
        theirs = feature.canny(image, sigma, low, high)  # default mode="constant" (normalised)
        tp = (ours & theirs).sum()
        f1 = 2 * tp / (ours.sum() + theirs.sum())
        assert f1 >= 0.95, (name, sigma, f1)
    same_border = feature.canny(image, 1.0, 0.1, 0.2, mode="mirror")
    ours = E.canny(image, 1.0)
    assert 2 * (ours & same_border).sum() / (ours.sum() + same_border.sum()) >= 0.999
    # the chapter's claims: with mode="mirror" the few differences all sit in the second ring
    # of pixels; without it, within a few pixels of the border; float32 vs float64 in
    # scikit-image changes no pixel
    h, w = image.shape
    for theirs, rings in ((same_border, {1}), (feature.canny(image, 1.0, 0.1, 0.2), set(range(8)))):
        ys, xs = np.nonzero(theirs != ours)
        assert set(np.minimum(np.minimum(ys, h - 1 - ys), np.minimum(xs, w - 1 - xs)).tolist()) <= rings
    np.testing.assert_array_equal(same_border, feature.canny(image.astype(np.float64), 1.0, 0.1, 0.2, mode="mirror"))


def test_canny_steps_and_a_square():
    image = np.zeros((40, 40))
    image[10:30, 12:28] = 1.0
    edges, steps = E.canny(image, 1.5, return_steps=True)
    truth = E.mask_boundary(image > 0.5)
    p, r, f = E.edge_f1(edges, truth, tolerance=1)
    assert f > 0.95
    assert set(steps) == {"smoothed", "gx", "gy", "magnitude", "suppressed", "strong", "weak"}
    assert not edges[0].any() and not edges[:, -1].any()
    assert not E.canny(np.full((20, 20), 0.5)).any()


def test_edge_f1_known_values():
    truth = np.zeros((10, 10), bool)
    truth[5, 2:8] = True
    detected = np.zeros_like(truth)
    detected[6, 2:8] = True  # one pixel off: perfect within 1 pixel, zero at 0 pixels
    assert E.edge_f1(detected, truth, tolerance=1) == (1.0, 1.0, 1.0)
    assert E.edge_f1(detected, truth, tolerance=0) == (0.0, 0.0, 0.0)
    detected[0, 0] = True
    p, r, f = E.edge_f1(detected, truth)
    assert p == pytest.approx(6 / 7) and r == 1.0 and f == pytest.approx(2 * p / (p + 1))
    mask = np.zeros((6, 6), bool)
    mask[1:5, 1:5] = True
    assert E.mask_boundary(mask).sum() == 12


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------

def test_bad_input_raises_clear_errors():
    image = random_image((10, 10))
    with pytest.raises(ValueError, match="grey"):
        E.sobel(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="dimensions"):
        E.sobel(np.zeros(8))
    with pytest.raises(ValueError, match="dimensions"):
        E.laplacian(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match="finite"):
        E.sobel(np.full((5, 5), np.nan))
    with pytest.raises(ValueError, match="finite"):
        E.sobel(np.array([[0.0, np.inf], [-np.inf, 1.0]]))  # inf - inf: the quick sum test sees NaN
    with pytest.raises(ValueError, match="finite"):
        E.gradient_magnitude(np.zeros((3, 3)), np.full((3, 3), np.nan))
    huge = np.full((4, 4), 3e38, np.float32)  # finite, but its sum overflows: must not be rejected
    assert np.all(E.sobel(huge)[0] == 0)
    with pytest.raises(ValueError, match="empty"):
        E.prewitt(np.zeros((0, 5)))
    with pytest.raises(TypeError, match="floating"):
        E.sobel(np.zeros((5, 5), np.uint8))
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        E.sobel([[0.0, 1.0]])
    with pytest.raises(ValueError, match="border must be one of"):
        E.sobel(image, border="mirror")
    with pytest.raises(ValueError, match="border must be one of"):
        E.correlate2d_reference(image, np.ones((3, 3)), border="nope")
    with pytest.raises(ValueError, match="odd"):
        E.correlate2d(image, np.ones((2, 3)))
    with pytest.raises(ValueError, match="operator must be one of"):
        E.gradient(image, operator="roberts")
    with pytest.raises(ValueError, match="low_threshold must be <="):
        E.canny(image, low_threshold=0.3, high_threshold=0.2)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        E.canny(image, sigma=0)
    with pytest.raises(ValueError, match="neighbours must be one of"):
        E.laplacian(image, neighbours=6)
    with pytest.raises(ValueError, match="same shape"):
        E.edge_f1(np.zeros((3, 3), bool), np.zeros((3, 4), bool))
    with pytest.raises(TypeError, match="bool"):
        E.mask_boundary(np.zeros((3, 3)))


_IMG = np.random.default_rng(0).random((12, 12))
_BAD = {  # name: (bad value, exception, words the message must contain)
    "None": (None, TypeError, "numpy array"),
    "list": (_IMG.tolist(), TypeError, "numpy array"),
    "1-D": (_IMG[0], ValueError, "2 dimensions"),
    "3-D": (np.stack([_IMG, _IMG]), ValueError, "2 dimensions"),
    "uint8": ((_IMG * 255).astype(np.uint8), TypeError, "floating"),
    "bool": (_IMG > 0.5, TypeError, "floating"),
    "complex": (_IMG.astype(complex), TypeError, "floating"),
    "NaN": (np.where(_IMG > 0.9, np.nan, _IMG), ValueError, "finite"),
    "inf": (np.where(_IMG > 0.9, np.inf, _IMG), ValueError, "finite"),
    "empty": (np.zeros((0, 12)), ValueError, "empty"),
}
_GX, _GY = np.gradient(_IMG)[::-1]
_TAKING_AN_IMAGE = {
    "correlate2d": lambda a: E.correlate2d(a, E.SOBEL_X),
    "correlate2d_reference": lambda a: E.correlate2d_reference(a, E.SOBEL_X),
    "correlate_separable": lambda a: E.correlate_separable(a, E.DERIVATIVE, E.SOBEL_SMOOTHING),
    "gaussian_smooth": lambda a: E.gaussian_smooth(a, 1.0),
    "finite_differences": E.finite_differences,
    "gradient": E.gradient,
    "orientation_to_rgb": lambda a: E.orientation_to_rgb(a, a),
    "laplacian": E.laplacian,
    "laplacian_of_gaussian": lambda a: E.laplacian_of_gaussian(a, 1.0),
    "zero_crossings": E.zero_crossings,
    "non_maximum_suppression": lambda a: E.non_maximum_suppression(a, _GX, _GY),
    "hysteresis_threshold": lambda a: E.hysteresis_threshold(a, 0.1, 0.2),
    "canny": E.canny,
}


@pytest.mark.parametrize("function", sorted(_TAKING_AN_IMAGE))
@pytest.mark.parametrize("bad", sorted(_BAD))
def test_every_image_function_rejects_bad_input_by_name(function, bad):
    value, error, words = _BAD[bad]
    with pytest.raises(error, match=words):
        _TAKING_AN_IMAGE[function](value)


def test_bad_torch_input():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="grey"):
        E.sobel(torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match="dimensions"):
        E.sobel(torch.zeros(8, 8))
    with pytest.raises(ValueError, match="finite"):
        E.sobel(torch.full((1, 1, 4, 4), float("nan")))


@pytest.mark.parametrize("border", BORDERS)
def test_torch_conv2d_path_equals_shift_path(border):
    torch = pytest.importorskip("torch")
    x = torch.rand(3, 1, 9, 12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    kernel = np.random.default_rng(6).normal(size=(5, 3))
    a = _torch_correlate(x, kernel, border, method="conv2d")
    b = _torch_correlate(x, kernel, border, method="shift")
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)
    np.testing.assert_allclose(b[2, 0].numpy(), E.correlate2d_reference(x[2, 0].numpy(), kernel, border=border),
                               atol=1e-12)


def test_float16_is_rejected_by_the_filters_in_vklib_words():
    half = random_image((12, 12)).astype(np.float16)
    for call in (lambda: E.sobel(half), lambda: E.correlate2d(half, E.SOBEL_X), lambda: E.gaussian_smooth(half, 1.0),
                 lambda: E.laplacian_of_gaussian(half, 1.0), lambda: E.finite_differences(half),
                 lambda: E.correlate_separable(half, E.DERIVATIVE, E.SOBEL_SMOOTHING), lambda: E.laplacian(half)):
        with pytest.raises(TypeError, match=r"float32 or float64.*astype\(np.float32\)"):
            call()
    # functions that compute in float64 (or only compare values) accept float16, documented
    np.testing.assert_array_equal(E.canny(half), E.canny(half.astype(np.float64)))
    kernel = np.random.default_rng(1).normal(size=(3, 3))
    np.testing.assert_array_equal(E.correlate2d_reference(half, kernel),
                                  E.correlate2d_reference(half.astype(np.float64), kernel))


def test_torch_float16_on_the_cpu_is_computed_not_hung():
    torch = pytest.importorskip("torch")
    x = torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    gx, _ = E.sobel(x.half())
    assert gx.dtype == torch.float16
    np.testing.assert_allclose(gx.float().numpy(), E.sobel(x)[0].numpy(), atol=2e-2)


def test_public_names_and_read_only_border_table():
    import vklib.edges as package

    for name in package.__all__:
        assert getattr(package, name) is not None
    with pytest.raises(TypeError):
        E.BORDER_MODES["reflect"] = ("x", "y", "z")


# --------------------------------------------------------------------------------------
# Frequency response, the noise experiment, the exercises' checks, the figures
# --------------------------------------------------------------------------------------

def test_frequency_response_of_sobel_is_sin_times_binomial_and_obeys_parseval():
    omega, gain = E.frequency_response(E.SOBEL_X / 8)
    wy, wx = np.meshgrid(omega, omega, indexing="ij")
    np.testing.assert_allclose(gain, np.abs(np.sin(wx)) * (1 + np.cos(wy)) / 2, atol=1e-12)
    for kernel in (E.SOBEL_X / 8, E.PREWITT_X / 6, E.CENTRAL_DIFFERENCE, E.LAPLACIAN_8):
        _, gain = E.frequency_response(kernel, n=16)
        assert np.isclose(np.mean(gain ** 2), np.sum(np.asarray(kernel) ** 2))
    with pytest.raises(ValueError, match="odd"):
        E.frequency_response(np.ones((2, 3)))


def test_noise_std_of_normalised_kernels_matches_the_sum_of_squares():
    noise = np.random.default_rng(0).standard_normal((300, 300))
    for op, factor in (("central", 1 / np.sqrt(2)), ("sobel", np.sqrt(3 / 16)), ("prewitt", np.sqrt(1 / 6))):
        gx = E.gradient(noise, operator=op, normalize=True)[0][1:-1, 1:-1]
        assert abs(gx.std() - factor) < 0.01


def test_experiment_fast_scoring_equals_edge_f1_and_hysteresis():
    from vklib.edges import experiment as X

    rng = np.random.default_rng(5)
    truth = rng.random((3, 20, 24)) < 0.1
    strength = rng.random(truth.shape) * (truth + 0.3)
    strength[strength < 0.1] = 0.0
    f1, t = X.best_f1(strength, truth, thresholds=np.array([0.2, 0.5, 0.8]))
    slow = max((E.edge_f1(strength >= s, truth, tolerance=1)[2], s) for s in (0.2, 0.5, 0.8))
    assert np.isclose(f1, slow[0]) and t == slow[1]
    for low, high in ((0.2, 0.5), (0.4, 0.9)):
        stacked = X._hysteresis_stack(strength, low, high)
        np.testing.assert_array_equal(stacked, np.stack([E.hysteresis_threshold(s, low, high) for s in strength]))
    np.testing.assert_array_equal(X._dilate_1px(truth), ndimage.binary_dilation(truth, np.ones((1, 3, 3), bool)))


def test_noise_experiment_canny_equals_a_plain_threshold_sweep():
    from vklib.data import make_scenes
    from vklib.edges import experiment as X

    scenes = make_scenes(3, size=48, seed=2, backgrounds=["plain"], max_distractors=0, noise=0.0)
    truth = np.stack([E.mask_boundary(m) for m in scenes.masks])
    clean = 0.25 + 0.5 * scenes.masks.astype(np.float64)
    out = X.noise_experiment(clean, truth, [0.0, 0.2], operators=("sobel", "LoG 2", "Canny 1"), seeds=(0, 1),
                             thresholds=X.THRESHOLDS[::4])
    assert out["f1"].shape == (2, 3, 2) and np.all((out["f1"] > 0) & (out["f1"] <= 1))
    rng = np.random.default_rng(1)
    rng.standard_normal(clean.shape)  # level 0.0 consumes one draw
    noisy = clean + 0.2 * rng.standard_normal(clean.shape)
    best = 0.0
    for t in X.THRESHOLDS[::4]:
        detected = np.stack([E.canny(img, 1.0, low_threshold=4 * t, high_threshold=8 * t) for img in noisy])
        if detected.any():
            best = max(best, E.edge_f1(detected, truth, tolerance=1)[2])
    assert np.isclose(out["f1"][1, 2, 1], best)


def test_exercise_checks_name_the_misconception():
    from vklib.edges import questions as Q

    assert Q.check_prewitt_noise(1 / np.sqrt(6)).passed
    assert Q.check_prewitt_noise(0.41).passed
    sobel = Q.check_prewitt_noise(0.433)
    assert not sobel.passed and "Sobel's [1, 2, 1]/4" in sobel.message
    central = Q.check_prewitt_noise(0.707)
    assert not central.passed and "central difference alone" in central.message
    by_n = Q.check_prewitt_noise(0.236)
    assert not by_n.passed and "sqrt(n), not by n" in by_n.message
    assert "not answered" in Q.check_prewitt_noise(...).message
    assert Q.check_log_versus_sobel("b").passed
    wrong = Q.check_log_versus_sobel("a")
    assert not wrong.passed and "second derivative is noisier" in wrong.message
    assert "1-pixel tolerance" in Q.check_log_versus_sobel(" D ").message


def test_questions_dispatch_by_name_and_every_wrong_option_fails():
    from vklib.edges import questions as Q

    assert Q.check("Prewitt noise", 0.408).passed
    for wrong in (0.0, 1 / np.sqrt(2), 0.433, 1.0, -0.408):  # an all-zero or copied answer cannot pass
        assert not Q.check("Prewitt noise", wrong).passed
    assert "sqrt(n), not by n" in Q.check("Prewitt noise", 0.236).message
    assert Q.check("LoG versus Sobel", "b").passed
    for wrong in "acd":
        result = Q.check("LoG versus Sobel", wrong)
        assert not result.passed and Q.LOG_VERSUS_SOBEL_FEEDBACK[wrong] in result.message
    with pytest.raises(ValueError, match="question must be one of"):
        Q.check("Sobel noise", 0.4)
    # the feedback's numbers are the kernels' own
    assert np.isclose(np.sum(E.SOBEL_SMOOTHING / 4) ** 2 / np.sum((E.SOBEL_SMOOTHING / 4) ** 2), 16 / 6)  # "2.7"
    assert round(16 / 6, 1) == 2.7 and round(4 * np.pi * 2.0 ** 2) == 50
    g = E.gaussian_kernel1d(2.0)
    assert abs(1 / np.sum(np.outer(g, g) ** 2) - 4 * np.pi * 4) < 0.5  # effective pixels of a 2-D Gaussian


def test_frequency_response_rejects_bad_kernels():
    odd = np.ones((3, 3))
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        E.frequency_response(None)
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        E.frequency_response([[-1.0, 0.0, 1.0]])
    with pytest.raises(TypeError, match="numeric"):
        E.frequency_response(odd.astype(complex))
    with pytest.raises(TypeError, match="numeric"):
        E.frequency_response(odd > 0)
    with pytest.raises(ValueError, match="finite"):
        E.frequency_response(odd * np.nan)
    with pytest.raises(ValueError, match="empty"):
        E.frequency_response(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        E.frequency_response(np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="at most 4096"):
        E.frequency_response(odd, n=10**6)
    omega, gain = E.frequency_response(E.SOBEL_X.astype(np.int64))  # integer kernels are fine
    assert gain.dtype == np.float64 and gain.shape == (128, 128)


def test_gaussian_wider_than_any_image_is_refused_quickly():
    from vklib.edges.kernels import MAX_GAUSSIAN_RADIUS

    image = random_image((12, 12))
    for call in (lambda: E.gaussian_kernel1d(1e9), lambda: E.gaussian_smooth(image, 1e9),
                 lambda: E.laplacian_of_gaussian(image, 1e7), lambda: E.canny(image, 1e6)):
        with pytest.raises(ValueError, match=f"at most {MAX_GAUSSIAN_RADIUS} pixels"):
            call()
    assert E.gaussian_kernel1d(MAX_GAUSSIAN_RADIUS / 4.0).size == 2 * MAX_GAUSSIAN_RADIUS + 1


def test_plot_functions_draw(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vklib.edges import plot as P

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    x = np.arange(10.0)
    P.step_and_ramp(x, {"ramp": (x, np.ones(10), np.zeros(10))})
    P.noisy_ramp(x, x, {"d": np.ones(10)}, 0.1)
    P.frequency_gains({"sobel": E.SOBEL_X / 8})
    image = random_image((16, 16))
    gx, gy = E.sobel(image)
    P.gradient_panels(image, gx, gy, max_magnitude=1.0)
    P.log_on_ramp(x, x, x, middle=5)
    P.nms_diagram()
    P.f1_against_noise([0.0, 0.1], np.random.default_rng(0).random((3, 2, 2)), ["sobel", "Canny 2"], title="t")
    P.image_row([(image, "a", "gray", 0, 1)] * 3, ncols=2)
    P.image_row([(image, "a", "RdBu_r", -1, 1, "intensity"), (image, "b", "gray", 0, 1, None)])


# --------------------------------------------------------------------------------------
# The chapter's prose agrees with its outputs
# --------------------------------------------------------------------------------------

def _chapter():
    from pathlib import Path

    nbformat = pytest.importorskip("nbformat")
    path = Path(__file__).resolve().parents[1] / "chapters" / "02_edges.ipynb"
    nb = nbformat.read(path, as_version=4)
    text = {c.id: c.source for c in nb.cells}
    out = {c.id: "".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"}
    return nb, text, out


def test_chapter_noise_numbers_and_explorer_text_match_the_code():
    import inspect

    from vklib.edges import plot as P

    nb, text, out = _chapter()
    noise = out["71ea5d91"]
    for number in ("0.707 sigma", "0.433 sigma", "sqrt(6/16) = 0.612", "2.459 sigma"):
        assert number in noise
    explanation = text["dd573f69"]
    for number in ("0.433\\sigma", "0.707\\sigma", "0.612", "6/16"):
        assert number in explanation
    assert "|\\sin\\omega_x| \\cdot (1 + \\cos\\omega_y)/2" in explanation  # smoothing across, not along
    assert "low / 10" in text["77181186"].replace("`", "").replace("$", "").replace("t = ", "")
    assert "threshold=low / 10" in inspect.getsource(P.show_edges)
    assert all("NBVAL_IGNORE_OUTPUT" not in c.source for c in nb.cells)
    assert "getsource(E.non_maximum_suppression)" not in "".join(c.source for c in nb.cells)
    assert all(len(c.source.splitlines()) <= 25 for c in nb.cells if c.cell_type == "code")


def test_chapter_experiment_conclusions_match_the_table():
    _, text, out = _chapter()
    rows = {}
    for line in out["ed9e7079"].splitlines()[2:]:
        parts = line.split()
        if parts and "±" in parts[-1] and " - " not in line:
            name = " ".join(p for p in parts if "±" not in p)
            rows[name] = np.array([[float(v) for v in p.split("±")] for p in parts if "±" in p])
    levels = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4]
    mean = {k: v[:, 0] for k, v in rows.items()}
    at = levels.index
    assert mean["central"][at(0.2)] < 0.5 and mean["sobel"][at(0.2)] > 0.5
    assert mean["sobel"][at(0.3)] < 0.5 and mean["prewitt"][at(0.3)] < 0.5
    assert np.all(mean["prewitt"][at(0.2):] > mean["sobel"][at(0.2):])
    for op in ("central", "sobel", "prewitt"):
        assert np.all(mean["LoG 2"][at(0.15):] > mean[op][at(0.15):])
    assert mean["Canny 2"][at(0.4)] > 0.9 and mean["Canny 2"][at(0.4)] == max(m[at(0.4)] for m in mean.values())
    assert max(v[:, 1].max() for v in rows.values()) <= 0.025  # "at most about 0.02"
    conclusion = text["66d808b6"]
    assert "above 0.9" in conclusion and "$\\sigma_n = 0.15$ on" in conclusion


def test_chapter_prints_measured_agreement_not_booleans():
    nb, text, out = _chapter()
    loops = out["1766e4d3"].splitlines()
    assert len([line for line in loops if "largest |loop - fast path| < 1e-13" in line]) == 5
    assert "largest |sum| = 0.0" in out["1766e4d3"]
    assert "[[ 2  0  2]\n [ 0 -8  0]\n [ 2  0  2]]" in out["5c1e0d2a"]
    assert "[[2, 0, 2], [0, -8, 0], [2, 0, 2]]" in text["b81fccdb"]
    pairs = [line for line in out["50734c89"].splitlines() if "largest |difference|" in line]
    assert len(pairs) == 11 and all("< 1e-13" in line for line in pairs)
    assert {"sobel (g_x) vs cv2.Sobel", "sobel (g_y) vs cv2.Sobel"} <= {line[:40].strip() for line in pairs}
    assert "$g_x$ with `dx=1, dy=0` and $g_y$ with `dx=0, dy=1`" in text["b81fccdb"]
    assert all("True" not in o and "False" not in o for o in (out["1766e4d3"], out["50734c89"]))
    sizes = [float(line.rsplit("up to", 1)[1].strip(" )")) for line in pairs]
    assert 14.5 <= max(sizes) < 15.5 and "values up to about 15" in text["b35d8ff3"]
    assert "$10^{-13}$" in text["b35d8ff3"] and "14\nsignificant digits" in text["b35d8ff3"]
    assert 1e-13 / max(sizes) < 1e-14  # 14 significant digits
    ignored = [c.id for c in nb.cells if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert ignored == ["8d92783f"], "only the timing cell may be ignored by nbval"


def test_chapter_frequency_text_matches_the_figure_and_hides_the_exercise_answers():
    nb, text, out = _chapter()
    assert "gain along x equals |sin omega_x|: True" in out["00f07fd4"]
    assert "noise std 0.433 sigma" in out["00f07fd4"] and "noise std 0.707 sigma" in out["00f07fd4"]
    assert "third panel" in text["dd573f69"] and "fourth panel" in text["dd573f69"]
    # Exercise 5's answer (1/sqrt(6) = 0.408) is printed only after its solution cell
    position = {c.id: i for i, c in enumerate(nb.cells)}
    for cell in nb.cells[:position["c8b77268"]]:
        assert "0.408" not in cell.source and all("0.408" not in o.get("text", "") for o in cell.get("outputs", []))
    for cell in nb.cells:
        if cell.cell_type == "code" and "solution" not in cell.metadata.get("tags", []):
            assert "getsource(E.non_maximum_suppression" not in cell.source
            for answer in ("finite_differences", "sobel", "gradient_orientation"):  # exercises 1, 2, 4
                assert f"getsource(E.{answer}" not in cell.source
    checks = [c for c in nb.cells if "interpret" in c.metadata.get("tags", [])]
    assert len(checks) == 2 and all("check" in c.metadata["tags"] and "questions.check(" in c.source for c in checks)
    assert "✔ Prewitt noise" in out["daa5fcc4"] and "✔ LoG versus Sobel" in out["00109594"]
    assert "$m = 0.2$" in text["675853db"] and "max_magnitude=0.2" in text_of(nb, "f1d0ed0e")


def text_of(nb, cell_id):
    return next(c.source for c in nb.cells if c.id == cell_id)


def test_chapter_canny_border_claims_match_the_printed_table():
    nb, text, out = _chapter()
    rows = [line.split() for line in out["b4d9649b"].splitlines()]
    rows = [r for r in rows if len(r) == 6 and r[1].lstrip("-").isdigit()]
    assert [r[0] for r in rows] == ["astronaut", "camera", "chelsea", "coffee", "coins", "rocket", "brick", "page"]
    count, farthest, mirror, mirror_farthest, changed = np.array([[int(v) for v in r[1:]] for r in rows]).T
    prose = " ".join(text["34e39b6e"].split())
    assert f"{count.min()} to {count.max()} per photograph" in prose and count.min() > 0
    assert f"none farther than {farthest.max()} pixels from the image border" in prose
    assert f"only {mirror.min()} to {mirror.max()} per photograph remain" in prose
    assert "all in the second ring of pixels (farthest 1)" in prose
    assert set(mirror_farthest[mirror > 0]) == {1} and set(mirror_farthest[mirror == 0]) == {-1}
    assert "changes no pixel on any of them (last column)" in prose and not changed.any()
    assert "changes no pixel" not in text["767c4ef3"]  # stated only after the table prints it
