"""Synthetic scenes per second from ``vklib.data.make_scenes`` at 64x64 and 128x128, on one core.

    python benchmarks/bench_data.py

``make_scenes`` is NumPy code; this script pins NumPy's helper threads to one so the number
is the single-core rate the foundation issue asks about (at least 2,000 scenes/s at 64x64).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

from _timing import best_time, machine  # noqa: E402

from vklib.data import make_scenes  # noqa: E402


def main():
    print(f"make_scenes throughput ({machine()})")
    for size, n in [(64, 4000), (128, 1000)]:
        seconds = best_time(lambda: make_scenes(n, size=size, seed=0), repeat=5, warmup=1)
        print(f"  {size:>3}x{size:<3}  {n:5d} scenes in {seconds * 1e3:8.1f} ms  ->  {n / seconds:8.0f} scenes/s")


if __name__ == "__main__":
    main()
