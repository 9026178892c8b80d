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


def integer(name: str, v, lo: int | None = None) -> int:
    """``v`` as an int; ``TypeError`` unless an integer (not a bool), ``ValueError`` if ``< lo``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(v).__name__}")
    if lo is not None and v < lo:
        raise ValueError(f"{name} must be >= {lo}; got {v}")
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


def choice(name: str, v, options) -> str:
    """``v`` itself; ``ValueError`` unless one of ``options`` (listed in the message)."""
    if not isinstance(v, str) or v not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}; got {v!r}")
    return v


def real_array(name: str, v, *, ndim: int | tuple[int, ...] | None = None, min_ndim: int | None = None,
               last: int | None = None, allow_complex: bool = False, finite: bool = True) -> np.ndarray:
    """``v`` as a float64 (or, with ``allow_complex``, complex128) array.

    ``TypeError`` unless numeric; ``ValueError`` naming ``name`` for a wrong number of
    dimensions (``ndim`` exact, or at least ``min_ndim``), a wrong trailing size
    (``last``), an empty array or (with ``finite``) NaN/inf entries.
    """
    try:
        a = np.asarray(v)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be a numeric array") from exc
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.number)):
        raise TypeError(f"{name} must be a real{' or complex' if allow_complex else ''} numeric array; "
                        f"got dtype {a.dtype}")
    if np.iscomplexobj(a):
        if not allow_complex:
            raise TypeError(f"{name} must be real; got a complex array")
        a = a.astype(np.complex128, copy=False)
    else:
        a = a.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions; got shape {a.shape}")
    if min_ndim is not None and a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions; got shape {a.shape}")
    if last is not None and (a.ndim == 0 or a.shape[-1] != last):
        raise ValueError(f"{name} must have trailing size {last}; got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite values")
    return a


def shaped_array(name: str, a, *, ndim: int | tuple[int, ...] | None = None,
                 shape: tuple[int | None, ...] | None = None, nonempty: bool = True) -> np.ndarray:
    """``a`` as a finite float64 array checked against ``ndim`` and ``shape`` (``None`` entries
    of ``shape`` are free); ``TypeError`` if not numeric, ``ValueError`` naming ``name`` otherwise
    (an empty array is allowed only with ``nonempty=False``)."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real array; got {type(a).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s); "
                             f"got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape)):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def integer_in(name: str, v, *, low: int | None = None, high: int | None = None) -> int:
    """``v`` as an ``int``; ``TypeError`` unless an integer (not a bool), ``ValueError``
    unless ``low <= v <= high`` (either bound may be ``None``)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
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
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    v = float(v)
    bad = (not np.isfinite(v)) or (v < lo) or (v > hi) or (lo_open and v == lo) or (hi_open and v == hi)
    if bad:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}; got {v}")
    return v


def stochastic(name: str, p, *, axis: int = -1, atol: float = 1e-9, min_ndim: int = 1) -> np.ndarray:
    """``p`` as a float array of probability vectors along ``axis`` (entries >= 0, summing to 1
    within ``atol``); ``ValueError`` naming ``name`` otherwise."""
    a = real_array(name, p, min_ndim=min_ndim)
    if np.any(a < 0):
        raise ValueError(f"{name} must have non-negative entries (probabilities); min is {a.min()}")
    s = a.sum(axis=axis)
    if not np.all(np.abs(s - 1.0) <= atol):
        worst = float(np.max(np.abs(s - 1.0)))
        raise ValueError(f"{name} must sum to 1 along axis {axis}; worst deviation {worst:.3g}")
    return a
