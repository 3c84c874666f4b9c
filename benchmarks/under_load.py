"""Does a chapter's nbval check hold up on a busy machine? Time it idle and beside a busy neighbour.

A reader's laptop runs a browser; a CI runner may share its cores. This script runs
``python -m pytest <notebook>`` (nbval: re-execute and compare) once on the machine as it is,
then again with one busy-loop process competing for the cores, and prints both wall times
and their ratio. nbval's cell timeout (``pyproject.toml``) must stay well above the slowest
cell's time under load.

Run::

    python benchmarks/under_load.py                          # the heaviest chapter, 05_simclr
    python benchmarks/under_load.py chapters/06_clip.ipynb   # any notebooks
    python benchmarks/under_load.py --neighbours 2           # a heavier load
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_nbval(notebooks: list[str], log: Path) -> tuple[float, int]:
    """Wall time and exit status of nbval on ``notebooks``; the whole output goes to ``log``.

    On a failure the failing cells' names and the start of each failure's report are printed.
    """
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", *notebooks],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    log.write_text(done.stdout + "\n" + done.stderr)
    if done.returncode != 0:
        print(f"  failed; the whole output is in {log}")
        print("\n".join(line for line in done.stdout.splitlines() if line.startswith("FAILED")))
        report = done.stdout.split("= FAILURES =", 1)[-1]
        print(report[:6000])
    return seconds, done.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", default=["chapters/05_simclr.ipynb"])
    parser.add_argument("--neighbours", type=int, default=1, help="busy-loop processes beside the run")
    parser.add_argument("--log-dir", default=".", help="folder for the two runs' full outputs (nbval-*.log)")
    args = parser.parse_args(argv)
    logs = Path(args.log_dir)
    logs.mkdir(parents=True, exist_ok=True)
    print(f"nbval of {' '.join(args.notebooks)} ({machine()})")
    idle, rc_idle = run_nbval(args.notebooks, logs / "nbval-as-is.log")
    print(f"  as the machine is:         {idle:7.1f} s  ({'passed' if rc_idle == 0 else 'FAILED'})")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.neighbours)]
    try:
        loaded, rc_loaded = run_nbval(args.notebooks, logs / "nbval-loaded.log")
    finally:
        for p in busy:
            p.kill()
            p.wait()
    print(f"  with {args.neighbours} busy neighbour(s):   {loaded:7.1f} s  ({'passed' if rc_loaded == 0 else 'FAILED'}), "
          f"{loaded / idle:.2f}x the first run")
    print(f"  ({machine()})")
    return rc_idle or rc_loaded


if __name__ == "__main__":
    raise SystemExit(main())
