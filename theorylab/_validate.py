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


def positive_int(name: str, v, *, low: int = 1) -> int:
    """``v`` as an ``int >= low``; ``TypeError`` unless an integer, ``ValueError`` if smaller."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(v).__name__}")
    if int(v) < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {v}")
    return int(v)


def positive_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite and > 0."""
    v = nonneg_real(name, v)
    if v == 0:
        raise ValueError(f"{name} must be > 0; got {v}")
    return v


def unit_interval(name: str, v, *, closed_right: bool = False) -> float:
    """``v`` as a float in ``[0, 1)`` (or ``[0, 1]`` with ``closed_right``), else ``ValueError``."""
    v = nonneg_real(name, v)
    if v > 1 or (v == 1 and not closed_right):
        raise ValueError(f"{name} must lie in [0, 1{']' if closed_right else ')'}; got {v}")
    return v


def generator(name: str, rng) -> np.random.Generator:
    """``rng`` unchanged if it is a :class:`numpy.random.Generator`, else ``TypeError``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)); "
                        f"got {type(rng).__name__}")
    return rng


def finite_array(name: str, a, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """``a`` as a float64 array; ``ValueError`` on non-finite entries or a wrong number of dimensions."""
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s); "
                             f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN/inf)")
    return arr


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


def real_array(name: str, x, *, ndim: int | tuple[int, ...] | None = None,
               min_ndim: int | None = None) -> np.ndarray:
    """Like :func:`finite_array` (a finite float64 array, ``ValueError`` naming ``name`` otherwise)
    with an optional lower bound ``min_ndim`` on the number of dimensions (for arrays with
    leading batch dimensions)."""
    a = finite_array(name, x, ndim=ndim)
    if min_ndim is not None and a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions; got shape {a.shape}")
    return a


def stochastic(name: str, p, *, axis: int = -1, atol: float = 1e-9, min_ndim: int = 1) -> np.ndarray:
    """``p`` as a float array of probability vectors along ``axis`` (entries >= 0, summing to 1
    within ``atol``); ``ValueError`` naming ``name`` otherwise."""
    a = real_array(name, p, min_ndim=min_ndim)
    if a.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {a.shape}")
    if np.any(a < 0):
        raise ValueError(f"{name} must have non-negative entries (probabilities); min is {a.min()}")
    s = a.sum(axis=axis)
    if not np.all(np.abs(s - 1.0) <= atol):
        worst = float(np.max(np.abs(s - 1.0)))
        raise ValueError(f"{name} must sum to 1 along axis {axis}; worst deviation {worst:.3g}")
    return a
