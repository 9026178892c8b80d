"""The validation vocabulary of the package's public boundaries (internal).

Every public function checks its arguments with these helpers, so that a bad call
fails at once with a ``TypeError`` (wrong kind of value) or a ``ValueError`` (right
kind, wrong value) whose message names the argument and says what was expected::

    from . import _validate as V

    def f(X, y, *, depth, lam, rng):
        X = V.array("X", X, ndim=2, nonempty=True)                 # float64, finite
        y = V.array("y", y, shape=(X.shape[0],))
        depth = V.count("depth", depth, low=0, high=10_000)        # an int, bounded
        lam = V.real("lam", lam, low=0.0, low_open=True)           # a finite float > 0
        rng = V.rng(rng)

Conventions
-----------
* Numbers: ``bool`` is not a number, a string is never converted (``"1.0"`` is a
  ``TypeError``), ``None`` is a ``TypeError`` unless the function documents a default.
  Integers must be integers (``2.5`` or ``2.0`` for a size is a ``TypeError``, never
  truncated). Reals are finite unless ``finite=False``.
* Sizes and counts have a sane upper limit (``high``, default :data:`MAX_COUNT`), and
  an allocation can be checked with :func:`elements` before it is made, so an absurd
  value (``T=10**12``) fails immediately instead of allocating or looping.
* Arrays: :func:`array` accepts anything numpy turns into a real (or boolean) array
  and returns float64; strings, objects and ragged lists are refused. Shapes are
  checked with ``ndim=`` / ``shape=`` (``None`` or a name for a free axis).
* Objects: :func:`instance` checks a type and can give a hint (``"pass RidgeOracle()
  for a ridge oracle"``); :func:`rng` checks for a ``numpy.random.Generator``.

Add functions here rather than writing private copies in a module; never change the
behaviour of an existing one (other modules rely on it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAX_COUNT",
    "MAX_ELEMENTS",
    "ChoiceTypeError",
    "array",
    "choice",
    "count",
    "elements",
    "flag",
    "function",
    "instance",
    "int_array",
    "int_sequence",
    "integer",
    "nonneg_real",
    "optional",
    "positive",
    "probability",
    "real",
    "rng",
    "text",
    # added by other modules
    "finite_array",
    "finite_real",
    "generator",
    "integer_in",
    "min_length",
    "positive_int",
    "positive_real",
    "real_array",
    "real_in",
    "shaped_array",
    "stochastic",
    "unit_interval",
    # added for the API contract of the later modules
    "bool_array",
    "index_pair",
]

MAX_COUNT = 10**9
"""Default upper limit of a size or count argument."""

MAX_ELEMENTS = 2**28
"""Largest number of elements of one array a function may allocate (2 GiB of float64)."""


def _show(v: Any, n: int = 60) -> str:
    """A short repr of a bad value for a message."""
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape} and dtype {v.dtype}"
    r = repr(v)
    return r if len(r) <= n else r[: n - 3] + "..."


def _kind(v: Any) -> str:
    return type(v).__name__


def _is_real_type(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


# --------------------------------------------------------------------------- #
# scalars
# --------------------------------------------------------------------------- #
def nonneg_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite and >= 0."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    v = float(v)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and >= 0; got {v}")
    return v


def _scalar(name: str, v: Any) -> Any:
    """Unwrap a 0-d numeric array; refuse strings, bools, None and non-numbers."""
    if isinstance(v, np.ndarray):
        if v.ndim != 0:
            raise TypeError(f"{name} must be a single number; got {_show(v)}")
        v = v.item()
    if isinstance(v, (str, bytes)):
        raise TypeError(f"{name} must be a number, not a string; got {_show(v)}")
    if not _is_real_type(v):
        raise TypeError(f"{name} must be a real number; got {_kind(v)} {_show(v)}")
    return v


def _range_text(low, high, low_open, high_open) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def real(
    name: str,
    v: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """``v`` as a float in the given range (closed unless ``low_open``/``high_open``).

    ``TypeError`` for anything but a real number (strings, bools and ``None``
    included); ``ValueError`` for nan, for inf when ``finite`` and outside the range.
    """
    x = float(_scalar(name, v))
    if math.isnan(x):
        raise ValueError(f"{name} must be a number, not nan")
    if finite and math.isinf(x):
        raise ValueError(f"{name} must be finite; got {x}")
    bad = (low is not None and (x < low or (low_open and x == low))) or (
        high is not None and (x > high or (high_open and x == high)))
    if bad:
        raise ValueError(f"{name} must be {_range_text(low, high, low_open, high_open)}; got {_show(v)}")
    return x


def positive(name: str, v: Any) -> float:
    """A finite real ``> 0``."""
    return real(name, v, low=0.0, low_open=True)


def probability(name: str, v: Any, *, low_open: bool = False, high_open: bool = False) -> float:
    """A real in ``[0, 1]`` (``(0, 1)`` etc. with the ``*_open`` flags)."""
    return real(name, v, low=0.0, high=1.0, low_open=low_open, high_open=high_open)


def integer(name: str, v: Any, lo: int | None = None, *, low: int | None = None,
            high: int | None = None) -> int:
    """An ``int`` in ``[low, high]`` (``lo`` is the older positional spelling of ``low``):
    ``TypeError`` for floats (even ``2.0``), bools, strings and ``None``; ``ValueError``
    outside the range."""
    if low is None:
        low = lo
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        if isinstance(v, (float, np.floating)) and math.isfinite(v):
            raise TypeError(f"{name} must be an integer; got the float {v!r} "
                            f"(pass int({v!r}) if you mean it)")
        raise TypeError(f"{name} must be an integer; got {_kind(v)} {_show(v)}")
    i = int(v)
    if low is not None and i < low:
        raise ValueError(f"{name} must be >= {low}; got {i}")
    if high is not None and i > high:
        raise ValueError(f"{name} must be <= {high} (a larger value would allocate or loop absurdly); "
                         f"got {i}")
    return i


def count(name: str, v: Any, *, low: int = 1, high: int = MAX_COUNT) -> int:
    """A size or count: an integer in ``[low, high]`` (default ``[1, MAX_COUNT]``).
    The upper limit makes an absurd value fail at once instead of allocating or looping."""
    return integer(name, v, low=low, high=high)


def flag(name: str, v: Any) -> bool:
    """A boolean switch: ``True``/``False`` (or numpy bools); anything else is a ``TypeError``."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise TypeError(f"{name} must be True or False; got {_kind(v)} {_show(v)}")


class ChoiceTypeError(TypeError, ValueError):
    """A non-string given for a string choice: a ``TypeError`` that earlier callers of
    :func:`choice` may also catch as a ``ValueError``."""


def choice(name: str, v: Any, options: Iterable[str]) -> str:
    """One of the known strings ``options`` (``ValueError`` listing them; a non-string is a
    :class:`ChoiceTypeError`, both a ``TypeError`` and a ``ValueError``)."""
    opts = tuple(options)
    if not isinstance(v, str):
        raise ChoiceTypeError(f"{name} must be a string, one of {', '.join(map(repr, opts))}; "
                              f"got {_kind(v)} {_show(v)}")
    if v not in opts:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, opts))}; got {v!r}")
    return v


def text(name: str, v: Any, *, nonempty: bool = True) -> str:
    """A free-form string (a label, a description)."""
    if not isinstance(v, str):
        raise TypeError(f"{name} must be a string; got {_kind(v)} {_show(v)}")
    if nonempty and not v.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return v


def instance(name: str, v: Any, types: type | tuple[type, ...], *, hint: str = "") -> Any:
    """``v`` if it is an instance of ``types``, else a ``TypeError`` saying what was
    expected (and ``hint``, e.g. how to build one)."""
    if not isinstance(v, types):
        tt = types if isinstance(types, tuple) else (types,)
        want = " or ".join(t.__name__ for t in tt)
        msg = f"{name} must be a {want}; got {_kind(v)} {_show(v)}"
        raise TypeError(msg + (f" ({hint})" if hint else ""))
    return v


def rng(v: Any, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator`` (required; no global seeding, no integer seeds)."""
    if not isinstance(v, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, e.g. numpy.random.default_rng(seed); "
            f"got {_kind(v)} {_show(v)}")
    return v


def function(name: str, v: Any, *, what: str = "") -> Callable:
    """A callable (``what`` describes its signature in the message)."""
    if not callable(v) or isinstance(v, type):
        raise TypeError(f"{name} must be callable{' ' + what if what else ''}; got {_kind(v)} {_show(v)}")
    return v


def optional(check: Callable[..., Any], name: str, v: Any, *args: Any, **kwargs: Any) -> Any:
    """``None`` passes through; anything else goes through ``check(name, v, ...)``."""
    return None if v is None else check(name, v, *args, **kwargs)


# --------------------------------------------------------------------------- #
# arrays
# --------------------------------------------------------------------------- #
def _fmt_shape(shape: Sequence[Any]) -> str:
    items = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _as_numeric(name: str, v: Any, integer_only: bool = False) -> np.ndarray:
    if isinstance(v, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, not a string; got {_show(v)}")
    if v is None:
        raise TypeError(f"{name} must be a numeric array; got None")
    try:
        a = np.asarray(v)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a rectangular numeric array; got {_show(v)} ({exc})") from None
    if a.dtype.kind not in "biuf":
        what = "strings" if a.dtype.kind in "US" else f"dtype {a.dtype}"
        raise TypeError(f"{name} must be a numeric array; got {what} ({_kind(v)} {_show(v)})")
    if integer_only and a.dtype.kind not in "iu" and a.size:
        if a.dtype.kind == "b":
            raise TypeError(f"{name} must hold integers; got booleans")
        raise TypeError(f"{name} must hold integers; got {a.dtype} values")
    return a


def _check_shape(name: str, a: np.ndarray, ndim, shape, nonempty) -> None:
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(f"{k}-D" for k in allowed)
            raise ValueError(f"{name} must be a {want} array; got shape {a.shape}")
    if shape is not None and (a.ndim != len(shape) or any(
            s is not None and not isinstance(s, str) and a.shape[i] != s for i, s in enumerate(shape))):
        raise ValueError(f"{name} must have shape {_fmt_shape(shape)}; got {a.shape}")
    if nonempty and a.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {a.shape}")


def _check_values(name, a, finite, low, high, low_open, high_open) -> None:
    if not a.size:
        return
    if finite:
        if np.isnan(a).any():
            raise ValueError(f"{name} contains nan")
        if np.isinf(a).any():
            raise ValueError(f"{name} contains inf; it must be finite")
    elif np.isnan(a).any():
        raise ValueError(f"{name} contains nan")
    if low is not None:
        lo = a.min()
        if lo < low or (low_open and lo == low):
            raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g} everywhere; "
                             f"got min {lo:.6g}")
    if high is not None:
        hi = a.max()
        if hi > high or (high_open and hi == high):
            raise ValueError(f"{name} must be {'<' if high_open else '<='} {high:g} everywhere; "
                             f"got max {hi:.6g}")


def array(
    name: str,
    v: Any,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | str | None] | None = None,
    nonempty: bool = False,
    finite: bool = True,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    copy: bool = False,
) -> np.ndarray:
    """``v`` as a float64 array, checked.

    Parameters
    ----------
    ndim : required number of dimensions (an int or a tuple of allowed ones).
    shape : required shape; an entry ``None`` or a string (a name for the message,
        e.g. ``("n", 3)``) leaves that axis free.
    nonempty : refuse size-0 arrays.
    finite : refuse nan and inf (``finite=False`` still refuses nan).
    low, high, low_open, high_open : elementwise range.
    copy : return a copy even if ``v`` already is a float64 array.
    """
    a = _as_numeric(name, v)
    _check_shape(name, a, ndim, shape, nonempty)
    out = np.array(a, dtype=np.float64, copy=True) if copy else np.asarray(a, dtype=np.float64)
    _check_values(name, out, finite, low, high, low_open, high_open)
    return out


def int_array(
    name: str,
    v: Any,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | str | None] | None = None,
    nonempty: bool = False,
    low: int | None = None,
    high: int | None = None,
) -> np.ndarray:
    """``v`` as an int64 array of integers (labels, indices, checkpoints): floats,
    strings and booleans are a ``TypeError``; range ``[low, high]``."""
    a = _as_numeric(name, v, integer_only=True)
    _check_shape(name, a, ndim, shape, nonempty)
    out = np.asarray(a, dtype=np.int64)
    if out.size and low is not None and out.min() < low:
        raise ValueError(f"{name} must be >= {low} everywhere; got min {out.min()}")
    if out.size and high is not None and out.max() > high:
        raise ValueError(f"{name} must be <= {high} everywhere; got max {out.max()}")
    return out


def int_sequence(name: str, v: Any, *, low: int | None = None, high: int | None = None,
                 min_length: int = 1) -> tuple[int, ...]:
    """A sequence of integers (e.g. filter sizes, layer widths) as a tuple of ints."""
    if isinstance(v, (str, bytes)) or not isinstance(v, (Sequence, np.ndarray)) or (
            isinstance(v, np.ndarray) and v.ndim != 1):
        raise TypeError(f"{name} must be a sequence of integers; got {_kind(v)} {_show(v)}")
    out = tuple(integer(f"{name}[{i}]", x, low=low, high=high) for i, x in enumerate(v))
    if len(out) < min_length:
        raise ValueError(f"{name} must have at least {min_length} entr{'y' if min_length == 1 else 'ies'}; "
                         f"got {len(out)}")
    return out


def elements(name: str, shape: Sequence[int] | int, *, limit: int = MAX_ELEMENTS) -> int:
    """Refuse an allocation of more than ``limit`` elements, before making it.

    ``name`` describes what sets the size (e.g. ``"n_reps * T"``); ``shape`` is the shape
    (or the number of elements) about to be allocated.
    """
    n = int(shape) if isinstance(shape, (int, np.integer)) else math.prod(int(s) for s in shape)
    if n > limit:
        raise ValueError(
            f"{name} is too large: it would allocate {n:.3g} elements (limit {limit:.3g}, "
            f"{limit * 8 / 2**30:.0f} GiB of float64)")
    return n


# --------------------------------------------------------------------------- #
# helpers added by other modules (kept with their behaviour; numeric strings refused)
# --------------------------------------------------------------------------- #


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
    _no_strings(name, a)
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
    _no_strings(name, a)
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


def finite_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite; got {v}")
    return v


def min_length(name: str, a: np.ndarray, k: int) -> np.ndarray:
    """``a`` unchanged; ``ValueError`` unless it has at least ``k`` elements."""
    if np.size(a) < k:
        raise ValueError(f"{name} must have at least {k} elements; got {np.size(a)}")
    return a


def _no_strings(name: str, a: Any) -> None:
    """``TypeError`` for a string or an array of strings (numpy would convert ``"1.0"``)."""
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, not a string; got {_show(a)}")
    try:
        kind = np.asarray(a).dtype.kind
    except (TypeError, ValueError):  # ragged: the caller's conversion reports it
        return
    if kind in "US":
        raise TypeError(f"{name} must be an array of real numbers; got strings ({_show(a)})")


def path_like(name: str, v: Any, *, exists: str | None = None):
    """``v`` as a :class:`pathlib.Path`: a ``str`` or ``os.PathLike`` (a ``TypeError``
    otherwise). ``exists="file"`` or ``"dir"`` also requires an existing file or folder
    (a ``ValueError`` naming the path otherwise)."""
    import os
    from pathlib import Path

    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {_kind(v)} {_show(v)}")
    p = Path(v)
    if not str(v).strip():
        raise ValueError(f"{name} must be a non-empty path")
    if exists == "file" and not p.is_file():
        raise ValueError(f"{name} must be an existing file; got {str(p)!r}")
    if exists == "dir" and not p.is_dir():
        raise ValueError(f"{name} must be an existing folder; got {str(p)!r}")
    return p


def size_at_most(names: str, size, limit: int = 10**9) -> int:
    """``size`` (a product of sizes given by the arguments ``names``) as an int; ``ValueError``
    naming them if it exceeds ``limit`` elements (refuse absurd allocations at once)."""
    size = int(size)
    if size > limit:
        raise ValueError(f"{names} ask for {size:.3g} elements, more than the limit {limit:.3g}")
    return size


# --------------------------------------------------------------------------- #
# added for the API contract of the later modules (issue 13)
# --------------------------------------------------------------------------- #
def bool_array(name: str, v: Any, *, ndim: int | Sequence[int] | None = None,
               shape: Sequence[int | str | None] | None = None, nonempty: bool = False) -> np.ndarray:
    """``v`` as a boolean array (masks, terminal flags): a ``bool`` array, or integers that are
    all 0 or 1; floats (nan included), strings and objects are a ``TypeError``."""
    a = _as_numeric(name, v)
    if a.dtype.kind == "f":
        raise TypeError(f"{name} must be a boolean array; got {a.dtype} values")
    if a.dtype.kind in "iu":
        if a.size and not np.all((a == 0) | (a == 1)):
            raise ValueError(f"{name} must be a boolean array (or integers 0/1); got other integers")
    _check_shape(name, a, ndim, shape, nonempty)
    return np.asarray(a, dtype=bool)


def index_pair(name: str, v: Any, bounds: Sequence[int]) -> tuple[int, ...]:
    """A tuple of integer indices (a grid cell ``(row, col)``), each in ``[0, bounds[i])``."""
    if isinstance(v, (str, bytes)) or not isinstance(v, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a tuple of {len(bounds)} integers; got {_kind(v)} {_show(v)}")
    if len(v) != len(bounds):
        raise ValueError(f"{name} must have {len(bounds)} entries; got {len(v)}")
    out = tuple(integer(f"{name}[{i}]", x) for i, x in enumerate(v))
    if any(not 0 <= x < b for x, b in zip(out, bounds)):
        raise ValueError(f"{name} must lie in [0, {bounds[0]})" + "".join(f" x [0, {b})" for b in bounds[1:])
                         + f"; got {out}")
    return out


# --- added for theorylab.nets.norms, theorylab.equivariant, theorylab.prox, theorylab.diagrams (issue 13) ---
def scalar_param(name: str, v: Any, *, allow_complex: bool = True) -> Any:
    """A single finite real (or, with ``allow_complex``, complex) number, returned unchanged
    (a 0-d array is unwrapped): the scalar parameter of a parametrised matrix, where a
    complex value is a complex-step perturbation. Strings, bools, ``None`` and other objects
    are a ``TypeError``; nan/inf (in either part) a ``ValueError``."""
    if isinstance(v, np.ndarray):
        if v.ndim != 0:
            raise TypeError(f"{name} must be a single number; got {_show(v)}")
        v = v[()]
    if isinstance(v, (str, bytes)):
        raise TypeError(f"{name} must be a number, not a string; got {_show(v)}")
    kinds = (int, float, np.integer, np.floating) + ((complex, np.complexfloating) if allow_complex else ())
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, kinds):
        want = "a real or complex number" if allow_complex else "a real number"
        raise TypeError(f"{name} must be {want}; got {_kind(v)} {_show(v)}")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite; got {v}")
    return v
