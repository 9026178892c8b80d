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


# --------------------------------------------------------------------------- #
# added for theorylab.pde (shared vocabulary; extend rather than copy)
# --------------------------------------------------------------------------- #
def generator(name: str, v) -> np.random.Generator:
    """``v`` unchanged; ``TypeError`` unless a ``numpy.random.Generator``."""
    if not isinstance(v, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator; got {type(v).__name__}")
    return v


def positive_int(name: str, v, minimum: int = 1) -> int:
    """``v`` as an int; ``TypeError`` unless an integer, ``ValueError`` unless >= ``minimum``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(v).__name__}")
    v = int(v)
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {v}")
    return v


def positive_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite and > 0."""
    v = nonneg_real(name, v)
    if v == 0:
        raise ValueError(f"{name} must be > 0; got 0")
    return v


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
    """``v`` as a finite float64 array (a copy only if needed).

    ``TypeError`` if not numeric; ``ValueError`` if non-finite, if ``v.ndim`` is not
    ``ndim`` (an int or a tuple of allowed ints), if the shape does not match ``shape``
    (``None`` entries are free), or if it has fewer than ``min_size`` elements.
    """
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real array; got {type(v).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}; got shape {a.shape}")
    if shape is not None:
        if a.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, a.shape)):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {a.shape}")
    if a.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} elements; got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def one_of(name: str, v, options) -> str:
    """``v`` unchanged; ``ValueError`` listing ``options`` unless ``v`` is one of them."""
    if v not in tuple(options):
        raise ValueError(f"{name} must be one of {tuple(options)}; got {v!r}")
    return v
