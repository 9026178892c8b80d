"""Input checks shared by the public functions of the package (internal)."""

from __future__ import annotations

import numpy as np


def nonneg_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite and >= 0."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    v = float(v)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and >= 0; got {v}")
    return v


def integer(name: str, v, *, low: int | None = None, high: int | None = None) -> int:
    """``v`` as an ``int``; ``TypeError`` unless an integer (not a bool), ``ValueError``
    unless ``low <= v <= high`` (either bound may be ``None``)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(v).__name__}")
    v = int(v)
    if low is not None and v < low:
        raise ValueError(f"{name} must be >= {low}; got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}; got {v}")
    return v


def real_in(name: str, v, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> float:
    """``v`` as a float in the interval from ``lo`` to ``hi`` (closed unless ``lo_open`` /
    ``hi_open``); ``TypeError`` unless a real number, ``ValueError`` unless finite and inside."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    v = float(v)
    bad = (not np.isfinite(v)) or (v < lo) or (v > hi) or (lo_open and v == lo) or (hi_open and v == hi)
    if bad:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}; got {v}")
    return v


def finite_array(name: str, x, *, ndim: int | tuple[int, ...] | None = None, min_ndim: int | None = None,
                 dtype=float) -> np.ndarray:
    """``x`` as a finite ``float64`` (or ``dtype``) array; ``ValueError`` naming ``name`` on a
    wrong number of dimensions (``ndim`` exact, one of a tuple, or at least ``min_ndim``),
    on non-numeric input, or on NaN/inf."""
    try:
        a = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a numeric array; got {type(x).__name__}") from e
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}; got shape {a.shape}")
    if min_ndim is not None and a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions; got shape {a.shape}")
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite values")
    return a


def stochastic(name: str, p, *, axis: int = -1, atol: float = 1e-9, min_ndim: int = 1) -> np.ndarray:
    """``p`` as a float array of probability vectors along ``axis`` (entries >= 0, summing to 1
    within ``atol``); ``ValueError`` naming ``name`` otherwise."""
    a = finite_array(name, p, min_ndim=min_ndim)
    if a.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {a.shape}")
    if np.any(a < 0):
        raise ValueError(f"{name} must have non-negative entries (probabilities); min is {a.min()}")
    s = a.sum(axis=axis)
    if not np.all(np.abs(s - 1.0) <= atol):
        worst = float(np.max(np.abs(s - 1.0)))
        raise ValueError(f"{name} must sum to 1 along axis {axis}; worst deviation {worst:.3g}")
    return a


def generator(name: str, rng) -> np.random.Generator:
    """``rng`` unchanged if it is a :class:`numpy.random.Generator`, else ``TypeError``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(seed)); "
                        f"got {type(rng).__name__}")
    return rng
