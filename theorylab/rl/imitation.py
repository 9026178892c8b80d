r"""Imitation learning on tabular MDPs: behaviour cloning, DAgger, inverse soft-Q learning.

* Behaviour cloning with Laplace (add-``kappa``) smoothing, the log-regularised maximum
  likelihood of Tiapkin et al. (2023, Sec. 3.1): :func:`bc_policy`, :func:`behaviour_cloning`;
  the trajectory KL ``KL_traj(pi_E || pi) = sum_h E_{s_h ~ pi_E} KL(pi_E,h(.|s_h) || pi_h(.|s_h))``
  (:func:`trajectory_kl`).
* DAgger (Ross, Gordon & Bagnell 2011), vectorised over seeds: :func:`dagger`.
* The compounding-error chains of Ross & Bagnell (2010) with exact closed forms:
  :func:`compounding_chain`, :func:`bc_chain_loss`, :func:`dagger_chain_loss`.
* Inverse soft-Q learning (IQ-Learn; Garg et al. 2021) with the chi^2 regulariser in its
  offline form, and its rewriting as maximum likelihood minus a temporal-difference
  penalty (Wulfmeier et al. 2024): :func:`iq_objective`, :func:`td_regularized_mle`
  (with analytic gradient), :func:`iq_fit` (L-BFGS), :func:`iq_reward`.

Used by ``notebooks/bandits-rl/demonstration-regularized-rl.md``,
``rl-llm-compounding-error.md`` and ``imitating-language-irl.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .. import _validate as V_
from .mdp import (DiscountedMDP, FiniteHorizonMDP, Trajectories, _check_mdp, _check_policy, _draw,
                  occupancy, sample_trajectories, visit_counts)

__all__ = [
    "bc_policy", "behaviour_cloning", "trajectory_kl", "dagger",
    "compounding_chain", "bc_chain_loss", "dagger_chain_loss",
    "Transitions", "soft_value", "iq_objective", "td_regularized_mle", "iq_fit", "iq_reward",
    "exact_transitions", "trajectory_transitions",
]


# --------------------------------------------------------------------------- behaviour cloning


def bc_policy(counts, kappa: float = 0.0) -> np.ndarray:
    r"""Behaviour-cloning policy from visit counts with add-``kappa`` smoothing.

    .. math:: \pi(a|s) = \frac{N(s, a) + \kappa}{N(s) + \kappa A},

    the maximiser of ``sum N(s, a) log pi(a|s) + kappa sum_a log pi(a|s)`` (the
    log-regularised MLE of Tiapkin et al. 2023, Sec. 3.1). With ``kappa = 0`` unvisited
    states get the uniform policy.

    Parameters
    ----------
    counts : (..., S, A) array (or (..., H, S, A) per step), non-negative
    kappa : float >= 0

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation
    >>> imitation.bc_policy(np.array([[3.0, 1.0], [0.0, 0.0]]), kappa=1.0)
    array([[0.66666667, 0.33333333],
           [0.5       , 0.5       ]])
    """
    c = V_.real_array("counts", counts, min_ndim=2)
    if np.any(c < 0):
        raise ValueError("counts must be non-negative")
    kappa = V_.nonneg_real("kappa", kappa)
    A = c.shape[-1]
    num = c + kappa
    den = num.sum(axis=-1, keepdims=True)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0 / A)


def behaviour_cloning(traj: Trajectories, n_states: int, n_actions: int, *, kappa: float = 0.0,
                      per_step: bool = True) -> np.ndarray:
    """BC policy from sampled episodes (batched over the leading dimensions of ``traj``):
    :func:`theorylab.rl.mdp.visit_counts` then :func:`bc_policy`. Shape ``(..., [T,] S, A)``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m = mdp.random_finite_mdp(4, 2, 3, rng=np.random.default_rng(0))
    >>> tr = mdp.sample_trajectories(m, mdp.uniform_policy(m), 50, rng=np.random.default_rng(1))
    >>> imitation.behaviour_cloning(tr, 4, 2, kappa=0.5).shape
    (3, 4, 2)
    """
    if not isinstance(traj, Trajectories):
        raise TypeError(f"traj must be a Trajectories; got {type(traj).__name__}")
    return bc_policy(visit_counts(traj.states, traj.actions, n_states, n_actions, per_step=per_step), kappa)


def _kl_rows(p, q):
    """``sum_a p log(p / q)`` along the last axis, 0 log 0 = 0, +inf where q = 0 < p."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - np.log(q)), 0.0)
    return t.sum(axis=-1)


def trajectory_kl(mdp, pi_p, pi_q) -> np.ndarray:
    r"""Trajectory KL divergence, weighted by the occupancy of ``pi_p``.

    Finite horizon: ``KL_traj(pi_p || pi_q) = sum_h sum_s d^{p}_h(s) KL(pi_p,h(.|s) || pi_q,h(.|s))``,
    which equals ``KL(P^{pi_p} || P^{pi_q})`` between the laws of whole trajectories (the
    dynamics cancel; Tiapkin et al. 2023, Eq. for ``KL_traj``). Discounted: the normalised
    ``sum_s d^{p}(s) KL(...)``. ``+inf`` if ``pi_q`` misses an action ``pi_p`` takes on a
    reachable state. Batched over the policies' leading dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m = mdp.random_finite_mdp(3, 2, 2, rng=np.random.default_rng(0))
    >>> pi = mdp.uniform_policy(m)
    >>> float(imitation.trajectory_kl(m, pi, pi))
    0.0
    """
    fin = _check_mdp(mdp)
    pi_p = _check_policy("pi_p", pi_p, mdp)
    pi_q = _check_policy("pi_q", pi_q, mdp)
    d = occupancy(mdp, pi_p).sum(axis=-1)                     # (..., [H,] S)
    kl = _kl_rows(pi_p, pi_q)                                 # (..., [H,] S)
    with np.errstate(invalid="ignore"):
        w = np.where(d > 0, d * kl, 0.0)
    return w.sum(axis=(-2, -1)) if fin else w.sum(axis=-1)


def dagger(mdp: FiniteHorizonMDP, expert_pi, *, n_rounds: int, n_per_round: int, n_seeds: int,
           rng: np.random.Generator, kappa: float = 0.0) -> np.ndarray:
    r"""DAgger for tabular finite-horizon MDPs, vectorised over ``n_seeds`` independent runs.

    Round 1 rolls out the expert; round ``i > 1`` rolls out the current learner. Every
    visited ``(h, s_h)`` is labelled with an action drawn from ``expert_pi`` (the expert is
    queried on the learner's states), all labels are aggregated, and the learner is the
    per-step behaviour-cloning policy of the aggregate (:func:`bc_policy`, smoothing
    ``kappa``). Ross, Gordon & Bagnell (2011), Algorithm 3.1 with ``beta_1 = 1`` and
    ``beta_i = 0`` afterwards. ``n_rounds = 1`` is plain behaviour cloning.

    Returns
    -------
    (n_seeds, H, S, A) final learner policies

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m = mdp.random_finite_mdp(5, 3, 4, rng=np.random.default_rng(0))
    >>> expert = mdp.value_iteration(m).pi
    >>> pis = imitation.dagger(m, expert, n_rounds=3, n_per_round=20, n_seeds=4, rng=np.random.default_rng(1))
    >>> pis.shape
    (4, 4, 5, 3)
    """
    if not isinstance(mdp, FiniteHorizonMDP) or mdp.batch_shape:
        raise TypeError("mdp must be a single FiniteHorizonMDP")
    expert_pi = _check_policy("expert_pi", expert_pi, mdp, allow_batch=False)
    n_rounds = V_.count("n_rounds", n_rounds)
    n = V_.count("n_per_round", n_per_round)
    R = V_.count("n_seeds", n_seeds)
    V_.generator("rng", rng)
    kappa = V_.nonneg_real("kappa", kappa)
    H, S, A = mdp.H, mdp.S, mdp.A
    V_.elements("n_seeds * H * S * A", R * H * S * A)
    V_.elements("n_seeds * n_per_round * (H + 1)", R * n * (H + 1))
    V_.elements("n_rounds * n_seeds * n_per_round * H (solver work)", n_rounds * R * n * H, limit=10**10)
    counts = np.zeros((R, H, S, A))
    pol = np.broadcast_to(expert_pi, (R, H, S, A))
    ecdf = np.cumsum(expert_pi, axis=-1)
    hh = np.arange(H)
    for _ in range(n_rounds):
        tr = sample_trajectories(mdp, pol, n, rng=rng)
        st = tr.states[..., :H]                                            # (R, n, H)
        labels = _draw(ecdf[hh, st], rng.random(st.shape))                 # expert's action at s_h
        counts += visit_counts(st, labels, S, A, per_step=True)
        pol = bc_policy(counts, kappa)
    return pol


def compounding_chain(eps: float, horizon: int, *, recoverable: bool):
    r"""The two-state chain of the compounding-error argument (Ross & Bagnell 2010).

    State 0 = good ``G``, 1 = bad ``B``; action 0 is the expert's. In ``G`` the expert action
    pays 1 and stays; action 1 pays 0 and moves to ``B``. Irrecoverable chain
    (``recoverable=False``): ``B`` is absorbing with reward 0 under both actions.
    Recoverable chain: in ``B`` action 0 ("recover") returns to ``G`` (reward 0 on that
    step), action 1 stays in ``B``. ``s_0 = G``. The expert always plays action 0; the
    learner plays it with probability ``1 - eps`` in every state (its per-step error
    under the expert's state distribution is ``eps``).

    Returns
    -------
    mdp : FiniteHorizonMDP with ``S = 2``, ``A = 2``
    expert_pi, learner_pi : (H, 2, 2) policies

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m, pe, pl = imitation.compounding_chain(0.1, 5, recoverable=False)
    >>> loss = mdp.expected_return(m, pe) - mdp.expected_return(m, pl)
    >>> bool(np.isclose(loss, imitation.bc_chain_loss(0.1, 5)))
    True
    """
    eps = V_.real_in("eps", eps, 0.0, 1.0)
    H = V_.count("horizon", horizon)
    V_.elements("8 * horizon", 8 * H)
    recoverable = V_.flag("recoverable", recoverable)
    P = np.zeros((2, 2, 2))
    r = np.zeros((2, 2))
    P[0, 0, 0] = 1.0
    r[0, 0] = 1.0
    P[0, 1, 1] = 1.0
    if recoverable:
        P[1, 0, 0] = 1.0
        P[1, 1, 1] = 1.0
    else:
        P[1, :, 1] = 1.0
    m = FiniteHorizonMDP.stationary(P, r, H, mu0=np.array([1.0, 0.0]))
    expert = np.zeros((H, 2, 2))
    expert[..., 0] = 1.0
    learner = np.zeros((H, 2, 2))
    learner[..., 0] = 1.0 - eps
    learner[..., 1] = eps
    return m, expert, learner


def _chain_args(eps, horizon):
    """``eps`` in [0, 1] and ``horizon`` >= 1 (reals or arrays, broadcast), as float arrays."""
    eps = V_.array("eps", eps, low=0.0, high=1.0)
    H = V_.array("horizon", horizon, low=1.0)
    try:
        np.broadcast_shapes(eps.shape, H.shape)
    except ValueError:
        raise ValueError(f"eps and horizon must broadcast; got shapes {eps.shape} and {H.shape}") from None
    return eps, H


def bc_chain_loss(eps, horizon):
    r"""Closed form of the irrecoverable chain's loss ``J(pi_E) - J(pi)``:

    .. math:: H - \frac{(1-\epsilon)\,(1 - (1-\epsilon)^H)}{\epsilon}
              = \sum_{t=1}^{H} \bigl(1 - (1-\epsilon)^t\bigr) \le \frac{\epsilon H (H+1)}{2} \le \epsilon H^2.

    Vectorised over ``eps`` and ``horizon`` (broadcast); ``eps = 0`` gives 0.

    Examples
    --------
    >>> from theorylab.rl import imitation
    >>> round(float(imitation.bc_chain_loss(0.5, 2)), 6)      # (1 - 1/2) + (1 - 1/4)
    1.25
    """
    eps, H = _chain_args(eps, horizon)
    with np.errstate(invalid="ignore", divide="ignore"):
        # H - (1-eps)(1-(1-eps)^H)/eps, written with expm1/log1p for small eps
        q = -np.expm1(H * np.log1p(-np.minimum(eps, 1 - 1e-300)))  # 1 - (1-eps)^H
        out = H - (1.0 - eps) * q / np.where(eps > 0, eps, 1.0)
    return np.where(eps > 0, out, 0.0)


def dagger_chain_loss(eps, horizon):
    r"""Closed form of the recoverable chain's loss (DAgger's regime):

    With ``g_t = Pr(s_t = G)``: ``g_0 = 1`` and ``g_{t+1} = 1 - eps`` for ``t >= 0``, so
    ``J(pi) = (1 - eps) [1 + (H - 1)(1 - eps)]`` and

    .. math:: J(\pi_E) - J(\pi) = \epsilon + (H-1)\,\epsilon\,(2 - \epsilon) \approx 2\epsilon H.

    Examples
    --------
    >>> from theorylab.rl import imitation
    >>> round(float(imitation.dagger_chain_loss(0.1, 3)), 6)   # 0.1 + 2 * 0.1 * 1.9
    0.48
    """
    eps, H = _chain_args(eps, horizon)
    return eps + (H - 1.0) * eps * (2.0 - eps)


# --------------------------------------------------------------------------- inverse soft-Q


@dataclass(frozen=True, eq=False)
class Transitions:
    r"""A weighted set of transitions ``(s_i, a_i, s'_i, done_i)`` with weights ``w_i``.

    The weights are a probability distribution: either the exact ``d(s, a) P(s'|s, a)`` of
    a policy (:func:`exact_transitions`) or an empirical one (:func:`trajectory_transitions`).
    ``done_i`` marks a terminal next state (its soft value is 0).
    """

    s: np.ndarray
    a: np.ndarray
    s_next: np.ndarray
    w: np.ndarray
    done: np.ndarray

    def __post_init__(self) -> None:
        w = V_.real_array("w", self.w, ndim=1)
        n = w.size
        for nm in ("s", "a", "s_next"):
            x = V_.int_array(nm, getattr(self, nm), low=0)
            if x.shape != (n,):
                raise ValueError(f"{nm} must be an integer array of shape ({n},); got {x.dtype} {x.shape}")
            object.__setattr__(self, nm, x.astype(np.int64))
        d = V_.bool_array("done", self.done)
        if d.shape != (n,):
            raise ValueError(f"done must be a boolean array of shape ({n},); got {d.shape}")
        if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
            raise ValueError("w must be non-negative weights summing to 1")
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "done", d)


def exact_transitions(mdp: DiscountedMDP, pi) -> Transitions:
    """All ``S*A*S`` transitions weighted by ``d^pi(s, a) P(s'|s, a)`` (the exact expert
    distribution of the IQ-Learn objective); single discounted MDP."""
    if not isinstance(mdp, DiscountedMDP) or mdp.batch_shape:
        raise TypeError("mdp must be a single DiscountedMDP")
    pi = _check_policy("pi", pi, mdp, allow_batch=False)
    S, A = mdp.S, mdp.A
    w = (occupancy(mdp, pi)[:, :, None] * mdp.P).ravel()
    s, a, s2 = np.unravel_index(np.arange(S * A * S), (S, A, S))
    return Transitions(s, a, s2, w / w.sum(), mdp.terminal[s2])


def trajectory_transitions(traj: Trajectories, *, gamma: float, terminal=None) -> Transitions:
    r"""Empirical discounted transition distribution of sampled episodes: step ``t`` has weight
    proportional to ``gamma^t`` (``gamma = 1``: uniform), normalised over all episodes and
    steps. An unbiased-in-the-limit estimate of ``d^pi P`` when ``gamma^T`` is negligible.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.5, rng=np.random.default_rng(0))
    >>> tr = mdp.sample_trajectories(m, mdp.uniform_policy(m), 4, rng=np.random.default_rng(1), horizon=10)
    >>> D = imitation.trajectory_transitions(tr, gamma=0.5)
    >>> D.s.shape, round(float(D.w.sum()), 12)
    ((40,), 1.0)
    """
    if not isinstance(traj, Trajectories):
        raise TypeError(f"traj must be a Trajectories; got {type(traj).__name__}")
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0)
    st, ac = traj.states, traj.actions
    if st.ndim != 2:
        raise ValueError("traj must be unbatched (states of shape (n, T+1))")
    T = traj.T
    w = np.broadcast_to(gamma ** np.arange(T), ac.shape).ravel()
    s2 = st[:, 1:].ravel()
    if terminal is None:
        done = np.zeros(s2.shape, dtype=bool)
    else:
        term = V_.bool_array("terminal", terminal, ndim=1)
        if s2.size and term.size <= s2.max():
            raise ValueError(f"terminal must be a boolean array of shape (S,) covering every state of traj; "
                             f"got shape {term.shape}, largest state {s2.max()}")
        done = term[s2]
    return Transitions(st[:, :T].ravel(), ac.ravel(), s2, w / w.sum(), done)


def soft_value(Q, temperature: float = 1.0) -> np.ndarray:
    """``V_Q(s) = tau log sum_a exp(Q(s, a) / tau)`` along the last axis."""
    Q = V_.real_array("Q", Q, min_ndim=1)
    tau = V_.real_in("temperature", temperature, 0.0, np.inf, lo_open=True)
    out = tau * logsumexp(Q / tau, axis=-1)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"temperature = {tau:g} is too small for the scale of Q (the log-sum-exp overflows)")
    return out


def _check_Q_data(Q, data, gamma, alpha):
    Q = V_.real_array("Q", Q, ndim=2)
    if not isinstance(data, Transitions):
        raise TypeError(f"data must be a Transitions; got {type(data).__name__}")
    S = Q.shape[0]
    if data.s.size and (max(data.s.max(), data.s_next.max()) >= S or data.a.max() >= Q.shape[1]):
        raise ValueError("data refers to states/actions outside Q's table")
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0)
    alpha = V_.real_in("alpha", alpha, 0.0, np.inf, lo_open=True) if alpha != np.inf else np.inf
    return Q, gamma, alpha


def iq_objective(Q, data: Transitions, mu0, *, gamma: float, alpha: float) -> float:
    r"""Offline IQ-Learn objective with the chi^2 regulariser (Garg et al. 2021, Eq. 9/10 form):

    .. math:: \mathcal J(Q) = \mathbb E_{(s,a,s') \sim \rho_E}\bigl[\phi\bigl(Q(s,a) - \gamma V_Q(s')\bigr)\bigr]
              - (1-\gamma)\, \mathbb E_{s_0 \sim \mu_0} V_Q(s_0), \qquad \phi(x) = x - \frac{x^2}{4\alpha},

    with ``V_Q = log sum exp Q`` (0 at terminal ``s'``) and ``rho_E`` the weighted
    transitions ``data``. ``alpha = inf`` drops the regulariser.

    Parameters
    ----------
    Q : (S, A) array
    data : Transitions
    mu0 : (S,) distribution of ``s_0`` (exact, or an empirical histogram)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m = mdp.random_mdp(4, 2, gamma=0.9, rng=np.random.default_rng(0))
    >>> pe = mdp.soft_value_iteration(m).pi
    >>> D = imitation.exact_transitions(m, pe)
    >>> Q = np.random.default_rng(1).normal(size=(4, 2))
    >>> a = imitation.iq_objective(Q, D, m.mu0, gamma=0.9, alpha=0.5)
    >>> b = imitation.td_regularized_mle(Q, D, gamma=0.9, alpha=0.5)
    >>> bool(np.isclose(a, b, rtol=1e-12))
    True
    """
    Q, gamma, alpha = _check_Q_data(Q, data, gamma, alpha)
    mu0 = V_.stochastic("mu0", mu0, atol=1e-8, min_ndim=1)
    if mu0.shape != (Q.shape[0],):
        raise ValueError(f"mu0 must have shape ({Q.shape[0]},); got {mu0.shape}")
    Vq = logsumexp(Q, axis=-1)
    x = Q[data.s, data.a] - gamma * np.where(data.done, 0.0, Vq[data.s_next])
    phi = x if alpha == np.inf else x - x * x / (4.0 * alpha)
    return float(data.w @ phi - (1.0 - gamma) * (mu0 @ Vq))


def td_regularized_mle(Q, data: Transitions, *, gamma: float, alpha: float, return_grad: bool = False):
    r"""Maximum likelihood minus a temporal-difference penalty (Wulfmeier et al. 2024):

    .. math:: \mathcal L(Q) = \mathbb E_{\rho_E}[\log \pi_Q(a|s)]
              - \frac{1}{4\alpha}\, \mathbb E_{\rho_E}\bigl[(Q(s,a) - \gamma V_Q(s'))^2\bigr],
              \qquad \pi_Q = \mathrm{softmax}\, Q.

    When ``rho_E`` is the expert's exact discounted occupancy (times ``P``), the telescoping
    identity ``E_{rho_E}[V(s) - gamma V(s')] = (1 - gamma) E_{mu0} V(s_0)`` makes this
    *equal* to :func:`iq_objective` for every ``Q``; with empirical data the two agree in
    expectation. The penalty is on the implied reward ``r_Q = Q - gamma V'``
    (:func:`iq_reward`). ``alpha = inf`` is plain (weighted) MLE.

    Returns
    -------
    value : float, and with ``return_grad`` also the gradient ``(S, A)``

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation
    >>> D = imitation.Transitions(np.array([0]), np.array([1]), np.array([0]), np.array([1.0]),
    ...                           np.array([True]))
    >>> round(imitation.td_regularized_mle(np.zeros((1, 2)), D, gamma=0.9, alpha=np.inf), 6)
    -0.693147
    """
    Q, gamma, alpha = _check_Q_data(Q, data, gamma, alpha)
    return_grad = V_.flag("return_grad", return_grad)
    S, A = Q.shape
    lse = logsumexp(Q, axis=-1)
    pi = np.exp(Q - lse[:, None])
    cont = np.where(data.done, 0.0, 1.0)
    logp = Q[data.s, data.a] - lse[data.s]
    val = data.w @ logp
    if alpha != np.inf:
        delta = Q[data.s, data.a] - gamma * cont * lse[data.s_next]
        val = val - (data.w @ (delta * delta)) / (4.0 * alpha)
    if not return_grad:
        return float(val)
    G = np.zeros((S, A))
    np.add.at(G, (data.s, data.a), data.w)
    ws = np.bincount(data.s, weights=data.w, minlength=S)
    G -= ws[:, None] * pi
    if alpha != np.inf:
        c = -(data.w * delta) / (2.0 * alpha)
        np.add.at(G, (data.s, data.a), c)
        wn = np.bincount(data.s_next, weights=-c * gamma * cont, minlength=S)
        G += wn[:, None] * pi
    return float(val), G


def iq_fit(data: Transitions, n_states: int, n_actions: int, *, gamma: float, alpha: float, Q0=None,
           tol: float = 1e-12, max_iter: int = 5000) -> np.ndarray:
    r"""Maximise :func:`td_regularized_mle` over a tabular ``Q`` by L-BFGS (analytic gradient).

    Returns the ``(S, A)`` maximiser (not unique: log-softmax is shift invariant per state,
    and unvisited states are constrained only through the TD term).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation
    >>> D = imitation.Transitions(np.array([0, 0]), np.array([0, 1]), np.array([0, 0]),
    ...                           np.array([0.75, 0.25]), np.array([True, True]))
    >>> Q = imitation.iq_fit(D, 1, 2, gamma=0.9, alpha=np.inf)
    >>> np.round(np.exp(Q - np.logaddexp(*Q[0])), 4)                # pi_Q = empirical 3:1
    array([[0.75, 0.25]])
    """
    from scipy.optimize import minimize

    S = V_.count("n_states", n_states)
    A = V_.count("n_actions", n_actions)
    V_.elements("n_states * n_actions", S * A)
    if not isinstance(data, Transitions):
        raise TypeError(f"data must be a Transitions; got {type(data).__name__}")
    if data.s.size and (max(data.s.max(), data.s_next.max()) >= S or data.a.max() >= A):
        raise ValueError(f"data refers to states/actions outside n_states = {S} / n_actions = {A}")
    V_.real_in("gamma", gamma, 0.0, 1.0)
    tol = V_.real_in("tol", tol, 0.0, 1.0, lo_open=True, hi_open=True)
    max_iter = V_.count("max_iter", max_iter)
    if Q0 is None:
        x0 = np.zeros(S * A)
    else:
        Q0 = V_.real_array("Q0", Q0)
        if Q0.shape != (S, A):
            raise ValueError(f"Q0 must have shape (n_states, n_actions) = ({S}, {A}); got {Q0.shape}")
        x0 = Q0.reshape(S * A).copy()

    def f(x):
        v, g = td_regularized_mle(x.reshape(S, A), data, gamma=gamma, alpha=alpha, return_grad=True)
        return -v, -g.ravel()

    res = minimize(f, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "ftol": tol, "gtol": tol * 1e-2, "maxcor": 30})
    return res.x.reshape(S, A)


def iq_reward(Q, mdp):
    r"""The reward implied by ``Q``: ``r_Q(s, a) = Q(s, a) - gamma sum_s' P(s'|s, a) V_Q(s')``
    (finite horizon: ``r_Q,h = Q_h - P_h V_Q,h+1`` with ``V_Q,H = 0``). By construction ``Q``
    is the soft-optimal Q function of ``r_Q`` (the inverse soft Bellman operator of
    Garg et al. 2021, Lemma 3.2), so soft value iteration on ``r_Q`` returns ``softmax Q``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import imitation, mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(0))
    >>> Q = np.random.default_rng(1).normal(size=(3, 2))
    >>> pi = mdp.soft_value_iteration(m.replace(r=imitation.iq_reward(Q, m))).pi
    >>> bool(np.allclose(pi, np.exp(Q - np.logaddexp(Q[:, :1], Q[:, 1:]))))
    True
    """
    fin = _check_mdp(mdp)
    Q = V_.real_array("Q", Q)
    if fin:
        if Q.shape != (mdp.H, mdp.S, mdp.A):
            raise ValueError(f"Q must have shape {(mdp.H, mdp.S, mdp.A)}; got {Q.shape}")
        Vn = np.concatenate([logsumexp(Q[1:], axis=-1), np.zeros((1, mdp.S))])
        return Q - np.einsum("...hsap,hp->...hsa", mdp.P, Vn)
    if Q.shape != (mdp.S, mdp.A):
        raise ValueError(f"Q must have shape {(mdp.S, mdp.A)}; got {Q.shape}")
    if mdp.terminal.any():
        raise ValueError("iq_reward needs a discounted MDP without terminal states "
                         "(use a FiniteHorizonMDP for episodes that end)")
    return Q - mdp.gamma * np.einsum("...sap,p->...sa", mdp.P, logsumexp(Q, axis=-1))
