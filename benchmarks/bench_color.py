"""Benchmark: sRGB -> CIELAB on a 12-megapixel image (4000 x 3000), in one run.

Rows: vklib on NumPy (float32), vklib on torch CPU (float32, torch's default
threads), vklib on torch CUDA (when a GPU is present), colour-science (its default
float64 arithmetic), and OpenCV's ``cv2.cvtColor(..., COLOR_RGB2Lab)`` on float32,
a fused C++ kernel and the floor to compare with. Each row is the median of a few
timed calls after a warm-up; ratios are relative to colour-science. The script also
prints how far each result is from vklib's float64 answer, so a fast wrong kernel
cannot hide.

Usage::

    python benchmarks/bench_color.py [--height 3000 --width 4000 --repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time, report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-colour", action="store_true", help="leave colour-science out (it is the slowest)")
    args = parser.parse_args(argv)

    import cv2
    import torch

    import vklib.color as vc

    rng = np.random.default_rng(0)
    image = rng.random((args.height, args.width, 3), dtype=np.float32)
    megapixels = args.height * args.width / 1e6
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"sRGB -> Lab on a {args.height} x {args.width} float32 image ({megapixels:.1f} MP); "
          f"load average {load:.2f} at start")

    # accuracy against vklib in float64, on a 100,000-pixel crop
    crop = image.reshape(-1, 3)[:100_000]
    truth = vc.srgb_to_lab(crop.astype(np.float64))

    rows: dict[str, float] = {}
    errors: dict[str, float] = {}
    rows["vklib NumPy float32"] = best_time(lambda: vc.srgb_to_lab(image), repeat=args.repeat)
    errors["vklib NumPy float32"] = float(np.abs(vc.srgb_to_lab(crop) - truth).max())

    tensor = torch.from_numpy(image).permute(2, 0, 1)[None].contiguous()  # (1, 3, H, W)
    with torch.inference_mode():
        rows[f"vklib torch CPU float32 ({torch.get_num_threads()} threads)"] = best_time(
            lambda: vc.srgb_to_lab(tensor, channel_axis=1), repeat=args.repeat)
        errors[f"vklib torch CPU float32 ({torch.get_num_threads()} threads)"] = float(
            np.abs(vc.srgb_to_lab(torch.from_numpy(crop)).numpy() - truth).max())
        if torch.cuda.is_available():
            gpu = tensor.cuda()
            rows["vklib torch CUDA float32"] = best_time(
                lambda: vc.srgb_to_lab(gpu, channel_axis=1), repeat=max(args.repeat, 10), warmup=3, device="cuda")
            errors["vklib torch CUDA float32"] = float(
                np.abs(vc.srgb_to_lab(torch.from_numpy(crop).cuda()).cpu().numpy() - truth).max())

    baseline = "vklib NumPy float32"
    if not args.skip_colour:
        import colour

        space = colour.RGB_COLOURSPACES["sRGB"]

        def colour_lab(x):
            return colour.XYZ_to_Lab(colour.RGB_to_XYZ(x, space, apply_cctf_decoding=True), space.whitepoint)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows["colour-science (float64)"] = best_time(lambda: colour_lab(image), repeat=args.repeat)
            errors["colour-science (float64)"] = float(np.abs(colour_lab(crop) - truth).max())
        baseline = "colour-science (float64)"

    rows["cv2.cvtColor float32"] = best_time(lambda: cv2.cvtColor(image, cv2.COLOR_RGB2Lab), repeat=args.repeat)
    errors["cv2.cvtColor float32"] = float(np.abs(cv2.cvtColor(crop[None], cv2.COLOR_RGB2Lab)[0] - truth).max())

    report(f"sRGB -> Lab, {megapixels:.1f} MP (median of {args.repeat})", rows, baseline=baseline, unit="ms")
    cv = rows["cv2.cvtColor float32"]
    print("\n  ratio to cv2.cvtColor (time / cv2 time, lower is better):")
    for name, seconds in rows.items():
        print(f"    {name:<40} {seconds / cv:6.2f}x cv2's time")
    print("\n  max |Lab - vklib float64| on 100,000 pixels (the colour-science row uses the IEC 4-decimal matrix):")
    for name, err in errors.items():
        print(f"    {name:<40} {err:.2e}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.2f} at the end (2 CPU cores shared)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
