"""Validation helpers and elementary pieces of :mod:`theorylab.online` (projection, log cosh)."""

from __future__ import annotations

import numpy as np

from .. import _validate as V

# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
MAX_T = 10**7
"""Largest horizon (the learners loop over rounds)."""

MAX_ITER = 10**6
"""Largest number of iterations of the comparators' solver."""


def _check_rng(rng) -> None:
    V.rng(rng)


def _pos_int(name: str, value, high: int = V.MAX_COUNT) -> int:
    return V.count(name, value, high=high)


def _finite(name: str, value, *, nonneg: bool = False, positive: bool = False) -> np.ndarray:
    return V.array(name, value, low=0.0 if (nonneg or positive) else None, low_open=positive)


# --------------------------------------------------------------------------- #
# elementary pieces
# --------------------------------------------------------------------------- #
def project_ball(x, radius: float = 1.0) -> np.ndarray:
    """Euclidean projection onto the ball ``{||x|| <= radius}``.

    ``Pi(x) = x * min(1, radius / ||x||)`` along the last axis; ``(..., d) -> (..., d)``.
    Used by every learner of this module (paper, Algorithm 1, projection step).

    Examples
    --------
    >>> project_ball([3.0, 4.0], radius=1.0).round(12).tolist()
    [0.6, 0.8]
    """
    xa = _finite("x", x)
    r = V.positive("radius", radius)
    nrm = np.linalg.norm(xa, axis=-1, keepdims=True)
    scale = np.minimum(1.0, r / np.maximum(nrm, np.finfo(float).tiny))
    return xa * scale


def _proj(x: np.ndarray, radius: float) -> np.ndarray:
    """Unvalidated :func:`project_ball` for the hot loops (callers trust their inputs)."""
    nrm = np.sqrt(np.einsum("...i,...i->...", x, x))[..., None]
    return x * np.minimum(1.0, radius / np.maximum(nrm, np.finfo(float).tiny))


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def logcosh(z) -> np.ndarray:
    """Stable ``log cosh z = |z| + log1p(exp(-2|z|)) - log 2`` (elementwise, finite ``z``).

    Examples
    --------
    >>> logcosh([0.0, -800.0]).round(6).tolist()
    [0.0, 799.306853]
    """
    return _logcosh(V.array("z", z))


def _logcosh(z: np.ndarray) -> np.ndarray:
    z = np.abs(z)
    return z + np.log1p(np.exp(-2.0 * z)) - np.log(2.0)
