"""Shared timing helpers for the benchmark scripts (not a test: nothing here asserts speed).

Each benchmark times vklib beside the reference libraries in one run and prints a
table with the ratio of every row to a chosen baseline row.
"""

from __future__ import annotations

import platform
import statistics
import time
from typing import Any, Callable


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, ``sysctl`` on macOS), else the architecture."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    try:
        import subprocess

        out = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=5)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return platform.processor() or platform.machine()


def load_average() -> float | None:
    """The 1-minute load average (runnable processes), or None where the OS does not report it."""
    import os

    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


#: The load when the benchmark script started (this module is imported first).
LOAD_AT_START = load_average()


def contention() -> str:
    """The load average at the start and now, flagged when other work shared the cores."""
    import os

    now, cores = load_average(), os.cpu_count() or 1
    if now is None or LOAD_AT_START is None:
        return "load average not available"
    # A benchmark keeps up to all cores busy itself; a load above the core count, or a start with
    # about one runnable process already (the average of the last minute), means other processes
    # competed for the CPU during the timing.
    busy = LOAD_AT_START > 1.0 or now > cores + 1.0
    line = f"load average {LOAD_AT_START:.2f} at start, {now:.2f} now"
    if busy:
        line += (" -- CONTENDED: other processes shared the cores; absolute times are pessimistic,"
                 " ratios of rows timed alternately are more reliable")
    return line


def machine() -> str:
    """One line describing the machine the numbers come from: CPU model, cores, threads, load."""
    import os

    line = f"{cpu_model()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"
    try:
        import torch

        line += f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
        if torch.cuda.is_available():
            line += f", {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return line + f"; {contention()}"


def _sync(device: Any = None) -> None:
    if device is not None and str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize(device)


def median_time(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1, device: Any = None) -> float:
    """Median of ``repeat`` wall-clock timings of ``fn()``, in seconds, after ``warmup`` calls.

    For CUDA work pass ``device`` so that every timing waits for the GPU to finish.
    """
    for _ in range(warmup):
        fn()
        _sync(device)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cpu_time(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median CPU time of this process (all its threads) over ``repeat`` calls of ``fn()``, in seconds.

    Unlike wall-clock time it hardly changes when other processes share the cores, so it
    gives the single-machine cost on a busy machine.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def report(title: str, rows: dict[str, float], *, baseline: str, unit: str = "ms", per: str = "") -> None:
    """Print a table of timings with each row's speed relative to ``baseline``.

    ``ratio`` = baseline time / row time, so ``2.0x`` means twice as fast as the baseline.
    """
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    print(f"\n{title}")
    print(f"  ({machine()})")
    width = max(len(k) for k in rows)
    base = rows[baseline]
    for name, seconds in rows.items():
        ratio = base / seconds if seconds > 0 else float("inf")
        print(f"  {name:<{width}}  {seconds * scale:10.2f} {unit}{per}   {ratio:6.2f}x vs {baseline}")
