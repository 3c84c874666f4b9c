import numpy as np
import pytest
import torch

from vklib.exercises import CheckResult, check, random_cases


def reference(x):
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


CASES = [np.array([0.0, 0.04045, 1.0]), np.linspace(0, 1, 7)]


def test_a_correct_answer_passes():
    result = check(reference, reference, CASES, name="decode")
    assert isinstance(result, CheckResult) and result.passed and bool(result)
    assert repr(result) == "✔ decode: all 2 cases agree with the reference (rtol=1e-06, atol=1e-08)"


def test_a_wrong_answer_reports_input_expected_got_and_index():
    def decode(x):
        return x ** 2.2  # the common gamma approximation

    result = check(decode, reference, CASES)
    assert not result.passed
    text = repr(result)
    assert text.startswith("✘ decode: case 1 of 2 differs from the reference.")
    assert "input: x = array([0.     , 0.04045, 1.     ])" in text
    assert "first difference at index (1,)" in text
    assert "expected 0.0031308, got 0.000861432" in text


def test_wrong_shape_and_type_are_reported():
    r = check(lambda x: reference(x)[:-1], reference, CASES, name="f")
    assert "has shape (2,), expected shape (3,)" in repr(r)
    r = check(lambda x: "text", reference, CASES, name="f")
    assert "should be an array like" in repr(r) and "got a str" in repr(r)
    r = check(lambda x: (x, x), lambda x: (x,), CASES, name="f")
    assert "sequence of 1 items" in repr(r)


def test_exceptions_and_unattempted_exercises():
    def not_yet(x):
        raise NotImplementedError

    r = check(not_yet, reference, CASES)
    assert not r.passed and "not attempted yet" in repr(r)

    def broken(x):
        return x.nonexistent

    r = check(broken, reference, CASES)
    assert "case 1 of 2 raised AttributeError" in repr(r) and "expected: array" in repr(r)


def test_inputs_are_copied_so_mutation_cannot_hide_errors():
    def mutating(x):
        x[:] = 0.0
        return reference(x)

    data = [np.array([0.5, 1.0])]
    r = check(mutating, reference, data)
    assert not r.passed
    np.testing.assert_array_equal(data[0], [0.5, 1.0])


def test_kwargs_tuples_tensors_booleans_and_dicts():
    assert check(lambda a, b: a + b, np.add, [(np.ones(2), np.ones(2))])
    assert check(lambda a, b: a * b, lambda a, b: b * a, [dict(a=2.0, b=3.0)])
    assert check(lambda x: torch.as_tensor(x) * 2, lambda x: x * 2, [np.arange(3.0)])
    r = check(lambda m: ~m, lambda m: m, [np.array([True, False])])
    assert "2 of 2 values differ; first at index (0,)" in repr(r)
    assert check(lambda: {"a": 1.0}, lambda: {"a": 1.0}, [()])
    assert not check(lambda: {"a": 1.0}, lambda: {"b": 1.0}, [()])


def test_random_cases_are_seeded():
    a = random_cases(lambda rng: rng.random(3), 4, seed=1)
    b = random_cases(lambda rng: rng.random(3), 4, seed=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ValueError, match="at least one input"):
        check(reference, reference, [])


# --- The checker cannot be fooled: each loophole has a test that shows it closed. ---------

def test_a_complex_answer_with_an_imaginary_part_fails():
    r = check(lambda x: reference(x) + 5j, reference, CASES, name="f")
    assert not r and "should be real" in repr(r) and "complex" in repr(r)
    r = check(lambda x: reference(x) + 0j, reference, CASES, name="f")  # even a zero imaginary part
    assert not r


def test_a_list_where_an_array_is_expected_fails():
    r = check(lambda x: reference(x).tolist(), reference, CASES, name="f")
    assert not r and "should be an array" in repr(r) and "got a list" in repr(r)
    obj = check(lambda x: np.array(list(reference(x)), dtype=object), reference, CASES, name="f")
    assert not obj and "should be numeric" in repr(obj)


def test_rebinding_the_reference_is_reported_and_undone():
    import vklib.color as vc
    import vklib._guards as ex

    ex._snapshot_vklib()  # vklib.color was imported after vklib.exercises here
    original = vc.srgb_to_linear
    try:
        vc.srgb_to_linear = lambda x: x  # the "answer" makes the reference agree with itself
        r = check(lambda x: x, vc.srgb_to_linear, CASES, name="decode")
        assert not r and "replaced vklib's own vklib.color.srgb_to_linear" in repr(r)
        assert vc.srgb_to_linear is original  # put back
        assert check(lambda x: vc.srgb_to_linear(x), vc.srgb_to_linear, CASES)
    finally:
        vc.srgb_to_linear = original


def test_a_reference_replaced_before_vklib_was_first_seen_is_not_trusted(monkeypatch):
    import types

    import vklib._guards as ex

    fake = types.ModuleType("vklib._fake_for_test")
    fake.__all__ = ["f"]
    fake.f = lambda x: x  # a function from __main__-like code, not from vklib
    monkeypatch.setitem(__import__("sys").modules, "vklib._fake_for_test", fake)
    r = check(lambda x: x, fake.f, CASES, name="f")
    assert not r and "vklib._fake_for_test.f" in repr(r)
    assert ("vklib._fake_for_test", "f") not in ex._SNAPSHOT


def test_a_slow_answer_is_stopped_with_a_clear_message():
    import time

    def slow(x):
        time.sleep(60)
        return reference(x)

    start = time.perf_counter()
    r = check(slow, reference, CASES, name="slow", time_limit=0.5)
    assert time.perf_counter() - start < 5
    assert not r and "took longer than 0.5 s" in repr(r)


def test_printed_output_is_capped(capsys):
    import vklib._guards as ex

    def chatty(x):
        for i in range(44_000):
            print("line", i)
        return reference(x)

    assert check(chatty, reference, CASES[:1], name="chatty")
    out = capsys.readouterr().out
    assert len(out) < ex.MAX_OUTPUT_CHARS + 200
    assert "more characters of printed output not shown" in out


def test_sys_exit_in_an_answer_becomes_a_message():
    import sys

    r = check(lambda x: sys.exit(3), reference, CASES, name="quitter")
    assert not r and "called sys.exit(3)" in repr(r)


# --- Predict and interpret: check_choice and check_value. ---------------------------------

def test_check_choice_names_the_misconception():
    from vklib.exercises import check_choice

    options = {"a": "Right.", "b": "No: that confuses X with Y."}
    assert check_choice(" A ", "a", feedback=options)
    wrong = check_choice("b", "a", feedback=options, name="Q")
    assert not wrong and "confuses X with Y" in repr(wrong)
    assert "not an option" in repr(check_choice("z", "a", feedback=options))
    assert "not answered yet" in repr(check_choice(..., "a", feedback=options))
    assert "one of the strings" in repr(check_choice(1, "a", feedback=options))
    with pytest.raises(ValueError, match="correct must be one of"):
        check_choice("a", "c", feedback=options)


def test_check_value_tolerance_sides_and_misconceptions():
    from vklib.exercises import check_value

    assert check_value(0.70, 0.71, rtol=0.05)
    low = check_value(0.5, 0.71, rtol=0.05, misconceptions={0.5: "That averages two samples."})
    assert not low and "too low" in repr(low) and "averages two samples" in repr(low)
    assert "too high" in repr(check_value(2.0, 0.71))
    assert "not answered yet" in repr(check_value(None, 1.0))
    assert "real number" in repr(check_value("0.7", 0.71))
    assert "finite" in repr(check_value(float("nan"), 0.71))
