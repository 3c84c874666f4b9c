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

from _timing import median_time, cpu_time, machine  # noqa: E402

from vklib.data import make_scenes  # noqa: E402


def main():
    print(f"make_scenes throughput ({machine()})")
    print("  wall: median wall-clock time; cpu: median CPU time of the process (one thread)")
    for size, n in [(64, 4000), (128, 1000)]:
        run = lambda: make_scenes(n, size=size, seed=0)  # noqa: E731
        wall = median_time(run, repeat=5, warmup=1)
        cpu = cpu_time(run)
        print(f"  {size:>3}x{size:<3}  {n:5d} scenes: wall {wall * 1e3:8.1f} ms -> {n / wall:6.0f} scenes/s; "
              f"cpu {cpu * 1e3:8.1f} ms -> {n / cpu:6.0f} scenes/s per core")


if __name__ == "__main__":
    main()
