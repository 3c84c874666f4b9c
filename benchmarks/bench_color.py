"""Benchmark: sRGB -> CIELAB on a 12-megapixel image (4000 x 3000), in one run.

Rows: vklib on NumPy (float32), vklib on torch CPU (float32) with one thread and
with torch's default number of threads, vklib on torch CUDA (when a GPU is present),
colour-science (its default float64 arithmetic), and OpenCV's
``cv2.cvtColor(..., COLOR_RGB2Lab)`` on float32, a fused C++ kernel and the floor to
compare with. Each row is the median of a few timed calls after a warm-up; ratios
are relative to colour-science. The script also prints how far each result is from
vklib's float64 answer, so a fast wrong kernel cannot hide.

On a machine shared with other processes, multi-threaded rows are unreliable: torch's
OpenMP threads meet at a barrier after every elementwise operation, and when another
process holds one of the cores each barrier waits for the scheduler (measured here on
2 shared cores: the same call took 0.3 s, 3.7 s or over a minute depending on the
load). So the one-thread rows are there too, and for the rows that run on one thread
the script also prints the median CPU time of the process, which the other processes
hardly change. When the first call with all threads takes more than 5 times the
one-thread time, that row is timed once more only and marked "contended".

What limits the torch path: per pixel it evaluates the sRGB power 2.4 and the cube root
on each of three channels, each as ``2^(p log2 u)`` (six vectorised ``log2``/``exp2`` calls,
about a quarter to a third of its time), and about seventy cheap elementwise steps, each a
separate pass over a block of buffers reused block by block, plus one copy into and one out
of those planes (``vklib/color/_lab_cpu.py``; a fresh tensor per step costs more in
first-touch page faults than the arithmetic). OpenCV runs one fused C++ loop over the
pixels, and for sRGB input replaces the formulas by interpolating a table in fixed point,
which is also why it is off by up to about 0.6 in L*, a* or b*. Most of vklib's extra time
goes to its many passes, not to the roots; fusing them needs a compiler
(``torch.compile``), which vklib does not require.

Usage::

    python benchmarks/bench_color.py [--height 3000 --width 4000 --repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_time, cpu_time, report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
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
    cpu: dict[str, float] = {}  # CPU time of the rows that run on one thread
    errors: dict[str, float] = {}
    name = "vklib NumPy float32"
    rows[name] = median_time(lambda: vc.srgb_to_lab(image), repeat=args.repeat)
    cpu[name] = cpu_time(lambda: vc.srgb_to_lab(image), repeat=args.repeat)
    errors[name] = float(np.abs(vc.srgb_to_lab(crop) - truth).max())

    tensor = torch.from_numpy(image).permute(2, 0, 1)[None].contiguous()  # (1, 3, H, W)
    threads = torch.get_num_threads()
    with torch.inference_mode():
        torch.set_num_threads(1)
        try:
            name = "vklib torch CPU float32 (1 thread)"
            rows[name] = median_time(lambda: vc.srgb_to_lab(tensor, channel_axis=1), repeat=args.repeat)
            cpu[name] = cpu_time(lambda: vc.srgb_to_lab(tensor, channel_axis=1), repeat=args.repeat)
            errors[name] = float(np.abs(vc.srgb_to_lab(torch.from_numpy(crop)).numpy() - truth).max())
        finally:
            torch.set_num_threads(threads)
        if threads > 1:
            name = f"vklib torch CPU float32 ({threads} threads)"
            t0 = time.perf_counter()
            vc.srgb_to_lab(tensor, channel_axis=1)
            first = time.perf_counter() - t0
            if first > 5 * rows["vklib torch CPU float32 (1 thread)"]:
                # the OpenMP threads are fighting other processes for the cores (seen here:
                # over a minute per call); one more call is enough to show it
                name += " [contended: 1 call]"
                rows[name] = median_time(lambda: vc.srgb_to_lab(tensor, channel_axis=1), repeat=1, warmup=0)
            else:
                rows[name] = median_time(lambda: vc.srgb_to_lab(tensor, channel_axis=1), repeat=args.repeat, warmup=0)
            errors[name] = float(np.abs(vc.srgb_to_lab(torch.from_numpy(crop)).numpy() - truth).max())
        if torch.cuda.is_available():
            gpu = tensor.cuda()
            rows["vklib torch CUDA float32"] = median_time(
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
            baseline = "colour-science (float64)"
            rows[baseline] = median_time(lambda: colour_lab(image), repeat=args.repeat)
            cpu[baseline] = cpu_time(lambda: colour_lab(image), repeat=args.repeat)
            errors[baseline] = float(np.abs(colour_lab(crop) - truth).max())

    cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        name = "cv2.cvtColor float32 (1 thread)"
        rows[name] = median_time(lambda: cv2.cvtColor(image, cv2.COLOR_RGB2Lab), repeat=args.repeat)
        cpu[name] = cpu_time(lambda: cv2.cvtColor(image, cv2.COLOR_RGB2Lab), repeat=args.repeat)
    finally:
        cv2.setNumThreads(cv_threads)
    rows["cv2.cvtColor float32"] = median_time(lambda: cv2.cvtColor(image, cv2.COLOR_RGB2Lab), repeat=args.repeat)
    errors["cv2.cvtColor float32"] = float(np.abs(cv2.cvtColor(crop[None], cv2.COLOR_RGB2Lab)[0] - truth).max())

    report(f"sRGB -> Lab, {megapixels:.1f} MP (median of {args.repeat})", rows, baseline=baseline, unit="ms")
    cv = rows["cv2.cvtColor float32"]
    print(f"\n  ratio to cv2.cvtColor with its default {cv_threads} threads (time / cv2 time, lower is better):")
    for name, seconds in rows.items():
        print(f"    {name:<52} {seconds / cv:6.2f}x cv2's time")
    torch_rows = [n for n in rows if n.startswith("vklib torch CPU") and "(1 thread)" not in n]
    if torch_rows:
        print(f"\n  the torch path against cv2, both with their default threads: "
              f"{rows[torch_rows[0]] / cv:.2f}x cv2's time{' (contended run)' if 'contended' in torch_rows[0] else ''}")
    one = (cpu.get("vklib torch CPU float32 (1 thread)"), cpu.get("cv2.cvtColor float32 (1 thread)"))
    if all(one):
        print(f"  the torch path against cv2, CPU time on one thread: {one[0] / one[1]:.2f}x cv2's")
    print("\n  max |Lab - vklib float64| on 100,000 pixels (the colour-science row uses the IEC 4-decimal matrix):")
    for name, err in errors.items():
        print(f"    {name:<52} {err:.2e}")
    print("\n  CPU time of the process per call (one-thread rows; hardly changed by other processes):")
    base_cpu = cpu.get(baseline)
    for name, seconds in cpu.items():
        ratio = f"   {base_cpu / seconds:6.2f}x vs {baseline}" if base_cpu else ""
        print(f"    {name:<52} {seconds * 1e3:10.2f} ms{ratio}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.2f} at the end ({os.cpu_count()} logical CPUs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
