"""Thresholdout (the reusable holdout) with budget accounting, and the attack against
it (part of :mod:`theorylab.adaptive`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from .. import _validate as V
from ._attack import (
    sign_vote_truth,
)
from ._core import (
    BudgetExhausted,
    NoiseKind,
    _check_rng,
    _nonneg_float,
    _pm1,
    _pos_int,
    _prob,
)


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

    Examples
    --------
    >>> ThresholdoutState(threshold=0.04, sigma=0.01, noise='gaussian', budget=5, gamma=0.0).threshold_hat
    0.04
    """

    threshold: float
    sigma: float
    noise: str
    budget: int
    gamma: float
    n_answered: int = 0
    n_over: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", V.real("threshold", self.threshold, low=0.0))
        object.__setattr__(self, "sigma", V.real("sigma", self.sigma, low=0.0))
        V.choice("noise", self.noise, ("laplace", "gaussian"))
        object.__setattr__(self, "budget", V.integer("budget", self.budget, low=0))
        object.__setattr__(self, "gamma", V.real("gamma", self.gamma))
        object.__setattr__(self, "n_answered", V.integer("n_answered", self.n_answered, low=0))
        object.__setattr__(self, "n_over", V.integer("n_over", self.n_over, low=0))

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

    Examples
    --------
    >>> st = thresholdout_init(threshold=0.04, sigma=0.01, budget=5, rng=np.random.default_rng(0), noise='gaussian')
    >>> st.budget, st.gamma
    (5, 0.0)
    """
    T = _nonneg_float("threshold", threshold)
    sg = _nonneg_float("sigma", sigma)
    B = _pos_int("budget", budget, minimum=0)
    _check_rng(rng)
    V.choice("noise", noise, ("laplace", "gaussian"))
    gamma = float(_draw(noise, 2.0 * sg, None, rng)) if noise == "laplace" else 0.0
    return ThresholdoutState(threshold=T, sigma=sg, noise=noise, budget=B, gamma=gamma)


def _means_pair(tn: str, t: Any, hn: str, h: Any) -> tuple[np.ndarray, np.ndarray]:
    ta = V.array(tn, t, ndim=1)
    ha = V.array(hn, h, ndim=1)
    if ha.shape != ta.shape:
        raise ValueError(f"{tn} and {hn} must be 1-D of equal length; got {ta.shape} and {ha.shape}")
    return ta, ha


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

    Examples
    --------
    >>> st = thresholdout_init(threshold=0.04, sigma=0.0, budget=5, rng=np.random.default_rng(0), noise='gaussian')
    >>> ans, over, st = thresholdout_answer([0.5, 0.7], [0.5, 0.5], st, rng=np.random.default_rng(1))
    >>> ans.tolist(), over.tolist(), st.budget
    ([0.5, 0.5], [False, True], 4)
    """
    V.instance("state", state, ThresholdoutState, hint="start one with thresholdout_init(...)")
    _check_rng(rng)
    V.choice("on_exhausted", on_exhausted, ("raise", "stop"))
    t, h = _means_pair("train_means", train_means, "holdout_means", holdout_means)
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
    ``sigma = tau / (96 ln(4 m / beta))``. Returns ``(T, sigma)``.

    Examples
    --------
    >>> T, sigma = thresholdout_parameters(0.1, 100, 0.05)
    >>> round(T, 4), round(sigma, 6)
    (0.075, 0.000116)
    """
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
        t0, h0 = V.array("train_mean", train_mean), V.array("holdout_mean", holdout_mean)
        if t0.ndim > 1 or h0.ndim > 1:
            raise ValueError(f"train_mean and holdout_mean must be numbers or 1-D arrays; got {t0.shape}, {h0.shape}")
        t, h = _means_pair("train_mean", np.atleast_1d(t0), "holdout_mean", np.atleast_1d(h0))
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

    Examples
    --------
    >>> from theorylab.adaptive import rademacher_sample
    >>> X = rademacher_sample(50, 11, rng=np.random.default_rng(0), n_reps=2)
    >>> H = rademacher_sample(50, 11, rng=np.random.default_rng(1), n_reps=2)
    >>> out = sign_vote_attack_thresholdout(X, H, threshold=0.1, sigma=0.01, budget=20, rng=np.random.default_rng(2))
    >>> out['answers'].shape, out['exhausted'].tolist()
    ((2, 11), [False, False])
    """
    Xt = _pm1("X_train", X_train)
    Xh = _pm1("X_holdout", X_holdout)
    if Xt.ndim == 2:
        Xt = Xt[None]
    if Xh.ndim == 2:
        Xh = Xh[None]
    if Xt.ndim != 3 or Xh.shape != Xt.shape or Xt.shape[1] < 1 or Xt.shape[2] < 1:
        raise ValueError(f"X_train and X_holdout must both have shape (r, n, d) with n, d >= 1; "
                         f"got {Xt.shape} and {Xh.shape}")
    _check_rng(rng)
    thresholdout_init(threshold=threshold, sigma=sigma, budget=budget, rng=np.random.default_rng(0),
                      noise=noise)  # validates the parameters before any run
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
