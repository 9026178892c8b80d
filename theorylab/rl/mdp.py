r"""Finite Markov decision processes solved exactly, with occupancy measures and samplers.

Two kinds of tabular MDP, both immutable and validated on construction:

* :class:`DiscountedMDP` -- transitions ``P[s, a, s']``, expected rewards ``r[s, a]``, a
  discount ``gamma`` in ``[0, 1)``, an initial distribution ``mu0[s]`` and optional
  *terminal* states (absorbing, zero reward; episodes of a learner stop there).
* :class:`FiniteHorizonMDP` -- per-step ``P[h, s, a, s']`` and ``r[h, s, a]`` for
  ``h = 0..H-1`` and ``mu0[s]``; undiscounted return ``sum_h r_h``.

Every array may carry leading **batch** dimensions (a stack of MDPs that share ``S``,
``A`` and ``H``), and every policy may carry its own; solvers broadcast the two, so a
sweep over seeds or models is one call. Policies are stochastic matrices
``pi[..., s, a]`` (discounted) or ``pi[..., h, s, a]`` (finite horizon).

Exact machinery (float64, to round-off):

========================================  ====================================================
:func:`policy_evaluation`                 ``V^pi, Q^pi`` by a linear solve / backward induction
:func:`value_iteration`                   ``Q*, V*`` and a greedy optimal policy (VI + policy iteration)
:func:`soft_value_iteration`              entropy- or KL-regularised optimum (log-sum-exp backup)
:func:`regularized_policy_evaluation`     value of a policy under the same regulariser
:func:`occupancy`                         discounted (normalised) or per-step occupancy measures
:func:`flow_constraints`                  the Bellman-flow equalities of the dual LP
:func:`occupancy_lp`                      the dual LP solved by ``scipy.optimize.linprog`` (HiGHS)
:func:`successor_features`                ``psi^pi`` for features ``phi[s, a, k]``
:func:`potential_shaping`                 ``r + gamma P Phi - Phi`` (Ng, Harada & Russell 1999)
========================================  ====================================================

Sampling (vectorised over episodes, policies and MDPs; the only loop is over time):
:func:`sample_trajectories`, :func:`sample_occupancy`, :func:`sample_categorical`,
:func:`empirical_model`, :func:`visit_counts`.

Builders: :func:`random_mdp`, :func:`random_finite_mdp`, :func:`chain_mdp`,
:func:`grid_mdp`, :func:`factored_mdp`.

Conventions: the discounted value is ``V(s) = E[sum_t gamma^t r(s_t, a_t) | s_0 = s]``
(not normalised); the discounted occupancy is normalised,
``d^pi(s, a) = (1 - gamma) sum_t gamma^t Pr(s_t = s, a_t = a)``, so that
``J(pi) = mu0 . V^pi = <d^pi, r> / (1 - gamma)`` (Puterman 1994, section 6.9).

Used by the notebooks in ``notebooks/bandits-rl/``: ``demonstration-regularized-rl``,
``rl-llm-compounding-error``, ``imitating-language-irl``, ``model-based-generalization``,
``behavior-alignment-reward-optimization``; and by ``theorylab.rl.imitation`` and
``theorylab.rl.agents``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np
from scipy.special import logsumexp

from .. import _validate as V_

__all__ = [
    "DiscountedMDP", "FiniteHorizonMDP", "Solution", "Trajectories", "FactoredMDP",
    "policy_evaluation", "expected_return", "value_iteration", "soft_value_iteration",
    "regularized_policy_evaluation", "greedy_policy", "optimal_action_mask", "uniform_policy",
    "occupancy", "flow_constraints", "occupancy_lp", "policy_from_occupancy",
    "successor_features", "potential_shaping", "bellman_optimality_residual",
    "sample_categorical", "sample_trajectories", "sample_occupancy", "empirical_model",
    "visit_counts", "next_state_table",
    "random_mdp", "random_finite_mdp", "chain_mdp", "grid_mdp", "factored_mdp",
]

_PROB_ATOL = 1e-9


# --------------------------------------------------------------------------- classes


def _check_core(P, r, mu0, n_time: int):
    """Validate ``P (..., [H,] S, A, S)``, ``r (..., [H,] S, A)``, ``mu0 (..., S)``."""
    P = V_.stochastic("P", P, axis=-1, atol=_PROB_ATOL, min_ndim=3 + n_time)
    core_p = P.shape[P.ndim - 3 - n_time:]
    S, A = core_p[-3], core_p[-2]
    if core_p[-1] != S:
        raise ValueError(f"P must have shape (..., {'H, ' if n_time else ''}S, A, S); got {P.shape}")
    r = V_.real_array("r", r, min_ndim=2 + n_time)
    if r.shape[r.ndim - 2 - n_time:] != core_p[:-1]:
        raise ValueError(f"r must have shape (..., {core_p[:-1]}) to match P {P.shape}; got {r.shape}")
    if mu0 is None:
        mu0 = np.full(S, 1.0 / S)
    mu0 = V_.stochastic("mu0", mu0, axis=-1, atol=_PROB_ATOL)
    if mu0.shape[-1] != S:
        raise ValueError(f"mu0 must have shape (..., {S}); got {mu0.shape}")
    try:
        batch = np.broadcast_shapes(P.shape[:P.ndim - 3 - n_time], r.shape[:r.ndim - 2 - n_time],
                                    mu0.shape[:-1])
    except ValueError as e:
        raise ValueError(f"batch dimensions of P {P.shape}, r {r.shape} and mu0 {mu0.shape} "
                         "do not broadcast") from e
    return P, r, mu0, batch


@dataclass(frozen=True, eq=False)
class DiscountedMDP:
    r"""A discounted tabular MDP (possibly a batch of them).

    Parameters
    ----------
    P : (..., S, A, S) array
        Transition probabilities ``P[..., s, a, s'] = Pr(s' | s, a)``; rows sum to 1.
    r : (..., S, A) array
        Expected immediate rewards ``r(s, a)``.
    gamma : float in [0, 1)
        Discount factor.
    mu0 : (..., S) array, optional
        Initial-state distribution (default uniform).
    terminal : (S,) bool array, optional
        Terminal states: they must be absorbing with zero reward under every action.
        Exact solvers need nothing special; episodic learners
        (:mod:`theorylab.rl.agents`) stop an episode on entering one.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> P = np.zeros((2, 1, 2)); P[0, 0, 1] = P[1, 0, 1] = 1.0
    >>> m = mdp.DiscountedMDP(P, r=np.array([[1.0], [0.0]]), gamma=0.5)
    >>> m.S, m.A, m.batch_shape
    (2, 1, ())
    """

    P: np.ndarray
    r: np.ndarray
    gamma: float
    mu0: np.ndarray | None = None
    terminal: np.ndarray | None = None

    def __post_init__(self) -> None:
        P, r, mu0, batch = _check_core(self.P, self.r, self.mu0, 0)
        gamma = V_.real_in("gamma", self.gamma, 0.0, 1.0, hi_open=True)
        S, A = P.shape[-3], P.shape[-2]
        term = np.zeros(S, dtype=bool) if self.terminal is None else np.asarray(self.terminal)
        if term.shape != (S,) or term.dtype != bool:
            raise ValueError(f"terminal must be a boolean array of shape ({S},); got {term.dtype} {term.shape}")
        if term.any():
            idx = np.flatnonzero(term)
            k = np.arange(idx.size)[:, None]
            stay = P[..., idx, :, :][..., k, np.arange(A)[None, :], idx[:, None]]   # (..., n_term, A)
            if not np.allclose(stay, 1.0):
                raise ValueError("terminal states must be absorbing: P[s, a, s] = 1 for every terminal s")
            if np.any(r[..., idx, :] != 0):
                raise ValueError("terminal states must have zero reward: r[s, a] = 0 for every terminal s")
        for name, val in (("P", P), ("r", r), ("mu0", mu0), ("gamma", gamma), ("terminal", term)):
            object.__setattr__(self, name, val)
        object.__setattr__(self, "_batch", batch)

    @property
    def S(self) -> int:
        """Number of states."""
        return int(self.P.shape[-1])

    @property
    def A(self) -> int:
        """Number of actions."""
        return int(self.P.shape[-2])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Broadcast leading shape of ``P``, ``r`` and ``mu0`` (``()`` for one MDP)."""
        return self._batch

    def replace(self, **changes) -> "DiscountedMDP":
        """A copy with some fields replaced (validated again)."""
        kw = dict(P=self.P, r=self.r, gamma=self.gamma, mu0=self.mu0, terminal=self.terminal)
        kw.update(changes)
        return DiscountedMDP(**kw)


@dataclass(frozen=True, eq=False)
class FiniteHorizonMDP:
    r"""A finite-horizon (episodic, undiscounted) tabular MDP, possibly a batch of them.

    The value of a policy is ``V_h(s) = E[sum_{t >= h} r_t(s_t, a_t) | s_h = s]`` with
    ``V_H = 0``. Use :meth:`stationary` for time-homogeneous ``P`` and ``r``.

    Parameters
    ----------
    P : (..., H, S, A, S) array
        Per-step transitions ``P[..., h, s, a, s']``.
    r : (..., H, S, A) array
        Per-step expected rewards.
    mu0 : (..., S) array, optional
        Distribution of ``s_0`` (default uniform).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> P = np.ones((1, 1, 1)); r = np.ones((1, 1))
    >>> m = mdp.FiniteHorizonMDP.stationary(P, r, horizon=3)
    >>> m.H, m.S, m.A
    (3, 1, 1)
    """

    P: np.ndarray
    r: np.ndarray
    mu0: np.ndarray | None = None

    def __post_init__(self) -> None:
        P, r, mu0, batch = _check_core(self.P, self.r, self.mu0, 1)
        if P.shape[-4] != r.shape[-3]:
            raise ValueError(f"P and r must share the horizon H; got {P.shape[-4]} and {r.shape[-3]}")
        for name, val in (("P", P), ("r", r), ("mu0", mu0)):
            object.__setattr__(self, name, val)
        object.__setattr__(self, "_batch", batch)

    @classmethod
    def stationary(cls, P, r, horizon: int, mu0=None) -> "FiniteHorizonMDP":
        """Time-homogeneous MDP: ``P (..., S, A, S)`` and ``r (..., S, A)`` repeated for
        ``horizon`` steps (read-only broadcast views, no copy)."""
        H = V_.count("horizon", horizon)
        P = V_.real_array("P", P, min_ndim=3)
        r = V_.real_array("r", r, min_ndim=2)
        V_.elements("horizon * P.size", H * P.size)
        if P.ndim < 3 or r.ndim < 2:
            raise ValueError(f"P must be (..., S, A, S) and r (..., S, A); got {P.shape}, {r.shape}")
        Pb = np.broadcast_to(P[..., None, :, :, :], P.shape[:-3] + (H,) + P.shape[-3:])
        rb = np.broadcast_to(r[..., None, :, :], r.shape[:-2] + (H,) + r.shape[-2:])
        return cls(Pb, rb, mu0)

    @property
    def H(self) -> int:
        """Horizon (number of decisions per episode)."""
        return int(self.P.shape[-4])

    @property
    def S(self) -> int:
        return int(self.P.shape[-1])

    @property
    def A(self) -> int:
        return int(self.P.shape[-2])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self._batch

    def replace(self, **changes) -> "FiniteHorizonMDP":
        """A copy with some fields replaced (validated again)."""
        kw = dict(P=self.P, r=self.r, mu0=self.mu0)
        kw.update(changes)
        return FiniteHorizonMDP(**kw)


class Solution(NamedTuple):
    """Output of the planners: ``Q`` (…, [H,] S, A), ``V`` (…, [H+1,] S), policy ``pi`` (…, [H,] S, A)."""

    Q: np.ndarray
    V: np.ndarray
    pi: np.ndarray


def _check_mdp(mdp) -> bool:
    """True for a finite-horizon MDP, False for a discounted one, else ``TypeError``."""
    if isinstance(mdp, FiniteHorizonMDP):
        return True
    if isinstance(mdp, DiscountedMDP):
        return False
    raise TypeError(f"mdp must be a DiscountedMDP or a FiniteHorizonMDP; got {type(mdp).__name__}")


def _check_policy(name: str, pi, mdp, *, allow_batch: bool = True) -> np.ndarray:
    fin = _check_mdp(mdp)
    core = (mdp.H, mdp.S, mdp.A) if fin else (mdp.S, mdp.A)
    pi = V_.stochastic(name, pi, axis=-1, atol=1e-8, min_ndim=len(core))
    if pi.shape[pi.ndim - len(core):] != core:
        raise ValueError(f"{name} must have shape (..., {', '.join(map(str, core))}); got {pi.shape}")
    if not allow_batch and pi.ndim != len(core):
        raise ValueError(f"{name} must have shape {core} (no batch dimensions here); got {pi.shape}")
    try:
        np.broadcast_shapes(pi.shape[:pi.ndim - len(core)], mdp.batch_shape)
    except ValueError as e:
        raise ValueError(f"batch shape of {name} {pi.shape[:pi.ndim - len(core)]} does not broadcast "
                         f"with the MDP's {mdp.batch_shape}") from e
    return pi


# --------------------------------------------------------------------------- evaluation


def policy_evaluation(mdp, pi) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact value of a policy.

    Discounted: ``V = (I - gamma P_pi)^{-1} r_pi`` with ``P_pi(s, s') = sum_a pi(a|s) P(s'|s, a)``
    and ``r_pi(s) = sum_a pi(a|s) r(s, a)`` (one batched linear solve), then
    ``Q = r + gamma P V``. Finite horizon: backward induction
    ``Q_h = r_h + P_h V_{h+1}``, ``V_h = sum_a pi_h Q_h``, ``V_H = 0``.

    Parameters
    ----------
    mdp : DiscountedMDP or FiniteHorizonMDP
    pi : (..., S, A) or (..., H, S, A) array
        Stochastic policy; leading dimensions broadcast with the MDP's batch.

    Returns
    -------
    V : (..., S) or (..., H+1, S)
    Q : (..., S, A) or (..., H, S, A)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.chain_mdp(3, gamma=0.5)
    >>> V, Q = mdp.policy_evaluation(m, np.tile([0.0, 1.0], (3, 1)))   # always "right"
    >>> np.round(V, 6)
    array([0.5, 1. , 0. ])
    """
    fin = _check_mdp(mdp)
    pi = _check_policy("pi", pi, mdp)
    if fin:
        return _eval_finite(mdp.P, mdp.r, pi)
    P_pi = np.einsum("...sa,...sap->...sp", pi, mdp.P)
    r_pi = np.sum(pi * mdp.r, axis=-1)
    S = mdp.S
    M = np.eye(S) - mdp.gamma * P_pi
    batch = np.broadcast_shapes(M.shape[:-2], r_pi.shape[:-1])
    M = np.broadcast_to(M, batch + (S, S))
    rb = np.broadcast_to(r_pi, batch + (S,))
    V = np.linalg.solve(M, rb[..., None])[..., 0]
    Q = mdp.r + mdp.gamma * np.einsum("...sap,...p->...sa", mdp.P, V)
    return V, Q


def _eval_finite(P, r, pi):
    H = P.shape[-4]
    batch = np.broadcast_shapes(P.shape[:-4], r.shape[:-3], pi.shape[:-3])
    S, A = P.shape[-3], P.shape[-2]
    V = np.zeros(batch + (H + 1, S))
    Q = np.zeros(batch + (H, S, A))
    for h in range(H - 1, -1, -1):
        Q[..., h, :, :] = r[..., h, :, :] + np.einsum("...sap,...p->...sa", P[..., h, :, :, :], V[..., h + 1, :])
        V[..., h, :] = np.sum(pi[..., h, :, :] * Q[..., h, :, :], axis=-1)
    return V, Q


def expected_return(mdp, pi) -> np.ndarray:
    r"""``J(pi) = sum_s mu0(s) V^pi(s)`` (``V_0`` for a finite horizon); shape ``(...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.chain_mdp(3, gamma=0.5, mu0=np.array([1.0, 0.0, 0.0]))
    >>> float(mdp.expected_return(m, np.tile([0.0, 1.0], (3, 1))))
    0.5
    """
    fin = _check_mdp(mdp)
    V, _ = policy_evaluation(mdp, pi)
    V0 = V[..., 0, :] if fin else V
    return np.sum(mdp.mu0 * V0, axis=-1)


def greedy_policy(Q) -> np.ndarray:
    """One-hot policy on the first maximiser of ``Q`` along the last axis (same shape as ``Q``).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> mdp.greedy_policy(np.array([[0.0, 2.0, 2.0], [1.0, 0.0, 0.0]]))
    array([[0., 1., 0.],
           [1., 0., 0.]])
    """
    Q = V_.real_array("Q", Q, min_ndim=1)
    out = np.zeros_like(Q)
    np.put_along_axis(out, np.argmax(Q, axis=-1)[..., None], 1.0, axis=-1)
    return out


def optimal_action_mask(Q, tol: float = 1e-9) -> np.ndarray:
    """Boolean mask of actions within ``tol * max(1, |max Q|)`` of the best (same shape as ``Q``).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> mdp.optimal_action_mask(np.array([1.0, 1.0 - 1e-12, 0.5]))
    array([ True,  True, False])
    """
    Q = V_.real_array("Q", Q, min_ndim=1)
    tol = V_.nonneg_real("tol", tol)
    m = Q.max(axis=-1, keepdims=True)
    return Q >= m - tol * np.maximum(1.0, np.abs(m))


def uniform_policy(mdp) -> np.ndarray:
    """The uniform policy, shape ``(S, A)`` or ``(H, S, A)``."""
    fin = _check_mdp(mdp)
    shape = (mdp.H, mdp.S, mdp.A) if fin else (mdp.S, mdp.A)
    return np.full(shape, 1.0 / mdp.A)


# --------------------------------------------------------------------------- planning


def value_iteration(mdp, *, tol: float = 1e-10, max_iter: int = 100_000) -> Solution:
    r"""Optimal values and a greedy optimal policy.

    Finite horizon: exact backward induction ``Q*_h = r_h + P_h max_a Q*_{h+1}``.
    Discounted: value iteration ``Q <- r + gamma P max_a Q`` until successive iterates differ
    by ``<= tol`` in sup norm, then policy iteration from the greedy policy (evaluate
    exactly, improve where an action beats the current one by more than round-off) until
    the policy is stable, so the returned ``Q`` is ``Q*`` to float64 round-off
    (Puterman 1994, Thm. 6.4.6).

    Returns
    -------
    Solution
        ``Q`` (…, [H,] S, A), ``V`` (…, [H+1,] S) and a deterministic optimal ``pi``
        (first maximiser).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> sol = mdp.value_iteration(mdp.chain_mdp(3, gamma=0.5))
    >>> np.round(sol.V, 6), sol.pi.argmax(-1)
    (array([0.5, 1. , 0. ]), array([1, 1, 0]))
    """
    fin = _check_mdp(mdp)
    tol = V_.real_in("tol", tol, 0.0, np.inf, lo_open=True)
    max_iter = V_.count("max_iter", max_iter)
    if fin:
        H, S, A = mdp.H, mdp.S, mdp.A
        batch = mdp.batch_shape
        Vt = np.zeros(batch + (H + 1, S))
        Q = np.zeros(batch + (H, S, A))
        for h in range(H - 1, -1, -1):
            Q[..., h, :, :] = mdp.r[..., h, :, :] + np.einsum("...sap,...p->...sa", mdp.P[..., h, :, :, :],
                                                             Vt[..., h + 1, :])
            Vt[..., h, :] = Q[..., h, :, :].max(axis=-1)
        return Solution(Q, Vt, greedy_policy(Q))
    g = mdp.gamma
    Q = np.broadcast_to(mdp.r, mdp.batch_shape + (mdp.S, mdp.A)).copy()
    for _ in range(max_iter):
        Qn = mdp.r + g * np.einsum("...sap,...p->...sa", mdp.P, Q.max(axis=-1))
        done = np.max(np.abs(Qn - Q)) <= tol
        Q = Qn
        if done:
            break
    pi = greedy_policy(Q)
    for _ in range(10 * mdp.S * mdp.A + 10):
        Vp, Qp = policy_evaluation(mdp, pi)
        scale = 1.0 + np.max(np.abs(Qp))
        cur = np.sum(pi * Qp, axis=-1, keepdims=True)
        improve = Qp.max(axis=-1, keepdims=True) > cur + 1e-12 * scale
        if not improve.any():
            return Solution(Qp, Vp, pi)
        pi = np.where(improve, greedy_policy(Qp), pi)
    raise RuntimeError("policy iteration did not stabilise")  # pragma: no cover


def _soft_backup(Q, tau, log_ref):
    """``V = tau log sum_a ref exp(Q / tau)`` and ``pi = ref exp((Q - V) / tau)``."""
    z = Q / tau + log_ref
    lse = logsumexp(z, axis=-1)
    pi = np.exp(z - lse[..., None])
    return tau * lse, pi


def _check_soft(tau, *arrays):
    """The log-sum-exp backups overflow when the temperature is tiny against the rewards."""
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError(f"the soft backup overflowed: temperature = {tau:g} is too small for the scale of "
                         "the rewards")


def _log_ref(ref_policy, mdp, name="ref_policy"):
    if ref_policy is None:
        return 0.0
    ref = _check_policy(name, ref_policy, mdp)
    with np.errstate(divide="ignore"):
        return np.log(ref)


def soft_value_iteration(mdp, *, temperature: float = 1.0, ref_policy=None, tol: float = 1e-12,
                         max_iter: int = 1_000_000) -> Solution:
    r"""Entropy- or KL-regularised optimal values (soft / maximum-entropy Bellman equation).

    With temperature ``tau`` and reference policy ``rho`` the soft backup is

    .. math::

        V(s) = \tau \log \sum_a \rho(a|s) \exp(Q(s, a)/\tau), \qquad
        Q = r + \gamma P V, \qquad \pi(a|s) = \rho(a|s) \exp((Q(s,a) - V(s))/\tau).

    ``pi`` maximises ``E[sum_t gamma^t (r_t - tau KL(pi(.|s_t) || rho(.|s_t)))]``. With
    ``ref_policy=None`` the weight ``rho = 1`` gives the maximum-entropy objective
    ``E[sum_t gamma^t (r_t + tau H(pi(.|s_t)))]`` (Ziebart 2010; Haarnoja et al. 2017).
    Finite horizon: the same backup by exact backward induction (``V_H = 0``, no discount),
    the KL-regularised planner of Tiapkin et al. (2023, Sec. 3) towards a BC policy.
    Discounted: fixed-point iteration until successive ``Q`` differ by ``<= tol``
    (then ``|Q - Q_soft*| <= gamma tol / (1 - gamma)``). Log-sum-exp throughout; zero
    entries of ``rho`` are excluded actions.

    Parameters
    ----------
    mdp : DiscountedMDP or FiniteHorizonMDP
    temperature : float > 0
        ``tau`` (the ``lambda`` of KL-regularised RL).
    ref_policy : (..., [H,] S, A) array, optional
        Reference policy ``rho`` (e.g. the behaviour-cloning policy).

    Returns
    -------
    Solution
        soft ``Q``, soft ``V`` (finite horizon: ``(…, H+1, S)`` with ``V_H = 0``) and the
        optimal regularised policy ``pi``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> P = np.ones((1, 2, 1)); r = np.array([[0.0, np.log(3.0)]])
    >>> sol = mdp.soft_value_iteration(mdp.FiniteHorizonMDP.stationary(P, r, horizon=1))
    >>> np.round(sol.pi[0, 0], 6), np.round(sol.V[0, 0], 6)     # softmax and log(1 + 3)
    (array([0.25, 0.75]), np.float64(1.386294))
    """
    fin = _check_mdp(mdp)
    tau = V_.real_in("temperature", temperature, 0.0, np.inf, lo_open=True)
    tol = V_.real_in("tol", tol, 0.0, np.inf, lo_open=True)
    max_iter = V_.count("max_iter", max_iter)
    log_ref = _log_ref(ref_policy, mdp)
    if fin:
        H, S, A = mdp.H, mdp.S, mdp.A
        lr = np.broadcast_to(log_ref, (H, S, A)) if np.ndim(log_ref) == 0 else log_ref
        batch = np.broadcast_shapes(mdp.batch_shape, np.shape(lr)[:-3])
        Vt = np.zeros(batch + (H + 1, S))
        Q = np.zeros(batch + (H, S, A))
        pi = np.zeros(batch + (H, S, A))
        for h in range(H - 1, -1, -1):
            Q[..., h, :, :] = mdp.r[..., h, :, :] + np.einsum("...sap,...p->...sa", mdp.P[..., h, :, :, :],
                                                             Vt[..., h + 1, :])
            Vt[..., h, :], pi[..., h, :, :] = _soft_backup(Q[..., h, :, :], tau, lr[..., h, :, :])
        _check_soft(tau, Vt, pi)
        return Solution(Q, Vt, pi)
    g = mdp.gamma
    batch = np.broadcast_shapes(mdp.batch_shape, np.shape(log_ref)[:-2] if np.ndim(log_ref) else ())
    Q = np.broadcast_to(mdp.r, batch + (mdp.S, mdp.A)).copy()
    for _ in range(max_iter):
        Vs, _ = _soft_backup(Q, tau, log_ref)
        Qn = mdp.r + g * np.einsum("...sap,...p->...sa", mdp.P, Vs)
        _check_soft(tau, Qn)
        done = np.max(np.abs(Qn - Q)) <= tol
        Q = Qn
        if done:
            break
    else:
        raise ValueError(f"soft value iteration did not reach tol={tol} in max_iter={max_iter} iterations")
    Vs, pi = _soft_backup(Q, tau, log_ref)
    _check_soft(tau, Vs, pi)
    return Solution(Q, Vs, pi)


def regularized_policy_evaluation(mdp, pi, *, temperature: float, ref_policy=None):
    r"""Value of ``pi`` under the regularised reward ``r(s, a) - tau log(pi(a|s) / rho(a|s))``.

    ``V^pi_tau = E[sum_t gamma^t (r_t - tau KL(pi(.|s_t) || rho(.|s_t)))]`` (``rho = 1``
    when ``ref_policy`` is None: the entropy bonus). At the optimum of
    :func:`soft_value_iteration` this equals the soft value. Returns ``(V, Q)`` as
    :func:`policy_evaluation`; ``Q`` is the *regularised* Q of ``pi`` *before* the log
    term of the current step, so ``V = sum_a pi (Q - tau log(pi/rho))``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.8, rng=np.random.default_rng(0))
    >>> sol = mdp.soft_value_iteration(m, temperature=0.5)
    >>> V, _ = mdp.regularized_policy_evaluation(m, sol.pi, temperature=0.5)
    >>> bool(np.allclose(V, sol.V, atol=1e-10))
    True
    """
    fin = _check_mdp(mdp)
    tau = V_.real_in("temperature", temperature, 0.0, np.inf, lo_open=True)
    pi = _check_policy("pi", pi, mdp)
    log_ref = _log_ref(ref_policy, mdp)
    with np.errstate(divide="ignore", invalid="ignore"):
        pen = np.where(pi > 0, tau * (np.log(np.where(pi > 0, pi, 1.0)) - log_ref), 0.0)
    if np.any(~np.isfinite(pen)):
        raise ValueError("pi puts mass on an action that ref_policy excludes (infinite KL)")
    r_reg = mdp.r - pen
    if fin:
        V, Qreg = _eval_finite(mdp.P, r_reg, pi)
    else:
        V, Qreg = policy_evaluation(mdp.replace(r=np.broadcast_to(r_reg, np.broadcast_shapes(
            r_reg.shape, mdp.r.shape)), terminal=None), pi)
    return V, Qreg + pen


# --------------------------------------------------------------------------- occupancy


def occupancy(mdp, pi) -> np.ndarray:
    r"""State-action occupancy measure of ``pi`` from ``mu0``.

    Discounted (normalised): ``d(s, a) = (1 - gamma) sum_t gamma^t Pr(s_t = s, a_t = a)``,
    from ``d_S = (1 - gamma) (I - gamma P_pi^T)^{-1} mu0`` and ``d(s, a) = d_S(s) pi(a|s)``;
    ``sum d = 1``. Finite horizon: per-step ``d_h(s, a) = Pr(s_h = s, a_h = a)`` by the
    forward recursion ``d_{h+1}(s') = sum_{s,a} d_h(s, a) P_h(s'|s, a)``; each step sums to 1.

    Returns
    -------
    (..., S, A) or (..., H, S, A) array

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(4, 2, gamma=0.9, rng=np.random.default_rng(1))
    >>> pi = mdp.uniform_policy(m)
    >>> d = mdp.occupancy(m, pi)
    >>> bool(np.isclose(d.sum(), 1.0)), bool(np.isclose((d * m.r).sum() / 0.1, mdp.expected_return(m, pi)))
    (True, True)
    """
    fin = _check_mdp(mdp)
    pi = _check_policy("pi", pi, mdp)
    if fin:
        H, S, A = mdp.H, mdp.S, mdp.A
        batch = np.broadcast_shapes(mdp.batch_shape, pi.shape[:-3])
        d = np.zeros(batch + (H, S, A))
        ds = np.broadcast_to(mdp.mu0, batch + (S,))
        for h in range(H):
            d[..., h, :, :] = ds[..., :, None] * pi[..., h, :, :]
            if h + 1 < H:
                ds = np.einsum("...sa,...sap->...p", d[..., h, :, :], mdp.P[..., h, :, :, :])
        return d
    g = mdp.gamma
    P_pi = np.einsum("...sa,...sap->...sp", pi, mdp.P)
    M = np.eye(mdp.S) - g * np.swapaxes(P_pi, -1, -2)
    mu = np.broadcast_to(mdp.mu0, M.shape[:-1])
    dS = (1.0 - g) * np.linalg.solve(M, mu[..., None])[..., 0]
    return dS[..., :, None] * pi


def flow_constraints(mdp) -> tuple[np.ndarray, np.ndarray]:
    r"""Equality constraints ``A_eq @ d.ravel() = b_eq`` of the occupancy polytope.

    Discounted (``d`` of shape ``(S, A)``, normalised):
    ``sum_a d(s', a) - gamma sum_{s,a} P(s'|s, a) d(s, a) = (1 - gamma) mu0(s')`` for every ``s'``.
    Finite horizon (``d`` of shape ``(H, S, A)``): ``sum_a d_0(s, a) = mu0(s)`` and
    ``sum_a d_{h+1}(s', a) = sum_{s,a} P_h(s'|s, a) d_h(s, a)``. Together with ``d >= 0``
    these describe exactly the occupancy measures of (stationary, resp. Markov) policies
    (Puterman 1994, Thm. 6.9.1); the dual linear programme maximises ``<d, r>`` over them.

    Returns
    -------
    A_eq : (S, S*A) or (H*S, H*S*A)
    b_eq : (S,) or (H*S,)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.7, rng=np.random.default_rng(2))
    >>> A_eq, b_eq = mdp.flow_constraints(m)
    >>> d = mdp.occupancy(m, mdp.uniform_policy(m))
    >>> bool(np.allclose(A_eq @ d.ravel(), b_eq))
    True
    """
    fin = _check_mdp(mdp)
    if mdp.batch_shape:
        raise ValueError(f"flow_constraints needs a single MDP; got batch shape {mdp.batch_shape}")
    S, A = mdp.S, mdp.A
    marg = np.kron(np.eye(S), np.ones((1, A)))            # (S, S*A): sum_a d(s, a)
    if not fin:
        A_eq = marg - mdp.gamma * mdp.P.reshape(S * A, S).T
        return A_eq, (1.0 - mdp.gamma) * mdp.mu0
    H = mdp.H
    A_eq = np.zeros((H * S, H * S * A))
    for h in range(H):
        A_eq[h * S:(h + 1) * S, h * S * A:(h + 1) * S * A] = marg
        if h > 0:
            A_eq[h * S:(h + 1) * S, (h - 1) * S * A:h * S * A] = -mdp.P[h - 1].reshape(S * A, S).T
    b_eq = np.zeros(H * S)
    b_eq[:S] = mdp.mu0
    return A_eq, b_eq


def occupancy_lp(mdp) -> tuple[np.ndarray, float]:
    r"""Solve the dual linear programme over occupancy measures with ``scipy.optimize.linprog``.

    Discounted: maximise ``<d, r> / (1 - gamma)`` subject to :func:`flow_constraints` and
    ``d >= 0``; finite horizon: maximise ``sum_h <d_h, r_h>``. The optimum equals
    ``J* = mu0 . V*`` (LP duality; Puterman 1994, Sec. 6.9), an independent route to the
    value of :func:`value_iteration`.

    Returns
    -------
    d : (S, A) or (H, S, A) optimal occupancy
    value : float, the optimal return

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(4, 3, gamma=0.9, rng=np.random.default_rng(3))
    >>> d, J = mdp.occupancy_lp(m)
    >>> bool(np.isclose(J, mdp.expected_return(m, mdp.value_iteration(m).pi), atol=1e-7))
    True
    """
    from scipy.optimize import linprog

    fin = _check_mdp(mdp)
    A_eq, b_eq = flow_constraints(mdp)
    c = -(mdp.r.ravel() if fin else mdp.r.ravel() / (1.0 - mdp.gamma))
    res = linprog(c, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover
        raise RuntimeError(f"linprog failed: {res.message}")
    shape = (mdp.H, mdp.S, mdp.A) if fin else (mdp.S, mdp.A)
    return np.maximum(res.x, 0.0).reshape(shape), float(-res.fun)


def policy_from_occupancy(d) -> np.ndarray:
    """``pi(a|s) = d(s, a) / sum_b d(s, b)``; states with zero mass get the uniform policy.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> mdp.policy_from_occupancy(np.array([[0.2, 0.6], [0.0, 0.0]]))
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    d = V_.real_array("d", d, min_ndim=2)
    if np.any(d < 0):
        raise ValueError("d must be non-negative (an occupancy measure)")
    tot = d.sum(axis=-1, keepdims=True)
    A = d.shape[-1]
    return np.where(tot > 0, d / np.where(tot > 0, tot, 1.0), 1.0 / A)


def successor_features(mdp, pi, phi) -> np.ndarray:
    r"""Successor features ``psi^pi(s, a) = E[sum_t gamma^t phi(s_t, a_t) | s_0 = s, a_0 = a]``.

    Discounted: ``psi = phi + gamma P Pi psi`` solved as one linear system in the
    ``S*A`` state-action space (Barreto et al. 2017, Eq. 3); finite horizon:
    ``psi_h = phi_h + P_h sum_a' pi_{h+1} psi_{h+1}``. For a reward ``r = phi @ w``,
    ``Q^pi = psi @ w``.

    Parameters
    ----------
    phi : (S, A, k) or (H, S, A, k) array

    Returns
    -------
    (..., S, A, k) or (..., H, S, A, k)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(4))
    >>> pi = mdp.uniform_policy(m)
    >>> psi = mdp.successor_features(m, pi, m.r[..., None])
    >>> bool(np.allclose(psi[..., 0], mdp.policy_evaluation(m, pi)[1]))
    True
    """
    fin = _check_mdp(mdp)
    pi = _check_policy("pi", pi, mdp)
    S, A = mdp.S, mdp.A
    phi = V_.real_array("phi", phi, ndim=4 if fin else 3)
    want = (mdp.H, S, A) if fin else (S, A)
    if phi.shape[:-1] != want:
        raise ValueError(f"phi must have shape {want + ('k',)}; got {phi.shape}")
    if fin:
        H = mdp.H
        batch = np.broadcast_shapes(mdp.batch_shape, pi.shape[:-3])
        psi = np.zeros(batch + phi.shape)
        nxt = None
        for h in range(H - 1, -1, -1):
            psi[..., h, :, :, :] = phi[h]
            if nxt is not None:
                psi[..., h, :, :, :] += np.einsum("...sap,...pk->...sak", mdp.P[..., h, :, :, :], nxt)
            nxt = np.einsum("...sa,...sak->...sk", pi[..., h, :, :], psi[..., h, :, :, :])
        return psi
    k = phi.shape[-1]
    PP = np.einsum("...sap,...pb->...sapb", mdp.P, pi)
    batch = PP.shape[:-4]
    M = np.eye(S * A) - mdp.gamma * PP.reshape(batch + (S * A, S * A))
    rhs = np.broadcast_to(phi.reshape(S * A, k), batch + (S * A, k))
    return np.linalg.solve(M, rhs).reshape(batch + (S, A, k))


def potential_shaping(mdp, Phi):
    r"""Potential-based reward shaping: ``r'(s, a) = r(s, a) + gamma E[Phi(s')] - Phi(s)``.

    Ng, Harada & Russell (1999, Thm. 1): for every policy ``Q'^pi(s, a) = Q^pi(s, a) - Phi(s)``,
    so optimal policies are unchanged. Finite horizon: ``Phi`` has shape ``(H+1, S)``,
    ``r'_h = r_h + P_h Phi_{h+1} - Phi_h``. The potential must vanish on terminal states
    (discounted MDP) and at ``h = H`` (finite horizon): otherwise an episodic learner that
    stops at a terminal state sees a different problem.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(4, 2, gamma=0.9, rng=np.random.default_rng(5))
    >>> Phi = np.array([1.0, -2.0, 0.5, 3.0])
    >>> Q, Qs = mdp.value_iteration(m).Q, mdp.value_iteration(mdp.potential_shaping(m, Phi)).Q
    >>> bool(np.allclose(Qs, Q - Phi[:, None]))
    True
    """
    fin = _check_mdp(mdp)
    Phi = V_.real_array("Phi", Phi)
    if fin:
        if Phi.shape != (mdp.H + 1, mdp.S):
            raise ValueError(f"Phi must have shape (H+1, S) = {(mdp.H + 1, mdp.S)}; got {Phi.shape}")
        if np.any(Phi[-1] != 0):
            raise ValueError("Phi[H] must be 0 (the potential of the end of the episode)")
        nxt = np.einsum("...hsap,hp->...hsa", mdp.P, Phi[1:])
        return mdp.replace(r=mdp.r + nxt - Phi[:-1, :, None])
    if Phi.shape != (mdp.S,):
        raise ValueError(f"Phi must have shape (S,) = ({mdp.S},); got {Phi.shape}")
    if np.any(Phi[mdp.terminal] != 0):
        raise ValueError("Phi must be 0 on terminal states")
    r_new = mdp.r + mdp.gamma * np.einsum("...sap,p->...sa", mdp.P, Phi) - Phi[:, None]
    r_new[..., mdp.terminal, :] = 0.0
    return mdp.replace(r=r_new)


def bellman_optimality_residual(Q, s, a, r, s_next, *, gamma: float, done=None) -> np.ndarray:
    r"""Residuals ``Q(s, a) - r - gamma (1 - done) max_b Q(s', b)`` on observed transitions.

    Parameters
    ----------
    Q : (..., S, A) array (a stack of candidate Q tables)
    s, a, s_next : (n,) int arrays; r : (n,) float array; done : (n,) bool, optional
        Transitions ``(s, a, r, s')`` of a data set; ``done`` marks terminal ``s'``.

    Returns
    -------
    (..., n) array of residuals. ``Q*`` of the true MDP has zero residual on every
    transition of a deterministic MDP (Young et al. 2023's Bellman-consistent set).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> Q = np.array([[1.0, 0.0], [2.0, 0.0]])
    >>> mdp.bellman_optimality_residual(Q, np.array([0]), np.array([0]), np.array([0.0]),
    ...                                 np.array([1]), gamma=0.5)
    array([0.])
    """
    Q = V_.real_array("Q", Q, min_ndim=2)
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0)
    r = V_.real_array("r", r, ndim=1)
    S, A = Q.shape[-2:]
    s = V_.int_array("s", s, shape=r.shape, low=0, high=S - 1)
    a = V_.int_array("a", a, shape=r.shape, low=0, high=A - 1)
    s_next = V_.int_array("s_next", s_next, shape=r.shape, low=0, high=S - 1)
    cont = 1.0 if done is None else 1.0 - V_.bool_array("done", done, shape=r.shape).astype(float)
    return Q[..., s, a] - r - gamma * cont * Q[..., s_next, :].max(axis=-1)


# --------------------------------------------------------------------------- sampling


def sample_categorical(p, *, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of the probability array ``p (..., K)`` by inverse CDF; shape ``(...)``.

    Zero-probability entries are never drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> x = mdp.sample_categorical(np.tile([0.2, 0.0, 0.8], (10000, 1)), rng=np.random.default_rng(0))
    >>> np.bincount(x, minlength=3)[1], round(float(np.mean(x == 2)), 1)
    (np.int64(0), 0.8)
    """
    V_.generator("rng", rng)
    p = V_.stochastic("p", p, atol=1e-8)
    cdf = np.cumsum(p, axis=-1)
    return _draw(cdf, rng.random(p.shape[:-1]))


def _draw(cdf, u):
    """Index ``k`` with ``cdf[k-1] <= u * cdf[-1] < cdf[k]`` (rows of ``cdf`` along the last axis)."""
    K = cdf.shape[-1]
    idx = np.sum(cdf <= (u * cdf[..., -1])[..., None], axis=-1)
    return np.minimum(idx, K - 1)


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Sampled episodes: ``states (..., n, T+1)``, ``actions (..., n, T)``, ``rewards (..., n, T)``.

    ``states[..., t]`` is ``s_t`` (``s_T`` is the state after the last action); rewards are
    the expected rewards ``r(s_t, a_t)`` of the model.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def n_episodes(self) -> int:
        return int(self.actions.shape[-2])

    @property
    def T(self) -> int:
        return int(self.actions.shape[-1])

    def returns(self, gamma: float = 1.0) -> np.ndarray:
        """``sum_t gamma^t r_t`` per episode, shape ``(..., n)``."""
        gamma = V_.real_in("gamma", gamma, 0.0, 1.0)
        return self.rewards @ (gamma ** np.arange(self.T))


def _batch_index(batch, n):
    """Per-row multi-index (tuple of arrays) into ``batch`` for ``prod(batch) * n`` rows."""
    B = int(np.prod(batch, dtype=np.int64)) if batch else 1
    flat = np.repeat(np.arange(B), n)
    return np.unravel_index(flat, batch) if batch else ()


def sample_trajectories(mdp, pi, n_episodes: int, *, rng: np.random.Generator, horizon: int | None = None,
                        s0=None) -> Trajectories:
    r"""Sample ``n_episodes`` episodes of ``pi`` in ``mdp``, vectorised over episodes and batches.

    All episodes of all (policy, MDP) batch members advance together: the only Python loop
    is over the ``T`` time steps; each step draws ``a_t ~ pi(.|s_t)`` and
    ``s_{t+1} ~ P(.|s_t, a_t)`` for every row by inverse CDF.

    Parameters
    ----------
    mdp : DiscountedMDP or FiniteHorizonMDP
    pi : (..., [H,] S, A) array
        Policy; its batch dimensions broadcast with the MDP's.
    n_episodes : int >= 1
    rng : numpy.random.Generator
    horizon : int, optional
        Episode length ``T``: required for a discounted MDP (truncation), must be ``None``
        or ``H`` for a finite-horizon one.
    s0 : int array broadcastable to ``(..., n_episodes)``, optional
        Fixed initial states instead of draws from ``mu0``.

    Returns
    -------
    Trajectories
        With leading shape ``batch + (n_episodes,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.chain_mdp(4, gamma=0.9)
    >>> tr = mdp.sample_trajectories(m, np.tile([0.0, 1.0], (4, 1)), 5, rng=np.random.default_rng(0),
    ...                              horizon=3, s0=0)
    >>> tr.states[0], tr.actions.shape
    (array([0, 1, 2, 3]), (5, 3))
    """
    fin = _check_mdp(mdp)
    V_.generator("rng", rng)
    pi = _check_policy("pi", pi, mdp)
    n = V_.count("n_episodes", n_episodes)
    if fin:
        if horizon is not None and V_.count("horizon", horizon) != mdp.H:
            raise ValueError(f"horizon must be None or the MDP's H={mdp.H}; got {horizon}")
        T = mdp.H
    else:
        if horizon is None:
            raise ValueError("horizon (episode length) is required for a discounted MDP")
        T = V_.count("horizon", horizon)
    core_pi = 3 if fin else 2
    batch = np.broadcast_shapes(mdp.batch_shape, pi.shape[:pi.ndim - core_pi])
    S = mdp.S
    rows = int(np.prod(batch, dtype=np.int64)) * n if batch else n
    V_.elements("batch * n_episodes * (horizon + 1)", rows * (T + 1))
    bidx = _batch_index(batch, n)
    Pc = np.broadcast_to(np.cumsum(mdp.P, axis=-1), batch + mdp.P.shape[len(mdp.P.shape) - 3 - fin:])
    rb = np.broadcast_to(mdp.r, batch + mdp.r.shape[len(mdp.r.shape) - 2 - fin:])
    pic = np.broadcast_to(np.cumsum(pi, axis=-1), batch + pi.shape[pi.ndim - core_pi:])
    if s0 is None:
        mu_c = np.broadcast_to(np.cumsum(mdp.mu0, axis=-1), batch + (S,))
        s = _draw(mu_c[bidx] if batch else np.broadcast_to(mu_c, (rows, S)), rng.random(rows))
    else:
        s0 = V_.int_array("s0", s0, low=0, high=S - 1)
        try:
            s = np.broadcast_to(s0, batch + (n,)).reshape(rows).astype(np.int64)
        except ValueError:
            raise ValueError(f"s0 must broadcast to (batch..., n_episodes) = {batch + (n,)}; "
                             f"got shape {s0.shape}") from None
    states = np.empty((rows, T + 1), dtype=np.int64)
    actions = np.empty((rows, T), dtype=np.int64)
    rewards = np.empty((rows, T))
    states[:, 0] = s
    for t in range(T):
        tt = (t,) if fin else ()
        a = _draw(pic[bidx + tt + (s,)], rng.random(rows))
        rewards[:, t] = rb[bidx + tt + (s, a)]
        s = _draw(Pc[bidx + tt + (s, a)], rng.random(rows))
        actions[:, t] = a
        states[:, t + 1] = s
    lead = batch + (n,)
    return Trajectories(states.reshape(lead + (T + 1,)), actions.reshape(lead + (T,)),
                        rewards.reshape(lead + (T,)))


def sample_occupancy(mdp, pi, n_samples: int, *, rng: np.random.Generator):
    r"""I.i.d. transitions ``(s, a, s')`` with ``(s, a) ~ d^pi`` and ``s' ~ P(.|s, a)``.

    ``d^pi`` is the exact normalised discounted occupancy (:func:`occupancy`); samples from
    it are what the telescoping identity ``E_d[V(s) - gamma V(s')] = (1 - gamma) E_mu0 V``
    averages over. Single (unbatched) discounted MDP and policy.

    Returns
    -------
    s, a, s_next : (n_samples,) int arrays

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(0))
    >>> s, a, s2 = mdp.sample_occupancy(m, mdp.uniform_policy(m), 4, rng=np.random.default_rng(1))
    >>> s.shape, a.dtype.kind
    ((4,), 'i')
    """
    if _check_mdp(mdp) or mdp.batch_shape:
        raise TypeError("sample_occupancy needs a single DiscountedMDP")
    V_.generator("rng", rng)
    pi = _check_policy("pi", pi, mdp, allow_batch=False)
    n = V_.count("n_samples", n_samples)
    V_.elements("n_samples * S * A", n * mdp.S * mdp.A)
    d = occupancy(mdp, pi).ravel()
    d = np.maximum(d, 0.0)
    sa = _draw(np.broadcast_to(np.cumsum(d), (n, d.size)), rng.random(n))
    s, a = np.divmod(sa, mdp.A)
    s2 = _draw(np.cumsum(mdp.P, axis=-1)[s, a], rng.random(n))
    return s, a, s2


def empirical_model(mdp, n_per_sa: int, *, rng: np.random.Generator, size: int | None = None):
    r"""Plug-in model from a generative model: ``n_per_sa`` draws of ``s'`` per ``([h,] s, a)``.

    ``P_hat(s'|s, a) = N(s, a, s') / n_per_sa`` with multinomial counts; rewards and ``mu0``
    are kept (known). With ``size`` the result is a batch of ``size`` independent models
    (leading dimension), for vectorised planning over seeds.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(0))
    >>> mh = mdp.empirical_model(m, 10, rng=np.random.default_rng(1), size=4)
    >>> mh.batch_shape, bool(np.all((mh.P * 10) % 1 == 0))
    ((4,), True)
    """
    _check_mdp(mdp)
    V_.generator("rng", rng)
    n = V_.count("n_per_sa", n_per_sa)
    shape = mdp.P.shape if size is None else (V_.count("size", size),) + mdp.P.shape
    V_.elements("size * P.size", shape)
    pv = np.broadcast_to(mdp.P, shape)
    counts = rng.multinomial(n, pv / pv.sum(axis=-1, keepdims=True))
    return mdp.replace(P=counts / n)


def visit_counts(states, actions, n_states: int, n_actions: int, *, per_step: bool = True,
                 weights=None) -> np.ndarray:
    r"""Counts ``N([h,] s, a)`` of state-action visits in episodes, vectorised over batches.

    Parameters
    ----------
    states : (..., n, T) or (..., n, T+1) int array (a trailing ``s_T`` column is ignored)
    actions : (..., n, T) int array
    per_step : bool
        ``True``: counts per time step, shape ``(..., T, S, A)``; ``False``: pooled ``(..., S, A)``.
    weights : (T,) array, optional
        Per-time-step weights (e.g. ``gamma**t``) instead of 1.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> mdp.visit_counts(np.array([[0, 1, 1]]), np.array([[1, 0]]), 2, 2, per_step=False)
    array([[0., 1.],
           [1., 0.]])
    """
    S = V_.count("n_states", n_states)
    A = V_.count("n_actions", n_actions)
    per_step = V_.flag("per_step", per_step)
    a = V_.int_array("actions", actions)
    s = V_.int_array("states", states)
    if a.ndim < 2:
        raise ValueError(f"actions must be an integer array of shape (..., n, T); got {a.dtype} {a.shape}")
    T = a.shape[-1]
    if s.ndim and s.shape[-1] == T + 1:
        s = s[..., :T]
    if s.shape != a.shape:
        raise ValueError(f"states must have the shape of actions {a.shape} (or (..., T+1)); got {s.shape}")
    if np.any((s < 0) | (s >= S)) or np.any((a < 0) | (a >= A)):
        raise ValueError("states/actions out of range [0, n_states) / [0, n_actions)")
    V_.elements("batch * n_steps * n_states * n_actions",
                int(np.prod(a.shape[:-2], dtype=np.int64)) * ((T if per_step else 1) * S * A))
    w = np.ones(T) if weights is None else V_.real_array("weights", weights, ndim=1)
    if w.shape != (T,):
        raise ValueError(f"weights must have shape ({T},); got {w.shape}")
    batch = a.shape[:-2]
    B = int(np.prod(batch, dtype=np.int64)) if batch else 1
    nT = a.shape[-2] * T
    cells = (T * S * A) if per_step else (S * A)
    t_idx = np.broadcast_to(np.arange(T), a.shape)
    idx = (s * A + a) + (t_idx * S * A if per_step else 0)
    idx = idx.reshape(B, nT) + np.arange(B)[:, None] * cells
    ww = np.broadcast_to(w, a.shape).reshape(B, nT)
    out = np.bincount(idx.ravel(), weights=ww.ravel(), minlength=B * cells)
    return out.reshape(batch + ((T, S, A) if per_step else (S, A)))


def next_state_table(mdp) -> np.ndarray:
    """For deterministic dynamics, the table ``f[..., [h,] s, a] = s'`` with ``P(s'|s, a) = 1``;
    ``ValueError`` if some transition is not deterministic."""
    _check_mdp(mdp)
    if not np.all(np.isclose(mdp.P.max(axis=-1), 1.0)):
        raise ValueError("the MDP's transitions are not deterministic")
    return np.argmax(mdp.P, axis=-1)


# --------------------------------------------------------------------------- builders


def random_mdp(n_states: int, n_actions: int, *, gamma: float, rng: np.random.Generator,
               concentration: float = 0.3, size: int | None = None) -> DiscountedMDP:
    """A random discounted MDP: ``P(.|s, a) ~ Dirichlet(concentration)``, ``r ~ U[0, 1]``,
    uniform ``mu0``; with ``size``, a batch of ``size`` independent MDPs.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> mdp.random_mdp(5, 3, gamma=0.9, rng=np.random.default_rng(0)).P.shape
    (5, 3, 5)
    """
    S = V_.count("n_states", n_states)
    A = V_.count("n_actions", n_actions)
    V_.generator("rng", rng)
    c = V_.real_in("concentration", concentration, 0.0, np.inf, lo_open=True)
    lead = () if size is None else (V_.count("size", size),)
    V_.elements("size * n_states^2 * n_actions", lead + (S, A, S))
    P = rng.dirichlet(np.full(S, c), size=lead + (S, A))
    r = rng.random(lead + (S, A))
    return DiscountedMDP(P, r, gamma)


def random_finite_mdp(n_states: int, n_actions: int, horizon: int, *, rng: np.random.Generator,
                      concentration: float = 0.3, stationary: bool = False) -> FiniteHorizonMDP:
    """A random finite-horizon MDP: ``P_h(.|s, a) ~ Dirichlet(concentration)``, ``r_h ~ U[0, 1]``,
    uniform ``mu0``; ``stationary=True`` draws one ``(P, r)`` for all steps.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> mdp.random_finite_mdp(10, 4, 5, rng=np.random.default_rng(0)).P.shape
    (5, 10, 4, 10)
    """
    S = V_.count("n_states", n_states)
    A = V_.count("n_actions", n_actions)
    H = V_.count("horizon", horizon)
    V_.generator("rng", rng)
    c = V_.real_in("concentration", concentration, 0.0, np.inf, lo_open=True)
    stationary = V_.flag("stationary", stationary)
    V_.elements("horizon * n_states^2 * n_actions", (H, S, A, S))
    if stationary:
        P = rng.dirichlet(np.full(S, c), size=(S, A))
        return FiniteHorizonMDP.stationary(P, rng.random((S, A)), H)
    return FiniteHorizonMDP(rng.dirichlet(np.full(S, c), size=(H, S, A)), rng.random((H, S, A)))


def chain_mdp(n_states: int, *, gamma: float, slip: float = 0.0, reward: float = 1.0,
              mu0=None) -> DiscountedMDP:
    """A chain ``0 - 1 - ... - (n-1)``; actions 0 = left, 1 = right; entering the last state
    pays ``reward`` and the last state is terminal (absorbing, zero reward). With probability
    ``slip`` the move goes the other way. ``mu0`` defaults to uniform over non-terminal states.

    Examples
    --------
    >>> from theorylab.rl import mdp
    >>> m = mdp.chain_mdp(3, gamma=0.9)
    >>> m.r.tolist(), m.terminal.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [False, False, True])
    """
    n = V_.count("n_states", n_states, low=2)
    V_.elements("2 * n_states^2", (n, 2, n))
    slip = V_.real_in("slip", slip, 0.0, 1.0)
    reward = V_.real_array("reward", reward, ndim=0).item()
    P = np.zeros((n, 2, n))
    for s in range(n - 1):
        left, right = max(s - 1, 0), s + 1
        P[s, 0, left] += 1 - slip
        P[s, 0, right] += slip
        P[s, 1, right] += 1 - slip
        P[s, 1, left] += slip
    P[n - 1, :, n - 1] = 1.0
    r = reward * P[:, :, n - 1].copy()
    r[n - 1] = 0.0
    term = np.zeros(n, dtype=bool)
    term[-1] = True
    if mu0 is None:
        mu0 = np.r_[np.full(n - 1, 1.0 / (n - 1)), 0.0]
    return DiscountedMDP(P, r, gamma, mu0=mu0, terminal=term)


#: Action order of :func:`grid_mdp`: (row, column) steps of up, right, down, left.
GRID_MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])


def grid_mdp(n_rows: int, n_cols: int, *, gamma: float, goal: tuple[int, int], step_reward: float = 0.0,
             enter_reward=None, goal_reward: float = 1.0, slip: float = 0.0, start=None,
             walls=None) -> DiscountedMDP:
    r"""A gridworld: state ``s = row * n_cols + col``, actions up/right/down/left (:data:`GRID_MOVES`).

    Moving into a wall or off the grid leaves the agent in place. With probability ``slip``
    the move is replaced by a uniformly random one. Every step costs ``step_reward``;
    entering a cell pays ``enter_reward[row, col]`` (``goal_reward`` for the goal); the goal
    is terminal. Rewards are the expectations ``r(s, a) = step_reward + sum_s' P(s'|s, a)
    enter(s')``. ``start`` (a cell) sets ``mu0``; default uniform over non-goal, non-wall cells.

    Examples
    --------
    >>> from theorylab.rl import mdp
    >>> g = mdp.grid_mdp(2, 2, gamma=0.9, goal=(1, 1), start=(0, 0))
    >>> g.S, g.A, g.terminal.nonzero()[0].tolist(), float(g.r[1, 2])   # from (0, 1) move down
    (4, 4, [3], 1.0)
    """
    R = V_.count("n_rows", n_rows)
    C = V_.count("n_cols", n_cols)
    S = R * C
    V_.elements("4 * (n_rows * n_cols)^2", (S, 4, S))
    slip = V_.real_in("slip", slip, 0.0, 1.0)
    step_reward = V_.real("step_reward", step_reward)
    goal_reward = V_.real("goal_reward", goal_reward)
    gr, gc = V_.index_pair("goal", goal, (R, C))
    wall = np.zeros((R, C), dtype=bool) if walls is None else V_.bool_array("walls", walls, shape=(R, C))
    enter = np.zeros((R, C)) if enter_reward is None else V_.real_array("enter_reward", enter_reward).copy()
    if enter.shape != (R, C):
        raise ValueError(f"enter_reward must have shape ({R}, {C}); got {enter.shape}")
    enter[gr, gc] = goal_reward
    rows, cols = np.divmod(np.arange(S), C)
    nxt = np.empty((S, 4), dtype=np.int64)
    for k, (dr, dc) in enumerate(GRID_MOVES):
        r2, c2 = rows + dr, cols + dc
        ok = (r2 >= 0) & (r2 < R) & (c2 >= 0) & (c2 < C)
        r2, c2 = np.where(ok, r2, rows), np.where(ok, c2, cols)
        blocked = wall[r2, c2]
        nxt[:, k] = np.where(blocked, np.arange(S), r2 * C + c2)
    det = np.zeros((S, 4, S))
    det[np.arange(S)[:, None], np.arange(4)[None, :], nxt] = 1.0
    P = (1 - slip) * det + slip * det.mean(axis=1, keepdims=True)
    g = gr * C + gc
    P[g] = 0.0
    P[g, :, g] = 1.0
    r = step_reward + P @ enter.ravel()
    r[g] = 0.0
    term = np.zeros(S, dtype=bool)
    term[g] = True
    if start is None:
        ok = ~wall.ravel() & ~term
        mu0 = ok / ok.sum()
    else:
        sr, sc = V_.index_pair("start", start, (R, C))
        mu0 = np.zeros(S)
        mu0[sr * C + sc] = 1.0
    return DiscountedMDP(P, r, gamma, mu0=mu0, terminal=term)


@dataclass(frozen=True, eq=False)
class FactoredMDP:
    r"""A deterministic MDP whose state and action are tuples of factors evolving independently.

    Factor ``i`` takes values ``0..n_i-1`` and is driven by action factor ``a_i in 0..m_i-1``
    through its own table ``x_i' = f_i[x_i, a_i]``. States and actions are flat indices in C
    order (``numpy.ravel_multi_index``). Built by :func:`factored_mdp`.

    Attributes
    ----------
    mdp : DiscountedMDP
    tables : tuple of (n_i, m_i) int arrays
    """

    mdp: DiscountedMDP
    tables: tuple

    @property
    def state_sizes(self) -> tuple[int, ...]:
        return tuple(int(t.shape[0]) for t in self.tables)

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return tuple(int(t.shape[1]) for t in self.tables)

    def state_factors(self, s) -> np.ndarray:
        """``(..., n_factors)`` factor values of flat states ``s``."""
        s = V_.int_array("s", s, low=0, high=self.mdp.S - 1)
        return np.stack(np.unravel_index(s, self.state_sizes), axis=-1)

    def action_factors(self, a) -> np.ndarray:
        """``(..., n_factors)`` factor values of flat actions ``a``."""
        a = V_.int_array("a", a, low=0, high=self.mdp.A - 1)
        return np.stack(np.unravel_index(a, self.action_sizes), axis=-1)

    def encode_state(self, x) -> np.ndarray:
        """Flat state index of factor values ``x (..., n_factors)``."""
        x = V_.int_array("x", x, low=0)
        sizes = self.state_sizes
        if x.ndim < 1 or x.shape[-1] != len(sizes):
            raise ValueError(f"x must have shape (..., {len(sizes)}) (one value per factor); got {x.shape}")
        if x.size and np.any(x >= np.array(sizes)):
            raise ValueError(f"x must hold factor values below the factor sizes {sizes}")
        return np.ravel_multi_index(tuple(np.moveaxis(x, -1, 0)), sizes)


def factored_mdp(tables: Sequence, reward, *, gamma: float, mu0=None, terminal=None) -> FactoredMDP:
    r"""Build a deterministic factored MDP from per-factor transition tables.

    ``P(s'|s, a) = 1`` iff ``x_i' = f_i[x_i, a_i]`` for every factor ``i``
    (Young et al. 2023's setting: combinatorially many states, few independent rules).

    Parameters
    ----------
    tables : sequence of (n_i, m_i) int arrays with entries in ``[0, n_i)``
    reward : (S, A) array of expected rewards, ``S = prod n_i``, ``A = prod m_i``
    gamma, mu0, terminal : as in :class:`DiscountedMDP`

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp
    >>> move = np.array([[0, 1], [1, 1]])        # a 2-valued factor: action 1 sets it to 1
    >>> f = mdp.factored_mdp([move, move], np.zeros((4, 4)), gamma=0.9)
    >>> int(mdp.next_state_table(f.mdp)[0, 3])   # (0, 0) with actions (1, 1) -> (1, 1)
    3
    """
    if isinstance(tables, (str, bytes, np.ndarray)) or not isinstance(tables, Sequence):
        raise TypeError(f"tables must be a sequence (list or tuple) of (n_i, m_i) integer arrays; "
                        f"got {type(tables).__name__}")
    tabs = []
    for i, t in enumerate(tables):
        t = V_.int_array(f"tables[{i}]", t, ndim=2)
        if np.any(t < 0) or np.any(t >= t.shape[0]):
            raise ValueError(f"tables[{i}] must be an (n_i, m_i) integer array with entries in [0, n_i)")
        tabs.append(t.astype(np.int64))
    if not tabs:
        raise ValueError("tables must hold at least one factor")
    ns = tuple(t.shape[0] for t in tabs)
    ms = tuple(t.shape[1] for t in tabs)
    S, A = int(np.prod(ns)), int(np.prod(ms))
    V_.elements("prod(n_i)^2 * prod(m_i) (the tables)", S * A * S)
    xs = np.unravel_index(np.arange(S), ns)
    as_ = np.unravel_index(np.arange(A), ms)
    nxt_f = [tabs[i][xs[i][:, None], as_[i][None, :]] for i in range(len(tabs))]   # each (S, A)
    nxt = np.ravel_multi_index(tuple(nxt_f), ns)
    P = np.zeros((S, A, S))
    P[np.arange(S)[:, None], np.arange(A)[None, :], nxt] = 1.0
    reward = V_.real_array("reward", reward, ndim=2)
    if reward.shape != (S, A):
        raise ValueError(f"reward must have shape (S, A) = ({S}, {A}); got {reward.shape}")
    return FactoredMDP(DiscountedMDP(P, reward, gamma, mu0=mu0, terminal=terminal), tuple(tabs))
