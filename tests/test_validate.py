"""The validation vocabulary (theorylab._validate): each helper accepts what it should,
refuses the rest with the right exception, and its message names the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorylab import _validate as V


@pytest.mark.parametrize("value, expected", [(1, 1.0), (2.5, 2.5), (np.float32(0.5), 0.5), (np.array(3.0), 3.0),
                                             (np.int64(4), 4.0)])
def test_real_accepts_numbers(value, expected):
    assert V.real("x", value) == expected


@pytest.mark.parametrize("value, exc, match", [
    ("1.0", TypeError, "x must be a number, not a string"),
    (True, TypeError, "x must be a real number"),
    (None, TypeError, "x must be a real number"),
    (np.ones(2), TypeError, "x must be a single number"),
    (math.nan, ValueError, "x must be a number, not nan"),
    (math.inf, ValueError, "x must be finite"),
    (-1.0, ValueError, "x must be >= 0"),
])
def test_real_refuses(value, exc, match):
    with pytest.raises(exc, match=match):
        V.real("x", value, low=0.0)


def test_real_open_and_closed_bounds_exactly_at_the_edge():
    assert V.real("x", 0.0, low=0.0) == 0.0
    assert V.real("x", 1.0, high=1.0) == 1.0
    with pytest.raises(ValueError, match="x must be > 0"):
        V.positive("x", 0.0)
    with pytest.raises(ValueError, match="< 1"):
        V.probability("p", 1.0, high_open=True)
    assert V.real("x", math.inf, finite=False) == math.inf


@pytest.mark.parametrize("value, exc, match", [
    (2.0, TypeError, "n must be an integer; got the float 2.0"),
    (2.5, TypeError, "n must be an integer"),
    ("3", TypeError, "n must be an integer"),
    (True, TypeError, "n must be an integer"),
    (0, ValueError, "n must be >= 1"),
    (10**12, ValueError, "n must be <= 1000000000"),
])
def test_count_refuses(value, exc, match):
    with pytest.raises(exc, match=match):
        V.count("n", value)


def test_count_accepts_integers_and_zero_when_allowed():
    assert V.count("n", np.int32(5)) == 5
    assert V.count("n", 0, low=0) == 0
    assert V.integer("k", -3) == -3


def test_flag_choice_text_instance_rng_function():
    assert V.flag("f", np.bool_(True)) is True
    with pytest.raises(TypeError, match="f must be True or False"):
        V.flag("f", "yes")
    assert V.choice("kind", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="kind must be one of 'a', 'b'; got 'c'"):
        V.choice("kind", "c", ("a", "b"))
    with pytest.raises(TypeError, match="kind must be a string"):
        V.choice("kind", 1, ("a", "b"))
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        V.text("name", "  ")
    with pytest.raises(TypeError, match=r"env must be a int; got str 'x' \(hint\)"):
        V.instance("env", "x", int, hint="hint")
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        V.rng(0)
    with pytest.raises(TypeError, match="step must be callable t -> eta"):
        V.function("step", 3, what="t -> eta")
    assert V.optional(V.positive, "x", None) is None


def test_array_conversion_and_refusals():
    a = V.array("X", [[1, 2], [3, 4]], ndim=2, shape=(None, 2))
    assert a.dtype == np.float64 and a.shape == (2, 2)
    assert V.array("b", [True, False]).tolist() == [1.0, 0.0]
    for bad, exc, match in [
        ("1.0", TypeError, "X must be a numeric array, not a string"),
        (["1", "2"], TypeError, "X must be a numeric array; got strings"),
        (None, TypeError, "X must be a numeric array; got None"),
        ([[1.0], [1.0, 2.0]], ValueError, "X must be a rectangular numeric array"),
        ([1.0, np.nan], ValueError, "X contains nan"),
        ([1.0, np.inf], ValueError, "X contains inf"),
        ([1.0 + 1j], TypeError, "X must be a numeric array"),
    ]:
        with pytest.raises(exc, match=match):
            V.array("X", bad)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\); got \(2, 2\)"):
        V.array("X", np.ones((2, 2)), shape=("n", 3))
    with pytest.raises(ValueError, match="X must be a 1-D array"):
        V.array("X", np.ones((2, 2)), ndim=1)
    with pytest.raises(ValueError, match="X must not be empty"):
        V.array("X", np.ones((0, 2)), nonempty=True)
    with pytest.raises(ValueError, match="X must be >= 0 everywhere; got min -1"):
        V.array("X", [0.0, -1.0], low=0.0)
    assert V.array("u", [-np.inf, 0.0], finite=False).tolist() == [-np.inf, 0.0]
    with pytest.raises(ValueError, match="u contains nan"):
        V.array("u", [np.nan], finite=False)


def test_int_array_and_int_sequence():
    assert V.int_array("y", [0, 2], low=0, high=2).dtype == np.int64
    with pytest.raises(TypeError, match="y must hold integers; got float64"):
        V.int_array("y", [0.5])
    with pytest.raises(ValueError, match="y must be <= 2 everywhere"):
        V.int_array("y", [3], high=2)
    assert V.int_sequence("fs", [2, 3], low=1) == (2, 3)
    with pytest.raises(ValueError, match=r"fs\[1\] must be >= 1"):
        V.int_sequence("fs", [2, 0], low=1)
    with pytest.raises(TypeError, match="fs must be a sequence of integers"):
        V.int_sequence("fs", "23")


def test_elements_bounds_an_allocation_before_it_is_made():
    assert V.elements("n * d", (10, 10)) == 100
    with pytest.raises(ValueError, match="n_reps \\* T is too large"):
        V.elements("n_reps * T", (10**6, 10**6))


def test_nonneg_real_unchanged():
    assert V.nonneg_real("w", 2) == 2.0
    with pytest.raises(TypeError):
        V.nonneg_real("w", "2")
    with pytest.raises(ValueError):
        V.nonneg_real("w", -1.0)


@pytest.mark.parametrize("value", [2, -1.5, np.float32(0.25), 1 + 1e-20j, np.array(3.0), np.complex128(0.5 - 2j)])
def test_scalar_param_returns_finite_real_or_complex_unchanged(value):
    out = V.scalar_param("theta", value)
    assert out == (value[()] if isinstance(value, np.ndarray) else value)


@pytest.mark.parametrize("value, exc, match", [
    (np.nan, ValueError, "theta must be finite"),
    (complex(1.0, np.inf), ValueError, "theta must be finite"),
    ("1.0", TypeError, "theta must be a number, not a string"),
    (True, TypeError, "theta must be a real or complex number"),
    (None, TypeError, "theta must be a real or complex number"),
    (np.array([1.0, 2.0]), TypeError, "theta must be a single number"),
])
def test_scalar_param_refuses(value, exc, match):
    with pytest.raises(exc, match=match):
        V.scalar_param("theta", value)


def test_scalar_param_real_only_refuses_complex():
    with pytest.raises(TypeError, match="theta must be a real number"):
        V.scalar_param("theta", 1j, allow_complex=False)
