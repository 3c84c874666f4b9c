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
    assert "should be numeric" in repr(r)
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
