"""Answering mechanisms (empirical, Gaussian, Laplace), their calibrations, and the
cube data and halfspace queries (part of :mod:`theorylab.adaptive`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _validate as V
from ._core import (
    _check_rng,
    _nonneg_float,
    _pos_int,
    _prob,
    validate_query_values,
)


# --------------------------------------------------------------------------- #
# mechanisms
# --------------------------------------------------------------------------- #
def empirical_answers(values: Any) -> np.ndarray:
    """The empirical mechanism: ``a_j = E_S[phi_j] = (1/n) sum_i phi_j(x_i)``.

    Parameters
    ----------
    values : array_like, shape ``(..., n, m)`` in ``[0, 1]``.

    Returns
    -------
    ndarray, shape ``(..., m)``.

    Notes
    -----
    Accurate for ``m`` *fixed* queries once ``n >= ln(2m/beta) / (2 tau^2)`` (Hoeffding
    plus a union bound, :func:`hoeffding_radius`); under adaptivity it can need
    ``n ~ m`` (:func:`sign_vote_attack`). Dwork et al. (STOC 2015), Section 1.

    Examples
    --------
    >>> empirical_answers([[0.0, 1.0], [1.0, 1.0]]).tolist()
    [0.5, 1.0]
    """
    return validate_query_values(values).mean(axis=-2)


def gaussian_answers(values: Any, *, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise addition: ``a_j = E_S[phi_j] + Z_j``, ``Z_j ~ N(0, scale^2)`` i.i.d.

    Parameters
    ----------
    values : array_like, shape ``(..., n, m)`` in ``[0, 1]``.
    scale : float >= 0
        Standard deviation ``s`` of the noise on the ``[0, 1]`` answer scale (see
        :func:`gaussian_scale` for a differential-privacy calibration).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape ``(..., m)``.

    Examples
    --------
    >>> gaussian_answers([[0.0, 1.0], [1.0, 1.0]], scale=0.0, rng=np.random.default_rng(0)).tolist()
    [0.5, 1.0]
    """
    s = _nonneg_float("scale", scale)
    _check_rng(rng)
    a = empirical_answers(values)
    return a + s * rng.standard_normal(a.shape)


def laplace_answers(values: Any, *, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Laplace noise addition: ``a_j = E_S[phi_j] + Z_j``, ``Z_j ~ Lap(b)`` i.i.d.

    ``Lap(b)`` has density ``exp(-|z|/b) / (2b)`` and standard deviation ``sqrt(2) b``.
    The Laplace mechanism of the paper (Section 3, with the sensitivity ``1/n`` of
    ``E_S[phi]``; calibration :func:`laplace_scale`).

    Parameters
    ----------
    values : array_like, shape ``(..., n, m)`` in ``[0, 1]``.
    scale : float >= 0
        The Laplace scale ``b`` (not the standard deviation).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape ``(..., m)``.

    Examples
    --------
    >>> laplace_answers([[0.0, 1.0], [1.0, 1.0]], scale=0.0, rng=np.random.default_rng(0)).tolist()
    [0.5, 1.0]
    """
    b = _nonneg_float("scale", scale)
    _check_rng(rng)
    a = empirical_answers(values)
    return a + rng.laplace(0.0, 1.0, size=a.shape) * b


def laplace_scale(n_samples: int, n_queries: int, *, epsilon: float, delta: float = 0.0) -> float:
    """Laplace scale ``b`` that makes ``n_queries`` answers ``(epsilon, delta)``-DP.

    One empirical mean ``E_S[phi]`` has sensitivity ``1/n``, so ``Lap(1/(n eps0))`` is
    ``eps0``-DP per query. Composition over ``m`` queries:

    * ``delta == 0`` (basic composition): ``eps0 = epsilon / m``;
    * ``delta > 0`` (advanced composition, Dwork--Rothblum--Vadhan, in the simple
      sufficient form ``eps0 = epsilon / sqrt(8 m ln(1/delta))`` valid for
      ``epsilon <= 1``).

    Returns ``b = 1 / (n eps0)``. The STOC paper answers queries this way and applies
    its transfer theorem with ``epsilon`` of the order of the target accuracy
    ``tau``; the exact constants of the paper are not reproduced here [inferred].

    Examples
    --------
    >>> laplace_scale(100, 10, epsilon=1.0)  # 1 / (n * epsilon / m)
    0.1
    """
    n = _pos_int("n_samples", n_samples)
    m = _pos_int("n_queries", n_queries)
    eps = _nonneg_float("epsilon", epsilon, positive=True)
    d = _nonneg_float("delta", delta)
    if d >= 1:
        raise ValueError(f"delta must lie in [0, 1); got {delta!r}")
    if d == 0:
        eps0 = eps / m
    else:
        if eps > 1:
            raise ValueError(f"epsilon must be <= 1 for the advanced-composition form; got {epsilon!r}")
        eps0 = eps / math.sqrt(8.0 * m * math.log(1.0 / d))
    return 1.0 / (n * eps0)


def gaussian_scale(n_samples: int, n_queries: int, *, epsilon: float, delta: float) -> float:
    """Gaussian standard deviation ``s`` making ``n_queries`` answers ``(epsilon, delta)``-DP.

    Per query, the Gaussian mechanism with sensitivity ``1/n`` and
    ``s = sqrt(2 ln(1.25/delta0)) / (n eps0)`` is ``(eps0, delta0)``-DP
    (Dwork & Roth 2014, Theorem A.1, ``eps0 < 1``); across ``m`` queries, advanced
    composition with ``delta0 = delta / (2m)`` and ``eps0 = epsilon / sqrt(8 m
    ln(2/delta))`` gives ``(epsilon, delta)``. A standard calibration [inferred: the STOC
    paper states its results for Laplace noise].

    Examples
    --------
    >>> round(gaussian_scale(1000, 10, epsilon=0.5, delta=1e-6), 4)
    0.3977
    """
    n = _pos_int("n_samples", n_samples)
    m = _pos_int("n_queries", n_queries)
    eps = _nonneg_float("epsilon", epsilon, positive=True)
    d = _prob("delta", delta)
    if eps > 1:
        raise ValueError(f"epsilon must be <= 1; got {epsilon!r}")
    delta0 = d / (2.0 * m)
    eps0 = eps / math.sqrt(8.0 * m * math.log(2.0 / d))
    return math.sqrt(2.0 * math.log(1.25 / delta0)) / (n * eps0)


def hoeffding_radius(n_samples: int, n_queries: int, beta: float) -> float:
    """``sqrt(ln(2m/beta) / (2n))``: with probability ``>= 1 - beta`` every one of ``m``
    fixed ``[0, 1]``-valued queries has ``|E_S[phi] - P[phi]|`` below it (Hoeffding's
    inequality and a union bound; the non-adaptive baseline of the paper).

    Examples
    --------
    >>> round(hoeffding_radius(1000, 10, 0.05), 4)
    0.0547
    """
    n = _pos_int("n_samples", n_samples)
    m = _pos_int("n_queries", n_queries)
    b = _prob("beta", beta)
    return math.sqrt(math.log(2.0 * m / b) / (2.0 * n))


# --------------------------------------------------------------------------- #
# data and fixed queries
# --------------------------------------------------------------------------- #
def rademacher_sample(n_samples: int, dim: int, *, rng: np.random.Generator,
                      n_reps: int | None = None) -> np.ndarray:
    """I.i.d. uniform points of the cube ``{-1, +1}^dim``.

    Returns ``(n_samples, dim)`` (or ``(n_reps, n_samples, dim)``) float64 entries ``±1``.

    Examples
    --------
    >>> X = rademacher_sample(4, 3, rng=np.random.default_rng(0))
    >>> X.shape, sorted(set(X.ravel().tolist()))
    ((4, 3), [-1.0, 1.0])
    """
    n = _pos_int("n_samples", n_samples)
    d = _pos_int("dim", dim)
    _check_rng(rng)
    shape = (n, d) if n_reps is None else (_pos_int("n_reps", n_reps), n, d)
    V.elements("n_reps * n_samples * dim", shape)
    out = rng.integers(0, 2, size=shape, dtype=np.int8).astype(np.float64)
    out *= 2.0
    out -= 1.0
    return out


def halfspace_query_values(X: Any, W: Any) -> np.ndarray:
    """Values of the halfspace queries ``phi_j(x) = 1[w_j . x > 0]``.

    Parameters
    ----------
    X : array_like, shape ``(..., n, dim)``
    W : array_like, shape ``(dim, m)`` -- one weight vector per column.

    Returns
    -------
    ndarray ``(..., n, m)`` of 0/1 values. For ``X`` uniform on ``{-1,1}^dim``,
    ``W`` in ``{-1,1}^dim`` and odd ``dim``, ``P[phi_j] = 1/2`` exactly (symmetry
    ``x -> -x`` and no ties).

    Examples
    --------
    >>> halfspace_query_values([[1.0, 1.0], [1.0, -1.0]], [[1.0], [1.0]]).tolist()
    [[1.0], [0.0]]
    """
    Xa = V.array("X", X)
    Wa = V.array("W", W)
    if Xa.ndim < 2 or Wa.ndim != 2 or Xa.shape[-1] != Wa.shape[0]:
        raise ValueError(f"X (..., n, dim) and W (dim, m) do not match; got {Xa.shape} and {Wa.shape}")
    return (Xa @ Wa > 0).astype(np.float64)
