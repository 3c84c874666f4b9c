"""How many torch threads should the book's notebooks use? Idle, and beside a busy neighbour.

A laptop with a browser open, or a CI runner shared with another job, is a busy machine:
when another process wants a core, a torch thread pool that expects every core for itself
waits at each parallel region for the thread that lost its core. This script measures the
notebooks' typical heavy work (a training step of a small convolutional network, as in
chapters 4-6, and an elementwise pass over a large image, as in chapter 1) under each
thread setting, first on an idle machine, then with one busy-loop process beside it; and
vklib's CPU sRGB -> Lab kernel, which makes many short passes over cache-sized blocks, each
a parallel region that has to wake the pool's threads when they sleep.

Run::

    python benchmarks/bench_threads.py               # about 2 minutes
    python benchmarks/bench_threads.py --repeat 20   # steadier medians

Each setting runs in a fresh interpreter (thread pools are fixed when torch starts). The
table prints the median time of each workload per setting and its ratio to torch's default
(one thread per core). The policy the book uses (README, "Threads") is read off this table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import machine  # noqa: E402

#: name -> environment for the worker; "threads" is passed to torch.set_num_threads.
SETTINGS = {
    "default (1 per core)": {"threads": None, "env": {}},
    "default + OMP_WAIT_POLICY=PASSIVE": {"threads": None, "env": {"OMP_WAIT_POLICY": "PASSIVE"}},
    "default + GOMP_SPINCOUNT=10000": {"threads": None, "env": {"GOMP_SPINCOUNT": "10000"}},
    "1 thread": {"threads": 1, "env": {"OMP_NUM_THREADS": "1"}},
}

WORKER = r"""
import json, statistics, sys, time
import torch
threads, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
if threads:
    torch.set_num_threads(threads)
torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
    torch.nn.Conv2d(32, 64, 3, padding=1, stride=2), torch.nn.BatchNorm2d(64), torch.nn.ReLU(),
    torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.BatchNorm2d(64), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(64, 6))
opt = torch.optim.Adam(net.parameters(), 1e-3)
x, y = torch.rand(128, 3, 32, 32), torch.randint(0, 6, (128,))
image = torch.rand(3, 1024, 1024)
rgb = torch.rand(2048, 1024, 3)
from vklib.color import srgb_to_lab

def step():
    opt.zero_grad()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    opt.step()

def pixels():
    linear = torch.where(image > 0.04045, ((image + 0.055) / 1.055) ** 2.4, image / 12.92)
    return (linear * 0.5).clamp(0, 1).sum()

out = {}
def many_small_ops():  # vklib's CPU Lab kernel: about 75 in-place steps per block of 2**19 pixels
    return srgb_to_lab(rgb)

for name, fn in (("training step", step), ("elementwise pass", pixels), ("Lab, small steps", many_small_ops)):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    out[name] = statistics.median(times)
print(json.dumps(out))
"""


def run_setting(setting: dict, repeat: int) -> dict[str, float]:
    env = {**os.environ, **setting["env"]}
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(setting["threads"]), str(repeat)],
                          env=env, capture_output=True, text=True, timeout=900, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    print(f"Thread settings for the notebooks' heavy work ({machine()})")
    results = {}
    for load in ("idle", "one busy neighbour"):
        neighbour = None
        if load != "idle":
            neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(1.0)
        try:
            for name, setting in SETTINGS.items():
                results[(load, name)] = run_setting(setting, args.repeat)
        finally:
            if neighbour is not None:
                neighbour.kill()
                neighbour.wait()
    base_name = next(iter(SETTINGS))
    for load in ("idle", "one busy neighbour"):
        print(f"\n  {load}:")
        for name in SETTINGS:
            row = results[(load, name)]
            cells = []
            for work, seconds in row.items():
                ratio = results[(load, base_name)][work] / seconds
                cells.append(f"{work} {seconds * 1e3:8.1f} ms ({ratio:4.2f}x)")
            print(f"    {name:<34} " + "   ".join(cells))
    print("\n  (x = speed relative to torch's default under the same load; > 1 is faster)")
    print(f"  ({machine()})")


if __name__ == "__main__":
    main()
