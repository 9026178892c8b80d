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


# --------------------------------------------------------------------------- #
# added for theorylab.pde
# --------------------------------------------------------------------------- #
def finite_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite; got {v}")
    return v


def real_array(name: str, v, *, ndim: int | tuple[int, ...] | None = None,
               shape: tuple[int | None, ...] | None = None, min_size: int = 0) -> np.ndarray:
    """``v`` as a finite float64 array (:func:`finite_array`), also checking its shape.

    ``ValueError`` if the shape does not match ``shape`` (``None`` entries are free) or if it
    has fewer than ``min_size`` elements.
    """
    a = finite_array(name, v, ndim=ndim)
    if shape is not None:
        if a.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, a.shape)):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {a.shape}")
    if a.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} elements; got {a.size}")
    return a


def one_of(name: str, v, options) -> str:
    """``v`` unchanged; ``ValueError`` listing ``options`` unless ``v`` is one of them."""
    if v not in tuple(options):
        raise ValueError(f"{name} must be one of {tuple(options)}; got {v!r}")
    return v
