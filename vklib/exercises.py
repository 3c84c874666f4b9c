"""Automatic checks for the book's exercises.

An exercise asks the reader to write a function; the cell after it calls
:func:`check`, which runs the reader's function and vklib's reference on the same
inputs (chosen edge cases first, then random ones) and reports the *first* mismatch:
the input, what was expected, what came back, and where they differ. It never says
just "wrong".

>>> import numpy as np
>>> def square(x):
...     return x * x
>>> check(square, np.square, [np.array([0.0, 1.5]), np.array([-2.0])], name="square")
✔ square: all 2 cases agree with the reference (rtol=1e-06, atol=1e-08)
>>> check(lambda x: x + x, np.square, [np.array([0.0, 1.5])], name="square")
✘ square: case 1 of 1 differs from the reference.
  input: x = array([0. , 1.5])
  expected: array([0.  , 2.25])
  got:      array([0., 3.])
  first difference at index (1,): expected 2.25, got 3 (max |difference| 0.75) (1 of 2 values differ)
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from .checks import is_tensor

__all__ = ["MAX_OUTPUT_CHARS", "CheckResult", "check", "check_choice", "check_value", "random_cases"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`. ``bool(result)`` is ``result.passed``; its repr is the report."""

    name: str
    passed: bool
    n_cases: int
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


def random_cases(make: Callable[[np.random.Generator], Any], n: int, *, seed: int = 0) -> list:
    """``n`` inputs drawn by ``make(rng)`` from one seeded NumPy generator."""
    rng = np.random.default_rng(seed)
    return [make(rng) for _ in range(n)]


def _as_numpy(x: Any) -> Any:
    if is_tensor(x):
        return x.detach().cpu().numpy()
    return x


def _short(x: Any) -> str:
    """A compact, deterministic description of a value for the report."""
    x = _as_numpy(x)
    if isinstance(x, np.ndarray):
        if x.size <= 12:
            # Every print option pinned: the report must not depend on what another
            # library or notebook cell set globally (e.g. sign=" ").
            with np.printoptions(precision=6, suppress=True, sign="-", floatmode="maxprec",
                                 linewidth=75, threshold=1000, edgeitems=3, nanstr="nan",
                                 infstr="inf", legacy=False):
                return repr(x)
        with np.errstate(all="ignore"):
            lo, hi = (np.nanmin(x), np.nanmax(x)) if x.dtype.kind in "fiub" and x.size else (None, None)
        span = f", values in [{lo:.6g}, {hi:.6g}]" if lo is not None else ""
        return f"array of shape {x.shape} and dtype {x.dtype}{span}"
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, (tuple, list)):
        inner = ", ".join(_short(v) for v in x)
        return f"({inner})" if isinstance(x, tuple) else f"[{inner}]"
    text = repr(x)
    return text if len(text) <= 200 else text[:197] + "..."


def _difference(expected: Any, got: Any, rtol: float, atol: float, where: str = "") -> str | None:
    """None if ``got`` matches ``expected``, else a sentence saying where and how they differ."""
    expected, got = _as_numpy(expected), _as_numpy(got)
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"{where or 'the result'} should be a sequence of {len(expected)} items, got {_short(got)}"
        for k, (e, g) in enumerate(zip(expected, got)):
            problem = _difference(e, g, rtol, atol, f"{where}[{k}]")
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"{where or 'the result'} should be a dict with keys {sorted(expected)}, got {_short(got)}"
        for key in expected:
            problem = _difference(expected[key], got[key], rtol, atol, f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    if isinstance(expected, str) or expected is None:
        return None if got == expected else f"{where or 'the result'}: expected {expected!r}, got {_short(got)}"
    e = np.asarray(expected)
    try:
        g = np.asarray(got)
    except Exception:  # noqa: BLE001 - anything that is not array-like is simply a mismatch
        return f"{where or 'the result'} should be {_short(expected)}, got {_short(got)}"
    label = where or "the result"
    if isinstance(expected, np.ndarray) and expected.ndim and not isinstance(got, np.ndarray):
        return f"{label} should be an array like {_short(expected)}, got a {type(got).__name__}: {_short(got)}"
    if g.dtype == object or g.dtype.kind not in "fiubc":
        return f"{label} should be numeric like {_short(expected)}, got {_short(got)}"
    if g.dtype.kind == "c" and e.dtype.kind != "c":
        return f"{label} should be real like {_short(expected)}, got complex values {_short(got)}"
    if e.shape != g.shape:
        return f"{label} has shape {g.shape}, expected shape {e.shape}"
    if e.dtype.kind == "b" or g.dtype.kind == "b":
        bad = e != g
    else:
        ef, gf = e.astype(np.float64), g.astype(np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~(np.isclose(gf, ef, rtol=rtol, atol=atol, equal_nan=True))
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if e.ndim else ()
    ev, gv = e[idx] if e.ndim else e[()], g[idx] if g.ndim else g[()]
    count = int(bad.sum())
    if e.dtype.kind == "b" or g.dtype.kind == "b":
        return f"{count} of {bad.size} values differ; first at index {idx}: expected {ev}, got {gv}"
    with np.errstate(invalid="ignore"):
        worst = float(np.nanmax(np.abs(g.astype(np.float64) - e.astype(np.float64))))
    at = f" at index {idx}" if e.ndim else ""
    extra = f" ({count} of {bad.size} values differ)" if bad.size > 1 else ""
    return (f"first difference{at}: expected {float(ev):.6g}, got {float(gv):.6g} "
            f"(max |difference| {worst:.3g}){extra}")


def _call(fn: Callable, case: Any) -> Any:
    case = copy.deepcopy(case)
    if isinstance(case, dict):
        return fn(**case)
    if isinstance(case, tuple):
        return fn(*case)
    return fn(case)


def _describe_case(fn: Callable, case: Any) -> str:
    if isinstance(case, dict):
        return ", ".join(f"{k} = {_short(v)}" for k, v in case.items())
    args = case if isinstance(case, tuple) else (case,)
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    names = (names + [f"arg{k}" for k in range(len(args))])[: len(args)]
    return ", ".join(f"{n} = {_short(a)}" for n, a in zip(names, args))


from ._guards import MAX_OUTPUT_CHARS, _CappedText, _rebound_references, _time_limit, _TimeLimit  # noqa: E402


def _run_learner(fn: Callable, case: Any, seconds: float | None) -> Any:
    """Call the learner with a time limit and its printed output capped."""
    sink = _CappedText(MAX_OUTPUT_CHARS)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _time_limit(seconds):
            got = _call(fn, case)
    finally:
        sink.flush_to(sys.stdout)
    if seconds is not None and time.perf_counter() - start > seconds:
        raise _TimeLimit
    return got


def check(learner: Callable, reference: Callable, cases: Iterable[Any], *, name: str | None = None,
          rtol: float = 1e-6, atol: float = 1e-8, time_limit: float | None = 30.0) -> CheckResult:
    """Compare ``learner`` with ``reference`` on every case and report the first mismatch.

    Parameters
    ----------
    learner : callable
        The reader's function.
    reference : callable
        vklib's implementation (or any trusted function with the same signature).
    cases : iterable
        Inputs: a tuple is passed as positional arguments, a dict as keyword
        arguments, anything else as the single argument. Each call gets a deep copy,
        so a function that modifies its input cannot spoil the next comparison.
    name : str, optional
        Name used in the report (default: the learner's ``__name__``).
    rtol, atol : float
        Tolerances of :func:`numpy.isclose` for numeric results.
    time_limit : float or None
        Seconds each case may take (``None``: no limit). A slower answer is stopped
        and reported as too slow.

    Returns
    -------
    CheckResult
        Displays as a one-line success or a report of the first failing case: the
        input, the expected and received values, and the index of the first difference.
        A learner that raises ``NotImplementedError`` is reported as not attempted yet.

    Notes
    -----
    The check cannot be fooled by accident: the reference is vklib's own function as
    it was when first imported (a cell that rebinds a public vklib name is reported,
    and the original is put back); a list, a complex or an object array where the
    reference returns a real array is a mismatch, not converted; ``sys.exit`` in an
    answer becomes a message; what the answer prints is capped at
    :data:`MAX_OUTPUT_CHARS` characters.
    """
    label = name or getattr(learner, "__name__", "your function")
    cases = list(cases)
    if not cases:
        raise ValueError("cases must hold at least one input")
    rebound = _rebound_references()
    if rebound:
        return CheckResult(label, False, len(cases),
                           f"✘ {label}: this session replaced vklib's own {', '.join(rebound)}. The check "
                           "compares your function with vklib's, so that name has been put back; "
                           "run the exercise cell again without reassigning it.")
    for k, case in enumerate(cases, start=1):
        expected = _call(reference, case)
        try:
            got = _run_learner(learner, case, time_limit)
        except _TimeLimit:
            return CheckResult(label, False, len(cases),
                               f"✘ {label}: case {k} of {len(cases)} took longer than {time_limit:g} s "
                               "(the reference takes a fraction of that); look for a loop that never ends "
                               "or work repeated for every element.\n"
                               f"  input: {_describe_case(learner, case)}")
        except SystemExit as stop:
            return CheckResult(label, False, len(cases),
                               f"✘ {label}: case {k} of {len(cases)} called sys.exit({stop.code!r}); "
                               "a function should return its result, not stop Python.")
        except NotImplementedError:
            return CheckResult(label, False, len(cases),
                               f"… {label}: not attempted yet (it raises NotImplementedError). "
                               "Write your code in the exercise cell, run it, then run this check again.")
        except Exception as error:  # noqa: BLE001 - reported to the learner, not hidden
            return CheckResult(label, False, len(cases),
                               f"✘ {label}: case {k} of {len(cases)} raised {type(error).__name__}: {error}\n"
                               f"  input: {_describe_case(learner, case)}\n"
                               f"  expected: {_short(expected)}")
        problem = _difference(expected, got, rtol, atol)
        if problem:
            return CheckResult(label, False, len(cases),
                               f"✘ {label}: case {k} of {len(cases)} differs from the reference.\n"
                               f"  input: {_describe_case(learner, case)}\n"
                               f"  expected: {_short(expected)}\n"
                               f"  got:      {_short(got)}\n"
                               f"  {problem}")
    return CheckResult(label, True, len(cases),
                       f"✔ {label}: all {len(cases)} cases agree with the reference (rtol={rtol:g}, atol={atol:g})")


def check_choice(answer: Any, correct: str, *, feedback: dict[str, str], name: str = "your answer") -> CheckResult:
    """Check a multiple-choice prediction and explain the misconception behind a wrong one.

    Parameters
    ----------
    answer : str
        The learner's choice, one of the keys of ``feedback`` (case and surrounding
        spaces are ignored). ``None`` or ``...`` means "not answered yet".
    correct : str
        The right key.
    feedback : dict of str to str
        For every option, the sentence shown when it is chosen: for a wrong option,
        the misconception that leads to it; for the right one, why it is right.
    name : str
        Name used in the report.

    Returns
    -------
    CheckResult
        Passed only for the right option; the message always explains.

    Examples
    --------
    >>> options = {"a": "Right: the kernel sums to zero.", "b": "No: that is the smoothing part."}
    >>> check_choice("B", "a", feedback=options, name="Q1")
    ✘ Q1: 'b' is not it. No: that is the smoothing part.
    >>> check_choice("a", "a", feedback=options, name="Q1")
    ✔ Q1: 'a'. Right: the kernel sums to zero.
    """
    keys = {str(k).strip().lower(): str(v) for k, v in feedback.items()}
    right = str(correct).strip().lower()
    if right not in keys:
        raise ValueError(f"correct must be one of the options {sorted(keys)}, got {correct!r}")
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, 1, f"… {name}: not answered yet. Choose one of {sorted(keys)}.")
    if not isinstance(answer, str):
        return CheckResult(name, False, 1,
                           f"✘ {name}: answer with one of the strings {sorted(keys)}, got {_short(answer)}")
    given = answer.strip().lower()
    if given not in keys:
        return CheckResult(name, False, 1, f"✘ {name}: {answer!r} is not an option; choose one of {sorted(keys)}.")
    if given != right:
        return CheckResult(name, False, 1, f"✘ {name}: {given!r} is not it. {keys[given]}")
    return CheckResult(name, True, 1, f"✔ {name}: {given!r}. {keys[given]}")


def check_value(answer: Any, expected: float, *, rtol: float = 0.1, atol: float = 0.0,
                misconceptions: dict[float, str] | None = None, name: str = "your prediction") -> CheckResult:
    """Check a predicted number, naming the misconception behind a typical wrong value.

    Parameters
    ----------
    answer : float
        The learner's number (a Python or NumPy real scalar). ``None`` or ``...`` means
        "not answered yet".
    expected : float
        The right value.
    rtol, atol : float
        The prediction passes when ``|answer - expected| <= atol + rtol * |expected|``.
    misconceptions : dict of float to str, optional
        Typical wrong values and the sentence that explains each; an answer within the
        same tolerance of one of them gets that sentence.
    name : str
        Name used in the report.

    Returns
    -------
    CheckResult
        Passed when the answer is within tolerance; otherwise the message says whether it
        is too high or too low and, where it matches one, names the misconception.

    Examples
    --------
    >>> check_value(0.5, 0.71, misconceptions={0.5: "That is the average of two samples."})
    ✘ your prediction: 0.5 is too low (the tolerance is ±0.071). That is the average of two samples.
    >>> check_value(0.7, 0.71)
    ✔ your prediction: 0.7 is within ±0.071 of 0.71.
    """
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, 1, f"… {name}: not answered yet. Replace ... with a number.")
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return CheckResult(name, False, 1, f"✘ {name}: answer with a real number, got {_short(answer)}")
    value = float(answer)
    if not np.isfinite(value):
        return CheckResult(name, False, 1, f"✘ {name}: answer with a finite number, got {value}")
    tol = atol + rtol * abs(float(expected))
    if abs(value - float(expected)) <= tol:
        return CheckResult(name, True, 1, f"✔ {name}: {value:.4g} is within ±{tol:.2g} of {float(expected):.4g}.")
    side = "too high" if value > expected else "too low"
    why = ""
    for wrong, sentence in (misconceptions or {}).items():
        if abs(value - float(wrong)) <= atol + rtol * abs(float(wrong)):
            why = f" {sentence}"
            break
    return CheckResult(name, False, 1, f"✘ {name}: {value:.4g} is {side} (the tolerance is ±{tol:.2g}).{why}")
