"""Guards for :mod:`vklib.exercises`: what a learner's code may not do to a check.

A learner's function runs in the reader's own kernel, so a check protects itself: it keeps a
private copy of vklib's public objects (:func:`_rebound_references` reports and undoes a cell
that rebinds ``vklib.color.srgb_to_linear`` to its answer), stops an answer after a time limit
(:func:`_time_limit`, SIGALRM on POSIX), and caps what the answer prints (:class:`_CappedText`).
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import threading
import types
from typing import Any

#: vklib's public objects as they were when first seen: ``(module name, attribute) -> object``.
#: Taken when this module is imported (and for modules imported later, at the next check), so a
#: cell that rebinds ``vklib.color.srgb_to_linear`` cannot turn the reference into its answer.
_SNAPSHOT: dict[tuple[str, str], Any] = {}

#: At most this many characters of what a learner's function prints are shown.
MAX_OUTPUT_CHARS = 4000


def _snapshot_vklib() -> None:
    for modname, module in list(sys.modules.items()):
        if module is None or not (modname == "vklib" or modname.startswith("vklib.")):
            continue
        for attr in getattr(module, "__all__", ()):
            if (modname, attr) not in _SNAPSHOT and hasattr(module, attr):
                obj = getattr(module, attr)
                if isinstance(obj, types.FunctionType) and not str(obj.__module__).startswith("vklib"):
                    continue  # already replaced before we first saw it: never trust it
                _SNAPSHOT[modname, attr] = obj


def _rebound_references() -> list[str]:
    """Public vklib names that no longer point at vklib's own object (restored on the way)."""
    _snapshot_vklib()
    rebound = []
    for (modname, attr), original in _SNAPSHOT.items():
        module = sys.modules.get(modname)
        if module is not None and getattr(module, attr, original) is not original:
            rebound.append(f"{modname}.{attr}")
            setattr(module, attr, original)
    for modname, module in list(sys.modules.items()):  # functions replaced before first seen
        if module is None or not (modname == "vklib" or modname.startswith("vklib.")):
            continue
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr, None)
            if (modname, attr) not in _SNAPSHOT and isinstance(obj, types.FunctionType) \
                    and not str(obj.__module__).startswith("vklib"):
                rebound.append(f"{modname}.{attr}")
    return rebound


_snapshot_vklib()


class _TimeLimit(BaseException):  # not an Exception: an answer's `except Exception` cannot swallow it
    pass


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the block after ``seconds`` (main thread, POSIX); elsewhere, time it afterwards."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _alarm(signum, frame):  # noqa: ARG001 - signal handler signature
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _CappedText(io.TextIOBase):
    """A text sink that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.dropped = limit, [], 0
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self._size
        if room > 0:
            self.kept.append(text[:room])
            self._size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush_to(self, stream) -> None:
        text = "".join(self.kept)
        if text:
            stream.write(text)
        if self.dropped:
            stream.write(f"\n… ({self.dropped:,} more characters of printed output not shown)\n")
