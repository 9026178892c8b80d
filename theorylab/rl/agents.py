r"""Learners on tabular MDPs, vectorised over independent seeds.

* :func:`q_learning` -- epsilon-greedy tabular Q-learning (Watkins & Dayan 1992) run for
  ``n_seeds`` independent seeds at once, with optional potential-based shaping
  (Ng et al. 1999), an initial table ``Q0`` (Wiewiora 2003: shaping with ``Phi`` equals
  initialising with ``Phi``), experience replay, and Dyna-style planning with a learned
  model that is either *tabular* (remembers observed ``(s, a) -> s'``) or *factored*
  (learns each factor's rule, so it predicts unseen combinations; Young et al. 2023).
* :func:`softmax_policy_gradient` -- exact (expected) policy-gradient ascent on tabular
  softmax policies, ``d J / d theta(s, a) = d^pi(s) pi(a|s) A^pi(s, a) / (1 - gamma)``
  (Agarwal et al. 2021, Lemma C.1; Sutton et al. 2000), batched over MDPs; with
  ``weighting="undiscounted"`` the common implementation that drops the ``gamma^t``
  factor of the state weighting (Nota & Thomas 2020).

Randomness per step is drawn for every seed whatever happens (three uniforms), so two
runs with equal generators see the same random numbers, and runs that differ only by
an exactly equivalent change (shaping vs. initialisation) take the same actions.

Used by ``notebooks/bandits-rl/behavior-alignment-reward-optimization.md`` and
``notebooks/bandits-rl/model-based-generalization.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V_
from .mdp import DiscountedMDP, FactoredMDP, occupancy, policy_evaluation

__all__ = ["QLearningRun", "q_learning", "softmax_policy", "softmax_policy_gradient", "policy_gradient"]


@dataclass(frozen=True, eq=False)
class QLearningRun:
    """Result of :func:`q_learning` for ``R = n_seeds`` seeds and ``E = n_episodes`` episodes.

    Attributes
    ----------
    Q : (R, S, A) final tables
    episode_return : (R, E) discounted return of each episode under the MDP's reward
        (NaN for episodes not reached within ``max_steps``)
    episode_length : (R, E) steps of each episode (0 if not reached)
    greedy_return : (R, E) exact ``J`` of the greedy policy at the end of each episode
        (NaN if not reached)
    episode_end_step : (R, E) global step count at the end of each episode (-1 if not reached)
    actions : (R, n_steps) actions taken, or ``None`` unless ``record_actions``
    n_steps : total number of global steps simulated
    """

    Q: np.ndarray
    episode_return: np.ndarray
    episode_length: np.ndarray
    greedy_return: np.ndarray
    episode_end_step: np.ndarray
    actions: np.ndarray | None
    n_steps: int

    def episodes_to_reach(self, target: float) -> np.ndarray:
        """Per seed, the first episode index (1-based) whose greedy return is ``>= target``;
        ``E + 1`` (censored) if never."""
        target = V_.real("target", target)
        ok = self.greedy_return >= target
        E = ok.shape[1]
        first = np.where(ok.any(axis=1), ok.argmax(axis=1) + 1, E + 1)
        return first


def _greedy_tiebreak(Qs, u, tol):
    """Greedy action per row of ``Qs (R, A)``; ties within ``tol`` broken by the uniform ``u``."""
    m = Qs.max(axis=1, keepdims=True)
    cand = Qs >= m - tol          # an absolute band: a relative one would differ between Q and Q + Phi
    cnt = cand.sum(axis=1)
    k = np.minimum((u * cnt).astype(np.int64), cnt - 1)
    csum = np.cumsum(cand, axis=1)
    return np.argmax(csum > k[:, None], axis=1)


def q_learning(mdp: DiscountedMDP, *, n_seeds: int, n_episodes: int, rng: np.random.Generator,
               alpha: float = 0.5, epsilon: float = 0.1, Q0=None, shaping=None,
               max_episode_steps: int = 200, max_steps: int | None = None, replay_ratio: int = 0,
               planning_steps: int = 0, model: str | None = None, factored: FactoredMDP | None = None,
               tie_tol: float = 1e-9, record_actions: bool = False) -> QLearningRun:
    r"""Tabular epsilon-greedy Q-learning for ``n_seeds`` independent seeds at once.

    Each seed starts an episode at ``s_0 ~ mu0`` and acts epsilon-greedily (ties among
    actions within ``tie_tol`` of the best -- an absolute band, so that tables differing by a
    per-state constant break ties alike -- broken uniformly at random). After each real
    transition ``(s, a, r, s')`` it applies

    .. math:: Q(s, a) \leftarrow Q(s, a) + \alpha\,[r + F(s, s') + \gamma (1 - \mathrm{done})
              \max_b Q(s', b) - Q(s, a)], \qquad F(s, s') = \gamma \Phi(s') - \Phi(s)

    (``F = 0`` without ``shaping``; ``done`` when ``s'`` is terminal). The observed reward is
    the model's ``r(s, a)``. An episode ends on entering a terminal state or after
    ``max_episode_steps`` (truncation, bootstrapped). Optionally, after each real step:

    * ``replay_ratio`` updates on transitions drawn uniformly from the seed's past
      transitions (experience replay);
    * ``planning_steps`` Dyna updates on model-generated transitions: ``model="tabular"``
      draws a remembered ``(s, a)`` and its observed ``s'``; ``model="factored"`` (needs
      ``factored``) draws ``(s, a)`` uniformly from all pairs and predicts ``s'`` factor by
      factor from the rules seen so far (skipped while a factor's rule is unknown). The
      reward model assumes the reward is a function of the next state, ``r(s, a) = R(s')``,
      and learns ``R`` from observed transitions (0 where unseen).

    Parameters
    ----------
    mdp : DiscountedMDP (single, unbatched)
    n_seeds, n_episodes : int
    rng : numpy.random.Generator
    alpha, epsilon : float in (0, 1] and [0, 1]
    Q0 : (S, A) or (n_seeds, S, A) array, optional (default 0)
    shaping : (S,) potential ``Phi``, 0 on terminal states, optional
    max_steps : int, optional
        Global step budget per seed (then episodes not reached are NaN).

    Returns
    -------
    QLearningRun

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import agents, mdp
    >>> m = mdp.chain_mdp(4, gamma=0.9, mu0=np.array([1.0, 0, 0, 0]))
    >>> run = agents.q_learning(m, n_seeds=8, n_episodes=30, rng=np.random.default_rng(0))
    >>> run.Q.shape, bool(np.all(run.greedy_return[:, -1] > 0.8))
    ((8, 4, 2), True)
    """
    if not isinstance(mdp, DiscountedMDP) or mdp.batch_shape:
        raise TypeError("mdp must be a single (unbatched) DiscountedMDP")
    R = V_.count("n_seeds", n_seeds)
    E = V_.count("n_episodes", n_episodes)
    V_.elements("n_seeds * n_states * n_actions", R * mdp.S * mdp.A)
    V_.elements("n_seeds * n_episodes", R * E)
    V_.generator("rng", rng)
    alpha = V_.real_in("alpha", alpha, 0.0, 1.0, lo_open=True)
    epsilon = V_.real_in("epsilon", epsilon, 0.0, 1.0)
    Tmax = V_.count("max_episode_steps", max_episode_steps)
    n_rep = V_.count("replay_ratio", replay_ratio, low=0)
    n_plan = V_.count("planning_steps", planning_steps, low=0)
    record_actions = V_.flag("record_actions", record_actions)
    tie_tol = V_.nonneg_real("tie_tol", tie_tol)
    S, A, g = mdp.S, mdp.A, mdp.gamma
    if n_plan and model not in ("tabular", "factored"):
        raise ValueError(f"model must be 'tabular' or 'factored' when planning_steps > 0; got {model!r}")
    if model == "factored":
        if not isinstance(factored, FactoredMDP) or factored.mdp.S != S or factored.mdp.A != A:
            raise ValueError("model='factored' needs factored=FactoredMDP describing this MDP's factors")
    budget = (E * Tmax) if max_steps is None else V_.count("max_steps", max_steps)
    V_.elements("n_seeds * max_steps (the step budget)", R * budget)
    V_.elements("n_seeds * max_steps * (1 + replay_ratio + planning_steps) (the updates)",
                R * budget * (1 + n_rep + n_plan), limit=10**10)
    if Q0 is None:
        Q = np.zeros((R, S, A))
    else:
        Q0 = V_.real_array("Q0", Q0)
        if Q0.shape not in ((S, A), (R, S, A)):
            raise ValueError(f"Q0 must have shape ({S}, {A}) or ({R}, {S}, {A}); got {Q0.shape}")
        Q = np.broadcast_to(Q0, (R, S, A)).copy()
    Phi = np.zeros(S)
    if shaping is not None:
        Phi = V_.real_array("shaping", shaping, ndim=1)
        if Phi.shape != (S,):
            raise ValueError(f"shaping must be a potential of shape ({S},); got {Phi.shape}")
        if np.any(Phi[mdp.terminal] != 0):
            raise ValueError("shaping must vanish on terminal states")
    term = mdp.terminal
    P_cdf = np.cumsum(mdp.P, axis=-1)
    mu_cdf = np.cumsum(mdp.mu0)
    seeds = np.arange(R)

    def draw(cdf_rows, u):
        return np.minimum(np.sum(cdf_rows <= (u * cdf_rows[..., -1])[..., None], axis=-1), S - 1)

    def update(mask, s, a, rew, s2, done):
        tgt = rew + g * np.where(done, 0.0, Q[seeds, s2].max(axis=1))
        q = Q[seeds, s, a]
        Q[seeds, s, a] = np.where(mask, q + alpha * (tgt - q), q)

    buf_cap = budget if (n_rep or n_plan) else 0
    if buf_cap:
        bs = np.zeros((R, buf_cap), dtype=np.int64)
        ba = np.zeros((R, buf_cap), dtype=np.int64)
        br = np.zeros((R, buf_cap))
        bs2 = np.zeros((R, buf_cap), dtype=np.int64)
    if model == "factored":
        n_f = len(factored.tables)
        f_tab = [np.full((R,) + t.shape, -1, dtype=np.int64) for t in factored.tables]
        ss_f = factored.state_sizes
        as_f = factored.action_sizes
        R_hat = np.zeros((R, S))
    ret = np.full((R, E), np.nan)
    length = np.zeros((R, E), dtype=np.int64)
    greedy_J = np.full((R, E), np.nan)
    end_step = np.full((R, E), -1, dtype=np.int64)
    acts = np.zeros((R, budget), dtype=np.int64) if record_actions else None

    s = draw(np.broadcast_to(mu_cdf, (R, S)), rng.random(R))
    ep = np.zeros(R, dtype=np.int64)
    t_ep = np.zeros(R, dtype=np.int64)
    G = np.zeros(R)
    disc = np.ones(R)
    n_done_steps = 0
    for step in range(budget):
        active = ep < E
        if not active.any():
            break
        u = rng.random((R, 3))
        greedy = _greedy_tiebreak(Q[seeds, s], u[:, 1], tie_tol)
        rand_a = np.minimum((u[:, 1] * A).astype(np.int64), A - 1)
        a = np.where(u[:, 0] < epsilon, rand_a, greedy)
        s2 = draw(P_cdf[s, a], u[:, 2])
        rew = mdp.r[s, a]
        done = term[s2]
        shaped = rew + g * Phi[s2] - Phi[s]
        update(active, s, a, shaped, s2, done)
        if record_actions:
            acts[:, step] = a
        if buf_cap:
            bs[:, step], ba[:, step], br[:, step], bs2[:, step] = s, a, shaped, s2
        if model == "factored":
            xf = np.unravel_index(s, ss_f)
            af = np.unravel_index(a, as_f)
            xf2 = np.unravel_index(s2, ss_f)
            for i in range(n_f):
                f_tab[i][seeds, xf[i], af[i]] = np.where(active, xf2[i], f_tab[i][seeds, xf[i], af[i]])
            R_hat[seeds, s2] = np.where(active, rew, R_hat[seeds, s2])
        size = step + 1
        for _ in range(n_rep):
            j = np.minimum((rng.random(R) * size).astype(np.int64), size - 1)
            update(active, bs[seeds, j], ba[seeds, j], br[seeds, j], bs2[seeds, j], term[bs2[seeds, j]])
        for _ in range(n_plan):
            if model == "tabular":
                j = np.minimum((rng.random(R) * size).astype(np.int64), size - 1)
                update(active, bs[seeds, j], ba[seeds, j], br[seeds, j], bs2[seeds, j], term[bs2[seeds, j]])
            else:
                uu = rng.random((R, 2))
                ps = np.minimum((uu[:, 0] * S).astype(np.int64), S - 1)
                pa = np.minimum((uu[:, 1] * A).astype(np.int64), A - 1)
                xf = np.unravel_index(ps, ss_f)
                af = np.unravel_index(pa, as_f)
                pred = [f_tab[i][seeds, xf[i], af[i]] for i in range(n_f)]
                known = np.all(np.stack(pred) >= 0, axis=0) & ~term[ps]
                ps2 = np.ravel_multi_index(tuple(np.maximum(p, 0) for p in pred), ss_f)
                prew = R_hat[seeds, ps2] + g * Phi[ps2] - Phi[ps]
                update(active & known, ps, pa, prew, ps2, term[ps2])
        G += np.where(active, disc * rew, 0.0)
        disc *= g
        t_ep += 1
        n_done_steps = step + 1
        end = active & (done | (t_ep >= Tmax))
        if end.any():
            idx = np.flatnonzero(end)
            e_i = ep[idx]
            ret[idx, e_i] = G[idx]
            length[idx, e_i] = t_ep[idx]
            end_step[idx, e_i] = step + 1
            greedy_J[idx, e_i] = _greedy_returns(mdp, Q[idx].argmax(axis=-1))
            ep[idx] += 1
            t_ep[idx] = 0
            G[idx] = 0.0
            disc[idx] = 1.0
        s_new = draw(np.broadcast_to(mu_cdf, (R, S)), rng.random(R))
        s = np.where(end, s_new, s2)
    if record_actions:
        acts = acts[:, :n_done_steps]
    return QLearningRun(Q, ret, length, greedy_J, end_step, acts, n_done_steps)


def _greedy_returns(mdp, act):
    """``mu0 . V`` of the deterministic policies ``act (k, S)`` by one batched solve (internal,
    inputs trusted): ``V = (I - gamma P[s, act(s)])^{-1} r[s, act(s)]``."""
    S = mdp.S
    s_idx = np.arange(S)[None, :]
    P_pi = mdp.P[s_idx, act]                     # (k, S, S)
    r_pi = mdp.r[s_idx, act]                     # (k, S)
    V = np.linalg.solve(np.eye(S) - mdp.gamma * P_pi, r_pi[..., None])[..., 0]
    return V @ mdp.mu0


# --------------------------------------------------------------------------- policy gradient


def softmax_policy(theta) -> np.ndarray:
    """``pi(a|s) = exp(theta(s, a)) / sum_b exp(theta(s, b))`` along the last axis (stable)."""
    theta = V_.real_array("theta", theta, min_ndim=2)
    z = theta - theta.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _visits_undiscounted(mdp, pi):
    """Expected visits ``nu(s) = sum_t Pr(s_t = s)`` before absorption in terminal states."""
    P_pi = np.einsum("...sa,...sap->...sp", pi, mdp.P)
    keep = ~mdp.terminal
    Pk = P_pi[..., keep, :][..., :, keep]
    n = int(keep.sum())
    mu = np.broadcast_to(mdp.mu0[..., keep], Pk.shape[:-1])
    nu_k = np.linalg.solve(np.eye(n) - np.swapaxes(Pk, -1, -2), mu[..., None])[..., 0]
    nu = np.zeros(Pk.shape[:-2] + (mdp.S,))
    nu[..., keep] = nu_k
    return nu


def policy_gradient(mdp: DiscountedMDP, theta, *, weighting: str = "discounted") -> np.ndarray:
    r"""Exact gradient of ``J(theta) = mu0 . V^{pi_theta}`` for a tabular softmax policy.

    .. math:: \frac{\partial J}{\partial \theta(s, a)} = \frac{1}{1-\gamma}\, d^{\pi}(s)\,
              \pi(a|s)\, A^{\pi}(s, a),

    with ``d^pi`` the normalised discounted state occupancy (Agarwal et al. 2021, Lemma C.1).
    ``weighting="undiscounted"`` replaces ``d^pi(s) / (1 - gamma)`` by the expected number of
    visits ``sum_t Pr(s_t = s)`` (no ``gamma^t``): the biased direction most implementations
    follow (Nota & Thomas 2020); it needs every policy to reach a terminal state.

    Parameters
    ----------
    theta : (..., S, A) logits (batch broadcast with the MDP's)

    Returns
    -------
    (..., S, A) gradient

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import agents, mdp
    >>> m = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(0))
    >>> th = np.random.default_rng(1).normal(size=(3, 2))
    >>> J = lambda t: float(mdp.expected_return(m, agents.softmax_policy(t)))
    >>> e = np.zeros((3, 2)); e[1, 0] = 1e-6
    >>> bool(np.isclose(agents.policy_gradient(m, th)[1, 0], (J(th + e) - J(th - e)) / 2e-6, atol=1e-7))
    True
    """
    if not isinstance(mdp, DiscountedMDP):
        raise TypeError("mdp must be a DiscountedMDP")
    if weighting not in ("discounted", "undiscounted"):
        raise ValueError(f"weighting must be 'discounted' or 'undiscounted'; got {weighting!r}")
    pi = softmax_policy(theta)
    if pi.shape[-2:] != (mdp.S, mdp.A):
        raise ValueError(f"theta must have shape (..., {mdp.S}, {mdp.A}); got {pi.shape}")
    try:
        np.broadcast_shapes(pi.shape[:-2], mdp.batch_shape)
    except ValueError:
        raise ValueError(f"theta's batch shape {pi.shape[:-2]} does not broadcast with the MDP's "
                         f"{mdp.batch_shape}") from None
    V, Q = policy_evaluation(mdp, pi)
    adv = Q - V[..., None]
    if weighting == "discounted":
        w = occupancy(mdp, pi).sum(axis=-1) / (1.0 - mdp.gamma)
    else:
        if not mdp.terminal.any():
            raise ValueError("weighting='undiscounted' needs every policy to reach a terminal state of mdp; "
                             "this mdp has no terminal state (the expected number of visits is infinite)")
        try:
            w = _visits_undiscounted(mdp, pi)
        except np.linalg.LinAlgError:
            raise ValueError("weighting='undiscounted' needs every policy to reach a terminal state of mdp "
                             "(the expected number of visits is infinite)") from None
        if not np.all(np.isfinite(w)):
            raise ValueError("weighting='undiscounted' needs every policy to reach a terminal state of mdp "
                             "(the expected number of visits is infinite)")
    return w[..., None] * pi * adv


def softmax_policy_gradient(mdp: DiscountedMDP, *, steps: int, lr: float, theta0=None,
                            weighting: str = "discounted") -> tuple[np.ndarray, np.ndarray]:
    r"""``steps`` of exact gradient ascent ``theta <- theta + lr * dJ/dtheta`` from ``theta0``
    (default 0, the uniform policy), batched over the MDP's batch.

    Returns
    -------
    theta : (..., S, A) final logits
    J : (steps + 1, ...) the return ``J`` (under this MDP's reward) along the way

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import agents, mdp
    >>> m = mdp.chain_mdp(4, gamma=0.9)
    >>> th, J = agents.softmax_policy_gradient(m, steps=50, lr=1.0)
    >>> bool(J[-1] > J[0])
    True
    """
    steps = V_.count("steps", steps, low=0)
    lr = V_.real_in("lr", lr, 0.0, np.inf, lo_open=True)
    if not isinstance(mdp, DiscountedMDP):
        raise TypeError("mdp must be a DiscountedMDP")
    V_.choice("weighting", weighting, ("discounted", "undiscounted"))
    shape = mdp.batch_shape + (mdp.S, mdp.A)
    V_.elements("steps * batch * S * A (solver work)", steps * int(np.prod(shape)), limit=10**9)
    if theta0 is None:
        theta = np.zeros(shape)
    else:
        th0 = V_.real_array("theta0", theta0)
        try:
            theta = np.broadcast_to(th0, shape).copy()
        except ValueError:
            raise ValueError(f"theta0 must broadcast to {shape} (batch..., S, A); got {th0.shape}") from None
    Js = []
    for _ in range(steps):
        Js.append(np.sum(mdp.mu0 * policy_evaluation(mdp, softmax_policy(theta))[0], axis=-1))
        theta = theta + lr * policy_gradient(mdp, theta, weighting=weighting)
    Js.append(np.sum(mdp.mu0 * policy_evaluation(mdp, softmax_policy(theta))[0], axis=-1))
    return theta, np.array(Js)
