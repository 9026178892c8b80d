"""Adaptive data analysis: statistical queries, answering mechanisms, the sign-vote
attack and the reusable holdout (Thresholdout).

Reference: C. Dwork, V. Feldman, M. Hardt, T. Pitassi, O. Reingold, A. Roth,
*Preserving Statistical Validity in Adaptive Data Analysis*, STOC 2015
(arXiv:1411.2664), and its companion *The reusable holdout: Preserving validity in
adaptive data analysis*, Science 349 (2015). Used by the notebook
``notebooks/learning-theory/adaptive-data-analysis.md``.

Vocabulary
----------
A *statistical query* is a function ``phi: X -> [0, 1]``; on a data set
``S = (x_1, ..., x_n)`` its empirical value is ``E_S[phi] = (1/n) sum_i phi(x_i)`` and its
population value is ``P[phi] = E_{x ~ P} phi(x)``. Throughout, a batch of ``m`` queries
evaluated on ``n`` rows is an array of *query values* of shape ``(..., n, m)`` (rows =
samples, columns = queries, optional leading axes = independent repetitions); a
*mechanism* maps it to ``m`` answers, shape ``(..., m)``.

Mechanisms
----------
* :func:`empirical_answers` -- ``a_j = E_S[phi_j]``.
* :func:`gaussian_answers` / :func:`laplace_answers` -- ``a_j = E_S[phi_j] + Z_j`` with
  ``Z_j ~ N(0, s^2)`` or ``Lap(b)``; calibrations :func:`gaussian_scale`,
  :func:`laplace_scale` (differential privacy of the answers, which the paper's
  transfer theorem turns into generalisation).
* Thresholdout (:func:`thresholdout_init`, :func:`thresholdout_answer`, the thin
  stateful wrapper :class:`Thresholdout`) with budget accounting and the documented
  exception :class:`BudgetExhausted`.

Analysts
--------
* :func:`sign_vote_attack` -- the adaptive attack that breaks the empirical mean after
  about ``n`` queries.
* :func:`reusable_holdout_experiment` -- the Science paper's feature-selection
  experiment with a standard holdout and with Thresholdout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Literal

import numpy as np
from scipy import special, stats

__all__ = [
    "BudgetExhausted",
    "query_values",
    "validate_query_values",
    "empirical_answers",
    "gaussian_answers",
    "laplace_answers",
    "laplace_scale",
    "gaussian_scale",
    "hoeffding_radius",
    "rademacher_sample",
    "halfspace_query_values",
    "sign_vote_attack",
    "sign_vote_truth",
    "sign_vote_bias_theory",
    "sign_vote_attack_thresholdout",
    "ThresholdoutState",
    "thresholdout_init",
    "thresholdout_answer",
    "thresholdout_parameters",
    "Thresholdout",
    "reusable_holdout_experiment",
]

NoiseKind = Literal["laplace", "gaussian"]


class BudgetExhausted(RuntimeError):
    """Thresholdout's overfitting budget ``B`` is used up (the paper's output ``⊥``).

    Raised by :func:`thresholdout_answer` (and :class:`Thresholdout`) when a query
    arrives while the remaining budget is below 1. Attributes:

    ``answers``
        the answers given to the queries of the current batch before the budget ran
        out, shape ``(n_answered,)``;
    ``over``
        their over-threshold flags, shape ``(n_answered,)``;
    ``n_answered``
        how many queries of the batch were answered;
    ``state``
        the :class:`ThresholdoutState` after those answers (``budget == 0``).
    """

    def __init__(self, message: str, *, answers: np.ndarray, over: np.ndarray,
                 state: "ThresholdoutState") -> None:
        super().__init__(message)
        self.answers = answers
        self.over = over
        self.n_answered = int(answers.shape[0])
        self.state = state


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    return rng


def _pos_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    v = int(value)
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {v}")
    return v


def _nonneg_float(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number; got bool")
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}") from exc
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        rel = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {rel}; got {value!r}")
    return v


def _prob(name: str, value: Any) -> float:
    v = _nonneg_float(name, value)
    if not 0 < v < 1:
        raise ValueError(f"{name} must lie in (0, 1); got {value!r}")
    return v


def validate_query_values(values: Any, *, name: str = "values") -> np.ndarray:
    """Check that an array of statistical-query values is finite and in ``[0, 1]``.

    Parameters
    ----------
    values : array_like, shape ``(..., n, m)``
        ``values[..., i, j] = phi_j(x_i)``.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray of float64, same shape.

    Raises
    ------
    TypeError
        If ``values`` is not numeric.
    ValueError
        If it has fewer than 2 dimensions, zero rows (``n < 1``) or zero queries,
        non-finite entries, or entries outside ``[0, 1]`` (a statistical query maps to
        ``[0, 1]``; Section 2 of the paper).
    """
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; got {type(values).__name__}") from exc
    if a.ndim < 2:
        raise ValueError(f"{name} must have shape (..., n_samples, n_queries); got shape {a.shape}")
    if a.shape[-2] < 1:
        raise ValueError(f"{name} must have n_samples >= 1 rows; got {a.shape[-2]}")
    if a.shape[-1] < 1:
        raise ValueError(f"{name} must hold at least one query (last axis); got {a.shape[-1]}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite query values (nan or inf)")
    if a.size and (a.min() < 0.0 or a.max() > 1.0):
        raise ValueError(
            f"{name} must lie in [0, 1] (statistical queries are [0, 1]-valued); "
            f"got range [{a.min():.4g}, {a.max():.4g}]"
        )
    return a


def query_values(queries: Callable[[np.ndarray], Any], X: Any) -> np.ndarray:
    """Evaluate a (batch of) statistical queries on every row of a data set.

    Parameters
    ----------
    queries : callable
        Vectorised over rows: ``queries(X)`` with ``X`` of shape ``(n, dim)`` returns
        ``(n,)`` (one query) or ``(n, m)`` (``m`` queries) values in ``[0, 1]``.
    X : array_like, shape ``(n, dim)``
        The data set, ``n >= 1``.

    Returns
    -------
    ndarray, shape ``(n, m)`` -- validated by :func:`validate_query_values`.
    """
    if not callable(queries):
        raise TypeError(f"queries must be callable; got {type(queries).__name__}")
    Xa = np.asarray(X)
    if Xa.ndim != 2:
        raise ValueError(f"X must have shape (n_samples, dim); got {Xa.shape}")
    if Xa.shape[0] < 1:
        raise ValueError(f"X must have n_samples >= 1 rows; got {Xa.shape[0]}")
    out = np.asarray(queries(Xa), dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != Xa.shape[0]:
        raise ValueError(
            f"queries(X) must return shape (n_samples,) or (n_samples, m) = ({Xa.shape[0]}, m); "
            f"got {out.shape}"
        )
    return validate_query_values(out, name="queries(X)")


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
    inequality and a union bound; the non-adaptive baseline of the paper)."""
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
    """
    n = _pos_int("n_samples", n_samples)
    d = _pos_int("dim", dim)
    _check_rng(rng)
    shape = (n, d) if n_reps is None else (_pos_int("n_reps", n_reps), n, d)
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
    """
    Xa = np.asarray(X, dtype=np.float64)
    Wa = np.asarray(W, dtype=np.float64)
    if Xa.ndim < 2 or Wa.ndim != 2 or Xa.shape[-1] != Wa.shape[0]:
        raise ValueError(f"X (..., n, dim) and W (dim, m) do not match; got {Xa.shape} and {Wa.shape}")
    return (Xa @ Wa > 0).astype(np.float64)


# --------------------------------------------------------------------------- #
# the sign-vote attack
# --------------------------------------------------------------------------- #
def sign_vote_truth(signs: Any) -> np.ndarray:
    """Exact ``P[phi*]`` of the final attack query under the uniform cube.

    ``phi*(x) = 1[sum_i s_i x_i > 0]`` with ``x`` uniform on ``{-1,1}^d`` and
    ``s_i in {-1, 0, 1}``; with ``k = #{i: s_i != 0}``,
    ``P[phi*] = P(Bin(k, 1/2) > k/2)`` (``= 1/2`` exactly for odd ``k``).

    Parameters
    ----------
    signs : array_like, shape ``(..., d)``

    Returns
    -------
    ndarray, shape ``(...)``.
    """
    s = np.asarray(signs, dtype=np.float64)
    k = np.count_nonzero(s, axis=-1)
    # P(Bin(k,1/2) > k/2) = sf(floor(k/2))
    return stats.binom.sf(np.floor(k / 2.0), k, 0.5)


def sign_vote_bias_theory(n_samples: Any, dim: Any, scale: Any = 0.0) -> np.ndarray:
    """Predicted bias ``E_S[phi*] - 1/2`` of the sign-vote attack.

    ``Phi_N( sqrt( 2 d / (pi n (1 + 4 n s^2)) ) ) - 1/2`` where ``s`` is the standard
    deviation of Gaussian noise added to the coordinate answers (``s = 0``: the empirical
    mechanism). Derivation (catalogue, [derived]): the vote ``s_i`` correlates with each
    row's ``x_i`` by ``sqrt(2/pi) / sqrt(n (1 + 4 n s^2))``; summing ``d`` such terms
    with unit variance and a normal approximation gives the formula. Broadcasts.
    """
    n = np.asarray(n_samples, dtype=np.float64)
    d = np.asarray(dim, dtype=np.float64)
    s = np.asarray(scale, dtype=np.float64)
    if np.any(n < 1) or np.any(d < 1) or np.any(s < 0) or not (
        np.all(np.isfinite(n)) and np.all(np.isfinite(d)) and np.all(np.isfinite(s))
    ):
        raise ValueError("n_samples >= 1, dim >= 1 and scale >= 0 must be finite")
    z = np.sqrt(2.0 * d / (np.pi * n * (1.0 + 4.0 * n * s**2)))
    return 0.5 * special.erfc(-z / np.sqrt(2.0)) - 0.5


def sign_vote_attack(
    X: Any,
    *,
    mechanism: Literal["empirical", "gaussian", "laplace"] = "empirical",
    scale: float = 0.0,
    rng: np.random.Generator,
    prefix: bool = False,
) -> dict[str, np.ndarray]:
    """The adaptive sign-vote attack on a mechanism answering statistical queries.

    The data set ``X`` (``n`` rows of ``{-1,1}^d``) is held by the mechanism. The
    analyst asks the ``d`` coordinate queries ``phi_i(x) = (1 + x_i)/2`` (``P[phi_i] =
    1/2``), receives ``a_i``, sets ``s_i = sgn(a_i - 1/2)`` (ties broken to ``+1``) and
    asks the final query ``phi*(x) = 1[sum_i s_i x_i > 0]``, whose population value is
    exactly ``1/2`` for odd ``d`` (:func:`sign_vote_truth`). The empirical mechanism
    answers ``E_S[phi*] ≈ Phi_N(sqrt(2d/(pi n)))`` (:func:`sign_vote_bias_theory`), a
    constant error once ``d ~ n``: the empirical mean fails after about ``n``
    adaptive queries (Dwork et al. 2015, Section 1; attack formula [derived]).

    Parameters
    ----------
    X : array_like, shape ``(..., n, d)`` with entries ``±1``
        Leading axes are independent repetitions (vectorised).
    mechanism : {"empirical", "gaussian", "laplace"}
        How *every* query (the ``d`` coordinate ones and the final one) is answered.
    scale : float >= 0
        Noise standard deviation (gaussian) or Laplace scale ``b`` (laplace).
    rng : numpy.random.Generator
    prefix : bool
        If ``True``, also evaluate the attack truncated to the first ``k`` coordinates
        for every ``k = 1..d`` (the analyst stops after ``k`` queries): outputs gain a
        last axis of length ``d`` indexed by ``k - 1``, computed with one cumulative sum.

    Returns
    -------
    dict with

    ``answers`` ``(..., d)``
        the coordinate answers ``a_i``;
    ``signs`` ``(..., d)``
        the votes ``s_i``;
    ``final_empirical`` ``(...)`` or ``(..., d)``
        ``E_S[phi*]``;
    ``final_answer`` ``(...)`` or ``(..., d)``
        the mechanism's answer ``a*`` to ``phi*`` (``E_S[phi*]`` plus its own noise);
    ``truth`` ``(...)`` or ``(..., d)``
        exact ``P[phi*]``;
    ``coord_max_error`` ``(...)`` or ``(..., d)``
        ``max_{i <= k} |a_i - 1/2|`` over the coordinate queries.
    """
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim < 2:
        raise ValueError(f"X must have shape (..., n_samples, dim); got {Xa.shape}")
    if Xa.shape[-2] < 1 or Xa.shape[-1] < 1:
        raise ValueError(f"X must have n_samples >= 1 and dim >= 1; got {Xa.shape}")
    if not np.all((Xa == 1.0) | (Xa == -1.0)):
        raise ValueError("X must have entries in {-1, +1}")
    if mechanism not in ("empirical", "gaussian", "laplace"):
        raise ValueError(f"mechanism must be 'empirical', 'gaussian' or 'laplace'; got {mechanism!r}")
    s = _nonneg_float("scale", scale)
    _check_rng(rng)
    if mechanism == "empirical":
        s = 0.0

    def noise(shape: tuple[int, ...]) -> np.ndarray:
        if s == 0.0:
            return np.zeros(shape)
        if mechanism == "gaussian":
            return s * rng.standard_normal(shape)
        return s * rng.laplace(0.0, 1.0, size=shape)

    answers = (1.0 + Xa.mean(axis=-2)) / 2.0 + noise(Xa.shape[:-2] + Xa.shape[-1:])
    signs = np.where(answers >= 0.5, 1.0, -1.0)
    coord_err = np.abs(answers - 0.5)
    if prefix:
        margins = Xa * signs[..., None, :]
        np.cumsum(margins, axis=-1, out=margins)  # (..., n, d): sum_{i<=k} s_i x_i
        final_emp = (margins > 0).mean(axis=-2)  # (..., d)
        k = np.arange(1, Xa.shape[-1] + 1)
        truth = np.broadcast_to(stats.binom.sf(np.floor(k / 2.0), k, 0.5), final_emp.shape).copy()
        coord_max = np.maximum.accumulate(coord_err, axis=-1)
    else:
        margins = np.matmul(Xa, signs[..., :, None])[..., 0]  # (..., n): sum_i s_i x_i
        final_emp = (margins > 0).mean(axis=-1)
        truth = sign_vote_truth(signs)
        coord_max = coord_err.max(axis=-1)
    return {
        "answers": answers,
        "signs": signs,
        "final_empirical": final_emp,
        "final_answer": final_emp + noise(final_emp.shape),
        "truth": truth,
        "coord_max_error": coord_max,
    }


# --------------------------------------------------------------------------- #
# Thresholdout
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class ThresholdoutState:
    """State of a Thresholdout run (immutable; :func:`thresholdout_answer` returns a
    new one).

    Attributes
    ----------
    threshold : float
        ``T``.
    sigma : float
        Noise rate ``sigma``.
    noise : {"laplace", "gaussian"}
        Noise family (see :func:`thresholdout_answer`).
    budget : int
        Remaining overfitting budget ``B``.
    gamma : float
        The current threshold noise (``T_hat = T + gamma``).
    n_answered : int
        Queries answered so far.
    n_over : int
        Over-threshold events so far (budget spent).
    """

    threshold: float
    sigma: float
    noise: str
    budget: int
    gamma: float
    n_answered: int = 0
    n_over: int = 0

    @property
    def threshold_hat(self) -> float:
        """The current noisy threshold ``T + gamma``."""
        return self.threshold + self.gamma


def _draw(noise: str, scale: float, size: Any, rng: np.random.Generator) -> np.ndarray:
    """Laplace noise ``Lap(scale)`` or Gaussian noise ``N(0, scale^2)``."""
    if noise == "laplace":
        return scale * rng.laplace(0.0, 1.0, size=size)
    return scale * rng.standard_normal(size)


def thresholdout_init(*, threshold: float, sigma: float, budget: int, rng: np.random.Generator,
                      noise: NoiseKind = "laplace") -> ThresholdoutState:
    """Start Thresholdout: draw ``gamma ~ Lap(2 sigma)`` and set ``T_hat = T + gamma``.

    Parameters
    ----------
    threshold : float >= 0
        ``T`` (Theorem 9 of the CACM version: ``T = 3 tau / 4``; the Science experiment:
        ``T = 4/sqrt(n) = 0.04`` at ``n = 10^4``).
    sigma : float >= 0
        Noise rate (Theorem 9: ``sigma = tau / (96 ln(4m/beta))``; the Science experiment:
        ``1/sqrt(n) = 0.01``).
    budget : int >= 0
        Overfitting budget ``B`` (number of over-threshold answers allowed).
    rng : numpy.random.Generator
    noise : {"laplace", "gaussian"}
        ``"laplace"`` (default): the algorithm as published -- ``gamma ~ Lap(2 sigma)``,
        ``eta ~ Lap(4 sigma)``, ``xi ~ Lap(sigma)``. ``"gaussian"``: the variant of the
        Science paper's supplementary code -- no threshold noise (``gamma = 0``),
        ``eta, xi ~ N(0, sigma^2)``.
    """
    T = _nonneg_float("threshold", threshold)
    sg = _nonneg_float("sigma", sigma)
    B = _pos_int("budget", budget, minimum=0)
    _check_rng(rng)
    if noise not in ("laplace", "gaussian"):
        raise ValueError(f"noise must be 'laplace' or 'gaussian'; got {noise!r}")
    gamma = float(_draw(noise, 2.0 * sg, None, rng)) if noise == "laplace" else 0.0
    return ThresholdoutState(threshold=T, sigma=sg, noise=noise, budget=B, gamma=gamma)


def thresholdout_answer(
    train_means: Any,
    holdout_means: Any,
    state: ThresholdoutState,
    *,
    rng: np.random.Generator,
    on_exhausted: Literal["raise", "stop"] = "raise",
) -> tuple[np.ndarray, np.ndarray, ThresholdoutState]:
    """Answer a sequence of queries with Thresholdout (in order, exactly as if one at a time).

    For each query ``phi_j`` with training mean ``t_j = E_{S_t}[phi_j]`` and holdout mean
    ``h_j = E_{S_h}[phi_j]`` (CACM 2017, Figure 1; Science 2015):

    1. if the budget ``B < 1``: output ``⊥`` -- here :class:`BudgetExhausted` is raised
       (``on_exhausted="raise"``) or the batch stops (``"stop"``);
    2. draw ``eta ~ Lap(4 sigma)``;
    3. if ``|h_j - t_j| > T_hat + eta``: draw ``xi ~ Lap(sigma)``, output ``h_j + xi``,
       ``B <- B - 1``, redraw ``gamma ~ Lap(2 sigma)``, ``T_hat = T + gamma``;
    4. otherwise output ``t_j``.

    Vectorised: between two over-threshold events ``T_hat`` is constant, so the next
    event is found with one array comparison; the Python loop runs once per
    over-threshold event (at most ``B`` times), never once per query or sample.

    Parameters
    ----------
    train_means, holdout_means : array_like, shape ``(m,)``
        Empirical values of the ``m`` queries on the training and holdout sets (finite;
        the theorem assumes ``[0, 1]``-valued queries, the Science experiment also
        feeds correlations).
    state : ThresholdoutState
        From :func:`thresholdout_init` or a previous call.
    rng : numpy.random.Generator
    on_exhausted : {"raise", "stop"}
        What to do when a query arrives with ``B < 1``.

    Returns
    -------
    answers : ndarray ``(m_answered,)``
    over : bool ndarray ``(m_answered,)`` -- which answers came from the holdout
    state : ThresholdoutState -- the state after the batch

    Raises
    ------
    BudgetExhausted
        ``on_exhausted="raise"`` and a query arrived with ``B < 1``; the exception
        carries the answers given before it.
    """
    if not isinstance(state, ThresholdoutState):
        raise TypeError(f"state must be a ThresholdoutState; got {type(state).__name__}")
    _check_rng(rng)
    if on_exhausted not in ("raise", "stop"):
        raise ValueError(f"on_exhausted must be 'raise' or 'stop'; got {on_exhausted!r}")
    t = np.asarray(train_means, dtype=np.float64)
    h = np.asarray(holdout_means, dtype=np.float64)
    if t.ndim != 1 or h.shape != t.shape:
        raise ValueError(
            f"train_means and holdout_means must be 1-D of equal length; got {t.shape} and {h.shape}"
        )
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(h))):
        raise ValueError("train_means and holdout_means must be finite")
    m = t.size
    sg, T = state.sigma, state.threshold
    gap = np.abs(h - t)
    eta = _draw(state.noise, 4.0 * sg if state.noise == "laplace" else sg, m, rng)
    xi = _draw(state.noise, sg, m, rng)
    answers = t.copy()
    over = np.zeros(m, dtype=bool)
    budget, gamma, n_over = state.budget, state.gamma, state.n_over
    pos = 0
    while pos < m:
        if budget < 1:
            new_state = replace(state, budget=budget, gamma=gamma,
                                n_answered=state.n_answered + pos, n_over=n_over)
            if on_exhausted == "stop":
                return answers[:pos], over[:pos], new_state
            raise BudgetExhausted(
                f"Thresholdout budget exhausted after {n_over} over-threshold answers: "
                f"query {pos} of this batch (query {state.n_answered + pos} overall) gets ⊥",
                answers=answers[:pos].copy(), over=over[:pos].copy(), state=new_state,
            )
        hit = gap[pos:] > T + gamma + eta[pos:]
        if not hit.any():
            break
        j = pos + int(np.argmax(hit))
        answers[j] = h[j] + xi[j]
        over[j] = True
        budget -= 1
        n_over += 1
        if state.noise == "laplace":
            gamma = float(_draw("laplace", 2.0 * sg, None, rng))
        pos = j + 1
    new_state = replace(state, budget=budget, gamma=gamma, n_answered=state.n_answered + m, n_over=n_over)
    return answers, over, new_state


def thresholdout_parameters(tau: float, n_queries: int, beta: float) -> tuple[float, float]:
    """Theorem 9 of Dwork et al. (CACM 2017): ``T = 3 tau / 4``,
    ``sigma = tau / (96 ln(4 m / beta))``. Returns ``(T, sigma)``."""
    ta = _nonneg_float("tau", tau, positive=True)
    m = _pos_int("n_queries", n_queries)
    b = _prob("beta", beta)
    return 0.75 * ta, ta / (96.0 * math.log(4.0 * m / b))


class Thresholdout:
    """Stateful convenience wrapper around :func:`thresholdout_answer` for an analyst
    who chooses each query after seeing the previous answers.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> tho = Thresholdout(threshold=0.04, sigma=0.01, budget=2, rng=rng)
    >>> float(tho.answer(0.5, 0.5))  # no overfitting: the training value is returned
    0.5
    """

    def __init__(self, *, threshold: float, sigma: float, budget: int, rng: np.random.Generator,
                 noise: NoiseKind = "laplace") -> None:
        self.rng = _check_rng(rng)
        self.state = thresholdout_init(threshold=threshold, sigma=sigma, budget=budget, rng=rng, noise=noise)

    @property
    def budget(self) -> int:
        """Remaining budget ``B``."""
        return self.state.budget

    def answer(self, train_mean: Any, holdout_mean: Any) -> np.ndarray:
        """Answer one query (scalars) or a batch (1-D arrays), in order. Raises
        :class:`BudgetExhausted` when a query arrives with ``B < 1`` (the state then
        reflects the answers given before it)."""
        t = np.atleast_1d(np.asarray(train_mean, dtype=np.float64))
        h = np.atleast_1d(np.asarray(holdout_mean, dtype=np.float64))
        try:
            ans, _, self.state = thresholdout_answer(t, h, self.state, rng=self.rng)
        except BudgetExhausted as exc:
            self.state = exc.state
            raise
        return ans[0] if np.ndim(train_mean) == 0 else ans


def sign_vote_attack_thresholdout(
    X_train: Any,
    X_holdout: Any,
    *,
    threshold: float,
    sigma: float,
    budget: int,
    rng: np.random.Generator,
    noise: NoiseKind = "laplace",
) -> dict[str, np.ndarray]:
    """The sign-vote attack (:func:`sign_vote_attack`) against Thresholdout.

    Thresholdout holds a training set and a holdout set (both uniform on
    ``{-1,1}^d``); each of the ``d`` coordinate queries and the final query ``phi*`` is
    answered by :func:`thresholdout_answer` (one run per repetition, budget ``budget``).

    Parameters
    ----------
    X_train, X_holdout : array_like, shape ``(r, n, d)`` (or ``(n, d)``), entries ``±1``
    threshold, sigma, budget, noise
        Thresholdout parameters (:func:`thresholdout_init`).
    rng : numpy.random.Generator

    Returns
    -------
    dict with ``answers`` ``(r, d)``, ``signs`` ``(r, d)``, ``final_answer`` ``(r,)``,
    ``final_holdout`` ``(r,)`` (``E_{S_h}[phi*]``), ``final_train`` ``(r,)``,
    ``truth`` ``(r,)``, ``coord_max_error`` ``(r,)``, ``n_over`` ``(r,)``; entries are
    ``nan`` for a repetition whose budget ran out (then ``exhausted`` is ``True``).

    Notes
    -----
    Loops over the ``r`` repetitions (each a sequential Thresholdout run); everything
    inside a repetition is vectorised over samples and queries.
    """
    Xt = np.asarray(X_train, dtype=np.float64)
    Xh = np.asarray(X_holdout, dtype=np.float64)
    if Xt.ndim == 2:
        Xt, Xh = Xt[None], Xh[None]
    if Xt.ndim != 3 or Xh.shape != Xt.shape:
        raise ValueError(f"X_train and X_holdout must both have shape (r, n, d); got {Xt.shape} and {Xh.shape}")
    if not (np.all(np.abs(Xt) == 1.0) and np.all(np.abs(Xh) == 1.0)):
        raise ValueError("X_train and X_holdout must have entries in {-1, +1}")
    _check_rng(rng)
    r, _, d = Xt.shape
    out = {k: np.full(r, np.nan) for k in ("final_answer", "final_holdout", "final_train", "truth",
                                              "coord_max_error", "n_over")}
    out["answers"] = np.full((r, d), np.nan)
    out["signs"] = np.full((r, d), np.nan)
    out["exhausted"] = np.zeros(r, dtype=bool)
    t_coord = (1.0 + Xt.mean(axis=1)) / 2.0  # (r, d)
    h_coord = (1.0 + Xh.mean(axis=1)) / 2.0
    for i in range(r):
        state = thresholdout_init(threshold=threshold, sigma=sigma, budget=budget, rng=rng, noise=noise)
        try:
            a, _, state = thresholdout_answer(t_coord[i], h_coord[i], state, rng=rng)
            signs = np.where(a >= 0.5, 1.0, -1.0)
            ft = float(np.mean(Xt[i] @ signs > 0))
            fh = float(np.mean(Xh[i] @ signs > 0))
            af, _, state = thresholdout_answer(np.array([ft]), np.array([fh]), state, rng=rng)
        except BudgetExhausted:
            out["exhausted"][i] = True
            continue
        out["answers"][i], out["signs"][i] = a, signs
        out["final_answer"][i], out["final_holdout"][i], out["final_train"][i] = af[0], fh, ft
        out["truth"][i] = float(sign_vote_truth(signs))
        out["coord_max_error"][i] = float(np.abs(a - 0.5).max())
        out["n_over"][i] = state.n_over
    return out


# --------------------------------------------------------------------------- #
# the reusable-holdout experiment (Science 2015)
# --------------------------------------------------------------------------- #
def _gaussian_data(n: int, d: int, n_signal: int, shift: float, rng: np.random.Generator):
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    X = rng.standard_normal((n, d))
    if n_signal:
        X[:, :n_signal] += shift * y[:, None]
    return X, y


def reusable_holdout_experiment(
    n_samples: int,
    dim: int,
    ks: Any,
    *,
    rng: np.random.Generator,
    n_signal: int = 0,
    signal: float | None = None,
    thresholdouts: dict[str, dict[str, Any]] | None = None,
) -> dict[str, np.ndarray]:
    """One run of the Science (2015) reusable-holdout experiment, both arms.

    Data: ``n`` training, ``n`` holdout rows, ``x ~ N(0, I_dim)``, labels ``y`` uniform
    on ``±1``; with ``n_signal > 0`` the first ``n_signal`` features are shifted by
    ``signal * y`` (default ``6/sqrt(n)``, i.e. 0.06 at ``n = 10^4``). The analyst

    1. computes the correlations ``c_j = E[x_j y]`` on training (``c^t``) and holdout
       (``c^h``; the *standard* arm reads them exactly, the *Thresholdout* arm through
       Thresholdout, one query per feature);
    2. keeps features with ``|c^t_j| > 1/sqrt(n)`` and ``|c^h_j| > 1/sqrt(n)`` of the same
       sign, ranks them by ``|c^t_j|``;
    3. for each ``k`` in ``ks``: classifier ``sgn(sum_{j in top k} sgn(c^t_j) x_j)``,
       reports training accuracy, holdout accuracy (exact or via Thresholdout, which
       continues the same run and budget) and accuracy on fresh data.

    Fresh data are drawn for the selected columns only -- exact in distribution, since
    the columns are independent. Thresholdout defaults follow the Science
    supplementary code: ``T = 4/sqrt(n)``, ``sigma = 1/sqrt(n)`` (0.04 and 0.01 at
    ``n = 10^4``), budget large enough never to halt (``dim + len(ks)``). Several
    Thresholdout configurations can share one data set (``thresholdouts``).

    Parameters
    ----------
    n_samples : int >= 2
    dim : int >= 1
    ks : array_like of ints in ``[1, dim]``, shape ``(K,)``
    rng : numpy.random.Generator
    n_signal : int in ``[0, dim]``
    signal : float >= 0 or None (default ``6/sqrt(n)``)
    thresholdouts : dict name -> dict, optional
        One Thresholdout arm per entry, with optional keys ``threshold``, ``sigma``,
        ``budget``, ``noise`` (:func:`thresholdout_init`). Default
        ``{"tho": {"noise": "gaussian"}}`` -- the Science code's variant.

    Returns
    -------
    dict of arrays, each ``(K,)`` unless noted: ``train``, ``holdout``, ``fresh`` (the
    standard arm), ``n_selected`` (scalar: features passing the filter) and, for each
    Thresholdout arm ``<name>``: ``<name>_train``, ``<name>_holdout`` (the reported
    value; ``nan`` where the budget ran out, i.e. ``⊥``), ``<name>_fresh``,
    ``<name>_n_selected``, ``<name>_n_over`` (over-threshold events),
    ``<name>_budget_left``.

    Notes
    -----
    The loop over repetitions is left to the caller: one run holds two ``n x dim``
    matrices (1.6 GB at the Science scale ``n = dim = 10^4``).
    """
    n = _pos_int("n_samples", n_samples, minimum=2)
    d = _pos_int("dim", dim)
    _check_rng(rng)
    ks_a = np.asarray(ks)
    if ks_a.ndim != 1 or ks_a.size == 0 or not np.issubdtype(ks_a.dtype, np.integer):
        raise ValueError(f"ks must be a non-empty 1-D array of integers; got {ks!r}")
    if ks_a.min() < 1 or ks_a.max() > d:
        raise ValueError(f"ks must lie in [1, dim={d}]; got range [{ks_a.min()}, {ks_a.max()}]")
    n_sig = _pos_int("n_signal", n_signal, minimum=0)
    if n_sig > d:
        raise ValueError(f"n_signal must be <= dim={d}; got {n_sig}")
    shift = 6.0 / math.sqrt(n) if signal is None else _nonneg_float("signal", signal)
    arms = {"tho": {"noise": "gaussian"}} if thresholdouts is None else dict(thresholdouts)
    allowed = {"threshold", "sigma", "budget", "noise"}
    for name, cfg in arms.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"thresholdouts keys must be identifiers; got {name!r}")
        if not isinstance(cfg, dict) or not set(cfg) <= allowed:
            raise ValueError(f"thresholdouts[{name!r}] must be a dict with keys among {sorted(allowed)}")

    rng_data, rng_tho = rng.spawn(2)
    Xt, yt = _gaussian_data(n, d, n_sig, shift, rng_data)
    Xh, yh = _gaussian_data(n, d, n_sig, shift, rng_data)
    ct = Xt.T @ yt / n
    ch = Xh.T @ yh / n
    cut = 1.0 / math.sqrt(n)
    kmax = int(ks_a.max())

    def select(c_hold: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        keep = ((ct > cut) & (c_hold > cut)) | ((ct < -cut) & (c_hold < -cut))
        score = np.where(keep, np.abs(ct), 0.0)
        order = np.argsort(-score, kind="stable")[:kmax]  # top features, best first
        # weight sgn(c^t_j) on a kept feature, 0 on a rejected one (fewer than k kept)
        weights = np.sign(ct[order]) * keep[order]
        return order, weights, int(keep.sum())

    def accuracies(order: np.ndarray, weights: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        # cumulative margins: column k-1 is the classifier built on the top k features;
        # a zero margin (sgn = 0) counts as a wrong prediction, as in the Science code
        margins = np.cumsum(X[:, order] * weights, axis=1)
        pred = np.sign(margins[:, ks_a - 1])
        return (pred == y[:, None]).mean(axis=0)

    def fresh_acc(order: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # fresh data for the selected columns only (columns are independent)
        yf = np.where(rng_data.random(n) < 0.5, -1.0, 1.0)
        Xf = rng_data.standard_normal((n, order.size))
        Xf += shift * (order < n_sig)[None, :] * yf[:, None]
        return accuracies(np.arange(order.size), weights, Xf, yf)

    out: dict[str, Any] = {}
    order, w, n_sel = select(ch)
    out["train"] = accuracies(order, w, Xt, yt)
    out["holdout"] = accuracies(order, w, Xh, yh)
    out["fresh"] = fresh_acc(order, w)
    out["n_selected"] = n_sel

    for name, cfg in arms.items():
        state = thresholdout_init(
            threshold=cfg.get("threshold", 4.0 / math.sqrt(n)),
            sigma=cfg.get("sigma", 1.0 / math.sqrt(n)),
            budget=cfg.get("budget", d + ks_a.size),
            noise=cfg.get("noise", "laplace"),
            rng=rng_tho,
        )
        ch_tho, _, state = thresholdout_answer(ct, ch, state, rng=rng_tho, on_exhausted="stop")
        if ch_tho.size < d:  # budget ran out during selection: ⊥ counts as "not confirmed"
            ch_tho = np.concatenate([ch_tho, np.zeros(d - ch_tho.size)])
        order_t, w_t, n_sel_t = select(ch_tho)
        tr = accuracies(order_t, w_t, Xt, yt)
        ho = accuracies(order_t, w_t, Xh, yh)
        ho_tho, _, state = thresholdout_answer(tr, ho, state, rng=rng_tho, on_exhausted="stop")
        if ho_tho.size < ks_a.size:
            ho_tho = np.concatenate([ho_tho, np.full(ks_a.size - ho_tho.size, np.nan)])
        out[f"{name}_train"] = tr
        out[f"{name}_holdout"] = ho_tho
        out[f"{name}_fresh"] = fresh_acc(order_t, w_t)
        out[f"{name}_n_selected"] = n_sel_t
        out[f"{name}_n_over"] = state.n_over
        out[f"{name}_budget_left"] = state.budget
    return {k: np.asarray(v) for k, v in out.items()}
