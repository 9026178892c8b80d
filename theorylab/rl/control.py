r"""Deterministic linear systems: rollouts, discounted values and Lipschitz constants.

A discrete-time system ``s_{t+1} = A s_t + B u_t`` with a deterministic policy ``u = mu(s)``
and a reward ``r(s, u)`` has the value ``V(s) = sum_t gamma^t r(s_t, mu(s_t))``. With the
norm ``||(ds, du)|| = ||ds||_1 + ||du||_1`` on state-action pairs, if the dynamics are
``L_f``-Lipschitz, the policy ``L_mu``-Lipschitz and the reward ``L_r``-Lipschitz, then
``|ds_{t+1}| <= L_f (1 + L_mu) |ds_t|`` and ``|dr_t| <= L_r (1 + L_mu) |ds_t|``, so

.. math:: \mathrm{Lip}(V) \le \frac{L_r (1 + L_\mu)}{1 - \gamma L_f (1 + L_\mu)}
          \quad\text{whenever } \gamma L_f (1 + L_\mu) < 1

(:func:`value_lipschitz_bound`; the classical propagation argument behind the value
Lipschitzness results of Blondé, Strasser & Kalousis 2022). For the scalar system
``s' = a s + b u`` with ``u = -k s`` and ``r = -|s| - c_u |u|`` the value is
``V(s) = -|s| (1 + c_u |k|) / (1 - gamma |a - b k|)`` (:func:`scalar_linear_value`).

Used by ``notebooks/bandits-rl/lipschitz-off-policy-gail.md``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _validate as V_

__all__ = [
    "linear_policy", "saturated_linear_policy", "linear_rollout", "discounted_value",
    "scalar_linear_value", "scalar_value_lipschitz", "value_lipschitz_bound", "q_lipschitz_bound",
    "induced_l1_norm", "empirical_lipschitz", "horizon_for_tolerance",
]


def induced_l1_norm(M) -> float:
    """Operator norm of ``M`` from l1 to l1: the largest absolute column sum.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import control
    >>> control.induced_l1_norm(np.array([[1.0, -2.0], [3.0, 0.5]]))
    4.0
    """
    M = V_.real_array("M", M, ndim=2)
    return float(np.abs(M).sum(axis=0).max())


def linear_policy(K) -> Callable[[np.ndarray], np.ndarray]:
    """The policy ``u = -K s`` (``K`` of shape ``(m, d)``), acting on states ``(n, d)``;
    Lipschitz constant ``induced_l1_norm(K)`` in l1."""
    K = V_.real_array("K", K, ndim=2)
    return lambda s: -s @ K.T


def saturated_linear_policy(K, u_max: float) -> Callable[[np.ndarray], np.ndarray]:
    """``u = u_max tanh(-K s / u_max)`` elementwise: bounded controls, Lipschitz constant at
    most ``induced_l1_norm(K)`` in l1 (``tanh`` is 1-Lipschitz)."""
    K = V_.real_array("K", K, ndim=2)
    u_max = V_.real_in("u_max", u_max, 0.0, np.inf, lo_open=True)
    return lambda s: u_max * np.tanh(-(s @ K.T) / u_max)


def _check_system(A, B):
    A = V_.real_array("A", A, ndim=2)
    B = V_.real_array("B", B, ndim=2)
    if A.shape[0] != A.shape[1] or B.shape[0] != A.shape[0]:
        raise ValueError(f"A must be (d, d) and B (d, m); got {A.shape} and {B.shape}")
    return A, B


def linear_rollout(A, B, policy: Callable, s0, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Roll out ``s_{t+1} = A s_t + B mu(s_t)`` from ``n`` initial states at once.

    Parameters
    ----------
    A : (d, d), B : (d, m) arrays
    policy : callable mapping states ``(n, d)`` to controls ``(n, m)``
    s0 : (n, d) initial states
    horizon : int, number of steps ``T``

    Returns
    -------
    states : (T+1, n, d), controls : (T, n, m)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import control
    >>> S, U = control.linear_rollout([[0.5]], [[1.0]], control.linear_policy([[0.25]]), [[4.0]], 2)
    >>> S[:, 0, 0].tolist()                          # s' = (0.5 - 0.25) s
    [4.0, 1.0, 0.25]
    """
    A, B, s, T, policy = _check_rollout(A, B, policy, s0, horizon)
    V_.elements("(horizon + 1) * s0.size", (T + 1) * s.size)
    states = np.empty((T + 1,) + s.shape)
    controls = np.empty((T, s.shape[0], B.shape[1]))
    states[0] = s
    for t, (_, u, s_next) in enumerate(_steps(A, B, policy, s, T)):
        controls[t] = u
        states[t + 1] = s_next
    return states, controls


def _check_rollout(A, B, policy, s0, horizon):
    A, B = _check_system(A, B)
    s = V_.real_array("s0", s0, ndim=2)
    if s.shape[1] != A.shape[0]:
        raise ValueError(f"s0 must have shape (n, {A.shape[0]}); got {s.shape}")
    T = V_.count("horizon", horizon, low=0)
    if not callable(policy):
        raise TypeError("policy must be a callable mapping states (n, d) to controls (n, m)")
    return A, B, s, T, policy


def _steps(A, B, policy, s, T):
    """Yield ``(s_t, u_t, s_{t+1})`` for ``t < T`` (one step in memory at a time)."""
    for t in range(T):
        u = np.asarray(policy(s), dtype=float)
        if not np.all(np.isfinite(u)):
            raise ValueError(f"policy returned non-finite controls at step {t}")
        if u.shape != (s.shape[0], B.shape[1]):
            raise ValueError(f"policy must return controls of shape {(s.shape[0], B.shape[1])}; got {u.shape}")
        s_next = s @ A.T + u @ B.T
        yield s, u, s_next
        s = s_next


def discounted_value(A, B, policy: Callable, reward: Callable, s0, *, gamma: float, horizon: int) -> np.ndarray:
    r"""``V_T(s_0) = sum_{t < T} gamma^t r(s_t, u_t)`` along :func:`linear_rollout`, shape ``(n,)``.

    ``reward`` maps ``(states (n, d), controls (n, m))`` to ``(n,)``. Choose ``T`` with
    :func:`horizon_for_tolerance` so that the truncated tail is negligible.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import control
    >>> rew = lambda s, u: -np.abs(s).sum(1) - np.abs(u).sum(1)
    >>> v = control.discounted_value([[0.5]], [[1.0]], control.linear_policy([[0.25]]), rew, [[1.0]],
    ...                              gamma=0.9, horizon=400)
    >>> bool(np.isclose(v[0], control.scalar_linear_value(1.0, a=0.5, b=1.0, k=0.25, c_u=1.0, gamma=0.9)))
    True
    """
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0, hi_open=True)
    reward = V_.function("reward", reward, what="mapping (states (n, d), controls (n, m)) to rewards (n,)")
    A, B, s, T, policy = _check_rollout(A, B, policy, s0, horizon)
    # streamed: one step in memory at a time, so long horizons over many states fit; the work
    # (steps x states) is bounded instead of the storage
    V_.size_at_most("horizon * s0.size", T * s.size, limit=V_.MAX_COUNT * 4)
    disc = gamma ** np.arange(T)
    total = np.zeros(s.shape[0])
    for t, (st, u, _) in enumerate(_steps(A, B, policy, s, T)):
        total += disc[t] * np.asarray(reward(st, u), dtype=float)
    return total


def scalar_linear_value(s, *, a: float, b: float, k: float, c_u: float, gamma: float) -> np.ndarray:
    r"""Closed form ``V(s) = -|s| (1 + c_u |k|) / (1 - gamma |a - b k|)`` for ``s' = a s + b u``,
    ``u = -k s``, ``r(s, u) = -|s| - c_u |u|`` (needs ``gamma |a - b k| < 1``).

    Derivation: ``s_t = (a - b k)^t s``, so ``r_t = -(1 + c_u |k|) |a - b k|^t |s|``.
    """
    for nm, v in (("a", a), ("b", b), ("k", k)):
        V_.real_in(nm, v, -np.inf, np.inf)
    c_u = V_.nonneg_real("c_u", c_u)
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0, hi_open=True)
    s = V_.array("s", s)
    rho = abs(a - b * k)
    if gamma * rho >= 1:
        raise ValueError(f"need gamma |a - b k| < 1 for a finite value; got {gamma * rho}")
    return -np.abs(s) * (1.0 + c_u * abs(k)) / (1.0 - gamma * rho)


def scalar_value_lipschitz(*, a, b, k, c_u, gamma) -> np.ndarray:
    """Exact Lipschitz constant of :func:`scalar_linear_value`: ``(1 + c_u |k|) / (1 - gamma |a - b k|)``
    (vectorised over array arguments; ``inf`` where ``gamma |a - b k| >= 1``)."""
    a, b, k = (V_.array(nm, x) for nm, x in (("a", a), ("b", b), ("k", k)))
    c_u = V_.array("c_u", c_u, low=0.0)
    gamma = V_.array("gamma", gamma, low=0.0, high=1.0, high_open=True)
    rho = np.abs(a - b * k)
    den = 1.0 - gamma * rho
    with np.errstate(divide="ignore"):
        return np.where(den > 0, (1.0 + c_u * np.abs(k)) / np.where(den > 0, den, 1.0), np.inf)


def _lipschitz_args(L_r, L_f, L_mu, gamma):
    """Lipschitz constants: finite reals (or arrays) >= 0; gamma in [0, 1)."""
    out = tuple(V_.array(nm, x, low=0.0) for nm, x in (("L_r", L_r), ("L_f", L_f), ("L_mu", L_mu)))
    return out + (V_.array("gamma", gamma, low=0.0, high=1.0, high_open=True),)


def value_lipschitz_bound(L_r, L_f, L_mu, gamma) -> np.ndarray:
    r"""``L_r (1 + L_mu) / (1 - gamma L_f (1 + L_mu))``, the Lipschitz bound on ``V^mu`` in ``s``
    (``inf`` where ``gamma L_f (1 + L_mu) >= 1``: the bound is vacuous there). Vectorised.

    Examples
    --------
    >>> from theorylab.rl import control
    >>> float(control.value_lipschitz_bound(1.0, 0.5, 0.0, 0.5))
    1.3333333333333333
    """
    L_r, L_f, L_mu, gamma = _lipschitz_args(L_r, L_f, L_mu, gamma)
    c = gamma * L_f * (1.0 + L_mu)
    with np.errstate(divide="ignore"):
        return np.where(c < 1, L_r * (1.0 + L_mu) / np.where(c < 1, 1.0 - c, 1.0), np.inf)


def q_lipschitz_bound(L_r, L_f, L_mu, gamma) -> np.ndarray:
    r"""``L_r / (1 - gamma L_f (1 + L_mu))``, the Lipschitz bound on ``Q^mu`` in ``(s, a)``:
    ``|dQ| <= L_r |dz_0| + gamma Lip(V) L_f |dz_0|`` with ``z = (s, a)``. Vectorised."""
    L_r, L_f, L_mu, gamma = _lipschitz_args(L_r, L_f, L_mu, gamma)
    c = gamma * L_f * (1.0 + L_mu)
    with np.errstate(divide="ignore"):
        return np.where(c < 1, L_r / np.where(c < 1, 1.0 - c, 1.0), np.inf)


def empirical_lipschitz(f: Callable, x1, x2) -> float:
    r"""``max_i |f(x1_i) - f(x2_i)| / ||x1_i - x2_i||_1`` over pairs of points (rows): a *lower*
    bound on the Lipschitz constant of ``f`` in l1.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import control
    >>> x = np.random.default_rng(0).normal(size=(100, 2))
    >>> control.empirical_lipschitz(lambda z: np.abs(z).sum(1), x, -x[::-1]) <= 1.0 + 1e-12
    True
    """
    x1 = V_.real_array("x1", x1, ndim=2)
    x2 = V_.real_array("x2", x2, ndim=2)
    if x1.shape != x2.shape:
        raise ValueError(f"x1 and x2 must have the same shape; got {x1.shape} and {x2.shape}")
    dist = np.abs(x1 - x2).sum(axis=1)
    ok = dist > 0
    if not ok.any():
        raise ValueError("all pairs coincide (x1 == x2)")
    f = V_.function("f", f, what="mapping points (n, d) to values (n,)")
    df = np.abs(np.asarray(f(x1[ok]), dtype=float) - np.asarray(f(x2[ok]), dtype=float))
    return float(np.max(df / dist[ok]))


def horizon_for_tolerance(gamma: float, growth: float = 1.0, tol: float = 1e-12) -> int:
    """Smallest ``T`` with ``(gamma * growth)^T <= tol``: the truncation of a discounted sum whose
    terms shrink at least as fast as ``growth^t`` (``gamma * growth < 1``)."""
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0, hi_open=True)
    growth = V_.nonneg_real("growth", growth)
    tol = V_.real_in("tol", tol, 0.0, 1.0, lo_open=True, hi_open=True)
    c = gamma * growth
    if c >= 1:
        raise ValueError(f"need gamma * growth < 1; got {c}")
    if c == 0:
        return 1
    return int(np.ceil(np.log(tol) / np.log(c)))
