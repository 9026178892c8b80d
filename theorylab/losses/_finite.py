"""Finite distributions, exact risks and the minimizability gaps of the bounded
constant-score class (part of :mod:`theorylab.losses`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ._bounds import minimize_conditional_risk
from ._comp_sum import comp_sum_phi
from ._core import (
    _MAX_SCORE,
    _SUM_TOL,
    _check_n,
    _check_prob,
    _check_scores,
    _check_tau,
    _cond_risk_and_grad,
    _cstar,
)


# --------------------------------------------------------------------------- #
# finite distributions and exact risks (C1b)
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class FiniteDistribution:
    r"""A distribution on a finite input set :math:`\mathcal X = \{x_1..x_m\}` and ``n`` classes.

    Attributes
    ----------
    weights : (m,) the marginal :math:`P(x_i)`, non-negative, summing to 1.
    cond : (m, n) the conditional distributions :math:`p(y | x_i)` (rows sum to 1).
    points : optional (m, d) coordinates of the inputs (for linear hypotheses).

    Examples
    --------
    >>> dist = FiniteDistribution([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]])
    >>> dist.n_classes, round(dist.bayes_risk(), 6)
    (2, 0.15)
    """

    weights: np.ndarray
    cond: np.ndarray
    points: np.ndarray | None = None

    def __post_init__(self) -> None:
        w = V.array("weights", self.weights, ndim=1, nonempty=True, low=0.0)
        if abs(w.sum() - 1.0) > _SUM_TOL:
            raise ValueError(f"weights must sum to 1; got sum {w.sum()!r}")
        c = _check_prob(self.cond, "cond")
        if c.ndim != 2 or c.shape[0] != w.size:
            raise ValueError(f"cond must have shape ({w.size}, n); got {c.shape}")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "cond", c)
        if self.points is not None:
            x = V.array("points", self.points, ndim=2)
            if x.shape[0] != w.size:
                raise ValueError(f"points must be a finite ({w.size}, d) array; got shape {x.shape}")
            object.__setattr__(self, "points", x)

    @property
    def n_classes(self) -> int:
        return int(self.cond.shape[1])

    def bayes_risk(self, tau: float | None = None) -> float:
        r""":math:`E_x[\mathcal C^*_\tau(p(\cdot|x))]`, or :math:`E_x[1 - \max_y p(y|x)]` when ``tau`` is None.

        For the class of all score functions this is :math:`R^*_\tau(H) - M_\tau(H)`
        with :math:`M_\tau = 0`.
        """
        if tau is None:
            return float(self.weights @ (1.0 - self.cond.max(axis=1)))
        return float(self.weights @ _cstar(self.cond, _check_tau(tau)))


def _check_dist_scores(scores, dist: FiniteDistribution) -> np.ndarray:
    if not isinstance(dist, FiniteDistribution):
        raise TypeError(f"dist must be a FiniteDistribution; got {type(dist).__name__}")
    h = _check_scores(scores)
    if h.ndim < 2 or h.shape[-2:] != dist.cond.shape:
        raise ValueError(f"scores must have shape (..., {dist.cond.shape[0]}, {dist.cond.shape[1]}); "
                         f"got {h.shape}")
    return h


def surrogate_risk_exact(scores, dist: FiniteDistribution, tau: float) -> np.ndarray:
    r"""Exact risk :math:`R_\tau(h) = \sum_i P(x_i) \sum_y p(y|x_i)\,\ell_\tau(h(x_i), y)`.

    ``scores (..., m, n)`` (a batch of hypotheses evaluated on the ``m`` points) -> ``(...)``.

    Examples
    --------
    >>> dist = FiniteDistribution([1.0], [[0.5, 0.5]])
    >>> round(float(surrogate_risk_exact(np.zeros((1, 2)), dist, 1.0)), 6)
    0.693147
    """
    tau = _check_tau(tau)
    h = _check_dist_scores(scores, dist)
    cr = _cond_risk_and_grad(h, np.broadcast_to(dist.cond, h.shape), tau)[0]
    return cr @ dist.weights


def zero_one_risk_exact(scores, dist: FiniteDistribution) -> np.ndarray:
    r"""Exact zero-one risk :math:`\sum_i P(x_i)\,(1 - p(h(x_i) | x_i))`, argmax ties to the lowest index.

    ``scores (..., m, n) -> (...)``.

    Examples
    --------
    >>> dist = FiniteDistribution([1.0], [[0.7, 0.3]])
    >>> round(float(zero_one_risk_exact(np.array([[0.0, 1.0]]), dist)), 6)
    0.7
    """
    h = _check_dist_scores(scores, dist)
    pred = np.argmax(h, axis=-1)
    p_pred = np.take_along_axis(np.broadcast_to(dist.cond, h.shape), pred[..., None], axis=-1)[..., 0]
    return (1.0 - p_pred) @ dist.weights


def excess_risks_exact(scores, dist: FiniteDistribution, tau: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Both sides of Theorem 1 for the class of all score functions (complete H, :math:`M = 0`).

    Returns ``(zero_one, surrogate)`` with shapes ``(...)``:
    :math:`R_{0-1}(h) - E_x[1 - \max_y p(y|x)]` and
    :math:`R_\tau(h) - E_x[\mathcal C^*_\tau(p(\cdot|x))]`; Theorem 1 states
    ``zero_one <= gamma_tau(surrogate, tau, n)``.

    Examples
    --------
    >>> dist = FiniteDistribution([1.0], [[0.7, 0.3]])
    >>> zo, sur = excess_risks_exact(np.array([[0.0, 1.0]]), dist, 1.0)
    >>> round(float(zo), 6), bool(sur > 0)
    (0.4, True)
    """
    zo = zero_one_risk_exact(scores, dist) - dist.bayes_risk(None)
    sur = surrogate_risk_exact(scores, dist, tau) - dist.bayes_risk(tau)
    return zo, sur


# --------------------------------------------------------------------------- #
# minimizability gaps of the bounded constant-score class (C5)
# --------------------------------------------------------------------------- #
def gap_constant_class(
    prior, taus, *, score_bound: float, n_restarts: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""Minimizability gaps of :math:`H_c = \{h(x, y) = b_y : b \in [-\Lambda, \Lambda]^n\}`.

    With deterministic labels of prior :math:`\pi`, the best-in-class risk is
    :math:`R^*_\tau(H_c) = \min_{b \in [-\Lambda,\Lambda]^n} \sum_y \pi_y \ell_\tau(b, y)`
    (a conditional risk at :math:`p = \pi`, minimised by L-BFGS-B from ``n_restarts``
    random starts) and the pointwise infimum is
    :math:`\Phi^\tau((n-1)e^{-2\Lambda})` (paper, Section 4, bounded hypothesis sets), so

    .. math:: \mathcal M_\tau(H_c) = R^*_\tau(H_c) - \Phi^\tau((n-1) e^{-2\Lambda}).

    Parameters
    ----------
    prior : (n,) class prior :math:`\pi`.
    taus : (k,) values of :math:`\tau`.
    score_bound : :math:`\Lambda > 0`.

    Returns
    -------
    gaps : (k,) :math:`\mathcal M_\tau(H_c)`; best_risk : (k,) :math:`R^*_\tau(H_c)`.

    Examples
    --------
    >>> g, _ = gap_constant_class(np.full(3, 1 / 3), [1.0], score_bound=2.0, n_restarts=2,
    ...                           rng=np.random.default_rng(0))
    >>> round(float(g[0]), 8) == round(gap_constant_class_uniform(3, 1.0, score_bound=2.0), 8)
    True
    """
    V.rng(rng)
    pi = _check_prob(prior, "prior")
    if pi.ndim != 1:
        raise ValueError(f"prior must be 1-D (n,); got shape {pi.shape}")
    if pi.size > 10_000:
        raise ValueError(f"prior: at most 10000 classes here (an n x n Hessian per restart); got {pi.size}")
    tv = np.atleast_1d(V.array("taus", taus, low=0.0))
    if tv.ndim != 1 or tv.size == 0:
        raise ValueError(f"taus must be a non-empty 1-D array of finite values >= 0; got shape {tv.shape}")
    lam = V.real("score_bound", score_bound, low=0.0, low_open=True, high=_MAX_SCORE)
    r = V.count("n_restarts", n_restarts)
    n = pi.size
    V.elements("taus.size * n_restarts * n * n", (tv.size, r, n, n))
    p = np.broadcast_to(pi, (tv.size * r, n))
    tau_rows = np.repeat(tv, r)
    x0 = rng.uniform(-lam, lam, size=p.shape)
    _, val = minimize_conditional_risk(p, tau_rows, x0=x0, lower=-lam, upper=lam)
    best = val.reshape(tv.size, r).min(axis=1)
    floor = np.array([float(comp_sum_phi((n - 1) * math.exp(-2 * lam), float(tv_i))) for tv_i in tv])
    return best - floor, best


def gap_constant_class_uniform(n: int, tau: float, *, score_bound: float) -> float:
    r"""Closed form of :func:`gap_constant_class` for the uniform prior.

    By symmetry the best constant scores are equal, so
    :math:`\mathcal M_\tau = \Phi^\tau(n-1) - \Phi^\tau((n-1)e^{-2\Lambda})
    = \int_{(n-1)e^{-2\Lambda}}^{n-1} (1+u)^{-\tau}\,du`.

    Examples
    --------
    >>> round(gap_constant_class_uniform(2, 1.0, score_bound=1.0), 6)  # log 2 - log(1 + e^-2)
    0.566219
    """
    n = _check_n(n)
    tau = _check_tau(tau)
    lam = V.real("score_bound", score_bound, low=0.0, low_open=True, high=_MAX_SCORE)
    return float(comp_sum_phi(n - 1.0, tau) - comp_sum_phi((n - 1.0) * math.exp(-2 * lam), tau))


def zero_one_gap_constant_class(prior) -> float:
    r"""Zero-one minimizability gap of the constant-score class: :math:`1 - \max_y \pi_y`.

    Examples
    --------
    >>> zero_one_gap_constant_class([0.5, 0.3, 0.2])
    0.5
    """
    pi = _check_prob(prior, "prior")
    if pi.ndim != 1:
        raise ValueError(f"prior must be 1-D (n,); got shape {pi.shape}")
    return float(1.0 - pi.max())
