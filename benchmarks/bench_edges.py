"""Benchmark: Sobel gradient magnitude of a 12-megapixel grey image, and a torch batch.

Run: ``python benchmarks/bench_edges.py`` (``--quick`` for a 3-megapixel smoke run).

Rows (all compute ``sqrt(gx^2 + gy^2)`` of the 3 x 3 Sobel derivatives, float32):

* vklib NumPy      ``vklib.edges.sobel`` (two 1-D passes per derivative, SciPy ``correlate1d``)
* vklib torch CPU  ``vklib.edges.sobel`` on a ``(1, 1, H, W)`` tensor (on the CPU vklib adds
                   weighted shifted views, which beats single-channel ``conv2d`` there)
* vklib torch CUDA the same on the GPU (``conv2d``), where one is present
* torch conv2d     plain ``F.conv2d`` with both 3 x 3 Sobel kernels as two output channels
                   (why vklib does not use it on the CPU)
* cv2.Sobel        two ``cv2.Sobel`` calls and ``cv2.magnitude``
* scipy.ndimage    two ``scipy.ndimage.sobel`` calls and ``np.hypot`` (the baseline)
* skimage          ``skimage.filters.sobel`` (which also rescales by 1 / (4 sqrt 2))

Then a batch of 64 images of 512 x 512 through the torch path (CPU, and CUDA if present).
Nothing here asserts speed; the aim is vklib NumPy within 2x of SciPy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import median_time, report  # noqa: E402

from vklib import edges  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 MP image and a batch of 16")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import cv2
    import torch
    from scipy import ndimage
    from skimage import filters

    height, width = (1500, 2000) if args.quick else (3000, 4000)  # 12 MP = 4000 x 3000
    image = np.random.default_rng(0).random((height, width), dtype=np.float32)
    x_cpu = torch.from_numpy(image)[None, None]

    def vklib_numpy():
        return edges.gradient_magnitude(*edges.sobel(image))

    def vklib_torch(x):
        return lambda: edges.gradient_magnitude(*edges.sobel(x))

    def torch_conv2d(x):
        import torch.nn.functional as F

        weight = torch.from_numpy(np.stack([edges.SOBEL_X, edges.SOBEL_Y])[:, None].astype(np.float32))

        def run():
            g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), weight)
            return torch.hypot(g[:, :1], g[:, 1:])
        return run

    def opencv():
        gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
        return cv2.magnitude(gx, gy)

    def scipy_sobel():
        return np.hypot(ndimage.sobel(image, axis=1, mode="mirror"), ndimage.sobel(image, axis=0, mode="mirror"))

    def skimage_sobel():
        return filters.sobel(image)

    # The rows compute the same thing (skimage up to its documented factor and border).
    ref = scipy_sobel()
    assert np.allclose(vklib_numpy(), ref, atol=1e-4)
    assert np.allclose(vklib_torch(x_cpu)()[0, 0].numpy(), ref, atol=1e-4)
    assert np.allclose(torch_conv2d(x_cpu)()[0, 0].numpy(), ref, atol=1e-4)
    assert np.allclose(opencv(), ref, atol=1e-4)
    inner = (slice(1, -1), slice(1, -1))
    assert np.allclose(skimage_sobel()[inner] * 4 * np.sqrt(2), ref[inner], atol=1e-4)

    rows = {
        "vklib NumPy": median_time(vklib_numpy, repeat=args.repeat),
        "vklib torch CPU": median_time(vklib_torch(x_cpu), repeat=args.repeat),
    }
    if torch.cuda.is_available():
        x_gpu = x_cpu.cuda()
        rows["vklib torch CUDA"] = median_time(vklib_torch(x_gpu), repeat=args.repeat, device=x_gpu.device)
    rows["torch conv2d CPU (direct)"] = median_time(torch_conv2d(x_cpu), repeat=args.repeat)
    rows["cv2.Sobel"] = median_time(opencv, repeat=args.repeat)
    rows["scipy.ndimage.sobel"] = median_time(scipy_sobel, repeat=args.repeat)
    rows["skimage.filters.sobel"] = median_time(skimage_sobel, repeat=args.repeat)
    report(f"Sobel gradient magnitude, {height} x {width} float32 ({height * width / 1e6:.0f} MP)",
           rows, baseline="scipy.ndimage.sobel")
    ratio = rows["vklib NumPy"] / rows["scipy.ndimage.sobel"]
    print(f"  vklib NumPy takes {ratio:.2f}x the time of scipy.ndimage.sobel (target: at most 2x)")

    n = 16 if args.quick else 64
    batch = torch.rand(n, 1, 512, 512, generator=torch.Generator().manual_seed(0))
    rows = {"vklib torch CPU": median_time(vklib_torch(batch), repeat=max(1, args.repeat // 2))}
    if torch.cuda.is_available():
        batch_gpu = batch.cuda()
        rows["vklib torch CUDA"] = median_time(vklib_torch(batch_gpu), repeat=args.repeat, device=batch_gpu.device)
    stack = batch[:, 0].numpy()
    rows["vklib NumPy (loop over images)"] = median_time(
        lambda: [edges.gradient_magnitude(*edges.sobel(im)) for im in stack], repeat=max(1, args.repeat // 2))
    report(f"Sobel gradient magnitude, batch of {n} x 512 x 512 float32", rows,
           baseline="vklib NumPy (loop over images)")


if __name__ == "__main__":
    main()
