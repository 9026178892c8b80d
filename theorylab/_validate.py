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


def integer(name: str, v, lo: int | None = None) -> int:
    """``v`` as an int; ``TypeError`` unless an integer (not a bool), ``ValueError`` if ``< lo``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(v).__name__}")
    if lo is not None and v < lo:
        raise ValueError(f"{name} must be >= {lo}; got {v}")
    return int(v)


def positive_real(name: str, v) -> float:
    """``v`` as a float; ``TypeError`` unless a real number, ``ValueError`` unless finite and > 0."""
    f = nonneg_real(name, v)
    if f == 0:
        raise ValueError(f"{name} must be > 0; got {v}")
    return f


def generator(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` itself; ``TypeError`` unless a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator; got {type(rng).__name__}")
    return rng


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
