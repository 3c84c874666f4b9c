"""Benchmark: vklib's GrabCut beside ``cv2.grabCut``, 5 iterations, in one run.

Rows, for each input: ``vklib.grabcut.grabcut`` (NumPy + PyMaxflow) and OpenCV's
``cv2.grabCut`` (C++), both from the same 8-bit image and rectangle. Inputs:

- photographs from scikit-image resized to 640 x 480 (astronaut, coffee, chelsea);
- 60 synthetic 96 x 96 scenes (the chapter's benchmark), timed as one pass over all.

Each row is the median of a few timed calls after a warm-up. The script also prints
the IoU of the two foregrounds, so that a fast but different result cannot hide.

Usage::

    python benchmarks/bench_grabcut.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_time, machine, report  # noqa: E402

PHOTOS = {  # name -> rectangle (x, y, w, h) on the 640 x 480 version
    "astronaut": (40, 10, 400, 465),
    "coffee": (240, 30, 300, 300),
    "chelsea": (60, 15, 520, 450),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenes", type=int, default=60)
    args = parser.parse_args(argv)

    import cv2

    import vklib.grabcut as gc
    from vklib.data import load_photo, make_scenes
    from vklib.grabcut.experiment import quantise

    print(f"GrabCut, 5 iterations ({machine()})")
    ratios = []
    for name, rect in PHOTOS.items():
        image = quantise(cv2.resize(load_photo(name), (640, 480), interpolation=cv2.INTER_AREA))
        ours = gc.grabcut(image, rect=rect, n_iter=5).mask
        theirs = gc.opencv_grabcut(image, rect=rect, n_iter=5)
        agreement = gc.iou(np.isin(ours, (1, 3)), np.isin(theirs, (1, 3)))
        rows = {
            "vklib.grabcut": median_time(lambda: gc.grabcut(image, rect=rect, n_iter=5), repeat=args.repeat),
            "cv2.grabCut": median_time(lambda: gc.opencv_grabcut(image, rect=rect, n_iter=5), repeat=args.repeat),
        }
        report(f"{name} 640 x 480, rect {rect}; IoU(vklib, cv2) = {agreement:.4f}", rows,
               baseline="cv2.grabCut", unit="s")
        ratios.append(rows["vklib.grabcut"] / rows["cv2.grabCut"])

    scenes = make_scenes(args.scenes, size=96, seed=0)
    images = quantise(scenes.images.astype(np.float64))
    rects = [gc.scene_rect(b, images.shape[1:3], margin=6) for b in scenes.boxes]

    def run(fn):
        return [fn(im, rect=r, n_iter=5) for im, r in zip(images, rects)]

    rows = {
        "vklib.grabcut": median_time(lambda: run(gc.grabcut), repeat=args.repeat),
        "cv2.grabCut": median_time(lambda: run(gc.opencv_grabcut), repeat=args.repeat),
    }
    report(f"{args.scenes} synthetic scenes 96 x 96 (time for all)", rows, baseline="cv2.grabCut", unit="s")
    ratios.append(rows["vklib.grabcut"] / rows["cv2.grabCut"])

    print(f"\nvklib time / cv2 time: {', '.join(f'{r:.2f}' for r in ratios)} "
          f"(worst {max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
