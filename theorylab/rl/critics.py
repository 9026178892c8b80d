r"""Several rewards in one actor-critic: one critic per reward vs one critic on the sum.

SLIM (Emukpere et al. 2024) trains one critic per reward and combines the per-critic
advantages, each normalised, with weights, instead of training one critic on the
weighted sum of the rewards (the normalisation detail is from summaries of the paper,
not read in its text). The mechanism, checkable at toy scale:

* :func:`zscore`, :func:`combine_advantages` -- ``mode="multi"``:
  :math:`\hat A = \sum_k w_k\,z(A_k)`; ``mode="single"``: :math:`\hat A = z(\sum_k w_k A_k)`
  (a linear critic on the summed reward has exactly the summed advantage), with
  :math:`z(x) = (x - \bar x)/\mathrm{sd}(x)` over the batch. The multi-critic advantage is
  invariant to any positive affine map :math:`r_k \to a_k r_k + b_k` of each reward (given
  affine-equivariant critics); the single-critic one only to a common map.
* :func:`multi_reward_actor_critic` -- a one-step (contextual-bandit) actor-critic with a
  tabular softmax actor and tabular critics, vectorised over seeds: contexts and actions
  are sampled in batches, rewards are observed with Gaussian noise, each critic
  :math:`V_k(s)` is moved towards the observed rewards, and the actor takes a
  policy-gradient step with the combined normalised advantage. Exact per-reward returns
  of the current policy are recorded every iteration.

Skill discovery, manipulation and SLIM's benchmarks are *not* represented here.

Used by ``notebooks/mechanisms/slim-multi-critic-skills.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as V_
from .mdp import _draw

__all__ = ["zscore", "combine_advantages", "ActorCriticRun", "multi_reward_actor_critic"]


def zscore(x, *, axis: int = -1, eps: float = 0.0) -> np.ndarray:
    r"""Batch normalisation of advantages, :math:`(x - \bar x)/(\mathrm{sd}(x) + \epsilon)` along ``axis``
    (population standard deviation; a constant batch maps to 0).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import critics
    >>> critics.zscore(np.array([1.0, 2.0, 3.0])).round(6).tolist()
    [-1.224745, 0.0, 1.224745]
    """
    x = V_.real_array("x", x, min_ndim=1)
    axis = V_.integer_in("axis", axis, low=-x.ndim, high=x.ndim - 1)
    eps = V_.nonneg_real("eps", eps)
    m = x.mean(axis=axis, keepdims=True)
    sd = x.std(axis=axis, keepdims=True)
    c = x - m
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(sd + eps > 0, c / (sd + eps), 0.0)
    return out


def combine_advantages(adv, weights, *, mode: str = "multi") -> np.ndarray:
    r"""Combine per-reward advantages ``adv (K, ..., B)`` (``B``: the batch axis, last).

    ``mode="multi"``: :math:`\sum_k w_k\,z(A_k)` (one normalised advantage per critic);
    ``mode="single"``: :math:`z(\sum_k w_k A_k)` (one critic on the weighted summed reward).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import critics
    >>> A = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 100.0, -100.0]])
    >>> critics.combine_advantages(A, [1.0, 1.0], mode="multi").round(3).tolist()
    [1.414, -1.414, 1.414, -1.414]
    >>> critics.combine_advantages(A, [1.0, 1.0], mode="single").round(3).tolist()   # reward 1 nearly lost
    [0.014, -0.014, 1.414, -1.414]
    """
    a = V_.real_array("adv", adv, min_ndim=2)
    w = V_.real_array("weights", weights, ndim=1)
    if w.shape != (a.shape[0],):
        raise ValueError(f"weights must have one entry per reward (the first axis of adv, {a.shape[0]}); "
                         f"got shape {w.shape}")
    mode = V_.choice("mode", mode, ("multi", "single"))
    wb = w.reshape((-1,) + (1,) * (a.ndim - 1))
    if mode == "multi":
        return np.sum(wb * zscore(a, axis=-1), axis=0)
    return zscore(np.sum(wb * a, axis=0), axis=-1)


class ActorCriticRun(NamedTuple):
    r"""Result of :func:`multi_reward_actor_critic` for ``R`` seeds, ``K`` rewards, ``T`` iterations:
    ``returns (T+1, R, K)``, the exact expected reward
    :math:`\sum_s p(s)\sum_a\pi_t(a|s)R_k(s, a)` of the noiseless, unscaled reward ``k`` before
    each iteration and after the last; ``theta (R, S, A)``, the final actor logits;
    ``first_advantage (R, B)``, the combined advantages of the first iteration."""

    returns: np.ndarray
    theta: np.ndarray
    first_advantage: np.ndarray


def multi_reward_actor_critic(rewards, *, weights, mode: str, n_iters: int, batch_size: int, lr: float,
                              critic_lr: float, n_seeds: int, rng: np.random.Generator, noise=0.0,
                              scale=None, shift=None, context_probs=None) -> ActorCriticRun:
    r"""A one-step actor-critic with several rewards, vectorised over seeds.

    Each iteration and seed: draw ``batch_size`` contexts :math:`s \sim p`, actions
    :math:`a \sim \pi_\theta(\cdot|s)` and observed rewards
    :math:`\tilde r_k = a_k(R_k(s, a) + \nu_k\varepsilon) + b_k` (``scale`` :math:`a_k > 0`,
    ``shift`` :math:`b_k`, noise :math:`\varepsilon \sim N(0, 1)`); advantages
    :math:`A_k = \tilde r_k - V_k(s)`; combined :math:`\hat A` by :func:`combine_advantages`;
    actor step :math:`\theta(s, \cdot) \mathrel{+}= \eta\,\frac1B\sum_b \hat A_b
    (e_{a_b} - \pi_\theta(\cdot|s_b))` at :math:`s = s_b`; critic step
    :math:`V_k(s) \mathrel{+}= \beta\,\mathrm{mean}_{b: s_b = s}(\tilde r_k - V_k(s))`.
    Critics start at the exact values of the initial (uniform) policy under the observed
    (scaled) rewards, so they are affine-equivariant: with ``mode="multi"`` the whole run
    is invariant to ``scale`` and ``shift`` (up to round-off), with ``mode="single"``
    only to a common scale.

    Parameters
    ----------
    rewards : (K, S, A) array
        Expected rewards :math:`R_k(s, a)`.
    weights : (K,) array
    mode : "multi" or "single"
    n_iters, batch_size, n_seeds : int >= 1
    lr, critic_lr : float
        Actor step :math:`\eta > 0` and critic step :math:`\beta \in [0, 1]`.
    rng : numpy.random.Generator
        All seeds draw from it (the same draws for every ``mode``, ``scale`` and ``shift``).
    noise : float or (K,) array >= 0
    scale, shift : (K,) arrays, optional
    context_probs : (S,) array, optional (default uniform)

    Returns
    -------
    ActorCriticRun

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import critics
    >>> R = np.stack([np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])])       # two rewards, one context
    >>> run = critics.multi_reward_actor_critic(R, weights=[1.0, 1.0], mode="multi", n_iters=5, batch_size=8,
    ...                                         lr=0.5, critic_lr=0.5, n_seeds=3, rng=np.random.default_rng(0))
    >>> run.returns.shape, run.theta.shape, run.first_advantage.shape
    ((6, 3, 2), (3, 1, 2), (3, 8))
    """
    R = V_.real_array("rewards", rewards, ndim=3)
    K, S, A = R.shape
    w = V_.real_array("weights", weights, ndim=1)
    if w.shape != (K,):
        raise ValueError(f"weights must have shape ({K},); got {w.shape}")
    mode = V_.choice("mode", mode, ("multi", "single"))
    T = V_.integer_in("n_iters", n_iters, low=1)
    B = V_.integer_in("batch_size", batch_size, low=2)
    nR = V_.integer_in("n_seeds", n_seeds, low=1)
    lr = V_.real_in("lr", lr, 0.0, np.inf, lo_open=True)
    beta = V_.real_in("critic_lr", critic_lr, 0.0, 1.0)
    V_.generator("rng", rng)
    V_.size_at_most("n_seeds x batch_size x n_actions", nR * B * A * max(K, 2))
    V_.size_at_most("n_iters x n_seeds", (T + 1) * nR * K)
    V_.size_at_most("n_iters x n_seeds x batch_size (total work)", T * nR * B, limit=10**11)
    nu = np.broadcast_to(V_.real_array("noise", noise), (K,)).astype(float)
    if np.any(nu < 0):
        raise ValueError("noise must be >= 0")
    a_k = np.ones(K) if scale is None else V_.real_array("scale", scale, ndim=1)
    b_k = np.zeros(K) if shift is None else V_.real_array("shift", shift, ndim=1)
    if a_k.shape != (K,) or b_k.shape != (K,) or np.any(a_k <= 0):
        raise ValueError(f"scale must be ({K},) positive and shift ({K},)")
    p = np.full(S, 1.0 / S) if context_probs is None else V_.stochastic("context_probs", context_probs)
    if p.shape != (S,):
        raise ValueError(f"context_probs must have shape ({S},)")
    theta = np.zeros((nR, S, A))
    Robs = a_k[:, None, None] * R + b_k[:, None, None]                    # expected observed rewards
    V = np.broadcast_to(Robs.mean(axis=2)[:, None, :], (K, nR, S)).copy()   # exact values of the uniform policy
    returns = np.empty((T + 1, nR, K))
    p_cdf = np.cumsum(p)
    seeds = np.arange(nR)[:, None]
    first = None
    for t in range(T):
        pi = np.exp(theta - theta.max(-1, keepdims=True))
        pi /= pi.sum(-1, keepdims=True)
        returns[t] = np.einsum("s,rsa,ksa->rk", p, pi, R)
        s = _draw(np.broadcast_to(p_cdf, (nR, B, S)), rng.random((nR, B)))
        pis = pi[seeds, s]                                                # (nR, B, A)
        act = _draw(np.cumsum(pis, axis=-1), rng.random((nR, B)))
        eps = rng.standard_normal((K, nR, B))
        r_obs = a_k[:, None, None] * (R[:, s, act] + nu[:, None, None] * eps) + b_k[:, None, None]
        adv = r_obs - V[:, seeds, s]                                      # (K, nR, B)
        Ahat = combine_advantages(adv, w, mode=mode)                      # (nR, B)
        if first is None:
            first = Ahat.copy()
        onehot = np.zeros((nR, B, A))
        onehot[seeds, np.arange(B)[None, :], act] = 1.0
        g = (Ahat[..., None] * (onehot - pis)) / B                       # (nR, B, A)
        idx = (seeds * S + s).ravel()
        G = np.zeros((nR * S, A))
        np.add.at(G, idx, g.reshape(-1, A))
        theta += lr * G.reshape(nR, S, A)
        cnt = np.bincount(idx, minlength=nR * S).reshape(nR, S)
        for k in range(K):
            tot = np.bincount(idx, weights=adv[k].ravel(), minlength=nR * S).reshape(nR, S)
            V[k] += beta * np.where(cnt > 0, tot / np.maximum(cnt, 1), 0.0)
    pi = np.exp(theta - theta.max(-1, keepdims=True))
    pi /= pi.sum(-1, keepdims=True)
    returns[T] = np.einsum("s,rsa,ksa->rk", p, pi, R)
    return ActorCriticRun(returns, theta, first)
